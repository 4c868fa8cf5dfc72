# The community Queue (as in micropython-async's primitives), reduced to what
# the tutorial uses.
import asyncio


class Queue:
    def __init__(self, maxsize=0):
        self._items = []
        self._put = asyncio.Event()

    def empty(self):
        return not self._items

    async def put(self, item):
        self._items.append(item)
        self._put.set()

    async def get(self):
        while not self._items:
            self._put.clear()
            await self._put.wait()
        return self._items.pop(0)
