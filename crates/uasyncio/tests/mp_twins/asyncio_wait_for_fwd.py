# Twin of asyncio_wait_for_fwd (tests/mp_wait_for.rs): a task blocked in
# wait_for on a coroutine (2 s under a 1 s timeout) is cancelled by another
# task after 10 ms: the task and the coroutine both see the cancellation.
import asyncio


async def awaiting(secs):
    try:
        print("awaiting started")
        await asyncio.sleep(secs)
    except asyncio.CancelledError:
        print("awaiting canceled")
        raise


async def wait():
    try:
        await asyncio.wait_for(awaiting(2), 1)
    except asyncio.TimeoutError:
        print("Got timeout error")
    except asyncio.CancelledError:
        print("Got canceled")
        raise


async def cancel(t):
    print("cancel started")
    await asyncio.sleep(0.01)
    print("cancel wait()")
    t.cancel()


async def main():
    print("----------")
    t = asyncio.create_task(wait())
    asyncio.create_task(cancel(t))
    try:
        await t
    except asyncio.CancelledError:
        print("waiting got cancelled")


for _ in range(2):
    asyncio.run(main())
