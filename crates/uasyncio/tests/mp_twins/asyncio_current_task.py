# Twin of asyncio_current_task (tests/mp_tasks.rs): no current task outside a
# running loop; inside, a task sees itself.
import asyncio


def outside():
    try:
        asyncio.current_task()
        print("a current task")
    except RuntimeError:
        print("RuntimeError")


seen = []


async def child():
    seen.append(asyncio.current_task())


async def main():
    t = asyncio.create_task(child())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    print(seen[0] is t)


outside()
asyncio.run(main())
outside()
