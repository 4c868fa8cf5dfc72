# Tutorial 5, coroutine basics: the MicroPython twin of
# examples/coroutine_basics.rs.
import machine

machine.world([], 6000)

import time
import asyncio


async def answer():
    return 42


async def work(name, secs):
    print("%s: start" % name)
    await asyncio.sleep(secs)
    print("%s: done after %d s" % (name, secs))
    return secs


async def add(lock, counter, times):
    for _ in range(times):
        async with lock:
            value = counter[0]
            await asyncio.sleep(0)  # another task would run here
            counter[0] = value + 1


def elapsed(start):
    return time.ticks_diff(time.ticks_ms(), start) / 1000


async def main():
    value = await answer()
    print("answer() returned %d" % value)

    start = time.ticks_ms()
    await work("a", 1)
    await work("b", 2)
    print("sequential: %.1f s" % elapsed(start))

    start = time.ticks_ms()
    a, b = await asyncio.gather(work("a", 1), work("b", 2))
    print("concurrent: %.1f s, results %d and %d" % (elapsed(start), a, b))

    lock = asyncio.Lock()
    counter = [0]
    tasks = [asyncio.create_task(add(lock, counter, 100)) for _ in range(3)]
    for task in tasks:
        await task
    print("counter: %d" % counter[0])


asyncio.run(main())
