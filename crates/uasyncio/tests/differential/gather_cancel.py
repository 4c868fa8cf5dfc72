# Scenario: cancelling a task blocked in gather cancels every sub-task still
# running; sub-tasks that already finished keep their result.
import asyncio


async def part(name, ms):
    try:
        await asyncio.sleep_ms(ms)
        print(name, "done")
        return name
    finally:
        print(name, "finally")


async def gatherer():
    try:
        res = await asyncio.gather(part("a", 20), part("b", 60), part("c", 80))
        print("gather returned", len(res))
    finally:
        print("gatherer finally")


async def main():
    g = asyncio.create_task(gatherer())
    await asyncio.sleep_ms(40)
    print("main cancels gatherer", g.cancel())
    try:
        await g
    except asyncio.CancelledError:
        print("main: gatherer cancelled")
    await asyncio.sleep_ms(60)
    print("main done")


asyncio.run(main())
