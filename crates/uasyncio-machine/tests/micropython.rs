//! The tutorials against MicroPython: each example's `main_task` runs here in
//! virtual time, and its Python twin (`tests/micropython/NAME.py`, the
//! tutorial as MicroPython runs it, on a stand-in `machine` that prints every
//! change) runs under the real MicroPython on the real clock. The pin
//! timelines and printed lines must agree: the same values in the same order,
//! at the same times within a tolerance for the real clock.
//!
//! MicroPython is looked for at `$MICROPYTHON`, then `<repo>/.venv/bin/micropython`
//! (`scripts/setup-micropython.sh` installs it), then on `PATH`;
//! `UASYNCIO_SKIP_DIFFERENTIAL=1` skips these tests, loudly.

use crate::examples::brightness;
use crate::examples::button_queue;
use crate::examples::coroutine_basics;
use crate::examples::lecture_lab;
use crate::examples::two_leds;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use uasyncio_machine::trace::{Trace, Value};
use uasyncio_machine::{Board, Echo};

/// A timeline: for each (gpio, kind) the values with their times in ms, and
/// the printed lines.
#[derive(Debug, Default)]
struct Timeline {
    lanes: BTreeMap<(u8, char), Vec<(u64, String)>>,
    lines: Vec<String>,
}

fn lane_value(value: Value) -> (char, String) {
    match value {
        Value::Level(level) => ('l', u8::from(level).to_string()),
        Value::Duty(d) => ('d', format!("d{d}")),
        Value::Analog(a) => ('a', format!("a{a}")),
    }
}

fn rust_timeline(trace: &Trace) -> Timeline {
    let mut timeline = Timeline::default();
    for change in &trace.changes {
        let (kind, value) = lane_value(change.value);
        let gpio = trace.signal(change.signal).gpio;
        timeline.lanes.entry((gpio, kind)).or_default().push((change.t_us / 1000, value));
    }
    timeline.lines = trace.lines.iter().map(|(_, l)| l.clone()).collect();
    timeline
}

/// Parses the twin's output: `@<ms> <gpio> <value>` lines are changes,
/// `@end` ends, anything else was printed by the program.
fn python_timeline(output: &str) -> Timeline {
    let mut timeline = Timeline::default();
    for line in output.lines() {
        let Some(event) = line.strip_prefix('@') else {
            timeline.lines.push(line.to_string());
            continue;
        };
        let fields: Vec<&str> = event.split(' ').collect();
        if fields[0] == "end" {
            continue;
        }
        let t: u64 = fields[0].parse().expect("a time in ms");
        let gpio: u8 = fields[1].parse().expect("a gpio");
        let value = fields[2].to_string();
        let kind = if value.starts_with(['a', 'd']) { value.as_bytes()[0] as char } else { 'l' };
        timeline.lanes.entry((gpio, kind)).or_default().push((t, value));
    }
    // As on the Rust board: a pin that only showed its configuration level
    // before becoming PWM or ADC has no digital lane.
    let retyped: Vec<u8> = timeline.lanes.keys().filter(|(_, k)| *k != 'l').map(|(g, _)| *g).collect();
    for gpio in retyped {
        if timeline.lanes.get(&(gpio, 'l')).is_some_and(|lane| lane.len() == 1) {
            timeline.lanes.remove(&(gpio, 'l'));
        }
    }
    timeline
}

/// Runs `tests/micropython/<name>.py`; `None` when skipped.
fn run_twin(name: &str) -> Option<String> {
    if micropython_oracle::skipped() {
        eprintln!("SKIPPED: {name} not compared with MicroPython ({}=1)", micropython_oracle::SKIP_VARIABLE);
        return None;
    }
    let micropython = micropython_oracle::find_or_install().unwrap_or_else(|e| panic!("{e}"));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/micropython");
    let output = Command::new(&micropython)
        .arg(format!("{name}.py"))
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", micropython.display()));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{name}.py failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    Some(stdout)
}

/// Compares the two timelines up to `until_ms`: the same values in the same
/// order; each interval between two changes of a lane the same within
/// `tolerance_ms`, and each time within `tolerance_ms` plus 2 % for the real
/// clock's drift; `numbers_within` lets printed integers differ by that much.
fn compare(
    rust: &Timeline,
    python: &Timeline,
    until_ms: u64,
    tolerance_ms: u64,
    numbers_within: u64,
) -> Result<(), String> {
    let keys = |t: &Timeline| t.lanes.keys().copied().collect::<Vec<_>>();
    if keys(rust) != keys(python) {
        return Err(format!("lanes {:?} vs {:?}", keys(rust), keys(python)));
    }
    for (key, lane) in &rust.lanes {
        let ours: Vec<_> = lane.iter().filter(|(t, _)| *t < until_ms).collect();
        let theirs: Vec<_> = python.lanes[key].iter().filter(|(t, _)| *t < until_ms).collect();
        let values = |l: &[&(u64, String)]| l.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>();
        if values(&ours) != values(&theirs) {
            return Err(format!("GPIO{} ({}): {:?} vs {:?}", key.0, key.1, values(&ours), values(&theirs)));
        }
        let mut previous = (0, 0);
        for (a, b) in ours.iter().zip(&theirs) {
            let interval = (a.0 - previous.0).abs_diff(b.0.saturating_sub(previous.1));
            if a.0.abs_diff(b.0) > tolerance_ms + a.0 / 50 || interval > tolerance_ms {
                return Err(format!("GPIO{} -> {} at {} ms here, {} ms in MicroPython", key.0, a.1, a.0, b.0));
            }
            previous = (a.0, b.0);
        }
    }
    if rust.lines.len() != python.lines.len() {
        return Err(format!("printed {:?} vs {:?}", rust.lines, python.lines));
    }
    for (ours, theirs) in rust.lines.iter().zip(&python.lines) {
        let same = match (ours.parse::<u64>(), theirs.parse::<u64>()) {
            (Ok(a), Ok(b)) => a.abs_diff(b) <= numbers_within,
            _ => ours == theirs,
        };
        if !same {
            return Err(format!("printed {ours:?} vs {theirs:?}"));
        }
    }
    Ok(())
}

/// Runs the twin and compares, up to three times: the real clock can come
/// out late on a busy machine.
fn assert_matches(name: &str, rust: &Timeline, until_ms: u64, tolerance_ms: u64, numbers_within: u64) {
    let mut failures = Vec::new();
    for _ in 0..3 {
        let Some(output) = run_twin(name) else { return };
        match compare(rust, &python_timeline(&output), until_ms, tolerance_ms, numbers_within) {
            Ok(()) => return,
            Err(e) => failures.push(e),
        }
    }
    panic!("{name} differs from MicroPython:\n{}", failures.join("\n"));
}

/// Runs `main` on `board` for `secs` of virtual time, quietly.
fn rust_run<F, Fut>(board: Board, secs: f64, main: F) -> Timeline
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let board = board.install();
    board.set_echo(Echo::Quiet);
    uasyncio_machine::run_virtual_for(&board, secs, main);
    rust_timeline(&board.trace())
}

#[test]
fn two_leds_matches_micropython() {
    let rust = rust_run(Board::esp32(), 3.0, two_leds::main_task);
    assert_matches("two_leds", &rust, 2950, 30, 0);
}

#[test]
fn brightness_matches_micropython() {
    let board = Board::esp32();
    board.set_pot_at(36, 0.0, 0.0);
    board.set_pot_at(36, 1.55, 0.5);
    board.set_pot_at(36, 2.45, 1.0);
    let rust = rust_run(board, 3.5, brightness::main_task);
    assert_matches("brightness", &rust, 3450, 30, 0);
}

#[test]
fn button_queue_matches_micropython() {
    let board = Board::pico();
    for i in 0..4 {
        board.press_at(15, 1.02 + 0.72 * f64::from(i), 0.1);
    }
    let rust = rust_run(board, 4.2, button_queue::main_task);
    // A press is seen at the next 40 ms poll on either side.
    assert_matches("button_queue", &rust, 4150, 45, 45);
}

#[test]
fn lecture_lab_matches_micropython() {
    let board = Board::esp32();
    board.press_at(27, 12.01, 0.2);
    let rust = rust_run(board, 12.5, lecture_lab::main_task);
    // The Python program ends with its main task, once the LED is off.
    assert_matches("lecture_lab", &rust, 12_100, 30, 0);
}

#[test]
fn coroutine_basics_matches_micropython() {
    let rust = rust_run(Board::esp32(), 6.0, coroutine_basics::main_task);
    assert_matches("coroutine_basics", &rust, 5950, 30, 0);
}
