//! The tutorial programs, written once against embedded-hal traits so that the
//! same source runs on the simulated board (`uasyncio-machine`'s pins) and as
//! firmware on a microcontroller (the chip's pins, or pins that log their
//! changes, as under QEMU: see `firmware/`).
//!
//! `no_std`: the firmware builds it for the embedded targets.
#![no_std]

extern crate alloc;

use alloc::rc::Rc;
use core::cell::RefCell;

use embedded_hal::digital::{InputPin, StatefulOutputPin};
use uasyncio::{Event, create_task, sleep, sleep_ms};

/// Tutorial 1, two LEDs: `green` toggles every 0.5 s and `blue` every 1 s,
/// each in its own task; this returns once both are started (MicroPython's
/// `main()`, then `loop.run_forever()`).
///
/// ```
/// # use embedded_hal::digital::{ErrorType, OutputPin, StatefulOutputPin};
/// # struct Led(bool);
/// # impl ErrorType for Led { type Error = core::convert::Infallible; }
/// # impl OutputPin for Led {
/// #     fn set_low(&mut self) -> Result<(), Self::Error> { self.0 = false; Ok(()) }
/// #     fn set_high(&mut self) -> Result<(), Self::Error> { self.0 = true; Ok(()) }
/// # }
/// # impl StatefulOutputPin for Led {
/// #     fn is_set_high(&mut self) -> Result<bool, Self::Error> { Ok(self.0) }
/// #     fn is_set_low(&mut self) -> Result<bool, Self::Error> { Ok(!self.0) }
/// # }
/// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
/// event_loop.run_until_complete(async {
///     uasyncio_tutorials::two_leds(Led(false), Led(false)).await;
///     uasyncio::sleep(3).await;
/// });
/// ```
pub async fn two_leds<G, B>(green: G, blue: B)
where
    G: StatefulOutputPin + 'static,
    B: StatefulOutputPin + 'static,
{
    create_task(blink(green, 0.5));
    create_task(blink(blue, 1.0));
}

/// `led.value(not led.value())`, then `await asyncio.sleep(period)`, forever.
/// A pin error ends the blinking (the pins used here cannot fail).
async fn blink<P: StatefulOutputPin>(mut led: P, period_secs: f64) {
    while led.toggle().is_ok() {
        sleep(period_secs).await;
    }
}

/// Tutorial 4, the lecture lab: part 1 blinks `red` every 1 s and `green`
/// every 0.25 s for 10 s; part 2 turns `red` on until `button` (active low,
/// pulled up) is pressed, polled every 20 ms, then turns it off. `print`
/// takes the two lines the program prints.
pub async fn lecture_lab<R, G, B, P>(red: R, green: G, button: B, mut print: P)
where
    R: StatefulOutputPin + 'static,
    G: StatefulOutputPin + 'static,
    B: InputPin + 'static,
    P: FnMut(&str),
{
    // Part 1: two blinkers for 10 s. The red LED is lent to its blinker and
    // used again in part 2.
    let red = Rc::new(RefCell::new(red));
    let red_task = create_task(blink_shared(red.clone(), 1.0));
    let green_task = create_task(blink(green, 0.25));
    sleep(10).await;
    red_task.cancel();
    green_task.cancel();
    print("part 2: press the button");

    // Part 2: the button turns the LED off.
    let pressed = Rc::new(Event::new());
    create_task(watch_button(button, pressed.clone()));
    let _ = red.borrow_mut().set_high();
    pressed.wait().await;
    let _ = red.borrow_mut().set_low();
    print("button pressed: LED off");
}

/// `blink` for a pin shared with the rest of the program.
async fn blink_shared<P: StatefulOutputPin>(led: Rc<RefCell<P>>, period_secs: f64) {
    while led.borrow_mut().toggle().is_ok() {
        sleep(period_secs).await;
    }
}

/// Polls `button` every 20 ms until it reads low (pressed), then sets
/// `pressed`. A pin error counts as not pressed.
async fn watch_button<B: InputPin>(mut button: B, pressed: Rc<Event>) {
    while !matches!(button.is_low(), Ok(true)) {
        sleep_ms(20).await;
    }
    pressed.set();
}
