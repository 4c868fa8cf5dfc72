//! What happened on the board: every signal, every change with its time, every
//! printed line. A [`Trace`] is a plain snapshot, taken with
//! [`Board::trace`](crate::Board::trace); the waveform writers and the timing
//! tests read it.
//!
//! # One scale per value
//!
//! A level is `0` or `1`. A PWM duty and an ADC reading are 16-bit numbers,
//! `0..=65535`, what `pwm.duty_u16()` and `adc.read_u16()` give on every
//! MicroPython port: that one number is what the trace holds, what `--plain`
//! prints (`duty 32768/65535 (50.0 %)`, `adc 16384/65535 (0.83 V)`), what the
//! live view shows beside its gauge (`16384/65535  0.83 V`), what the SVG
//! writes on each step (`16384`) and what the VCD's 16-bit wire holds. A
//! percentage or a voltage (of 3.3 V full scale) may follow it, worked out
//! from it. (The ESP32's 12-bit `adc.read()` is `read_u16() >> 4`, 10-bit
//! `pwm.duty()` is `duty_u16 * 1023 / 65535`: what the program reads, not
//! what the tools show.)

use core::fmt;

/// Identifies one signal of a [`Trace`]: an index into [`Trace::signals`].
///
/// ```
/// use uasyncio_machine::{Board, Pin, trace::SignalId};
/// let board = Board::esp32().install();
/// Pin::new(14, Pin::OUT);
/// let trace = board.trace();
/// assert_eq!(trace.signal(SignalId(0)).gpio, 14);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignalId(pub usize);

/// What kind of quantity a signal carries.
///
/// ```
/// use uasyncio_machine::{Board, Pin, Pwm, trace::SignalKind};
/// let board = Board::esp32().install();
/// Pwm::new(Pin::new(5, Pin::OUT), 5000);
/// assert_eq!(board.trace().signals[0].kind, SignalKind::Pwm);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalKind {
    /// A logic level: an output pin (LED) or an input pin (button).
    Digital,
    /// A PWM output; its values are [`Value::Duty`].
    Pwm,
    /// An analog input (potentiometer); its values are [`Value::Analog`].
    Analog,
}

/// The description of one signal.
///
/// ```
/// use uasyncio_machine::trace::{SignalId, SignalInfo, SignalKind};
/// let info = SignalInfo { id: SignalId(0), name: "GPIO14".into(), gpio: 14, kind: SignalKind::Digital };
/// assert_eq!(info.to_string(), "GPIO14");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalInfo {
    /// Its index in [`Trace::signals`].
    pub id: SignalId,
    /// `"GPIO14"`, or the label the program gave it with
    /// [`Board::label`](crate::Board::label).
    pub name: String,
    /// The GPIO number it lives on.
    pub gpio: u8,
    /// What it carries.
    pub kind: SignalKind,
}

impl fmt::Display for SignalInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// One value of a signal.
///
/// ```
/// use uasyncio_machine::trace::Value;
/// assert_eq!(Value::Level(true).to_string(), "1");
/// assert_eq!(Value::Duty(32768).to_string(), "duty 32768/65535");
/// assert_eq!(Value::Analog(65535).to_string(), "adc 65535/65535");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// A logic level, `true` = high.
    Level(bool),
    /// A PWM duty cycle on the `duty_u16` scale, `0..=65535`.
    Duty(u16),
    /// An analog input on the `read_u16` scale, `0..=65535`.
    Analog(u16),
}

impl Value {
    /// The value on a `0..=65535` scale: a level gives 0 or 65535.
    ///
    /// ```
    /// use uasyncio_machine::trace::Value;
    /// assert_eq!(Value::Level(true).as_u16(), 65535);
    /// assert_eq!(Value::Duty(100).as_u16(), 100);
    /// ```
    pub fn as_u16(self) -> u16 {
        match self {
            Value::Level(level) => {
                if level {
                    u16::MAX
                } else {
                    0
                }
            }
            Value::Duty(v) | Value::Analog(v) => v,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Level(level) => write!(f, "{}", u8::from(*level)),
            Value::Duty(v) => write!(f, "duty {v}/65535"),
            Value::Analog(v) => write!(f, "adc {v}/65535"),
        }
    }
}

/// A signal took a new value at a time.
///
/// ```
/// use uasyncio_machine::{Board, Pin, trace::{Change, SignalId, Value}};
/// let board = Board::esp32().install();
/// Pin::new(14, Pin::OUT);
/// assert_eq!(board.trace().changes, [Change { t_us: 0, signal: SignalId(0), value: Value::Level(false) }]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    /// When, in µs of the runtime clock (`uasyncio::now_us()`).
    pub t_us: u64,
    /// Which signal.
    pub signal: SignalId,
    /// Its value from then on.
    pub value: Value,
}

/// Everything recorded on a board so far.
///
/// Every signal's first change is its value when it was configured (or first
/// seen); `changes` is in time order.
///
/// ```
/// use uasyncio_machine::{Board, Pin};
/// let board = Board::esp32().install();
/// let led = Pin::new(14, Pin::OUT);
/// led.on();
/// let trace = board.trace();
/// assert_eq!(trace.signals[0].name, "GPIO14");
/// assert_eq!(trace.changes_of(14), vec![(0, uasyncio_machine::trace::Value::Level(false)),
///                                       (0, uasyncio_machine::trace::Value::Level(true))]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// Every signal seen, indexed by [`SignalId`].
    pub signals: Vec<SignalInfo>,
    /// Every change, in time order.
    pub changes: Vec<Change>,
    /// Every line the program printed through the board, with its time in µs.
    pub lines: Vec<(u64, String)>,
    /// The time the trace ends at, in µs (the end of the run, or the time of
    /// the snapshot).
    pub end_us: u64,
    /// Every bus transaction (I2C, SPI, UART), in the order they ended.
    pub transactions: Vec<Transaction>,
}

impl Trace {
    /// The signal with this id.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::esp32().install();
    /// Pin::new(14, Pin::OUT);
    /// let trace = board.trace();
    /// assert_eq!(trace.signal(trace.changes[0].signal).name, "GPIO14");
    /// ```
    pub fn signal(&self, id: SignalId) -> &SignalInfo {
        &self.signals[id.0]
    }

    /// The changes of every signal on `gpio`, as `(t_us, value)`.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, trace::Value};
    /// let board = Board::esp32().install();
    /// Pin::new(14, Pin::OUT).on();
    /// assert_eq!(board.trace().changes_of(14), [(0, Value::Level(false)), (0, Value::Level(true))]);
    /// ```
    pub fn changes_of(&self, gpio: u8) -> Vec<(u64, Value)> {
        self.changes.iter().filter(|c| self.signals[c.signal.0].gpio == gpio).map(|c| (c.t_us, c.value)).collect()
    }

    /// The times (µs) at which the level of digital signal on `gpio` changed,
    /// leaving out the configuration value and writes that kept the level.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::esp32().install();
    /// let led = Pin::new(14, Pin::OUT);
    /// led.off();
    /// led.on();
    /// assert_eq!(board.trace().edges_of(14), vec![(0, true)]);
    /// ```
    pub fn edges_of(&self, gpio: u8) -> Vec<(u64, bool)> {
        let mut last: Option<bool> = None;
        let mut edges = Vec::new();
        for (t, value) in self.changes_of(gpio) {
            if let Value::Level(level) = value {
                if last.is_some() && last != Some(level) {
                    edges.push((t, level));
                }
                last = Some(level);
            }
        }
        edges
    }

    /// The printed lines without their times.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::esp32().install();
    /// board.print("hello");
    /// assert_eq!(board.trace().printed(), ["hello"]);
    /// ```
    pub fn printed(&self) -> Vec<&str> {
        self.lines.iter().map(|(_, line)| line.as_str()).collect()
    }
}

/// One byte stream of a bus transaction, as the controller sees it.
///
/// ```
/// use uasyncio_machine::trace::Transfer;
/// assert_eq!(Transfer::Write(vec![0xf4, 0x25]).to_string(), "write f4 25");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transfer {
    /// Bytes the controller sent (I2C write, SPI MOSI, UART TX).
    Write(Vec<u8>),
    /// Bytes the controller received (I2C read, SPI MISO, UART RX).
    Read(Vec<u8>),
}

/// At most this many bytes of a transfer are spelled out in its text.
const SHOWN_BYTES: usize = 16;

impl fmt::Display for Transfer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (word, bytes) = match self {
            Transfer::Write(bytes) => ("write", bytes),
            Transfer::Read(bytes) => ("read", bytes),
        };
        f.write_str(word)?;
        for byte in bytes.iter().take(SHOWN_BYTES) {
            write!(f, " {byte:02x}")?;
        }
        if bytes.len() > SHOWN_BYTES {
            write!(f, " … ({} bytes)", bytes.len())?;
        }
        Ok(())
    }
}

/// A bus transaction: on which bus, when, to whom, the bytes each way, and
/// how it ended.
///
/// ```
/// use uasyncio_machine::trace::{Transaction, Transfer};
/// let t = Transaction {
///     bus: "I2C0".into(),
///     start_us: 1_000,
///     end_us: 1_098,
///     target: Some(0x76),
///     transfers: vec![Transfer::Write(vec![0xd0]), Transfer::Read(vec![0x60])],
///     error: None,
/// };
/// assert_eq!(t.to_string(), "I2C0 0x76 write d0 · read 60");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// The bus: `"I2C0"`, `"SPI1"`, `"UART2"`.
    pub bus: String,
    /// When it began, in µs.
    pub start_us: u64,
    /// When it ended (the bus free again), in µs.
    pub end_us: u64,
    /// The I2C address, or the SPI chip-select GPIO; `None` on a UART.
    pub target: Option<u8>,
    /// The byte streams in order.
    pub transfers: Vec<Transfer>,
    /// What went wrong, e.g. `"NACK: no device at 0x42"`.
    pub error: Option<String>,
}

impl Transaction {
    /// The label without the bus name: `0x76 write d0 · read 60`.
    ///
    /// ```
    /// use uasyncio_machine::trace::{Transaction, Transfer};
    /// let t = Transaction { bus: "SPI1".into(), start_us: 0, end_us: 8, target: Some(5),
    ///                       transfers: vec![Transfer::Write(vec![0xaf])], error: None };
    /// assert_eq!(t.label(), "CS5 write af");
    /// ```
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        match self.target {
            Some(target) if self.bus.starts_with("SPI") => parts.push(format!("CS{target}")),
            Some(target) => parts.push(format!("0x{target:02x}")),
            None => {}
        }
        let transfers: Vec<String> = self.transfers.iter().map(Transfer::to_string).collect();
        if !transfers.is_empty() {
            parts.push(transfers.join(" · "));
        }
        let mut label = parts.join(" ");
        if let Some(error) = &self.error {
            label.push_str(&format!(" ✗ {error}"));
        }
        label
    }
}

impl fmt::Display for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.bus, self.label())
    }
}

impl Trace {
    /// The transactions on `bus` (`"I2C0"`).
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// assert!(Board::esp32().install().trace().transactions_on("I2C0").is_empty());
    /// ```
    pub fn transactions_on(&self, bus: &str) -> Vec<&Transaction> {
        self.transactions.iter().filter(|t| t.bus == bus).collect()
    }
}
