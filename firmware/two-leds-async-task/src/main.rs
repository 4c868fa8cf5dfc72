//! Tutorial 1 (two LEDs) on async-task's heap-allocated tasks + embassy-time,
//! for the LM3S6965 (Cortex-M3) under `qemu-system-arm -machine lm3s6965evb`:
//! the floor of the two_leds footprint table for a runtime whose tasks live
//! on the heap (as uasyncio's do), between embassy's static task pools and
//! uasyncio.
//!
//! The executor is the least that runs heap tasks: `async_task::spawn` (the
//! task crate of smol and edge-executor) allocates each task, its schedule
//! function pushes the task's `Runnable` on a fixed run queue guarded by a
//! critical section, and the loop runs what is queued or waits for an
//! interrupt (`WFI` with interrupts masked, so a wake between the check and
//! the wait is not missed). No cancellation, no task outcomes, no exception
//! handler: those are what uasyncio adds on top. The same pins, prints,
//! panic handler, profile, clock (`lm3s6965_board::embassy_time_driver`, as
//! `two-leds-embassy`) and heap (`CountingHeap`, as `two-leds-uasyncio`).
//!
//! It prints `heap per task`, `heap high-water`, `stack high-water` and
//! `done` as `two-leds-uasyncio` does.
#![no_std]
#![no_main]

use core::cell::RefCell;
use core::future::Future;

use async_task::Runnable;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::hprintln;
use critical_section::Mutex;
use embassy_time::{Duration, Instant, Timer};
use embedded_hal::digital::StatefulOutputPin;
use firmware_common::{Console, CountingHeap, LoggedPin};
use lm3s6965 as _;

/// How long the program runs: every LED edge up to 5 s, none after.
const RUN_MS: u64 = 5_250;

/// The heap, the same as `two-leds-uasyncio`'s.
#[global_allocator]
static HEAP: CountingHeap<1024> = CountingHeap::new();

/// The tasks ready to run (three tasks, and one for the per-task figure).
static READY: Mutex<RefCell<heapless::Deque<Runnable, 4>>> = Mutex::new(RefCell::new(heapless::Deque::new()));

#[exception]
fn SysTick() {
    lm3s6965_board::embassy_time_driver::on_systick();
}

fn now_us() -> u64 {
    Instant::now().as_micros()
}

/// The pins print embassy's time over semihosting.
const CONSOLE: Console = Console { now_us, print_line: lm3s6965_board::print_line };

/// Queues a woken task (from a task or from SysTick's exception).
fn schedule(runnable: Runnable) {
    critical_section::with(|cs| {
        if READY.borrow_ref_mut(cs).push_back(runnable).is_err() {
            panic!("the run queue is full");
        }
    });
}

/// Allocates a task for `future` and queues it.
fn spawn(future: impl Future<Output = ()> + Send + 'static) {
    let (runnable, task) = async_task::spawn(future, schedule);
    task.detach();
    runnable.schedule();
}

async fn blink(mut led: LoggedPin, period: Duration) {
    while led.toggle().is_ok() {
        Timer::after(period).await;
    }
}

async fn program() {
    hprintln!("two_leds on async-task");
    spawn(blink(LoggedPin::new("GPIO14", CONSOLE), Duration::from_millis(500)));
    spawn(blink(LoggedPin::new("GPIO12", CONSOLE), Duration::from_millis(1000)));
    Timer::after_millis(RUN_MS).await;
    // One more task: the heap it takes.
    let future = Timer::after_millis(1);
    let future_bytes = core::mem::size_of_val(&future);
    let before = HEAP.used();
    let (runnable, task) = async_task::spawn(future, schedule);
    let per_task = HEAP.used() - before;
    drop(runnable);
    drop(task);
    hprintln!("heap per task {} B for a {} B future", per_task, future_bytes);
    hprintln!("heap high-water {} B of {} B", HEAP.high_water(), HEAP.arena_bytes());
    hprintln!("stack high-water {} B", lm3s6965_board::stack_high_water());
    hprintln!("done at {} us", now_us());
    lm3s6965_board::exit_success()
}

#[entry]
fn main() -> ! {
    lm3s6965_board::paint_stack();
    HEAP.init();
    let core = cortex_m::Peripherals::take().expect("core peripherals taken once");
    lm3s6965_board::embassy_time_driver::start_systick(core.SYST);
    spawn(program());
    loop {
        // Masked, so that a wake landing after the queue was found empty
        // ends the WFI instead of being missed.
        let next = critical_section::with(|cs| {
            let next = READY.borrow_ref_mut(cs).pop_front();
            if next.is_none() {
                cortex_m::asm::wfi();
            }
            next
        });
        if let Some(runnable) = next {
            runnable.run();
        }
    }
}
