//! The recorder: every value each pin shows and every line the program
//! prints, with its time, kept for [`Board::trace`] and echoed to standard
//! output as [`Echo`] says.

use std::collections::BTreeMap;

use super::Board;
use crate::trace::{Change, SignalId, SignalInfo, SignalKind, Trace, Transaction, Value};

/// How the board echoes what happens to standard output.
///
/// ```
/// use uasyncio_machine::{Board, Echo, Pin};
/// let board = Board::esp32().install();
/// board.set_echo(Echo::Changes);
/// Pin::new(14, Pin::OUT).on(); // prints "   0.000 s  GPIO14 -> 0", then "... -> 1"
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Echo {
    /// Nothing (e.g. while a live view owns the terminal).
    Quiet,
    /// Printed lines, as they are (the default: a program's console).
    Lines,
    /// Printed lines and every pin change, each with its time:
    /// `   0.500 s  GPIO14 -> 1`.
    Changes,
}

/// What has been recorded so far.
pub(super) struct Recorder {
    /// Names given to GPIOs ([`Board::label`]).
    labels: BTreeMap<u8, String>,
    /// Every signal ever recorded, hidden ones included (see `record`).
    signals: Vec<SignalInfo>,
    /// Each signal's current value, by index into `signals`.
    values: Vec<Value>,
    hidden: Vec<bool>,
    change_counts: Vec<usize>,
    changes: Vec<Change>,
    lines: Vec<(u64, String)>,
    transactions: Vec<Transaction>,
    echo: Echo,
    /// The end of the run, once a runner has finished it.
    end_us: Option<u64>,
    /// When the program's `main` returned, if it has.
    main_returned_us: Option<u64>,
    /// The echo of a digital signal's first value, held back until the next
    /// thing recorded: if that turns the pin into a PWM output or an ADC
    /// input (which hides the digital signal, see `record`), it is dropped,
    /// so `--plain` shows what the SVG and VCD show.
    pending_echo: Option<(SignalId, String)>,
}

impl Recorder {
    pub(super) fn new() -> Recorder {
        Recorder {
            labels: BTreeMap::new(),
            signals: Vec::new(),
            values: Vec::new(),
            hidden: Vec::new(),
            change_counts: Vec::new(),
            changes: Vec::new(),
            lines: Vec::new(),
            transactions: Vec::new(),
            echo: Echo::Lines,
            end_us: None,
            main_returned_us: None,
            pending_echo: None,
        }
    }

    /// Appends a change of `gpio`'s signal of `kind` to `value`, unless it
    /// already has that value.
    ///
    /// A pin configured as a digital pin and turned into a PWM output or an
    /// ADC input before doing anything else is not worth a lane of its own:
    /// its digital signal is hidden.
    pub(super) fn record(&mut self, now: u64, gpio: u8, kind: SignalKind, value: Value) {
        if kind != SignalKind::Digital
            && let Some(i) = self.find_signal(gpio, SignalKind::Digital)
            && self.change_counts[i] == 1
        {
            self.hidden[i] = true;
        }
        self.flush_echo();
        let id = match self.find_signal(gpio, kind) {
            Some(i) => {
                if self.values[i] == value {
                    return;
                }
                SignalId(i)
            }
            None => {
                let id = SignalId(self.signals.len());
                let base = self.labels.get(&gpio).cloned().unwrap_or_else(|| format!("GPIO{gpio}"));
                let shared = (0..self.signals.len()).any(|i| self.signals[i].gpio == gpio && !self.hidden[i]);
                let name = if shared { format!("{base}_{}", kind_suffix(kind)) } else { base };
                self.signals.push(SignalInfo { id, name, gpio, kind });
                self.values.push(value);
                self.hidden.push(false);
                self.change_counts.push(0);
                id
            }
        };
        self.values[id.0] = value;
        self.change_counts[id.0] += 1;
        self.changes.push(Change { t_us: now, signal: id, value });
        if self.echo == Echo::Changes {
            let line = format!("{}  {} -> {}", format_time(now), self.signals[id.0].name, plain(value));
            if kind == SignalKind::Digital && self.change_counts[id.0] == 1 {
                self.pending_echo = Some((id, line));
            } else {
                println!("{line}");
            }
        }
    }

    /// Prints the held-back echo (see `pending_echo`), unless its signal has
    /// been hidden since.
    pub(super) fn flush_echo(&mut self) {
        if let Some((id, line)) = self.pending_echo.take()
            && !self.hidden[id.0]
        {
            println!("{line}");
        }
    }

    /// Appends a finished bus transaction; echoed with its start time and
    /// duration: `   1.000 s  I2C0 0x76 write d0 · read 60  (98 µs)`.
    pub(super) fn record_transaction(&mut self, transaction: Transaction) {
        self.flush_echo();
        if self.echo == Echo::Changes {
            println!("{}", plain_transaction(&transaction));
        }
        self.transactions.push(transaction);
    }

    /// The visible signal of `kind` on `gpio`.
    fn find_signal(&self, gpio: u8, kind: SignalKind) -> Option<usize> {
        (0..self.signals.len())
            .find(|&i| self.signals[i].gpio == gpio && self.signals[i].kind == kind && !self.hidden[i])
    }

    /// The visible signals, numbered from 0 in order, and for each stored
    /// signal its visible id.
    fn visible_signals(&self) -> (Vec<SignalInfo>, Vec<Option<SignalId>>) {
        let mut visible = Vec::new();
        let mut ids = Vec::with_capacity(self.signals.len());
        for (info, &hidden) in self.signals.iter().zip(&self.hidden) {
            if hidden {
                ids.push(None);
            } else {
                let id = SignalId(visible.len());
                visible.push(SignalInfo { id, ..info.clone() });
                ids.push(Some(id));
            }
        }
        (visible, ids)
    }

    /// The visible record as a [`Trace`], ending at the end of the run if
    /// there was one, else at `now`.
    fn snapshot(&self, now: u64) -> Trace {
        let (signals, ids) = self.visible_signals();
        let changes = self.changes.iter().filter_map(|c| Some(Change { signal: ids[c.signal.0]?, ..*c })).collect();
        Trace {
            signals,
            changes,
            lines: self.lines.clone(),
            end_us: self.end_us.unwrap_or(now),
            transactions: self.transactions.clone(),
        }
    }
}

impl Board {
    /// Chooses what is echoed to standard output as it happens.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Echo};
    /// let board = Board::esp32().install();
    /// board.set_echo(Echo::Quiet);
    /// board.print("not shown, but recorded");
    /// assert_eq!(board.trace().printed(), ["not shown, but recorded"]);
    /// ```
    pub fn set_echo(&self, echo: Echo) {
        self.state.borrow_mut().recorder.echo = echo;
    }

    /// What is echoed to standard output ([`Board::set_echo`]).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Echo};
    /// assert_eq!(Board::esp32().echo(), Echo::Lines);
    /// ```
    pub fn echo(&self) -> Echo {
        self.state.borrow().recorder.echo
    }

    /// Names the signals of `gpio` in the trace (`"red LED"` instead of
    /// `"GPIO14"`), including those already recorded.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::esp32().install();
    /// board.label(14, "red");
    /// let _led = Pin::new(14, Pin::OUT);
    /// assert_eq!(board.trace().signals[0].name, "red");
    /// ```
    pub fn label(&self, gpio: u8, name: impl Into<String>) {
        let name = name.into();
        let mut state = self.state.borrow_mut();
        let recorder = &mut state.recorder;
        for signal in recorder.signals.iter_mut().filter(|s| s.gpio == gpio) {
            signal.name = name.clone();
        }
        recorder.labels.insert(gpio, name);
    }

    /// Everything recorded so far.
    ///
    /// `end_us` is the end of the run once a runner has finished it, the
    /// current time before.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, run_virtual_for};
    /// let board = Board::esp32().install();
    /// run_virtual_for(&board, 1.0, || async {
    ///     Pin::new(14, Pin::OUT).on();
    /// });
    /// let trace = board.trace();
    /// assert_eq!((trace.signals.len(), trace.changes.len(), trace.end_us), (1, 2, 1_000_000));
    /// ```
    pub fn trace(&self) -> Trace {
        let state = self.state.borrow();
        state.recorder.snapshot(state.now())
    }

    /// The last `n` printed lines, with their times (for a live view, which
    /// shows no more than fit, without copying the whole trace each frame).
    #[cfg(feature = "view")]
    pub(crate) fn last_lines(&self, n: usize) -> Vec<(u64, String)> {
        let state = self.state.borrow();
        let lines = &state.recorder.lines;
        lines[lines.len().saturating_sub(n)..].to_vec()
    }

    /// Every signal with its current value (for a live view).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, trace::Value};
    /// let board = Board::esp32().install();
    /// Pin::new(14, Pin::OUT).on();
    /// let signals = board.signals();
    /// assert_eq!((signals[0].0.name.as_str(), signals[0].1), ("GPIO14", Value::Level(true)));
    /// ```
    pub fn signals(&self) -> Vec<(SignalInfo, Value)> {
        let state = self.state.borrow();
        let recorder = &state.recorder;
        let (signals, ids) = recorder.visible_signals();
        let values = ids.iter().zip(&recorder.values).filter(|(id, _)| id.is_some()).map(|(_, value)| *value);
        signals.into_iter().zip(values).collect()
    }

    /// The program's console: records `line` with the time, and echoes it
    /// (see [`Board::set_echo`]). [`println!`](crate::println) prints here.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::esp32().install();
    /// board.print("hello");
    /// assert_eq!(board.trace().lines, [(0, "hello".to_string())]);
    /// ```
    pub fn print(&self, line: impl Into<String>) {
        let line = line.into();
        let mut state = self.state.borrow_mut();
        let now = state.tick();
        state.recorder.flush_echo();
        match state.recorder.echo {
            Echo::Quiet => {}
            Echo::Lines => println!("{line}"),
            Echo::Changes => println!("{}  > {line}", format_time(now)),
        }
        state.recorder.lines.push((now, line));
    }

    /// Marks the end of a run at `end_us`: [`Board::trace`] reports it as
    /// `end_us` from then on.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::esp32().install();
    /// board.finish(2_000_000);
    /// assert_eq!(board.trace().end_us, 2_000_000);
    /// ```
    pub fn finish(&self, end_us: u64) {
        let mut state = self.state.borrow_mut();
        state.last_us = state.last_us.max(end_us);
        state.recorder.end_us = Some(end_us);
        state.recorder.flush_echo();
    }

    /// Notes that the program ended now, its `main` having returned (the
    /// runners call it for [`Ending::MainReturns`](crate::Ending); the live
    /// view then says the program ended).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Ending, run_program};
    /// let board = Board::esp32().install();
    /// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    /// run_program(&event_loop, &board, Some(5.0), Ending::MainReturns, || async { uasyncio::sleep(2).await });
    /// assert_eq!(board.main_returned_us(), Some(2_000_000));
    /// ```
    pub fn note_main_returned(&self) {
        let now = self.state.borrow_mut().now();
        self.state.borrow_mut().recorder.main_returned_us = Some(now);
    }

    /// Prints each failure `event_loop` reports (a task's panic nobody
    /// awaited) on this board's console the moment it happens, as
    /// MicroPython prints `Task exception wasn't retrieved`: recorded with
    /// its time, so the live view shows it.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::esp32().install();
    /// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    /// board.print_failures_of(&event_loop);
    /// event_loop.run_until_complete(async {
    ///     uasyncio::create_task(async {
    ///         uasyncio::sleep(1).await;
    ///         panic!("duty must be from 0 to 1023, not 2000");
    ///     });
    ///     uasyncio::sleep(2).await;
    /// });
    /// assert_eq!(
    ///     board.trace().lines,
    ///     [(1_000_000, "Task exception wasn't retrieved: task panicked: duty must be from 0 to 1023, not 2000".to_string())]
    /// );
    /// ```
    pub fn print_failures_of(&self, event_loop: &uasyncio::EventLoop) {
        let console = self.clone();
        let handler = move |event_loop: &uasyncio::EventLoop, context: &uasyncio::ExceptionContext| {
            // Reported between tasks: at the loop's time, not a task's.
            let mut state = console.state.borrow_mut();
            state.last_us = state.last_us.max(event_loop.time_us());
            drop(state);
            console.print(format!("{}: {}", context.message, context.error));
        };
        event_loop.set_exception_handler(Some(std::rc::Rc::new(handler)));
    }

    /// When the program's `main` returned ([`Board::note_main_returned`]),
    /// if it has.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// assert_eq!(Board::esp32().main_returned_us(), None);
    /// ```
    pub fn main_returned_us(&self) -> Option<u64> {
        self.state.borrow().recorder.main_returned_us
    }
}

fn kind_suffix(kind: SignalKind) -> &'static str {
    match kind {
        SignalKind::Digital => "PIN",
        SignalKind::Pwm => "PWM",
        SignalKind::Analog => "ADC",
    }
}

/// A bus transaction the way the plain output shows it: its start, the bus,
/// the target, the bytes each way, how it failed, and how long it took.
///
/// ```
/// use uasyncio_machine::{Board, I2c, Pin, devices::Bme280, plain_transaction, run_virtual_for};
/// let board = Board::esp32().install();
/// board.attach_i2c(0, 0x76, Bme280::new());
/// run_virtual_for(&board, 1.0, || async {
///     let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 400_000);
///     uasyncio::sleep(0.5).await;
///     i2c.readfrom_mem(0x76, 0xd0, 1).await.unwrap();
///     i2c.readfrom(0x42, 1).await.unwrap_err();
/// });
/// let lines: Vec<String> = board.trace().transactions.iter().map(plain_transaction).collect();
/// assert_eq!(lines, [
///     "   0.500 s  I2C0 0x76 write d0 · read 60  (98 µs)",
///     "   0.500 s  I2C0 0x42 ✗ NACK: no device at this address  (28 µs)",
/// ]);
/// ```
pub fn plain_transaction(transaction: &Transaction) -> String {
    let us = transaction.end_us - transaction.start_us;
    format!("{}  {transaction}  ({us} µs)", format_time(transaction.start_us))
}

/// `500_000` → `"   0.500 s"`.
///
/// ```
/// assert_eq!(uasyncio_machine::format_time(1_250_000), "   1.250 s");
/// ```
pub fn format_time(t_us: u64) -> String {
    format!("{:>8.3} s", t_us as f64 / 1e6)
}

/// A value the way the plain (non-terminal) output shows it, on the one
/// scale of each value ([`trace`](crate::trace#one-scale-per-value)): `1`,
/// `duty 32768/65535 (50.0 %)`, `adc 16384/65535 (0.83 V)`.
///
/// ```
/// use uasyncio_machine::{plain, trace::Value};
/// assert_eq!(plain(Value::Level(true)), "1");
/// assert_eq!(plain(Value::Duty(32768)), "duty 32768/65535 (50.0 %)");
/// assert_eq!(plain(Value::Analog(16384)), "adc 16384/65535 (0.83 V)");
/// ```
pub fn plain(value: Value) -> String {
    match value {
        Value::Level(level) => u8::from(level).to_string(),
        Value::Duty(d) => format!("duty {d}/65535 ({:.1} %)", f64::from(d) * 100.0 / 65535.0),
        Value::Analog(a) => format!("adc {a}/65535 ({:.2} V)", f64::from(a) * 3.3 / 65535.0),
    }
}
