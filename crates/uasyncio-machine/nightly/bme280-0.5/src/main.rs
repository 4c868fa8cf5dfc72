//! `bme280` 0.5.1 (async, unchanged) reads the simulated BME280 and gets the
//! world's values; exits non-zero if not.

use std::cell::Cell;
use std::rc::Rc;

use uasyncio_machine::devices::Bme280;
use uasyncio_machine::{Board, Delay, I2c, Pin, run_virtual_for};

fn main() {
    let board = Board::esp32().install();
    let bme = Bme280::new();
    bme.set_temperature(21.5);
    bme.set_pressure_hpa(1013.25);
    bme.set_humidity(40.0);
    board.attach_i2c(0, 0x76, bme);
    let reading = Rc::new(Cell::new(None));
    let seen = reading.clone();
    run_virtual_for(&board, 1.0, move || async move {
        let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 400_000);
        let mut sensor = bme280::i2c::AsyncBME280::new_primary(i2c);
        sensor.init(&mut Delay).await.unwrap();
        // The driver waits its 40 ms after starting a forced conversion: the
        // conversion at ×2/×16/×1 takes 40 ms, so it reads a fresh result.
        let m = sensor.measure(&mut Delay).await.unwrap();
        seen.set(Some((m.temperature, m.pressure, m.humidity, uasyncio::now_us())));
    });
    let (t, p, h, at) = reading.get().expect("a measurement");
    println!("bme280 0.5.1: {t:.3} °C, {p:.2} Pa, {h:.3} % at {at} µs");
    assert!((t - 21.5).abs() <= 0.01, "temperature {t}");
    assert!((p - 101_325.0).abs() <= 1.0, "pressure {p}");
    assert!((h - 40.0).abs() <= 0.05, "humidity {h}");
}
