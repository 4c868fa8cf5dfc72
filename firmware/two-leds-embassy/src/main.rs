//! Tutorial 1 (two LEDs) on embassy-executor + embassy-time, for the
//! LM3S6965 (Cortex-M3) under `qemu-system-arm -machine lm3s6965evb`: the
//! reference `two-leds-uasyncio`'s footprint is compared with. Same pins
//! ([`LoggedPin`], toggled through embedded-hal), prints, panic handler,
//! profile and clock (SysTick at 1 kHz, read to the core cycle between
//! ticks); green toggles every 0.5 s and blue every 1 s, each in its own
//! task, for 5.25 s, then it prints `stack high-water <n> B` and `done`.
//!
//! embassy-time's driver is `lm3s6965_board::embassy_time_driver` (QEMU's
//! LM3S6965 has no embassy HAL).
#![no_std]
#![no_main]

use cortex_m_rt::exception;
use cortex_m_semihosting::hprintln;
use embassy_executor::Spawner;
use embassy_time::{Duration, Instant, Timer};
use embedded_hal::digital::StatefulOutputPin;
use firmware_common::{Console, LoggedPin};
use lm3s6965 as _;

/// How long the program runs: every LED edge up to 5 s, none after.
const RUN_MS: u64 = 5_250;

#[exception]
fn SysTick() {
    lm3s6965_board::embassy_time_driver::on_systick();
}

fn now_us() -> u64 {
    Instant::now().as_micros()
}

/// The pins print embassy's time over semihosting.
const CONSOLE: Console = Console { now_us, print_line: lm3s6965_board::print_line };

/// `led.value(not led.value())`, then `await asyncio.sleep(period)`, forever.
#[embassy_executor::task(pool_size = 2)]
async fn blink(mut led: LoggedPin, period: Duration) {
    while led.toggle().is_ok() {
        Timer::after(period).await;
    }
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    lm3s6965_board::paint_stack();
    let core = cortex_m::Peripherals::take().expect("core peripherals taken once");
    lm3s6965_board::embassy_time_driver::start_systick(core.SYST);
    hprintln!("two_leds on embassy");
    let (Ok(green), Ok(blue)) = (
        blink(LoggedPin::new("GPIO14", CONSOLE), Duration::from_millis(500)),
        blink(LoggedPin::new("GPIO12", CONSOLE), Duration::from_millis(1000)),
    ) else {
        panic!("the blink task pool is full");
    };
    spawner.spawn(green);
    spawner.spawn(blue);
    Timer::after_millis(RUN_MS).await;
    hprintln!("stack high-water {} B", lm3s6965_board::stack_high_water());
    hprintln!("done at {} us", now_us());
    lm3s6965_board::exit_success()
}
