# Scenario: wait_for on a task (not a bare coroutine): on timeout the task
# itself is cancelled; when it finishes in time its value is returned.
import asyncio


async def job(name, ms):
    try:
        print(name, "starts")
        await asyncio.sleep_ms(ms)
        print(name, "finishes")
        return name
    finally:
        print(name, "finally")


async def main():
    quick = asyncio.create_task(job("quick", 20))
    print("quick ->", await asyncio.wait_for_ms(quick, 40))
    slow = asyncio.create_task(job("slow", 60))
    try:
        await asyncio.wait_for_ms(slow, 40)
    except asyncio.TimeoutError:
        print("slow -> TimeoutError, done:", slow.done())
    await asyncio.sleep_ms(40)
    print("main done")


asyncio.run(main())
