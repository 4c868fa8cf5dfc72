//! Tutorial 6: a sensor logger (ESP32), on I2C.
//!
//! A BME280 (address 0x76) and an SSD1306 128×64 OLED (0x3C) share I2C bus 0
//! (SCL GPIO 22, SDA GPIO 21, 400 kHz). Every second the BME280 is read
//! through the crates.io `bme280-rs` driver, the reading printed and drawn on
//! the OLED through the `ssd1306` driver with `embedded-graphics`. The two
//! drivers each hold a clone of the bus; the bus keeps their transactions
//! apart.
//!
//! ```text
//! cargo run -p uasyncio-machine --example sensor_logger                 # keys change the weather
//! cargo run -p uasyncio-machine --example sensor_logger -- --virtual --plain
//! cargo run -p uasyncio-machine --example sensor_logger -- --virtual --svg sensor_logger.svg
//! ```
//!
//! The MicroPython original:
//!
//! ```text
//! i2c = I2C(0, scl=Pin(22), sda=Pin(21), freq=400000)
//! bme = BME280(i2c=i2c); oled = SSD1306_I2C(128, 64, i2c)
//! async def log():
//!     while True:
//!         t, p, h = bme.read_compensated_data()
//!         print(f"{t:.2f} C  {p:.2f} hPa  {h:.1} %")
//!         oled.fill(0); oled.text(...); oled.show()
//!         await asyncio.sleep(1)
//! ```

use embedded_graphics::mono_font::MonoTextStyle;
use embedded_graphics::mono_font::ascii::FONT_6X10;
use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::*;
use embedded_graphics::text::{Baseline, Text};
use embedded_hal_async::delay::DelayNs;
use ssd1306::prelude::*;
use ssd1306::{I2CDisplayInterface, Ssd1306Async};
use uasyncio_machine::devices::{Bme280, Ssd1306};
use uasyncio_machine::{self as machine, Board, Delay, I2c, Pin, cli::App};

/// The BME280's conversion at ×1 temperature, ×16 pressure, ×1 humidity.
const CONVERSION_MS: u32 = 38;

/// Wires the sensor and the display to the board's I2C bus 0; returns them,
/// for the world to set the weather and to look at the screen.
pub fn wire(board: &Board) -> (Bme280, Ssd1306) {
    let (bme, oled) = (Bme280::new(), Ssd1306::i2c());
    board.attach_i2c(0, 0x76, bme.clone());
    board.attach_i2c(0, 0x3c, oled.clone());
    (bme, oled)
}

/// The lines shown for a reading.
pub fn screen_lines(t: f32, p: f32, h: f32) -> [String; 3] {
    [format!("{t:.2} C"), format!("{:.2} hPa", p / 100.0), format!("{h:.1} %RH")]
}

/// Draws `lines` as the logger lays them out: 6×10 font, 14 px apart.
pub fn draw<D: DrawTarget<Color = BinaryColor>>(target: &mut D, lines: &[String]) -> Result<(), D::Error> {
    let style = MonoTextStyle::new(&FONT_6X10, BinaryColor::On);
    for (i, line) in lines.iter().enumerate() {
        Text::with_baseline(line, Point::new(4, 6 + 14 * i as i32), style, Baseline::Top).draw(target)?;
    }
    Ok(())
}

pub async fn main_task() {
    let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 400_000);
    let mut bme = bme280_rs::AsyncBme280::new(i2c.clone(), Delay);
    bme.init().await.expect("BME280 at 0x76");
    let config = bme280_rs::Configuration::default()
        .with_temperature_oversampling(bme280_rs::Oversampling::Oversample1)
        .with_pressure_oversampling(bme280_rs::Oversampling::Oversample16)
        .with_humidity_oversampling(bme280_rs::Oversampling::Oversample1)
        .with_sensor_mode(bme280_rs::SensorMode::Forced);
    bme.set_sampling_configuration(config).await.expect("BME280 configured");
    let mut oled = Ssd1306Async::new(I2CDisplayInterface::new(i2c), DisplaySize128x64, DisplayRotation::Rotate0)
        .into_buffered_graphics_mode();
    oled.init().await.expect("SSD1306 at 0x3c");

    let start = uasyncio::now_us();
    for second in 1.. {
        bme.take_forced_measurement().await.expect("BME280");
        // bme280-rs 0.4.1 looks for `measuring` in the wrong status bit: wait.
        Delay.delay_ms(CONVERSION_MS).await;
        let sample = bme.read_sample().await.expect("BME280");
        let (t, p, h) = (sample.temperature.unwrap(), sample.pressure.unwrap(), sample.humidity.unwrap());
        let lines = screen_lines(t, p, h);
        machine::println!("{}  {}  {}", lines[0], lines[1], lines[2]);
        oled.clear_buffer();
        draw(&mut oled, &lines).expect("drawing in memory");
        oled.flush().await.expect("SSD1306");
        // Read every second on the second, however long the reading took.
        let next = start + second * 1_000_000;
        uasyncio::sleep_us(next.saturating_sub(uasyncio::now_us())).await;
    }
}

#[allow(dead_code)]
fn main() {
    let board = Board::esp32();
    let (bme, _oled) = wire(&board);
    bme.set_temperature(21.5);
    bme.set_humidity(40.0);
    App::new(board)
        .demo(move |board| {
            let (warm, wet) = (bme.clone(), bme.clone());
            board.at(3.5, move |_| warm.set_temperature(26.25));
            board.at(6.5, move |_| {
                wet.set_humidity(72.5);
                wet.set_pressure_hpa(998.0);
            });
        })
        .default_duration(9.5)
        .run_forever(main_task);
}
