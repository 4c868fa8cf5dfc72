//! Tutorial 5, coroutine basics: the printed timeline of
//! `examples/coroutine_basics.rs`.

use crate::examples::coroutine_basics;

use crate::common;

use common::lines_ms;
use uasyncio_machine::cli::{App, Options};
use uasyncio_machine::{Board, Ending, run_virtual_for};

#[test]
fn sequential_takes_3_s_concurrent_2_s_and_the_locked_counter_is_exact() {
    let board = Board::esp32().install();
    run_virtual_for(&board, 10.0, coroutine_basics::main_task);
    assert_eq!(
        lines_ms(&board.trace()),
        [
            (0, "answer() returned 42"),
            (0, "a: start"),
            (1000, "a: done after 1 s"),
            (1000, "b: start"),
            (3000, "b: done after 2 s"),
            (3000, "sequential: 3.0 s"),
            (3000, "a: start"),
            (3000, "b: start"),
            (4000, "a: done after 1 s"),
            (5000, "b: done after 2 s"),
            (5000, "concurrent: 2.0 s, results 1 and 2"),
            (5000, "counter: 300"),
        ]
    );
}

#[test]
fn run_from_the_command_line_it_ends_when_main_returns() {
    let options = Options { virtual_time: true, ..Options::default() };
    let trace = App::new(Board::esp32()).run_with(&options, Ending::MainReturns, coroutine_basics::main_task).unwrap();
    assert_eq!(trace.end_us, 5_000_000);
    assert_eq!(trace.printed().last(), Some(&"counter: 300"));
}

#[test]
fn the_svg_lays_out_printed_lines_close_in_time_in_rows_without_overlap() {
    let options = Options { virtual_time: true, ..Options::default() };
    let trace = App::new(Board::esp32()).run_with(&options, Ending::MainReturns, coroutine_basics::main_task).unwrap();
    let svg = uasyncio_machine::svg::to_svg(&trace);
    // (x, y, anchor, text) of each printed line's label.
    let labels: Vec<(f64, f64, &str, &str)> = svg
        .lines()
        .filter(|l| l.starts_with(r#"<text class="print""#))
        .map(|l| {
            let attr = |name: &str| l.split(&format!(" {name}=\"")).nth(1).unwrap().split('"').next().unwrap();
            let text = l.split('>').nth(1).unwrap().split("</text").next().unwrap();
            (attr("x").parse().unwrap(), attr("y").parse().unwrap(), attr("text-anchor"), text)
        })
        .collect();
    assert_eq!(labels.len(), 12, "every line has room: {labels:?}");
    // The four lines of 4 s and 5 s, near the right edge, end at their marker.
    assert_eq!(
        labels[8..],
        [
            (814.0, 56.0, "start", "a: done after 1 s"),
            (966.0, 72.0, "end", "b: done after 2 s"),
            (966.0, 88.0, "end", "concurrent: 2.0 s, results 1 and 2"),
            (966.0, 104.0, "end", "counter: 300"),
        ]
    );
    // No two labels of a row overlap (6.4 px a character, the SVG's estimate).
    let span = |&(x, _, anchor, text): &(f64, f64, &str, &str)| {
        let width = text.chars().count() as f64 * 6.4;
        if anchor == "end" { (x - width, x) } else { (x, x + width) }
    };
    for (i, a) in labels.iter().enumerate() {
        for b in &labels[i + 1..] {
            let ((a0, a1), (b0, b1)) = (span(a), span(b));
            assert!(a.1 != b.1 || a1 <= b0 || b1 <= a0, "{a:?} overlaps {b:?}");
        }
    }
}
