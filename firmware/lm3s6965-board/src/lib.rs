//! What the LM3S6965 firmwares share (the two `two_leds` footprint
//! firmwares, `two-leds-uasyncio` and `two-leds-embassy`, differ only in
//! the runtime): the console ([`print_line`], over semihosting, for
//! `firmware-common`'s stand-ins), the panic handler, the stack high-water
//! mark ([`paint_stack`], [`stack_high_water`]) and the exit.
//!
//! The LM3S6965 under `qemu-system-arm -machine lm3s6965evb` runs its core,
//! SysTick and timers at [`CORE_HZ`].
#![no_std]

#[cfg(feature = "embassy-time-driver")]
pub mod embassy_time_driver;

use core::ptr::{addr_of, read_volatile, write_volatile};

use cortex_m_semihosting::{debug, hprintln};

/// The system clock as QEMU models it after reset: its 200 MHz PLL divided
/// by RCC's SYSDIV reset value plus one (16). (Measured: at 12 MHz the
/// loop's clock ran 3.5 % ahead of the host's.)
pub const CORE_HZ: u32 = 12_500_000;

/// Prints one line over semihosting (the `print_line` of the firmwares'
/// `firmware_common::Console`).
pub fn print_line(line: core::fmt::Arguments<'_>) {
    hprintln!("{}", line);
}

/// The word painted over the unused stack.
const PAINT: u32 = 0x5EED_F00D;
/// Left unpainted below the stack pointer of [`paint_stack`]'s caller: the
/// painting loop's own frame.
const MARGIN_BYTES: usize = 64;

unsafe extern "C" {
    /// cortex-m-rt: the lowest address the stack may grow to (the end of the
    /// static data; no heap region follows, the heaps here are statics).
    static _stack_end: u32;
    /// cortex-m-rt: the stack's top (the end of RAM).
    static _stack_start: u32;
}

fn stack_end() -> usize {
    addr_of!(_stack_end) as usize
}

/// Paints the stack below the current stack pointer (less a small margin)
/// down to its end with a known word, for [`stack_high_water`]. Call it
/// first thing in `main`, before interrupts are enabled.
#[inline(never)]
pub fn paint_stack() {
    let sp = cortex_m::register::msp::read() as usize;
    let mut addr = stack_end();
    while addr + 4 <= sp - MARGIN_BYTES {
        // SAFETY: the words from `_stack_end` up to below the stack pointer
        // belong to no object: they are the stack's unused part, and no
        // interrupt runs yet that could be using them.
        unsafe { write_volatile(addr as *mut u32, PAINT) };
        addr += 4;
    }
}

/// The most stack used since [`paint_stack`], in bytes: from the stack's top
/// down to the lowest word no longer holding the paint.
pub fn stack_high_water() -> usize {
    let mut addr = stack_end();
    // SAFETY: reads words of the stack region, between its end and its top;
    // the unused ones hold the paint, the used ones are plain words.
    while addr < addr_of!(_stack_start) as usize && unsafe { read_volatile(addr as *const u32) } == PAINT {
        addr += 4;
    }
    addr_of!(_stack_start) as usize - addr
}

/// Exits QEMU with status 0 (semihosting).
pub fn exit_success() -> ! {
    debug::exit(debug::EXIT_SUCCESS);
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
