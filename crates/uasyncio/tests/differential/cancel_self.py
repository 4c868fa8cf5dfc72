# Scenario: current_task() outside a task is an error; a task cannot cancel
# itself (the error is raised in the task, which carries on).
import asyncio


async def selfish():
    me = asyncio.current_task()
    try:
        me.cancel()
        print("cancelled self")
    except RuntimeError as e:
        print("cancel self:", e)
    print("selfish done:", me.done())
    await asyncio.sleep(0)
    return "still running"


async def main():
    t = asyncio.create_task(selfish())
    print("main awaits")
    print("main got", await t)
    print("done:", t.done())


try:
    asyncio.current_task()
except RuntimeError as e:
    print("outside a task:", e)
asyncio.run(main())
