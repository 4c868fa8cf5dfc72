# Twin of asyncio_basic (tests/mp_tasks.rs): main awaits coroutines that sleep
# 0.2 s, 0.4 s and a negative time, and times each with the wrapping ticks.
import asyncio
from time import ticks_ms, ticks_diff


async def say_later(secs, what):
    await asyncio.sleep(secs)
    print(what)


async def main():
    print("start")
    await asyncio.sleep(0.001)
    print("after sleep")
    t0 = ticks_ms()
    await say_later(0.2, "short")
    t1 = ticks_ms()
    await say_later(0.4, "long")
    t2 = ticks_ms()
    await say_later(-1, "negative")
    t3 = ticks_ms()
    spans = (ticks_diff(t1, t0), ticks_diff(t2, t1), ticks_diff(t3, t2))
    print("took", *[round(s, -2) for s in spans])


asyncio.run(main())
