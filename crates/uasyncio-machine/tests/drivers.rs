//! Real crates.io drivers, unchanged, against the simulated devices:
//! `bme280-rs` 0.4 (async; `bme280` 0.5's async feature needs nightly) reading the BME280, `htu21df-sensor`
//! 0.1 (embedded-hal 0.2, bridged by `embedded-hal-compat` 0.13) reading the
//! HTU21D, and `ssd1306` 0.10 (async) with `embedded-graphics` 0.8 drawing
//! text on the SSD1306, on I2C and on SPI.

use std::cell::RefCell;
use std::rc::Rc;

use embedded_graphics::mono_font::MonoTextStyle;
use embedded_graphics::mono_font::ascii::FONT_6X10;
use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::*;
use embedded_graphics::text::{Baseline, Text};
use embedded_hal_async::delay::DelayNs;
use uasyncio_machine::devices::{Bme280, Htu21d, Ssd1306};
use uasyncio_machine::{Board, Delay, I2c, Pin, Spi, SpiDevice, run_virtual_for};

/// What a test task hands back to the test.
fn shared<T: Default>() -> (Rc<RefCell<T>>, Rc<RefCell<T>>) {
    let a = Rc::new(RefCell::new(T::default()));
    (a.clone(), a)
}

#[test]
fn the_bme280_rs_crate_reads_the_world_values_through_the_compensation() {
    let board = Board::esp32().install();
    let bme = Bme280::new();
    bme.set_temperature(21.5);
    bme.set_pressure_hpa(1013.25);
    bme.set_humidity(40.0);
    board.attach_i2c(0, 0x76, bme.clone());
    let world = bme.clone();
    board.at(1.5, move |_| {
        world.set_temperature(-5.25);
        world.set_pressure_hpa(950.0);
        world.set_humidity(85.5);
    });
    let (readings, seen) = shared::<Vec<(u64, f32, f32, f32)>>();
    run_virtual_for(&board, 2.5, move || async move {
        let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 400_000);
        let mut sensor = bme280_rs::AsyncBme280::new(i2c, Delay);
        assert_eq!(sensor.chip_id().await.unwrap(), bme280_rs::CHIP_ID);
        sensor.init().await.unwrap();
        let x = bme280_rs::Oversampling::Oversample1;
        let config = bme280_rs::Configuration::default()
            .with_temperature_oversampling(x)
            .with_pressure_oversampling(bme280_rs::Oversampling::Oversample16)
            .with_humidity_oversampling(x)
            .with_sensor_mode(bme280_rs::SensorMode::Forced);
        sensor.set_sampling_configuration(config).await.unwrap();
        loop {
            sensor.take_forced_measurement().await.unwrap();
            // bme280-rs 0.4.1 reads `measuring` from bit 2 of the status
            // register, the datasheet puts it in bit 3: the driver does not
            // wait, and would read the previous result. Wait the conversion.
            Delay.delay_ms(38).await;
            let m = sensor.read_sample().await.unwrap();
            let (t, p, h) = (m.temperature.unwrap(), m.pressure.unwrap(), m.humidity.unwrap());
            seen.borrow_mut().push((uasyncio::now_us() / 1000, t, p, h));
            uasyncio::sleep(1).await;
        }
    });
    let readings = readings.borrow();
    let expected = [(21.5, 101_325.0, 40.0), (21.5, 101_325.0, 40.0), (-5.25, 95_000.0, 85.5)];
    assert_eq!(readings.len(), 3, "{readings:?}");
    for (&(_, t, p, h), (et, ep, eh)) in readings.iter().zip(expected) {
        assert!((f64::from(t) - et).abs() <= 0.01, "temperature {t}, expected {et}");
        assert!((f64::from(p) - ep).abs() < 1.0, "pressure {p} Pa, expected {ep}");
        assert!((f64::from(h) - eh).abs() < 0.05, "humidity {h} %, expected {eh}");
    }
    // init: reset, 10 ms, trim, 100 ms; then each second a 38 ms
    // conversion (×1/×16/×1) and ten register transfers at 400 kHz.
    let times: Vec<u64> = readings.iter().map(|r| r.0).collect();
    assert_eq!(times, [150, 1188, 2227]);
    let trace = board.trace();
    assert_eq!(trace.transactions[0].to_string(), "I2C0 0x76 write d0 · read 60");
    assert!(trace.transactions.iter().all(|t| t.error.is_none()));
}

/// Never called: `Sensor::new` is given no delay, so it does not reset.
struct NoDelay;

impl embedded_hal::delay::DelayNs for NoDelay {
    fn delay_ns(&mut self, _ns: u32) {
        unreachable!("the HTU21D test passes no blocking delay")
    }
}

#[test]
fn the_htu21df_crate_reads_the_htu21d_through_embedded_hal_compat() {
    use embedded_hal_compat::ReverseCompat;
    use htu21df_sensor::{Humidity, Sensor, Temperature};

    let board = Board::esp32().install();
    let htu = Htu21d::new();
    htu.set_temperature(23.4);
    htu.set_humidity(61.0);
    board.attach_i2c(0, 0x40, htu.clone());
    let (readings, seen) = shared::<Vec<(f32, f32)>>();
    run_virtual_for(&board, 1.0, move || async move {
        let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 100_000).reverse();
        let mut sensor = Sensor::new(i2c, None::<&mut embedded_hal_compat::Reverse<NoDelay>>).unwrap();
        // The driver's non-blocking half, with the async delay between:
        // its `measure_*` would wait with a blocking delay.
        sensor.start_measurement::<0xf3>().unwrap();
        Delay.delay_ms(50).await;
        let t: Temperature = sensor.measurement_result().unwrap();
        sensor.start_measurement::<0xf5>().unwrap();
        Delay.delay_ms(16).await;
        let h: Humidity = sensor.measurement_result().unwrap();
        seen.borrow_mut().push((t.value(), h.value()));
    });
    let (t, h) = readings.borrow()[0];
    assert!((f64::from(t) - 23.4).abs() < 0.02, "temperature {t}"); // 14 bits: 0.011 °C steps
    assert!((f64::from(h) - 61.0).abs() < 0.04, "humidity {h}"); // 12 bits: 0.031 % steps
}

/// A 128×64 canvas that embedded-graphics draws the expected picture on.
struct Canvas(Vec<Vec<bool>>);

impl Canvas {
    fn new() -> Canvas {
        Canvas(vec![vec![false; 128]; 64])
    }
}

impl OriginDimensions for Canvas {
    fn size(&self) -> Size {
        Size::new(128, 64)
    }
}

impl DrawTarget for Canvas {
    type Color = BinaryColor;
    type Error = core::convert::Infallible;

    fn draw_iter<I: IntoIterator<Item = Pixel<BinaryColor>>>(&mut self, pixels: I) -> Result<(), Self::Error> {
        for Pixel(p, color) in pixels {
            if (0..128).contains(&p.x) && (0..64).contains(&p.y) {
                self.0[p.y as usize][p.x as usize] = color.is_on();
            }
        }
        Ok(())
    }
}

fn text_at(text: &str, at: Point) -> Text<'_, MonoTextStyle<'static, BinaryColor>> {
    Text::with_baseline(text, at, MonoTextStyle::new(&FONT_6X10, BinaryColor::On), Baseline::Top)
}

/// Where `pattern` (the rendered text, cropped to its lit pixels) appears in
/// `picture`.
fn find(picture: &[Vec<bool>], text: &str) -> Option<(usize, usize)> {
    let mut canvas = Canvas::new();
    text_at(text, Point::zero()).draw(&mut canvas).unwrap();
    let w = canvas.0.iter().map(|row| row.iter().rposition(|&p| p).map_or(0, |x| x + 1)).max().unwrap();
    let h = canvas.0.iter().rposition(|row| row.iter().any(|&p| p)).unwrap() + 1;
    (0..=64 - h)
        .flat_map(|y| (0..=128 - w).map(move |x| (x, y)))
        .find(|&(x, y)| (0..h).all(|dy| (0..w).all(|dx| picture[y + dy][x + dx] == canvas.0[dy][dx])))
}

#[test]
fn the_ssd1306_crate_draws_text_that_shows_in_the_oled_picture_on_i2c() {
    use ssd1306::prelude::*;
    use ssd1306::{I2CDisplayInterface, Ssd1306Async};

    let board = Board::esp32().install();
    let oled = Ssd1306::i2c();
    board.attach_i2c(0, 0x3c, oled.clone());
    run_virtual_for(&board, 1.0, || async {
        let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 400_000);
        let mut display = Ssd1306Async::new(I2CDisplayInterface::new(i2c), DisplaySize128x64, DisplayRotation::Rotate0)
            .into_buffered_graphics_mode();
        display.init().await.unwrap();
        text_at("21.5 C", Point::new(10, 20)).draw(&mut display).unwrap();
        text_at("1013 hPa", Point::new(10, 34)).draw(&mut display).unwrap();
        display.flush().await.unwrap();
    });
    assert!(oled.is_on());
    let picture = oled.picture();
    assert_eq!(find(&picture, "21.5 C"), find_expected("21.5 C", Point::new(10, 20)));
    assert_eq!(find(&picture, "1013 hPa"), find_expected("1013 hPa", Point::new(10, 34)));
    assert_eq!(find(&picture, "99.9 C"), None);
    // The whole picture is the two lines and nothing else.
    let mut expected = Canvas::new();
    text_at("21.5 C", Point::new(10, 20)).draw(&mut expected).unwrap();
    text_at("1013 hPa", Point::new(10, 34)).draw(&mut expected).unwrap();
    assert!(picture == expected.0);
}

/// Where [`find`] finds `text` drawn alone at `at`.
fn find_expected(text: &str, at: Point) -> Option<(usize, usize)> {
    let mut canvas = Canvas::new();
    text_at(text, at).draw(&mut canvas).unwrap();
    find(&canvas.0, text)
}

#[test]
fn the_ssd1306_crate_draws_on_spi_with_its_dc_and_cs_pins() {
    use ssd1306::Ssd1306Async;
    use ssd1306::prelude::*;

    let board = Board::esp32().install();
    let oled = Ssd1306::spi(16);
    board.attach_spi(2, Some(5), oled.clone());
    run_virtual_for(&board, 1.0, || async {
        let spi = Spi::new(2, 10_000_000, Pin::get(18), Pin::get(23), Pin::get(19));
        let device = SpiDevice::new(spi, Pin::new(5, Pin::OUT));
        let interface = SPIInterface::new(device, Pin::new(16, Pin::OUT));
        let mut display =
            Ssd1306Async::new(interface, DisplaySize128x64, DisplayRotation::Rotate0).into_buffered_graphics_mode();
        display.init().await.unwrap();
        text_at("SPI ok", Point::new(0, 0)).draw(&mut display).unwrap();
        display.flush().await.unwrap();
    });
    assert_eq!(find(&oled.picture(), "SPI ok"), find_expected("SPI ok", Point::zero()));
    // The frame buffer went as eight pages of 128 bytes, each 103 µs at 10 MHz.
    let trace = board.trace();
    let pages: Vec<_> = trace.transactions.iter().filter(|t| t.label().ends_with("(128 bytes)")).collect();
    assert_eq!(pages.len(), 8);
    assert!(pages.iter().all(|t| t.target == Some(5) && t.end_us - t.start_us == 103));
    assert_eq!(trace.transactions[0].to_string(), "SPI2 CS5 write ae"); // display off, first of init
}
