//! Tutorial 2, blink with brightness control: the timeline of
//! `examples/brightness.rs`.

use crate::examples::brightness;

use crate::common;

use common::{duties_ms, edges_ms};
use uasyncio_machine::trace::{SignalKind, Value};
use uasyncio_machine::{Board, run_virtual_for};

#[test]
fn on_phase_duty_follows_the_pot_at_0_50_and_100_percent() {
    let board = Board::esp32().install();
    board.set_pot_at(36, 0.0, 0.0);
    board.set_pot_at(36, 1.55, 0.5); // during an off phase
    board.set_pot_at(36, 2.45, 1.0); // during an on phase
    run_virtual_for(&board, 6.0, brightness::main_task);
    let trace = board.trace();

    assert_eq!(
        duties_ms(&trace, 5),
        [
            (0, 0),       // configured off; the first on phase has the pot at 0 %
            (2000, 511),  // on at 50 %, read at 1.6 s
            (2500, 1023), // pot at 100 % at 2.45 s, read at 2.5 s: within 100 ms
            (3000, 0),
            (4000, 1023),
            (5000, 0),
            (6000, 1023),
        ]
    );
}

#[test]
fn a_pot_move_shows_within_100_ms_while_the_led_is_on() {
    let board = Board::esp32().install();
    board.set_pot_at(36, 0.0, 1.0);
    board.set_pot_at(36, 0.301, 0.5);
    run_virtual_for(&board, 1.0, brightness::main_task);
    assert_eq!(duties_ms(&board.trace(), 5), [(0, 0), (0, 1023), (400, 511), (1000, 0)]);
}

#[test]
fn the_pot_and_the_led_are_recorded_as_analog_and_pwm_signals() {
    let board = Board::esp32().install();
    board.set_pot_at(36, 0.5, 0.5);
    run_virtual_for(&board, 1.0, brightness::main_task);
    let trace = board.trace();
    let kinds: Vec<_> = trace.signals.iter().map(|s| (s.gpio, s.kind)).collect();
    assert_eq!(kinds, [(5, SignalKind::Pwm), (36, SignalKind::Analog)]);
    assert_eq!(trace.changes_of(36), [(0, Value::Analog(0)), (500_000, Value::Analog(32768))]);
    // A PWM pin has no level edges.
    assert!(edges_ms(&trace, 5).is_empty());
}
