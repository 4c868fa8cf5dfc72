# Scenario: what Lock.locked() says while a released lock is being handed to
# a waiter that has not run yet (MicroPython: False, though nobody else can
# take it), and once that waiter holds it (True).
import asyncio


async def waiter(lock):
    async with lock:
        print("waiter has lock, locked:", lock.locked())


async def main():
    lock = asyncio.Lock()
    await lock.acquire()
    t = asyncio.create_task(waiter(lock))
    await asyncio.sleep(0)
    print("main releases with a waiter queued")
    lock.release()
    print("during hand-off, locked:", lock.locked())
    await t
    print("after waiter, locked:", lock.locked())


asyncio.run(main())
