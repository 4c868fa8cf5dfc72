//! What the LM3S6965 firmwares share (the two `two_leds` footprint
//! firmwares, `two-leds-uasyncio` and `two-leds-embassy`, differ only in
//! the runtime): the stand-ins for the hardware QEMU's board lacks
//! ([`LoggedPin`] and [`LoggedPwm`] printing their changes over
//! semihosting, [`ScriptedButton`] pressed at set times), the panic handler,
//! the heap ([`CountingHeap`]: its high-water mark, and a clear panic when
//! it is exhausted), the stack high-water mark ([`paint_stack`],
//! [`stack_high_water`]) and the exit.
//!
//! The LM3S6965 under `qemu-system-arm -machine lm3s6965evb` runs its core,
//! SysTick and timers at [`CORE_HZ`].
#![no_std]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use core::mem::MaybeUninit;
use core::ptr::{addr_of, read_volatile, write_volatile};

use cortex_m_semihosting::{debug, hprintln};
use embedded_hal::digital::{ErrorType, InputPin, OutputPin, StatefulOutputPin};

/// The system clock as QEMU models it after reset: its 200 MHz PLL divided
/// by RCC's SYSDIV reset value plus one (16). (Measured: at 12 MHz the
/// loop's clock ran 3.5 % ahead of the host's.)
pub const CORE_HZ: u32 = 12_500_000;

/// An output pin with no hardware behind it: each change prints
/// `<µs> us <name> <level>` over semihosting, the time read from `now_us`.
pub struct LoggedPin {
    name: &'static str,
    high: bool,
    now_us: fn() -> u64,
}

impl LoggedPin {
    /// A pin named `name` (as the simulated board's `GPIO14`), low, printing
    /// the times `now_us` gives.
    pub fn new(name: &'static str, now_us: fn() -> u64) -> LoggedPin {
        LoggedPin { name, high: false, now_us }
    }

    fn set(&mut self, high: bool) {
        if high != self.high {
            self.high = high;
            hprintln!("{} us {} {}", (self.now_us)(), self.name, u8::from(high));
        }
    }
}

impl ErrorType for LoggedPin {
    type Error = core::convert::Infallible;
}

impl OutputPin for LoggedPin {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        self.set(false);
        Ok(())
    }

    fn set_high(&mut self) -> Result<(), Self::Error> {
        self.set(true);
        Ok(())
    }
}

impl StatefulOutputPin for LoggedPin {
    fn is_set_high(&mut self) -> Result<bool, Self::Error> {
        Ok(self.high)
    }

    fn is_set_low(&mut self) -> Result<bool, Self::Error> {
        Ok(!self.high)
    }
}

/// `embedded-alloc`'s linked-list heap over a static arena of `N` bytes,
/// counting its high-water mark. Exhaustion is a panic that says so (over
/// semihosting, by the panic handler), never a null pointer handed on:
///
/// ```text
/// panic: panicked at …: heap exhausted: 112 B (align 4) asked with 968 of
/// 1024 B in use; give the firmware a larger heap arena
/// ```
///
/// ```ignore
/// #[global_allocator]
/// static HEAP: CountingHeap<1024> = CountingHeap::new();
/// HEAP.init(); // first thing in main
/// ```
pub struct CountingHeap<const N: usize> {
    heap: embedded_alloc::LlffHeap,
    arena: core::cell::UnsafeCell<[MaybeUninit<u8>; N]>,
    high_water: critical_section::Mutex<Cell<usize>>,
}

// SAFETY: the arena is handed to `heap` once (`init`) and only ever reached
// through it, which locks (a critical section) around each use.
unsafe impl<const N: usize> Sync for CountingHeap<N> {}

impl<const N: usize> CountingHeap<N> {
    /// An empty heap: call [`init`](Self::init) before the first allocation.
    pub const fn new() -> Self {
        CountingHeap {
            heap: embedded_alloc::LlffHeap::empty(),
            arena: core::cell::UnsafeCell::new([MaybeUninit::uninit(); N]),
            high_water: critical_section::Mutex::new(Cell::new(0)),
        }
    }

    /// Gives the heap its arena. Call it once, before any allocation.
    ///
    /// # Panics
    /// If called twice.
    pub fn init(&'static self) {
        static DONE: critical_section::Mutex<Cell<bool>> = critical_section::Mutex::new(Cell::new(false));
        let first = critical_section::with(|cs| !DONE.borrow(cs).replace(true));
        assert!(first, "CountingHeap::init called twice");
        // SAFETY: the first call (checked above), before any allocation; the
        // arena is this heap's alone and lives as long as the program.
        unsafe { self.heap.init(self.arena.get() as usize, N) }
    }

    /// Bytes in use now.
    pub fn used(&self) -> usize {
        self.heap.used()
    }

    /// The most bytes in use at once so far.
    pub fn high_water(&self) -> usize {
        critical_section::with(|cs| self.high_water.borrow(cs).get())
    }

    /// The arena's size.
    pub const fn arena_bytes(&self) -> usize {
        N
    }
}

impl<const N: usize> Default for CountingHeap<N> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: forwards to `LlffHeap`, a `GlobalAlloc`; only reads its usage
// around it. Exhaustion panics instead of returning null (the panic handler
// aborts: nothing unwinds out of the allocator).
unsafe impl<const N: usize> GlobalAlloc for CountingHeap<N> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees, passed on.
        let ptr = unsafe { self.heap.alloc(layout) };
        let used = self.heap.used();
        if ptr.is_null() {
            panic!(
                "heap exhausted: {} B (align {}) asked with {} of {} B in use; give the firmware a larger heap arena",
                layout.size(),
                layout.align(),
                used,
                N
            );
        }
        critical_section::with(|cs| {
            let high_water = self.high_water.borrow(cs);
            high_water.set(high_water.get().max(used));
        });
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's guarantees, passed on.
        unsafe { self.heap.dealloc(ptr, layout) }
    }
}

/// A PWM output with no hardware behind it, on MicroPython's 10-bit duty
/// scale (`max_duty_cycle` 1023): each change prints `<µs> us <name>
/// <duty>`, and so does its creation (duty 0), as the simulated board records
/// a PWM's configuration.
pub struct LoggedPwm {
    name: &'static str,
    duty: u16,
    now_us: fn() -> u64,
}

impl LoggedPwm {
    /// A PWM named `name`, at duty 0, printing the times `now_us` gives.
    pub fn new(name: &'static str, now_us: fn() -> u64) -> LoggedPwm {
        hprintln!("{} us {} 0", now_us(), name);
        LoggedPwm { name, duty: 0, now_us }
    }
}

impl embedded_hal::pwm::ErrorType for LoggedPwm {
    type Error = core::convert::Infallible;
}

impl embedded_hal::pwm::SetDutyCycle for LoggedPwm {
    fn max_duty_cycle(&self) -> u16 {
        1023
    }

    fn set_duty_cycle(&mut self, duty: u16) -> Result<(), Self::Error> {
        if duty != self.duty {
            self.duty = duty;
            hprintln!("{} us {} {}", (self.now_us)(), self.name, duty);
        }
        Ok(())
    }
}

/// An input pin with no hardware behind it: a button pulled up, pressed
/// (low) during each `(from_us, until_us)` of `presses`, in the times
/// `now_us` gives.
pub struct ScriptedButton {
    presses: &'static [(u64, u64)],
    now_us: fn() -> u64,
}

impl ScriptedButton {
    /// A button pressed during `presses`.
    pub fn new(presses: &'static [(u64, u64)], now_us: fn() -> u64) -> ScriptedButton {
        ScriptedButton { presses, now_us }
    }
}

impl ErrorType for ScriptedButton {
    type Error = core::convert::Infallible;
}

impl InputPin for ScriptedButton {
    fn is_high(&mut self) -> Result<bool, Self::Error> {
        let now = (self.now_us)();
        Ok(!self.presses.iter().any(|&(from, until)| (from..until).contains(&now)))
    }

    fn is_low(&mut self) -> Result<bool, Self::Error> {
        self.is_high().map(|high| !high)
    }
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
