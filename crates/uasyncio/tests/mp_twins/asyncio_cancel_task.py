# Twin of asyncio_cancel_task (tests/mp_cancel.rs): cancel a task before it
# starts, while it sleeps, several times; await a cancelled task; cancel a
# finished one; cancel a task that awaits another (the inner one goes first).
import asyncio


async def nap(secs):
    try:
        print("task start")
        await asyncio.sleep(secs)
        print("task done")
    except asyncio.CancelledError:
        print("task cancel")
        raise


async def awaits_nap():
    print("task 2")
    try:
        await asyncio.create_task(nap(0.05))
    except asyncio.CancelledError:
        print("task 2 cancel")
        raise
    print("task 2 done")


async def main():
    t = asyncio.create_task(nap(2))
    print(t.cancel())

    t = asyncio.create_task(nap(2))
    await asyncio.sleep(0.01)
    print(t.cancel())
    print("main sleep")
    await asyncio.sleep(0.01)

    t = asyncio.create_task(nap(2))
    await asyncio.sleep(0.01)
    for _ in range(4):
        print(t.cancel())
    print("main sleep")
    await asyncio.sleep(0.01)

    print("main wait")
    try:
        await t
    except asyncio.CancelledError:
        print("main got CancelledError")

    t = asyncio.create_task(nap(0.01))
    await asyncio.sleep(0.05)
    print(t.cancel())

    print("----")
    t = asyncio.create_task(awaits_nap())
    await asyncio.sleep(0.01)
    print("main cancel")
    t.cancel()
    print("main sleep")
    await asyncio.sleep(0.1)


asyncio.run(main())
