# Scenario: cancelling a task that awaits another task forwards the
# cancellation to the awaited (innermost) task; the awaited task's finally runs
# first, then the awaiting task's.
import asyncio


async def leaf():
    try:
        print("leaf sleeps")
        await asyncio.sleep_ms(1000)
        print("leaf woke")
    finally:
        print("leaf finally")
    return "leaf result"


async def middle():
    child = asyncio.create_task(leaf())
    try:
        print("middle awaits leaf")
        print("middle got", await child)
    finally:
        print("middle finally, leaf done:", child.done())


async def main():
    m = asyncio.create_task(middle())
    await asyncio.sleep_ms(20)
    print("cancel middle:", m.cancel())
    print("middle done:", m.done())
    try:
        await m
    except asyncio.CancelledError:
        print("main: middle cancelled")
    print("middle done:", m.done())


asyncio.run(main())
