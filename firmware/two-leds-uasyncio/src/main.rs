//! The shared `uasyncio_tutorials::two_leds` alone, on uasyncio, for the
//! LM3S6965 (Cortex-M3) under `qemu-system-arm -machine lm3s6965evb`: the
//! footprint firmware, built beside the same program on embassy
//! (`two-leds-embassy`), with the same pins ([`LoggedPin`]), prints, panic
//! handler and profile.
//!
//! It runs the program for 5.25 s (every edge up to 5 s), then prints its
//! measured footprint and `done`, and exits QEMU:
//!
//! - `heap high-water <n> B of <arena> B`: the most heap in use at once
//!   (the global allocator counts it);
//! - `heap per task <n> B for a <m> B future`: what one more spawn takes
//!   from the heap;
//! - `stack high-water <n> B`: the deepest the stack went (painted at
//!   start, scanned at the end).
//!
//! `scripts/baremetal.sh` reads these lines and the ELF's section sizes.
#![no_std]
#![no_main]

use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::hprintln;
use firmware_common::{Console, CountingHeap, LoggedPin};
use lm3s6965 as _;
use lm3s6965_board::CORE_HZ;
use uasyncio::{create_task, sleep_ms};

/// How long the program runs: every LED edge up to 5 s, none after.
const RUN_MS: u32 = 5_250;

/// The heap: its high-water mark (under 0.9 KiB) with a little room.
#[global_allocator]
static HEAP: CountingHeap<1024> = CountingHeap::new();

#[exception]
fn SysTick() {
    uasyncio_cortex_m::on_systick();
}

fn now_us() -> u64 {
    uasyncio::time::now_us()
}

/// The pins print the loop's time over semihosting.
const CONSOLE: Console = Console { now_us, print_line: lm3s6965_board::print_line };

#[entry]
fn main() -> ! {
    lm3s6965_board::paint_stack();
    HEAP.init();
    let core = cortex_m::Peripherals::take().expect("core peripherals taken once");
    let platform = uasyncio_cortex_m::SysTickPlatform::start(core.SYST, CORE_HZ);
    let event_loop = uasyncio::new_event_loop_with(platform);
    hprintln!("two_leds on uasyncio");
    event_loop.run_until_complete(async {
        uasyncio_tutorials::two_leds(LoggedPin::new("GPIO14", CONSOLE), LoggedPin::new("GPIO12", CONSOLE)).await;
        sleep_ms(RUN_MS).await;
        // One more task, while the registry has room (it grows by 8 at a
        // time): the heap it takes is the task's cell alone. Its handle is
        // dropped (the task stays queued, never run again), not cancelled:
        // the measurement links nothing two_leds does not use.
        let future = sleep_ms(1);
        let future_bytes = core::mem::size_of_val(&future);
        let before = HEAP.used();
        let task = create_task(future);
        let per_task = HEAP.used() - before;
        drop(task);
        hprintln!("heap per task {} B for a {} B future", per_task, future_bytes);
    });
    hprintln!("heap high-water {} B of {} B", HEAP.high_water(), HEAP.arena_bytes());
    hprintln!("stack high-water {} B", lm3s6965_board::stack_high_water());
    hprintln!("done at {} us", now_us());
    lm3s6965_board::exit_success()
}
