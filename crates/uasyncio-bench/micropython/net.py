# Stream workloads over loopback TCP, server and clients on one loop:
# echo round trips on one connection, echo over many connections at once,
# accept + one request + close. ns per operation (wall time: MicroPython has
# no CPU clock). Usage: net.py PORT RTT CONNECTIONS PER_CONNECTION ACCEPTS
import sys
import asyncio
from benchlib import report, now_us, per_op_ns

PORT, RTT, CONNS, PER, ACCEPTS = (int(a) for a in sys.argv[1:6])
MESSAGE = b"x" * 64
REQUEST = b"GET / HTTP/1.0\r\n"
ANSWER = b"HTTP/1.0 200 OK\r\n\r\nhello\n"


async def echo(reader, writer):
    buf = bytearray(4096)
    while True:
        n = await reader.readinto(buf)
        if not n:
            break
        writer.write(buf[:n])
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def answer(reader, writer):
    await reader.readline()
    writer.write(ANSWER)
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def client(port, messages):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(messages):
        writer.write(MESSAGE)
        await writer.drain()
        await reader.readexactly(64)
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(echo, "127.0.0.1", PORT, 128)
    start = now_us()
    await client(PORT, RTT)
    report("echo_rtt", per_op_ns(start, RTT))
    start = now_us()
    await asyncio.gather(*(client(PORT, PER) for _ in range(CONNS)))
    report("echo_100", per_op_ns(start, CONNS * PER))
    server.close()
    await server.wait_closed()

    server = await asyncio.start_server(answer, "127.0.0.1", PORT + 1, 128)
    start = now_us()
    for _ in range(ACCEPTS):
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT + 1)
        writer.write(REQUEST)
        await writer.drain()
        got = await reader.read()
        assert got == ANSWER, got
        writer.close()
        await writer.wait_closed()
    report("accept_close", per_op_ns(start, ACCEPTS))
    server.close()
    await server.wait_closed()


asyncio.run(main())
