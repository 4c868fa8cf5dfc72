# Twin of asyncio_wait_for (tests/mp_wait_for.rs): the value of an awaitable
# that beats the timeout; a timeout cancels it; a failure inside it reaches
# the caller; a task awaited under a timeout and cancelled by a third task
# raises CancelledError; cancelling the task blocked in wait_for cancels the
# awaitable too.
import asyncio


async def job(n, secs):
    print("task start", n)
    await asyncio.sleep(secs)
    print("task end", n)
    return n * 2


async def fails():
    print("task start")
    raise ValueError


async def cancel_other(secs, other):
    print("task_cancel_other start")
    await asyncio.sleep(secs)
    print("task_cancel_other cancel")
    other.cancel()


async def wait_for_then_cancelled(n, secs, timeout):
    print("task_wait_for_cancel start")
    try:
        await asyncio.wait_for(job(n, secs), timeout)
    except asyncio.CancelledError:
        print("task_wait_for_cancel cancelled")
        raise


async def main():
    sep = "----------"
    for n, secs, timeout in ((1, 0.01, 10), (2, 10, 0.01)):
        try:
            print(await asyncio.wait_for(job(n, secs), timeout))
        except asyncio.TimeoutError:
            print("timeout")
        print(sep)

    try:
        await asyncio.wait_for(asyncio.create_task(fails()), 1)
    except ValueError:
        print("ValueError")
    print(sep)

    t = asyncio.create_task(job(4, 10))
    asyncio.create_task(cancel_other(0.01, t))
    try:
        print(await asyncio.wait_for(t, 1))
    except asyncio.TimeoutError:
        print("timeout")
    except asyncio.CancelledError as e:
        print(repr(e))
    print(sep)

    t = asyncio.create_task(wait_for_then_cancelled(4, 1, 2))
    await asyncio.sleep(0.01)
    t.cancel()
    await asyncio.sleep(0.01)
    print(sep)

    print("finish")


asyncio.run(main())
