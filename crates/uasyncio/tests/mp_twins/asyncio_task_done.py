# Twin of asyncio_task_done (tests/mp_tasks.rs): done() before a task runs,
# after it finished at once, while it sleeps, and after it failed (at once or
# after a sleep).
import asyncio


async def work(secs, fail):
    print("task start")
    if secs >= 0:
        await asyncio.sleep(secs)
    if fail:
        raise ValueError()
    print("task done")


async def main():
    for secs, fail in ((-1, False), (0.01, False), (-1, True), (0.01, True)):
        print("==========")
        t = asyncio.create_task(work(secs, fail))
        print(t.done())
        await asyncio.sleep(0)
        print(t.done())
        try:
            await t
        except ValueError as e:
            print(repr(e))
        print(t.done())


asyncio.run(main())
