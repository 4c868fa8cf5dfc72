# Twin of asyncio_await_return (tests/mp_tasks.rs): a coroutine's value comes
# back when it is awaited directly and when its task is awaited.
import asyncio


async def answer():
    return 42


async def main():
    print(await answer())
    task = asyncio.create_task(answer())
    print(await task)


asyncio.run(main())
