//! Tutorials 1 and 4 (two LEDs, the lecture lab) as firmware for QEMU's RISC-V `virt` board
//! (RV32IMAC, machine mode), run under
//! `qemu-system-riscv32 -machine virt -bios none`.
//!
//! - The program is `uasyncio_tutorials::two_leds`, the same source the
//!   simulated board runs. The board has no LEDs, so the pins are
//!   [`LoggedPin`]s: each change is printed on the UART (a 16550 at
//!   0x1000_0000, QEMU's serial console) as `<µs> us <pin> <level>`, the
//!   timeline `scripts/baremetal.sh` compares with the simulated board's
//!   (`firmware/expected/two_leds.txt`).
//! - The UART's receive interrupt (through the PLIC) sets a
//!   `ThreadSafeFlag` that a task awaits: for each wake it prints
//!   `<µs> us uart flag <n> after byte <k> '<c>'`, until two bytes came.
//!   `scripts/baremetal.sh` types `a`, then `b` a second later, on QEMU's
//!   standard input (the serial console).
//! - The clock is the CLINT's `mtime` (10 MHz on `virt`), the alarm its
//!   `mtimecmp`, the idle wait `WFI` (`uasyncio-riscv`).
//! - Then, on a fresh loop, a `sleep(u64::MAX)` as the only timer while a
//!   task waits for the next byte (`c`, typed at 6.5 s): it prints
//!   `<µs> us far deadline pending, woken by byte 'c'`.
//! - Then `uasyncio_tutorials::lecture_lab` on a fresh loop, its times
//!   printed from its start: red on GPIO 25, green on GPIO 26, and a
//!   [`ScriptedButton`] pressed at 12.01 s for 0.2 s (as in the simulated
//!   board's test); compared with `firmware/expected/lecture_lab.txt`.
//!
//! After that (about 18.5 s in) it prints `done` and powers QEMU off through the `virt`
//! board's test device (exit status 0; a panic prints its message and exits
//! with status 1).
#![no_std]
#![no_main]

use core::ptr::{read_volatile, write_volatile};
use core::sync::atomic::{AtomicU32, Ordering};

use firmware_common::{Console, CountingHeap, LoggedPin, ScriptedButton, program_time_us};
use qemu_virt_board::{MTIME, MTIME_HZ, MTIMECMP0, UART_THR, exit, println};
use riscv::interrupt::Interrupt;
use uasyncio::{ThreadSafeFlag, create_task, sleep};

/// The UART's interrupt enable (bit 0: received data) and line status
/// (bit 0: data ready) registers; the received byte is read at `UART_THR`.
const UART_IER: *mut u8 = 0x1000_0001 as *mut u8;
const UART_LSR: *const u8 = 0x1000_0005 as *const u8;
/// The PLIC: the UART is source 10; hart 0's machine-mode context is 0.
const PLIC_PRIORITY_UART: *mut u32 = (0x0C00_0000 + 4 * 10) as *mut u32;
const PLIC_ENABLE_CTX0: *mut u32 = 0x0C00_2000 as *mut u32;
const PLIC_THRESHOLD_CTX0: *mut u32 = 0x0C20_0000 as *mut u32;
const PLIC_CLAIM_CTX0: *mut u32 = 0x0C20_0004 as *mut u32;
const UART_IRQ: u32 = 10;
/// How long the program runs: every LED edge up to 5 s, none after.
const RUN_SECS: f64 = 5.25;

/// Set by the UART interrupt, awaited by `uart_flags`.
static UART_FLAG: ThreadSafeFlag = ThreadSafeFlag::new();
/// Bytes received so far, and the last one.
static RX_COUNT: AtomicU32 = AtomicU32::new(0);
static RX_LAST: AtomicU32 = AtomicU32::new(0);
/// How many bytes `uart_flags` waits for.
const RX_BYTES: u32 = 2;

#[global_allocator]
static HEAP: CountingHeap<{ 16 * 1024 }> = CountingHeap::new();

/// The pins print the program's time on the UART.
const CONSOLE: Console = Console { now_us: program_time_us, print_line: qemu_virt_board::print_line };

/// Tutorial 4 on a fresh loop (program time 0 at its start): red on GPIO 25,
/// green on GPIO 26, the button on GPIO 27 pressed at 12.01 s for 0.2 s, as
/// in the simulated board's test.
fn lecture_lab(platform: &uasyncio_riscv::MtimePlatform) {
    firmware_common::start_program(platform.clone(), "lecture_lab", qemu_virt_board::print_line).run_until_complete(
        uasyncio_tutorials::lecture_lab(
            LoggedPin::new("GPIO25", CONSOLE),
            LoggedPin::new("GPIO26", CONSOLE),
            ScriptedButton::new(&[(12_010_000, 12_210_000)], program_time_us),
            |line| println!("{} us print {}", program_time_us(), line),
        ),
    );
}

#[riscv_rt::core_interrupt(Interrupt::MachineTimer)]
fn machine_timer() {
    uasyncio_riscv::on_machine_timer();
}

#[riscv_rt::core_interrupt(Interrupt::MachineExternal)]
fn machine_external() {
    // SAFETY: the `virt` board's PLIC and UART registers, used by nothing
    // else while the UART interrupt is enabled.
    unsafe {
        let source = read_volatile(PLIC_CLAIM_CTX0);
        while read_volatile(UART_LSR) & 1 != 0 {
            RX_LAST.store(u32::from(read_volatile(UART_THR)), Ordering::Relaxed);
            RX_COUNT.fetch_add(1, Ordering::Relaxed);
        }
        write_volatile(PLIC_CLAIM_CTX0, source);
    }
    UART_FLAG.set();
}

/// Routes the UART's receive interrupt to this hart (machine mode).
fn enable_uart_rx_interrupt() {
    // SAFETY: as in `machine_external`.
    unsafe {
        write_volatile(PLIC_PRIORITY_UART, 1);
        write_volatile(PLIC_THRESHOLD_CTX0, 0);
        write_volatile(PLIC_ENABLE_CTX0, 1 << UART_IRQ);
        write_volatile(UART_IER, 1);
        riscv::register::mie::set_mext();
    }
}

/// Awaits the UART interrupt's flag until `RX_BYTES` bytes came.
async fn uart_flags() {
    enable_uart_rx_interrupt();
    let mut wakes = 0;
    while RX_COUNT.load(Ordering::Relaxed) < RX_BYTES {
        UART_FLAG.wait().await;
        wakes += 1;
        let count = RX_COUNT.load(Ordering::Relaxed);
        let byte = RX_LAST.load(Ordering::Relaxed) as u8 as char;
        println!("{} us uart flag {} after byte {} '{}'", uasyncio::time::now_us(), wakes, count, byte);
    }
}

/// Bad input: a deadline beyond any clock's range (`sleep(u64::MAX)` µs, an
/// `mtimecmp` past the counter's end) is the only timer, on a fresh loop
/// (the blinkers discarded), while a task waits for the next byte typed:
/// the loop must idle on the far deadline without overflowing or waking
/// early, and wake for the UART interrupt.
fn far_deadline_and_an_interrupt(platform: &uasyncio_riscv::MtimePlatform) {
    let event_loop = uasyncio::new_event_loop_with(platform.clone());
    event_loop.run_until_complete(async {
        let far = create_task(async {
            sleep(u64::MAX).await;
            panic!("a sleep of u64::MAX us ended");
        });
        while RX_COUNT.load(Ordering::Relaxed) <= RX_BYTES {
            UART_FLAG.wait().await;
        }
        let byte = RX_LAST.load(Ordering::Relaxed) as u8 as char;
        println!("{} us far deadline pending, woken by byte '{}'", uasyncio::time::now_us(), byte);
        assert!(far.cancel(), "the far sleeper is still pending");
    });
}

#[riscv_rt::entry]
fn main() -> ! {
    HEAP.init();
    // SAFETY: the `virt` board's CLINT registers for hart 0, used by nothing else.
    let platform = unsafe { uasyncio_riscv::MtimePlatform::new(MTIME, MTIMECMP0, MTIME_HZ) };
    let event_loop = uasyncio::new_event_loop_with(platform.clone());
    println!("two_leds on qemu virt (rv32imac): mtime at {} Hz, WFI idle", MTIME_HZ);
    event_loop.run_until_complete(async {
        uasyncio_tutorials::two_leds(LoggedPin::new("GPIO14", CONSOLE), LoggedPin::new("GPIO12", CONSOLE)).await;
        let uart = create_task(uart_flags());
        sleep(RUN_SECS).await;
        assert!(uart.done(), "the UART task has not seen its {RX_BYTES} bytes");
    });
    clock_never_steps_back(&platform);
    far_deadline_and_an_interrupt(&platform);
    lecture_lab(&platform);
    println!("done at {} us", uasyncio::get_event_loop().time_us());
    exit(true)
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
