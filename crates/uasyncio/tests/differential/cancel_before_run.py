# Scenario: a task cancelled before its first run never executes its body;
# cancel() answers True until the task is done, then False.
import asyncio


async def body():
    print("body runs")
    return 1


async def main():
    t = asyncio.create_task(body())
    print("done before cancel:", t.done())
    print("cancel:", t.cancel())
    print("cancel again:", t.cancel())
    print("done after cancel:", t.done())
    try:
        print("await gave", await t)
    except asyncio.CancelledError:
        print("await: cancelled")
    print("done after await:", t.done())
    print("cancel when done:", t.cancel())


asyncio.run(main())
