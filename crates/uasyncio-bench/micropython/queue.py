# queue: a producer and a consumer through a bounded queue of CAP, N items; ns per item.
# MicroPython's core has no Queue: this is the usual community one, built on Event.
import sys
import asyncio
from benchlib import report, now_us, per_op_ns

N = int(sys.argv[1])
CAP = int(sys.argv[2])


class Queue:
    def __init__(self, maxsize):
        self.maxsize = maxsize
        self.items = []
        self.put_done = asyncio.Event()  # set after a put: wakes a waiting get
        self.get_done = asyncio.Event()  # set after a get: wakes a waiting put

    def full(self):
        return 0 < self.maxsize <= len(self.items)

    async def put(self, item):
        while self.full():
            await self.get_done.wait()
            self.get_done.clear()
        self.items.append(item)
        self.put_done.set()

    async def get(self):
        while not self.items:
            await self.put_done.wait()
            self.put_done.clear()
        self.get_done.set()
        return self.items.pop(0)


async def producer(q):
    for i in range(N):
        await q.put(i)


async def main():
    q = Queue(CAP)
    start = now_us()
    p = asyncio.create_task(producer(q))
    for _ in range(N):
        await q.get()
    await p
    report("queue", per_op_ns(start, N))


asyncio.run(main())
