# Twin of asyncio_cancel_self (tests/mp_cancel.rs): a task that cancels
# itself fails with "can't cancel self", which escapes run() through main.
import asyncio

me = []


async def cancels_itself():
    print("task start")
    me[0].cancel()


async def main():
    me.append(asyncio.create_task(cancels_itself()))
    try:
        await me[0]
    except asyncio.CancelledError:
        print("main cancel")
    print("main done")


try:
    asyncio.run(main())
except RuntimeError as e:
    print(e)
