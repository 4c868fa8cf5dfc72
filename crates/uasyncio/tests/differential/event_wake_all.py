# Scenario: Event.set() wakes every waiter in the order they started waiting
# (they run after the setter yields); clear() makes wait() block again;
# wait() on a set event returns at once; setting twice is harmless.
import asyncio


async def waiter(name, ev):
    print(name, "waits")
    await ev.wait()
    print(name, "woke, is_set:", ev.is_set())


async def main():
    ev = asyncio.Event()
    print("is_set:", ev.is_set())
    tasks = [asyncio.create_task(waiter(n, ev)) for n in ("w1", "w2", "w3")]
    await asyncio.sleep_ms(20)
    print("main sets")
    ev.set()
    print("main after set")
    await asyncio.sleep(0)
    print("main after yield, all done:", all(t.done() for t in tasks))
    ev.clear()
    print("cleared, is_set:", ev.is_set())
    late = asyncio.create_task(waiter("late", ev))
    await asyncio.sleep_ms(20)
    print("late done before set:", late.done())
    ev.set()
    ev.set()
    await late
    await ev.wait()
    print("wait on a set event returned at once")
    print("is_set:", ev.is_set())


asyncio.run(main())
