//! uasyncio on Cortex-M: [`SysTickPlatform`] gives the event loop its clock
//! (SysTick, ticking at 1 kHz, read to the core clock cycle in between), its
//! idle wait (`WFI` until the deadline or until woken) and its wake from an
//! interrupt (`notify`, called by `ThreadSafeFlag::set` and wakers).
//!
//! The firmware forwards the SysTick exception to [`on_systick`]:
//!
//! ```ignore
//! #[cortex_m_rt::exception]
//! fn SysTick() {
//!     uasyncio_cortex_m::on_systick();
//! }
//!
//! let core = cortex_m::Peripherals::take().unwrap();
//! let platform = uasyncio_cortex_m::SysTickPlatform::start(core.SYST, 12_500_000);
//! let event_loop = uasyncio::new_event_loop_with(platform);
//! ```
//!
//! Needs a `critical-section` implementation (for a single-core chip,
//! `cortex-m`'s `critical-section-single-core` feature).
#![no_std]

use core::cell::Cell;

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use critical_section::Mutex;

/// SysTick exceptions since [`SysTickPlatform::start`]: whole milliseconds.
static TICKS: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));
/// Set by `notify`, taken by `wait`.
static NOTIFIED: Mutex<Cell<bool>> = Mutex::new(Cell::new(false));

/// SysTick's interrupts per second.
const TICK_HZ: u32 = 1_000;

/// The SysTick exception's work: one more millisecond. Call it from the
/// firmware's `SysTick` handler.
pub fn on_systick() {
    critical_section::with(|cs| {
        let ticks = TICKS.borrow(cs);
        ticks.set(ticks.get() + 1);
    });
}

/// The event loop's [`Platform`](uasyncio::Platform) on a Cortex-M core.
///
/// - `now_us`: SysTick counts down at the core clock and interrupts every
///   millisecond ([`on_systick`] counts them); the time is the milliseconds
///   counted plus the part of the current one already counted down, read
///   with interrupts masked (a wrap not yet counted is seen as pending).
/// - `wait`: `WFI` with interrupts masked, so an interrupt between the check
///   and the sleep still wakes it (a pending interrupt ends `WFI` even when
///   masked); then it unmasks, the handler runs, and it checks again. It
///   returns at the deadline or once notified; SysTick wakes the core every
///   millisecond meanwhile, but the loop itself does not run.
/// - `notify`: sets a flag under a critical section; the interrupt that
///   called it has already woken the core.
///
/// Copies read the same timer (its state is per chip, not per value).
#[derive(Clone)]
pub struct SysTickPlatform {
    /// Core clock cycles per SysTick period (the reload value plus one).
    cycles_per_tick: u32,
}

impl SysTickPlatform {
    /// Starts SysTick on the core clock (`core_hz`), interrupting at 1 kHz,
    /// and returns the platform reading it.
    ///
    /// # Panics
    /// If `core_hz / 1000` does not fit SysTick's 24-bit reload register.
    pub fn start(mut syst: SYST, core_hz: u32) -> SysTickPlatform {
        let cycles_per_tick = core_hz / TICK_HZ;
        assert!(
            (2..=1 << 24).contains(&cycles_per_tick),
            "SysTickPlatform: a {core_hz} Hz core clock gives {cycles_per_tick} cycles per \
             millisecond, beyond SysTick's 24-bit reload"
        );
        critical_section::with(|cs| TICKS.borrow(cs).set(0));
        syst.disable_counter();
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(cycles_per_tick - 1);
        syst.clear_current();
        syst.enable_interrupt();
        syst.enable_counter();
        // `syst` was taken by value, so nothing else can reconfigure SysTick;
        // from now on only `now_us` reads it (`SYST` is not `Sync`: not kept).
        SysTickPlatform { cycles_per_tick }
    }

    fn now_us_in(&self, cs: critical_section::CriticalSection<'_>) -> u64 {
        let mut current = SYST::get_current();
        // Wrapped since the handler last ran (it is held off by the mask):
        // count that millisecond too, with the value read after the wrap.
        let pending = cortex_m::peripheral::SCB::is_pendst_pending();
        if pending {
            current = SYST::get_current();
        }
        // SysTick counts reload, …, 1, 0 and pends its exception on reaching
        // 0: from then on that millisecond is over (its tick pending or
        // counted), so 0 reads as the start of the next one, like the reload
        // value after it; the time never steps back.
        let elapsed = if current == 0 { 0 } else { self.cycles_per_tick - 1 - current };
        let ticks = TICKS.borrow(cs).get() + u64::from(pending);
        let sub_us = u64::from(elapsed) * 1_000_000 / u64::from(self.cycles_per_tick * TICK_HZ);
        ticks * 1_000_000 / u64::from(TICK_HZ) + sub_us
    }
}

impl uasyncio::Platform for SysTickPlatform {
    fn now_us(&self) -> u64 {
        critical_section::with(|cs| self.now_us_in(cs))
    }

    fn wait(&self, deadline_us: Option<u64>) {
        loop {
            // Masked: an interrupt from here on stays pending and ends the WFI.
            let primask = cortex_m::register::primask::read();
            cortex_m::interrupt::disable();
            // SAFETY: interrupts are masked until the matching `enable` below.
            let cs = unsafe { critical_section::CriticalSection::new() };
            let done = NOTIFIED.borrow(cs).replace(false)
                || deadline_us.is_some_and(|deadline| self.now_us_in(cs) >= deadline);
            if !done {
                cortex_m::asm::wfi();
            }
            if primask.is_active() {
                // SAFETY: they were enabled when we came in: no critical
                // section of the caller is broken by enabling them again.
                unsafe { cortex_m::interrupt::enable() };
            }
            if done {
                return;
            }
        }
    }

    fn notify(&self) {
        critical_section::with(|cs| NOTIFIED.borrow(cs).set(true));
    }
}
