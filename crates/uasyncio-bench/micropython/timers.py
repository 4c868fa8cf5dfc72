# timers: N tasks each sleep once for a pseudo-random 1..50 ms. MicroPython has
# no CPU clock, so the figure is wall time minus the longest sleep (50 ms), per timer.
import sys
import asyncio
from benchlib import report, now_us, delay_ms
import time

N = int(sys.argv[1])
NAME = sys.argv[2]


async def sleeper(ms):
    await asyncio.sleep_ms(ms)


async def main():
    start = now_us()
    tasks = [asyncio.create_task(sleeper(delay_ms(i))) for i in range(N)]
    for t in tasks:
        await t
    wall_us = time.ticks_diff(now_us(), start)
    report(NAME, max(wall_us - 50_000, 0) * 1000 / N)


asyncio.run(main())
