# memory_per_task: heap bytes per idle sleeping task (task + coroutine), from
# gc.mem_alloc() with N tasks asleep minus the baseline, divided by N.
import sys
import gc
import asyncio
from benchlib import report

N = int(sys.argv[1])
started = 0


async def sleeper():
    global started
    started += 1
    await asyncio.sleep_ms(500)


async def main():
    gc.collect()
    base = gc.mem_alloc()
    for _ in range(N):
        asyncio.create_task(sleeper())
    while started < N:
        await asyncio.sleep_ms(1)
    gc.collect()
    used = gc.mem_alloc() - base
    report("memory_per_task", used / N)
    await asyncio.sleep_ms(600)


asyncio.run(main())
