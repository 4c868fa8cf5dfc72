# Twin of asyncio_get_event_loop (tests/mp_loop.rs): the thread's loop runs a
# coroutine to completion with run_until_complete.
import asyncio


async def main():
    print("start")
    await asyncio.sleep(0.01)
    print("end")


asyncio.get_event_loop().run_until_complete(main())
