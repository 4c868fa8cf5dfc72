# Scenario: a peer that resets its connection (RST) gives that handler an
# OSError; the server and the next connection go on.
import asyncio
import os
import socket
import struct
import time
import _thread

# The port the test runner found free (this fixed one when run by hand).
PORT = int(os.getenv("UASYNCIO_TEST_PORT") or 48735)


async def handler(reader, writer):
    data = await reader.read(5)
    print("handler read", data)
    if data == b"reset":
        await asyncio.sleep_ms(200)  # the peer resets meanwhile
        try:
            print("handler read", await reader.read(100))
        except OSError as er:
            print("handler OSError", er.errno)
    else:
        writer.write(b"fine")
        await writer.drain()
    writer.close()
    await writer.wait_closed()


def resetting_client():
    s = socket.socket()
    s.connect(socket.getaddrinfo("127.0.0.1", PORT)[0][-1])
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.send(b"reset, then more")
    time.sleep_ms(100)
    s.close()


async def main():
    server = await asyncio.start_server(handler, "127.0.0.1", PORT)
    _thread.start_new_thread(resetting_client, ())
    await asyncio.sleep_ms(400)
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    writer.write(b"hello")
    await writer.drain()
    print("next client got", await reader.read(100))
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()
    print("done")


asyncio.run(main())
