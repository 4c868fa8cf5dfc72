# Scenario: sleep(0) sends a task to the back of the tasks that are due, so
# spinning tasks take turns; a task created mid-round joins behind those
# already queued.
import asyncio


async def spinner(name, rounds):
    for i in range(rounds):
        print(name, i)
        if name == "a" and i == 1:
            print("a creates d")
            asyncio.create_task(spinner("d", 2))
        await asyncio.sleep(0)
    print(name, "finished")


async def main():
    tasks = [asyncio.create_task(spinner(n, 3)) for n in ("a", "b", "c")]
    print("main yields")
    await asyncio.sleep(0)
    print("main runs again")
    for t in tasks:
        await t
    print("main done")


asyncio.run(main())
