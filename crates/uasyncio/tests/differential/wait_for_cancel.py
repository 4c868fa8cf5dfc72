# Scenario: cancelling a task blocked in wait_for also cancels the awaitable
# that wait_for runs; the caller's finally runs, then the awaitable's.
import asyncio


async def inner():
    try:
        print("inner sleeps")
        await asyncio.sleep_ms(1000)
        print("inner woke")
    finally:
        print("inner finally")


async def waiting():
    try:
        print("waiting calls wait_for")
        await asyncio.wait_for_ms(inner(), 500)
        print("waiting: wait_for returned")
    finally:
        print("waiting finally")


async def main():
    t = asyncio.create_task(waiting())
    await asyncio.sleep_ms(20)
    print("main cancels waiting", t.cancel())
    try:
        await t
    except asyncio.CancelledError:
        print("main: waiting cancelled")
    await asyncio.sleep_ms(20)
    print("main done")


asyncio.run(main())
