# Scenario: wait_for returns the value when the awaitable finishes in time;
# on timeout the awaitable is cancelled (its finally runs) before TimeoutError
# reaches the caller; a failure inside is passed through. Times are ms since
# main started, truncated to 10 ms.
import asyncio
from time import ticks_ms, ticks_diff

t0 = 0


def now():
    return ticks_diff(ticks_ms(), t0) // 10 * 10


async def job(name, ms, result, fail=False):
    try:
        print(now(), name, "starts")
        await asyncio.sleep_ms(ms)
        if fail:
            raise ValueError(name + " failed")
        print(now(), name, "finishes")
        return result
    finally:
        print(now(), name, "finally")


async def main():
    global t0
    t0 = ticks_ms()
    r = await asyncio.wait_for_ms(job("fast", 20, 1), 40)
    print(now(), "fast ->", r)
    try:
        await asyncio.wait_for_ms(job("slow", 60, 2), 40)
        print("slow returned")
    except asyncio.TimeoutError:
        print(now(), "slow -> TimeoutError")
    try:
        await asyncio.wait_for(job("bad", 20, 3, True), 0.1)
    except ValueError as e:
        print(now(), "bad ->", e)
    r = await asyncio.wait_for(job("secs", 20, 4), 1)
    print(now(), "secs ->", r)
    await asyncio.sleep_ms(60)
    print(now(), "main done")


asyncio.run(main())
