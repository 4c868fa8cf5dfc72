# Scenario: Server.close stops accepting at once (a new connection is
# refused) while a connection already accepted goes on; wait_closed returns
# once the accept task has ended, and again at once.
import asyncio
import os

# The port the test runner found free (this fixed one when run by hand).
PORT = int(os.getenv("UASYNCIO_TEST_PORT") or 48736)


async def handler(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(handler, "127.0.0.1", PORT)
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    writer.write(b"before\n")
    await writer.drain()
    print("echo", await reader.readline())
    server.close()
    await server.wait_closed()
    print("server closed")
    await server.wait_closed()
    print("second wait_closed returned")
    try:
        r2, w2 = await asyncio.open_connection("127.0.0.1", PORT)
        w2.write(b"x\n")
        await w2.drain()
        print("new connection read", await r2.read(10))
    except OSError as er:
        print("new connection OSError", er.errno)
    writer.write(b"after\n")
    await writer.drain()
    print("echo", await reader.readline())
    writer.close()
    await writer.wait_closed()
    print("done")


asyncio.run(main())
