# pingpong: two tasks alternate through two Events, N round trips; ns per round trip.
import sys
import asyncio
from benchlib import report, now_us, per_op_ns

N = int(sys.argv[1])


async def ponger(ping, pong):
    for _ in range(N):
        await ping.wait()
        ping.clear()
        pong.set()


async def main():
    ping = asyncio.Event()
    pong = asyncio.Event()
    start = now_us()
    other = asyncio.create_task(ponger(ping, pong))
    for _ in range(N):
        ping.set()
        await pong.wait()
        pong.clear()
    await other
    report("pingpong", per_op_ns(start, N))


asyncio.run(main())
