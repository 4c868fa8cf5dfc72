# Twin of asyncio_gather (tests/mp_gather.rs): results in argument order;
# gather of nothing; with return_exceptions a cancelled and a failed task
# fill their slots; without it the first failure is raised at once while the
# other task runs on; two failures raise the first; cancelling a task blocked
# in gather cancels its sub-tasks.
import asyncio


async def factorial(name, number):
    f = 1
    for i in range(2, number + 1):
        print("Task {}: Compute factorial({})...".format(name, i))
        await asyncio.sleep(0.01)
        f *= i
    print("Task {}: factorial({}) = {}".format(name, number, f))
    return f


async def member(n, secs):
    print("start", n)
    await asyncio.sleep(secs)
    print("end", n)
    return n


async def loops(n):
    print("task_loop start", n)
    while True:
        await asyncio.sleep(0.1)
        print("task_loop loop", n)


async def raises(n, secs):
    print("task_raise start", n)
    await asyncio.sleep(secs)
    print("task_raise raise", n)
    raise ValueError(n)


async def gathers(a, b):
    print("gather_task")
    await asyncio.gather(a, b)
    print("gather_task2")


async def main():
    print(await asyncio.gather(factorial("A", 2), factorial("B", 3), factorial("C", 4)))

    print("====")
    print(await asyncio.gather())

    print("====")
    tasks = [asyncio.create_task(member(1, 0.1)), asyncio.create_task(member(2, 0.1))]
    tasks[0].cancel()
    print(await asyncio.gather(*tasks, return_exceptions=True))

    print("====")
    tasks = [asyncio.create_task(member(1, 0.1)), asyncio.create_task(raises(2, 0.1))]
    print(await asyncio.gather(*tasks, return_exceptions=True))

    print("====")
    tasks = [asyncio.create_task(loops(1)), asyncio.create_task(raises(2, 0.1))]
    try:
        await asyncio.gather(*tasks)
    except ValueError as e:
        print(repr(e))
    print(tasks[0].done(), tasks[1].done())
    for t in tasks:
        t.cancel()
    await asyncio.sleep(0.2)

    print("====")
    tasks = [asyncio.create_task(raises(1, 0)), asyncio.create_task(raises(2, 0))]
    try:
        await asyncio.gather(*tasks)
    except ValueError as e:
        print(repr(e))
    print(tasks[0].done(), tasks[1].done())

    print("====")
    t = asyncio.create_task(gathers(member(1, 0.1), member(2, 0.1)))
    await asyncio.sleep(0.05)
    t.cancel()
    await asyncio.sleep(0.2)


asyncio.run(main())
