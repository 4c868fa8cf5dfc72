# yield: TASKS tasks each yield ROUNDS times with sleep(0); ns per poll.
import sys
import asyncio
from benchlib import report, now_us, per_op_ns

TASKS = int(sys.argv[1])
ROUNDS = int(sys.argv[2])


async def yielder():
    for _ in range(ROUNDS):
        await asyncio.sleep(0)


async def main():
    start = now_us()
    tasks = [asyncio.create_task(yielder()) for _ in range(TASKS)]
    for t in tasks:
        await t
    report("yield", per_op_ns(start, TASKS * ROUNDS))


asyncio.run(main())
