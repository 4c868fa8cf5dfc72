# Twin of asyncio_cancel_fair2 (tests/mp_cancel.rs): task a yields forever;
# three tasks cancel it again and again (cancel() is true until a is done)
# and yield; a gets its turn to end, and then every cancel() is false.
import asyncio


async def spin():
    try:
        while True:
            print("sleep a")
            await asyncio.sleep(0)
    except asyncio.CancelledError:
        print("cancelled a")
        raise


async def keep_cancelling(n, other):
    while other.cancel():
        print("sleep b", n)
        await asyncio.sleep(0)
    print("done b", n)


async def main():
    a = asyncio.create_task(spin())
    for n in range(3):
        asyncio.create_task(keep_cancelling(n, a))
    try:
        await a
    except asyncio.CancelledError:
        pass


asyncio.run(main())
