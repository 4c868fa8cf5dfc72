//! Tutorial 1 (two LEDs) on embassy-executor + embassy-time, for the
//! LM3S6965 (Cortex-M3) under `qemu-system-arm -machine lm3s6965evb`: the
//! reference `two-leds-uasyncio`'s footprint is compared with. Same pins
//! ([`LoggedPin`], toggled through embedded-hal), prints, panic handler,
//! profile and clock (SysTick at 1 kHz, read to the core cycle between
//! ticks); green toggles every 0.5 s and blue every 1 s, each in its own
//! task, for 5.25 s, then it prints `stack high-water <n> B` and `done`.
//!
//! embassy-time's driver is written here (QEMU's LM3S6965 has no embassy
//! HAL): a tick of 1 µs, SysTick's exception each millisecond counting the
//! time and waking the timers due (embassy-time-queue-utils' queue, the one
//! integrated into the executor's tasks).
#![no_std]
#![no_main]

use core::cell::{Cell, RefCell};
use core::task::Waker;

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;
use cortex_m_semihosting::hprintln;
use critical_section::{CriticalSection, Mutex};
use embassy_executor::Spawner;
use embassy_time::{Duration, Instant, Timer};
use embedded_hal::digital::StatefulOutputPin;
use firmware_common::{Console, LoggedPin};
use lm3s6965 as _;
use lm3s6965_board::CORE_HZ;

/// How long the program runs: every LED edge up to 5 s, none after.
const RUN_MS: u64 = 5_250;
/// SysTick's interrupts per second.
const TICK_HZ: u32 = 1_000;
const CYCLES_PER_TICK: u32 = CORE_HZ / TICK_HZ;

/// embassy-time's driver on SysTick.
struct SysTickDriver {
    /// Milliseconds counted by the SysTick exception.
    ticks: Mutex<Cell<u64>>,
    /// The earliest timer's deadline (µs; `u64::MAX`: none).
    alarm: Mutex<Cell<u64>>,
    queue: Mutex<RefCell<embassy_time_queue_utils::Queue>>,
}

impl SysTickDriver {
    /// The time in µs: milliseconds counted, plus the part of the current
    /// one SysTick has counted down (a wrap not yet counted is pending).
    fn now_in(&self, cs: CriticalSection<'_>) -> u64 {
        let mut current = SYST::get_current();
        let pending = cortex_m::peripheral::SCB::is_pendst_pending();
        if pending {
            current = SYST::get_current();
        }
        let elapsed = if current == 0 { 0 } else { CYCLES_PER_TICK - 1 - current };
        let ticks = self.ticks.borrow(cs).get() + u64::from(pending);
        ticks * 1_000 + u64::from(elapsed) * 1_000_000 / u64::from(CORE_HZ)
    }

    /// Wakes the timers due and keeps the next deadline.
    fn wake_due(&self, cs: CriticalSection<'_>) {
        let next = self.queue.borrow(cs).borrow_mut().next_expiration(self.now_in(cs));
        self.alarm.borrow(cs).set(next);
    }
}

impl embassy_time_driver::Driver for SysTickDriver {
    fn now(&self) -> u64 {
        critical_section::with(|cs| self.now_in(cs))
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            if self.queue.borrow(cs).borrow_mut().schedule_wake(at, waker) {
                self.wake_due(cs);
            }
        });
    }
}

embassy_time_driver::time_driver_impl!(static DRIVER: SysTickDriver = SysTickDriver {
    ticks: Mutex::new(Cell::new(0)),
    alarm: Mutex::new(Cell::new(u64::MAX)),
    queue: Mutex::new(RefCell::new(embassy_time_queue_utils::Queue::new())),
});

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let ticks = DRIVER.ticks.borrow(cs);
        ticks.set(ticks.get() + 1);
        if DRIVER.now_in(cs) >= DRIVER.alarm.borrow(cs).get() {
            DRIVER.wake_due(cs);
        }
    });
}

fn start_systick(mut syst: SYST) {
    syst.disable_counter();
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(CYCLES_PER_TICK - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
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
    start_systick(core.SYST);
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
