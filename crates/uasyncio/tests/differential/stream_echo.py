# Scenario: an echo server and one client over loopback TCP: each line the
# client writes comes back; the handler sees EOF when the client closes.
import asyncio
import os

# The port the test runner found free (this fixed one when run by hand).
PORT = int(os.getenv("UASYNCIO_TEST_PORT") or 48731)


async def handler(reader, writer):
    print("handler started")
    while True:
        line = await reader.readline()
        if not line:
            break
        print("handler got", line)
        writer.write(line)
        await writer.drain()
    print("handler saw EOF")
    writer.close()
    await writer.wait_closed()
    done.set()


async def main():
    global done
    done = asyncio.Event()
    server = await asyncio.start_server(handler, "127.0.0.1", PORT)
    print("server started")
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    print("client connected")
    for line in (b"one\n", b"two\n", b"three\n"):
        writer.write(line)
        await writer.drain()
        print("client got", await reader.readline())
    writer.close()
    await writer.wait_closed()
    print("client closed")
    await done.wait()
    server.close()
    await server.wait_closed()
    print("server closed")


asyncio.run(main())
