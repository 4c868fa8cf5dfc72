//! The shared `brightness` on the simulated board: the timeline the
//! firmware under QEMU is compared with (`firmware/expected/brightness.txt`,
//! checked by `scripts/baremetal.sh`).

use uasyncio_machine::trace::Value;
use uasyncio_machine::{Adc, Board, Pin, Pwm, run_virtual_for};
use uasyncio_tutorials::AdcChannel;

/// The pot at 0 %, at 50 % from 1.55 s (an off phase), at 100 % from 2.45 s
/// (an on phase); the run lasts 4.5 s.
const POT: [(f64, f64); 3] = [(0.0, 0.0), (1.55, 0.5), (2.45, 1.0)];
const RUN_SECS: f64 = 4.5;

/// The simulated board's ADC through the programs' ADC trait.
struct Pot(Adc);

impl AdcChannel for Pot {
    type Error = core::convert::Infallible;
    fn read(&mut self) -> Result<u16, Self::Error> {
        Ok(self.0.read())
    }
}

fn run() -> Board {
    let board = Board::esp32().install();
    for (at, fraction) in POT {
        board.set_pot_at(36, at, fraction);
    }
    run_virtual_for(&board, RUN_SECS, || {
        let pot = Adc::new(Pin::new(36, Pin::IN));
        pot.atten(Adc::ATTN_11DB); // full range: 0–3.3 V
        uasyncio_tutorials::brightness(Pwm::new(Pin::new(5, Pin::OUT), 5000), Pot(pot))
    });
    board
}

/// The LED's duty changes as `(µs, 10-bit duty)`, the configuration first.
fn duties(board: &Board) -> Vec<(u64, u16)> {
    board
        .trace()
        .changes_of(5)
        .into_iter()
        .filter_map(|(t, value)| match value {
            Value::Duty(d) => Some((t, ((u32::from(d) * 1023 + 32767) / 65535) as u16)),
            _ => None,
        })
        .collect()
}

/// `<µs> us GPIO5 <10-bit duty>`, as the firmware's logged PWM prints it.
fn timeline(board: &Board) -> String {
    duties(board).iter().map(|(t_us, duty)| format!("{t_us} us GPIO5 {duty}\n")).collect()
}

#[test]
fn the_shared_program_has_the_brightness_example_timeline() {
    let ms: Vec<_> = duties(&run()).into_iter().map(|(t, d)| (t / 1000, d)).collect();
    // As `uasyncio-machine`'s tests/brightness.rs pins for its example.
    assert_eq!(ms, [(0, 0), (2000, 511), (2500, 1023), (3000, 0), (4000, 1023)]);
}

#[test]
fn the_firmware_expects_the_simulated_timeline() {
    let board = run();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../firmware/expected/brightness.txt");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(path, timeline(&board)).unwrap();
    }
    assert_eq!(std::fs::read_to_string(path).unwrap(), timeline(&board));
}
