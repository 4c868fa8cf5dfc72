# Scenario: cancelling a sleeping task wakes it at once; its finally blocks run
# innermost first, when the task next runs (not inside cancel()); a bystander
# keeps its own timing.
import asyncio
from time import ticks_ms, ticks_diff

t0 = 0


def now():
    return ticks_diff(ticks_ms(), t0) // 10 * 10


async def inner():
    try:
        print(now(), "inner sleeps")
        await asyncio.sleep_ms(1000)
        print(now(), "inner woke")
    finally:
        print(now(), "inner finally")


async def outer():
    try:
        print(now(), "outer start")
        await inner()
        print(now(), "outer after inner")
    finally:
        print(now(), "outer finally")


async def bystander():
    await asyncio.sleep_ms(60)
    print(now(), "bystander woke")


async def main():
    global t0
    t0 = ticks_ms()
    t = asyncio.create_task(outer())
    b = asyncio.create_task(bystander())
    await asyncio.sleep_ms(20)
    print(now(), "main cancels")
    print(now(), "cancel:", t.cancel())
    print(now(), "done:", t.done())
    try:
        await t
    except asyncio.CancelledError:
        print(now(), "main: outer cancelled")
    print(now(), "done:", t.done())
    await b
    print(now(), "main done")


asyncio.run(main())
