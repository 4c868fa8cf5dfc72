//! The buses' timing and their bad input: a wrong address, a read
//! mid-conversion, SPI without chip select, a UART overrun, a bus used from
//! two tasks at once, a bus pin used as a GPIO.

use std::cell::RefCell;
use std::rc::Rc;

use embedded_hal_async::i2c::I2c as _;
use embedded_hal_async::spi::{SpiBus as _, SpiDevice as _};
use embedded_io_async::Write as _;
use uasyncio::{create_task, sleep_ms};
use uasyncio_machine::devices::{Bme280, Console, Htu21d, Loopback, Ssd1306};
use uasyncio_machine::{Board, BusError, Delay, I2c, Pin, Spi, SpiDevice, Uart, run_virtual_for};

type Log = Rc<RefCell<Vec<String>>>;

/// What a task reports, and the handle the task reports through.
fn logs() -> (Log, Log) {
    let log = Rc::new(RefCell::new(Vec::new()));
    (log.clone(), log)
}

#[test]
fn a_wrong_address_is_not_acknowledged_and_says_so() {
    let board = Board::esp32().install();
    board.attach_i2c(0, 0x76, Bme280::new());
    let (seen, out) = logs();
    run_virtual_for(&board, 1.0, move || async move {
        let mut i2c = I2c::new(0, Pin::get(22), Pin::get(21), 100_000);
        let e = i2c.write_read(0x77, &[0xd0], &mut [0]).await.unwrap_err();
        out.borrow_mut().push(e.to_string());
        let kind = embedded_hal::i2c::Error::kind(&e);
        out.borrow_mut().push(format!("{kind:?}"));
        out.borrow_mut().push(format!("{}", uasyncio::now_us()));
    });
    assert_eq!(
        *seen.borrow(),
        ["I2C0: address 0x77 not acknowledged (no device at this address)", "NoAcknowledge(Address)", "110"]
    );
    assert_eq!(board.trace().transactions[0].to_string(), "I2C0 0x77 ✗ NACK: no device at this address");
}

#[test]
fn an_htu21d_read_mid_conversion_is_nacked_and_a_later_one_succeeds() {
    let board = Board::esp32().install();
    let htu = Htu21d::new();
    htu.set_temperature(25.0);
    board.attach_i2c(0, 0x40, htu);
    let (seen, out) = logs();
    run_virtual_for(&board, 1.0, move || async move {
        let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 400_000);
        i2c.writeto(0x40, &[0xf3]).await.unwrap(); // temperature, no hold: 50 ms
        sleep_ms(20).await;
        let line = i2c.readfrom(0x40, 3).await.unwrap_err().to_string();
        out.borrow_mut().push(line);
        sleep_ms(30).await;
        let raw = i2c.readfrom(0x40, 3).await.unwrap();
        let s = u16::from_be_bytes([raw[0], raw[1]]) & 0xfffc;
        out.borrow_mut().push(format!("{:.2}", -46.85 + 175.72 * f64::from(s) / 65536.0));
    });
    assert_eq!(
        *seen.borrow(),
        [
            "I2C0: address 0x40 not acknowledged (measuring: the result is not ready; \
             a no-hold read is NACKed until the conversion ends)",
            "25.00"
        ]
    );
}

#[test]
fn a_bme280_read_mid_conversion_gives_the_previous_result_with_measuring_set() {
    let board = Board::esp32().install();
    let bme = Bme280::new();
    board.attach_i2c(0, 0x76, bme.clone());
    let (seen, out) = logs();
    run_virtual_for(&board, 1.0, move || async move {
        let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 400_000);
        i2c.writeto_mem(0x76, 0xf2, &[0x01]).await.unwrap(); // humidity ×1
        i2c.writeto_mem(0x76, 0xf4, &[0b0010_0101]).await.unwrap(); // T ×1, P ×1, forced: 8 ms
        let hex = |b: Vec<u8>| b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ");
        let line = hex(i2c.readfrom_mem(0x76, 0xf3, 1).await.unwrap());
        out.borrow_mut().push(line);
        let line = hex(i2c.readfrom_mem(0x76, 0xf7, 8).await.unwrap());
        out.borrow_mut().push(line);
        sleep_ms(8).await;
        let line = hex(i2c.readfrom_mem(0x76, 0xf3, 1).await.unwrap());
        out.borrow_mut().push(line);
        let fresh = i2c.readfrom_mem(0x76, 0xf7, 8).await.unwrap();
        out.borrow_mut().push(format!("{}", fresh[0] != 0x80));
    });
    // measuring, the reset values (nothing converted yet); then done, fresh.
    assert_eq!(*seen.borrow(), ["08", "80 00 00 80 00 00 80 00", "00", "true"]);
}

#[test]
fn the_bme280_rs_driver_that_does_not_wait_reads_the_previous_sample() {
    // bme280-rs 0.4.1 polls bit 2 of the status register for `measuring`;
    // the datasheet has it in bit 3, so the driver reads straight away and
    // gets the shadowed, previous result: none at all the first time.
    let board = Board::esp32().install();
    board.attach_i2c(0, 0x76, Bme280::new());
    let (seen, out) = logs();
    run_virtual_for(&board, 2.0, move || async move {
        let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 400_000);
        let mut sensor = bme280_rs::AsyncBme280::new(i2c, Delay);
        sensor.init().await.unwrap();
        let one = bme280_rs::Oversampling::Oversample1;
        let config = bme280_rs::Configuration::default()
            .with_temperature_oversampling(one)
            .with_pressure_oversampling(one)
            .with_humidity_oversampling(one)
            .with_sensor_mode(bme280_rs::SensorMode::Forced);
        sensor.set_sampling_configuration(config).await.unwrap();
        sensor.take_forced_measurement().await.unwrap();
        let line = format!("{:?}", sensor.read_sample().await.unwrap().temperature);
        out.borrow_mut().push(line);
    });
    assert_eq!(*seen.borrow(), ["None"]);
}

#[test]
fn an_spi_transfer_without_chip_select_fails_and_is_recorded() {
    let board = Board::esp32().install();
    board.attach_spi(1, Some(5), Ssd1306::spi(16));
    let (seen, out) = logs();
    run_virtual_for(&board, 1.0, move || async move {
        let mut spi = Spi::new(1, 1_000_000, Pin::get(14), Pin::get(13), Pin::get(12));
        Pin::new(5, Pin::OUT).on(); // chip select left high
        let line = spi.write(&[0xaf]).await.unwrap_err().to_string();
        out.borrow_mut().push(line);
    });
    assert_eq!(
        *seen.borrow(),
        ["SPI1: transfer with no chip select low, so no device listens; drive the device's CS pin \
          low around the transfer, or use SpiDevice, which does"]
    );
    assert_eq!(board.trace().transactions[0].to_string(), "SPI1 write af ✗ no chip select low");
}

#[test]
fn two_selected_spi_devices_are_contention() {
    let board = Board::esp32().install();
    board.attach_spi(1, Some(5), Ssd1306::spi(16));
    board.attach_spi(1, Some(4), Ssd1306::spi(17));
    let (seen, out) = logs();
    run_virtual_for(&board, 1.0, move || async move {
        let mut spi = Spi::new(1, 1_000_000, Pin::get(14), Pin::get(13), Pin::get(12));
        let (a, b) = (Pin::new(5, Pin::OUT), Pin::new(4, Pin::OUT));
        a.off();
        b.off();
        let e = spi.write(&[0xaf]).await.unwrap_err();
        out.borrow_mut().push(format!("{e:?}"));
    });
    assert_eq!(*seen.borrow(), [r#"Contention { bus: "SPI1", selected: [5, 4] }"#]);
}

#[test]
fn two_tasks_on_one_spi_bus_take_turns_transaction_by_transaction() {
    let board = Board::esp32().install();
    board.attach_spi(2, Some(5), Ssd1306::spi(16));
    board.attach_spi(2, Some(4), Ssd1306::spi(17));
    run_virtual_for(&board, 1.0, || async {
        let spi = Spi::new(2, 1_000_000, Pin::get(18), Pin::get(23), Pin::get(19));
        for cs in [5, 4] {
            let mut device = SpiDevice::new(spi.clone(), Pin::new(cs, Pin::OUT));
            create_task(async move {
                for _ in 0..2 {
                    // Two writes in one transaction: 8 µs each, CS low throughout.
                    device
                        .transaction(&mut [
                            embedded_hal::spi::Operation::Write(&[cs; 1]),
                            embedded_hal::spi::Operation::Write(&[cs; 1]),
                        ])
                        .await
                        .unwrap();
                }
            });
        }
    });
    let trace = board.trace();
    let spans: Vec<(u64, u64, Option<u8>)> =
        trace.transactions.iter().map(|t| (t.start_us, t.end_us, t.target)).collect();
    assert_eq!(
        spans,
        [
            (0, 8, Some(5)),
            (8, 16, Some(5)),
            (16, 24, Some(4)),
            (24, 32, Some(4)),
            (32, 40, Some(5)),
            (40, 48, Some(5)),
            (48, 56, Some(4)),
            (56, 64, Some(4)),
        ]
    );
    // CS 5 low for its two transactions only.
    assert_eq!(trace.edges_of(5), [(0, true), (0, false), (16, true), (32, false), (48, true)]);
}

#[test]
fn a_blocking_transfer_while_a_task_holds_the_bus_is_refused() {
    let board = Board::esp32().install();
    board.attach_i2c(0, 0x76, Bme280::new());
    let (seen, out) = logs();
    run_virtual_for(&board, 1.0, move || async move {
        let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 100_000);
        let mut other = i2c.clone();
        create_task(async move {
            i2c.readfrom_mem(0x76, 0x88, 26).await.unwrap(); // 2.8 ms
        });
        sleep_ms(1).await;
        let e = embedded_hal::i2c::I2c::write(&mut other, 0x76, &[0xd0]).unwrap_err();
        out.borrow_mut().push(e.to_string());
    });
    assert_eq!(
        *seen.borrow(),
        ["I2C0 is in the middle of another task's transfer: a blocking transfer cannot wait; \
          use the async traits, or one task per bus"]
    );
}

#[test]
#[should_panic(expected = "Pin(21) is used by I2C(0) as SDA: a pin serves one peripheral at a time")]
fn a_pin_held_by_i2c_cannot_be_a_gpio() {
    Board::esp32().install();
    let _i2c = I2c::new(0, Pin::get(22), Pin::get(21), 400_000);
    Pin::new(21, Pin::OUT);
}

#[test]
#[should_panic(expected = "Pin(13) is used by SPI(1) as MOSI")]
fn a_clone_of_a_pin_given_to_spi_cannot_be_set() {
    Board::esp32().install();
    let mosi = Pin::new(13, Pin::OUT);
    let kept = mosi.clone();
    let _spi = Spi::new(1, 1_000_000, Pin::get(14), mosi, Pin::get(12));
    kept.on();
}

#[test]
fn a_uart_overrun_loses_the_bytes_past_the_fifo_and_counts_them() {
    let board = Board::esp32().install();
    board.at(0.1, |b| b.uart_send(1, &[b'x'; 100]));
    let (seen, out) = logs();
    run_virtual_for(&board, 1.0, move || async move {
        let uart = Uart::new(1, 115_200, Pin::get(4), Pin::get(5));
        uart.set_rxbuf(32);
        sleep_ms(200).await; // 100 bytes at 115200 baud: 8.7 ms, nobody reading
        out.borrow_mut().push(format!("any {} lost {}", uart.any(), uart.lost()));
        let got = uart.read(64).unwrap();
        out.borrow_mut().push(format!("read {} any {} lost {}", got.len(), uart.any(), uart.lost()));
    });
    assert_eq!(*seen.borrow(), ["any 32 lost 68", "read 32 any 0 lost 68"]);
}

#[test]
fn a_uart_loopback_echoes_at_the_baud_rate_through_embedded_io_async() {
    let board = Board::pico().install();
    board.attach_uart(0, Loopback::new());
    let (seen, out) = logs();
    run_virtual_for(&board, 1.0, move || async move {
        let mut uart = Uart::new(0, 9600, Pin::get(0), Pin::get(1));
        uart.write_all(b"ping\n").await.unwrap(); // 5 bytes: 5.2 ms
        out.borrow_mut().push(format!("sent at {} µs", uasyncio::now_us()));
        let mut buf = [0; 16];
        let mut got = Vec::new();
        while !got.ends_with(b"\n") {
            let n = embedded_io_async::Read::read(&mut uart, &mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        out.borrow_mut().push(format!("{:?} at {} µs", String::from_utf8(got).unwrap(), uasyncio::now_us()));
    });
    assert_eq!(*seen.borrow(), ["sent at 5209 µs", r#""ping\n" at 5209 µs"#]);
}

#[test]
fn a_console_collects_the_boards_lines_and_types_back() {
    let board = Board::esp32().install();
    let console = Console::new();
    board.attach_uart(2, console.clone());
    board.at(0.5, |b| b.uart_send(2, b"led on\n"));
    let (seen, out) = logs();
    run_virtual_for(&board, 1.0, move || async move {
        let mut uart = Uart::new(2, 115_200, Pin::get(17), Pin::get(16));
        uart.write_all(b"ready\r\n").await.unwrap();
        let mut line = Vec::new();
        let mut buf = [0; 8];
        while !line.ends_with(b"\n") {
            let n = embedded_io_async::Read::read(&mut uart, &mut buf).await.unwrap();
            line.extend_from_slice(&buf[..n]);
        }
        out.borrow_mut().push(String::from_utf8(line).unwrap());
    });
    assert_eq!(console.lines(), [(608, "ready".to_string())]);
    assert_eq!(*seen.borrow(), ["led on\n"]);
}

#[test]
fn an_absent_i2c_bus_and_a_busy_uart_id_say_what_exists() {
    Board::esp32().install();
    let e = std::panic::catch_unwind(|| I2c::new(2, Pin::get(22), Pin::get(21), 400_000)).unwrap_err();
    assert_eq!(e.downcast_ref::<String>().unwrap(), "I2C(2) doesn't exist: the board has I2C(0) and I2C(1)");
    let _uart = Uart::new(1, 9600, Pin::get(4), Pin::get(5));
    let e = std::panic::catch_unwind(|| Uart::new(1, 9600, Pin::get(25), Pin::get(26))).unwrap_err();
    assert_eq!(
        e.downcast_ref::<String>().unwrap(),
        "UART(1) is already set up: deinit() it first, or share the handle"
    );
    let _ = BusError::Busy { bus: "I2C0".into() };
}

/// One register read from a BME280 at 0.5 s and a wrong address at 1 s.
fn two_transactions() -> uasyncio_machine::trace::Trace {
    let board = Board::esp32().install();
    board.attach_i2c(0, 0x76, Bme280::new());
    run_virtual_for(&board, 2.0, || async {
        let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 100_000);
        sleep_ms(500).await;
        i2c.readfrom_mem(0x76, 0xd0, 1).await.unwrap();
        sleep_ms(500).await;
        i2c.readfrom(0x42, 1).await.unwrap_err();
    });
    board.trace()
}

#[test]
fn transactions_are_in_the_trace_with_their_times() {
    let trace = two_transactions();
    let seen: Vec<(u64, u64, String)> =
        trace.transactions_on("I2C0").iter().map(|t| (t.start_us, t.end_us, t.to_string())).collect();
    assert_eq!(
        seen,
        [
            (500_000, 500_390, "I2C0 0x76 write d0 · read 60".to_string()),
            (1_000_390, 1_000_500, "I2C0 0x42 ✗ NACK: no device at this address".to_string()),
        ]
    );
}

#[test]
fn the_vcd_has_a_string_lane_per_bus_with_each_transaction_then_idle() {
    let mut text = Vec::new();
    uasyncio_machine::vcd::to_vcd(&two_transactions(), &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    let code = text.lines().find_map(|l| l.strip_prefix("$var string 1 ")?.strip_suffix(" I2C0 $end")).unwrap();
    let changes = &text[text.find("#500000").unwrap()..];
    assert_eq!(
        changes,
        format!(
            "#500000\ns0x76_write_d0;_read_60 {code}\n#500390\nsidle {code}\n\
             #1000390\ns0x42_!_NACK:_no_device_at_this_address {code}\n#1000500\nsidle {code}\n#2000000\n"
        )
    );
}

#[test]
fn the_svg_draws_a_bus_lane_with_labelled_blocks() {
    let svg = uasyncio_machine::svg::to_svg(&two_transactions());
    assert!(svg.contains(r#"<g class="bus" data-name="I2C0">"#));
    assert!(svg.contains(">2 transactions</text>"));
    // The first block at 0.5 s of 2 s: x = 170 + 800 / 4; labelled, as the next is 0.5 s away.
    assert!(svg.contains(r#"<rect x="370.0" y="#), "{svg}");
    assert!(svg.contains(">0x76 write d0 · read 60</text>"));
    assert!(svg.contains(
        r##"fill="#ffcecb" stroke="#cf222e"><title>1.000390 0x42 ✗ NACK: no device at this address</title>"##
    ));
}

#[test]
fn two_tasks_on_one_i2c_bus_never_overlap_their_transactions() {
    let board = Board::esp32().install();
    board.attach_i2c(0, 0x76, Bme280::new());
    board.attach_i2c(0, 0x40, Htu21d::new());
    run_virtual_for(&board, 1.0, || async {
        let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 100_000);
        let other = i2c.clone();
        create_task(async move {
            for _ in 0..2 {
                i2c.readfrom_mem(0x76, 0x88, 26).await.unwrap(); // 264 clocks: 2.64 ms
            }
        });
        create_task(async move {
            for _ in 0..2 {
                other.writeto(0x40, &[0xe7]).await.unwrap(); // 20 clocks: 0.2 ms
            }
        });
    });
    let spans: Vec<(u64, u64, Option<u8>)> =
        board.trace().transactions.iter().map(|t| (t.start_us, t.end_us, t.target)).collect();
    // The lock hands the bus over in turn: each starts when the one before ends.
    assert_eq!(
        spans,
        [(0, 2_640, Some(0x76)), (2_640, 2_840, Some(0x40)), (2_840, 5_480, Some(0x76)), (5_480, 5_680, Some(0x40))]
    );
}

#[test]
fn an_htu21d_hold_master_read_stretches_the_clock_until_the_result_is_ready() {
    let board = Board::esp32().install();
    let htu = Htu21d::new();
    htu.set_humidity(61.0);
    board.attach_i2c(0, 0x40, htu);
    let (seen, out) = logs();
    run_virtual_for(&board, 1.0, move || async move {
        let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 100_000);
        i2c.writeto(0x40, &[0xe5]).await.unwrap(); // humidity, hold master: 16 ms; ends at 200 µs
        let raw = i2c.readfrom(0x40, 3).await.unwrap(); // waits, as SCL is held low
        let s = u16::from_be_bytes([raw[0], raw[1]]) & 0xfff0;
        let line = format!("{:.1} % at {} µs", -6.0 + 125.0 * f64::from(s) / 65536.0, uasyncio::now_us());
        out.borrow_mut().push(line);
    });
    // Address at 200 + 100 µs, then held until 16.2 ms, then 3 bytes and STOP: 280 µs.
    assert_eq!(*seen.borrow(), ["61.0 % at 16480 µs"]);
}
