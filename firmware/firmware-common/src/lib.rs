//! What the firmwares share on any chip:
//!
//! - stand-ins for the hardware QEMU's boards lack, printing on the board's
//!   [`Console`] (semihosting on the LM3S6965, the UART on RISC-V `virt`):
//!   [`LoggedPin`] and [`LoggedPwm`] print each change as `<µs> us <name>
//!   <value>`, [`ScriptedButton`] reads pressed at set times, and (feature
//!   `tutorials`) [`ScriptedPot`] reads set values;
//! - [`CountingHeap`], a heap counting its high-water mark, whose exhaustion
//!   is a panic that says so;
//! - (feature `tutorials`) [`run_more_tutorials`]: tutorials 2, 3 and 5 one
//!   after the other, each on a fresh loop with its times printed from its
//!   start ([`program_time_us`]), as `firmware/expected/` has them.
#![no_std]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::{Cell, UnsafeCell};
use core::fmt;
use core::mem::MaybeUninit;

use critical_section::Mutex;
use embedded_hal::digital::{ErrorType, InputPin, OutputPin, StatefulOutputPin};

/// Where the stand-ins print, and the clock they print.
#[derive(Clone, Copy)]
pub struct Console {
    /// The time printed with each change, in µs.
    pub now_us: fn() -> u64,
    /// Prints one line (the newline added).
    pub print_line: fn(fmt::Arguments<'_>),
}

/// An output pin with no hardware behind it: each change prints
/// `<µs> us <name> <level>` on the console.
pub struct LoggedPin {
    name: &'static str,
    high: bool,
    console: Console,
}

impl LoggedPin {
    /// A pin named `name` (as the simulated board's `GPIO14`), low.
    pub fn new(name: &'static str, console: Console) -> LoggedPin {
        LoggedPin { name, high: false, console }
    }

    fn set(&mut self, high: bool) {
        if high != self.high {
            self.high = high;
            (self.console.print_line)(format_args!("{} us {} {}", (self.console.now_us)(), self.name, u8::from(high)));
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

/// A PWM output with no hardware behind it, on MicroPython's 10-bit duty
/// scale (`max_duty_cycle` 1023): each change prints `<µs> us <name>
/// <duty>`, and so does its creation (duty 0), as the simulated board records
/// a PWM's configuration.
pub struct LoggedPwm {
    name: &'static str,
    duty: u16,
    console: Console,
}

impl LoggedPwm {
    /// A PWM named `name`, at duty 0.
    pub fn new(name: &'static str, console: Console) -> LoggedPwm {
        (console.print_line)(format_args!("{} us {} 0", (console.now_us)(), name));
        LoggedPwm { name, duty: 0, console }
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
            (self.console.print_line)(format_args!("{} us {} {}", (self.console.now_us)(), self.name, duty));
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

/// `embedded-alloc`'s linked-list heap over a static arena of `N` bytes,
/// counting its high-water mark. Exhaustion is a panic that says so (printed
/// by the firmware's panic handler), never a null pointer handed on:
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
    arena: UnsafeCell<[MaybeUninit<u8>; N]>,
    high_water: Mutex<Cell<usize>>,
    initialised: Mutex<Cell<bool>>,
}

// SAFETY: the arena is handed to `heap` once (`init`) and only ever reached
// through it, which locks (a critical section) around each use.
unsafe impl<const N: usize> Sync for CountingHeap<N> {}

impl<const N: usize> CountingHeap<N> {
    /// An empty heap: call [`init`](Self::init) before the first allocation.
    pub const fn new() -> Self {
        CountingHeap {
            heap: embedded_alloc::LlffHeap::empty(),
            arena: UnsafeCell::new([MaybeUninit::uninit(); N]),
            high_water: Mutex::new(Cell::new(0)),
            initialised: Mutex::new(Cell::new(false)),
        }
    }

    /// Gives the heap its arena. Call it once, before any allocation.
    ///
    /// # Panics
    /// If called twice.
    pub fn init(&'static self) {
        let first = critical_section::with(|cs| !self.initialised.borrow(cs).replace(true));
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
// around it. Exhaustion panics instead of returning null (the firmwares'
// panic handlers end the program: nothing unwinds out of the allocator).
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

#[cfg(feature = "tutorials")]
pub use tutorials::{ScriptedPot, program_time_us, run_more_tutorials, start_program};

#[cfg(feature = "tutorials")]
mod tutorials {
    use super::{Cell, Console, LoggedPin, LoggedPwm, Mutex, ScriptedButton, fmt};
    use uasyncio::{Platform, create_task, sleep_ms};

    /// Where the current program's time 0 is on the loop's clock.
    static ORIGIN_US: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));

    /// The loop's time since the current program started ([`start_program`]).
    pub fn program_time_us() -> u64 {
        uasyncio::time::now_us() - critical_section::with(|cs| ORIGIN_US.borrow(cs).get())
    }

    /// A fresh loop on `platform` whose program time starts now; prints
    /// `<name> from <µs> us` (the loop's time), which `compare_timeline.py
    /// --section` looks for.
    pub fn start_program(
        platform: impl Platform,
        name: &str,
        print_line: fn(fmt::Arguments<'_>),
    ) -> uasyncio::EventLoop {
        let event_loop = uasyncio::new_event_loop_with(platform);
        let origin = event_loop.time_us();
        critical_section::with(|cs| ORIGIN_US.borrow(cs).set(origin));
        print_line(format_args!("{name} from {origin} us"));
        event_loop
    }

    /// A potentiometer with no hardware behind it: from each `(µs, reading)`
    /// of its script on (program time), the ADC reads that 12-bit value.
    pub struct ScriptedPot {
        script: &'static [(u64, u16)],
    }

    impl ScriptedPot {
        /// A pot reading `script` (0 before its first entry).
        pub fn new(script: &'static [(u64, u16)]) -> ScriptedPot {
            ScriptedPot { script }
        }
    }

    impl uasyncio_tutorials::AdcChannel for ScriptedPot {
        type Error = core::convert::Infallible;

        fn read(&mut self) -> Result<u16, Self::Error> {
            let now = program_time_us();
            Ok(self.script.iter().take_while(|&&(from, _)| from <= now).last().map_or(0, |&(_, reading)| reading))
        }
    }

    /// Tutorials 2, 3 and 5, the same sources the simulated board runs, with
    /// the scripts of `crates/uasyncio-tutorials/tests/`, one after the other
    /// on fresh loops:
    ///
    /// - `brightness` for 4.5 s: the LED a [`LoggedPwm`] on GPIO 5, the pot
    ///   a [`ScriptedPot`] at 0 %, 50 % from 1.55 s, 100 % from 2.45 s;
    /// - `button_queue` for 4.5 s: the LED a [`LoggedPin`] on GPIO 25, the
    ///   button a [`ScriptedButton`] pressed 720 ms apart from 1.01 s, 0.1 s
    ///   each; its lines printed as `<µs> us print <line>`;
    /// - `coroutine_basics` to its end (5 s), its lines printed the same way.
    pub fn run_more_tutorials<P: Platform + Clone>(platform: &P, print_line: fn(fmt::Arguments<'_>)) {
        let console = Console { now_us: program_time_us, print_line };
        // 50 % and 100 % of the ADC's range, as the simulated pot reads them.
        const POT: &[(u64, u16)] = &[(0, 0), (1_550_000, 2048), (2_450_000, 4095)];
        start_program(platform.clone(), "brightness", print_line).run_until_complete(async move {
            uasyncio_tutorials::brightness(LoggedPwm::new("GPIO5", console), ScriptedPot::new(POT)).await;
            sleep_ms(4_500).await;
        });

        const PRESSES: &[(u64, u64)] =
            &[(1_010_000, 1_110_000), (1_730_000, 1_830_000), (2_450_000, 2_550_000), (3_170_000, 3_270_000)];
        let print = move |line: &str| print_line(format_args!("{} us print {}", program_time_us(), line));
        start_program(platform.clone(), "button_queue", print_line).run_until_complete(async move {
            create_task(uasyncio_tutorials::button_queue(
                LoggedPin::new("GPIO25", console),
                ScriptedButton::new(PRESSES, program_time_us),
                print,
            ));
            sleep_ms(4_500).await;
        });

        start_program(platform.clone(), "coroutine_basics", print_line)
            .run_until_complete(uasyncio_tutorials::coroutine_basics(print));
    }
}
