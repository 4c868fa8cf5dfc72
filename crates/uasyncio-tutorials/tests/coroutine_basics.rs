//! The shared `coroutine_basics` on the simulated board: the printed
//! timeline the firmware under QEMU is compared with
//! (`firmware/expected/coroutine_basics.txt`, checked by
//! `scripts/baremetal.sh`).

use uasyncio_machine::{Board, run_virtual_for};

fn run() -> Board {
    let board = Board::esp32().install();
    run_virtual_for(&board, 6.0, || uasyncio_tutorials::coroutine_basics(|line| uasyncio_machine::println!("{line}")));
    board
}

/// `<µs> us print <line>`, as the firmware prints them.
fn timeline(board: &Board) -> String {
    board.trace().lines.iter().map(|(t_us, line)| format!("{t_us} us print {line}\n")).collect()
}

#[test]
fn the_shared_program_has_the_coroutine_basics_example_timeline() {
    let trace = run().trace();
    let lines: Vec<_> = trace.lines.iter().map(|(t, line)| (t / 1000, line.as_str())).collect();
    // As `uasyncio-machine`'s tests/coroutine_basics.rs pins for its example.
    assert_eq!(
        lines,
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
fn the_firmware_expects_the_simulated_timeline() {
    let board = run();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../firmware/expected/coroutine_basics.txt");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(path, timeline(&board)).unwrap();
    }
    assert_eq!(std::fs::read_to_string(path).unwrap(), timeline(&board));
}
