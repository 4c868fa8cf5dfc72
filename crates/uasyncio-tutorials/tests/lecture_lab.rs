//! The shared `lecture_lab` on the simulated board: the timeline the
//! firmware under QEMU is compared with (`firmware/expected/lecture_lab.txt`,
//! checked by `scripts/baremetal.sh`).

use uasyncio_machine::{Board, Pin, run_virtual_for};

/// The button (GPIO 27) is pressed at 12.01 s for 0.2 s; the run lasts 13 s.
const PRESS_SECS: f64 = 12.01;
const RUN_SECS: f64 = 13.0;

fn run() -> Board {
    let board = Board::esp32().install();
    board.press_at(27, PRESS_SECS, 0.2);
    run_virtual_for(&board, RUN_SECS, || {
        uasyncio_tutorials::lecture_lab(
            Pin::new(25, Pin::OUT),
            Pin::new(26, Pin::OUT),
            Pin::with_pull(27, Pin::IN, Pin::PULL_UP),
            |line| uasyncio_machine::println!("{line}"),
        )
    });
    board
}

/// The edges and printed lines as the firmware prints them, one signal after
/// the other: `<µs> us GPIO<n> <level>`, `<µs> us print <line>`.
fn timeline(board: &Board) -> String {
    let trace = board.trace();
    let mut out = String::new();
    for gpio in [25, 26] {
        for (t_us, level) in trace.edges_of(gpio) {
            out.push_str(&format!("{t_us} us GPIO{gpio} {}\n", u8::from(level)));
        }
    }
    for (t_us, line) in &trace.lines {
        out.push_str(&format!("{t_us} us print {line}\n"));
    }
    out
}

fn alternating(step: u64, last: u64) -> Vec<(u64, u8)> {
    (0..=last / step).map(|i| (i * step, u8::from(i % 2 == 0))).collect()
}

#[test]
fn the_shared_program_has_the_lecture_lab_example_timeline() {
    let trace = run().trace();
    let ms = |gpio| -> Vec<(u64, u8)> { trace.edges_of(gpio).iter().map(|&(t, l)| (t / 1000, u8::from(l))).collect() };
    // As `uasyncio-machine`'s tests/lecture_lab.rs pins for its example.
    assert_eq!(ms(26), alternating(250, 9750));
    let mut red = alternating(1000, 9000);
    red.extend([(10_000, 1), (12_020, 0)]);
    assert_eq!(ms(25), red);
    let lines: Vec<_> = trace.lines.iter().map(|(t, line)| (t / 1000, line.as_str())).collect();
    assert_eq!(lines, [(10_000, "part 2: press the button"), (12_020, "button pressed: LED off")]);
}

#[test]
fn the_firmware_expects_the_simulated_timeline() {
    let board = run();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../firmware/expected/lecture_lab.txt");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(path, timeline(&board)).unwrap();
    }
    assert_eq!(std::fs::read_to_string(path).unwrap(), timeline(&board));
}
