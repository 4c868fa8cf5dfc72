# Scenario: readline ends at '\n' or EOF (the partial line, then b'');
# readexactly raises EOFError when the peer closes first.
import asyncio
import os

# The port the test runner found free (this fixed one when run by hand).
PORT = int(os.getenv("UASYNCIO_TEST_PORT") or 48733)


async def handler(reader, writer):
    what = await reader.readline()
    if what == b"lines\n":
        writer.write(b"line1\nline2\npartial")
    else:
        writer.write(b"abc")
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(handler, "127.0.0.1", PORT)
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    writer.write(b"lines\n")
    await writer.drain()
    for _ in range(4):
        print("readline", await reader.readline())
    writer.close()
    await writer.wait_closed()
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    writer.write(b"bytes\n")
    await writer.drain()
    print("readexactly", await reader.readexactly(2))
    try:
        print("readexactly", await reader.readexactly(5))
    except EOFError:
        print("EOFError")
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()
    print("done")


asyncio.run(main())
