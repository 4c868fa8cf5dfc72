//! The Bosch BME280 (temperature, humidity, pressure) on I2C, from its
//! datasheet (BST-BME280-DS002): the registers at 0x88–0xFE, the trim
//! parameters, and raw readings chosen so that the datasheet's compensation
//! formulas give back the world's values.

use std::cell::RefCell;
use std::rc::Rc;

use crate::target::{Device, I2cTarget, Nack};

const CHIP_ID: u8 = 0x60;
const REG_CHIP_ID: usize = 0xd0;
const REG_RESET: usize = 0xe0;
const RESET_WORD: u8 = 0xb6;
const REG_CTRL_HUM: usize = 0xf2;
const REG_STATUS: usize = 0xf3;
const REG_CTRL_MEAS: usize = 0xf4;
const REG_CONFIG: usize = 0xf5;
const REG_DATA: usize = 0xf7;
/// `measuring` in the status register.
const STATUS_MEASURING: u8 = 0x08;

/// Trim parameters of a real sensor (the datasheet's example values for
/// temperature and pressure, a typical part's for humidity).
const T: (u16, i16, i16) = (27504, 26435, -1000);
const P: (u16, [i16; 8]) = (36477, [-10685, 3024, 2855, 140, -7, 15500, -14600, 6000]);
const H: (u8, i16, u8, i16, i16, i8) = (75, 362, 0, 313, 50, 30);

/// A simulated BME280: what it measures is the world's, set with
/// [`set_temperature`](Bme280::set_temperature) and friends.
///
/// A forced-mode conversion (`ctrl_meas` mode `01`) takes the datasheet's
/// typical time for the oversampling set (1 ms + 2 ms per temperature and
/// pressure and humidity sample + 0.5 ms each for pressure and humidity: 40 ms
/// at ×2/×16/×1), with `measuring` set in the status register meanwhile. The
/// data registers are shadowed, as on the chip: a read mid-conversion gives
/// the previous result (after a reset, the reset values `0x80000`/`0x8000`).
/// In normal mode every read sees a fresh conversion. The IIR filter and the
/// standby time are kept in their registers but not modelled: each result is
/// the world's value, quantised by the 20-bit (16-bit humidity) ADC.
///
/// ```
/// use uasyncio_machine::devices::Bme280;
/// let bme = Bme280::new();
/// bme.set_temperature(21.5);
/// bme.set_pressure_hpa(1013.25);
/// bme.set_humidity(40.0);
/// assert_eq!(bme.temperature(), 21.5);
/// ```
#[derive(Clone)]
pub struct Bme280 {
    state: Rc<RefCell<State>>,
}

struct State {
    regs: [u8; 256],
    pointer: usize,
    /// The humidity oversampling latched by the last `ctrl_meas` write.
    osrs_h: u8,
    /// A forced conversion under way: when it ends.
    converting_until: Option<u64>,
    temperature: f64,
    pressure_pa: f64,
    humidity: f64,
}

impl Default for Bme280 {
    fn default() -> Self {
        Bme280::new()
    }
}

impl Bme280 {
    /// A BME280 just powered up, in a world at 20 °C, 1013.25 hPa and 50 % RH.
    ///
    /// ```
    /// use uasyncio_machine::devices::Bme280;
    /// assert_eq!(Bme280::new().humidity(), 50.0);
    /// ```
    pub fn new() -> Bme280 {
        let mut state = State {
            regs: [0; 256],
            pointer: 0,
            osrs_h: 0,
            converting_until: None,
            temperature: 20.0,
            pressure_pa: 101_325.0,
            humidity: 50.0,
        };
        state.reset();
        Bme280 { state: Rc::new(RefCell::new(state)) }
    }

    /// Sets the temperature around the sensor, °C (−40 to 85).
    pub fn set_temperature(&self, celsius: f64) {
        assert!((-40.0..=85.0).contains(&celsius), "the BME280 measures -40 to 85 °C, not {celsius}");
        self.state.borrow_mut().temperature = celsius;
    }

    /// Sets the air pressure, hPa (300 to 1100).
    pub fn set_pressure_hpa(&self, hpa: f64) {
        assert!((300.0..=1100.0).contains(&hpa), "the BME280 measures 300 to 1100 hPa, not {hpa}");
        self.state.borrow_mut().pressure_pa = hpa * 100.0;
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

    /// The world's pressure, hPa.
    pub fn pressure_hpa(&self) -> f64 {
        self.state.borrow().pressure_pa / 100.0
    }

    /// The world's relative humidity, %.
    pub fn humidity(&self) -> f64 {
        self.state.borrow().humidity
    }
}

impl State {
    /// Power-on (or soft reset) state: the trim registers, id, control
    /// registers 0, data registers at their reset values.
    fn reset(&mut self) {
        self.regs = [0; 256];
        let mut at = 0x88;
        let mut put16 = |regs: &mut [u8; 256], v: u16| {
            regs[at..at + 2].copy_from_slice(&v.to_le_bytes());
            at += 2;
        };
        put16(&mut self.regs, T.0);
        put16(&mut self.regs, T.1 as u16);
        put16(&mut self.regs, T.2 as u16);
        put16(&mut self.regs, P.0);
        for p in P.1 {
            put16(&mut self.regs, p as u16);
        }
        let (h1, h2, h3, h4, h5, h6) = H;
        self.regs[0xa1] = h1;
        self.regs[0xe1..0xe3].copy_from_slice(&h2.to_le_bytes());
        self.regs[0xe3] = h3;
        self.regs[0xe4] = (h4 >> 4) as u8;
        self.regs[0xe5] = (h4 & 0x0f) as u8 | ((h5 & 0x0f) << 4) as u8;
        self.regs[0xe6] = (h5 >> 4) as u8;
        self.regs[0xe7] = h6 as u8;
        self.regs[REG_CHIP_ID] = CHIP_ID;
        self.regs[REG_DATA..REG_DATA + 8].copy_from_slice(&[0x80, 0, 0, 0x80, 0, 0, 0x80, 0]);
        self.osrs_h = 0;
        self.converting_until = None;
    }

    /// Ends a conversion whose time is up: the data registers take the result.
    fn settle(&mut self, now: u64) {
        if let Some(until) = self.converting_until
            && now >= until
        {
            self.converting_until = None;
            self.latch();
            self.regs[REG_CTRL_MEAS] &= !0x03; // forced mode ends in sleep mode
        }
        self.regs[REG_STATUS] = if self.converting_until.is_some() { STATUS_MEASURING } else { 0 };
    }

    /// Converts the world's values into the data registers.
    fn latch(&mut self) {
        let ctrl = self.regs[REG_CTRL_MEAS];
        let (osrs_t, osrs_p) = (ctrl >> 5, (ctrl >> 2) & 0x07);
        let (adc_t, t_fine) = raw_temperature(self.temperature);
        let adc_p = raw_pressure(self.pressure_pa, t_fine);
        let adc_h = raw_humidity(self.humidity, t_fine);
        let skipped20 = 0x80000;
        let t = if osrs_t == 0 { skipped20 } else { adc_t };
        let p = if osrs_p == 0 { skipped20 } else { adc_p };
        let h = if self.osrs_h == 0 { 0x8000 } else { adc_h };
        let bytes20 = |v: u32| [(v >> 12) as u8, (v >> 4) as u8, ((v & 0x0f) << 4) as u8];
        self.regs[REG_DATA..REG_DATA + 3].copy_from_slice(&bytes20(p));
        self.regs[REG_DATA + 3..REG_DATA + 6].copy_from_slice(&bytes20(t));
        self.regs[REG_DATA + 6..REG_DATA + 8].copy_from_slice(&(h as u16).to_be_bytes());
    }

    fn write_register(&mut self, now: u64, register: usize, value: u8) {
        match register {
            REG_RESET if value == RESET_WORD => self.reset(),
            REG_CTRL_HUM => self.regs[REG_CTRL_HUM] = value & 0x07,
            REG_CTRL_MEAS => {
                self.regs[REG_CTRL_MEAS] = value;
                self.osrs_h = self.regs[REG_CTRL_HUM];
                match value & 0x03 {
                    0b01 | 0b10 => self.converting_until = Some(now + self.conversion_us()),
                    0b11 => self.latch(),
                    _ => {}
                }
            }
            REG_CONFIG => self.regs[REG_CONFIG] = value,
            _ => {} // read-only: ignored, as by the chip
        }
    }

    /// The typical measurement time for the oversampling set (datasheet 9.1).
    fn conversion_us(&self) -> u64 {
        let samples = |code: u8| if code == 0 { 0 } else { 1u64 << (code.min(5) - 1) };
        let ctrl = self.regs[REG_CTRL_MEAS];
        let (t, p, h) = (samples(ctrl >> 5), samples((ctrl >> 2) & 0x07), samples(self.osrs_h));
        let extra = |n: u64| if n > 0 { 500 } else { 0 };
        1000 + 2000 * t + 2000 * p + extra(p) + 2000 * h + extra(h)
    }
}

impl Device for Bme280 {
    fn name(&self) -> String {
        "BME280".into()
    }

    fn quantities(&self) -> Vec<(&'static str, f64, &'static str)> {
        vec![
            ("temperature", self.temperature(), "°C"),
            ("pressure", self.pressure_hpa(), "hPa"),
            ("humidity", self.humidity(), "%"),
        ]
    }

    fn set_quantity(&self, index: usize, value: f64) {
        match index {
            0 => self.set_temperature(value.clamp(-40.0, 85.0)),
            1 => self.set_pressure_hpa(value.clamp(300.0, 1100.0)),
            _ => self.set_humidity(value.clamp(0.0, 100.0)),
        }
    }
}

impl I2cTarget for Bme280 {
    /// The first byte sets the register pointer; then register/value pairs.
    fn write(&self, now_us: u64, bytes: &[u8]) -> Result<(), Nack> {
        let mut state = self.state.borrow_mut();
        state.settle(now_us);
        if let Some(&first) = bytes.first() {
            state.pointer = usize::from(first);
        }
        if bytes.len() >= 2 {
            for pair in bytes.chunks(2) {
                if let [register, value] = *pair {
                    state.write_register(now_us, usize::from(register), value);
                }
            }
        }
        Ok(())
    }

    /// Reads from the pointer on, incrementing.
    fn read(&self, now_us: u64, buf: &mut [u8]) -> Result<(), Nack> {
        let mut state = self.state.borrow_mut();
        state.settle(now_us);
        if state.regs[REG_CTRL_MEAS] & 0x03 == 0x03 {
            state.latch();
        }
        for slot in buf {
            *slot = state.regs[state.pointer & 0xff];
            state.pointer += 1;
        }
        Ok(())
    }
}

// ---- the datasheet's compensation formulas (8.1, in double precision) and their inverse ----

/// The temperature (°C) and `t_fine` for a raw temperature reading.
fn compensate_temperature(adc_t: u32) -> (f64, i32) {
    let (t1, t2, t3) = (f64::from(T.0), f64::from(T.1), f64::from(T.2));
    let adc = f64::from(adc_t);
    let var1 = (adc / 16384.0 - t1 / 1024.0) * t2;
    let var2 = (adc / 131072.0 - t1 / 8192.0).powi(2) * t3;
    ((var1 + var2) / 5120.0, (var1 + var2) as i32)
}

/// The pressure (Pa) for a raw pressure reading at `t_fine`.
fn compensate_pressure(adc_p: u32, t_fine: i32) -> f64 {
    let p1 = f64::from(P.0);
    let [p2, p3, p4, p5, p6, p7, p8, p9] = P.1.map(f64::from);
    let var1 = f64::from(t_fine) / 2.0 - 64000.0;
    let var2 = var1 * var1 * p6 / 32768.0 + var1 * p5 * 2.0;
    let var2 = var2 / 4.0 + p4 * 65536.0;
    let var1 = (p3 * var1 * var1 / 524288.0 + p2 * var1) / 524288.0;
    let var1 = (1.0 + var1 / 32768.0) * p1;
    let p = 1048576.0 - f64::from(adc_p);
    let p = (p - var2 / 4096.0) * 6250.0 / var1;
    let var1 = p9 * p * p / 2147483648.0;
    let var2 = p * p8 / 32768.0;
    p + (var1 + var2 + p7) / 16.0
}

/// The relative humidity (%) for a raw humidity reading at `t_fine`.
fn compensate_humidity(adc_h: u32, t_fine: i32) -> f64 {
    let (h1, h2, h3, h4, h5, h6) =
        (f64::from(H.0), f64::from(H.1), f64::from(H.2), f64::from(H.3), f64::from(H.4), f64::from(H.5));
    let x = f64::from(t_fine) - 76800.0;
    let x = (f64::from(adc_h) - (h4 * 64.0 + h5 / 16384.0 * x))
        * (h2 / 65536.0 * (1.0 + h6 / 67108864.0 * x * (1.0 + h3 / 67108864.0 * x)));
    x * (1.0 - h1 * x / 524288.0)
}

/// The raw reading in `0..limit` whose compensated value is nearest
/// `target`, `value` being monotonic (rising if `rising`).
fn invert(target: f64, limit: u32, rising: bool, value: impl Fn(u32) -> f64) -> u32 {
    let (mut lo, mut hi) = (0, limit - 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let below = if rising { value(mid) < target } else { value(mid) > target };
        if below { lo = mid + 1 } else { hi = mid }
    }
    // `lo` is the first reading past the target: it or the one before.
    if lo > 0 && (value(lo - 1) - target).abs() <= (value(lo) - target).abs() { lo - 1 } else { lo }
}

fn raw_temperature(celsius: f64) -> (u32, i32) {
    let adc = invert(celsius, 1 << 20, true, |adc| compensate_temperature(adc).0);
    (adc, compensate_temperature(adc).1)
}

fn raw_pressure(pa: f64, t_fine: i32) -> u32 {
    invert(pa, 1 << 20, false, |adc| compensate_pressure(adc, t_fine))
}

fn raw_humidity(percent: f64, t_fine: i32) -> u32 {
    invert(percent, 1 << 16, true, |adc| compensate_humidity(adc, t_fine).clamp(0.0, 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_readings_compensate_back_to_the_world_within_one_adc_step() {
        for celsius in [-10.0, 0.0, 21.5, 40.0] {
            let (adc, t_fine) = raw_temperature(celsius);
            assert!((compensate_temperature(adc).0 - celsius).abs() < 0.005, "{celsius} °C");
            let adc_p = raw_pressure(101_325.0, t_fine);
            assert!((compensate_pressure(adc_p, t_fine) - 101_325.0).abs() < 0.2);
            let adc_h = raw_humidity(45.0, t_fine);
            assert!((compensate_humidity(adc_h, t_fine) - 45.0).abs() < 0.01);
        }
    }

    #[test]
    fn forced_conversion_at_x2_x16_x1_takes_40_ms() {
        let bme = Bme280::new();
        bme.write(0, &[REG_CTRL_HUM as u8, 0x01]).unwrap();
        bme.write(0, &[REG_CTRL_MEAS as u8, 0b0101_0101]).unwrap();
        let status = |t| {
            let mut b = [0];
            bme.write(t, &[REG_STATUS as u8]).unwrap();
            bme.read(t, &mut b).unwrap();
            b[0]
        };
        assert_eq!(status(39_999), STATUS_MEASURING);
        assert_eq!(status(40_000), 0);
    }
}
