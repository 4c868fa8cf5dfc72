//! The board in a browser: `--http ADDR` on every example serves a page
//! that shows each pin live (LEDs lit or dark, PWM duty as brightness, the
//! ADC value) over Server-Sent Events, with controls that press and release
//! the buttons and turn the potentiometers.
//!
//! ```text
//! cargo run -p uasyncio-machine --example button_queue -- --http 127.0.0.1:8080
//! ```
//!
//! The server ([`uasyncio_web`]) runs as tasks of the program's own loop:
//! the page reads the board as the live terminal view does
//! ([`Board::signals`], the printed lines) and acts on it through the same
//! calls ([`Board::press`], [`Board::release`], [`Board::set_adc_u16`]).
//! The page is embedded in the binary (no CDN, no files to install).
//!
//! A virtual clock has no I/O poller, so under `--virtual` the run goes
//! first, as fast as it can; the page then replays its record at real
//! speed (each page load from the start, ending on the end state), says
//! so, and disables the controls.
//!
//! The routes:
//!
//! | route | does |
//! |---|---|
//! | `GET /` | the page |
//! | `GET /api/state` | the board now, as JSON |
//! | `GET /api/events` | the same JSON as an event stream, sent as it changes (after a virtual run: its replay) |
//! | `POST /api/press/<gpio>`, `POST /api/release/<gpio>` | hold or let go a button |
//! | `POST /api/click/<gpio>` | press now, release 150 ms later |
//! | `POST /api/adc/<gpio>?value=N` | turn a potentiometer to `N` (`0..=65535`) |

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::{Value as Json, json};
use uasyncio_web::{App, HttpError, Request, Response, SseEvent};

use crate::Board;
use crate::board::{Function, PinMode};
use crate::trace::{SignalInfo, SignalKind, Trace, Value};

/// How often the board is looked at (for the LEDs' blink intervals).
const SAMPLE_MS: u64 = 5;
/// How often an event stream checks for a change to send.
const FRAME_MS: u64 = 40;
/// An event at least this often, changed or not: the page's clock moves,
/// and a write finds a client gone.
const HEARTBEAT_MS: u64 = 250;
/// How long a click holds a button down.
const CLICK_MS: u64 = 150;
/// The printed lines the page shows.
const LINES: usize = 12;

const PAGE: &str = include_str!("dashboard/index.html");
const SCRIPT: &str = include_str!("dashboard/dashboard.js");
const STYLE: &str = include_str!("dashboard/dashboard.css");

/// Which clock the page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The program runs on the real clock beside the server: live.
    Real,
    /// The program ran on a virtual clock (as fast as possible) and is
    /// over: the page replays its record at real speed (`/api/state`
    /// gives the end state); the controls are off.
    VirtualFinished,
}

/// What the sampler keeps of each GPIO between looks.
#[derive(Clone, Debug, Default)]
struct Seen {
    gpio: u8,
    value: u16,
    changes: u64,
    last_change_us: Option<u64>,
    /// The time between the last two changes.
    interval_us: Option<u64>,
}

/// The board as sampled: each GPIO's last change, and a version bumped on
/// every change (an event stream sends when it moves).
#[derive(Default)]
struct Sampler {
    pins: Vec<Seen>,
    version: u64,
}

impl Sampler {
    fn look(&mut self, board: &Board, now_us: u64) {
        for (info, value) in board.signals() {
            let value = value.as_u16();
            match self.pins.iter_mut().find(|p| p.gpio == info.gpio) {
                Some(seen) if seen.value == value => {}
                Some(seen) => {
                    seen.value = value;
                    seen.changes += 1;
                    seen.interval_us = seen.last_change_us.map(|t| now_us.saturating_sub(t));
                    seen.last_change_us = Some(now_us);
                    self.version += 1;
                }
                None => {
                    self.pins.push(Seen { gpio: info.gpio, value, ..Seen::default() });
                    self.version += 1;
                }
            }
        }
    }
}

/// A GPIO as replayed up to some time.
struct Replayed {
    info: SignalInfo,
    value: u16,
    changes: u64,
    last_us: Option<u64>,
    interval_us: Option<u64>,
}

/// The shared state of the dashboard's handlers.
struct Dash {
    board: Board,
    clock: Clock,
    sampler: RefCell<Sampler>,
}

impl Dash {
    /// The board now, as the page wants it.
    fn state(&self) -> Json {
        let board = &self.board;
        let now_us = uasyncio::now_us();
        if self.clock == Clock::Real {
            self.sampler.borrow_mut().look(board, now_us);
        }
        let sampler = self.sampler.borrow();
        // One entry per GPIO: its newest signal (a pin turned PWM shows as PWM).
        let mut pins: Vec<(crate::trace::SignalInfo, Value)> = Vec::new();
        for (info, value) in board.signals() {
            match pins.iter_mut().find(|(p, _)| p.gpio == info.gpio) {
                Some(pin) => *pin = (info, value),
                None => pins.push((info, value)),
            }
        }
        let pins: Vec<Json> = pins
            .iter()
            .map(|(info, value)| {
                let seen = sampler.pins.iter().find(|p| p.gpio == info.gpio);
                let kind = kind_name(info.kind);
                json!({
                    "gpio": info.gpio,
                    "name": info.name,
                    "kind": kind,
                    "value": value.as_u16(),
                    "button": is_button(board, info.gpio, info.kind),
                    "pressed": board.is_pressed(info.gpio),
                    "changes": seen.map_or(0, |s| s.changes),
                    "interval_ms": seen.and_then(|s| s.interval_us).map(|us| us / 1000),
                })
            })
            .collect();
        let lines: Vec<Json> =
            board.last_lines(LINES).into_iter().map(|(t, text)| json!({"t_ms": t / 1000, "text": text})).collect();
        let now_ms = match self.clock {
            Clock::Real => now_us / 1000,
            Clock::VirtualFinished => board.trace().end_us / 1000,
        };
        json!({
            "board": board.desc().name,
            "clock": match self.clock { Clock::Real => "real", Clock::VirtualFinished => "virtual" },
            "now_ms": now_ms,
            "pins": pins,
            "lines": lines,
        })
    }

    /// The board as recorded at `t_us` of a finished run: the same JSON as
    /// [`state`](Self::state), with `"replay": {"t_ms", "end_ms"}`.
    fn replay_state(&self, trace: &Trace, t_us: u64) -> Json {
        let t_us = t_us.min(trace.end_us);
        // Per GPIO, in order of first appearance: its newest signal that has
        // a value by `t_us`, that value, its changes so far and the last two times.
        let mut pins: Vec<Replayed> = Vec::new();
        for change in trace.changes.iter().take_while(|c| c.t_us <= t_us) {
            let info = trace.signal(change.signal);
            let value = change.value.as_u16();
            match pins.iter_mut().find(|p| p.info.gpio == info.gpio) {
                Some(pin) => {
                    let changed = pin.value != value;
                    pin.info = info.clone();
                    pin.value = value;
                    if changed {
                        pin.changes += 1;
                        pin.interval_us = pin.last_us.map(|last| change.t_us - last);
                        pin.last_us = Some(change.t_us);
                    }
                }
                None => pins.push(Replayed { info: info.clone(), value, changes: 0, last_us: None, interval_us: None }),
            }
        }
        let pins: Vec<Json> = pins
            .iter()
            .map(|pin| {
                json!({
                    "gpio": pin.info.gpio,
                    "name": pin.info.name,
                    "kind": kind_name(pin.info.kind),
                    "value": pin.value,
                    "button": is_button(&self.board, pin.info.gpio, pin.info.kind),
                    "pressed": false,
                    "changes": pin.changes,
                    "interval_ms": pin.interval_us.map(|us| us / 1000),
                })
            })
            .collect();
        let shown = trace.lines.iter().filter(|(t, _)| *t <= t_us).count();
        let lines: Vec<Json> = trace.lines[shown.saturating_sub(LINES)..shown]
            .iter()
            .map(|(t, text)| json!({"t_ms": t / 1000, "text": text}))
            .collect();
        json!({
            "board": self.board.desc().name,
            "clock": "virtual",
            "now_ms": t_us / 1000,
            "replay": {"t_ms": t_us / 1000, "end_ms": trace.end_us / 1000},
            "pins": pins,
            "lines": lines,
        })
    }

    /// The GPIO of a request's path, if it is a control of `kind` the page offers.
    fn control(&self, req: &Request, analog: bool) -> Result<u8, HttpError> {
        if self.clock != Clock::Real {
            return Err(HttpError::new(409, "the run was on virtual time and is over: nothing to control"));
        }
        let gpio: u8 = req.param_as("gpio")?;
        let found = self.board.signals().into_iter().any(|(info, _)| {
            info.gpio == gpio
                && if analog { info.kind == SignalKind::Analog } else { is_button(&self.board, gpio, info.kind) }
        });
        if found {
            Ok(gpio)
        } else {
            let what = if analog { "an ADC input" } else { "a button (a digital input)" };
            Err(HttpError::new(404, format!("GPIO {gpio} is not {what} of this program")))
        }
    }
}

fn kind_name(kind: SignalKind) -> &'static str {
    match kind {
        SignalKind::Digital => "digital",
        SignalKind::Pwm => "pwm",
        SignalKind::Analog => "analog",
    }
}

/// Whether `gpio` is a plain digital input: a button the page can press.
fn is_button(board: &Board, gpio: u8, kind: SignalKind) -> bool {
    kind == SignalKind::Digital
        && board.config(gpio).is_some_and(|c| c.mode == PinMode::In && matches!(c.function, Function::Gpio))
}

/// The dashboard's web application for `board` (what `--http` serves).
///
/// Call it on the board's loop. [`serve`] also samples the board every
/// few ms for the LEDs' blink intervals; without it they are measured at
/// each request.
///
/// ```
/// use uasyncio_machine::{Board, Pin, dashboard};
/// let board = Board::pico().install();
/// board.label(25, "led");
/// let served = uasyncio::run({
///     let board = board.clone();
///     async move {
///         Pin::new(25, Pin::OUT).on();
///         let server = dashboard::app(board, dashboard::Clock::Real).serve("127.0.0.1", 0).await.unwrap();
///         let port = server.local_addr().port();
///         let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
///         writer.write(b"GET /api/state HTTP/1.0\r\n\r\n");
///         writer.drain().await.unwrap();
///         let response = String::from_utf8(reader.read_to_end().await.unwrap()).unwrap();
///         server.close();
///         response
///     }
/// });
/// let json = served.split_once("\r\n\r\n").unwrap().1;
/// let state: serde_json::Value = serde_json::from_str(json).unwrap();
/// assert_eq!(state["clock"], "real");
/// assert_eq!(state["pins"][0]["name"], "led");
/// assert_eq!(state["pins"][0]["value"], 65535);
/// ```
pub fn app(board: Board, clock: Clock) -> App {
    build(board, clock).0
}

fn build(board: Board, clock: Clock) -> (App, Rc<Dash>) {
    let dash = Rc::new(Dash { board, clock, sampler: RefCell::default() });
    let sampled = dash.clone();
    let events = dash.clone();
    let press = dash.clone();
    let release = dash.clone();
    let click = dash.clone();
    let adc = dash.clone();
    let state = dash;
    let app = App::new()
        .embedded("/", "text/html; charset=utf-8", PAGE.as_bytes())
        .embedded("/dashboard.js", "text/javascript; charset=utf-8", SCRIPT.as_bytes())
        .embedded("/dashboard.css", "text/css; charset=utf-8", STYLE.as_bytes())
        .get("/api/state", move |_| {
            let state = state.state();
            async move { Response::json(&state) }
        })
        .get("/api/events", move |_| {
            let dash = events.clone();
            async move { event_stream(dash) }
        })
        .post("/api/press/<gpio>", move |req| {
            let done = press.control(&req, false).map(|gpio| press.board.press(gpio));
            let state = press.state();
            async move { done.map(|()| Response::json(&state)) }
        })
        .post("/api/release/<gpio>", move |req| {
            let done = release.control(&req, false).map(|gpio| release.board.release(gpio));
            let state = release.state();
            async move { done.map(|()| Response::json(&state)) }
        })
        .post("/api/click/<gpio>", move |req| {
            let gpio = click.control(&req, false);
            let dash = click.clone();
            async move {
                let gpio = gpio?;
                dash.board.press(gpio);
                let board = dash.board.clone();
                uasyncio::create_task(async move {
                    uasyncio::sleep_ms(CLICK_MS).await;
                    board.release(gpio);
                });
                Ok::<_, HttpError>(Response::json(&dash.state()))
            }
        })
        .post("/api/adc/<gpio>", move |req| {
            let done = adc.control(&req, true).and_then(|gpio| {
                let value: u16 = req.query_as("value")?;
                adc.board.set_adc_u16(gpio, value);
                Ok(())
            });
            let state = adc.state();
            async move { done.map(|()| Response::json(&state)) }
        });
    (app, sampled)
}

/// The board's state as an event stream: at once, then on each change
/// (looked for every [`FRAME_MS`]), and at least every [`HEARTBEAT_MS`].
fn event_stream(dash: Rc<Dash>) -> Response {
    if dash.clock == Clock::VirtualFinished {
        return replay_stream(dash);
    }
    /// What was sent last, and when.
    #[derive(Default)]
    struct Sent {
        json: Option<String>,
        at_us: u64,
    }
    let sent = Rc::new(RefCell::new(Sent::default()));
    Response::sse(move || {
        let (dash, sent) = (dash.clone(), sent.clone());
        async move {
            let mut state = dash.state();
            if sent.borrow().json.is_some() {
                loop {
                    uasyncio::sleep_ms(FRAME_MS).await;
                    state = dash.state();
                    let changed = {
                        let previous = sent.borrow();
                        let stale = uasyncio::now_us().saturating_sub(previous.at_us) >= HEARTBEAT_MS * 1000;
                        previous.json.as_deref() != Some(without_clock(&state).as_str()) || stale
                    };
                    if changed {
                        break;
                    }
                }
            }
            *sent.borrow_mut() = Sent { json: Some(without_clock(&state)), at_us: uasyncio::now_us() };
            Some(SseEvent::json(&state))
        }
    })
}

/// A finished virtual run replayed at real speed from this request on:
/// an event each [`FRAME_MS`] while it lasts, then the end state, then a
/// heartbeat.
fn replay_stream(dash: Rc<Dash>) -> Response {
    let trace = Rc::new(dash.board.trace());
    let start_us = uasyncio::now_us();
    let mut first = true;
    Response::sse(move || {
        let (dash, trace) = (dash.clone(), trace.clone());
        let wait = if std::mem::take(&mut first) { 0 } else { FRAME_MS };
        async move {
            let t_us = uasyncio::now_us().saturating_sub(start_us);
            let wait = if t_us > trace.end_us { HEARTBEAT_MS } else { wait };
            uasyncio::sleep_ms(wait).await;
            let t_us = uasyncio::now_us().saturating_sub(start_us);
            Some(SseEvent::json(&dash.replay_state(&trace, t_us)))
        }
    })
}

/// The state without its clock, to tell whether anything else changed.
fn without_clock(state: &Json) -> String {
    let mut state = state.clone();
    state["now_ms"] = Json::Null;
    state.to_string()
}

/// Serves the dashboard of `board` on `host:port` from the running loop,
/// and (on [`Clock::Real`]) looks at the board every few ms for the LEDs'
/// blink intervals. This is what `--http ADDR` runs.
///
/// # Errors
/// As [`App::serve`]: the address is in use or does not resolve.
///
/// ```
/// use uasyncio_machine::{Board, dashboard};
/// let board = Board::esp32().install();
/// uasyncio::run(async move {
///     let server = dashboard::serve(board, dashboard::Clock::Real, "127.0.0.1", 0).await.unwrap();
///     assert!(server.local_addr().port() > 0);
///     server.close();
/// });
/// ```
pub async fn serve(board: Board, clock: Clock, host: &str, port: u16) -> std::io::Result<uasyncio_web::WebServer> {
    let (app, dash) = build(board, clock);
    let server = app.serve(host, port).await?;
    if clock == Clock::Real {
        uasyncio::create_task(async move {
            loop {
                dash.sampler.borrow_mut().look(&dash.board, uasyncio::now_us());
                uasyncio::sleep_ms(SAMPLE_MS).await;
            }
        });
    }
    Ok(server)
}
