# Twin of asyncio_new_event_loop (tests/mp_loop.rs): a loop is stopped while
# one of its tasks is half done, then closed; in the loop new_event_loop()
# gives, that task never runs again.
import asyncio


async def steps():
    for i in range(4):
        print("task", i)
        await asyncio.sleep(0)
        await asyncio.sleep(0)


async def main(loop):
    print("start")
    loop.create_task(steps())
    await asyncio.sleep(0)
    print("stop")
    loop.stop()


def run_once(loop):
    loop.create_task(main(loop))
    loop.run_forever()
    loop.close()


run_once(asyncio.get_event_loop())
run_once(asyncio.new_event_loop())
