//! Tutorial 3 with a `Pushbutton`: the timeline of `examples/button_debounced.rs`.
//!
//! Each press is seen the moment its contact makes, so the intervals are
//! the presses' own (`button_queue`, polling every 40 ms, measures them to
//! the poll), and a chattering contact is one press.

use crate::examples::button_debounced;

use crate::common;

use common::{alternating, edges_ms, lines_ms};
use uasyncio_machine::{Board, run_virtual_for};

fn press_every(board: &Board, first: f64, step: f64, count: usize) {
    for i in 0..count {
        board.press_bouncing_at(15, first + step * i as f64, 0.1, 3.0);
    }
}

#[test]
fn presses_720_ms_apart_print_720_and_the_led_toggles_every_720_ms() {
    let board = Board::pico().install();
    press_every(&board, 1.01, 0.72, 4); // 1.01, 1.73, 2.45, 3.17 s
    run_virtual_for(&board, 6.0, button_debounced::main_task);
    let trace = board.trace();

    assert_eq!(lines_ms(&trace), [(1010, "1010"), (1730, "720"), (2450, "720"), (3170, "720")]);
    let mut expected = vec![(1010, 1)];
    expected.extend(alternating(2020, 720, 6000, 0));
    assert_eq!(edges_ms(&trace, 25), expected);
}

#[test]
fn presses_700_ms_apart_are_measured_exactly() {
    let board = Board::pico().install();
    press_every(&board, 1.01, 0.70, 4); // polled every 40 ms: 680, 720, 680
    run_virtual_for(&board, 4.0, button_debounced::main_task);
    assert_eq!(lines_ms(&board.trace()), [(1010, "1010"), (1710, "700"), (2410, "700"), (3110, "700")]);
}

#[test]
fn a_contact_chattering_for_5_ms_is_one_press() {
    let board = Board::pico().install();
    board.press_bouncing_at(15, 1.0, 0.2, 5.0);
    board.press_bouncing_at(15, 1.5, 0.2, 5.0);
    run_virtual_for(&board, 2.0, button_debounced::main_task);
    let trace = board.trace();
    assert_eq!(trace.edges_of(15).len(), 4 * 11, "each make and break chatters: 11 edges");
    assert_eq!(lines_ms(&trace), [(1000, "1000"), (1500, "500")]);
}

#[test]
fn holding_the_button_counts_one_press_and_long_gaps_are_capped_at_2000() {
    let board = Board::pico().install();
    board.press_bouncing_at(15, 0.51, 2.0, 3.0);
    board.press_bouncing_at(15, 3.01, 0.1, 3.0);
    run_virtual_for(&board, 4.0, button_debounced::main_task);
    assert_eq!(lines_ms(&board.trace()), [(510, "510"), (3010, "2000")]);
}
