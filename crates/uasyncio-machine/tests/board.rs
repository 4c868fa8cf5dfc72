//! The board model: levels, pulls, PWM and ADC scales, the trace.

use uasyncio_machine::trace::{SignalKind, Value};
use uasyncio_machine::{Adc, Board, BoardDesc, Echo, Pin, Pwm, run_virtual_for};

#[test]
fn presets_list_their_pins() {
    let esp32 = BoardDesc::esp32();
    assert_eq!(esp32.gpios.len(), 34);
    assert_eq!(esp32.adc, (32..=39).collect::<Vec<u8>>());
    assert_eq!(esp32.led, Some(2));
    let pico = BoardDesc::pico();
    assert_eq!(pico.gpios, (0..=29).collect::<Vec<u8>>());
    assert_eq!(pico.adc, [26, 27, 28, 29]);
    assert_eq!(pico.led, Some(25));
}

#[test]
fn a_button_reads_by_its_pull() {
    let board = Board::pico().install();
    let up = Pin::with_pull(14, Pin::IN, Pin::PULL_UP);
    let down = Pin::with_pull(15, Pin::IN, Pin::PULL_DOWN);
    let floating = Pin::new(16, Pin::IN);
    assert_eq!((up.value(), down.value(), floating.value()), (true, false, false));
    for gpio in [14, 15, 16] {
        board.press(gpio);
    }
    assert_eq!((up.value(), down.value(), floating.value()), (false, true, true));
    assert!(board.is_pressed(14));
    board.release(14);
    assert!(up.value());
}

#[test]
fn a_press_before_the_pin_is_configured_shows_once_it_is() {
    let board = Board::pico().install();
    board.press(15);
    let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    assert!(!button.value());
}

#[test]
fn an_outside_drive_overrides_a_button() {
    let board = Board::pico().install();
    let pin = Pin::with_pull(3, Pin::IN, Pin::PULL_UP);
    board.press(3);
    board.drive(3, Some(true));
    assert!(pin.value());
    board.drive(3, None);
    assert!(!pin.value());
}

#[test]
fn an_open_drain_output_lets_go_high_and_pulls_low() {
    let board = Board::esp32().install();
    let line = Pin::with_pull(4, Pin::OPEN_DRAIN, Pin::PULL_UP);
    line.on();
    assert!(line.value());
    board.drive(4, Some(false)); // another device holds the line low
    assert!(!line.value());
    board.drive(4, None);
    line.off();
    assert!(!line.value());
}

#[test]
fn an_output_keeps_its_level_when_reconfigured() {
    Board::esp32().install();
    Pin::new(13, Pin::OUT).on();
    assert!(Pin::new(13, Pin::OUT).value());
    assert!(Pin::get(13).value());
}

#[test]
fn integers_set_levels_as_in_micropython() {
    Board::esp32().install();
    let led = Pin::new(13, Pin::OUT);
    led.set_value(1);
    assert!(led.value());
    led.set_value(0);
    assert!(!led.value());
    led.high();
    assert!(led.value());
    led.low();
    assert!(!led.value());
}

#[test]
fn pwm_10_bit_and_16_bit_duties_are_one_setting() {
    let board = Board::esp32().install();
    let led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
    assert_eq!((led.freq(), led.duty(), led.duty_u16()), (5000, 0, 0));
    for duty in 0..=1023 {
        led.set_duty(duty);
        assert_eq!(led.duty(), duty);
    }
    assert_eq!(led.duty_u16(), 65535);
    led.set_duty_u16(32768);
    assert_eq!(led.duty(), 512);
    led.set_freq(1000);
    assert_eq!(led.freq(), 1000);
    assert_eq!(board.duty_u16(5), Some(32768));
    led.deinit();
    assert_eq!(board.duty_u16(5), None);
    assert_eq!(board.level(5), Some(false));
}

#[test]
fn a_pin_turned_into_pwm_is_one_pwm_signal() {
    let board = Board::esp32().install();
    let led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
    led.set_duty(1023);
    let trace = board.trace();
    assert_eq!(trace.signals.len(), 1);
    assert_eq!(trace.signals[0].kind, SignalKind::Pwm);
    assert_eq!(trace.changes_of(5), [(0, Value::Duty(0)), (0, Value::Duty(65535))]);
}

#[test]
fn a_pin_used_after_pwm_gets_a_second_signal() {
    let board = Board::esp32().install();
    let pwm = Pwm::new(Pin::new(5, Pin::OUT), 5000);
    pwm.set_duty(100);
    pwm.deinit();
    Pin::new(5, Pin::OUT).on();
    let names: Vec<_> = board.trace().signals.into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["GPIO5", "GPIO5_PIN"]);
}

#[test]
fn adc_attenuation_sets_the_full_scale() {
    let board = Board::esp32().install();
    let pot = Adc::new(Pin::new(36, Pin::IN));
    board.set_pot(36, 0.25); // 0.825 V
    assert_eq!(pot.read(), 3379); // 0 dB (default): 1.0 V full scale
    pot.atten(Adc::ATTN_6DB);
    assert_eq!(pot.read(), 1689);
    pot.atten(Adc::ATTN_11DB);
    assert_eq!(pot.read(), 1024);
    board.set_pot(36, 0.5);
    pot.atten(Adc::ATTN_0DB);
    assert_eq!(pot.read(), 4095); // saturated
    assert_eq!(pot.read_u16(), 65535);
    assert_eq!(pot.read_uv(), 1_000_000);
}

#[test]
fn the_picos_adc_reads_the_full_3v3() {
    let board = Board::pico().install();
    let pot = Adc::new(Pin::new(26, Pin::IN));
    for (fraction, expected) in [(0.0, 0), (0.5, 32768), (1.0, 65535)] {
        board.set_pot(26, fraction);
        assert_eq!(pot.read_u16(), expected);
    }
}

#[test]
fn live_inputs_are_timestamped_on_the_runtime_clock() {
    let board = Board::pico().install();
    run_virtual_for(&board, 1.0, || async {
        let _button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
        uasyncio::sleep_ms(250).await;
        Board::current().press(15);
        uasyncio::sleep_ms(100).await;
        Board::current().release(15);
    });
    let trace = board.trace();
    assert_eq!(
        trace.changes_of(15),
        [(0, Value::Level(true)), (250_000, Value::Level(false)), (350_000, Value::Level(true))]
    );
    assert_eq!(trace.end_us, 1_000_000);
}

#[test]
fn signals_show_current_values() {
    let board = Board::esp32().install();
    board.label(14, "red");
    Pin::new(14, Pin::OUT).on();
    Pwm::with_duty(Pin::new(5, Pin::OUT), 5000, 1023);
    Adc::new(Pin::new(36, Pin::IN));
    board.set_adc_u16(36, 1234);
    let signals: Vec<_> = board.signals().into_iter().map(|(info, value)| (info.name, value)).collect();
    assert_eq!(
        signals,
        [
            ("red".to_string(), Value::Level(true)),
            ("GPIO5".to_string(), Value::Duty(65535)),
            ("GPIO36".to_string(), Value::Analog(1234)),
        ]
    );
}

#[test]
fn writes_that_keep_the_level_are_not_changes() {
    let board = Board::esp32().install();
    let led = Pin::new(14, Pin::OUT);
    led.off();
    led.off();
    led.on();
    led.on();
    assert_eq!(board.trace().changes.len(), 2);
}

#[test]
fn the_console_records_printed_lines() {
    let board = Board::esp32().install();
    board.set_echo(Echo::Quiet);
    board.at(0.25, |b| b.print("tick"));
    run_virtual_for(&board, 0.5, || async {
        uasyncio_machine::println!("{} + {}", 1, 2);
    });
    assert_eq!(board.trace().lines, [(0, "1 + 2".to_string()), (250_000, "tick".to_string())]);
}

#[test]
fn boards_are_per_thread_and_installable() {
    let board = Board::pico().install();
    assert!(Board::current().same_as(&board));
    std::thread::spawn(|| assert_eq!(Board::current().desc().name, "ESP32")).join().unwrap();
    let other = Board::esp32().install();
    assert!(!Board::current().same_as(&board));
    assert!(Board::current().same_as(&other));
}

#[test]
fn a_pin_made_pwm_or_adc_later_is_one_signal() {
    let board = Board::esp32().install();
    board.set_pot(36, 0.5);
    run_virtual_for(&board, 1.0, || async {
        let led = Pin::new(5, Pin::OUT);
        let pot = Pin::new(36, Pin::IN);
        uasyncio::sleep_ms(100).await; // as on the real clock: time passes
        let led = Pwm::new(led, 5000);
        let pot = Adc::new(pot);
        pot.atten(Adc::ATTN_11DB);
        led.set_duty(pot.read() / 4);
    });
    let trace = board.trace();
    let signals: Vec<_> = trace.signals.iter().map(|s| (s.name.as_str(), s.kind)).collect();
    assert_eq!(signals, [("GPIO36", SignalKind::Analog), ("GPIO5", SignalKind::Pwm)]);
    assert_eq!(trace.changes_of(5), [(100_000, Value::Duty(0)), (100_000, Value::Duty(32800))]);
    assert_eq!(trace.changes_of(36), [(0, Value::Analog(32768))]);
    assert!(trace.changes.iter().all(|c| c.signal.0 < trace.signals.len()));
}
