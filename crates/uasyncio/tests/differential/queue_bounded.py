# Scenario: a bounded queue between a fast producer and a slow consumer; the
# producer blocks while the queue is full; put_nowait/get_nowait fail when
# full/empty; join() returns after task_done() for every item.
#
# MicroPython's core has no Queue, so this scenario carries a tiny one
# (CPython-like semantics, built on Event); the Rust twin uses uasyncio::Queue.
import asyncio


class QueueEmpty(Exception):
    pass


class QueueFull(Exception):
    pass


class Queue:
    def __init__(self, maxsize=0):
        self.maxsize = maxsize
        self.items = []
        self.unfinished = 0
        self.changed = asyncio.Event()  # pulsed on every put and get
        self.finished = asyncio.Event()
        self.finished.set()

    def qsize(self):
        return len(self.items)

    def empty(self):
        return not self.items

    def full(self):
        return 0 < self.maxsize <= len(self.items)

    def _pulse(self):
        self.changed.set()
        self.changed.clear()

    def put_nowait(self, item):
        if self.full():
            raise QueueFull
        self.items.append(item)
        self.unfinished += 1
        self.finished.clear()
        self._pulse()

    def get_nowait(self):
        if self.empty():
            raise QueueEmpty
        item = self.items.pop(0)
        self._pulse()
        return item

    async def put(self, item):
        while self.full():
            await self.changed.wait()
        self.put_nowait(item)

    async def get(self):
        while self.empty():
            await self.changed.wait()
        return self.get_nowait()

    def task_done(self):
        self.unfinished -= 1
        if self.unfinished == 0:
            self.finished.set()

    async def join(self):
        await self.finished.wait()


async def producer(q, n):
    for i in range(1, n + 1):
        await q.put(i)
        print("put", i, "qsize", q.qsize())
    print("producer done")


async def consumer(q):
    while True:
        item = await q.get()
        print("got", item, "qsize", q.qsize())
        await asyncio.sleep_ms(20)
        q.task_done()


async def main():
    q = Queue(2)
    print("maxsize", q.maxsize, "empty", q.empty(), "full", q.full())
    q.put_nowait("x")
    q.put_nowait("y")
    print("qsize", q.qsize(), "full", q.full())
    try:
        q.put_nowait("z")
    except QueueFull:
        print("put_nowait: QueueFull")
    print("get_nowait", q.get_nowait())
    print("get_nowait", q.get_nowait())
    try:
        q.get_nowait()
    except QueueEmpty:
        print("get_nowait: QueueEmpty")
    q.task_done()
    q.task_done()
    await q.join()
    print("join with nothing pending returned")
    c = asyncio.create_task(consumer(q))
    p = asyncio.create_task(producer(q, 5))
    await p
    print("main: producer finished, qsize", q.qsize())
    await q.join()
    print("main: joined, empty", q.empty())
    c.cancel()


asyncio.run(main())
