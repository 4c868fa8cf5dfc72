# Scenario: a failure in run()'s main coroutine propagates out of run(); the
# other tasks stay queued and go on in the next run().
import asyncio


async def background():
    for i in range(3):
        await asyncio.sleep_ms(40)
        print("background", i)


async def failing_main():
    asyncio.create_task(background())
    await asyncio.sleep_ms(60)
    print("main raises")
    raise ValueError("main failed")


async def next_main():
    await asyncio.sleep_ms(100)
    print("next main returns")


try:
    asyncio.run(failing_main())
except ValueError as e:
    print("run raised:", e)
asyncio.run(next_main())
