# Twin of asyncio_cancel_fair (tests/mp_cancel.rs): tasks 0 and 1 yield in a
# loop and cancel each other after every turn while task 2 only yields; a
# cancellation is printed and re-raised (the task ends), and task 2 is not
# starved.
import asyncio


async def turns(n, other, tasks):
    try:
        for _ in range(3):
            print("start", n)
            await asyncio.sleep(0)
            print("done", n)
            if other is not None:
                print(n, "cancels", other)
                tasks[other].cancel()
    except asyncio.CancelledError:
        print("cancelled", n)
        raise


async def main():
    tasks = []
    tasks.append(asyncio.create_task(turns(0, 1, tasks)))
    tasks.append(asyncio.create_task(turns(1, 0, tasks)))
    tasks.append(asyncio.create_task(turns(2, None, tasks)))
    await tasks[2]
    print(tasks[0].done(), tasks[1].done())


asyncio.run(main())
