//! What the firmwares for QEMU's RISC-V `virt` board (RV32IMAC, machine
//! mode, `qemu-system-riscv32 -machine virt -bios none`) share: the board's
//! addresses, the console (the 16550 UART: [`Uart`], [`println!`],
//! [`print_line`]), the panic handler (prints the message, exits with
//! status 1) and [`exit`] through the board's test device.
#![no_std]

use core::fmt::Write;
use core::ptr::write_volatile;

/// The CLINT's `mtime`, hart 0's `mtimecmp`, and their rate on `virt`.
pub const MTIME: usize = 0x0200_BFF8;
pub const MTIMECMP0: usize = 0x0200_4000;
pub const MTIME_HZ: u32 = 10_000_000;
/// The 16550 UART's transmit register (QEMU needs no set-up to print); the
/// received byte is read at the same address.
pub const UART_THR: *mut u8 = 0x1000_0000 as *mut u8;
/// The SiFive test device: writing here powers the machine off.
const TEST_DEVICE: *mut u32 = 0x0010_0000 as *mut u32;
const TEST_PASS: u32 = 0x5555;
const TEST_FAIL: u32 = 0x3333;

/// The console: QEMU's 16550 UART, written byte by byte.
pub struct Uart;

impl Write for Uart {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for byte in s.bytes() {
            // SAFETY: the `virt` board's UART transmit register; QEMU's
            // model takes a byte whenever it is written.
            unsafe { write_volatile(UART_THR, byte) };
        }
        Ok(())
    }
}

/// `println!` on the UART.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let _ = writeln!($crate::Uart, $($arg)*);
    }};
}

/// Prints one line on the UART (the `print_line` of the firmwares'
/// `firmware_common::Console`).
pub fn print_line(line: core::fmt::Arguments<'_>) {
    println!("{}", line);
}

/// Ends the QEMU run with a pass (`ok`: exit status 0) or a failure (1).
pub fn exit(ok: bool) -> ! {
    let code = if ok { TEST_PASS } else { 1 << 16 | TEST_FAIL };
    // SAFETY: the `virt` board's test device; the write powers off.
    unsafe { write_volatile(TEST_DEVICE, code) };
    loop {
        riscv::asm::wfi();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("panic: {}", info);
    exit(false)
}
