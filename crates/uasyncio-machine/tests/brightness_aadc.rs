//! Tutorial 2 with an asynchronous ADC: the timeline of
//! `examples/brightness_aadc.rs`.

use crate::examples::brightness_aadc;

use crate::common;

use common::duties_ms;
use uasyncio_machine::{Board, run_virtual_for};

#[test]
fn on_phase_duty_follows_the_pot_at_0_50_and_100_percent() {
    let board = Board::esp32().install();
    board.set_pot_at(36, 0.0, 0.0);
    board.set_pot_at(36, 1.55, 0.5); // during an off phase
    board.set_pot_at(36, 2.45, 1.0); // during an on phase
    run_virtual_for(&board, 6.0, brightness_aadc::main_task);
    assert_eq!(
        duties_ms(&board.trace(), 5),
        [
            (0, 0),
            (2000, 511),  // on at 50 %
            (2450, 1023), // the pot at 100 %: at once (brightness reads every 100 ms)
            (3000, 0),
            (4000, 1023),
            (5000, 0),
            (6000, 1023),
        ]
    );
}

#[test]
fn a_pot_move_shows_at_once_while_the_led_is_on() {
    let board = Board::esp32().install();
    board.set_pot_at(36, 0.0, 1.0);
    board.set_pot_at(36, 0.301, 0.5);
    run_virtual_for(&board, 1.0, brightness_aadc::main_task);
    assert_eq!(duties_ms(&board.trace(), 5), [(0, 0), (0, 1023), (301, 511), (1000, 0)]);
}

#[test]
fn a_move_smaller_than_a_step_of_the_duty_is_not_acted_on() {
    let board = Board::esp32().install();
    board.set_pot_at(36, 0.0, 0.5); // 32768
    board.at(0.2, |b| b.set_adc_u16(36, 32768 + 64)); // within the step
    board.at(0.4, |b| b.set_adc_u16(36, 32768 + 65)); // past it
    run_virtual_for(&board, 1.0, brightness_aadc::main_task);
    // 32833 >> 4 = 2052: duty 512.
    assert_eq!(duties_ms(&board.trace(), 5), [(0, 0), (0, 511), (400, 512), (1000, 0)]);
}
