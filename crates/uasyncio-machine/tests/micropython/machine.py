# A stand-in for MicroPython's `machine` on the unix port, the twin of the
# Rust board in uasyncio-machine: the same pins, scales and recording rules.
# Every change is printed as "@<ms> <gpio> <value>" (value: 0/1 for a level,
# d<duty_u16> for PWM, a<read_u16 scale> for an ADC input), so a test can
# compare the timeline with the Rust one. Also: a scripted outside world.
import sys
import time
import asyncio

_t0 = time.ticks_ms()


def _now():
    return time.ticks_diff(time.ticks_ms(), _t0)


_shown = {}  # (gpio, kind) -> the last value printed
_pins = {}  # gpio -> the Pin configured on it
_pressed = set()
_volts = {}  # gpio -> u16, 65535 = 3.3 V


def _show(gpio, value):
    key = (gpio, value[0] if value[0] in "ad" else "level")
    if _shown.get(key) != value:
        _shown[key] = value
        print("@%d %d %s" % (_now(), gpio, value))


class Pin:
    IN = 1
    OUT = 3
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 1
    IRQ_RISING = 2

    def __init__(self, id, mode=-1, pull=-1):
        self.id = id
        self.mode = mode
        self.pull = pull
        self.out = 0
        self.function = "gpio"
        _pins[id] = self
        self._show()

    def _level(self):
        if self.mode == Pin.OUT:
            return self.out
        if self.id in _pressed:
            return 0 if self.pull == Pin.PULL_UP else 1
        return 1 if self.pull == Pin.PULL_UP else 0

    def _show(self):
        if self.function == "gpio":
            _show(self.id, str(self._level()))

    def value(self, v=None):
        if v is None:
            return self._level()
        self.out = 1 if v else 0
        self._show()

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def toggle(self):
        self.value(not self.out)


class PWM:
    def __init__(self, pin, freq=5000, duty=0):
        self.pin = pin
        self._freq = freq
        pin.function = "pwm"
        self._duty_u16 = (duty * 65535 + 511) // 1023
        _show(pin.id, "d%d" % self._duty_u16)

    def freq(self, f=None):
        if f is None:
            return self._freq
        self._freq = f

    def duty(self, d=None):
        if d is None:
            return (self._duty_u16 * 1023 + 32767) // 65535
        if not 0 <= d <= 1023:
            raise ValueError("duty must be from 0 to 1023")
        self.duty_u16((d * 65535 + 511) // 1023)

    def duty_u16(self, d=None):
        if d is None:
            return self._duty_u16
        self._duty_u16 = d
        _show(self.pin.id, "d%d" % d)


class ADC:
    ATTN_0DB = 1000
    ATTN_2_5DB = 1340
    ATTN_6DB = 2000
    ATTN_11DB = 3300

    def __init__(self, pin):
        self.pin = pin
        self.full_scale_mv = ADC.ATTN_0DB
        pin.function = "adc"
        _show(pin.id, "a%d" % _volts.get(pin.id, 0))

    def atten(self, full_scale_mv):
        self.full_scale_mv = full_scale_mv

    def read_u16(self):
        return min(65535, _volts.get(self.pin.id, 0) * 3300 // self.full_scale_mv)

    def read(self):
        return self.read_u16() >> 4


# The outside world


def press(gpio):
    _pressed.add(gpio)
    if gpio in _pins:
        _pins[gpio]._show()


def release(gpio):
    _pressed.discard(gpio)
    if gpio in _pins:
        _pins[gpio]._show()


def set_pot(gpio, fraction):
    _volts[gpio] = int(fraction * 65535 + 0.5)
    _show(gpio, "a%d" % _volts[gpio])


async def _world(script, end_ms):
    global _t0
    _t0 = time.ticks_ms()  # the clock starts with the loop, as in Rust
    for at_ms, action in sorted(script, key=lambda a: a[0]):
        await asyncio.sleep_ms(at_ms - _now())
        action()
    await asyncio.sleep_ms(end_ms - _now())
    print("@end %d" % _now())
    sys.exit(0)


def world(script, end_ms):
    # The outside world as a task, queued before the program's tasks, as the
    # Rust runner does; it ends the program at end_ms.
    asyncio.create_task(_world(script, end_ms))


def press_at(at_ms, gpio, hold_ms):
    return [(at_ms, lambda: press(gpio)), (at_ms + hold_ms, lambda: release(gpio))]


def pot_at(at_ms, gpio, fraction):
    return [(at_ms, lambda: set_pot(gpio, fraction))]
