# Scenario: a task cancelled while waiting on an Event leaves the Event's
# queue: set() wakes only the others, in order, after the cancelled one has
# finished.
import asyncio


async def waiter(name, ev):
    try:
        print(name, "waits")
        await ev.wait()
        print(name, "woke")
    finally:
        print(name, "finally")


async def main():
    ev = asyncio.Event()
    tasks = [asyncio.create_task(waiter(n, ev)) for n in ("w1", "w2", "w3")]
    await asyncio.sleep_ms(20)
    print("main cancels w2", tasks[1].cancel())
    ev.set()
    print("main set the event")
    await asyncio.sleep(0)
    print("main: done", [t.done() for t in tasks].count(True))


asyncio.run(main())
