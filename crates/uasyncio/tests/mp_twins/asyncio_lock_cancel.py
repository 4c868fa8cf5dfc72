# Twin of asyncio_lock_cancel (tests/mp_lock.rs): four tasks wait on a held
# lock; two are cancelled just before it is released: the other two get it in
# turn, never both at once, and it ends up free.
import asyncio


async def worker(i, lock, flag):
    print("task", i, "start")
    try:
        await lock.acquire()
    except asyncio.CancelledError:
        print("task", i, "cancel")
        return
    print("task", i, "lock_flag", flag[0])
    flag[0] = True
    await asyncio.sleep(0)
    lock.release()
    flag[0] = False
    print("task", i, "done")


async def main():
    lock = asyncio.Lock()
    await lock.acquire()
    flag = [True]
    ts = [asyncio.create_task(worker(i, lock, flag)) for i in range(4)]
    await asyncio.sleep(0)
    ts[1].cancel()
    ts[2].cancel()
    lock.release()
    flag[0] = False
    for _ in range(4):
        await asyncio.sleep(0)
    print(lock.locked())


asyncio.run(main())
