# Scenario: create_task only queues the new task; it first runs once the
# creator yields, and tasks created together start in creation order.
import asyncio


async def worker(name, steps):
    print(name, "start")
    for i in range(steps):
        await asyncio.sleep(0)
        print(name, "step", i)
    print(name, "end")
    return name + " done"


async def main():
    print("main start")
    a = asyncio.create_task(worker("A", 2))
    b = asyncio.create_task(worker("B", 1))
    print("main created A and B")
    c = asyncio.create_task(worker("C", 0))
    print("main before yield")
    await asyncio.sleep(0)
    print("main after yield")
    print("main got", await a)
    print("main got", await b)
    print("B done:", b.done())
    print("main got", await c)
    return 7


print("run returned", asyncio.run(main()))
