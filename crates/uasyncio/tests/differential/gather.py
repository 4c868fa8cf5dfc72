# Scenario: gather returns results in argument order whatever the finishing
# order; gather() of nothing is empty; without return_exceptions the first
# failure is raised at once and the other sub-tasks keep running; with it each
# failure sits in its slot. Times are ms since main started, truncated to 10 ms.
import asyncio
from time import ticks_ms, ticks_diff

t0 = 0


def now():
    return ticks_diff(ticks_ms(), t0) // 10 * 10


async def part(name, ms, fail=False):
    await asyncio.sleep_ms(ms)
    if fail:
        print(now(), name, "fails")
        raise ValueError(name + " failed")
    print(now(), name, "done")
    return name.upper()


async def main():
    global t0
    t0 = ticks_ms()
    res = await asyncio.gather(part("a", 60), part("b", 20), part("c", 40))
    print(now(), "results", " ".join(res))
    print(now(), "empty gather", len(await asyncio.gather()))
    try:
        await asyncio.gather(part("d", 20), part("e", 40, True), part("f", 60))
        print("gather returned")
    except ValueError as e:
        print(now(), "gather raised:", e)
    await asyncio.sleep_ms(40)
    print(now(), "main woke")
    res = await asyncio.gather(part("g", 20, True), part("h", 40), return_exceptions=True)
    for r in res:
        if isinstance(r, Exception):
            print(now(), "slot: error", r)
        else:
            print(now(), "slot: ok", r)


asyncio.run(main())
