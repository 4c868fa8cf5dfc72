# Twin of asyncio_micropython (tests/mp_tasks.rs): sleep_ms is short; adding
# half the ticks period overflows; wait_for_ms gives the value of a task that
# beats its timeout and times out one that does not.
import asyncio
from time import ticks_ms, ticks_diff, ticks_add


async def job(n, ms):
    print("task start", n)
    await asyncio.sleep_ms(ms)
    print("task end", n)
    return n * 2


async def main():
    t0 = ticks_ms()
    await asyncio.sleep_ms(1)
    print(ticks_diff(ticks_ms(), t0) < 100)

    try:
        ticks_add(0, ticks_add(0, -1) // 2 + 1)
    except OverflowError:
        print("OverflowError")

    for n, ms, limit in ((1, 5, 50), (2, 50, 5)):
        try:
            print(await asyncio.wait_for_ms(job(n, ms), limit))
        except asyncio.TimeoutError:
            print("timeout")
    print("finish")


asyncio.run(main())
