//! Tutorial 5, coroutine basics: the printed timeline of
//! `examples/coroutine_basics.rs`.

#[path = "../examples/coroutine_basics.rs"]
mod coroutine_basics;

mod common;

use common::lines_ms;
use uasyncio_machine::{Board, run_virtual_for};

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
