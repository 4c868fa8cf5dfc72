# Scenario: gather accepts tasks as well as coroutines, including a task that
# has already finished; results stay in argument order.
import asyncio


async def value(name, ms):
    await asyncio.sleep_ms(ms)
    print(name, "finishes")
    return name


async def main():
    early = asyncio.create_task(value("early", 0))
    running = asyncio.create_task(value("running", 60))
    await asyncio.sleep_ms(20)
    print("early done:", early.done(), "running done:", running.done())
    res = await asyncio.gather(running, value("coro", 20), early)
    print("results", " ".join(res))


asyncio.run(main())
