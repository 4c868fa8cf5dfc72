# Tutorial 3, button and queue: the MicroPython twin of
# examples/button_queue.rs. Presses land between two 40 ms polls, so that
# the real clock's drift does not move them to another poll.
import machine

script = []
for i in range(4):
    script += machine.press_at(1020 + 720 * i, 15, 100)
machine.world(script, 4200)

import time
import asyncio
from machine import Pin
from queue import Queue

led = Pin(25, Pin.OUT)
btn = Pin(15, Pin.IN, Pin.PULL_UP)


async def blink(q):
    delay_ms = await q.get()
    while True:
        if not q.empty():
            delay_ms = await q.get()
        led.toggle()
        await asyncio.sleep_ms(delay_ms)


async def wait_button():
    btn_prev = btn.value()
    while (btn.value() == 1) or (btn.value() == btn_prev):
        btn_prev = btn.value()
        await asyncio.sleep(0.04)


async def main():
    q = Queue()
    asyncio.create_task(blink(q))
    timestamp = time.ticks_ms()
    while True:
        await wait_button()
        new_time = time.ticks_ms()
        delay_time = min(time.ticks_diff(new_time, timestamp), 2000)
        timestamp = new_time
        print(delay_time)
        await q.put(delay_time)


asyncio.run(main())
