# Twin of asyncio_cancel_wait_on_finished (tests/mp_cancel.rs): a task that
# awaits another is cancelled in the round where the awaited task has just
# finished: it does not resume, and awaiting it raises CancelledError.
import asyncio


async def sleeper():
    print("sleep_task sleep")
    await asyncio.sleep(0)
    print("sleep_task wake")


async def waiter(t):
    print("wait_task wait")
    await t
    print("wait_task wake")


async def main():
    waiting = asyncio.create_task(waiter(asyncio.create_task(sleeper())))
    print("main sleep")
    await asyncio.sleep(0)
    print("main sleep")
    await asyncio.sleep(0)
    waiting.cancel()
    print("main wait")
    try:
        await waiting
    except asyncio.CancelledError as e:
        print(repr(e))


asyncio.run(main())
