# Twin of asyncio_gather_cancel_edges (tests/mp_gather.rs): a task blocked in
# gather of two coroutines that yield once is cancelled after main yielded 1,
# 2 or 3 times: while the sub-tasks are created, run, and finish.
import asyncio


async def member(n):
    print("start", n)
    await asyncio.sleep(0)
    print("end", n)
    return n


async def gathers():
    print("gather_task")
    await asyncio.gather(member(1), member(2))
    print("gather_task2")


async def main():
    for i in range(1, 4):
        print("====")
        t = asyncio.create_task(gathers())
        for _ in range(i):
            await asyncio.sleep(0)
        t.cancel()
        await asyncio.sleep(0.2)


asyncio.run(main())
