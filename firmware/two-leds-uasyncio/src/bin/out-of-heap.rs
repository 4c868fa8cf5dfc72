//! Bad input on the target: the heap runs out. The footprint firmware's
//! setup (the same 1 KiB [`CountingHeap`]), then tasks each holding a
//! 64-byte future are created until an allocation fails. The outcome is a
//! panic saying so, printed over semihosting by the panic handler, and QEMU's
//! exit status 1 (never a null pointer written through, never a hang):
//!
//! ```text
//! task 12 created, 936 B of the heap in use
//! panic: panicked at …: heap exhausted: 112 B (align 8) asked with 936 of 1024 B in use; give the firmware a larger heap arena
//! ```
//!
//! `scripts/baremetal.sh` checks the status and the message.
#![no_std]
#![no_main]

use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::hprintln;
use firmware_common::CountingHeap;
use lm3s6965 as _;
use lm3s6965_board::CORE_HZ;
use uasyncio::{create_task, sleep};

#[global_allocator]
static HEAP: CountingHeap<1024> = CountingHeap::new();

#[exception]
fn SysTick() {
    uasyncio_cortex_m::on_systick();
}

/// Holds `bytes` across a sleep, so they are part of its task's future.
async fn holding(bytes: [u8; 64]) -> u8 {
    sleep(1).await;
    bytes[0]
}

#[entry]
fn main() -> ! {
    HEAP.init();
    let core = cortex_m::Peripherals::take().expect("core peripherals taken once");
    let platform = uasyncio_cortex_m::SysTickPlatform::start(core.SYST, CORE_HZ);
    let event_loop = uasyncio::new_event_loop_with(platform);
    event_loop.run_until_complete(async {
        for n in 1.. {
            let task = create_task(holding([n as u8; 64]));
            hprintln!("task {} created, {} B of the heap in use", n, HEAP.used());
            // Kept alive: detached, each task keeps its cell.
            drop(task);
        }
    });
    hprintln!("done: the heap never ran out");
    lm3s6965_board::exit_success()
}
