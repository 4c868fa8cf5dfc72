# Twin of asyncio_wait_task (tests/mp_wait_for.rs): await a task; await one
# that already finished; two tasks sleeping 0.2 s and 0.4 s run side by side;
# await a task that fails at once, and one whose failure went to the
# (silenced) exception handler rounds earlier: the failure is still there.
import asyncio
from time import ticks_ms, ticks_diff


async def say(n):
    print("task", n)


async def fails():
    print("task_raise")
    raise ValueError


async def say_later(secs, what):
    await asyncio.sleep(secs)
    print(what)


async def main():
    print("start")
    await asyncio.create_task(say(1))
    t = asyncio.create_task(say(2))
    await asyncio.sleep(0.001)
    await t
    print("----")

    ts1 = asyncio.create_task(say_later(0.2, "hello"))
    ts2 = asyncio.create_task(say_later(0.4, "world"))
    print("start")
    t0 = ticks_ms()
    await ts1
    t1 = ticks_ms()
    await ts2
    t2 = ticks_ms()
    print("took", round(ticks_diff(t1, t0), -2), round(ticks_diff(t2, t1), -2))

    try:
        await asyncio.create_task(fails())
    except ValueError:
        print("ValueError")

    asyncio.get_event_loop().set_exception_handler(lambda loop, context: None)
    t = asyncio.create_task(fails())
    for _ in range(5):
        await asyncio.sleep(0)
    try:
        await t
    except ValueError:
        print("ValueError")


asyncio.run(main())
