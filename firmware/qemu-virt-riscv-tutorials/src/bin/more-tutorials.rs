//! Tutorials 2, 3 and 5 (brightness, button and queue, coroutine basics)
//! as firmware for QEMU's RISC-V `virt` board (RV32IMAC, machine mode), run
//! under `qemu-system-riscv32 -machine virt -bios none`:
//! `firmware_common::run_more_tutorials` (the same sources the simulated
//! board runs, with a logged PWM, a scripted pot and button), printing on
//! the UART; the clock is `mtime`, the alarm `mtimecmp`. Then it prints
//! `done` and powers QEMU off (status 0; a panic prints its message and
//! exits with status 1). `scripts/baremetal.sh` compares each program's
//! timeline with `firmware/expected/`.
#![no_std]
#![no_main]

use firmware_common::CountingHeap;
use qemu_virt_board::{MTIME, MTIME_HZ, MTIMECMP0, exit, println};
use riscv::interrupt::Interrupt;

#[global_allocator]
static HEAP: CountingHeap<{ 16 * 1024 }> = CountingHeap::new();

#[riscv_rt::core_interrupt(Interrupt::MachineTimer)]
fn machine_timer() {
    uasyncio_riscv::on_machine_timer();
}

#[riscv_rt::entry]
fn main() -> ! {
    HEAP.init();
    // SAFETY: the `virt` board's CLINT registers for hart 0, used by nothing else.
    let platform = unsafe { uasyncio_riscv::MtimePlatform::new(MTIME, MTIMECMP0, MTIME_HZ) };
    firmware_common::run_more_tutorials(&platform, qemu_virt_board::print_line);
    println!("done at {} us, heap high-water {} B", uasyncio::get_event_loop().time_us(), HEAP.high_water());
    exit(true)
}
