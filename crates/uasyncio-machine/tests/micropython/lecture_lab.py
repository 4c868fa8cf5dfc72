# Tutorial 4, the lecture lab: the MicroPython twin of examples/lecture_lab.rs.
import machine

machine.world(machine.press_at(12010, 27, 200), 12500)

import asyncio
from machine import Pin

red = Pin(25, Pin.OUT)
green = Pin(26, Pin.OUT)
button = Pin(27, Pin.IN, Pin.PULL_UP)


async def blink(led, period):
    while True:
        led.toggle()
        await asyncio.sleep(period)


async def watch_button(button, pressed):
    while button.value():
        await asyncio.sleep_ms(20)
    pressed.set()


async def gated_led(led, pressed):
    led.on()
    await pressed.wait()
    led.off()


async def main():
    red_task = asyncio.create_task(blink(red, 1))
    green_task = asyncio.create_task(blink(green, 0.25))
    await asyncio.sleep(10)
    red_task.cancel()
    green_task.cancel()
    print("part 2: press the button")

    pressed = asyncio.Event()
    asyncio.create_task(watch_button(button, pressed))
    await gated_led(red, pressed)
    print("button pressed: LED off")


asyncio.run(main())
