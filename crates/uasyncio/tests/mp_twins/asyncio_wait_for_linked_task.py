# Twin of asyncio_wait_for_linked_task (tests/mp_wait_for.rs): three tasks,
# each awaiting the one before it, then working; the caller waits for the
# first and then the last, from a coroutine and from plain code.
import asyncio


async def job(prerequisite, name):
    if prerequisite:
        await prerequisite
    await asyncio.sleep(0.1)
    print(name, "work completed")


def plan(loop):
    t0 = loop.create_task(job(None, "task0"))
    t1 = loop.create_task(job(t0, "task1"))
    t2 = loop.create_task(job(t1, "task2"))
    return t0, t2


async def from_a_coroutine():
    print("--- async test")
    t0, t2 = plan(asyncio.get_event_loop())
    await t0
    print("-> task0 done")
    await t2
    print("-> task2 done")


loop = asyncio.get_event_loop()
loop.run_until_complete(from_a_coroutine())

print("--- sync test")
t0, t2 = plan(loop)
loop.run_until_complete(t0)
print("-> task0 done")
loop.run_until_complete(t2)
print("-> task2 done")
