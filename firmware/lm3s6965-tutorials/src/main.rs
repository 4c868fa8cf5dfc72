//! Tutorials 1 and 4 (two LEDs, the lecture lab) as firmware for the LM3S6965 (Cortex-M3), run under
//! `qemu-system-arm -machine lm3s6965evb -semihosting`.
//!
//! - The program is `uasyncio_tutorials::two_leds`, the same source the
//!   simulated board runs. QEMU's board has no LEDs to look at, so the pins
//!   are [`LoggedPin`]s: each change is printed over semihosting as
//!   `<µs> us <pin> <level>`, the timeline `scripts/baremetal.sh` compares
//!   with the simulated board's (`firmware/expected/two_leds.txt`).
//! - A hardware timer (GPTM Timer 0A, periodic) interrupts every 700 ms; its
//!   handler sets a `ThreadSafeFlag` that a task awaits, printing
//!   `<µs> us timer flag <n> after interrupt <k>` for the first five (k = n:
//!   one wake per interrupt).
//! - The clock is SysTick, the idle wait `WFI` (`uasyncio-cortex-m`).
//! - Before the loop exists, UART0's interrupt (pended by software) sets a
//!   `ThreadSafeFlag`; the timer task's first wait on it returns at once:
//!   `<µs> us early flag: set by an interrupt before the loop existed`.
//! - Then, on a fresh loop, a `sleep(u64::MAX)` as the only timer while a
//!   task waits for one more timer interrupt: it prints
//!   `<µs> us far deadline pending, woken by timer interrupt 6`.
//! - Then, on a fresh loop, the critical-section primitives as `static`s
//!   fed by the same timer interrupt: its handler puts its count into a
//!   `cs::Queue` (`put_nowait`) for the first three and sets a `cs::Event`
//!   at the fourth; a task awaits the three items and then the event,
//!   printing `<µs> us cs queue item <n>: interrupt <k>` (k = n: one item
//!   per interrupt, none lost) and `<µs> us cs event set by interrupt 4`.
//! - Then `uasyncio_tutorials::lecture_lab` on a fresh loop, its times
//!   printed from its start: red on GPIO 25, green on GPIO 26, and a
//!   [`ScriptedButton`] pressed at 12.01 s for 0.2 s (as in the simulated
//!   board's test); compared with `firmware/expected/lecture_lab.txt`.
//!
//! After that (about 18 s in) it prints `done` and exits QEMU (semihosting
//! exit status 0; a panic prints its message and exits with status 1).
#![no_std]
#![no_main]

use core::cell::Cell;
use core::ptr::{read_volatile, write_volatile};
use core::sync::atomic::{AtomicBool, Ordering};

use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::hprintln;
use firmware_common::{Console, CountingHeap, LoggedPin, ScriptedButton, program_time_us};
use lm3s6965::interrupt;
use lm3s6965_board::CORE_HZ;
use uasyncio::sync::cs;
use uasyncio::{ThreadSafeFlag, create_task, sleep};

/// How long the program runs: every LED edge up to 5 s, none after.
const RUN_SECS: f64 = 5.25;
/// The timer interrupt's period, and how many of its flags the task awaits.
const TIMER_MS: u32 = 700;
const TIMER_FLAGS: u32 = 5;

#[global_allocator]
static HEAP: CountingHeap<{ 16 * 1024 }> = CountingHeap::new();

/// Set by an interrupt (UART0's, pended by software) before the loop exists.
static EARLY_FLAG: ThreadSafeFlag = ThreadSafeFlag::new();

/// Set by the Timer 0A interrupt, awaited by `timer_flags`.
static TIMER_FLAG: ThreadSafeFlag = ThreadSafeFlag::new();
/// Timer 0A interrupts so far: the task's n-th wake should follow the n-th.
/// (A critical section, not an atomic add: thumbv6m has none.)
static TIMER_INTERRUPTS: critical_section::Mutex<Cell<u32>> = critical_section::Mutex::new(Cell::new(0));

/// While set, the Timer 0A interrupt also feeds `CS_TICKS` and `CS_EVENT`.
/// (A load and a store only: thumbv6m has those atomics.)
static CS_FEED: AtomicBool = AtomicBool::new(false);
/// Timer 0A interrupts since `CS_FEED` was set.
static CS_COUNT: critical_section::Mutex<Cell<u32>> = critical_section::Mutex::new(Cell::new(0));
/// The interrupt's count, put by its handler, taken by `cs_statics`' task.
static CS_TICKS: cs::Queue<u32> = cs::Queue::const_new(4);
/// Set by the interrupt handler at the interrupt after the last item.
static CS_EVENT: cs::Event = cs::Event::new();
/// How many items `cs_statics`' task takes.
const CS_ITEMS: u32 = 3;

/// The pins print the program's time over semihosting.
const CONSOLE: Console = Console { now_us: program_time_us, print_line: lm3s6965_board::print_line };

/// Tutorial 4 on a fresh loop (program time 0 at its start): red on GPIO 25,
/// green on GPIO 26, the button on GPIO 27 pressed at 12.01 s for 0.2 s, as
/// in the simulated board's test.
fn lecture_lab(platform: &uasyncio_cortex_m::SysTickPlatform) {
    firmware_common::start_program(platform.clone(), "lecture_lab", lm3s6965_board::print_line).run_until_complete(
        uasyncio_tutorials::lecture_lab(
            LoggedPin::new("GPIO25", CONSOLE),
            LoggedPin::new("GPIO26", CONSOLE),
            ScriptedButton::new(&[(12_010_000, 12_210_000)], program_time_us),
            |line| hprintln!("{} us print {}", program_time_us(), line),
        ),
    );
}

/// LM3S6965 registers used here (datasheet: System Control, GPTM, NVIC).
mod reg {
    /// Run-mode clock gating 1: bit 16 clocks Timer 0.
    pub const SYSCTL_RCGC1: *mut u32 = 0x400F_E104 as *mut u32;
    const TIMER0: usize = 0x4003_0000;
    pub const GPTM_CFG: *mut u32 = TIMER0 as *mut u32;
    pub const GPTM_TAMR: *mut u32 = (TIMER0 + 0x004) as *mut u32;
    pub const GPTM_CTL: *mut u32 = (TIMER0 + 0x00C) as *mut u32;
    pub const GPTM_IMR: *mut u32 = (TIMER0 + 0x018) as *mut u32;
    pub const GPTM_ICR: *mut u32 = (TIMER0 + 0x024) as *mut u32;
    pub const GPTM_TAILR: *mut u32 = (TIMER0 + 0x028) as *mut u32;
}

/// Starts Timer 0A as a 32-bit periodic timer interrupting every `ms`.
fn start_timer0(ms: u32) {
    // SAFETY: the addresses are the LM3S6965's own registers, and nothing
    // else in this firmware touches System Control or Timer 0.
    unsafe {
        write_volatile(reg::SYSCTL_RCGC1, read_volatile(reg::SYSCTL_RCGC1) | 1 << 16);
        write_volatile(reg::GPTM_CTL, 0); // stopped while configured
        write_volatile(reg::GPTM_CFG, 0); // 32-bit
        write_volatile(reg::GPTM_TAMR, 0x2); // periodic
        write_volatile(reg::GPTM_TAILR, CORE_HZ / 1000 * ms - 1);
        write_volatile(reg::GPTM_IMR, 1); // time-out interrupt
        write_volatile(reg::GPTM_CTL, 1); // enable Timer A
        cortex_m::peripheral::NVIC::unmask(interrupt::TIMER_0A);
    }
}

fn stop_timer0() {
    cortex_m::peripheral::NVIC::mask(interrupt::TIMER_0A);
    // SAFETY: as in `start_timer0`.
    unsafe { write_volatile(reg::GPTM_CTL, 0) };
}

#[interrupt]
fn TIMER_0A() {
    // SAFETY: as in `start_timer0`; writing 1 clears the time-out interrupt.
    unsafe { write_volatile(reg::GPTM_ICR, 1) };
    critical_section::with(|cs| {
        let count = TIMER_INTERRUPTS.borrow(cs);
        count.set(count.get() + 1);
    });
    TIMER_FLAG.set();
    if CS_FEED.load(Ordering::Relaxed) {
        let count = critical_section::with(|cs| {
            let count = CS_COUNT.borrow(cs);
            count.set(count.get() + 1);
            count.get()
        });
        // From the interrupt handler: the non-waiting operations.
        if count <= CS_ITEMS && CS_TICKS.put_nowait(count).is_err() {
            panic!("the cs queue was full at interrupt {count}: the task fell behind");
        }
        if count == CS_ITEMS + 1 {
            CS_EVENT.set();
        }
    }
}

#[interrupt]
fn UART0() {
    EARLY_FLAG.set();
}

/// Bad input: an interrupt sets a flag before any loop exists (UART0's
/// handler, pended by software; QEMU's UART is not otherwise used).
fn set_a_flag_before_the_loop_exists() {
    // SAFETY: UART0's handler only sets `EARLY_FLAG`, which is safe anywhere.
    unsafe { cortex_m::peripheral::NVIC::unmask(interrupt::UART0) };
    cortex_m::peripheral::NVIC::pend(interrupt::UART0);
    cortex_m::asm::isb(); // the handler has run
    cortex_m::peripheral::NVIC::mask(interrupt::UART0);
}

#[exception]
fn SysTick() {
    uasyncio_cortex_m::on_systick();
}

/// Awaits the timer interrupt's flag `TIMER_FLAGS` times, then stops it.
async fn timer_flags() {
    // Set by an interrupt before the loop existed: the wait returns at once.
    EARLY_FLAG.wait().await;
    hprintln!("{} us early flag: set by an interrupt before the loop existed", program_time_us());
    start_timer0(TIMER_MS);
    for n in 1..=TIMER_FLAGS {
        TIMER_FLAG.wait().await;
        let interrupts = critical_section::with(|cs| TIMER_INTERRUPTS.borrow(cs).get());
        hprintln!("{} us timer flag {} after interrupt {}", uasyncio::time::now_us(), n, interrupts);
    }
    stop_timer0();
}

/// Bad input: a deadline beyond any clock's range (`sleep(u64::MAX)` µs) is
/// the only timer, on a fresh loop (the blinkers discarded), while a task
/// waits for one more timer interrupt: the loop must idle on the far
/// deadline without overflowing or waking early, and wake for the interrupt.
fn far_deadline_and_an_interrupt(platform: &uasyncio_cortex_m::SysTickPlatform) {
    let event_loop = uasyncio::new_event_loop_with(platform.clone());
    event_loop.run_until_complete(async {
        let far = create_task(async {
            sleep(u64::MAX).await;
            panic!("a sleep of u64::MAX us ended");
        });
        start_timer0(TIMER_MS);
        TIMER_FLAG.wait().await;
        stop_timer0();
        let interrupts = critical_section::with(|cs| TIMER_INTERRUPTS.borrow(cs).get());
        hprintln!("{} us far deadline pending, woken by timer interrupt {}", uasyncio::time::now_us(), interrupts);
        assert!(far.cancel(), "the far sleeper is still pending");
    });
}

/// The critical-section primitives as `static`s shared with an interrupt
/// handler, on a fresh loop whose only task waits on them (no timer: the
/// loop idles in WFI for the interrupt rather than reporting a deadlock).
fn cs_statics(platform: &uasyncio_cortex_m::SysTickPlatform) {
    let event_loop = uasyncio::new_event_loop_with(platform.clone());
    event_loop.run_until_complete(async {
        // Allocate the queue's buffer here, not in the interrupt handler.
        CS_TICKS.put_nowait(0).expect("an empty queue takes an item");
        assert_eq!(CS_TICKS.get_nowait(), Ok(0));
        CS_FEED.store(true, Ordering::Relaxed);
        start_timer0(TIMER_MS);
        for n in 1..=CS_ITEMS {
            let k = CS_TICKS.get().await;
            hprintln!("{} us cs queue item {}: interrupt {}", uasyncio::time::now_us(), n, k);
        }
        CS_EVENT.wait().await;
        stop_timer0();
        CS_FEED.store(false, Ordering::Relaxed);
        let count = critical_section::with(|cs| CS_COUNT.borrow(cs).get());
        hprintln!("{} us cs event set by interrupt {}", uasyncio::time::now_us(), count);
    });
}

#[entry]
fn main() -> ! {
    HEAP.init();
    let core = cortex_m::Peripherals::take().expect("core peripherals taken once");
    set_a_flag_before_the_loop_exists();
    let platform = uasyncio_cortex_m::SysTickPlatform::start(core.SYST, CORE_HZ);
    let event_loop = uasyncio::new_event_loop_with(platform.clone());
    hprintln!("two_leds on lm3s6965: SysTick at {} Hz, WFI idle", CORE_HZ);
    event_loop.run_until_complete(async {
        uasyncio_tutorials::two_leds(LoggedPin::new("GPIO14", CONSOLE), LoggedPin::new("GPIO12", CONSOLE)).await;
        let timer = create_task(timer_flags());
        sleep(RUN_SECS).await;
        assert!(timer.done(), "the timer task has not seen its {TIMER_FLAGS} flags");
    });
    clock_never_steps_back(&platform);
    far_deadline_and_an_interrupt(&platform);
    cs_statics(&platform);
    lecture_lab(&platform);
    hprintln!("done at {} us", uasyncio::get_event_loop().time_us());
    lm3s6965_board::exit_success()
}

/// Reads the clock back to back across a few dozen of its ticks or alarms:
/// it must never step back (a wrap read half before, half after).
fn clock_never_steps_back(platform: &impl uasyncio::Platform) {
    let start = platform.now_us();
    let mut last = start;
    while last - start < 20_000 {
        let now = platform.now_us();
        assert!(now >= last, "the clock stepped back from {last} us to {now} us");
        last = now;
    }
}
