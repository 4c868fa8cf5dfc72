//! Tutorial 4 with a `Switch`: the timeline of `examples/lecture_lab_switch.rs`.

use crate::examples::lecture_lab_switch;

use crate::common;

use common::{alternating, edges_ms, lines_ms};
use uasyncio_machine::{Board, run_virtual_for};

const RED: u8 = 25;
const GREEN: u8 = 26;
const BUTTON: u8 = 27;

#[test]
fn part_1_as_the_lecture_lab_and_the_led_off_at_the_press() {
    let board = Board::esp32().install();
    board.press_bouncing_at(BUTTON, 12.01, 0.2, 3.0);
    run_virtual_for(&board, 13.0, lecture_lab_switch::main_task);
    let trace = board.trace();
    assert_eq!(edges_ms(&trace, GREEN), alternating(0, 250, 9750, 1));
    let mut red = alternating(0, 1000, 9000, 1);
    red.extend([(10_000, 1), (12_010, 0)]);
    assert_eq!(edges_ms(&trace, RED), red);
    assert_eq!(lines_ms(&trace), [(10_000, "part 2: press the button"), (12_010, "button pressed: LED off")]);
}

#[test]
fn the_led_goes_off_the_moment_the_contact_makes() {
    // The polling lecture_lab takes up to 20 ms.
    for press_ms in [10_500u64, 10_501, 10_519, 11_000, 11_007] {
        let board = Board::esp32().install();
        board.press_bouncing_at(BUTTON, press_ms as f64 / 1000.0, 0.1, 3.0);
        run_virtual_for(&board, 12.0, lecture_lab_switch::main_task);
        assert_eq!(edges_ms(&board.trace(), RED).last(), Some(&(press_ms, 0)));
    }
}

#[test]
fn a_press_during_part_1_does_not_count() {
    let board = Board::esp32().install();
    board.press_bouncing_at(BUTTON, 5.0, 0.2, 3.0);
    run_virtual_for(&board, 15.0, lecture_lab_switch::main_task);
    let trace = board.trace();
    assert_eq!(edges_ms(&trace, RED).last(), Some(&(10_000, 1)));
    assert_eq!(lines_ms(&trace), [(10_000, "part 2: press the button")]);
}

#[test]
fn a_button_held_since_part_1_counts_when_it_is_pressed_again() {
    // The switch starts closed: only a new close turns the LED off (the
    // polling lecture_lab would turn it off at its first poll).
    let board = Board::esp32().install();
    board.press_at(BUTTON, 9.0, 2.0); // held 9 … 11 s
    board.press_at(BUTTON, 11.5, 0.1);
    run_virtual_for(&board, 12.0, lecture_lab_switch::main_task);
    assert_eq!(edges_ms(&board.trace(), RED).last(), Some(&(11_500, 0)));
}
