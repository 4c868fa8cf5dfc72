//! Tutorial 6, the sensor logger: the timeline of `examples/sensor_logger.rs`.

use crate::examples::sensor_logger;

use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::*;
use uasyncio_machine::{Board, run_virtual_for};

/// A 128×64 canvas for the picture the logger should show.
struct Canvas(Vec<Vec<bool>>);

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
            self.0[p.y as usize][p.x as usize] = color.is_on();
        }
        Ok(())
    }
}

#[test]
fn it_reads_every_second_prints_and_shows_the_weather_the_world_sets() {
    let board = Board::esp32().install();
    let (bme, oled) = sensor_logger::wire(&board);
    bme.set_temperature(21.5);
    bme.set_humidity(40.0);
    let (warm, wet) = (bme.clone(), bme.clone());
    board.at(1.5, move |_| warm.set_temperature(26.25));
    board.at(2.5, move |_| {
        wet.set_humidity(72.5);
        wet.set_pressure_hpa(998.0);
    });
    run_virtual_for(&board, 3.5, sensor_logger::main_task);
    let trace = board.trace();
    let lines: Vec<(u64, &str)> = trace.lines.iter().map(|(t, l)| (t / 1000, l.as_str())).collect();
    assert_eq!(
        lines,
        [
            (151, "21.50 C  1013.25 hPa  40.0 %RH"),
            (1151, "21.50 C  1013.25 hPa  40.0 %RH"),
            (2151, "26.25 C  1013.25 hPa  40.0 %RH"),
            (3151, "26.25 C  998.00 hPa  72.5 %RH"),
        ]
    );
    // The readings start one second apart, whatever each took.
    let starts: Vec<u64> =
        trace.transactions.iter().filter(|t| t.label() == "0x76 write f4 35").map(|t| t.start_us).collect();
    assert_eq!(starts.windows(2).skip(1).map(|w| w[1] - w[0]).collect::<Vec<_>>(), [1_000_000; 3]);

    // The OLED shows the last reading, as the logger lays it out.
    let mut expected = Canvas(vec![vec![false; 128]; 64]);
    sensor_logger::draw(&mut expected, &sensor_logger::screen_lines(26.25, 99_800.0, 72.5)).unwrap();
    assert!(oled.is_on());
    assert!(oled.picture() == expected.0, "the OLED does not show the last reading");
}

#[test]
fn without_a_sensor_the_logger_stops_at_the_first_nack() {
    let board = Board::esp32().install();
    board.attach_i2c(0, 0x3c, uasyncio_machine::devices::Ssd1306::i2c());
    // The task panics with "BME280 at 0x76: Nack { .. }"; the loop reports it and goes on.
    run_virtual_for(&board, 1.0, sensor_logger::main_task);
    let trace = board.trace();
    assert_eq!(trace.transactions.len(), 1);
    assert_eq!(trace.transactions[0].to_string(), "I2C0 0x76 ✗ NACK: no device at this address");
    assert!(trace.lines.is_empty());
}
