# Twin of asyncio_basic2 (tests/mp_tasks.rs): run() gives back main's value
# as soon as main returns, while a task main started still sleeps.
import asyncio


async def sleeper():
    print("forever start")
    await asyncio.sleep(10)


async def main():
    print("main start")
    asyncio.create_task(sleeper())
    await asyncio.sleep(0.001)
    print("main done")
    return 42


print(asyncio.run(main()))
