//! The TE HTU21D(F) humidity and temperature sensor on I2C (address 0x40),
//! from its datasheet: commands, conversion times, the 16-bit result with
//! its status bits and CRC-8.

use std::cell::RefCell;
use std::rc::Rc;

use crate::target::{Device, I2cTarget, Nack};

const TRIGGER_T_HOLD: u8 = 0xe3;
const TRIGGER_RH_HOLD: u8 = 0xe5;
const TRIGGER_T: u8 = 0xf3;
const TRIGGER_RH: u8 = 0xf5;
const WRITE_USER: u8 = 0xe6;
const READ_USER: u8 = 0xe7;
const SOFT_RESET: u8 = 0xfe;
/// The user register after power-up: 14-bit temperature, 12-bit humidity.
const USER_DEFAULT: u8 = 0x02;
/// Conversion times at the default resolution, and the soft reset's, in µs.
const T_US: u64 = 50_000;
const RH_US: u64 = 16_000;
const RESET_US: u64 = 15_000;

/// A simulated HTU21D: temperature and humidity are the world's, set with
/// [`set_temperature`](Htu21d::set_temperature) and
/// [`set_humidity`](Htu21d::set_humidity).
///
/// A no-hold measurement (`0xF3` temperature, 50 ms; `0xF5` humidity, 16 ms)
/// is read with a plain read of 3 bytes (MSB, LSB with the status bits, CRC-8);
/// until the conversion ends the sensor NACKs the read, as the datasheet
/// says, so a driver that reads too early gets a NACK error. After a
/// hold-master command (`0xE3`, `0xE5`) the sensor holds SCL low instead
/// (clock stretching) until the result is ready, so an async read simply
/// takes longer; a blocking read, which cannot wait, is NACKed like a no-hold
/// one. During the 15 ms after a soft reset every transfer is NACKed.
///
/// ```
/// use uasyncio_machine::devices::Htu21d;
/// let htu = Htu21d::new();
/// htu.set_humidity(55.0);
/// assert_eq!(htu.humidity(), 55.0);
/// ```
#[derive(Clone)]
pub struct Htu21d {
    state: Rc<RefCell<State>>,
}

#[derive(Clone, Copy, PartialEq)]
enum Next {
    Nothing,
    /// A measurement: its raw result, when it is ready, and whether the
    /// sensor stretches the clock until then (hold master).
    Measurement(u16, u64, bool),
    UserRegister,
}

struct State {
    next: Next,
    user: u8,
    reset_until: u64,
    temperature: f64,
    humidity: f64,
}

impl Default for Htu21d {
    fn default() -> Self {
        Htu21d::new()
    }
}

impl Htu21d {
    /// An HTU21D in a world at 20 °C and 50 % RH.
    ///
    /// ```
    /// use uasyncio_machine::devices::Htu21d;
    /// assert_eq!(Htu21d::new().temperature(), 20.0);
    /// ```
    pub fn new() -> Htu21d {
        let state =
            State { next: Next::Nothing, user: USER_DEFAULT, reset_until: 0, temperature: 20.0, humidity: 50.0 };
        Htu21d { state: Rc::new(RefCell::new(state)) }
    }

    /// Sets the temperature around the sensor, °C (−40 to 125).
    pub fn set_temperature(&self, celsius: f64) {
        assert!((-40.0..=125.0).contains(&celsius), "the HTU21D measures -40 to 125 °C, not {celsius}");
        self.state.borrow_mut().temperature = celsius;
    }

    /// Sets the relative humidity, % (0 to 100).
    pub fn set_humidity(&self, percent: f64) {
        assert!((0.0..=100.0).contains(&percent), "relative humidity is 0 to 100 %, not {percent}");
        self.state.borrow_mut().humidity = percent;
    }

    /// The world's temperature, °C.
    pub fn temperature(&self) -> f64 {
        self.state.borrow().temperature
    }

    /// The world's relative humidity, %.
    pub fn humidity(&self) -> f64 {
        self.state.borrow().humidity
    }
}

/// The datasheet's CRC-8: polynomial x⁸ + x⁵ + x⁴ + 1, initial value 0.
fn crc8(bytes: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &byte in bytes {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 { (crc << 1) ^ 0x31 } else { crc << 1 };
        }
    }
    crc
}

/// `S = (value - offset) / span * 2^16`, to `bits` bits, with the status
/// bits (bit 1 set for humidity).
fn raw(value: f64, offset: f64, span: f64, bits: u32, humidity: bool) -> u16 {
    let s = ((value - offset) / span * 65536.0).round().clamp(0.0, 65535.0) as u16;
    let mask = !((1u16 << (16 - bits)) - 1);
    (s & mask) | if humidity { 0x02 } else { 0 }
}

impl Device for Htu21d {
    fn name(&self) -> String {
        "HTU21D".into()
    }

    fn quantities(&self) -> Vec<(&'static str, f64, &'static str)> {
        vec![("temperature", self.temperature(), "°C"), ("humidity", self.humidity(), "%")]
    }

    fn set_quantity(&self, index: usize, value: f64) {
        match index {
            0 => self.set_temperature(value.clamp(-40.0, 125.0)),
            _ => self.set_humidity(value.clamp(0.0, 100.0)),
        }
    }
}

impl I2cTarget for Htu21d {
    fn write(&self, now_us: u64, bytes: &[u8]) -> Result<(), Nack> {
        let mut state = self.state.borrow_mut();
        if now_us < state.reset_until {
            return Err(Nack("resetting: the HTU21D answers 15 ms after a soft reset"));
        }
        if let Next::Measurement(_, ready, _) = state.next
            && now_us < ready
        {
            return Err(Nack("measuring: the HTU21D takes no command mid-conversion"));
        }
        match *bytes {
            [] => {}
            [command @ (TRIGGER_T | TRIGGER_T_HOLD)] => {
                let s = raw(state.temperature, -46.85, 175.72, 14, false);
                state.next = Next::Measurement(s, now_us + T_US, command == TRIGGER_T_HOLD);
            }
            [command @ (TRIGGER_RH | TRIGGER_RH_HOLD)] => {
                let s = raw(state.humidity, -6.0, 125.0, 12, true);
                state.next = Next::Measurement(s, now_us + RH_US, command == TRIGGER_RH_HOLD);
            }
            [READ_USER] => state.next = Next::UserRegister,
            [WRITE_USER, value] => state.user = (value & 0b1000_0111) | (state.user & 0b0011_1000),
            [SOFT_RESET] => {
                state.user = USER_DEFAULT;
                state.next = Next::Nothing;
                state.reset_until = now_us + RESET_US;
            }
            _ => return Err(Nack("not an HTU21D command")),
        }
        Ok(())
    }

    fn read_stretch_us(&self, at_us: u64) -> u64 {
        match self.state.borrow().next {
            Next::Measurement(_, ready, true) => ready.saturating_sub(at_us),
            _ => 0,
        }
    }

    fn read(&self, now_us: u64, buf: &mut [u8]) -> Result<(), Nack> {
        let mut state = self.state.borrow_mut();
        if now_us < state.reset_until {
            return Err(Nack("resetting: the HTU21D answers 15 ms after a soft reset"));
        }
        match state.next {
            Next::Measurement(_, ready, _) if now_us < ready => {
                Err(Nack("measuring: the result is not ready; a no-hold read is NACKed until the conversion ends"))
            }
            Next::Measurement(s, _, _) => {
                let [msb, lsb] = s.to_be_bytes();
                let reply = [msb, lsb, crc8(&[msb, lsb])];
                for (slot, byte) in buf.iter_mut().zip(reply.iter().chain(std::iter::repeat(&0xff))) {
                    *slot = *byte;
                }
                state.next = Next::Nothing;
                Ok(())
            }
            Next::UserRegister => {
                buf.fill(state.user);
                Ok(())
            }
            Next::Nothing => Err(Nack("no measurement started: write a trigger command (0xF3, 0xF5) first")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crc_is_the_datasheets_example() {
        assert_eq!(crc8(&[0x68, 0x3a]), 0x7c); // datasheet: 0x683A → CRC 0x7C
    }
}
