# Scenario: Lock waiters get the lock in FIFO order; release() with waiters
# hands the lock straight to the next one (a newcomer cannot barge in);
# acquiring a free lock does not yield. (What locked() says during a hand-off
# is lock_handoff_locked.py.)
import asyncio


async def worker(name, lock, hold_ms):
    print(name, "wants lock, locked:", lock.locked())
    async with lock:
        print(name, "has lock")
        await asyncio.sleep_ms(hold_ms)
        print(name, "releases")
    print(name, "released")


async def newcomer(lock):
    print("newcomer wants lock, locked:", lock.locked())
    async with lock:
        print("newcomer has lock")


async def other():
    print("other task runs")


async def main():
    lock = asyncio.Lock()
    asyncio.create_task(other())
    async with lock:
        print("main has lock without yielding")
    print("main released, locked:", lock.locked())
    tasks = [asyncio.create_task(worker(n, lock, 20)) for n in ("A", "B", "C")]
    await asyncio.sleep_ms(30)
    tasks.append(asyncio.create_task(newcomer(lock)))
    for t in tasks:
        await t
    print("final locked:", lock.locked())


asyncio.run(main())
