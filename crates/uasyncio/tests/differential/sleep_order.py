# Scenario: tasks sleeping for different times wake in deadline order; sleep()
# in seconds and sleep_ms() agree; a negative sleep counts as zero.
# Times are ms since main started, truncated to 10 ms (sleeps are minimums).
import asyncio
from time import ticks_ms, ticks_diff

t0 = 0


def now():
    return ticks_diff(ticks_ms(), t0) // 10 * 10


async def sleeper(name, delays_ms):
    for d in delays_ms:
        await asyncio.sleep_ms(d)
        print(now(), name, "woke after", d)
    return name


async def main():
    global t0
    t0 = ticks_ms()
    print(now(), "main start")
    tasks = [
        asyncio.create_task(sleeper("slow", [100])),
        asyncio.create_task(sleeper("ticker", [40, 40, 40])),
        asyncio.create_task(sleeper("quick", [20, 40])),
        asyncio.create_task(sleeper("late", [140, -5, 0])),
    ]
    for t in tasks:
        name = await t
        print(now(), "main awaited", name)
    await asyncio.sleep(0.04)
    print(now(), "main slept 0.04 s")


asyncio.run(main())
