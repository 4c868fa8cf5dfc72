# Scenario: a task that fails while nobody awaits it reaches the loop's
# exception handler one scheduling round later; a task awaited in the meantime
# hands its failure to the awaiter instead; cancelled and successful tasks
# never reach the handler; set_exception_handler(None) restores the default.
import asyncio


def handler(loop, context):
    print("handler:", context["message"], "|", context["exception"])


async def fail_now(msg):
    print("raising", msg)
    raise ValueError(msg)


async def fail_later(msg, ms):
    await asyncio.sleep_ms(ms)
    print("raising", msg)
    raise ValueError(msg)


async def succeed():
    return 5


async def sleep_long():
    await asyncio.sleep_ms(1000)


async def main():
    loop = asyncio.get_event_loop()
    print("default handler:", loop.get_exception_handler() is None)
    loop.set_exception_handler(handler)
    print("handler installed:", loop.get_exception_handler() is handler)

    asyncio.create_task(fail_now("unobserved"))
    await asyncio.sleep(0)
    print("main round 1")
    await asyncio.sleep(0)
    print("main round 2")

    t = asyncio.create_task(fail_now("observed"))
    await asyncio.sleep(0)
    print("main awaits observed")
    try:
        await t
    except ValueError as e:
        print("main caught", e)
    await asyncio.sleep(0)
    print("main round 3")

    asyncio.create_task(fail_later("timed", 20))
    asyncio.create_task(succeed())
    c = asyncio.create_task(sleep_long())
    await asyncio.sleep_ms(40)
    print("main woke")
    c.cancel()
    await asyncio.sleep_ms(20)
    print("main woke again")

    loop.set_exception_handler(None)
    print("default handler restored:", loop.get_exception_handler() is None)


asyncio.run(main())
