# spawn_join: create and await SEQ trivial tasks one at a time, then create
# BATCH at once and await them all; ns per task.
import sys
import asyncio
from benchlib import report, now_us, per_op_ns

SEQ = int(sys.argv[1])
BATCH = int(sys.argv[2])


async def trivial(i):
    return i


async def main():
    start = now_us()
    for i in range(SEQ):
        await asyncio.create_task(trivial(i))
    report("spawn_join_seq", per_op_ns(start, SEQ))

    start = now_us()
    tasks = [asyncio.create_task(trivial(i)) for i in range(BATCH)]
    for t in tasks:
        await t
    report("spawn_join_batch", per_op_ns(start, BATCH))


asyncio.run(main())
