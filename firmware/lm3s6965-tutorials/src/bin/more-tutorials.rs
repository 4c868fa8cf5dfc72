//! Tutorials 2, 3 and 5 (brightness, button and queue, coroutine basics)
//! as firmware for the LM3S6965 (Cortex-M3), run under `qemu-system-arm
//! -machine lm3s6965evb -semihosting`: the same sources the simulated board
//! runs (`uasyncio_tutorials`), one after the other, each on a fresh loop
//! with its times printed from its own start (`<name> from <µs> us` first):
//!
//! - `brightness` for 4.5 s: the LED is a [`LoggedPwm`] on GPIO 5 (10-bit
//!   duty, each change printed), the pot a [`ScriptedPot`] reading 0 %, 50 %
//!   from 1.55 s and 100 % from 2.45 s;
//! - `button_queue` for 4.5 s: the LED a [`LoggedPin`] on GPIO 25, the
//!   button a [`ScriptedButton`] on GPIO 15 pressed 720 ms apart from 1.01 s
//!   for 0.1 s each; the delays printed as `<µs> us print <line>`;
//! - `coroutine_basics` to its end (5 s), its lines printed the same way.
//!
//! Then it prints `done` and exits QEMU (status 0; a panic prints its message
//! and exits with status 1). The scripts are those of
//! `crates/uasyncio-tutorials/tests/`, whose timelines are pinned in
//! `firmware/expected/`, compared by `scripts/baremetal.sh`.
#![no_std]
#![no_main]

use core::cell::Cell;

use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::hprintln;
use critical_section::Mutex;
use lm3s6965 as _;
use lm3s6965_board::{CORE_HZ, CountingHeap, LoggedPin, LoggedPwm, ScriptedButton};
use uasyncio::{create_task, sleep};
use uasyncio_cortex_m::SysTickPlatform;

#[global_allocator]
static HEAP: CountingHeap<{ 16 * 1024 }> = CountingHeap::new();

#[exception]
fn SysTick() {
    uasyncio_cortex_m::on_systick();
}

/// Where the current program's time 0 is on the loop's clock.
static ORIGIN_US: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));

/// The loop's time since the current program started.
fn program_time_us() -> u64 {
    uasyncio::time::now_us() - critical_section::with(|cs| ORIGIN_US.borrow(cs).get())
}

/// A potentiometer with no hardware behind it: from each `(µs, reading)` of
/// its script on (program time), the ADC reads that 12-bit value.
struct ScriptedPot {
    script: &'static [(u64, u16)],
}

impl uasyncio_tutorials::AdcChannel for ScriptedPot {
    type Error = core::convert::Infallible;

    fn read(&mut self) -> Result<u16, Self::Error> {
        let now = program_time_us();
        Ok(self.script.iter().take_while(|&&(from, _)| from <= now).last().map_or(0, |&(_, reading)| reading))
    }
}

/// A fresh loop whose program time starts now.
fn fresh_loop(platform: &SysTickPlatform, name: &str) -> uasyncio::EventLoop {
    let event_loop = uasyncio::new_event_loop_with(platform.clone());
    let origin = event_loop.time_us();
    critical_section::with(|cs| ORIGIN_US.borrow(cs).set(origin));
    hprintln!("{} from {} us", name, origin);
    event_loop
}

fn print_line(line: &str) {
    hprintln!("{} us print {}", program_time_us(), line);
}

#[entry]
fn main() -> ! {
    HEAP.init();
    let core = cortex_m::Peripherals::take().expect("core peripherals taken once");
    let platform = SysTickPlatform::start(core.SYST, CORE_HZ);

    // 50 % and 100 % of the ADC's range, as the simulated pot reads them.
    const POT: &[(u64, u16)] = &[(0, 0), (1_550_000, 2048), (2_450_000, 4095)];
    fresh_loop(&platform, "brightness").run_until_complete(async {
        uasyncio_tutorials::brightness(LoggedPwm::new("GPIO5", program_time_us), ScriptedPot { script: POT }).await;
        sleep(4.5).await;
    });

    const PRESSES: &[(u64, u64)] =
        &[(1_010_000, 1_110_000), (1_730_000, 1_830_000), (2_450_000, 2_550_000), (3_170_000, 3_270_000)];
    fresh_loop(&platform, "button_queue").run_until_complete(async {
        create_task(uasyncio_tutorials::button_queue(
            LoggedPin::new("GPIO25", program_time_us),
            ScriptedButton::new(PRESSES, program_time_us),
            print_line,
        ));
        sleep(4.5).await;
    });

    fresh_loop(&platform, "coroutine_basics").run_until_complete(uasyncio_tutorials::coroutine_basics(print_line));

    hprintln!("done at {} us", uasyncio::get_event_loop().time_us());
    lm3s6965_board::exit_success()
}
