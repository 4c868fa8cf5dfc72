# Scenario: five clients at once, each in its own task; each connection's
# handler runs as a task of its own; results come back in argument order.
import asyncio
import os

# The port the test runner found free (this fixed one when run by hand).
PORT = int(os.getenv("UASYNCIO_TEST_PORT") or 48732)


async def handler(reader, writer):
    data = await reader.readexactly(2)
    await asyncio.sleep_ms(20 * (5 - int(data)))  # the first to ask is the last answered
    writer.write(b"re:" + data)
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def client(n):
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    writer.write(b"%02d" % n)
    await writer.drain()
    reply = await reader.read(100)
    print("client", n, "got", reply)
    writer.close()
    await writer.wait_closed()
    return reply


async def main():
    server = await asyncio.start_server(handler, "127.0.0.1", PORT)
    replies = await asyncio.gather(*(client(n) for n in range(5)))
    print("replies", replies)
    server.close()
    await server.wait_closed()
    print("done")


asyncio.run(main())
