//! Tutorial 5, coroutine basics: the printed timeline of
//! `examples/coroutine_basics.rs`.

#[path = "../examples/coroutine_basics.rs"]
mod coroutine_basics;

mod common;

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
