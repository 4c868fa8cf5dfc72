//! uasyncio on RISC-V in machine mode: [`MtimePlatform`] gives the event
//! loop its clock (the `mtime` counter), its idle wait (`WFI` until the
//! `mtimecmp` alarm at the deadline, or until woken) and its wake from an
//! interrupt (`notify`, called by `ThreadSafeFlag::set` and wakers).
//!
//! The firmware forwards the machine timer interrupt to [`on_machine_timer`]:
//!
//! ```ignore
//! #[riscv_rt::core_interrupt(riscv::interrupt::Interrupt::MachineTimer)]
//! fn machine_timer() {
//!     uasyncio_riscv::on_machine_timer();
//! }
//!
//! // QEMU `virt`: the CLINT at 0x0200_0000, mtime at 10 MHz.
//! let platform = unsafe { uasyncio_riscv::MtimePlatform::new(0x0200_BFF8, 0x0200_4000, 10_000_000) };
//! let event_loop = uasyncio::new_event_loop_with(platform);
//! ```
//!
//! Needs a `critical-section` implementation (for one hart, `riscv`'s
//! `critical-section-single-hart` feature).
#![no_std]

use core::cell::Cell;
use core::ptr::{read_volatile, write_volatile};

use critical_section::Mutex;

/// Where this hart's `mtimecmp` is (0 until a platform is made): the
/// interrupt handler pushes the alarm away through it.
static MTIMECMP: Mutex<Cell<usize>> = Mutex::new(Cell::new(0));
/// Set by `notify`, taken by `wait`.
static NOTIFIED: Mutex<Cell<bool>> = Mutex::new(Cell::new(false));

/// Writes the 64-bit `mtimecmp` at `addr` from a 32-bit hart without a
/// moment where it is below both the old and the new value.
///
/// # Safety
/// `addr` must be this hart's `mtimecmp` register.
unsafe fn set_mtimecmp(addr: usize, ticks: u64) {
    let lo = addr as *mut u32;
    let hi = (addr + 4) as *mut u32;
    // SAFETY: the caller's; a high word of all ones first keeps the alarm
    // off while the low word changes.
    unsafe {
        write_volatile(hi, u32::MAX);
        write_volatile(lo, ticks as u32);
        write_volatile(hi, (ticks >> 32) as u32);
    }
}

/// The machine timer interrupt's work: the alarm has rung, so push it away
/// (the interrupt stays pending as long as `mtime >= mtimecmp`); `wait`
/// reads the time itself. Call it from the firmware's handler.
pub fn on_machine_timer() {
    let addr = critical_section::with(|cs| MTIMECMP.borrow(cs).get());
    if addr != 0 {
        // SAFETY: set by `MtimePlatform::new` from its caller's promise.
        unsafe { set_mtimecmp(addr, u64::MAX) };
    }
}

/// The event loop's [`Platform`](uasyncio::Platform) on a RISC-V hart in
/// machine mode, from its CLINT (or ACLINT) timer.
///
/// - `now_us`: `mtime` (64 bits, read high-low-high on a 32-bit hart)
///   scaled from its frequency.
/// - `wait`: sets `mtimecmp` to the deadline and enables the machine timer
///   interrupt, then `WFI` with interrupts masked (`mstatus.MIE` clear), so
///   an interrupt between the check and the sleep still ends it (`WFI` wakes
///   on any interrupt pending and enabled in `mie`); then it unmasks, the
///   handler runs, and it checks again. No periodic tick: the hart sleeps
///   until the deadline or another interrupt.
/// - `notify`: sets a flag under a critical section; the interrupt that
///   called it has already woken the hart.
///
/// Copies read the same timer (its state is per chip, not per value).
#[derive(Clone)]
pub struct MtimePlatform {
    mtime: usize,
    mtimecmp: usize,
    hz: u64,
}

impl MtimePlatform {
    /// The platform on the `mtime` and `mtimecmp` registers at these
    /// addresses, `mtime` counting at `hz`; enables the machine timer
    /// interrupt (`mie.MTIE`) and machine interrupts (`mstatus.MIE`).
    ///
    /// # Safety
    /// The addresses must be the machine's `mtime` and this hart's
    /// `mtimecmp`, and nothing else may use `mtimecmp`.
    ///
    /// # Panics
    /// If `hz` is zero.
    pub unsafe fn new(mtime: usize, mtimecmp: usize, hz: u32) -> MtimePlatform {
        assert!(hz > 0, "MtimePlatform: mtime's frequency cannot be 0 Hz");
        critical_section::with(|cs| MTIMECMP.borrow(cs).set(mtimecmp));
        // SAFETY: the caller's promise: `mtimecmp` is ours.
        unsafe {
            set_mtimecmp(mtimecmp, u64::MAX);
            riscv::register::mie::set_mtimer();
            riscv::interrupt::machine::enable();
        }
        MtimePlatform { mtime, mtimecmp, hz: u64::from(hz) }
    }

    fn ticks(&self) -> u64 {
        let lo = self.mtime as *const u32;
        let hi = (self.mtime + 4) as *const u32;
        loop {
            // SAFETY: the caller of `new` promised these are `mtime`'s words.
            let (h1, l, h2) = unsafe { (read_volatile(hi), read_volatile(lo), read_volatile(hi)) };
            if h1 == h2 {
                return (u64::from(h1) << 32) | u64::from(l);
            }
        }
    }

    /// The first `mtime` value at or after `us` (saturating: a deadline
    /// beyond the counter's range is never reached).
    fn ticks_at(&self, us: u64) -> u64 {
        let ticks = (u128::from(us) * u128::from(self.hz)).div_ceil(1_000_000);
        u64::try_from(ticks).unwrap_or(u64::MAX)
    }
}

impl uasyncio::Platform for MtimePlatform {
    fn now_us(&self) -> u64 {
        (u128::from(self.ticks()) * 1_000_000 / u128::from(self.hz)) as u64
    }

    fn wait(&self, deadline_us: Option<u64>) {
        let alarm = deadline_us.map_or(u64::MAX, |deadline| self.ticks_at(deadline));
        loop {
            // Masked: an interrupt from here on stays pending and ends the WFI.
            riscv::interrupt::machine::disable();
            // SAFETY: `mtimecmp` is ours (`new`); the handler that also
            // writes it cannot run while interrupts are masked.
            unsafe { set_mtimecmp(self.mtimecmp, alarm) };
            // SAFETY: interrupts are masked until the `enable` below.
            let cs = unsafe { critical_section::CriticalSection::new() };
            let done = NOTIFIED.borrow(cs).replace(false) || self.ticks() >= alarm;
            if !done {
                riscv::asm::wfi();
            }
            // SAFETY: interrupts are enabled outside `wait` (`new` enabled
            // them, and the loop calls `wait` outside any critical section).
            unsafe { riscv::interrupt::machine::enable() };
            if done {
                return;
            }
        }
    }

    fn notify(&self) {
        critical_section::with(|cs| NOTIFIED.borrow(cs).set(true));
    }
}
