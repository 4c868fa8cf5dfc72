//! Tutorials 2, 3 and 5 (brightness, button and queue, coroutine basics)
//! as firmware for the LM3S6965 (Cortex-M3), run under `qemu-system-arm
//! -machine lm3s6965evb -semihosting`: `firmware_common::run_more_tutorials`
//! (the same sources the simulated board runs, with a logged PWM, a
//! scripted pot and button), printing over semihosting; the clock is
//! SysTick. Then it prints `done` and exits QEMU (status 0; a panic prints
//! its message and exits with status 1). `scripts/baremetal.sh` compares
//! each program's timeline with `firmware/expected/`.
#![no_std]
#![no_main]

use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::hprintln;
use firmware_common::CountingHeap;
use lm3s6965 as _;
use lm3s6965_board::CORE_HZ;

#[global_allocator]
static HEAP: CountingHeap<{ 16 * 1024 }> = CountingHeap::new();

#[exception]
fn SysTick() {
    uasyncio_cortex_m::on_systick();
}

#[entry]
fn main() -> ! {
    HEAP.init();
    let core = cortex_m::Peripherals::take().expect("core peripherals taken once");
    let platform = uasyncio_cortex_m::SysTickPlatform::start(core.SYST, CORE_HZ);
    firmware_common::run_more_tutorials(&platform, lm3s6965_board::print_line);
    hprintln!("done at {} us, heap high-water {} B", uasyncio::get_event_loop().time_us(), HEAP.high_water());
    lm3s6965_board::exit_success()
}
