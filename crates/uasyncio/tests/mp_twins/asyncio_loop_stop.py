# Twin of asyncio_loop_stop (tests/mp_loop.rs): stop() makes run_forever
# return at main's next yield (twice is harmless); a task created just
# before a stop runs in the next run_forever, and pending tasks resume there.
import asyncio

loop = asyncio.get_event_loop()


async def child():
    print("task")


async def main():
    print("start")
    loop.stop()
    loop.stop()
    print("sleep")
    await asyncio.sleep(0)

    loop.stop()
    asyncio.create_task(child())
    await asyncio.sleep(0)

    print("end")
    loop.stop()


loop.create_task(main())
for i in range(3):
    print("run", i)
    loop.run_forever()
