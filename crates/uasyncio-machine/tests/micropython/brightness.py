# Tutorial 2, blink with brightness control: the MicroPython twin of
# examples/brightness.rs.
import machine

machine.world(
    machine.pot_at(0, 36, 0.0) + machine.pot_at(1550, 36, 0.5) + machine.pot_at(2450, 36, 1.0),
    3500,
)

import asyncio
from machine import Pin, PWM, ADC

led = PWM(Pin(5, Pin.OUT), freq=5000)
pot = ADC(Pin(36, Pin.IN))
pot.atten(ADC.ATTN_11DB)

brightness = 0
led_on = False


async def blink_led():
    global led_on
    while True:
        led_on = True
        led.duty(brightness)
        await asyncio.sleep(1)
        led_on = False
        led.duty(0)
        await asyncio.sleep(1)


async def read_pot():
    global brightness
    while True:
        pot_value = pot.read()  # 0-4095
        brightness = pot_value * 1023 // 4095
        if led_on:
            led.duty(brightness)
        await asyncio.sleep_ms(100)


async def main():
    asyncio.create_task(read_pot())
    asyncio.create_task(blink_led())


loop = asyncio.get_event_loop()
loop.create_task(main())
loop.run_forever()
