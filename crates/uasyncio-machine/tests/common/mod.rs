//! Helpers shared by the timeline tests: traces read in milliseconds.
#![allow(dead_code)]

use uasyncio_machine::trace::{Change, SignalId, SignalInfo, SignalKind, Trace, Value};

/// A signal of a hand-made trace.
pub fn signal(id: usize, name: &str, gpio: u8, kind: SignalKind) -> SignalInfo {
    SignalInfo { id: SignalId(id), name: name.into(), gpio, kind }
}

/// A change of a hand-made trace.
pub fn change(t_us: u64, id: usize, value: Value) -> Change {
    Change { t_us, signal: SignalId(id), value }
}

/// The level edges of `gpio` as `(ms, level 0/1)`.
pub fn edges_ms(trace: &Trace, gpio: u8) -> Vec<(u64, u8)> {
    trace.edges_of(gpio).into_iter().map(|(t, level)| (ms(t), u8::from(level))).collect()
}

/// The PWM duty changes of `gpio` as `(ms, 10-bit duty)`, including the
/// configuration value.
pub fn duties_ms(trace: &Trace, gpio: u8) -> Vec<(u64, u16)> {
    trace
        .changes_of(gpio)
        .into_iter()
        .filter_map(|(t, value)| match value {
            Value::Duty(d) => Some((ms(t), ((u32::from(d) * 1023 + 32767) / 65535) as u16)),
            _ => None,
        })
        .collect()
}

/// The printed lines as `(ms, line)`.
pub fn lines_ms(trace: &Trace) -> Vec<(u64, &str)> {
    trace.lines.iter().map(|(t, line)| (ms(*t), line.as_str())).collect()
}

/// µs to ms, insisting the time is a whole number of ms (virtual time is exact).
pub fn ms(t_us: u64) -> u64 {
    assert_eq!(t_us % 1000, 0, "{t_us} µs is not a whole ms");
    t_us / 1000
}

/// Toggle times `first, first + step, …` up to `last` inclusive, alternating
/// from `start_level`.
pub fn alternating(first: u64, step: u64, last: u64, start_level: u8) -> Vec<(u64, u8)> {
    (first..=last).step_by(step as usize).enumerate().map(|(i, t)| (t, start_level ^ (i as u8 & 1))).collect()
}
