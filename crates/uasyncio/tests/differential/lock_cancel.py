# Scenario: a Lock waiter cancelled while queued leaves the queue; a waiter
# cancelled after being handed the lock (before it ran) passes it on.
import asyncio

tasks = {}


async def holder(name, lock, hold_ms, cancel_after_release=None):
    async with lock:
        print(name, "has lock")
        await asyncio.sleep_ms(hold_ms)
        print(name, "releases")
    if cancel_after_release:
        print(name, "cancels", cancel_after_release, tasks[cancel_after_release].cancel())


async def waiter(name, lock):
    try:
        print(name, "waits")
        async with lock:
            print(name, "has lock")
        print(name, "released")
    finally:
        print(name, "finally")


async def main():
    lock = asyncio.Lock()
    tasks["A"] = asyncio.create_task(holder("A", lock, 40, "C"))
    for n in ("B", "C", "D", "E"):
        tasks[n] = asyncio.create_task(waiter(n, lock))
    await asyncio.sleep_ms(20)
    print("main cancels B", tasks["B"].cancel())
    for n in ("A", "B", "C", "D", "E"):
        try:
            await tasks[n]
            print("main:", n, "finished")
        except asyncio.CancelledError:
            print("main:", n, "cancelled")
    print("locked:", lock.locked())


asyncio.run(main())
