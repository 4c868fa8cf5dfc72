//! The debounced inputs on scripted real contacts: chattering presses,
//! long and double presses at their boundaries, a rotary encoder, a
//! potentiometer ramp; all on the virtual clock.

use crate::common;

use std::cell::Cell;
use std::rc::Rc;

use common::lines_ms;
use uasyncio::{DelayMs, create_task, sleep};
use uasyncio_machine::{
    self as machine, Aadc, AadcError, Adc, Board, ButtonConfig, EButton, ESwitch, Encoder, EncoderConfig, InputError,
    Pin, PinError, Polled, Pushbutton, Switch, run_virtual_for,
};

const BUTTON: u8 = 15;
/// A chatter of 3 ms: seven edges at each make and each break.
const CHATTER_MS: f64 = 3.0;

fn button_pin() -> Pin {
    Pin::with_pull(BUTTON, Pin::IN, Pin::PULL_UP)
}

/// Runs a `Pushbutton` with `config` for `secs`, logging what it reports.
fn pushbutton_log(board: &Board, secs: f64, config: ButtonConfig, long: bool, double: bool) {
    run_virtual_for(board, secs, move || async move {
        let button = Pushbutton::with_config(button_pin(), config);
        button.on_press(|| machine::println!("press"));
        button.on_release(|| machine::println!("release"));
        if long {
            button.on_long(|| machine::println!("long"));
        }
        if double {
            button.on_double(|| machine::println!("double"));
        }
        sleep(secs).await;
    });
}

// ---- bouncing contacts ----

#[test]
fn a_chattering_press_is_one_press_and_one_release() {
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.2, 0.3, CHATTER_MS);
    pushbutton_log(&board, 1.0, ButtonConfig::default(), false, false);
    let trace = board.trace();
    assert_eq!(trace.edges_of(BUTTON).len(), 14, "the contact chatters: 7 edges at the make, 7 at the break");
    assert_eq!(lines_ms(&trace), [(200, "press"), (500, "release")]);
}

#[test]
fn without_a_debounce_time_the_same_contact_reports_every_bounce() {
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.2, 0.3, CHATTER_MS);
    pushbutton_log(&board, 1.0, ButtonConfig { debounce_ms: 0, ..ButtonConfig::default() }, false, false);
    let trace = board.trace();
    assert_eq!(
        trace.printed().iter().filter(|l| **l == "press").count(),
        7,
        "4 makes at the press, 3 in the chatter of the release"
    );
}

#[test]
fn a_switch_reports_one_close_and_one_open_per_chattering_press() {
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.25, 0.5, 4.0);
    board.press_bouncing_at(BUTTON, 1.0, 0.06, 4.0);
    run_virtual_for(&board, 2.0, || async {
        let switch = Switch::new(button_pin());
        switch.on_close(|| machine::println!("close"));
        switch.on_open(|| machine::println!("open"));
        sleep(2).await;
    });
    assert_eq!(lines_ms(&board.trace()), [(250, "close"), (750, "open"), (1000, "close"), (1060, "open")]);
}

#[test]
fn a_switch_opened_within_the_debounce_time_is_seen_open_when_it_ends() {
    let board = Board::pico().install();
    board.press_at(BUTTON, 0.1, 0.02); // released after 20 ms, within the 50 ms
    run_virtual_for(&board, 1.0, || async {
        let switch = Switch::new(button_pin());
        switch.on_close(|| machine::println!("close"));
        switch.on_open(|| machine::println!("open"));
        sleep(1).await;
    });
    assert_eq!(lines_ms(&board.trace()), [(100, "close"), (150, "open")]);
}

#[test]
fn a_switch_events_wake_their_waiters() {
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.3, 0.2, CHATTER_MS);
    run_virtual_for(&board, 1.0, || async {
        let switch = Switch::new(button_pin());
        let (close, open) = (switch.close_event(), switch.open_event());
        close.wait().await;
        machine::println!("closed: {}", switch.is_closed());
        open.wait().await;
        machine::println!("open: {}", !switch.is_closed());
    });
    assert_eq!(lines_ms(&board.trace()), [(300, "closed: true"), (500, "open: true")]);
}

#[test]
fn an_eswitch_sets_its_events_once_per_chattering_change() {
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.1, 0.2, CHATTER_MS);
    board.press_bouncing_at(BUTTON, 0.6, 0.2, CHATTER_MS);
    run_virtual_for(&board, 1.0, || async {
        let switch = Rc::new(ESwitch::new(button_pin()));
        for close in [true, false] {
            let switch = switch.clone();
            create_task(async move {
                let event = if close { switch.close() } else { switch.open() };
                loop {
                    event.wait().await;
                    event.clear();
                    machine::println!("{}", if close { "close" } else { "open" });
                }
            });
        }
        sleep(1).await;
    });
    assert_eq!(lines_ms(&board.trace()), [(100, "close"), (300, "open"), (600, "close"), (800, "open")]);
}

#[test]
fn a_pin_sampled_every_50_ms_sees_changes_at_the_samples_as_the_original() {
    // Polled: what peterhinch's Pushbutton does with every pin.
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.205, 0.3, CHATTER_MS);
    run_virtual_for(&board, 1.0, || async {
        let button = Pushbutton::new(Polled::new(button_pin(), 50));
        button.on_press(|| machine::println!("press"));
        button.on_release(|| machine::println!("release"));
        sleep(1).await;
    });
    assert_eq!(lines_ms(&board.trace()), [(250, "press"), (550, "release")]);
}

// ---- long press and double click at their boundaries ----

#[test]
fn held_999_ms_is_not_a_long_press() {
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.1, 0.999, CHATTER_MS);
    pushbutton_log(&board, 2.0, ButtonConfig::default(), true, false);
    assert_eq!(lines_ms(&board.trace()), [(100, "press"), (1099, "release")]);
}

#[test]
fn held_1001_ms_is_a_long_press_reported_at_1000_ms() {
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.1, 1.001, CHATTER_MS);
    pushbutton_log(&board, 2.0, ButtonConfig::default(), true, false);
    assert_eq!(lines_ms(&board.trace()), [(100, "press"), (1100, "long"), (1101, "release")]);
}

#[test]
fn a_second_press_399_ms_after_the_first_is_a_double_click() {
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.1, 0.1, CHATTER_MS);
    board.press_bouncing_at(BUTTON, 0.499, 0.1, CHATTER_MS);
    pushbutton_log(&board, 1.5, ButtonConfig::default(), false, true);
    assert_eq!(
        lines_ms(&board.trace()),
        [(100, "press"), (200, "release"), (499, "press"), (499, "double"), (599, "release")]
    );
}

#[test]
fn a_second_press_401_ms_after_the_first_is_two_clicks() {
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.1, 0.1, CHATTER_MS);
    board.press_bouncing_at(BUTTON, 0.501, 0.1, CHATTER_MS);
    pushbutton_log(&board, 1.5, ButtonConfig::default(), false, true);
    assert_eq!(lines_ms(&board.trace()), [(100, "press"), (200, "release"), (501, "press"), (601, "release")]);
}

#[test]
fn suppress_reports_one_of_release_double_and_long_per_gesture() {
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.1, 0.1, CHATTER_MS); // a click
    board.press_bouncing_at(BUTTON, 1.0, 0.1, CHATTER_MS); // a double click
    board.press_bouncing_at(BUTTON, 1.3, 0.1, CHATTER_MS);
    board.press_bouncing_at(BUTTON, 2.0, 1.2, CHATTER_MS); // a long press
    pushbutton_log(&board, 4.0, ButtonConfig::suppressed(), true, true);
    assert_eq!(
        lines_ms(&board.trace()),
        [
            (100, "press"),
            (500, "release"), // once no second click came
            (1000, "press"),
            (1300, "press"),
            (1300, "double"),
            (2000, "press"),
            (3000, "long"),
        ]
    );
}

#[test]
fn suppress_without_a_double_function_reports_the_release_at_once() {
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.1, 0.1, CHATTER_MS);
    pushbutton_log(&board, 1.0, ButtonConfig::suppressed(), true, false);
    assert_eq!(lines_ms(&board.trace()), [(100, "press"), (200, "release")]);
}

#[test]
fn a_click_then_a_long_press_is_a_double_click_and_not_a_long_press() {
    // peterhinch's issue 101: the second press of a double click does not
    // start the long-press timer.
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.1, 0.1, CHATTER_MS);
    board.press_bouncing_at(BUTTON, 0.4, 1.5, CHATTER_MS);
    run_virtual_for(&board, 3.0, || async {
        let button = Pushbutton::new(button_pin());
        button.on_long(|| machine::println!("long"));
        button.on_double(|| machine::println!("double"));
        sleep(3).await;
    });
    assert_eq!(lines_ms(&board.trace()), [(400, "double")]);
}

#[test]
fn the_events_of_a_pushbutton_and_its_debounced_state() {
    let board = Board::pico().install();
    board.press_bouncing_at(BUTTON, 0.1, 1.5, CHATTER_MS);
    run_virtual_for(&board, 2.0, || async {
        let button = Pushbutton::new(button_pin());
        let (press, long, release) = (button.press_event(), button.long_event(), button.release_event());
        press.wait().await;
        machine::println!("pressed: {}", button.is_pressed());
        long.wait().await;
        machine::println!("long, still pressed: {}", button.is_pressed());
        release.wait().await;
        machine::println!("released: {}", !button.is_pressed());
    });
    assert_eq!(
        lines_ms(&board.trace()),
        [(100, "pressed: true"), (1100, "long, still pressed: true"), (1600, "released: true")]
    );
}

fn ebutton_log(board: &Board, config: ButtonConfig) {
    run_virtual_for(board, 5.0, move || async move {
        let button = Rc::new(EButton::try_with_config(button_pin(), config).unwrap());
        for name in ["press", "release", "double", "long"] {
            let button = button.clone();
            create_task(async move {
                let event = match name {
                    "press" => button.press(),
                    "release" => button.release(),
                    "double" => button.double(),
                    _ => button.long(),
                };
                loop {
                    event.wait().await;
                    event.clear();
                    machine::println!("{name}");
                }
            });
        }
        sleep(5).await;
    });
}

fn three_gestures(board: &Board) {
    board.press_bouncing_at(BUTTON, 0.1, 0.1, CHATTER_MS); // a click
    board.press_bouncing_at(BUTTON, 1.0, 0.1, CHATTER_MS); // a double click
    board.press_bouncing_at(BUTTON, 1.3, 0.1, CHATTER_MS);
    board.press_bouncing_at(BUTTON, 3.0, 1.2, CHATTER_MS); // a long press
}

#[test]
fn an_ebutton_sets_press_release_double_and_long() {
    let board = Board::pico().install();
    three_gestures(&board);
    ebutton_log(&board, ButtonConfig::default());
    assert_eq!(
        lines_ms(&board.trace()),
        [
            (100, "press"),
            (200, "release"),
            (1000, "press"),
            (1100, "release"),
            (1300, "press"),
            (1300, "double"),
            (1400, "release"),
            (3000, "press"),
            (4000, "long"),
            (4200, "release"),
        ]
    );
}

#[test]
fn a_suppressed_ebutton_reports_a_single_click_once_it_is_sure() {
    let board = Board::pico().install();
    three_gestures(&board);
    ebutton_log(&board, ButtonConfig::suppressed());
    assert_eq!(
        lines_ms(&board.trace()),
        [(500, "press"), (500, "release"), (1300, "double"), (1400, "release"), (4000, "long"), (4200, "release")]
    );
}

// ---- the rotary encoder ----

const X: u8 = 33;
const Y: u8 = 25;

fn encoder_log(board: &Board, secs: f64, config: EncoderConfig) {
    run_virtual_for(board, secs, move || async move {
        let x = Pin::with_pull(X, Pin::IN, Pin::PULL_UP);
        let y = Pin::with_pull(Y, Pin::IN, Pin::PULL_UP);
        let encoder = Encoder::with_config(x, y, config);
        encoder.on_change(|value, delta| machine::println!("{value} {delta}"));
        sleep(secs).await;
    });
}

#[test]
fn the_encoder_counts_each_edge_both_ways_and_reports_100_ms_after_motion_starts() {
    let board = Board::esp32().install();
    board.turn_encoder_at(X, Y, 1.0, 5, 0.01); // 1000 … 1040 ms
    board.turn_encoder_at(X, Y, 2.0, -8, 0.01);
    encoder_log(&board, 3.0, EncoderConfig::default());
    assert_eq!(lines_ms(&board.trace()), [(1100, "5 5"), (2100, "-3 -8")]);
}

#[test]
fn divided_by_4_the_encoder_counts_detents() {
    let board = Board::esp32().install();
    board.turn_encoder_at(X, Y, 0.5, 12, 0.005); // three detents
    board.turn_encoder_at(X, Y, 1.5, -4, 0.005); // one back
    encoder_log(&board, 2.0, EncoderConfig { div: 4, ..EncoderConfig::default() });
    assert_eq!(lines_ms(&board.trace()), [(600, "3 3"), (1600, "2 -1")]);
}

#[test]
fn encoder_test_a_dial_from_0_to_100_sticks_at_its_ends() {
    // peterhinch's encoder_test.py: Encoder(px, py, v=0, vmin=0, vmax=100,
    // callback=cb) printing `pos, delta`, turned by hand; here by script.
    let board = Board::esp32().install();
    board.turn_encoder_at(X, Y, 1.0, 5, 0.01);
    board.turn_encoder_at(X, Y, 2.0, -8, 0.01); // past 0: stays at 0
    board.turn_encoder_at(X, Y, 3.0, 3, 0.01); // moves at once when turned back
    board.turn_encoder_at(X, Y, 4.001, 150, 0.003); // a fast turn past 100
    encoder_log(&board, 6.0, EncoderConfig { min: Some(0), max: Some(100), ..EncoderConfig::default() });
    assert_eq!(
        lines_ms(&board.trace()),
        [(1100, "5 5"), (2100, "0 -5"), (3100, "3 3"), (4101, "37 34"), (4203, "71 34"), (4305, "100 29")]
    );
}

#[test]
fn modulo_wraps_the_value() {
    let board = Board::esp32().install();
    board.turn_encoder_at(X, Y, 0.5, 12, 0.002);
    board.turn_encoder_at(X, Y, 1.0, -5, 0.002);
    encoder_log(&board, 2.0, EncoderConfig { modulo: Some(10), ..EncoderConfig::default() });
    assert_eq!(lines_ms(&board.trace()), [(600, "2 2"), (1100, "7 5")]);
}

#[test]
fn awaiting_the_encoder_gives_each_new_value() {
    let board = Board::esp32().install();
    board.turn_encoder_at(X, Y, 0.2, 2, 0.001);
    board.turn_encoder_at(X, Y, 0.6, 3, 0.001);
    run_virtual_for(&board, 1.0, || async {
        let x = Pin::with_pull(X, Pin::IN, Pin::PULL_UP);
        let y = Pin::with_pull(Y, Pin::IN, Pin::PULL_UP);
        let encoder = Encoder::new(x, y);
        loop {
            let value = encoder.changed().await;
            machine::println!("value {value}");
        }
    });
    assert_eq!(lines_ms(&board.trace()), [(300, "value 2"), (700, "value 5")]);
}

#[test]
fn encoder_stop_reports_once_the_motion_has_stopped() {
    // peterhinch's encoder_stop.py: no delay in the encoder; its callback
    // retriggers a 400 ms Delay_ms whose callback prints the position and
    // the change summed since the last print.
    let board = Board::esp32().install();
    board.turn_encoder_at(X, Y, 1.0, 10, 0.05); // 1000 … 1450 ms
    board.turn_encoder_at(X, Y, 3.0, -3, 0.05); // 3000 … 3100 ms
    run_virtual_for(&board, 4.0, || async {
        let (pos, d) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let (p, dd) = (pos.clone(), d.clone());
        let tim = DelayMs::with_callback(400, move || {
            machine::println!("{} {}", p.get(), dd.get());
            dd.set(0);
        });
        let x = Pin::with_pull(X, Pin::IN, Pin::PULL_UP);
        let y = Pin::with_pull(Y, Pin::IN, Pin::PULL_UP);
        let encoder = Encoder::with_config(x, y, EncoderConfig { delay_ms: 0, ..EncoderConfig::default() });
        encoder.on_change(move |value, delta| {
            tim.trigger();
            pos.set(value);
            d.set(d.get() + delta);
        });
        sleep(4).await;
    });
    assert_eq!(lines_ms(&board.trace()), [(1850, "10 10"), (3500, "7 -3")]);
}

// ---- the asynchronous ADC ----

#[test]
fn adctest_a_sawtooth_waits_for_5000_then_reports_each_change_of_2000() {
    // peterhinch's adctest.py: a DAC ramps the ADC by 16 (on the u16 scale)
    // every 50 ms; the test waits until the reading is within 5000..=10000,
    // then reports every change of more than 2000.
    let board = Board::pico().install();
    for v in 0..600u16 {
        let at = f64::from(v) * 0.05;
        board.at(at, move |b| b.set_adc_u16(26, v << 4));
    }
    run_virtual_for(&board, 30.0, || async {
        let adc = Aadc::new(Adc::new(Pin::new(26, Pin::IN)));
        let value = adc.enter(5000, 10_000).await;
        machine::println!("Received {value} {}", adc.last().unwrap());
        loop {
            let value = adc.change(2000).await;
            machine::println!("Received {value} {}", adc.last().unwrap());
        }
    });
    assert_eq!(
        lines_ms(&board.trace()),
        [(15_650, "Received 5008 5008"), (21_950, "Received 7024 7024"), (28_250, "Received 9040 9040")]
    );
}

#[test]
fn leaving_a_band_either_way() {
    let board = Board::pico().install();
    board.set_pot_at(26, 0.0, 0.5);
    board.set_pot_at(26, 0.2, 0.55); // 36044: still within 30000..=40000
    board.set_pot_at(26, 0.3, 0.2); // 13107: below
    board.set_pot_at(26, 0.4, 0.5); // back within
    board.set_pot_at(26, 0.5, 0.9); // 58982: above
    run_virtual_for(&board, 1.0, || async {
        let adc = Aadc::new(Adc::new(Pin::new(26, Pin::IN)));
        for _ in 0..2 {
            let value = adc.leave(30_000, 40_000).await;
            machine::println!("left at {value}");
            adc.enter(30_000, 40_000).await;
        }
    });
    assert_eq!(lines_ms(&board.trace()), [(300, "left at 13107"), (500, "left at 58982")]);
}

// ---- bad input ----

/// The error of `Encoder::try_with_config` on pins 33 and 25 set up by
/// `setup`, with its message.
fn encoder_error(setup: fn() -> (Pin, Pin), config: EncoderConfig) -> (InputError, String) {
    let _board = Board::esp32().install();
    uasyncio::run_virtual(async move {
        let (x, y) = setup();
        let err = Encoder::try_with_config(x, y, config).expect_err("refused");
        let message = err.to_string();
        (err, message)
    })
}

fn inputs() -> (Pin, Pin) {
    (Pin::with_pull(X, Pin::IN, Pin::PULL_UP), Pin::with_pull(Y, Pin::IN, Pin::PULL_UP))
}

#[test]
fn an_encoder_pin_that_is_an_output_is_refused() {
    let (err, message) =
        encoder_error(|| (Pin::with_pull(X, Pin::IN, Pin::PULL_UP), Pin::new(Y, Pin::OUT)), EncoderConfig::default());
    assert_eq!(err, InputError::NotInput { gpio: Y, mode: Pin::OUT });
    assert_eq!(
        message,
        "Pin(25) is an output (Out): a switch, button or encoder reads an input, e.g. Pin::with_pull(25, Pin::IN, Pin::PULL_UP)"
    );
}

#[test]
fn an_encoder_pin_never_configured_is_refused() {
    let (err, message) =
        encoder_error(|| (Pin::get(X), Pin::with_pull(Y, Pin::IN, Pin::PULL_UP)), EncoderConfig::default());
    assert_eq!(err, InputError::Pin(PinError::NotConfigured(X)));
    assert!(message.contains("Pin(33) was never configured: give it a mode first"), "{message}");
}

#[test]
fn an_encoder_on_one_pin_twice_is_refused() {
    let (err, message) =
        encoder_error(|| (Pin::with_pull(X, Pin::IN, Pin::PULL_UP), Pin::get(X)), EncoderConfig::default());
    assert_eq!(err, InputError::SamePin(X));
    assert_eq!(message, "the encoder's two channels are both Pin(33): give it two different pins");
}

#[test]
fn encoder_options_that_cannot_work_are_refused() {
    let cases = [
        (EncoderConfig { div: 0, ..EncoderConfig::default() }, "an encoder's divisor must be 1 or more, not 0"),
        (
            EncoderConfig { modulo: Some(0), ..EncoderConfig::default() },
            "an encoder's modulo must be more than 0, not 0",
        ),
        (
            EncoderConfig { value: -1, min: Some(0), max: Some(100), ..EncoderConfig::default() },
            "an encoder's initial value -1 is outside its limits Some(0)..=Some(100): must have min <= value <= max",
        ),
    ];
    for (config, expected) in cases {
        let (err, message) = encoder_error(inputs, config);
        assert!(matches!(err, InputError::BadOption(_)));
        assert_eq!(message, expected);
    }
}

#[test]
#[should_panic(expected = "Pin(25) is an output (Out): a switch, button or encoder reads an input")]
fn a_pushbutton_on_the_led_panics_saying_so() {
    Board::pico().install();
    uasyncio::run_virtual(async {
        Pushbutton::new(Pin::new(25, Pin::OUT));
    });
}

#[test]
fn an_open_drain_pin_reads_its_contact_and_is_accepted() {
    let board = Board::pico().install();
    board.press_at(BUTTON, 0.1, 0.1);
    run_virtual_for(&board, 1.0, || async {
        let pin = Pin::with_pull(BUTTON, Pin::OPEN_DRAIN, Pin::PULL_UP);
        pin.on(); // let go: the pin reads the outside world
        let switch = Switch::new(pin);
        switch.on_close(|| machine::println!("close"));
        sleep(1).await;
    });
    assert_eq!(lines_ms(&board.trace()), [(100, "close")]);
}

#[test]
fn an_empty_adc_band_is_refused() {
    Board::pico().install();
    uasyncio::run_virtual(async {
        let adc = Aadc::new(Adc::new(Pin::new(26, Pin::IN)));
        assert_eq!(adc.try_leave(7000, 5000).await, Err(AadcError::Inverted { lower: 7000, upper: 5000 }));
        assert_eq!(adc.try_enter(1, 0).await, Err(AadcError::Inverted { lower: 1, upper: 0 }));
    });
}

#[test]
#[should_panic(expected = "AADC: the band 7000..=5000 is empty: its lower limit must not be above its upper")]
fn awaiting_an_empty_adc_band_panics_saying_so() {
    Board::pico().install();
    uasyncio::run_virtual(async {
        Aadc::new(Adc::new(Pin::new(26, Pin::IN))).leave(7000, 5000).await;
    });
}

#[test]
#[should_panic(expected = "a bouncing press must be held longer than it chatters: 0.002 s held, 3 ms of chatter")]
fn a_bouncing_press_shorter_than_its_chatter() {
    Board::pico().install().press_bouncing_at(BUTTON, 1.0, 0.002, 3.0);
}

#[test]
#[should_panic(expected = "an encoder's channels A and B must be two different pins, not both GPIO 33")]
fn a_scripted_encoder_on_one_pin() {
    Board::esp32().install().turn_encoder_at(X, X, 1.0, 4, 0.01);
}

#[test]
#[should_panic(expected = "invalid pin: 24")]
fn a_scripted_encoder_on_a_pin_the_board_lacks() {
    Board::esp32().install().turn_encoder_at(X, 24, 1.0, 4, 0.01);
}

#[test]
#[should_panic(expected = "an encoder's channels A and B must be two different pins, not both GPIO 33")]
fn wiring_an_encoder_to_one_pin() {
    Board::esp32().install().wire_encoder(X, X);
}

#[test]
#[should_panic(expected = "a contact's chatter must be 0 ms or more, not -1 ms")]
fn a_negative_chatter() {
    Board::pico().install().press_bouncing_at(BUTTON, 1.0, 0.1, -1.0);
}
