# Twin of asyncio_set_exception_handler (tests/mp_loop.rs): no handler at
# first; the handler set is the one read back; an unobserved failure reaches
# it within main's next two yields; two reach it in order; a failure main
# awaits never does.
import asyncio


def custom_handler(loop, context):
    print("custom_handler", repr(context["exception"]))


async def fails(i):
    raise ValueError(i, i + 1)


async def main():
    loop = asyncio.get_event_loop()
    print(loop.get_exception_handler())
    loop.set_exception_handler(custom_handler)
    print(loop.get_exception_handler() == custom_handler)

    asyncio.create_task(fails(0))
    print("sleep")
    for _ in range(2):
        await asyncio.sleep(0)

    asyncio.create_task(fails(1))
    asyncio.create_task(fails(2))
    print("sleep")
    for _ in range(2):
        await asyncio.sleep(0)

    t = asyncio.create_task(fails(3))
    await asyncio.sleep(0)
    try:
        await t
    except ValueError as e:
        print(repr(e))
    print("done")


asyncio.run(main())
