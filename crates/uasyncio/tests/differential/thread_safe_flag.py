# Scenario: ThreadSafeFlag: set() before wait() makes wait() return at once;
# wait() clears the flag (a second wait blocks); a set() from another thread
# wakes the idle loop.
import asyncio
import _thread
import time


async def main():
    flag = asyncio.ThreadSafeFlag()
    flag.set()
    await flag.wait()
    print("wait returned at once")
    try:
        await asyncio.wait_for_ms(flag.wait(), 40)
        print("second wait returned")
    except asyncio.TimeoutError:
        print("second wait timed out: wait() cleared the flag")

    def setter():
        time.sleep_ms(30)
        flag.set()

    _thread.start_new_thread(setter, ())
    print("waiting for the thread")
    await flag.wait()
    print("woken by the thread")


asyncio.run(main())
