//! The VCD export: the exact text for a small run, and a round trip through
//! the `vcd` crate's parser.

use crate::common;

use common::{change, signal};
use uasyncio_machine::trace::{SignalKind, Trace, Value};
use uasyncio_machine::vcd::to_vcd;

/// An LED, a PWM LED and a potentiometer read first at 0.7 s.
fn small_run() -> Trace {
    Trace {
        signals: vec![
            signal(0, "GPIO14", 14, SignalKind::Digital),
            signal(1, "pwm led", 5, SignalKind::Pwm),
            signal(2, "GPIO36", 36, SignalKind::Analog),
        ],
        changes: vec![
            change(0, 0, Value::Level(false)),
            change(0, 1, Value::Duty(0)),
            change(500_000, 0, Value::Level(true)),
            change(500_000, 1, Value::Duty(32768)),
            change(700_000, 2, Value::Analog(4096)),
            change(1_500_000, 0, Value::Level(false)),
        ],
        lines: vec![(1_000_000, "delay 500 ms".into())],
        end_us: 2_000_000,
        transactions: vec![],
    }
}

fn vcd_text(trace: &Trace) -> String {
    let mut out = Vec::new();
    to_vcd(trace, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_small_run_gives_exactly_this_vcd() {
    let expected = format!(
        "$version
    uasyncio-machine {}
$end
$timescale 1 us $end
$scope module board $end
$var wire 1 ! GPIO14 $end
$var wire 16 \" pwm_led $end
$var wire 16 # GPIO36 $end
$var string 1 $ print $end
$upscope $end
$enddefinitions $end
$dumpvars
0!
b0000000000000000 \"
bxxxxxxxxxxxxxxxx #
$end
#500000
1!
b1000000000000000 \"
#700000
b0001000000000000 #
#1000000
sdelay_500_ms $
#1500000
0!
#2000000
",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(vcd_text(&small_run()), expected);
}

#[test]
fn parsing_the_vcd_back_gives_the_trace_changes() {
    let trace = small_run();
    let text = vcd_text(&trace);
    let mut parser = vcd::Parser::new(text.as_bytes());
    let header = parser.parse_header().unwrap();
    assert_eq!(header.timescale, Some((1, vcd::TimescaleUnit::US)));
    let code = |name: &str| header.find_var(&["board", name]).unwrap().code;
    let names = [(code("GPIO14"), 0), (code("pwm_led"), 1), (code("GPIO36"), 2)];
    let id_of = |c| names.iter().find(|(code, _)| *code == c).unwrap().1;

    let mut t = 0;
    let mut seen = Vec::new();
    let mut printed = Vec::new();
    for command in parser {
        match command.unwrap() {
            vcd::Command::Timestamp(ts) => t = ts,
            vcd::Command::ChangeScalar(c, v) => seen.push(change(t, id_of(c), Value::Level(v == vcd::Value::V1))),
            vcd::Command::ChangeVector(c, bits) if bits.iter().all(|b| b != vcd::Value::X) => {
                let v = bits.iter().fold(0u16, |acc, b| acc << 1 | u16::from(b == vcd::Value::V1));
                let id = id_of(c);
                let value = if id == 1 { Value::Duty(v) } else { Value::Analog(v) };
                seen.push(change(t, id, value));
            }
            vcd::Command::ChangeString(_, s) => printed.push((t, s)),
            _ => {}
        }
    }
    assert_eq!(seen, trace.changes);
    assert_eq!(printed, [(1_000_000, "delay_500_ms".to_string())]);
    assert_eq!(t, 2_000_000, "the last timestamp is the end of the run");
}

#[test]
fn names_become_single_unique_tokens() {
    let trace = Trace {
        signals: vec![
            signal(0, "red LED", 14, SignalKind::Digital),
            signal(1, "red LED", 12, SignalKind::Digital),
            signal(2, "", 2, SignalKind::Digital),
        ],
        ..Trace::default()
    };
    let text = vcd_text(&trace);
    assert!(text.contains("$var wire 1 ! red_LED $end\n"), "{text}");
    assert!(text.contains("$var wire 1 \" red_LED_gpio12 $end\n"), "{text}");
    assert!(text.contains("$var wire 1 # gpio2 $end\n"), "{text}");
    assert!(!text.contains("print"), "no printed lines, no print variable");
    assert!(text.ends_with("$dumpvars\nx!\nx\"\nx#\n$end\n"), "{text}");
}

#[test]
fn lines_printed_at_the_same_time_share_one_value() {
    let trace = Trace {
        lines: vec![(0, "a b".into()), (0, "c".into()), (250_000, "d".into())],
        end_us: 250_000,
        transactions: vec![],
        ..Trace::default()
    };
    let text = vcd_text(&trace);
    assert!(text.ends_with("$dumpvars\n$end\n#0\nsa_b_|_c !\n#250000\nsd !\n"), "{text}");
}

#[test]
fn write_vcd_writes_the_same_text_to_a_file() {
    let path = std::env::temp_dir().join(format!("viz_vcd_{}.vcd", std::process::id()));
    uasyncio_machine::vcd::write_vcd(&small_run(), &path).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(written, vcd_text(&small_run()));
}
