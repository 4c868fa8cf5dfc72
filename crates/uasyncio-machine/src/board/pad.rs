//! Pads: how each GPIO is set up (mode, pull resistor, the function that
//! drives it), and the level that set-up reads.

/// How a pin is driven (MicroPython's `Pin.IN`, `Pin.OUT`, `Pin.OPEN_DRAIN`).
///
/// ```
/// use uasyncio_machine::{Board, Pin, PinMode};
/// Board::esp32().install();
/// assert_eq!(Pin::new(14, Pin::OUT).mode(), Some(PinMode::Out));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinMode {
    /// An input: its level comes from the outside world.
    In,
    /// A push-pull output.
    Out,
    /// An open-drain output: drives low, or lets go (then reads as an input).
    OpenDrain,
}

/// A pin's internal pull resistor (MicroPython's `Pin.PULL_UP`, `Pin.PULL_DOWN`).
///
/// ```
/// use uasyncio_machine::{Board, Pin, Pull};
/// Board::pico().install();
/// let button = Pin::with_pull(15, Pin::IN, Pin::PULL_DOWN);
/// assert_eq!(button.pull(), Some(Pull::Down));
/// assert!(!button.value());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pull {
    /// Pulled up to 3.3 V: reads 1 when nothing drives it; a button to ground
    /// reads 0 while pressed.
    Up,
    /// Pulled down to ground: reads 0 when nothing drives it; a button to 3.3 V
    /// reads 1 while pressed.
    Down,
}

/// The peripheral a pad is connected to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Function {
    Gpio,
    Pwm {
        freq: u32,
        duty_u16: u16,
    },
    /// An ADC input reading full scale at `full_scale_mv` (its attenuation).
    Adc {
        full_scale_mv: u32,
        width_bits: u8,
    },
}

/// One pad's set-up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PinConfig {
    pub(crate) mode: PinMode,
    pub(crate) pull: Option<Pull>,
    /// The level the output driver is set to.
    pub(crate) out: bool,
    pub(crate) function: Function,
}

impl PinConfig {
    /// The level the pad reads, `outside` being the level the outside world
    /// presents to it (asked only when the pad does not drive itself).
    pub(crate) fn level(&self, outside: impl FnOnce() -> bool) -> bool {
        match (self.function, self.mode) {
            (Function::Pwm { duty_u16, .. }, _) => duty_u16 > 0,
            (_, PinMode::Out) => self.out,
            (_, PinMode::OpenDrain) => self.out && outside(),
            (_, PinMode::In) => outside(),
        }
    }
}
