//! `machine.PWM`: a pulse-width-modulated output (an LED's brightness).

use std::convert::Infallible;
use std::fmt;

use crate::board::{Board, Function, PinConfig, PinMode};
use crate::pin::Pin;

/// The largest 10-bit duty ([`Pwm::duty`]): 1023 is always on.
///
/// ```
/// use uasyncio_machine::{Board, DUTY_MAX, Pin, Pwm};
/// Board::esp32().install();
/// let led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
/// led.set_duty(DUTY_MAX);
/// assert_eq!(led.duty_u16(), 65535);
/// ```
pub const DUTY_MAX: u16 = 1023;

/// A PWM output, as MicroPython's `machine.PWM` on an ESP32.
///
/// `Pwm::new(Pin::new(5, Pin::OUT), 5000)` is `PWM(Pin(5), freq=5000)`. The
/// duty cycle is set either on the ESP32's 10-bit scale ([`Pwm::set_duty`],
/// 0–1023) or on the 16-bit scale of every port ([`Pwm::set_duty_u16`],
/// 0–65535); both set the same thing. It starts at duty 0 (off).
///
/// ```
/// use uasyncio_machine::{Board, Pin, Pwm};
/// let board = Board::esp32().install();
/// let led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
/// led.set_duty(512);               // led.duty(512)
/// assert_eq!(led.duty(), 512);
/// assert_eq!(led.duty_u16(), 32800);
/// assert_eq!(board.duty_u16(5), Some(32800));
/// ```
pub struct Pwm {
    gpio: u8,
    board: Board,
}

/// Why a PWM setting was refused.
///
/// ```
/// use uasyncio_machine::PwmError;
/// assert_eq!(PwmError::DutyOutOfRange(2000).to_string(), "duty must be from 0 to 1023, not 2000");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PwmError {
    /// A 10-bit duty above 1023.
    DutyOutOfRange(u32),
    /// A frequency of 0 or above 40 MHz.
    FreqOutOfRange(u32),
}

impl fmt::Display for PwmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PwmError::DutyOutOfRange(duty) => {
                write!(f, "duty must be from 0 to {DUTY_MAX}, not {duty}")
            }
            PwmError::FreqOutOfRange(freq) => {
                write!(f, "frequency must be from 1Hz to 40MHz, not {freq}")
            }
        }
    }
}

impl std::error::Error for PwmError {}

fn check_freq(freq: u32) -> Result<u32, PwmError> {
    if (1..=40_000_000).contains(&freq) { Ok(freq) } else { Err(PwmError::FreqOutOfRange(freq)) }
}

/// 10-bit duty to the 16-bit scale, rounded (1023 → 65535).
fn duty10_to_u16(duty: u16) -> u16 {
    ((u32::from(duty) * 65535 + 511) / 1023) as u16
}

/// 16-bit duty to the 10-bit scale, rounded (65535 → 1023).
fn duty_u16_to_10(duty: u16) -> u16 {
    ((u32::from(duty) * 1023 + 32767) / 65535) as u16
}

impl Pwm {
    /// PWM on `pin` at `freq` Hz (`PWM(pin, freq=freq)`), duty 0.
    ///
    /// Panics with `frequency must be from 1Hz to 40MHz` for a frequency
    /// outside that range, and `Pin(36) can only be an input` on an
    /// input-only pin.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pwm};
    /// Board::esp32().install();
    /// let led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
    /// assert_eq!((led.freq(), led.duty()), (5000, 0));
    /// ```
    pub fn new(pin: Pin, freq: u32) -> Pwm {
        Pwm::with_duty_u16(pin, freq, 0)
    }

    /// PWM on `pin` at `freq` Hz with a 10-bit duty (`PWM(pin, freq, duty=…)`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pwm};
    /// Board::esp32().install();
    /// let led = Pwm::with_duty(Pin::new(5, Pin::OUT), 1000, 1023);
    /// assert_eq!(led.duty_u16(), 65535);
    /// ```
    pub fn with_duty(pin: Pin, freq: u32, duty: u16) -> Pwm {
        if duty > DUTY_MAX {
            panic!("{}", PwmError::DutyOutOfRange(duty.into()));
        }
        Pwm::with_duty_u16(pin, freq, duty10_to_u16(duty))
    }

    /// PWM on `pin` at `freq` Hz with a 16-bit duty (`PWM(pin, freq, duty_u16=…)`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pwm};
    /// Board::pico().install();
    /// let led = Pwm::with_duty_u16(Pin::new(25, Pin::OUT), 1000, 32768);
    /// assert_eq!(led.duty(), 512);
    /// ```
    pub fn with_duty_u16(pin: Pin, freq: u32, duty_u16: u16) -> Pwm {
        let freq = check_freq(freq).unwrap_or_else(|e| panic!("{e}"));
        let (gpio, board) = (pin.id(), pin.board().clone());
        if board.is_input_only(gpio) {
            panic!("Pin({gpio}) can only be an input");
        }
        board.configure(
            gpio,
            PinConfig { mode: PinMode::Out, pull: None, out: false, function: Function::Pwm { freq, duty_u16 } },
        );
        Pwm { gpio, board }
    }

    /// The GPIO number.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pwm};
    /// Board::esp32().install();
    /// assert_eq!(Pwm::new(Pin::new(5, Pin::OUT), 5000).id(), 5);
    /// ```
    pub fn id(&self) -> u8 {
        self.gpio
    }

    /// The frequency in Hz (`pwm.freq()`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pwm};
    /// Board::esp32().install();
    /// let led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
    /// led.set_freq(1000);
    /// assert_eq!(led.freq(), 1000);
    /// ```
    pub fn freq(&self) -> u32 {
        match self.board.config(self.gpio).map(|c| c.function) {
            Some(Function::Pwm { freq, .. }) => freq,
            _ => 0,
        }
    }

    /// Sets the frequency in Hz (`pwm.freq(f)`); 1 Hz to 40 MHz.
    ///
    /// ```should_panic
    /// use uasyncio_machine::{Board, Pin, Pwm};
    /// Board::esp32().install();
    /// let led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
    /// led.set_freq(0); // panics: frequency must be from 1Hz to 40MHz, not 0
    /// ```
    pub fn set_freq(&self, freq: u32) {
        let freq = check_freq(freq).unwrap_or_else(|e| panic!("{e}"));
        self.board.update(self.gpio, |c| {
            if let Function::Pwm { freq: f, .. } = &mut c.function {
                *f = freq;
            }
        });
    }

    /// The duty cycle on the 10-bit scale, 0–1023 (`pwm.duty()`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pwm};
    /// Board::esp32().install();
    /// let led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
    /// led.set_duty_u16(65535);
    /// assert_eq!(led.duty(), 1023);
    /// ```
    pub fn duty(&self) -> u16 {
        duty_u16_to_10(self.duty_u16())
    }

    /// Sets the duty cycle on the 10-bit scale, 0–1023 (`pwm.duty(d)`).
    ///
    /// Panics with `duty must be from 0 to 1023` above 1023.
    ///
    /// ```should_panic
    /// use uasyncio_machine::{Board, Pin, Pwm};
    /// Board::esp32().install();
    /// let led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
    /// led.set_duty(1024); // panics: duty must be from 0 to 1023, not 1024
    /// ```
    pub fn set_duty(&self, duty: u16) {
        self.try_set_duty(duty).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Sets the 10-bit duty cycle, or tells why not.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pwm, PwmError};
    /// Board::esp32().install();
    /// let led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
    /// assert_eq!(led.try_set_duty(2000), Err(PwmError::DutyOutOfRange(2000)));
    /// ```
    pub fn try_set_duty(&self, duty: u16) -> Result<(), PwmError> {
        if duty > DUTY_MAX {
            return Err(PwmError::DutyOutOfRange(duty.into()));
        }
        self.set_duty_u16(duty10_to_u16(duty));
        Ok(())
    }

    /// The duty cycle on the 16-bit scale, 0–65535 (`pwm.duty_u16()`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pwm};
    /// Board::esp32().install();
    /// let led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
    /// led.set_duty(1023);
    /// assert_eq!(led.duty_u16(), 65535);
    /// ```
    pub fn duty_u16(&self) -> u16 {
        self.board.duty_u16(self.gpio).unwrap_or(0)
    }

    /// Sets the duty cycle on the 16-bit scale (`pwm.duty_u16(d)`): 0 is off,
    /// 65535 always on.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pwm};
    /// let board = Board::pico().install();
    /// let led = Pwm::new(Pin::new(25, Pin::OUT), 1000);
    /// led.set_duty_u16(16384);
    /// assert_eq!(board.duty_u16(25), Some(16384));
    /// ```
    pub fn set_duty_u16(&self, duty_u16: u16) {
        self.board.update(self.gpio, |c| {
            if let Function::Pwm { duty_u16: d, .. } = &mut c.function {
                *d = duty_u16;
            }
        });
    }

    /// Stops the PWM output (`pwm.deinit()`): the pin becomes a low output.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pwm};
    /// let board = Board::esp32().install();
    /// Pwm::with_duty(Pin::new(5, Pin::OUT), 5000, 512).deinit();
    /// assert_eq!(board.level(5), Some(false));
    /// ```
    pub fn deinit(self) {
        self.board
            .configure(self.gpio, PinConfig { mode: PinMode::Out, pull: None, out: false, function: Function::Gpio });
    }
}

impl fmt::Debug for Pwm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PWM(Pin({}), freq={}, duty_u16={})", self.gpio, self.freq(), self.duty_u16())
    }
}

impl embedded_hal::pwm::ErrorType for Pwm {
    type Error = Infallible;
}

/// The duty on the 16-bit scale: `max_duty_cycle()` is 65535.
///
/// ```
/// use embedded_hal::pwm::SetDutyCycle;
/// use uasyncio_machine::{Board, Pin, Pwm};
/// Board::esp32().install();
/// let mut led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
/// led.set_duty_cycle_percent(50).unwrap();
/// assert_eq!(led.duty_u16(), 32767);
/// ```
impl embedded_hal::pwm::SetDutyCycle for Pwm {
    fn max_duty_cycle(&self) -> u16 {
        u16::MAX
    }

    fn set_duty_cycle(&mut self, duty: u16) -> Result<(), Infallible> {
        self.set_duty_u16(duty);
        Ok(())
    }
}
