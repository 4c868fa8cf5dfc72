# Twin of asyncio_gather_finished_early (tests/mp_gather.rs): gather over
# tasks that all finished (or failed) before it starts, with and without a
# task still running beside them, with and without return_exceptions.
import asyncio


async def finishes_early(name, ev, fail):
    print("task_that_finishes_early", name)
    ev.set()
    if fail:
        raise ValueError("intentional exception", name)


async def keeps_running():
    for i in range(5):
        print("task_that_runs", i)
        await asyncio.sleep(0)


async def scenario(with_runner, fail, return_exceptions):
    print("== start", with_runner, fail, return_exceptions)
    asyncio.get_event_loop().set_exception_handler(lambda loop, context: None)
    ev_a, ev_b = asyncio.Event(), asyncio.Event()
    tasks = []
    if with_runner:
        tasks.append(asyncio.create_task(keeps_running()))
    tasks.append(asyncio.create_task(finishes_early("a", ev_a, fail)))
    tasks.append(asyncio.create_task(finishes_early("b", ev_b, fail)))
    await ev_a.wait()
    await ev_b.wait()
    try:
        result = ("complete", await asyncio.gather(*tasks, return_exceptions=return_exceptions))
    except Exception as e:
        result = ("exception", e, with_runner and tasks[0].done())
    if with_runner:
        await tasks[0]
    print(result)


for i in range(8):
    asyncio.run(scenario(bool(i & 4), bool(i & 2), bool(i & 1)))
