//! The tutorial programs, written once against embedded-hal traits so that the
//! same source runs on the simulated board (`uasyncio-machine`'s pins) and as
//! firmware on a microcontroller (the chip's pins, or pins that log their
//! changes, as under QEMU: see `firmware/`).
//!
//! `no_std`: the firmware builds it for the embedded targets.
#![no_std]

extern crate alloc;

use alloc::format;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};

use embedded_hal::digital::{InputPin, StatefulOutputPin};
use embedded_hal::pwm::SetDutyCycle;
use uasyncio::time::{ticks_diff, ticks_ms};
use uasyncio::{Event, Lock, Queue, create_task, gather, sleep, sleep_ms};

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
    create_task(blink(green, 500));
    create_task(blink(blue, 1000));
}

/// `led.value(not led.value())`, then `await asyncio.sleep_ms(period)`,
/// forever. A pin error ends the blinking (the pins used here cannot fail).
///
/// The programs sleep in whole milliseconds or seconds, never in `f64`
/// seconds: on a chip without an FPU, `sleep(0.5)` links 2 KB of
/// software floating point (the Cortex-M3's footprint firmware shows it).
async fn blink<P: StatefulOutputPin>(mut led: P, period_ms: u32) {
    while led.toggle().is_ok() {
        sleep_ms(period_ms).await;
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
    let red_task = create_task(blink_shared(red.clone(), 1000));
    let green_task = create_task(blink(green, 250));
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
async fn blink_shared<P: StatefulOutputPin>(led: Rc<RefCell<P>>, period_ms: u32) {
    while led.borrow_mut().toggle().is_ok() {
        sleep_ms(period_ms).await;
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

/// A one-shot ADC channel giving 12-bit readings (MicroPython's `ADC.read()`
/// on the ESP32). embedded-hal 1.0 has no ADC trait (0.2's `OneShot` was
/// dropped), so the programs ask for this one; implement it for the chip's
/// ADC, or for a stand-in.
///
/// ```
/// struct Fixed(u16);
/// impl uasyncio_tutorials::AdcChannel for Fixed {
///     type Error = core::convert::Infallible;
///     fn read(&mut self) -> Result<u16, Self::Error> { Ok(self.0) }
/// }
/// # use uasyncio_tutorials::AdcChannel;
/// assert_eq!(Fixed(2048).read(), Ok(2048));
/// ```
pub trait AdcChannel {
    /// What a failed conversion reports.
    type Error;
    /// One conversion: `0..=4095` from 0 V to the channel's full scale.
    fn read(&mut self) -> Result<u16, Self::Error>;
}

/// The globals of tutorial 2: the brightness read from the pot, and whether
/// the blink is in its on phase.
#[derive(Default)]
struct Brightness {
    duty: Cell<u16>,
    led_on: Cell<bool>,
}

/// Tutorial 2, blink with brightness control: `led` (a PWM output) blinks
/// 1 s on, 1 s off; a second task reads `pot` every 100 ms and maps its
/// 12-bit reading to a 10-bit duty (0–1023 of the PWM's range), the
/// brightness of the on phase, applied at once while the LED is on. Returns
/// once both tasks are started. A PWM or ADC error is ignored (the reading
/// keeps its last value).
pub async fn brightness<L, A>(led: L, pot: A)
where
    L: SetDutyCycle + 'static,
    A: AdcChannel + 'static,
{
    let led = Rc::new(RefCell::new(led));
    let shared = Rc::new(Brightness::default());
    create_task(read_pot(pot, led.clone(), shared.clone()));
    create_task(blink_pwm(led, shared));
}

/// `led.duty(duty)` on MicroPython's 10-bit scale.
fn set_duty<L: SetDutyCycle>(led: &RefCell<L>, duty: u16) {
    let _ = led.borrow_mut().set_duty_cycle_fraction(duty, 1023);
}

async fn blink_pwm<L: SetDutyCycle>(led: Rc<RefCell<L>>, shared: Rc<Brightness>) {
    loop {
        shared.led_on.set(true);
        set_duty(&led, shared.duty.get());
        sleep(1).await;
        shared.led_on.set(false);
        set_duty(&led, 0);
        sleep(1).await;
    }
}

async fn read_pot<L: SetDutyCycle, A: AdcChannel>(mut pot: A, led: Rc<RefCell<L>>, shared: Rc<Brightness>) {
    loop {
        if let Ok(reading) = pot.read() {
            let duty = (u32::from(reading.min(4095)) * 1023 / 4095) as u16;
            shared.duty.set(duty);
            if shared.led_on.get() {
                set_duty(&led, duty);
            }
        }
        sleep_ms(100).await;
    }
}

/// Tutorial 3, button and queue: `button` (active low, pulled up) is polled
/// every 40 ms; the time between presses, in ms and capped at 2000, is
/// printed and put on a queue; a second task toggles `led`, waiting the
/// latest delay taken from the queue between toggles (it waits for the first
/// one before its first toggle). Runs forever. A pin error reads as not
/// pressed.
pub async fn button_queue<L, B, P>(led: L, mut button: B, mut print: P)
where
    L: StatefulOutputPin + 'static,
    B: InputPin,
    P: FnMut(&str),
{
    let queue = Rc::new(Queue::new(0));
    create_task(blink_from_queue(led, queue.clone()));
    let mut timestamp = ticks_ms();
    loop {
        wait_button(&mut button).await;
        let now = ticks_ms();
        let delay_ms = ticks_diff(now, timestamp).min(2000);
        timestamp = now;
        print(&format!("{delay_ms}"));
        queue.put(delay_ms).await;
    }
}

async fn blink_from_queue<L: StatefulOutputPin>(mut led: L, queue: Rc<Queue<i32>>) {
    let mut delay_ms = queue.get().await;
    loop {
        if !queue.empty() {
            delay_ms = queue.get().await;
        }
        let _ = led.toggle();
        sleep_ms(delay_ms).await;
    }
}

/// Returns on a press: the pin read high, then low.
async fn wait_button<B: InputPin>(button: &mut B) {
    let mut high = || !matches!(button.is_low(), Ok(true));
    let mut previous = high();
    loop {
        let now = high();
        if !now && previous {
            return;
        }
        previous = now;
        sleep_ms(40).await;
    }
}

/// Tutorial 5, coroutine basics: a coroutine returning 42; two coroutines
/// awaited one after the other (3 s) then at once (2 s); a counter shared
/// by three tasks, each read-modify-write under a `Lock`. `print` takes the
/// lines it prints; it returns after the last (5 s in).
///
/// ```
/// let lines = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
/// let out = lines.clone();
/// uasyncio::run_virtual(uasyncio_tutorials::coroutine_basics(move |line| out.borrow_mut().push(line.to_string())));
/// assert_eq!(lines.borrow().last().map(String::as_str), Some("counter: 300"));
/// ```
pub async fn coroutine_basics<P: FnMut(&str) + 'static>(print: P) {
    let print = Rc::new(RefCell::new(print));
    let say = |line: &str| (print.borrow_mut())(line);
    say(&format!("answer() returned {}", answer().await));

    let start = uasyncio::now_us();
    work("a", 1, print.clone()).await;
    work("b", 2, print.clone()).await;
    say(&format!("sequential: {} s", tenths_since(start)));

    let start = uasyncio::now_us();
    let results = gather!(work("a", 1, print.clone()), work("b", 2, print.clone())).await;
    match results {
        Ok((a, b)) => say(&format!("concurrent: {} s, results {a} and {b}", tenths_since(start))),
        Err(error) => say(&format!("concurrent: {error}")),
    }

    let lock = Rc::new(Lock::new());
    let counter = Rc::new(Cell::new(0));
    let tasks: Vec<_> = (0..3).map(|_| create_task(add(lock.clone(), counter.clone(), 100))).collect();
    for task in tasks {
        if let Err(error) = task.await {
            say(&format!("add: {error}"));
        }
    }
    say(&format!("counter: {}", counter.get()));
}

async fn answer() -> i32 {
    42
}

async fn work<P: FnMut(&str)>(name: &'static str, secs: u64, print: Rc<RefCell<P>>) -> u64 {
    (print.borrow_mut())(&format!("{name}: start"));
    sleep(secs).await;
    (print.borrow_mut())(&format!("{name}: done after {secs} s"));
    secs
}

/// Adds 1 to `counter` `times` times, holding `lock` across an `await`
/// inside each read-modify-write so no other task can interleave.
async fn add(lock: Rc<Lock>, counter: Rc<Cell<u32>>, times: u32) {
    for _ in 0..times {
        let _guard = lock.acquire().await;
        let value = counter.get();
        sleep(0).await;
        counter.set(value + 1);
    }
}

/// The seconds since `start_us`, to a tenth, as `{:.1}` shows them (`3.0`),
/// without float formatting.
fn tenths_since(start_us: u64) -> alloc::string::String {
    let tenths = (uasyncio::now_us() - start_us + 50_000) / 100_000;
    format!("{}.{}", tenths / 10, tenths % 10)
}
