//! Tutorial 4, the lecture lab: the timeline of `examples/lecture_lab.rs`.

use crate::examples::lecture_lab;

use crate::common;

use common::{alternating, edges_ms, lines_ms};
use uasyncio_machine::{Board, run_virtual_for};

const RED: u8 = 25;
const GREEN: u8 = 26;
const BUTTON: u8 = 27;

#[test]
fn red_every_second_and_green_every_quarter_second_for_exactly_10_s() {
    let board = Board::esp32().install();
    board.press_at(BUTTON, 12.01, 0.2);
    run_virtual_for(&board, 13.0, lecture_lab::main_task);
    let trace = board.trace();

    // Part 1: ten red toggles (0 … 9 s), forty green ones (0 … 9.75 s), both
    // ending off; nothing at 10 s, where the blinkers are cancelled.
    assert_eq!(edges_ms(&trace, GREEN), alternating(0, 250, 9750, 1));
    let mut red = alternating(0, 1000, 9000, 1);
    // Part 2: the red LED is on until the button is pressed at 12.01 s, and
    // goes off at the next 20 ms poll.
    red.extend([(10_000, 1), (12_020, 0)]);
    assert_eq!(edges_ms(&trace, RED), red);
    assert_eq!(lines_ms(&trace), [(10_000, "part 2: press the button"), (12_020, "button pressed: LED off")]);
}

#[test]
fn the_led_goes_off_within_20_ms_of_the_press() {
    for press_ms in [10_500u64, 10_501, 10_519, 11_000, 11_007] {
        let board = Board::esp32().install();
        board.press_at(BUTTON, press_ms as f64 / 1000.0, 0.1);
        run_virtual_for(&board, 12.0, lecture_lab::main_task);
        let (off_ms, level) = *edges_ms(&board.trace(), RED).last().unwrap();
        assert_eq!(level, 0);
        assert!(off_ms >= press_ms && off_ms - press_ms <= 20, "pressed at {press_ms} ms, off at {off_ms} ms");
    }
}

#[test]
fn a_press_during_part_1_does_not_count() {
    let board = Board::esp32().install();
    board.press_at(BUTTON, 5.0, 0.2);
    run_virtual_for(&board, 15.0, lecture_lab::main_task);
    let trace = board.trace();
    assert_eq!(edges_ms(&trace, RED).last(), Some(&(10_000, 1)));
    assert_eq!(lines_ms(&trace), [(10_000, "part 2: press the button")]);
}

#[test]
fn the_svg_marks_the_press_at_the_run_s_last_instant() {
    use uasyncio_machine::Ending;
    use uasyncio_machine::cli::{App, Options};
    // The example's demo: the press at 12 s ends the run at 12 s.
    let options = Options { virtual_time: true, ..Options::default() };
    let trace = App::new(Board::esp32())
        .demo(|board| board.press_at(BUTTON, 12.0, 0.2))
        .default_duration(13.0)
        .run_with(&options, Ending::MainReturns, lecture_lab::main_task)
        .unwrap();
    assert_eq!(trace.end_us, 12_000_000);
    let svg = uasyncio_machine::svg::to_svg(&trace);
    let dots: Vec<&str> = svg.lines().filter(|l| l.starts_with(r#"<circle class="at-end""#)).collect();
    assert_eq!(dots.len(), 2, "{dots:?}"); // the button pressed, the red LED off
    for dot in dots {
        assert!(dot.contains(r#"cx="970.0""#) && dot.contains("<title>12.000 s: 0</title>"), "{dot}");
    }
}
