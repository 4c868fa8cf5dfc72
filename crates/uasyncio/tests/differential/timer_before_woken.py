# Scenario: a timer that expired while a task blocked the loop runs before a
# task woken later by an Event, and sleep(0) goes behind both. (Blocking the
# loop needs the real clock: the Rust twin runs on the system clock.)
import asyncio
import time


async def timed():
    await asyncio.sleep_ms(20)
    print("timer task runs")


async def woken(ev):
    await ev.wait()
    print("woken task runs")


async def main():
    ev = asyncio.Event()
    asyncio.create_task(timed())
    asyncio.create_task(woken(ev))
    await asyncio.sleep(0)
    print("main blocks the loop for 60 ms")
    time.sleep_ms(60)
    ev.set()
    print("main yields")
    await asyncio.sleep(0)
    print("main runs again")


asyncio.run(main())
