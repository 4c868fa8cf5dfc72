# The scenario of asyncio_lock and asyncio_lock_handover_and_cancel
# (tests/mp_lock.rs), imported by both twins: acquire/release and locked();
# three tasks taking the lock in turns get it in FIFO order; two tasks hold it
# across a sleep (with `probe`, each prints locked() right after a release
# that handed the lock on); a waiter cancelled after being handed the lock
# passes it on; waiters cancelled while queued or while holding it leave it
# free.
import asyncio


async def take_turns(n, lock):
    print("task start", n)
    for i in range(3):
        async with lock:
            print("task have", n, i)
    print("task end", n)


async def hold_across_sleep(lock, probe):
    async with lock:
        print("task have", lock.locked())
        await asyncio.sleep(0.2)
    if probe:
        print("task release", lock.locked())
    else:
        print("task release")
    async with lock:
        print("task have again")


async def hold_or_cancel(n, lock, victim=None):
    try:
        async with lock:
            print("task got", n)
            await asyncio.sleep(0.1)
        print("task release", n)
        if victim:
            victim[0].cancel()
    except asyncio.CancelledError:
        print("task cancel", n)


async def main(probe):
    lock = asyncio.Lock()
    print(lock.locked())
    await lock.acquire()
    print(lock.locked())
    await asyncio.sleep(0)
    lock.release()
    print(lock.locked())
    await asyncio.sleep(0)
    async with lock:
        print("have lock")

    print("----")
    asyncio.create_task(take_turns(1, lock))
    asyncio.create_task(take_turns(2, lock))
    t3 = asyncio.create_task(take_turns(3, lock))
    await lock.acquire()
    await asyncio.sleep(0)
    lock.release()
    await t3

    print("----")
    asyncio.create_task(hold_across_sleep(lock, probe))
    await asyncio.sleep(0.1)
    await hold_across_sleep(lock, probe)

    print("----")
    victim = []
    asyncio.create_task(hold_or_cancel(0, lock, victim))
    victim.append(asyncio.create_task(hold_or_cancel(1, lock)))
    asyncio.create_task(hold_or_cancel(2, lock))
    await asyncio.sleep(0.3)
    print(lock.locked())

    print("----")
    asyncio.create_task(hold_or_cancel(0, lock))
    c1 = asyncio.create_task(hold_or_cancel(1, lock))
    c2 = asyncio.create_task(hold_or_cancel(2, lock))
    await asyncio.sleep(0.05)
    c1.cancel()
    await asyncio.sleep(0.1)
    c2.cancel()
    await asyncio.sleep(0.1)
    print(lock.locked())


def run(probe):
    asyncio.run(main(probe))
