# Twin of asyncio_exception (tests/mp_tasks.rs): a failure in main escapes
# run(); so does a failure of a task main awaits; a failure in main before its
# new task ever ran escapes too, and that task never runs.
import asyncio


async def fails_at_once():
    print("main start")
    raise ValueError(1)


async def failing_child():
    print("task start")
    raise ValueError(2)


async def awaits_failing_child():
    print("main start")
    await asyncio.create_task(failing_child())


async def never_runs():
    print("task run")


async def fails_before_child_runs():
    print("main start")
    asyncio.create_task(never_runs())
    raise ValueError(3)


for main in (fails_at_once, awaits_failing_child, fails_before_child_runs):
    try:
        asyncio.run(main())
    except ValueError as e:
        print("ValueError", e.args[0])
