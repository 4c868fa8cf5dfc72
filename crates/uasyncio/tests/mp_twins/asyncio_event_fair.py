# Twin of asyncio_event_fair (tests/mp_event.rs): two tasks that set, clear
# and wait on one event in a loop do not starve two tasks that only yield.
import asyncio


async def yielder(n):
    for _ in range(4):
        print("sleep", n)
        await asyncio.sleep(0)


async def pinger(n, ev):
    for _ in range(4):
        ev.set()
        ev.clear()
        print("wait", n)
        await ev.wait()


async def main():
    ev = asyncio.Event()
    asyncio.create_task(yielder(0))
    t1 = asyncio.create_task(pinger(2, ev))
    asyncio.create_task(yielder(1))
    asyncio.create_task(pinger(3, ev))
    await t1
    ev.set()


asyncio.run(main())
