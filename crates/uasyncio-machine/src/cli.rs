//! The command line shared by the tutorial examples.
//!
//! ```text
//! cargo run --example two_leds                      # real time, live view in a terminal
//! cargo run --example two_leds -- --virtual         # 10 simulated seconds, at once
//! cargo run --example two_leds -- --duration 3 --plain
//! cargo run --example two_leds -- --virtual --vcd two_leds.vcd --svg two_leds.svg
//! cargo run --example two_leds -- --http 127.0.0.1:8080   # the board in a browser
//! ```
//!
//! `--http ADDR` serves the [`dashboard`](crate::dashboard) beside the
//! program on its loop until Ctrl-C (or `--duration`); nobody's demo
//! presses are played then, the page's controls act instead. Under
//! `--virtual` the run goes first and the page replays its record.
//!
//! Without a terminal (piped, CI) or with `--plain`, every pin change and
//! printed line is shown with its time (`   0.500 s  GPIO14 -> 1`).

use std::cell::Cell;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::rc::Rc;

use crate::board::{Board, Echo};
use crate::run::{Ending, IntoMain};
use crate::trace::Trace;

/// How long a run lasts when nobody is there to stop it (virtual time, or
/// no terminal) and `--duration` is not given.
///
/// ```
/// assert_eq!(uasyncio_machine::cli::DEFAULT_SECS, 10.0);
/// ```
pub const DEFAULT_SECS: f64 = 10.0;

const USAGE: &str = "\
options:
  --virtual          run on a virtual clock (as fast as possible)
  --duration SECS    stop after SECS seconds
  --vcd FILE         write the pin changes as a VCD waveform (GTKWave, PulseView)
  --svg FILE         write the pin changes as an SVG timing diagram
  --plain            print each pin change with its time instead of the live view
  --http ADDR        serve the board's live dashboard at ADDR (e.g. 127.0.0.1:8080)
  --help             show this";

/// The parsed command line.
///
/// ```
/// use uasyncio_machine::cli::Options;
/// let options = Options::parse_from(["--plain".to_string()]).unwrap();
/// assert!(options.plain && !options.virtual_time && options.duration.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    /// `--virtual`: a virtual clock instead of the real one.
    pub virtual_time: bool,
    /// `--duration SECS`.
    pub duration: Option<f64>,
    /// `--vcd FILE`.
    pub vcd: Option<PathBuf>,
    /// `--svg FILE`.
    pub svg: Option<PathBuf>,
    /// `--plain`: no live view.
    pub plain: bool,
    /// `--http ADDR`: serve the [`dashboard`](crate::dashboard) at
    /// `ADDR` (`host:port`).
    pub http: Option<String>,
}

impl Options {
    /// Parses the process's arguments; on an error or `--help` prints the
    /// usage and exits.
    ///
    /// ``` no_run
    /// use uasyncio_machine::cli::Options;
    /// let options = Options::parse(); // e.g. `two_leds --virtual`
    /// if options.virtual_time { /* … */ }
    /// ```
    pub fn parse() -> Options {
        let program = std::env::args().next().unwrap_or_else(|| "example".into());
        match Options::parse_from(std::env::args().skip(1)) {
            Ok(options) => options,
            Err(message) if message.is_empty() => {
                println!("usage: {program} [options]\n{USAGE}");
                std::process::exit(0);
            }
            Err(message) => {
                eprintln!("{program}: {message}\nusage: {program} [options]\n{USAGE}");
                std::process::exit(2);
            }
        }
    }

    /// Parses `args` (without the program name). `Err("")` means `--help`.
    ///
    /// ```
    /// use uasyncio_machine::cli::Options;
    /// let args = ["--virtual", "--duration", "2.5", "--vcd", "out.vcd"].map(String::from);
    /// let options = Options::parse_from(args).unwrap();
    /// assert!(options.virtual_time);
    /// assert_eq!(options.duration, Some(2.5));
    /// assert_eq!(options.vcd, Some("out.vcd".into()));
    /// assert_eq!(
    ///     Options::parse_from(["--duration".to_string(), "soon".to_string()]),
    ///     Err("--duration needs a number of seconds, not \"soon\"".to_string())
    /// );
    /// ```
    pub fn parse_from(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
        let mut options = Options::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
            match arg.as_str() {
                "--virtual" => options.virtual_time = true,
                "--plain" => options.plain = true,
                "--duration" => {
                    let secs = value("--duration")?;
                    match secs.parse::<f64>() {
                        Ok(s) if s.is_finite() && s >= 0.0 => options.duration = Some(s),
                        _ => {
                            return Err(format!("--duration needs a number of seconds, not {secs:?}"));
                        }
                    }
                }
                "--vcd" => options.vcd = Some(value("--vcd")?.into()),
                "--svg" => options.svg = Some(value("--svg")?.into()),
                "--http" => options.http = Some(http_addr(&value("--http")?)?),
                "--help" | "-h" => return Err(String::new()),
                other => return Err(format!("unknown option {other:?}")),
            }
        }
        Ok(options)
    }
}

/// Checks an `--http` address: `host:port`.
fn http_addr(addr: &str) -> Result<String, String> {
    if !cfg!(feature = "http") {
        return Err("--http needs uasyncio-machine's `http` feature (on by default)".into());
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(addr.to_string()),
        _ => Err(format!("--http needs HOST:PORT (e.g. 127.0.0.1:8080), not {addr:?}")),
    }
}

/// Scripts the outside world of a demo run.
type DemoScript = Box<dyn FnOnce(&Board)>;

/// A tutorial program ready to run on a board from the command line.
///
/// ```no_run
/// use uasyncio_machine::{Board, Pin, cli::App};
///
/// async fn main_task() {
///     let led = Pin::new(14, Pin::OUT);
///     loop {
///         led.toggle();
///         uasyncio::sleep(0.5).await;
///     }
/// }
///
/// fn main() {
///     App::new(Board::esp32()).run(main_task);
/// }
/// ```
pub struct App {
    board: Board,
    demo: Option<DemoScript>,
    default_secs: f64,
}

impl App {
    /// A program for `board`.
    ///
    /// ```
    /// use uasyncio_machine::{Board, cli::App};
    /// let _app = App::new(Board::pico());
    /// ```
    pub fn new(board: Board) -> App {
        App { board, demo: None, default_secs: DEFAULT_SECS }
    }

    /// The outside world to script when nobody is at the keyboard (virtual
    /// time, or no live view): e.g. button presses. In the live view the
    /// user plays the world instead, starting from the potentiometer
    /// settings the script makes at 0 s.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Ending, cli::{App, Options}};
    /// let options = Options { virtual_time: true, duration: Some(1.0), ..Options::default() };
    /// let trace = App::new(Board::pico())
    ///     .demo(|board| board.press_at(15, 0.5, 0.1))
    ///     .run_with(&options, Ending::Forever, || async {
    ///         let _button = uasyncio_machine::Pin::with_pull(15, uasyncio_machine::Pin::IN, uasyncio_machine::Pin::PULL_UP);
    ///     })
    ///     .unwrap();
    /// assert_eq!(trace.edges_of(15), [(500_000, false), (600_000, true)]);
    /// ```
    pub fn demo(mut self, script: impl FnOnce(&Board) + 'static) -> App {
        self.demo = Some(Box::new(script));
        self
    }

    /// How long a run without anyone to stop it lasts if `--duration` is not
    /// given ([`DEFAULT_SECS`] unless set).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Ending, cli::{App, Options}};
    /// let options = Options { virtual_time: true, ..Options::default() };
    /// let trace = App::new(Board::esp32()).default_duration(2.5).run_with(&options, Ending::Forever, || async {}).unwrap();
    /// assert_eq!(trace.end_us, 2_500_000);
    /// ```
    pub fn default_duration(mut self, secs: f64) -> App {
        self.default_secs = secs;
        self
    }

    /// Parses the command line and runs `main` as MicroPython's
    /// `asyncio.run(main())`: the run ends when `main` returns (or at
    /// `--duration`; with the live view, when the user quits). See the
    /// [module](self) docs.
    ///
    /// ``` no_run
    /// use uasyncio_machine::{Board, cli::App};
    /// fn main() {
    ///     App::new(Board::esp32()).run(|| async {
    ///         uasyncio_machine::println!("hello");
    ///     });
    /// }
    /// ```
    pub fn run<M>(self, main: impl IntoMain<M>) -> Trace {
        self.run_parsed(Ending::MainReturns, main)
    }

    /// Parses the command line and runs `main` as MicroPython's
    /// `loop.create_task(main()); loop.run_forever()`: tasks `main` started
    /// keep running after it returns, until `--duration` (or the user quits
    /// the live view).
    ///
    /// ``` no_run
    /// use uasyncio_machine::{Board, Pin, cli::App};
    /// fn main() {
    ///     App::new(Board::esp32()).run_forever(|| async {
    ///         uasyncio::create_task(async {
    ///             let led = Pin::new(2, Pin::OUT);
    ///             loop {
    ///                 led.toggle();
    ///                 uasyncio::sleep(0.5).await;
    ///             }
    ///         });
    ///     });
    /// }
    /// ```
    pub fn run_forever<M>(self, main: impl IntoMain<M>) -> Trace {
        self.run_parsed(Ending::Forever, main)
    }

    fn run_parsed<M>(self, ending: Ending, main: impl IntoMain<M>) -> Trace {
        let options = Options::parse();
        match self.run_with(&options, ending, main) {
            Ok(trace) => trace,
            Err(message) => {
                eprintln!("{message}");
                std::process::exit(1);
            }
        }
    }

    /// Runs `main` as `options` say, ending as `ending` says (the live view
    /// runs until the user quits), and returns the trace; fails only if an
    /// output file cannot be written or the terminal cannot be used.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Ending, Pin, cli::{App, Options}};
    /// let options = Options { virtual_time: true, duration: Some(1.0), ..Options::default() };
    /// let trace = App::new(Board::esp32())
    ///     .run_with(&options, Ending::Forever, || async {
    ///         let led = Pin::new(14, Pin::OUT);
    ///         loop {
    ///             led.toggle();
    ///             uasyncio::sleep(0.5).await;
    ///         }
    ///     })
    ///     .unwrap();
    /// assert_eq!(trace.edges_of(14), [(0, true), (500_000, false), (1_000_000, true)]);
    /// ```
    pub fn run_with<M>(self, options: &Options, ending: Ending, main: impl IntoMain<M>) -> Result<Trace, String> {
        let board = self.board.install();
        // `--http` on the real clock: the page is the outside world.
        let web = options.http.as_deref().filter(|_| !options.virtual_time);
        let live = web.is_none() && !options.plain && !options.virtual_time && std::io::stdout().is_terminal();
        if web.is_none()
            && let Some(script) = self.demo
        {
            script(&board);
            if live {
                // The user plays the world, from the demo's pot settings.
                board.keep_starting_pots();
            }
        }
        let duration = match options.duration {
            Some(secs) => Some(secs),
            None if live || web.is_some() => None,
            None => Some(self.default_secs),
        };
        let event_loop = if options.virtual_time {
            uasyncio::new_event_loop_with(uasyncio::VirtualClock::new())
        } else {
            uasyncio::new_event_loop()
        };
        if live {
            board.set_echo(Echo::Quiet);
            run_live(&event_loop, &board, duration, ending, main)?;
        } else if let Some(addr) = web {
            board.set_echo(Echo::Changes);
            run_with_dashboard(&event_loop, &board, addr, duration, main)?;
        } else {
            board.set_echo(Echo::Changes);
            crate::run::run_program(&event_loop, &board, duration, ending, main);
        }
        let trace = board.trace();
        if let Some(path) = &options.vcd {
            crate::vcd::write_vcd(&trace, path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        if let Some(path) = &options.svg {
            crate::svg::write_svg(&trace, path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        if options.virtual_time
            && let Some(addr) = &options.http
        {
            serve_finished(&board, addr)?;
        }
        Ok(trace)
    }
}

/// Runs `main` beside the live terminal view until the user quits or
/// `duration` passes. The view stays after `main` returns (saying the
/// program ended, as `ending` says); a task's panic is printed on the
/// board's console, so the view shows it as it happens.
fn run_live<M>(
    event_loop: &uasyncio::EventLoop,
    board: &Board,
    duration: Option<f64>,
    ending: Ending,
    main: impl IntoMain<M>,
) -> Result<(), String> {
    let outcome = Rc::new(Cell::new(None));
    let view = {
        let (board, outcome) = (board.clone(), outcome.clone());
        async move { outcome.set(Some(crate::view::run_live(board, duration).await)) }
    };
    board.print_failures_of(event_loop);
    let end_us = crate::run::run_until(event_loop, board, ending, main, Some(view));
    event_loop.set_exception_handler(None);
    board.finish(end_us);
    let mut outcome = outcome.take();
    if board.main_returned_us().is_some() && outcome.is_none() {
        // The program ended: its other tasks stop, as after `asyncio.run`
        // (a fresh loop discards them), but the view stays, saying so, on
        // the board as the program left it until the user quits.
        let left = duration.map(|secs| (secs - end_us as f64 / 1e6).max(0.0));
        let view = crate::view::run_live(board.clone(), left);
        outcome = Some(uasyncio::new_event_loop().run_until_complete(view));
    }
    match outcome {
        Some(Err(e)) => Err(format!("live view: {e}")),
        _ => Ok(()),
    }
}

/// Runs `main` with the dashboard served at `addr` on the same loop, until
/// `duration` (or Ctrl-C): as `run_forever`, the page stays after `main`
/// returns.
#[cfg(feature = "http")]
fn run_with_dashboard<M>(
    event_loop: &uasyncio::EventLoop,
    board: &Board,
    addr: &str,
    duration: Option<f64>,
    main: impl IntoMain<M>,
) -> Result<(), String> {
    let failed = Rc::new(Cell::new(None));
    let (host, port) = split_addr(addr);
    let (board_for_server, failed_in, addr) = (board.clone(), failed.clone(), addr.to_string());
    event_loop.create_task(async move {
        match crate::dashboard::serve(board_for_server, crate::dashboard::Clock::Real, &host, port).await {
            Ok(server) => eprintln!("dashboard: http://{}/ (real time; Ctrl-C to stop)", server.local_addr()),
            Err(e) => {
                failed_in.set(Some(format!("--http {addr}: {e}")));
                uasyncio::get_event_loop().stop();
            }
        }
    });
    crate::run::run_program(event_loop, board, duration, Ending::Forever, main);
    failed.take().map_or(Ok(()), Err)
}

#[cfg(not(feature = "http"))]
fn run_with_dashboard<M>(
    _: &uasyncio::EventLoop,
    _: &Board,
    _: &str,
    _: Option<f64>,
    _: impl IntoMain<M>,
) -> Result<(), String> {
    Err("--http needs uasyncio-machine's `http` feature".into())
}

/// After a run on virtual time: serves its replay at `addr` until Ctrl-C.
#[cfg(feature = "http")]
fn serve_finished(board: &Board, addr: &str) -> Result<(), String> {
    let (host, port) = split_addr(addr);
    let board = board.clone();
    uasyncio::new_event_loop().run_until_complete(async move {
        let server = crate::dashboard::serve(board, crate::dashboard::Clock::VirtualFinished, &host, port)
            .await
            .map_err(|e| format!("--http {host}:{port}: {e}"))?;
        eprintln!(
            "dashboard: http://{}/ (the virtual-time run is over: the page replays it; Ctrl-C to stop)",
            server.local_addr()
        );
        server.wait_closed().await;
        Ok(())
    })
}

#[cfg(not(feature = "http"))]
fn serve_finished(_: &Board, _: &str) -> Result<(), String> {
    Err("--http needs uasyncio-machine's `http` feature".into())
}

/// `host:port`, checked by [`Options::parse_from`].
#[cfg(feature = "http")]
fn split_addr(addr: &str) -> (String, u16) {
    let (host, port) = addr.rsplit_once(':').expect("--http was checked: HOST:PORT");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (host.to_string(), port.parse().expect("--http was checked: the port is a number"))
}
