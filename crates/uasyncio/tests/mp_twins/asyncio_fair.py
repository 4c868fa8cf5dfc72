# Twin of asyncio_fair (tests/mp_tasks.rs): two tasks that only ever yield
# (negative sleeps) do not starve two that sleep 0.1 s and 0.18 s between
# prints; after 0.45 s all four are cancelled.
import asyncio


async def worker(n, secs):
    print("task start", n)
    while True:
        if secs > 0:
            print("task work", n)
        await asyncio.sleep(secs)


async def main():
    ts = [
        asyncio.create_task(worker(1, -0.01)),
        asyncio.create_task(worker(2, 0.1)),
        asyncio.create_task(worker(3, 0.18)),
        asyncio.create_task(worker(4, -100)),
    ]
    await asyncio.sleep(0.45)
    for t in ts:
        t.cancel()
    print("finish")


asyncio.run(main())
