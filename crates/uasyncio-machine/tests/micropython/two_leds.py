# Tutorial 1, two LEDs: the MicroPython twin of examples/two_leds.rs.
import machine

machine.world([], 3000)

import asyncio
from machine import Pin

green_led = Pin(14, Pin.OUT)
blue_led = Pin(12, Pin.OUT)


async def blink_green_led():
    while True:
        green_led.value(not green_led.value())
        await asyncio.sleep(0.5)


async def blink_blue_led():
    while True:
        blue_led.value(not blue_led.value())
        await asyncio.sleep(1)


async def main():
    asyncio.create_task(blink_green_led())
    asyncio.create_task(blink_blue_led())


loop = asyncio.get_event_loop()
loop.create_task(main())
loop.run_forever()
