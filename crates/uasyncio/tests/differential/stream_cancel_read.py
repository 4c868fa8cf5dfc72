# Scenario: a read blocked on a socket is cancelled (by wait_for's timeout,
# and by cancelling its task); the stream stays usable afterwards.
import asyncio
import os

# The port the test runner found free (this fixed one when run by hand).
PORT = int(os.getenv("UASYNCIO_TEST_PORT") or 48734)


async def handler(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(b"after " + line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(handler, "127.0.0.1", PORT)
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    try:
        await asyncio.wait_for_ms(reader.read(10), 50)
    except asyncio.TimeoutError:
        print("read timed out")
    writer.write(b"timeout\n")
    await writer.drain()
    print("then read", await reader.readline())

    async def blocked():
        try:
            await reader.readline()
        finally:
            print("blocked read finally")

    t = asyncio.create_task(blocked())
    await asyncio.sleep_ms(50)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("CancelledError")
    writer.write(b"cancel\n")
    await writer.drain()
    print("then read", await reader.readline())
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()
    print("done")


asyncio.run(main())
