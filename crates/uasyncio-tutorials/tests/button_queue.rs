//! The shared `button_queue` on the simulated board: the timeline the
//! firmware under QEMU is compared with (`firmware/expected/button_queue.txt`,
//! checked by `scripts/baremetal.sh`).

use uasyncio_machine::{Board, Pin, run_virtual_for};

/// Presses 720 ms apart from 1.01 s, 0.1 s each; the run lasts 4.5 s.
const PRESSES: [f64; 4] = [1.01, 1.73, 2.45, 3.17];
const RUN_SECS: f64 = 4.5;

fn run() -> Board {
    let board = Board::pico().install();
    for at in PRESSES {
        board.press_at(15, at, 0.1);
    }
    run_virtual_for(&board, RUN_SECS, || {
        uasyncio_tutorials::button_queue(Pin::new(25, Pin::OUT), Pin::with_pull(15, Pin::IN, Pin::PULL_UP), |line| {
            uasyncio_machine::println!("{line}")
        })
    });
    board
}

/// `<µs> us GPIO25 <level>` then `<µs> us print <line>`, as the firmware
/// prints them.
fn timeline(board: &Board) -> String {
    let trace = board.trace();
    let mut out = String::new();
    for (t_us, level) in trace.edges_of(25) {
        out.push_str(&format!("{t_us} us GPIO25 {}\n", u8::from(level)));
    }
    for (t_us, line) in &trace.lines {
        out.push_str(&format!("{t_us} us print {line}\n"));
    }
    out
}

#[test]
fn the_shared_program_has_the_button_queue_example_timeline() {
    let trace = run().trace();
    let lines: Vec<_> = trace.lines.iter().map(|(t, line)| (t / 1000, line.as_str())).collect();
    // As `uasyncio-machine`'s tests/button_queue.rs pins for its example.
    assert_eq!(lines, [(1040, "1040"), (1760, "720"), (2480, "720"), (3200, "720")]);
    let edges: Vec<_> = trace.edges_of(25).iter().map(|&(t, l)| (t / 1000, u8::from(l))).collect();
    assert_eq!(edges, [(1040, 1), (2080, 0), (2800, 1), (3520, 0), (4240, 1)]);
}

#[test]
fn the_firmware_expects_the_simulated_timeline() {
    let board = run();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../firmware/expected/button_queue.txt");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(path, timeline(&board)).unwrap();
    }
    assert_eq!(std::fs::read_to_string(path).unwrap(), timeline(&board));
}
