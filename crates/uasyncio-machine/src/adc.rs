//! `machine.ADC`: an analog input (a potentiometer).

use std::fmt;

use crate::board::{Board, Function, PinConfig, PinMode};
use crate::pin::Pin;

/// An ADC input attenuation: the input range that reads full scale.
///
/// Ranges are idealised to round numbers, and `ATTN_11DB` to the full 3.3 V
/// supply, so that a potentiometer turned fully reads 4095.
///
/// ```
/// use uasyncio_machine::{Adc, Atten};
/// assert_eq!(Adc::ATTN_11DB, Atten::Db11);
/// assert_eq!(Atten::Db0.full_scale_mv(), 1000);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Atten {
    /// 0 dB: 0–1.0 V (the ESP32's default).
    Db0,
    /// 2.5 dB: 0–1.34 V.
    Db2_5,
    /// 6 dB: 0–2.0 V.
    Db6,
    /// 11 dB: 0–3.3 V.
    Db11,
}

impl Atten {
    /// The input voltage that reads full scale, in mV.
    ///
    /// ```
    /// use uasyncio_machine::Adc;
    /// assert_eq!(Adc::ATTN_11DB.full_scale_mv(), 3300);
    /// ```
    pub fn full_scale_mv(self) -> u32 {
        match self {
            Atten::Db0 => 1000,
            Atten::Db2_5 => 1340,
            Atten::Db6 => 2000,
            Atten::Db11 => 3300,
        }
    }
}

/// An analog input, as MicroPython's `machine.ADC`.
///
/// `Adc::new(Pin::new(36, Pin::IN))` is `ADC(Pin(36))`. The voltage on the pin
/// comes from the outside world ([`Board::set_pot`], [`Board::set_adc_u16`]).
/// [`Adc::read`] gives the ESP32's 12-bit reading (0–4095), [`Adc::read_u16`]
/// the 16-bit reading of every port.
///
/// ```
/// use uasyncio_machine::{Adc, Board, Pin};
/// let board = Board::esp32().install();
/// let pot = Adc::new(Pin::new(36, Pin::IN));
/// pot.atten(Adc::ATTN_11DB);      // full range: 3.3 V
/// board.set_pot(36, 0.5);
/// assert_eq!(pot.read(), 2048);
/// assert_eq!(pot.read_u16(), 32768);
/// ```
pub struct Adc {
    gpio: u8,
    board: Board,
}

impl Adc {
    /// `ADC.ATTN_0DB`: 0–1.0 V.
    pub const ATTN_0DB: Atten = Atten::Db0;
    /// `ADC.ATTN_2_5DB`: 0–1.34 V.
    pub const ATTN_2_5DB: Atten = Atten::Db2_5;
    /// `ADC.ATTN_6DB`: 0–2.0 V.
    pub const ATTN_6DB: Atten = Atten::Db6;
    /// `ADC.ATTN_11DB`: 0–3.3 V.
    pub const ATTN_11DB: Atten = Atten::Db11;
    /// `ADC.WIDTH_9BIT`: [`Adc::read`] gives 0–511.
    pub const WIDTH_9BIT: u8 = 9;
    /// `ADC.WIDTH_10BIT`: [`Adc::read`] gives 0–1023.
    pub const WIDTH_10BIT: u8 = 10;
    /// `ADC.WIDTH_11BIT`: [`Adc::read`] gives 0–2047.
    pub const WIDTH_11BIT: u8 = 11;
    /// `ADC.WIDTH_12BIT` (the default): [`Adc::read`] gives 0–4095.
    pub const WIDTH_12BIT: u8 = 12;

    /// The ADC on `pin` (`ADC(pin)`), 12 bits wide; attenuation 0 dB on a
    /// board that has attenuation (ESP32), the full 3.3 V otherwise (Pico).
    ///
    /// Panics with `Pin(2) doesn't have ADC capabilities` on a pin without an
    /// ADC channel.
    ///
    /// ```should_panic
    /// use uasyncio_machine::{Adc, Board, Pin};
    /// Board::esp32().install();
    /// Adc::new(Pin::new(2, Pin::IN)); // panics: Pin(2) doesn't have ADC capabilities
    /// ```
    pub fn new(pin: Pin) -> Adc {
        let (gpio, board) = (pin.id(), pin.board().clone());
        if !board.has_adc(gpio) {
            panic!("Pin({gpio}) doesn't have ADC capabilities");
        }
        let atten = if board.has_attenuation() { Atten::Db0 } else { Atten::Db11 };
        board.configure(
            gpio,
            PinConfig {
                mode: PinMode::In,
                pull: None,
                out: false,
                function: Function::Adc { full_scale_mv: atten.full_scale_mv(), width_bits: 12 },
            },
        );
        Adc { gpio, board }
    }

    /// The GPIO number.
    ///
    /// ```
    /// use uasyncio_machine::{Adc, Board, Pin};
    /// Board::esp32().install();
    /// assert_eq!(Adc::new(Pin::new(36, Pin::IN)).id(), 36);
    /// ```
    pub fn id(&self) -> u8 {
        self.gpio
    }

    /// Sets the input attenuation (`adc.atten(ADC.ATTN_11DB)`).
    ///
    /// Panics on a board without attenuation (the Pico always reads 0–3.3 V).
    ///
    /// ```
    /// use uasyncio_machine::{Adc, Board, Pin};
    /// let board = Board::esp32().install();
    /// let pot = Adc::new(Pin::new(36, Pin::IN));
    /// board.set_pot(36, 0.5); // 1.65 V
    /// assert_eq!(pot.read(), 4095); // 0 dB: saturated above 1.0 V
    /// pot.atten(Adc::ATTN_11DB);
    /// assert_eq!(pot.read(), 2048);
    /// ```
    pub fn atten(&self, atten: Atten) {
        if !self.board.has_attenuation() {
            panic!("ADC attenuation is not available on the {}", self.board.desc().name);
        }
        self.board.update(self.gpio, |c| {
            if let Function::Adc { full_scale_mv, .. } = &mut c.function {
                *full_scale_mv = atten.full_scale_mv();
            }
        });
    }

    /// Sets the width of [`Adc::read`] in bits, 9–12 (`adc.width(ADC.WIDTH_10BIT)`).
    ///
    /// ```
    /// use uasyncio_machine::{Adc, Board, Pin};
    /// let board = Board::esp32().install();
    /// let pot = Adc::new(Pin::new(34, Pin::IN));
    /// pot.atten(Adc::ATTN_11DB);
    /// pot.width(Adc::WIDTH_10BIT);
    /// board.set_pot(34, 1.0);
    /// assert_eq!(pot.read(), 1023);
    /// ```
    pub fn width(&self, bits: u8) {
        if !(9..=12).contains(&bits) {
            panic!("invalid ADC width: {bits} bits (9 to 12)");
        }
        self.board.update(self.gpio, |c| {
            if let Function::Adc { width_bits, .. } = &mut c.function {
                *width_bits = bits;
            }
        });
    }

    /// The full scale in mV and the width in bits.
    fn settings(&self) -> (u32, u8) {
        match self.board.config(self.gpio).map(|c| c.function) {
            Some(Function::Adc { full_scale_mv, width_bits }) => (full_scale_mv, width_bits),
            _ => (Atten::Db11.full_scale_mv(), 12),
        }
    }

    /// The reading on the 16-bit scale, 0–65535 (`adc.read_u16()`): the
    /// voltage over the attenuation's full scale, saturating.
    ///
    /// ```
    /// use uasyncio_machine::{Adc, Board, Pin};
    /// let board = Board::pico().install();
    /// let pot = Adc::new(Pin::new(26, Pin::IN));
    /// board.set_pot(26, 0.25);
    /// assert_eq!(pot.read_u16(), 16384);
    /// ```
    pub fn read_u16(&self) -> u16 {
        let (full_scale_mv, _) = self.settings();
        let volts = u64::from(self.board.adc_u16(self.gpio)); // 65535 = 3.3 V
        let reading = volts * 3300 / u64::from(full_scale_mv);
        reading.min(65535) as u16
    }

    /// The raw reading, 12 bits (0–4095) unless [`Adc::width`] changed it
    /// (`adc.read()`).
    ///
    /// ```
    /// use uasyncio_machine::{Adc, Board, Pin};
    /// let board = Board::esp32().install();
    /// let pot = Adc::new(Pin::new(36, Pin::IN));
    /// pot.atten(Adc::ATTN_11DB);
    /// board.set_pot(36, 1.0);
    /// assert_eq!(pot.read(), 4095);
    /// ```
    pub fn read(&self) -> u16 {
        let (_, width_bits) = self.settings();
        self.read_u16() >> (16 - width_bits)
    }

    /// The voltage on the pin in µV (`adc.read_uv()`), up to the
    /// attenuation's full scale.
    ///
    /// ```
    /// use uasyncio_machine::{Adc, Board, Pin};
    /// let board = Board::pico().install();
    /// let pot = Adc::new(Pin::new(26, Pin::IN));
    /// board.set_pot(26, 1.0);
    /// assert_eq!(pot.read_uv(), 3_300_000);
    /// ```
    pub fn read_uv(&self) -> u32 {
        let (full_scale_mv, _) = self.settings();
        let uv = u64::from(self.read_u16()) * u64::from(full_scale_mv) * 1000 / 65535;
        uv as u32
    }
}

impl fmt::Debug for Adc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ADC(Pin({}))", self.gpio)
    }
}
