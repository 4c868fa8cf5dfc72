//! Tutorial 1, two LEDs: the timeline of `examples/two_leds.rs`.

use crate::examples::two_leds;

use crate::common;

use common::{alternating, edges_ms};
use uasyncio_machine::cli::{App, Options};
use uasyncio_machine::trace::{SignalKind, Value};
use uasyncio_machine::{Board, Ending, run_virtual_for};

#[test]
fn green_toggles_every_half_second_and_blue_every_second() {
    let board = Board::esp32().install();
    run_virtual_for(&board, 10.0, two_leds::main_task);
    let trace = board.trace();

    // Both switch on at once, then the green LED changes at 0.5, 1.0, 1.5 … s
    // and the blue one at 1, 2, 3 … s, up to and including 10 s.
    assert_eq!(edges_ms(&trace, 14), alternating(0, 500, 10_000, 1));
    assert_eq!(edges_ms(&trace, 12), alternating(0, 1000, 10_000, 1));
    assert_eq!(edges_ms(&trace, 14).len(), 21);
    assert_eq!(edges_ms(&trace, 12).len(), 11);
    assert_eq!(trace.end_us, 10_000_000);
}

#[test]
fn each_led_is_one_digital_signal_starting_low() {
    let board = Board::esp32().install();
    run_virtual_for(&board, 1.0, two_leds::main_task);
    let trace = board.trace();
    let signals: Vec<_> = trace.signals.iter().map(|s| (s.name.as_str(), s.gpio, s.kind)).collect();
    assert_eq!(signals, [("GPIO14", 14, SignalKind::Digital), ("GPIO12", 12, SignalKind::Digital)]);
    assert_eq!(
        trace.changes_of(12),
        [(0, Value::Level(false)), (0, Value::Level(true)), (1_000_000, Value::Level(false))]
    );
    assert!(trace.lines.is_empty());
}

#[test]
fn the_command_line_runner_gives_the_same_timeline() {
    let options = Options { virtual_time: true, duration: Some(2.0), ..Options::default() };
    let board = Board::esp32();
    board.label(14, "green");
    let trace = App::new(board).run_with(&options, Ending::Forever, two_leds::main_task).unwrap();
    assert_eq!(trace.signals[0].name, "green");
    assert_eq!(edges_ms(&trace, 14), alternating(0, 500, 2000, 1));
    assert_eq!(edges_ms(&trace, 12), alternating(0, 1000, 2000, 1));
}
