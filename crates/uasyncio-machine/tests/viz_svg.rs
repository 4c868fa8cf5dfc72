//! The SVG timing diagram: lanes, edge positions, values, time axis, printed
//! lines. Time runs from x = 170 (t = 0) to x = 970 (the end of the run).

use crate::common;
use uasyncio_machine::svg::to_svg;

use common::{change, signal};
use uasyncio_machine::trace::{SignalKind, Trace, Value};

/// Two seconds: an LED on from 0.5 s to 1 s, a PWM LED at 50 % from 1 s.
fn two_seconds() -> Trace {
    Trace {
        signals: vec![signal(0, "GPIO14", 14, SignalKind::Digital), signal(1, "pwm", 5, SignalKind::Pwm)],
        changes: vec![
            change(0, 0, Value::Level(false)),
            change(0, 1, Value::Duty(0)),
            change(500_000, 0, Value::Level(true)),
            change(1_000_000, 0, Value::Level(false)),
            change(1_000_000, 1, Value::Duty(32768)),
        ],
        lines: vec![(1_500_000, "x < 3 & y".into())],
        end_us: 2_000_000,
        transactions: vec![],
    }
}

/// The `d` of every `<path>` drawing a signal's line (stroke-width 2), in lane order.
fn signal_lines(svg: &str) -> Vec<&str> {
    svg.lines()
        .filter(|l| l.starts_with("<path") && l.contains("stroke-width=\"2\""))
        .map(|l| l.split("d=\"").nth(1).unwrap().split('"').next().unwrap())
        .collect()
}

/// The text of every `<text>` element, in document order.
fn texts(svg: &str) -> Vec<&str> {
    svg.split("<text").skip(1).map(|t| t.split('>').nth(1).unwrap().split("</text").next().unwrap()).collect()
}

#[test]
fn each_signal_gets_a_labelled_lane_in_trace_order() {
    let svg = to_svg(&two_seconds());
    let t = texts(&svg);
    let at = |s: &str| t.iter().position(|x| *x == s).unwrap_or_else(|| panic!("no {s:?} in {t:?}"));
    assert!(at("GPIO14") < at("GPIO 14 · digital"));
    assert!(at("GPIO 14 · digital") < at("pwm"));
    assert!(at("pwm") < at("GPIO 5 · PWM duty"));
    assert_eq!(t[1], "2 signals, 2.000 s");
}

#[test]
fn edges_are_drawn_at_their_times() {
    let svg = to_svg(&two_seconds());
    // The LED lane spans y 44..84: high at y 50, low at y 78.
    // 0.5 s is x = 170 + 800 * 0.25 = 370; 1 s is x = 570.
    // The PWM lane spans y 92..156: 0 % at y 150, 50 % at y 150 - 52 * 32768/65535.
    assert_eq!(
        signal_lines(&svg),
        ["M 170.0 78.0 H 370.0 V 50.0 H 570.0 V 78.0 H 970.0", "M 170.0 150.0 H 570.0 V 124.0 H 970.0",]
    );
}

#[test]
fn pwm_steps_show_their_duty_on_the_duty_u16_scale_as_plain_and_the_view_do() {
    let svg = to_svg(&two_seconds());
    let t = texts(&svg);
    assert!(t.contains(&"0") && t.contains(&"32768"), "{t:?}");
    assert!(!t.iter().any(|t| t.ends_with('%')), "{t:?}");
    assert_eq!(uasyncio_machine::plain(Value::Duty(32768)), "duty 32768/65535 (50.0 %)");
}

#[test]
fn the_time_axis_has_ticks_every_fifth_of_a_second_over_two_seconds() {
    let svg = to_svg(&two_seconds());
    let axis = svg.split("<g class=\"axis\">").nth(1).unwrap();
    let labels: Vec<&str> = texts(axis).into_iter().filter(|t| *t != "time (s)").collect();
    assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "1.2", "1.4", "1.6", "1.8", "2.0"]);
}

#[test]
fn printed_lines_are_marked_and_escaped() {
    let svg = to_svg(&two_seconds());
    // 1.5 s is x = 770.
    assert!(svg.contains(r#"<line class="print" x1="770.0""#), "{svg}");
    assert!(svg.contains(">x &lt; 3 &amp; y</text>"), "{svg}");
}

#[test]
fn a_signal_without_a_value_yet_is_dashed_until_its_first_change() {
    let trace = Trace {
        signals: vec![signal(0, "GPIO15", 15, SignalKind::Digital)],
        changes: vec![change(1_000_000, 0, Value::Level(true))],
        end_us: 4_000_000,
        transactions: vec![],
        ..Trace::default()
    };
    let svg = to_svg(&trace);
    assert!(svg.contains(r##"<path d="M 170.0 64.0 H 370.0" stroke="#8c959f" stroke-dasharray="4 3""##), "{svg}");
    assert_eq!(signal_lines(&svg), ["M 370.0 50.0 H 970.0"]);
}

#[test]
fn an_empty_trace_is_still_a_picture() {
    let svg = to_svg(&Trace::default());
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>\n"));
    assert_eq!(texts(&svg)[1], "0 signals, 1.000 s");
}

#[test]
fn a_lane_takes_the_colour_its_name_says() {
    let trace = Trace {
        signals: vec![signal(0, "red LED", 14, SignalKind::Digital), signal(1, "GPIO12", 12, SignalKind::Digital)],
        changes: vec![change(0, 0, Value::Level(true)), change(0, 1, Value::Level(true))],
        end_us: 1_000_000,
        transactions: vec![],
        ..Trace::default()
    };
    let svg = to_svg(&trace);
    let strokes: Vec<&str> = svg
        .lines()
        .filter(|l| l.contains("stroke-width=\"2\""))
        .map(|l| l.split("stroke=\"").nth(1).unwrap().split('"').next().unwrap())
        .collect();
    assert_eq!(strokes, ["#cf222e", "#1a7f37"]);
}
