//! Value Change Dump (VCD) export of a board [`Trace`], for waveform viewers
//! such as GTKWave or Surfer.
//!
//! The file has a timescale of 1 µs and one scope, `board`, holding one
//! variable per signal:
//!
//! | signal | VCD variable |
//! |---|---|
//! | digital pin | `wire 1`: `0` / `1` |
//! | PWM pin | `wire 16`: the duty in `duty_u16` units (0..=65535), MSB first |
//! | ADC pin | `wire 16`: the reading in `read_u16` units (0..=65535), MSB first |
//! | printed lines | `string` variable `print` (spaces shown as `_`) |
//! | a bus (`I2C0`, `SPI1`, `UART2`) | `string` variable named after it: each transaction's label from its start (`0x76_write_d0_·_read_60`), `idle` from its end |
//!
//! A signal's value before its first change is `x` (unknown). A last
//! timestamp at [`Trace::end_us`] makes viewers show the whole run. In GTKWave,
//! *Data Format → Analog → Step* draws the 16-bit variables as analog lanes.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use vcd::{IdCode, SimulationCommand, TimescaleUnit, VarType};

use crate::trace::{SignalKind, Trace, Value};

/// Bits of the vector variables that hold PWM duties and ADC readings.
const VECTOR_WIDTH: u32 = 16;

/// Writes `trace` as a VCD file at `path` (created or truncated).
///
/// ```
/// use uasyncio_machine::trace::{Change, SignalId, SignalInfo, SignalKind, Trace, Value};
///
/// let led = SignalInfo { id: SignalId(0), name: "led".into(), gpio: 14, kind: SignalKind::Digital };
/// let trace = Trace {
///     signals: vec![led],
///     changes: vec![Change { t_us: 500_000, signal: SignalId(0), value: Value::Level(true) }],
///     lines: vec![],
///     end_us: 1_000_000,
///     transactions: vec![],
/// };
/// let path = std::env::temp_dir().join("uasyncio-machine-doc.vcd");
/// uasyncio_machine::vcd::write_vcd(&trace, &path)?;
/// assert!(std::fs::read_to_string(&path)?.contains("#500000\n1!\n"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_vcd(trace: &Trace, path: impl AsRef<Path>) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    to_vcd(trace, &mut out)?;
    out.flush()
}

/// Writes `trace` in VCD text form to `out`.
///
/// ```
/// use uasyncio_machine::trace::{Change, SignalId, SignalInfo, SignalKind, Trace, Value};
///
/// let pwm = SignalInfo { id: SignalId(0), name: "pwm".into(), gpio: 5, kind: SignalKind::Pwm };
/// let trace = Trace {
///     signals: vec![pwm],
///     changes: vec![
///         Change { t_us: 0, signal: SignalId(0), value: Value::Duty(0) },
///         Change { t_us: 100_000, signal: SignalId(0), value: Value::Duty(32768) },
///     ],
///     lines: vec![],
///     end_us: 200_000,
///     transactions: vec![],
/// };
/// let mut text = Vec::new();
/// uasyncio_machine::vcd::to_vcd(&trace, &mut text)?;
/// let text = String::from_utf8(text).unwrap();
/// assert!(text.contains("$var wire 16 ! pwm $end"));
/// assert!(text.contains("#100000\nb1000000000000000 !\n#200000\n"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn to_vcd(trace: &Trace, out: impl Write) -> io::Result<()> {
    let mut w = vcd::Writer::new(out);
    w.version(concat!("uasyncio-machine ", env!("CARGO_PKG_VERSION")))?;
    w.timescale(1, TimescaleUnit::US)?;
    w.add_module("board")?;
    let mut used = HashSet::new();
    let mut codes = Vec::with_capacity(trace.signals.len());
    for signal in &trace.signals {
        let width = match signal.kind {
            SignalKind::Digital => 1,
            SignalKind::Pwm | SignalKind::Analog => VECTOR_WIDTH,
        };
        let name = unique_reference(&signal.name, signal.gpio, &mut used);
        codes.push((signal.id, w.add_wire(width, &name)?));
    }
    let print = if trace.lines.is_empty() {
        None
    } else {
        let name = unique_reference("print", 0, &mut used);
        Some(w.add_var(VarType::String, 1, &name, None)?)
    };
    let mut buses: Vec<(&str, IdCode)> = Vec::new();
    for t in &trace.transactions {
        if !buses.iter().any(|(name, _)| *name == t.bus) {
            let name = unique_reference(&t.bus, 0, &mut used);
            buses.push((&t.bus, w.add_var(VarType::String, 1, &name, None)?));
        }
    }
    // Each transaction shows from its start to its end; a bus idles between.
    let mut bus_events: Vec<(u64, IdCode, String)> = Vec::new();
    for t in &trace.transactions {
        let code = buses.iter().find(|(name, _)| *name == t.bus).map(|(_, c)| *c).expect("bus declared above");
        bus_events.push((t.start_us, code, string_value(&ascii_label(&t.label()))));
        bus_events.push((t.end_us.max(t.start_us + 1), code, "idle".into()));
    }
    // An `idle` never overwrites a transaction starting at the same time.
    bus_events.sort_by_key(|(t, _, value)| (*t, value != "idle"));
    w.upscope()?;
    w.enddefinitions()?;

    let code_of = |id| codes.iter().find(|(s, _)| *s == id).map(|(_, c)| *c);
    let mut changes: Vec<_> = trace.changes.iter().collect();
    changes.sort_by_key(|c| c.t_us); // stable: same-time changes keep their order
    let mut lines: Vec<_> = trace.lines.iter().collect();
    lines.sort_by_key(|(t, _)| *t);

    // Initial values: each signal's value at t = 0, or x if it has none yet.
    w.begin(SimulationCommand::Dumpvars)?;
    for (i, signal) in trace.signals.iter().enumerate() {
        let at_zero = changes.iter().take_while(|c| c.t_us == 0).filter(|c| c.signal == signal.id).last();
        match at_zero {
            Some(c) => write_value(&mut w, codes[i].1, c.value)?,
            None if signal.kind == SignalKind::Digital => w.change_scalar(codes[i].1, vcd::Value::X)?,
            None => w.change_vector(codes[i].1, [vcd::Value::X; VECTOR_WIDTH as usize])?,
        }
    }
    w.end()?;

    let mut changes = changes.into_iter().skip_while(|c| c.t_us == 0).peekable();
    let mut lines = lines.into_iter().peekable();
    let mut bus_events = bus_events.into_iter().peekable();
    let mut last_t = 0;
    loop {
        let next_change = changes.peek().map(|c| c.t_us);
        let next_line = lines.peek().map(|(t, _)| *t);
        let next_bus = bus_events.peek().map(|(t, _, _)| *t);
        let Some(t) = [next_change, next_line, next_bus].into_iter().flatten().min() else {
            break;
        };
        if t != last_t || t == 0 {
            w.timestamp(t)?;
            last_t = t;
        }
        while let Some(c) = changes.next_if(|c| c.t_us == t) {
            if let Some(code) = code_of(c.signal) {
                write_value(&mut w, code, c.value)?;
            }
        }
        let mut printed = Vec::new();
        while let Some((_, line)) = lines.next_if(|(lt, _)| *lt == t) {
            printed.push(line.as_str());
        }
        if let (Some(code), false) = (print, printed.is_empty()) {
            w.change_string(code, &string_value(&printed.join(" | ")))?;
        }
        while let Some((_, code, value)) = bus_events.next_if(|(bt, _, _)| *bt == t) {
            w.change_string(code, &value)?;
        }
    }
    if trace.end_us > last_t {
        w.timestamp(trace.end_us)?;
    }
    w.flush()
}

fn write_value<W: Write>(w: &mut vcd::Writer<W>, code: IdCode, value: Value) -> io::Result<()> {
    match value {
        Value::Level(level) => w.change_scalar(code, level),
        Value::Duty(v) | Value::Analog(v) => {
            w.change_vector(code, (0..VECTOR_WIDTH).rev().map(|bit| vcd::Value::from(v >> bit & 1 == 1)))
        }
    }
}

/// A VCD reference is one token: anything but letters, digits and `_` becomes
/// `_`, and a repeated name gets its GPIO number (then a counter) appended.
fn unique_reference(name: &str, gpio: u8, used: &mut HashSet<String>) -> String {
    let mut base: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if base.is_empty() {
        base = format!("gpio{gpio}");
    }
    let mut candidate = base.clone();
    let mut n = 1;
    while used.contains(&candidate) {
        candidate = if n == 1 { format!("{base}_gpio{gpio}") } else { format!("{base}_{n}") };
        n += 1;
    }
    used.insert(candidate.clone());
    candidate
}

/// A VCD string value is one token: whitespace becomes `_`.
fn string_value(text: &str) -> String {
    let value: String = text.chars().map(|c| if c.is_whitespace() { '_' } else { c }).collect();
    if value.is_empty() { "_".into() } else { value }
}

/// A transaction's label in ASCII, as VCD viewers expect: `write d0 · read
/// 60` → `write d0; read 60`, `✗` → `!`, `…` → `...`.
fn ascii_label(label: &str) -> String {
    label.replace(" · ", "; ").replace('✗', "!").replace('…', "...")
}
