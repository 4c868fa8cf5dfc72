//! Tutorial 3, button and queue: the timeline of `examples/button_queue.rs`.
//!
//! The button is polled every 40 ms, restarting from each detected press, so
//! measured intervals are multiples of 40 ms.

use crate::examples::button_queue;

use crate::common;

use common::{alternating, edges_ms, lines_ms};
use uasyncio_machine::{Board, run_virtual_for};

fn press_every(board: &Board, first: f64, step: f64, count: usize) {
    for i in 0..count {
        board.press_at(15, first + step * i as f64, 0.1);
    }
}

#[test]
fn presses_720_ms_apart_print_720_and_the_led_toggles_every_720_ms() {
    let board = Board::pico().install();
    press_every(&board, 1.01, 0.72, 4); // 1.01, 1.73, 2.45, 3.17 s
    run_virtual_for(&board, 6.0, button_queue::main_task);
    let trace = board.trace();

    assert_eq!(lines_ms(&trace), [(1040, "1040"), (1760, "720"), (2480, "720"), (3200, "720")]);
    // The first delay (time since start) is used once, then 720 ms from the
    // queue, every toggle.
    let mut expected = vec![(1040, 1)];
    expected.extend(alternating(2080, 720, 6000, 0));
    assert_eq!(edges_ms(&trace, 25), expected);
}

#[test]
fn presses_700_ms_apart_are_measured_to_the_40_ms_poll() {
    let board = Board::pico().install();
    press_every(&board, 1.01, 0.70, 4); // 1.01, 1.71, 2.41, 3.11 s
    run_virtual_for(&board, 4.0, button_queue::main_task);
    assert_eq!(lines_ms(&board.trace()), [(1040, "1040"), (1720, "680"), (2440, "720"), (3120, "680")]);
}

#[test]
fn presses_3_s_apart_are_capped_at_2000() {
    let board = Board::pico().install();
    press_every(&board, 1.01, 3.0, 3); // 1.01, 4.01, 7.01 s
    run_virtual_for(&board, 10.0, button_queue::main_task);
    let trace = board.trace();
    assert_eq!(lines_ms(&trace), [(1040, "1040"), (4040, "2000"), (7040, "2000")]);
    assert_eq!(edges_ms(&trace, 25), [(1040, 1), (2080, 0), (3120, 1), (4160, 0), (6160, 1), (8160, 0)]);
}

#[test]
fn holding_the_button_counts_one_press() {
    let board = Board::pico().install();
    board.press_at(15, 0.51, 2.0);
    board.press_at(15, 3.01, 0.1);
    run_virtual_for(&board, 4.0, button_queue::main_task);
    assert_eq!(lines_ms(&board.trace()), [(520, "520"), (3040, "2000")]);
}

#[test]
fn the_button_is_active_low_on_its_pull_up() {
    let board = Board::pico().install();
    board.press_at(15, 1.0, 0.25);
    run_virtual_for(&board, 2.0, button_queue::main_task);
    assert_eq!(edges_ms(&board.trace(), 15), [(1000, 0), (1250, 1)]);
}
