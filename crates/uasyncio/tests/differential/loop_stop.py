# Scenario: run_forever() runs the loop until stop(); stop() does not
# interrupt the running task and calling it twice is harmless; the tasks left
# resume in the next run_until_complete(), which returns its coroutine's value.
import asyncio


async def ticker(loop):
    for i in range(3):
        await asyncio.sleep_ms(20)
        print("tick", i)
    print("ticker stops the loop")
    loop.stop()
    loop.stop()
    print("ticker after stop")
    await asyncio.sleep_ms(20)
    print("ticker resumes")


async def later():
    print("later starts")
    await asyncio.sleep_ms(40)
    print("later ends")
    return 42


loop = asyncio.get_event_loop()
loop.create_task(ticker(loop))
print("run_forever")
loop.run_forever()
print("run_forever returned")
print("run_until_complete ->", loop.run_until_complete(later()))
