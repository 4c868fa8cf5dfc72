//! The simulated outside world: what is wired to each GPIO (a push button, a
//! drive to a level, a potentiometer's voltage), changed live, e.g. from the
//! keyboard of the live view. Scripted changes are in `script`.

use super::Board;
use super::pad::Pull;
use crate::trace::{SignalKind, Value};

/// The outside world wired to one GPIO.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Wiring {
    /// A push button is held down.
    pub(super) pressed: bool,
    /// Something drives the pin to a level (overrides a button).
    pub(super) driven: Option<bool>,
    /// The voltage on the pin, `0..=65535` for 0–3.3 V (a potentiometer's wiper).
    pub(super) analog: u16,
    /// The other channel of a rotary encoder this pin is channel A of
    /// ([`Board::wire_encoder`]).
    pub(super) encoder_b: Option<u8>,
}

impl Wiring {
    /// The level the outside world presents to a pad with `pull`: a drive's
    /// level, else a held button's (to ground on a pull-up, to 3.3 V
    /// otherwise), else the pull's.
    pub(super) fn level(&self, pull: Option<Pull>) -> bool {
        if let Some(level) = self.driven {
            level
        } else if self.pressed {
            pull != Some(Pull::Up)
        } else {
            pull == Some(Pull::Up)
        }
    }
}

impl Board {
    /// Presses the push button on `gpio` (live input, e.g. from a keyboard).
    ///
    /// A button connects the pin to ground if the pin has a pull-up (so it
    /// reads 0 while pressed: active low), to 3.3 V otherwise.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::pico().install();
    /// let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    /// assert!(button.value());
    /// board.press(15);
    /// assert!(!button.value());
    /// board.release(15);
    /// assert!(button.value());
    /// ```
    pub fn press(&self, gpio: u8) {
        self.rewire(gpio, |w| w.pressed = true);
    }

    /// Releases the push button on `gpio`.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::pico().install();
    /// let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    /// board.press(15);
    /// board.release(15);
    /// assert!(button.value());
    /// ```
    pub fn release(&self, gpio: u8) {
        self.rewire(gpio, |w| w.pressed = false);
    }

    /// Whether the push button on `gpio` is held down.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::pico().install();
    /// board.press(15);
    /// assert!(board.is_pressed(15) && !board.is_pressed(14));
    /// ```
    pub fn is_pressed(&self, gpio: u8) -> bool {
        self.state.borrow().wiring.get(&gpio).is_some_and(|w| w.pressed)
    }

    /// Drives `gpio` from outside to a level (`Some`), or stops driving it
    /// (`None`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::esp32().install();
    /// let input = Pin::with_pull(4, Pin::IN, Pin::PULL_DOWN);
    /// board.drive(4, Some(true));
    /// assert!(input.value());
    /// board.drive(4, None);
    /// assert!(!input.value());
    /// ```
    pub fn drive(&self, gpio: u8, level: Option<bool>) {
        self.rewire(gpio, |w| w.driven = level);
    }

    /// Sets the voltage on an ADC pin (a potentiometer's position), on the
    /// `read_u16` scale: 0 is 0 V, 65535 is 3.3 V.
    ///
    /// ```
    /// use uasyncio_machine::{Adc, Board, Pin};
    /// let board = Board::esp32().install();
    /// let pot = Adc::new(Pin::new(36, Pin::IN));
    /// pot.atten(Adc::ATTN_11DB);
    /// board.set_adc_u16(36, 65535);
    /// assert_eq!(pot.read(), 4095);
    /// ```
    pub fn set_adc_u16(&self, gpio: u8, value: u16) {
        self.check_gpio(gpio);
        let mut state = self.state.borrow_mut();
        let now = state.tick();
        state.wiring.entry(gpio).or_default().analog = value;
        if state.desc.has_adc(gpio) {
            state.recorder.record(now, gpio, SignalKind::Analog, Value::Analog(value));
        }
    }

    /// Sets a potentiometer on `gpio` to `fraction` of its travel (0.0 to 1.0).
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::esp32().install();
    /// board.set_pot(36, 0.5);
    /// assert_eq!(board.adc_u16(36), 32768);
    /// ```
    pub fn set_pot(&self, gpio: u8, fraction: f64) {
        self.set_adc_u16(gpio, fraction_to_u16(fraction));
    }

    /// The voltage on `gpio`, on the `read_u16` scale (see [`Board::set_adc_u16`]).
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::pico().install();
    /// board.set_adc_u16(26, 1000);
    /// assert_eq!(board.adc_u16(26), 1000);
    /// ```
    pub fn adc_u16(&self, gpio: u8) -> u16 {
        self.state.borrow().wiring.get(&gpio).map_or(0, |w| w.analog)
    }

    /// Wires a rotary encoder's channels A and B to `a` and `b`: the live
    /// view turns it (see [`Board::turn_encoder`]); scripts need not wire it.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::esp32().install();
    /// board.wire_encoder(33, 25);
    /// assert_eq!(board.encoders(), [(33, 25)]);
    /// ```
    pub fn wire_encoder(&self, a: u8, b: u8) {
        self.check_gpio(a);
        self.check_gpio(b);
        assert_ne!(a, b, "an encoder's channels A and B must be two different pins, not both GPIO {a}");
        self.state.borrow_mut().wiring.entry(a).or_default().encoder_b = Some(b);
    }

    /// The rotary encoders wired ([`Board::wire_encoder`]), as (A, B).
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// assert!(Board::pico().encoders().is_empty());
    /// ```
    pub fn encoders(&self) -> Vec<(u8, u8)> {
        let state = self.state.borrow();
        state.wiring.iter().filter_map(|(&a, w)| Some((a, w.encoder_b?))).collect()
    }

    /// Changes what is wired to `gpio`, and records what the pin shows then.
    fn rewire(&self, gpio: u8, change: impl FnOnce(&mut Wiring)) {
        self.check_gpio(gpio);
        self.change(gpio, |state| change(state.wiring.entry(gpio).or_default()));
    }
}

/// `0.5` → `32768`: a fraction of full scale on the `u16` scale.
pub(super) fn fraction_to_u16(fraction: f64) -> u16 {
    assert!((0.0..=1.0).contains(&fraction), "a potentiometer position must be from 0.0 to 1.0, not {fraction}");
    (fraction * 65535.0).round() as u16
}
