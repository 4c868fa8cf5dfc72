//! A simulated MicroPython `machine` board for the `uasyncio` runtime.
//!
//! `Pin`, `Pwm` and `Adc` are shaped like MicroPython's `machine.Pin`,
//! `machine.PWM` and `machine.ADC`, so a tutorial translates line by line; a
//! [`Board`] records every change with its time on the runtime clock, and
//! scripts the outside world (buttons, potentiometers) on the same clock.

mod adc;
mod board;
pub mod cli;
mod delay;
mod pin;
mod pwm;
mod run;
pub mod svg;
pub mod trace;
pub mod vcd;
pub mod view;

pub use adc::{Adc, Atten};
pub use board::{Board, BoardDesc, Echo, PinMode, Pull, format_time, plain};
pub use delay::Delay;
pub use pin::{IntoLevel, Pin, PinError, WaitForLevel};
pub use pwm::{DUTY_MAX, Pwm, PwmError};
pub use run::{run_on, run_virtual_for};

/// Prints a line on the board's console ([`Board::print`]): recorded with its
/// time in the trace, and echoed to standard output.
///
/// ```
/// use uasyncio_machine::Board;
/// let board = Board::esp32().install();
/// uasyncio_machine::println!("delay {} ms", 700);
/// assert_eq!(board.trace().printed(), ["delay 700 ms"]);
/// ```
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {
        $crate::Board::current().print(::std::format!($($arg)*))
    };
}
