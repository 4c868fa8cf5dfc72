//! A live view of the board in the terminal, next to the running program.
//!
//! Entry point (what `cli.rs` calls for `--live`):
//!
//! ```text
//! pub async fn run_live(board: Board, duration: Option<f64>) -> std::io::Result<()>
//! ```
//!
//! Spawn it as a task beside the program on the real clock; it returns when
//! the user quits (`q`, `Esc`, Ctrl-C) or after `duration` seconds, so the
//! caller can end the run then. While it runs the terminal is in raw mode on
//! the alternate screen: the program must print through
//! [`Board::print`](crate::Board::print) (shown in the view), not to stdout.
//!
//! The screen: one row per signal — LEDs as `●` (lit) or `○` (dark), PWM
//! outputs as a shaded block whose glyph and colour follow the duty, ADC
//! inputs (the potentiometer) as a gauge, buttons as pressed or released —
//! then the simulated devices on the buses (a sensor's quantities, a
//! display's picture drawn in braille, 2×4 pixels a character), then the
//! printed lines, newest last, then the keys:
//!
//! | key | does |
//! |---|---|
//! | `space`, `b` | press the button, or release it if pressed |
//! | `enter` | click the button: press now, release 150 ms later |
//! | `←` `→`, `-` `+` | turn the potentiometer down or up by 5 % |
//! | `home` `end` | turn the potentiometer to 0 or to the maximum |
//! | `,` `.` (`<` `>`) | turn the rotary encoder (the first [wired](crate::Board::wire_encoder)) one detent (4 edges) back or on |
//! | `↑` `↓`, `tab` | choose which button or potentiometer the keys act on |
//! | `s` | choose which sensor quantity `[` `]` change (temperature, pressure, humidity …) |
//! | `[` `]` | turn the chosen quantity down or up by 1 (°C, hPa, %) |
//! | `q`, `esc`, Ctrl-C | quit |
//!
//! [`render`] draws the same screen into a ratatui [`Buffer`] without a
//! terminal (the tests use it).

use std::io;
use std::panic::{self, PanicHookInfo};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::{cursor, execute, terminal};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Gauge, Paragraph, Widget};

use crate::Board;
use crate::board::{Function, PinMode};
use crate::target::Device;
use crate::trace::{SignalId, SignalInfo, SignalKind, Value};

/// How often the view polls the keyboard and redraws.
const FRAME_MS: u64 = 50;
/// Edges per detent of the encoder the keys turn, and the time between them.
const DETENT_EDGES: u32 = 4;
const EDGE_MS: u32 = 2;
/// How long `enter` holds the button down.
const CLICK_MS: u64 = 150;
/// One potentiometer step, 5 % of the `read_u16` range.
const POT_STEP: u16 = 3277;
/// The characters of the name column at most.
const NAME_WIDTH: usize = 16;
/// The potentiometer gauge's width in cells.
const GAUGE_WIDTH: u16 = 24;

/// Draws the board's signals, the printed lines and the key help into `buf`.
///
/// `board_state` is [`Board::signals`](crate::Board::signals), `lines` the
/// printed lines with their times, `now_us` the time shown in the title. Each
/// GPIO gets one row, showing its newest signal (a pin turned into a PWM
/// output shows the PWM).
///
/// ```
/// use ratatui::{buffer::Buffer, layout::Rect};
/// use uasyncio_machine::trace::{SignalId, SignalInfo, SignalKind, Value};
///
/// let led = SignalInfo { id: SignalId(0), name: "GPIO14".into(), gpio: 14, kind: SignalKind::Digital };
/// let area = Rect::new(0, 0, 60, 10);
/// let mut buf = Buffer::empty(area);
/// uasyncio_machine::view::render(&[(led, Value::Level(true))], &[(500_000, "hello".into())], 1_000_000, area, &mut buf);
/// let row = |y| (0..60).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>();
/// assert!(row(1).contains("GPIO14") && row(1).contains("● on"));
/// assert!((0..10).any(|y| row(y).contains("0.500 s  hello")));
/// ```
pub fn render(board_state: &[(SignalInfo, Value)], lines: &[(u64, String)], now_us: u64, area: Rect, buf: &mut Buffer) {
    BoardView::new(board_state, lines, now_us).render(area, buf);
}

/// The live view's screen as a ratatui widget: what [`render`] draws, plus
/// what the live view knows from the board (which digital pins are buttons,
/// which of them are held down) and which row the keys act on.
///
/// ```
/// use ratatui::{buffer::Buffer, layout::Rect, widgets::Widget};
/// use uasyncio_machine::trace::{SignalId, SignalInfo, SignalKind, Value};
/// use uasyncio_machine::view::BoardView;
///
/// let button = SignalInfo { id: SignalId(0), name: "GPIO15".into(), gpio: 15, kind: SignalKind::Digital };
/// let state = [(button, Value::Level(false))];
/// let area = Rect::new(0, 0, 60, 8);
/// let mut buf = Buffer::empty(area);
/// BoardView::new(&state, &[], 0)
///     .buttons([15])
///     .pressed([15])
///     .selected(Some(SignalId(0)))
///     .render(area, &mut buf);
/// let row1: String = (0..60).map(|x| buf[(x, 1)].symbol().to_string()).collect();
/// assert!(row1.starts_with("│▶ GPIO15  GPIO 15  [▼ pressed ]"));
/// ```
#[derive(Clone, Debug)]
pub struct BoardView<'a> {
    signals: &'a [(SignalInfo, Value)],
    lines: &'a [(u64, String)],
    now_us: u64,
    selected: Option<SignalId>,
    buttons: Option<Vec<u8>>,
    pressed: Vec<u8>,
    board_name: &'a str,
    devices: &'a [(String, Rc<dyn Device>)],
    /// The quantity `[` `]` change: (device index, quantity index).
    quantity: Option<(usize, usize)>,
    encoder: bool,
    /// When the program ended (its `main` returned), if it has.
    ended_us: Option<u64>,
}

impl<'a> BoardView<'a> {
    /// A view of these signals and printed lines at time `now_us`.
    pub fn new(signals: &'a [(SignalInfo, Value)], lines: &'a [(u64, String)], now_us: u64) -> Self {
        BoardView {
            signals,
            lines,
            now_us,
            selected: None,
            buttons: None,
            pressed: Vec::new(),
            board_name: "",
            devices: &[],
            quantity: None,
            encoder: false,
            ended_us: None,
        }
    }

    /// The simulated devices to show, with where they are wired
    /// ([`Board::devices`](crate::Board::devices)).
    ///
    /// ```
    /// use ratatui::{buffer::Buffer, layout::Rect, widgets::Widget};
    /// use uasyncio_machine::{Board, devices::Bme280, view::BoardView};
    /// let board = Board::esp32().install();
    /// board.attach_i2c(0, 0x76, Bme280::new());
    /// let devices = board.devices();
    /// let area = Rect::new(0, 0, 90, 12);
    /// let mut buf = Buffer::empty(area);
    /// BoardView::new(&[], &[], 0).devices(&devices).render(area, &mut buf);
    /// let text: String = (0..12).flat_map(|y| (0..90).map(move |x| (x, y))).map(|p| buf[p].symbol().to_string()).collect();
    /// assert!(text.contains("BME280  I2C0 0x76  temperature 20.00 °C · pressure 1013.25 hPa · humidity 50.00 %"));
    /// ```
    pub fn devices(mut self, devices: &'a [(String, Rc<dyn Device>)]) -> Self {
        self.devices = devices;
        self
    }

    /// Marks quantity `quantity` of device `device` (indices into
    /// [`BoardView::devices`] and its quantities) as the one `[` `]` change.
    pub fn quantity(mut self, selected: Option<(usize, usize)>) -> Self {
        self.quantity = selected;
        self
    }

    /// The device rows: one per sensor, a picture per display.
    fn device_lines(&self) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        for (d, (place, device)) in self.devices.iter().enumerate() {
            let quantities = device.quantities();
            let mut spans =
                vec![Span::raw(format!("  {}  ", device.name())).bold(), Span::raw(format!("{place}  ")).dark_gray()];
            for (q, (name, value, unit)) in quantities.iter().enumerate() {
                if q > 0 {
                    spans.push(Span::raw(" · ").dark_gray());
                }
                let text = format!("{name} {value:.2} {unit}");
                spans.push(if self.quantity == Some((d, q)) {
                    Span::raw(text).black().on_yellow()
                } else {
                    Span::raw(text)
                });
            }
            lines.push(Line::from(spans));
            if let Some(picture) = device.picture() {
                for row in braille(&picture) {
                    lines.push(Line::from(vec![Span::raw("  │"), Span::raw(row).white().on_black(), Span::raw("│")]));
                }
            }
        }
        lines
    }

    /// Names the board in the title: ` ESP32 · uasyncio `.
    pub fn board_name(mut self, name: &'a str) -> Self {
        self.board_name = name;
        self
    }

    /// Marks the row the keys act on with `▶`.
    pub fn selected(mut self, signal: Option<SignalId>) -> Self {
        self.selected = signal;
        self
    }

    /// The digital inputs, drawn as buttons (the others as LEDs). Without
    /// this, a digital signal is a button if its name says so (`button`,
    /// `btn`, `switch`, `key`).
    pub fn buttons(mut self, gpios: impl IntoIterator<Item = u8>) -> Self {
        self.buttons = Some(gpios.into_iter().collect());
        self
    }

    /// Whether a rotary encoder is wired: the keys line then names `,` `.`.
    ///
    /// ```
    /// use ratatui::{buffer::Buffer, layout::Rect, widgets::Widget};
    /// use uasyncio_machine::view::BoardView;
    /// let area = Rect::new(0, 0, 90, 6);
    /// let mut buf = Buffer::empty(area);
    /// BoardView::new(&[], &[], 0).encoder(true).render(area, &mut buf);
    /// let last: String = (0..90).map(|x| buf[(x, 5)].symbol()).collect();
    /// assert_eq!(last.trim_end(), " ,/. encoder · q quit");
    /// ```
    pub fn encoder(mut self, wired: bool) -> Self {
        self.encoder = wired;
        self
    }

    /// The program ended at `ended_us` (its `main` returned): the clock
    /// stops there and the keys line says so.
    ///
    /// ```
    /// use ratatui::{buffer::Buffer, layout::Rect, widgets::Widget};
    /// use uasyncio_machine::view::BoardView;
    /// let area = Rect::new(0, 0, 90, 6);
    /// let mut buf = Buffer::empty(area);
    /// BoardView::new(&[], &[], 7_000_000).ended(Some(5_000_000)).render(area, &mut buf);
    /// let row = |y| (0..90).map(|x| buf[(x, y)].symbol()).collect::<String>();
    /// assert!(row(0).contains(" t = 5.000 s "));
    /// assert_eq!(row(5).trim_end(), " program ended at 5.000 s (main returned) · q quit");
    /// ```
    pub fn ended(mut self, ended_us: Option<u64>) -> Self {
        self.ended_us = ended_us;
        self
    }

    /// The buttons held down: drawn as `pressed`.
    pub fn pressed(mut self, gpios: impl IntoIterator<Item = u8>) -> Self {
        self.pressed = gpios.into_iter().collect();
        self
    }

    /// The keys line: the end of the program if it ended, then the keys for
    /// what the board has (a button, a potentiometer, an encoder, a sensor).
    fn keys_line(&self, signals: &[(SignalInfo, Value)]) -> String {
        let buttons = signals.iter().filter(|(info, _)| self.is_button(info)).count();
        let pots = signals.iter().filter(|(info, _)| info.kind == SignalKind::Analog).count();
        let mut keys = Vec::new();
        if let Some(end) = self.ended_us {
            keys.push(format!("program ended at {:.3} s (main returned)", end as f64 / 1e6));
        } else {
            if buttons > 0 {
                keys.push("space press/release · enter click".to_string());
            }
            if pots > 0 {
                keys.push("←/→ pot".to_string());
            }
            if self.encoder {
                keys.push(",/. encoder".to_string());
            }
            if buttons + pots > 1 {
                keys.push("↑/↓ choose".to_string());
            }
            if !self.devices.is_empty() {
                keys.push("s [ ] sensor".to_string());
            }
        }
        keys.push("q quit".to_string());
        format!(" {}", keys.join(" · "))
    }

    fn is_button(&self, info: &SignalInfo) -> bool {
        info.kind == SignalKind::Digital
            && match &self.buttons {
                Some(buttons) => buttons.contains(&info.gpio),
                None => named_like_a_button(&info.name),
            }
    }

    fn signal_row(&self, info: &SignalInfo, value: Value, name_width: usize, area: Rect, buf: &mut Buffer) {
        let marker = if self.selected == Some(info.id) { "▶ " } else { "  " };
        let name: String = info.name.chars().take(name_width).collect();
        let gpio = format!("GPIO {}", info.gpio);
        let head = Line::from(vec![
            Span::raw(marker).bold(),
            Span::raw(format!("{name:<name_width$}  ")).bold(),
            Span::raw(format!("{gpio:<7}  ")).dark_gray(),
        ]);
        let head_width = (2 + name_width + 2 + 9) as u16;
        let [head_area, value_area] =
            Layout::horizontal([Constraint::Length(head_width), Constraint::Min(0)]).areas(area);
        head.render(head_area, buf);

        let v = value.as_u16();
        let ratio = f64::from(v) / 65535.0;
        match info.kind {
            SignalKind::Analog => {
                let [gauge_area, text_area] =
                    Layout::horizontal([Constraint::Length(GAUGE_WIDTH), Constraint::Min(0)]).areas(value_area);
                Gauge::default()
                    .ratio(ratio)
                    .label(format!("{:.0}%", ratio * 100.0))
                    .gauge_style(Style::new().fg(Color::Cyan).bg(Color::DarkGray))
                    .use_unicode(true)
                    .render(gauge_area, buf);
                Span::raw(format!("  {v}/65535  {:.2} V", ratio * 3.3)).dark_gray().render(text_area, buf);
            }
            SignalKind::Pwm => Line::from(vec![
                led_glyph(ratio, &info.name),
                Span::raw(format!(" {:>3.0}% duty", ratio * 100.0)).bold(),
                Span::raw(format!("  {v}/65535")).dark_gray(),
            ])
            .render(value_area, buf),
            SignalKind::Digital if self.is_button(info) => Line::from(vec![
                if self.pressed.contains(&info.gpio) {
                    Span::raw("[▼ pressed ]").black().on_yellow().bold()
                } else {
                    Span::raw("[  released]").gray()
                },
                Span::raw(format!("  reads {}", u8::from(v > 0))).dark_gray(),
            ])
            .render(value_area, buf),
            SignalKind::Digital if v > 0 => {
                Line::from(vec![led_glyph(1.0, &info.name), Span::raw(" on").bold()]).render(value_area, buf)
            }
            SignalKind::Digital => {
                Line::from(vec![led_glyph(0.0, &info.name), Span::raw(" off").dark_gray()]).render(value_area, buf)
            }
        }
    }
}

impl Widget for BoardView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let signals = pins_now(self.signals);
        let signals_height = (signals.len().max(1) as u16 + 2).min(area.height);
        let device_lines = self.device_lines();
        let devices_height = if device_lines.is_empty() { 0 } else { device_lines.len() as u16 + 2 };
        let [signals_area, devices_area, lines_area, help_area] = Layout::vertical([
            Constraint::Length(signals_height),
            Constraint::Length(devices_height),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(area);
        if !device_lines.is_empty() {
            let block = Block::bordered().title(Line::from(" devices ").bold());
            let inner = block.inner(devices_area);
            block.render(devices_area, buf);
            Paragraph::new(device_lines).render(inner, buf);
        }

        let block = Block::bordered()
            .title(
                Line::from(if self.board_name.is_empty() {
                    " uasyncio board ".to_string()
                } else {
                    format!(" {} · uasyncio ", self.board_name)
                })
                .bold(),
            )
            .title(
                Line::from(format!(" t = {:.3} s ", self.ended_us.unwrap_or(self.now_us) as f64 / 1e6)).right_aligned(),
            );
        let inner = block.inner(signals_area);
        block.render(signals_area, buf);
        if signals.is_empty() {
            Line::from("  no pins configured yet").dark_gray().render(inner, buf);
        }
        let name_width = signals.iter().map(|(s, _)| s.name.chars().count()).max().unwrap_or(0).clamp(6, NAME_WIDTH);
        for (i, (info, value)) in signals.iter().enumerate() {
            let row = Rect { y: inner.y + i as u16, height: 1, ..inner };
            if row.y >= inner.bottom() {
                break;
            }
            self.signal_row(info, *value, name_width, row, buf);
        }

        let block = Block::bordered().title(Line::from(" printed ").bold());
        let inner = block.inner(lines_area);
        block.render(lines_area, buf);
        let shown = self.lines.len().min(inner.height as usize);
        let text: Vec<Line> = self.lines[self.lines.len() - shown..]
            .iter()
            .map(|(t, line)| {
                Line::from(vec![
                    Span::raw(format!("{:>8.3} s  ", *t as f64 / 1e6)).dark_gray(),
                    Span::raw(line.as_str()),
                ])
            })
            .collect();
        Paragraph::new(text).render(inner, buf);

        Line::from(self.keys_line(&signals)).dark_gray().render(help_area, buf);
    }
}

/// An LED at `brightness` (0 to 1): `○` when dark, then `░▒▓` and `●` when
/// full, as bright as the LED, in the colour its name says (`"red"`,
/// `"green"`, …), yellow if it names none.
fn led_glyph(brightness: f64, name: &str) -> Span<'static> {
    let glyph = match brightness {
        b if b <= 0.0 => "○",
        b if b < 0.25 => "░",
        b if b < 0.5 => "▒",
        b if b < 1.0 => "▓",
        _ => "●",
    };
    if brightness <= 0.0 {
        return Span::raw(glyph).dark_gray();
    }
    let name = name.to_ascii_lowercase();
    let (r, g, b) = LED_COLOURS.iter().find(|(word, _)| name.contains(word)).map_or((255, 255, 0), |(_, rgb)| *rgb);
    let scale = |c: u8| (f64::from(c) * (80.0 + 175.0 * brightness) / 255.0).round() as u8;
    Span::styled(glyph, Style::new().fg(Color::Rgb(scale(r), scale(g), scale(b))).add_modifier(Modifier::BOLD))
}

/// A picture (rows of pixels, `true` = lit) in braille characters, 2×4
/// pixels each: a 128×64 display becomes 16 lines of 64 characters.
///
/// ```
/// let mut picture = vec![vec![false; 4]; 4];
/// picture[0][0] = true; // the top-left dot
/// picture[3][3] = true; // the bottom-right dot of the second character
/// assert_eq!(uasyncio_machine::view::braille(&picture), ["⠁⢀"]);
/// ```
pub fn braille(picture: &[Vec<bool>]) -> Vec<String> {
    // Dot bit of (column, row) within a 2×4 cell.
    const DOTS: [[u32; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];
    let width = picture.first().map_or(0, Vec::len);
    let lit = |x: usize, y: usize| picture.get(y).and_then(|row| row.get(x)).copied().unwrap_or(false);
    (0..picture.len().div_ceil(4))
        .map(|cy| {
            (0..width.div_ceil(2))
                .map(|cx| {
                    let mut bits = 0;
                    for (dx, column) in DOTS.iter().enumerate() {
                        for (dy, bit) in column.iter().enumerate() {
                            if lit(2 * cx + dx, 4 * cy + dy) {
                                bits |= bit;
                            }
                        }
                    }
                    char::from_u32(0x2800 + bits).unwrap_or(' ')
                })
                .collect()
        })
        .collect()
}

/// LED colours by the word in a pin's name.
const LED_COLOURS: [(&str, (u8, u8, u8)); 6] = [
    ("red", (255, 64, 64)),
    ("green", (64, 255, 64)),
    ("blue", (80, 150, 255)),
    ("yellow", (255, 255, 0)),
    ("orange", (255, 160, 0)),
    ("white", (255, 255, 255)),
];

/// One entry per GPIO, in the order the GPIOs first appear: its newest
/// signal (a pin turned into a PWM output or an ADC input is shown as that).
fn pins_now(signals: &[(SignalInfo, Value)]) -> Vec<(SignalInfo, Value)> {
    let mut pins: Vec<(SignalInfo, Value)> = Vec::new();
    for (info, value) in signals {
        match pins.iter_mut().find(|(pin, _)| pin.gpio == info.gpio) {
            Some(pin) => *pin = (info.clone(), *value),
            None => pins.push((info.clone(), *value)),
        }
    }
    pins
}

/// Whether a pin's name says it is a button.
fn named_like_a_button(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["button", "btn", "switch", "key"].iter().any(|word| name.contains(word))
}

/// The board as the live view sees it at one frame.
struct Snapshot {
    signals: Vec<(SignalInfo, Value)>,
    /// GPIOs of the digital inputs: the buttons.
    buttons: Vec<u8>,
    /// The buttons held down.
    pressed: Vec<u8>,
}

impl Snapshot {
    fn of(board: &Board) -> Snapshot {
        let signals = pins_now(&board.signals());
        let buttons: Vec<u8> = signals
            .iter()
            .filter(|(s, _)| s.kind == SignalKind::Digital && is_input(board, s.gpio))
            .map(|(s, _)| s.gpio)
            .collect();
        let pressed = buttons.iter().copied().filter(|&gpio| board.is_pressed(gpio)).collect();
        Snapshot { signals, buttons, pressed }
    }
}

/// Whether `gpio` is a plain digital input (a button's pin).
fn is_input(board: &Board, gpio: u8) -> bool {
    board.config(gpio).is_some_and(|c| c.mode == PinMode::In && matches!(c.function, Function::Gpio))
}

/// What the keys did that outlives a frame: the selected row, a click's
/// pending release, whether to quit.
#[derive(Debug, Default)]
struct Controls {
    selected: Option<SignalId>,
    /// A click's release: (gpio, at µs).
    release_at: Option<(u8, u64)>,
    /// The sensor quantity `[` `]` change: (device, quantity).
    quantity: Option<(usize, usize)>,
    quit: bool,
}

impl Controls {
    fn handle(&mut self, key: KeyEvent, board: &Board, seen: &Snapshot, now_us: u64) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        let ctrl_c = key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
        match key.code {
            _ if ctrl_c => self.quit = true,
            KeyCode::Char('q') | KeyCode::Esc => self.quit = true,
            KeyCode::Up | KeyCode::BackTab => self.step_selection(&seen.signals, -1),
            KeyCode::Down | KeyCode::Tab => self.step_selection(&seen.signals, 1),
            KeyCode::Char(' ') | KeyCode::Char('b') => {
                if let Some(gpio) = self.button(seen) {
                    if board.is_pressed(gpio) {
                        board.release(gpio);
                    } else {
                        board.press(gpio);
                    }
                }
            }
            KeyCode::Enter => {
                if let Some(gpio) = self.button(seen) {
                    board.press(gpio);
                    self.release_at = Some((gpio, now_us + CLICK_MS * 1000));
                }
            }
            KeyCode::Left | KeyCode::Char('-') => self.turn(board, seen, |v| v.saturating_sub(POT_STEP)),
            KeyCode::Right | KeyCode::Char('+') | KeyCode::Char('=') => {
                self.turn(board, seen, |v| v.saturating_add(POT_STEP))
            }
            KeyCode::Char('s') => self.next_quantity(board),
            KeyCode::Char('[') => self.nudge(board, -1.0),
            KeyCode::Char(']') => self.nudge(board, 1.0),
            KeyCode::Char(',') | KeyCode::Char('<') => turn_encoder(board, false),
            KeyCode::Char('.') | KeyCode::Char('>') => turn_encoder(board, true),
            KeyCode::Home => self.turn(board, seen, |_| 0),
            KeyCode::End => self.turn(board, seen, |_| u16::MAX),
            _ => {}
        }
    }

    /// Chooses the next quantity of the devices, in order (the first if none).
    fn next_quantity(&mut self, board: &Board) {
        let all: Vec<(usize, usize)> = board
            .devices()
            .iter()
            .enumerate()
            .flat_map(|(d, (_, device))| (0..device.quantities().len()).map(move |q| (d, q)))
            .collect();
        let at = self.quantity.and_then(|q| all.iter().position(|&a| a == q));
        self.quantity = match at {
            Some(i) => all.get((i + 1) % all.len()).copied(),
            None => all.first().copied(),
        };
    }

    /// Changes the chosen quantity by `step` (the first one if none chosen).
    fn nudge(&mut self, board: &Board, step: f64) {
        if self.quantity.is_none() {
            self.next_quantity(board);
        }
        let devices = board.devices();
        if let Some((d, q)) = self.quantity
            && let Some((_, device)) = devices.get(d)
            && let Some(&(_, value, _)) = device.quantities().get(q)
        {
            device.set_quantity(q, value + step);
        }
    }

    /// Releases a clicked button once its time is up.
    fn tick(&mut self, board: &Board, now_us: u64) {
        if let Some((gpio, at)) = self.release_at
            && now_us >= at
        {
            self.release_at = None;
            board.release(gpio);
        }
    }

    fn step_selection(&mut self, signals: &[(SignalInfo, Value)], step: isize) {
        if signals.is_empty() {
            return;
        }
        let n = signals.len() as isize;
        let current = self
            .selected
            .and_then(|id| signals.iter().position(|(s, _)| s.id == id))
            .map_or(if step > 0 { -1 } else { 0 }, |i| i as isize);
        let next = (current + step).rem_euclid(n) as usize;
        self.selected = Some(signals[next].0.id);
    }

    fn selected_gpio(&self, seen: &Snapshot) -> Option<u8> {
        let id = self.selected?;
        seen.signals.iter().find(|(s, _)| s.id == id).map(|(s, _)| s.gpio)
    }

    /// The button the keys press: the selected one, else the first.
    fn button(&self, seen: &Snapshot) -> Option<u8> {
        self.selected_gpio(seen).filter(|gpio| seen.buttons.contains(gpio)).or_else(|| seen.buttons.first().copied())
    }

    /// Turns the potentiometer (the selected ADC input, else the first) to
    /// `f` of where it is.
    fn turn(&self, board: &Board, seen: &Snapshot, f: impl Fn(u16) -> u16) {
        let is_adc = |(s, _): &&(SignalInfo, Value)| s.kind == SignalKind::Analog;
        let selected = seen.signals.iter().filter(is_adc).find(|(s, _)| Some(s.id) == self.selected);
        if let Some((info, _)) = selected.or_else(|| seen.signals.iter().find(is_adc)) {
            board.set_adc_u16(info.gpio, f(board.adc_u16(info.gpio)));
        }
    }
}

/// Turns the first wired encoder one detent: its edges a few ms apart, as a
/// hand turns it, by a task beside the view's.
fn turn_encoder(board: &Board, clockwise: bool) {
    if let Some(&(a, b)) = board.encoders().first() {
        let board = board.clone();
        uasyncio::create_task(async move {
            for _ in 0..DETENT_EDGES {
                board.turn_encoder(a, b, clockwise);
                uasyncio::sleep_ms(EDGE_MS).await;
            }
        });
    }
}

/// Runs the live view until the user quits or `duration` seconds pass.
///
/// Run it as a task beside the program, on the real clock: every 50 ms it
/// reads the keys that arrived (without blocking), applies them to `board`,
/// and redraws. The terminal is restored when it returns, when it is dropped
/// (its task cancelled), and before any panic message is printed. Set the
/// board's echo to [`Echo::Quiet`](crate::Echo::Quiet) first, so printed
/// lines show in the view rather than across it.
///
/// ```no_run
/// use uasyncio_machine::{Board, Echo, view};
///
/// let board = Board::esp32().install();
/// board.set_echo(Echo::Quiet);
/// uasyncio::run(async move {
///     // uasyncio::create_task(program());
///     view::run_live(board, Some(10.0)).await
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn run_live(board: Board, duration: Option<f64>) -> io::Result<()> {
    let start = uasyncio::now_us();
    let end = duration.map(|secs| start + crate::board::secs_to_us(secs));
    let guard = TerminalGuard::enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.clear()?;
    let mut controls = Controls::default();
    let board_name = board.desc().name;
    loop {
        let now = uasyncio::now_us();
        while event::poll(Duration::ZERO)? {
            if let Event::Key(key) = event::read()? {
                // Fresh each key: two presses of → in one frame turn twice.
                controls.handle(key, &board, &Snapshot::of(&board), now);
            }
        }
        controls.tick(&board, now);
        if controls.quit || end.is_some_and(|end| now >= end) {
            break;
        }
        // A panic elsewhere (a failing task) restored the terminal: take it back.
        if guard.lost() {
            guard.retake()?;
            terminal.clear()?;
        }
        let seen = Snapshot::of(&board);
        let devices = board.devices();
        // No more lines than the screen has rows.
        let lines = board.last_lines(usize::from(terminal.size()?.height));
        terminal.draw(|frame| {
            let view = BoardView::new(&seen.signals, &lines, now)
                .devices(&devices)
                .quantity(controls.quantity)
                .board_name(&board_name)
                .encoder(!board.encoders().is_empty())
                .ended(board.main_returned_us())
                .selected(controls.selected)
                .buttons(seen.buttons.iter().copied())
                .pressed(seen.pressed.iter().copied());
            frame.render_widget(view, frame.area());
        })?;
        uasyncio::sleep_ms(FRAME_MS).await;
    }
    drop(terminal);
    drop(guard);
    Ok(())
}

/// Whether the terminal is in raw mode on the alternate screen, set up by us.
static TERMINAL_TAKEN: AtomicBool = AtomicBool::new(false);

type PanicHook = dyn Fn(&PanicHookInfo<'_>) + Send + Sync + 'static;

/// Holds the terminal in raw mode on the alternate screen; dropping it gives
/// the terminal back. While it lives, a panic hook gives the terminal back
/// before the panic message is printed, so the message is readable.
struct TerminalGuard {
    previous_hook: Arc<PanicHook>,
}

impl TerminalGuard {
    fn enter() -> io::Result<Self> {
        let previous_hook: Arc<PanicHook> = Arc::from(panic::take_hook());
        let hook = Arc::clone(&previous_hook);
        panic::set_hook(Box::new(move |info| {
            restore_terminal();
            hook(info);
        }));
        let guard = TerminalGuard { previous_hook };
        guard.retake()?;
        Ok(guard)
    }

    /// Raw mode and the alternate screen, again after the panic hook left them.
    fn retake(&self) -> io::Result<()> {
        terminal::enable_raw_mode()?;
        TERMINAL_TAKEN.store(true, Ordering::SeqCst);
        execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)
    }

    /// Whether something else (the panic hook) gave the terminal back.
    fn lost(&self) -> bool {
        !TERMINAL_TAKEN.load(Ordering::SeqCst)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
        // take_hook panics on a panicking thread; our hook stays then, harmless.
        if !std::thread::panicking() {
            let previous = Arc::clone(&self.previous_hook);
            let _ = panic::take_hook();
            panic::set_hook(Box::new(move |info| previous(info)));
        }
    }
}

/// Leaves raw mode and the alternate screen, once, whoever asks first.
fn restore_terminal() {
    if TERMINAL_TAKEN.swap(false, Ordering::SeqCst) {
        let _ = terminal::disable_raw_mode();
        let _ = execute!(io::stdout(), terminal::LeaveAlternateScreen, cursor::Show);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Adc, Pin};

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn press_key(controls: &mut Controls, board: &Board, code: KeyCode, now_us: u64) {
        controls.handle(key(code), board, &Snapshot::of(board), now_us);
    }

    #[test]
    fn comma_and_full_stop_turn_the_wired_encoder_one_detent_each_way() {
        let board = Board::esp32().install();
        let log = uasyncio::run_virtual({
            let board = board.clone();
            async move {
                let x = Pin::with_pull(33, Pin::IN, Pin::PULL_UP);
                let y = Pin::with_pull(25, Pin::IN, Pin::PULL_UP);
                let encoder = crate::Encoder::new(x, y); // wires itself for the view
                let mut controls = Controls::default();
                let mut log = vec![];
                for code in ['.', '>', ','] {
                    press_key(&mut controls, &board, KeyCode::Char(code), 0);
                    log.push(encoder.changed().await);
                }
                log
            }
        });
        assert_eq!(log, [4, 8, 4]);
    }

    #[test]
    fn only_plain_digital_inputs_are_buttons() {
        let board = Board::esp32().install();
        let _led = Pin::new(14, Pin::OUT);
        let _button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
        let _pot = Adc::new(Pin::new(36, Pin::IN));
        assert_eq!(Snapshot::of(&board).buttons, [15]);
    }

    #[test]
    fn space_toggles_the_button_and_enter_clicks_it_for_150_ms() {
        let board = Board::pico().install();
        let _led = Pin::new(25, Pin::OUT);
        let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
        let mut controls = Controls::default();

        press_key(&mut controls, &board, KeyCode::Char(' '), 0);
        assert!(board.is_pressed(15) && !button.value());
        assert_eq!(Snapshot::of(&board).pressed, [15]);
        press_key(&mut controls, &board, KeyCode::Char('b'), 0);
        assert!(!board.is_pressed(15) && button.value());

        press_key(&mut controls, &board, KeyCode::Enter, 1_000_000);
        assert!(board.is_pressed(15));
        controls.tick(&board, 1_149_999);
        assert!(board.is_pressed(15));
        controls.tick(&board, 1_150_000);
        assert!(!board.is_pressed(15));
    }

    #[test]
    fn arrows_turn_the_potentiometer_in_five_percent_steps() {
        let board = Board::esp32().install();
        let _pot = Adc::new(Pin::new(36, Pin::IN));
        board.set_adc_u16(36, 32768);
        let mut controls = Controls::default();
        let mut turn = |code| {
            press_key(&mut controls, &board, code, 0);
            board.adc_u16(36)
        };
        assert_eq!(turn(KeyCode::Right), 36045);
        assert_eq!(turn(KeyCode::Char('+')), 39322);
        assert_eq!(turn(KeyCode::Left), 36045);
        assert_eq!(turn(KeyCode::Char('-')), 32768);
        assert_eq!(turn(KeyCode::End), 65535);
        assert_eq!(turn(KeyCode::Right), 65535);
        assert_eq!(turn(KeyCode::Home), 0);
        assert_eq!(turn(KeyCode::Left), 0);
    }

    #[test]
    fn up_and_down_choose_the_button_the_keys_press() {
        let board = Board::pico().install();
        let _a = Pin::with_pull(14, Pin::IN, Pin::PULL_UP);
        let _b = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
        let mut controls = Controls::default();
        press_key(&mut controls, &board, KeyCode::Char(' '), 0);
        assert!(board.is_pressed(14) && !board.is_pressed(15), "the first button by default");
        press_key(&mut controls, &board, KeyCode::Down, 0);
        press_key(&mut controls, &board, KeyCode::Down, 0);
        assert_eq!(controls.selected, Some(SignalId(1)));
        press_key(&mut controls, &board, KeyCode::Char(' '), 0);
        assert!(board.is_pressed(15));
        press_key(&mut controls, &board, KeyCode::Down, 0);
        assert_eq!(controls.selected, Some(SignalId(0)), "wraps around");
        press_key(&mut controls, &board, KeyCode::Up, 0);
        assert_eq!(controls.selected, Some(SignalId(1)));
    }

    #[test]
    fn s_chooses_a_sensor_quantity_and_brackets_turn_it() {
        let board = Board::esp32().install();
        let bme = crate::devices::Bme280::new();
        board.attach_i2c(0, 0x76, bme.clone());
        let mut controls = Controls::default();
        press_key(&mut controls, &board, KeyCode::Char(']'), 0);
        assert_eq!(bme.temperature(), 21.0, "the first quantity by default");
        press_key(&mut controls, &board, KeyCode::Char('s'), 0);
        press_key(&mut controls, &board, KeyCode::Char('['), 0);
        press_key(&mut controls, &board, KeyCode::Char('['), 0);
        assert_eq!(bme.pressure_hpa(), 1011.25);
        press_key(&mut controls, &board, KeyCode::Char('s'), 0);
        press_key(&mut controls, &board, KeyCode::Char('s'), 0);
        assert_eq!(controls.quantity, Some((0, 0)), "wraps around");
    }

    #[test]
    fn an_oled_shows_as_its_picture_in_braille_under_the_devices() {
        use crate::target::I2cTarget;
        let board = Board::esp32().install();
        let oled = crate::devices::Ssd1306::i2c();
        board.attach_i2c(0, 0x3c, oled.clone());
        oled.write(0, &[0x00, 0xaf, 0xa1, 0xc8, 0x20, 0x00]).unwrap(); // on, upright, horizontal
        oled.write(0, &[0x40, 0x0f, 0x0f]).unwrap(); // two columns, rows 0-3 lit
        let devices = board.devices();
        let area = Rect::new(0, 0, 80, 24);
        let mut buf = Buffer::empty(area);
        BoardView::new(&[], &[], 0).devices(&devices).render(area, &mut buf);
        let row = |y| (0..80).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>();
        assert!(row(4).contains("SSD1306  I2C0 0x3c"), "{}", row(4));
        assert!(row(5).starts_with("│  │⣿⠀⠀"), "{}", row(5)); // 2×4 lit: one full cell
        assert_eq!(row(5).matches('⠀').count(), 63);
    }

    #[test]
    fn q_esc_and_ctrl_c_quit_other_keys_do_not() {
        let board = Board::esp32().install();
        for (event, quits) in [
            (key(KeyCode::Char('q')), true),
            (key(KeyCode::Esc), true),
            (KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL), true),
            (key(KeyCode::Char('c')), false),
            (key(KeyCode::Char('x')), false),
        ] {
            let mut controls = Controls::default();
            controls.handle(event, &board, &Snapshot::of(&board), 0);
            assert_eq!(controls.quit, quits, "{event:?}");
        }
    }
}
