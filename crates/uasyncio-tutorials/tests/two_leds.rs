//! The shared `two_leds` on the simulated board: the timeline the firmware
//! under QEMU is compared with (`firmware/expected/two_leds.txt`, checked by
//! `scripts/baremetal.sh`).

use uasyncio_machine::{Board, Pin, run_virtual_for};

/// How long the firmware runs the program: every edge up to 5 s, none after.
const RUN_SECS: f64 = 5.25;

/// The edges as the firmware prints them: `<µs> us GPIO<n> <level>`, one pin
/// after the other (the two pins' edges at the same instant may come in
/// either order on real time, so the comparison is per pin).
fn timeline(board: &Board) -> String {
    let trace = board.trace();
    let mut out = String::new();
    for gpio in [14, 12] {
        for (t_us, level) in trace.edges_of(gpio) {
            out.push_str(&format!("{t_us} us GPIO{gpio} {}\n", u8::from(level)));
        }
    }
    out
}

#[test]
fn the_shared_program_blinks_green_every_half_second_and_blue_every_second() {
    let board = Board::esp32().install();
    run_virtual_for(&board, RUN_SECS, || uasyncio_tutorials::two_leds(Pin::new(14, Pin::OUT), Pin::new(12, Pin::OUT)));
    let trace = board.trace();
    let green: Vec<_> = trace.edges_of(14).iter().map(|&(t, l)| (t / 1000, u8::from(l))).collect();
    let blue: Vec<_> = trace.edges_of(12).iter().map(|&(t, l)| (t / 1000, u8::from(l))).collect();
    let expected =
        |period: u64| -> Vec<(u64, u8)> { (0..=5000 / period).map(|i| (i * period, u8::from(i % 2 == 0))).collect() };
    assert_eq!(green, expected(500));
    assert_eq!(blue, expected(1000));
}

#[test]
fn the_firmware_expects_the_simulated_timeline() {
    let board = Board::esp32().install();
    run_virtual_for(&board, RUN_SECS, || uasyncio_tutorials::two_leds(Pin::new(14, Pin::OUT), Pin::new(12, Pin::OUT)));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../firmware/expected/two_leds.txt");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(path, timeline(&board)).unwrap();
    }
    assert_eq!(std::fs::read_to_string(path).unwrap(), timeline(&board));
}
