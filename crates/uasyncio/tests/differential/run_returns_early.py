# Scenario: run() returns as soon as its main coroutine finishes, even while
# other tasks are still queued; they resume in the next run(), and
# new_event_loop() discards them.
import asyncio


async def background(name):
    for i in range(4):
        await asyncio.sleep_ms(40)
        print(name, "tick", i)


async def first():
    asyncio.create_task(background("bg"))
    await asyncio.sleep_ms(60)
    print("first returns")
    return "one"


async def second():
    print("second starts")
    await asyncio.sleep_ms(130)
    print("second returns")
    return "two"


async def third():
    asyncio.create_task(background("doomed"))
    await asyncio.sleep_ms(20)
    print("third returns")
    return "three"


async def fourth():
    print("fourth starts")
    await asyncio.sleep_ms(100)
    print("fourth returns")
    return "four"


print("run 1 ->", asyncio.run(first()))
print("run 2 ->", asyncio.run(second()))
print("run 3 ->", asyncio.run(third()))
asyncio.new_event_loop()
print("run 4 ->", asyncio.run(fourth()))
