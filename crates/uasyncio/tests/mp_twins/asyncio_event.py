# Twin of asyncio_event (tests/mp_event.rs): set/clear/is_set without waiters;
# one set wakes two waiters in order; waiting on a set event returns at once;
# clear then set again; a waiter cancelled after the set, or before it, never
# resumes; wait_for on an event set in time, and one that times out.
import asyncio


async def waiter(n, ev):
    print("start", n)
    await ev.wait()
    print(True)
    print("end", n)


async def set_later(secs, ev):
    await asyncio.sleep(secs)
    print("set event")
    ev.set()


async def main():
    ev = asyncio.Event()
    print(ev.is_set())
    ev.set()
    print(ev.is_set())
    ev.clear()
    print(ev.is_set())

    print("----")
    asyncio.create_task(waiter(1, ev))
    asyncio.create_task(waiter(2, ev))
    print("yield")
    await asyncio.sleep(0)
    print("set event")
    ev.set()
    print("yield")
    await asyncio.sleep(0)

    print("----")
    asyncio.create_task(waiter(3, ev))
    print("yield")
    await asyncio.sleep(0)

    print("----")
    print("clear event")
    ev.clear()
    asyncio.create_task(waiter(4, ev))
    await asyncio.sleep(0)
    print("set event")
    ev.set()
    await asyncio.sleep(0)

    print("----")
    ev = asyncio.Event()
    t = asyncio.create_task(waiter(5, ev))
    await asyncio.sleep(0)
    ev.set()
    t.cancel()
    await asyncio.sleep(0.1)

    print("----")
    ev = asyncio.Event()
    t = asyncio.create_task(waiter(6, ev))
    await asyncio.sleep(0)
    t.cancel()
    ev.set()
    await asyncio.sleep(0.1)

    print("----")
    ev.clear()
    asyncio.create_task(set_later(0.01, ev))
    await asyncio.wait_for(ev.wait(), 0.1)
    await asyncio.sleep(0)

    print("----")
    ev.clear()
    asyncio.create_task(set_later(0.1, ev))
    try:
        await asyncio.wait_for(ev.wait(), 0.01)
    except asyncio.TimeoutError:
        print("TimeoutError")
    await ev.wait()


asyncio.run(main())
