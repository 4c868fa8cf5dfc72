//! embassy-time's driver on SysTick (feature `embassy-time-driver`), for the
//! firmwares that run on embassy-time (`two-leds-embassy`, `two-leds-async-task`):
//! a tick of 1 µs, SysTick's exception each millisecond counting the time and
//! waking the timers due (embassy-time-queue-utils' queue, the one integrated
//! into embassy-executor's tasks, which also works with any waker).

use core::cell::{Cell, RefCell};
use core::task::Waker;

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use critical_section::{CriticalSection, Mutex};

use crate::CORE_HZ;

/// SysTick's interrupts per second.
pub const TICK_HZ: u32 = 1_000;
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

/// The SysTick exception's work: counts the millisecond and wakes the
/// timers due. The firmware's `#[exception] fn SysTick()` calls it (a
/// library cannot define the handler: a firmware of the same cargo build
/// that does not use embassy-time has its own).
pub fn on_systick() {
    critical_section::with(|cs| {
        let ticks = DRIVER.ticks.borrow(cs);
        ticks.set(ticks.get() + 1);
        if DRIVER.now_in(cs) >= DRIVER.alarm.borrow(cs).get() {
            DRIVER.wake_due(cs);
        }
    });
}

/// Starts SysTick at [`TICK_HZ`] from the core clock, with its exception
/// enabled: embassy-time's clock runs from here on.
pub fn start_systick(mut syst: SYST) {
    syst.disable_counter();
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(CYCLES_PER_TICK - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}
