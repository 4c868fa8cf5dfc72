//! The tutorial programs, written once against embedded-hal traits so that the
//! same source runs on the simulated board (`uasyncio-machine`'s pins) and as
//! firmware on a microcontroller (the chip's pins, or pins that log their
//! changes, as under QEMU: see `firmware/`).
//!
//! `no_std`: the firmware builds it for the embedded targets.
#![no_std]

use embedded_hal::digital::StatefulOutputPin;
use uasyncio::{create_task, sleep};

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
