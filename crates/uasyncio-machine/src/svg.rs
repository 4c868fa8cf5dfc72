//! A timing diagram of a board [`Trace`] as an SVG image.
//!
//! One lane per signal, in the trace's order, each labelled with its name and
//! GPIO number: digital pins as square waves (high shaded), PWM duties and ADC
//! readings as stepped analog lanes with the value written on each step that
//! is wide enough, in `duty_u16` and `read_u16` units (0–65535, the one
//! scale of [`trace`](crate::trace#one-scale-per-value)). Printed lines
//! are marked by a dashed line across the lanes and their text in a lane of
//! their own. Each bus (`I2C0`, `SPI1`, `UART2`) gets a lane below the pins
//! with a block per transaction (blue, red if it failed), labelled with its
//! bytes where there is room before the next one, and the full label as the
//! block's tooltip. A time axis in seconds runs along the bottom.
//!
//! Geometry, fixed so images of different runs compare: the image is
//! 1000 px wide; time runs from x = 170 px (t = 0) to x = 970 px
//! ([`Trace::end_us`]), so an edge at `t_us` is drawn at
//! `170 + 800 * t_us / end_us`. Before a signal's first change its lane shows
//! a grey dashed line (unknown). A change at the run's last instant (on the
//! plot's right border) is marked by a dot (`<circle class="at-end">`), so
//! that it shows. Printed lines' texts are laid out in rows so that none
//! overlaps another.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use crate::trace::{Change, SignalInfo, SignalKind, Trace, Transaction, Value};

const WIDTH: f64 = 1000.0;
const PLOT_LEFT: f64 = 170.0;
const PLOT_RIGHT: f64 = 970.0;
const TOP: f64 = 44.0;
const DIGITAL_HEIGHT: f64 = 40.0;
const ANALOG_HEIGHT: f64 = 64.0;
const LANE_GAP: f64 = 8.0;
const BUS_HEIGHT: f64 = 30.0;
const LINE_ROW: f64 = 16.0;
const MAX_LINE_ROWS: usize = 4;
const AXIS_HEIGHT: f64 = 34.0;
/// Rough advance of one character at font-size 11, to keep labels apart.
const CHAR_WIDTH: f64 = 6.4;
const FONT: &str = "DejaVu Sans, Helvetica, Arial, sans-serif";

/// Writes the timing diagram of `trace` as an SVG file at `path`.
///
/// ```
/// use uasyncio_machine::trace::Trace;
///
/// let path = std::env::temp_dir().join("uasyncio-machine-doc.svg");
/// uasyncio_machine::svg::write_svg(&Trace::default(), &path)?;
/// assert!(std::fs::read_to_string(&path)?.starts_with("<svg"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_svg(trace: &Trace, path: impl AsRef<Path>) -> io::Result<()> {
    std::fs::write(path, to_svg(trace))
}

/// The timing diagram of `trace` as SVG text.
///
/// ```
/// use uasyncio_machine::trace::{Change, SignalId, SignalInfo, SignalKind, Trace, Value};
///
/// let led = SignalInfo { id: SignalId(0), name: "led".into(), gpio: 14, kind: SignalKind::Digital };
/// let trace = Trace {
///     signals: vec![led],
///     changes: vec![
///         Change { t_us: 0, signal: SignalId(0), value: Value::Level(false) },
///         Change { t_us: 500_000, signal: SignalId(0), value: Value::Level(true) },
///     ],
///     lines: vec![],
///     end_us: 1_000_000,
///     transactions: vec![],
/// };
/// let svg = uasyncio_machine::svg::to_svg(&trace);
/// assert!(svg.contains(">led</text>"));
/// assert!(svg.contains("H 570.0")); // the rising edge, halfway along the plot
/// ```
pub fn to_svg(trace: &Trace) -> String {
    let end_us = span_us(trace);
    let x = |t_us: u64| PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * t_us as f64 / end_us as f64;

    // Lanes first, so the height is known before the <svg> element is written.
    let mut stripes = String::new();
    let mut lanes = String::new();
    let mut y = TOP;
    for (i, signal) in trace.signals.iter().enumerate() {
        let height = lane_height(signal.kind);
        if i % 2 == 0 {
            let _ = writeln!(
                stripes,
                r##"<rect x="0" y="{:.1}" width="{WIDTH}" height="{:.1}" fill="#f6f8fa"/>"##,
                y - LANE_GAP / 2.0,
                height + LANE_GAP
            );
        }
        let changes: Vec<&Change> = trace.changes.iter().filter(|c| c.signal == signal.id).collect();
        lane(&mut lanes, signal, &changes, y, height, &x);
        y += height + LANE_GAP;
    }
    let mut buses: Vec<&str> = Vec::new();
    for t in &trace.transactions {
        if !buses.contains(&t.bus.as_str()) {
            buses.push(&t.bus);
        }
    }
    for (i, bus) in buses.iter().enumerate() {
        if (trace.signals.len() + i).is_multiple_of(2) {
            let _ = writeln!(
                stripes,
                r##"<rect x="0" y="{:.1}" width="{WIDTH}" height="{:.1}" fill="#f6f8fa"/>"##,
                y - LANE_GAP / 2.0,
                BUS_HEIGHT + LANE_GAP
            );
        }
        let transactions: Vec<&Transaction> = trace.transactions.iter().filter(|t| t.bus == *bus).collect();
        bus_lane(&mut lanes, bus, &transactions, y, &x);
        y += BUS_HEIGHT + LANE_GAP;
    }
    let lanes_bottom = y;

    let mut body = stripes;
    grid(&mut body, end_us, TOP - LANE_GAP / 2.0, lanes_bottom, &x);
    body.push_str(&lanes);
    let rows = printed_lines(&mut body, &trace.lines, TOP - LANE_GAP / 2.0, lanes_bottom, &x);
    let axis_y = lanes_bottom + rows as f64 * LINE_ROW + if rows > 0 { 12.0 } else { 4.0 };
    axis(&mut body, end_us, axis_y, &x);
    let height = axis_y + AXIS_HEIGHT;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="{FONT}" font-size="11">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>
<text x="12" y="24" font-size="14" font-weight="bold" fill="#24292f">Board trace</text>
<text x="{PLOT_RIGHT}" y="24" text-anchor="end" fill="#57606a">{} signals, {} s</text>"##,
        trace.signals.len(),
        seconds(end_us, 3)
    );
    svg.push_str(&body);
    svg.push_str("</svg>\n");
    svg
}

/// The time the diagram spans: the run's end, or its last event if later.
fn span_us(trace: &Trace) -> u64 {
    let last_change = trace.changes.iter().map(|c| c.t_us).max().unwrap_or(0);
    let last_line = trace.lines.iter().map(|(t, _)| *t).max().unwrap_or(0);
    let last_bus = trace.transactions.iter().map(|t| t.end_us).max().unwrap_or(0);
    let end = trace.end_us.max(last_change).max(last_line).max(last_bus);
    if end == 0 { 1_000_000 } else { end }
}

fn lane_height(kind: SignalKind) -> f64 {
    match kind {
        SignalKind::Digital => DIGITAL_HEIGHT,
        SignalKind::Pwm | SignalKind::Analog => ANALOG_HEIGHT,
    }
}

/// Stroke and fill colours of a lane: the colour its name says (`"red"`,
/// `"green"`, …), else one per kind.
fn colours(signal: &SignalInfo) -> (&'static str, &'static str) {
    let name = signal.name.to_ascii_lowercase();
    if let Some((_, stroke, fill)) = NAMED_COLOURS.iter().find(|(word, _, _)| name.contains(word)) {
        return (stroke, fill);
    }
    match signal.kind {
        SignalKind::Digital => ("#1a7f37", "#b7e4c2"),
        SignalKind::Pwm => ("#bc4c00", "#ffd8b5"),
        SignalKind::Analog => ("#1b7c83", "#c3eef0"),
    }
}

/// (word in a signal's name, stroke, fill).
const NAMED_COLOURS: [(&str, &str, &str); 5] = [
    ("red", "#cf222e", "#ffcecb"),
    ("green", "#1a7f37", "#b7e4c2"),
    ("blue", "#0969da", "#c6e0ff"),
    ("yellow", "#9a6700", "#fff1a8"),
    ("orange", "#bc4c00", "#ffd8b5"),
];

fn lane(out: &mut String, signal: &SignalInfo, changes: &[&Change], top: f64, height: f64, x: &impl Fn(u64) -> f64) {
    let kind = match signal.kind {
        SignalKind::Digital => "digital",
        SignalKind::Pwm => "PWM duty",
        SignalKind::Analog => "ADC",
    };
    let _ = writeln!(
        out,
        r##"<g class="lane" data-name="{name}">
<text x="12" y="{:.1}" font-size="13" font-weight="bold" fill="#24292f">{name}</text>
<text x="12" y="{:.1}" fill="#57606a">GPIO {} · {kind}</text>"##,
        top + height / 2.0 - 2.0,
        top + height / 2.0 + 12.0,
        signal.gpio,
        name = escape(&signal.name),
    );
    let (stroke, fill) = colours(signal);
    let first_x = changes.first().map_or(PLOT_RIGHT, |c| x(c.t_us));
    if first_x > PLOT_LEFT {
        let mid = top + height / 2.0;
        let _ = writeln!(
            out,
            r##"<path d="M {PLOT_LEFT:.1} {mid:.1} H {first_x:.1}" stroke="#8c959f" stroke-dasharray="4 3" fill="none"/>"##
        );
    }
    if changes.is_empty() {
        out.push_str("</g>\n");
        return;
    }
    let pad = 6.0;
    let level_y = |value: Value| match value {
        Value::Level(high) => {
            if high {
                top + pad
            } else {
                top + height - pad
            }
        }
        Value::Duty(v) | Value::Analog(v) => top + height - pad - (height - 2.0 * pad) * f64::from(v) / 65535.0,
    };
    let baseline = top + height - pad;

    // Each step: from its change to the next change (or the end of the plot).
    let steps: Vec<(f64, f64, Value)> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let end = changes.get(i + 1).map_or(PLOT_RIGHT, |n| x(n.t_us));
            (x(c.t_us), end, c.value)
        })
        .collect();

    // The shaded area under the line.
    let mut area = format!("M {:.1} {baseline:.1}", steps[0].0);
    for &(_, end, value) in &steps {
        let _ = write!(area, " V {:.1} H {end:.1}", level_y(value));
    }
    let _ = write!(area, " V {baseline:.1} Z");
    let _ = writeln!(out, r#"<path d="{area}" fill="{fill}" stroke="none"/>"#);

    // The line itself: "H x" for each level, "V y" for each edge.
    let mut line = format!("M {:.1} {:.1}", steps[0].0, level_y(steps[0].2));
    for (i, &(_, end, value)) in steps.iter().enumerate() {
        if i > 0 {
            let _ = write!(line, " V {:.1}", level_y(value));
        }
        let _ = write!(line, " H {end:.1}");
    }
    let _ =
        writeln!(out, r#"<path d="{line}" fill="none" stroke="{stroke}" stroke-width="2" stroke-linejoin="round"/>"#);

    // A change at the run's last instant would be an edge on the plot's
    // border: a dot marks it, with the time and value as its tooltip.
    for change in changes.iter().filter(|c| x(c.t_us) >= PLOT_RIGHT - 2.0) {
        let _ = writeln!(
            out,
            r#"<circle class="at-end" cx="{:.1}" cy="{:.1}" r="4" fill="{stroke}"><title>{} s: {}</title></circle>"#,
            x(change.t_us),
            level_y(change.value),
            seconds(change.t_us, 3),
            value_text(change.value)
        );
    }

    if signal.kind != SignalKind::Digital {
        for &(start, end, value) in &steps {
            let text = value_text(value);
            if end - start < text.len() as f64 * CHAR_WIDTH + 6.0 {
                continue;
            }
            let y = (level_y(value) - 4.0).max(top + 11.0);
            let _ = writeln!(out, r##"<text x="{:.1}" y="{y:.1}" fill="{stroke}">{text}</text>"##, start + 3.0);
        }
    }
    out.push_str("</g>\n");
}

/// A bus lane: a block per transaction, its label written where it fits.
fn bus_lane(out: &mut String, bus: &str, transactions: &[&Transaction], top: f64, x: &impl Fn(u64) -> f64) {
    let _ = writeln!(
        out,
        r##"<g class="bus" data-name="{bus}">
<text x="12" y="{:.1}" font-size="13" font-weight="bold" fill="#24292f">{bus}</text>
<text x="12" y="{:.1}" fill="#57606a">{} transactions</text>"##,
        top + BUS_HEIGHT / 2.0 - 2.0,
        top + BUS_HEIGHT / 2.0 + 12.0,
        transactions.len(),
    );
    for (i, t) in transactions.iter().enumerate() {
        let (start, end) = (x(t.start_us), x(t.end_us).max(x(t.start_us) + 1.5));
        let (stroke, fill) = if t.error.is_some() { ("#cf222e", "#ffcecb") } else { ("#0969da", "#c6e0ff") };
        let label = escape(&t.label());
        let _ = writeln!(
            out,
            r#"<rect x="{start:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}" stroke="{stroke}"><title>{} {label}</title></rect>"#,
            top + 3.0,
            end - start,
            BUS_HEIGHT - 6.0,
            seconds(t.start_us, 6),
        );
        let room = transactions.get(i + 1).map_or(PLOT_RIGHT, |next| x(next.start_us)) - end;
        let fits = t.label().chars().count().min(40) as f64 * CHAR_WIDTH + 6.0;
        if room >= fits {
            let short: String = t.label().chars().take(40).collect();
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" fill="{stroke}">{}</text>"#,
                end + 3.0,
                top + BUS_HEIGHT / 2.0 + 4.0,
                escape(&short)
            );
        }
    }
    out.push_str(
        "</g>
",
    );
}

fn value_text(value: Value) -> String {
    match value {
        Value::Level(high) => u8::from(high).to_string(),
        Value::Duty(v) | Value::Analog(v) => v.to_string(),
    }
}

/// A step of 1, 2 or 5 times a power of ten giving at most about ten ticks.
fn tick_step_us(end_us: u64) -> u64 {
    let raw = (end_us as f64 / 10.0).max(1.0);
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= raw).unwrap_or(10.0 * power);
    step.round().max(1.0) as u64
}

fn grid(out: &mut String, end_us: u64, top: f64, bottom: f64, x: &impl Fn(u64) -> f64) {
    let step = tick_step_us(end_us);
    let mut t = 0;
    while t <= end_us {
        let _ = writeln!(
            out,
            r##"<line x1="{0:.1}" y1="{top:.1}" x2="{0:.1}" y2="{bottom:.1}" stroke="#d0d7de" stroke-width="1"/>"##,
            x(t)
        );
        t += step;
    }
}

fn axis(out: &mut String, end_us: u64, y: f64, x: &impl Fn(u64) -> f64) {
    let step = tick_step_us(end_us);
    let decimals = decimals(step);
    let _ = writeln!(
        out,
        r##"<g class="axis"><line x1="{PLOT_LEFT:.1}" y1="{y:.1}" x2="{PLOT_RIGHT:.1}" y2="{y:.1}" stroke="#57606a"/>"##
    );
    let mut t = 0;
    while t <= end_us {
        let tx = x(t);
        let _ = writeln!(
            out,
            r##"<line x1="{tx:.1}" y1="{y:.1}" x2="{tx:.1}" y2="{:.1}" stroke="#57606a"/><text x="{tx:.1}" y="{:.1}" text-anchor="middle" fill="#24292f">{}</text>"##,
            y + 5.0,
            y + 18.0,
            seconds(t, decimals)
        );
        t += step;
    }
    let _ = writeln!(out, r##"<text x="{:.1}" y="{:.1}" fill="#57606a">time (s)</text></g>"##, 12.0, y + 18.0);
}

/// Marks each printed line across the lanes and writes its text below them,
/// in up to [`MAX_LINE_ROWS`] rows so neighbours don't overlap. Returns the
/// number of rows used.
fn printed_lines(out: &mut String, lines: &[(u64, String)], top: f64, bottom: f64, x: &impl Fn(u64) -> f64) -> usize {
    if lines.is_empty() {
        return 0;
    }
    let mut row_ends = [f64::NEG_INFINITY; MAX_LINE_ROWS];
    let mut labels = String::new();
    let mut rows_used = 0;
    for (t, text) in lines {
        let lx = x(*t);
        let _ = writeln!(
            out,
            r##"<line class="print" x1="{lx:.1}" y1="{top:.1}" x2="{lx:.1}" y2="{:.1}" stroke="#8250df" stroke-dasharray="2 3" stroke-opacity="0.6"/>"##,
            bottom + 2.0
        );
        let shown: String =
            if text.chars().count() > 48 { text.chars().take(47).chain(['…']).collect() } else { text.clone() };
        let width = shown.chars().count() as f64 * CHAR_WIDTH;
        // Near the right edge, end the text at the marker instead. Either
        // way the text spans `start..end`: a row is free if it starts after
        // the row's last text ends.
        let (tx, anchor, start, end) = if lx + 4.0 + width > WIDTH - 4.0 {
            (lx - 4.0, "end", lx - 4.0 - width, lx)
        } else {
            (lx + 4.0, "start", lx, lx + 4.0 + width)
        };
        let Some(row) = row_ends.iter().position(|row_end| start > row_end + 6.0) else {
            continue; // no room: the marker still shows where it was printed
        };
        row_ends[row] = end;
        rows_used = rows_used.max(row + 1);
        let _ = writeln!(
            labels,
            r##"<text class="print" x="{tx:.1}" y="{:.1}" text-anchor="{anchor}" fill="#8250df">{}</text>"##,
            bottom + 12.0 + row as f64 * LINE_ROW,
            escape(&shown)
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="12" y="{:.1}" font-size="13" font-weight="bold" fill="#24292f">printed</text>"##,
        bottom + 12.0
    );
    out.push_str(&labels);
    rows_used
}

/// `t_us` in seconds with `decimals` decimals.
fn seconds(t_us: u64, decimals: usize) -> String {
    format!("{:.*}", decimals, t_us as f64 / 1e6)
}

/// Decimals that show a tick step of `step_us` exactly in seconds.
fn decimals(mut step_us: u64) -> usize {
    let mut decimals = 6;
    while decimals > 0 && step_us.is_multiple_of(10) {
        step_us /= 10;
        decimals -= 1;
    }
    decimals
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}
