//! The simulated board: which pins exist, what each one is doing, the outside
//! world wired to them, and the record of every change.
//!
//! A [`Board`] is a cheap handle (an `Rc` inside). One board is *installed* per
//! thread ([`Board::install`]); [`Pin::new`](crate::Pin::new) and friends use it,
//! so tutorial code never passes a board around.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::task::Waker;

use crate::trace::{Change, SignalId, SignalInfo, SignalKind, Trace, Value};

/// Which GPIOs a board has and what they can do.
///
/// ```
/// use uasyncio_machine::BoardDesc;
/// let esp32 = BoardDesc::esp32();
/// assert!(esp32.has_gpio(14) && !esp32.has_gpio(24));
/// assert!(esp32.has_adc(36) && !esp32.has_adc(2));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardDesc {
    /// A name for the board, e.g. `"ESP32"`.
    pub name: String,
    /// Every GPIO number that exists.
    pub gpios: Vec<u8>,
    /// The GPIOs with an ADC channel.
    pub adc: Vec<u8>,
    /// The GPIOs that can only be inputs (no output driver).
    pub input_only: Vec<u8>,
    /// Whether [`Adc::atten`](crate::Adc::atten) is available (ESP32: yes; Pico: no).
    pub adc_attenuation: bool,
    /// The on-board LED, if any.
    pub led: Option<u8>,
}

impl BoardDesc {
    /// An ESP32 DevKit (ESP32-WROOM-32): GPIO 0–19, 21–23, 25–27, 32–39; the
    /// ADC on GPIO 32–39 (ADC1; ADC2 is unusable with Wi-Fi); GPIO 34–39 are
    /// inputs only; on-board LED on GPIO 2.
    ///
    /// ```
    /// use uasyncio_machine::BoardDesc;
    /// let esp32 = BoardDesc::esp32();
    /// assert!(esp32.input_only.contains(&36));
    /// assert_eq!(esp32.led, Some(2));
    /// ```
    pub fn esp32() -> BoardDesc {
        let gpios = (0..=19).chain(21..=23).chain(25..=27).chain(32..=39);
        BoardDesc {
            name: "ESP32".into(),
            gpios: gpios.collect(),
            adc: (32..=39).collect(),
            input_only: (34..=39).collect(),
            adc_attenuation: true,
            led: Some(2),
        }
    }

    /// A Raspberry Pi Pico (RP2040): GPIO 0–29, the ADC on GPIO 26–29,
    /// on-board LED on GPIO 25.
    ///
    /// ```
    /// use uasyncio_machine::BoardDesc;
    /// assert_eq!(BoardDesc::pico().adc, [26, 27, 28, 29]);
    /// ```
    pub fn pico() -> BoardDesc {
        BoardDesc {
            name: "Raspberry Pi Pico".into(),
            gpios: (0..=29).collect(),
            adc: (26..=29).collect(),
            input_only: Vec::new(),
            adc_attenuation: false,
            led: Some(25),
        }
    }

    /// Whether GPIO `gpio` exists.
    ///
    /// ```
    /// use uasyncio_machine::BoardDesc;
    /// assert!(BoardDesc::pico().has_gpio(25));
    /// assert!(!BoardDesc::pico().has_gpio(30));
    /// ```
    pub fn has_gpio(&self, gpio: u8) -> bool {
        self.gpios.contains(&gpio)
    }

    /// Whether GPIO `gpio` has an ADC channel.
    ///
    /// ```
    /// use uasyncio_machine::BoardDesc;
    /// assert!(BoardDesc::pico().has_adc(26));
    /// assert!(!BoardDesc::pico().has_adc(25));
    /// ```
    pub fn has_adc(&self, gpio: u8) -> bool {
        self.adc.contains(&gpio)
    }
}

/// How a pin is driven (MicroPython's `Pin.IN`, `Pin.OUT`, `Pin.OPEN_DRAIN`).
///
/// ```
/// use uasyncio_machine::{Board, Pin, PinMode};
/// Board::esp32().install();
/// assert_eq!(Pin::new(14, Pin::OUT).mode(), Some(PinMode::Out));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinMode {
    /// An input: its level comes from the outside world.
    In,
    /// A push-pull output.
    Out,
    /// An open-drain output: drives low, or lets go (then reads as an input).
    OpenDrain,
}

/// A pin's internal pull resistor (MicroPython's `Pin.PULL_UP`, `Pin.PULL_DOWN`).
///
/// ```
/// use uasyncio_machine::{Board, Pin, Pull};
/// Board::pico().install();
/// let button = Pin::with_pull(15, Pin::IN, Pin::PULL_DOWN);
/// assert_eq!(button.pull(), Some(Pull::Down));
/// assert!(!button.value());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pull {
    /// Pulled up to 3.3 V: reads 1 when nothing drives it; a button to ground
    /// reads 0 while pressed.
    Up,
    /// Pulled down to ground: reads 0 when nothing drives it; a button to 3.3 V
    /// reads 1 while pressed.
    Down,
}

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

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Function {
    Gpio,
    Pwm {
        freq: u32,
        duty_u16: u16,
    },
    /// An ADC input reading full scale at `full_scale_mv` (its attenuation).
    Adc {
        full_scale_mv: u32,
        width_bits: u8,
    },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PinConfig {
    pub(crate) mode: PinMode,
    pub(crate) pull: Option<Pull>,
    /// The level the output driver is set to.
    pub(crate) out: bool,
    pub(crate) function: Function,
}

/// The outside world wired to one GPIO.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Wiring {
    /// A push button is held down.
    pressed: bool,
    /// Something drives the pin to a level (overrides a button).
    driven: Option<bool>,
    /// The voltage on the pin, `0..=65535` for 0–3.3 V (a potentiometer's wiper).
    analog: u16,
}

/// One scripted action of the outside world.
#[derive(Clone)]
enum Action {
    Press(u8),
    Release(u8),
    Drive(u8, Option<bool>),
    SetAdc(u8, u16),
    Call(Rc<dyn Fn(&Board)>),
}

#[derive(Default)]
struct EdgeWatch {
    /// The last level noted (`None` before the pin was first seen).
    level: Option<bool>,
    rising: u64,
    falling: u64,
    wakers: Vec<Waker>,
}

/// A pin interrupt handler ([`Pin::irq`](crate::Pin::irq)), called with the
/// board and the GPIO whose edge triggered it. It is handed the board rather
/// than holding it, so a board that keeps it holds no handle to itself.
pub(crate) type IrqHandler = Rc<dyn Fn(&Board, u8)>;
/// Trigger bits of [`Pin::IRQ_FALLING`](crate::Pin::IRQ_FALLING) and
/// [`Pin::IRQ_RISING`](crate::Pin::IRQ_RISING).
pub(crate) const IRQ_FALLING: u8 = 1;
pub(crate) const IRQ_RISING: u8 = 2;

struct State {
    desc: BoardDesc,
    pins: BTreeMap<u8, PinConfig>,
    wiring: BTreeMap<u8, Wiring>,
    labels: BTreeMap<u8, String>,
    /// Every signal ever recorded, hidden ones included (see `record`).
    signals: Vec<SignalInfo>,
    values: Vec<Value>,
    hidden: Vec<bool>,
    change_counts: Vec<usize>,
    changes: Vec<Change>,
    lines: Vec<(u64, String)>,
    edges: BTreeMap<u8, EdgeWatch>,
    /// Interrupt handlers: the trigger bits and the handler, by GPIO.
    irqs: BTreeMap<u8, (u8, IrqHandler)>,
    /// Handlers triggered by the last change, run once the state is released.
    fired: Vec<(u8, IrqHandler)>,
    script: Vec<(u64, Action)>,
    echo: Echo,
    last_us: u64,
    end_us: Option<u64>,
}

/// The simulated board: a handle to its state (cheap to clone, not `Send`).
///
/// ```
/// use uasyncio_machine::{Board, Pin};
/// let board = Board::esp32().install();
/// let led = Pin::new(14, Pin::OUT);
/// led.on();
/// assert_eq!(board.level(14), Some(true));
/// ```
#[derive(Clone)]
pub struct Board {
    state: Rc<RefCell<State>>,
}

thread_local! {
    static CURRENT: RefCell<Option<Board>> = const { RefCell::new(None) };
}

/// The runtime's clock when a task is running; otherwise the last time seen.
fn clock_us(last_us: u64) -> u64 {
    if uasyncio::try_current_task().is_some() { uasyncio::now_us().max(last_us) } else { last_us }
}

/// Seconds (as MicroPython's `sleep` takes them) to µs.
pub(crate) fn secs_to_us(secs: f64) -> u64 {
    assert!(secs.is_finite() && secs >= 0.0, "a time must be a finite number of seconds >= 0, not {secs}");
    (secs * 1e6).round() as u64
}

impl Board {
    /// A board described by `desc`, with nothing configured yet.
    ///
    /// ```
    /// use uasyncio_machine::{Board, BoardDesc};
    /// let mut desc = BoardDesc::pico();
    /// desc.name = "my Pico".into();
    /// assert_eq!(Board::new(desc).desc().name, "my Pico");
    /// ```
    pub fn new(desc: BoardDesc) -> Board {
        Board {
            state: Rc::new(RefCell::new(State {
                desc,
                pins: BTreeMap::new(),
                wiring: BTreeMap::new(),
                labels: BTreeMap::new(),
                signals: Vec::new(),
                values: Vec::new(),
                hidden: Vec::new(),
                change_counts: Vec::new(),
                changes: Vec::new(),
                lines: Vec::new(),
                edges: BTreeMap::new(),
                irqs: BTreeMap::new(),
                fired: Vec::new(),
                script: Vec::new(),
                echo: Echo::Lines,
                last_us: 0,
                end_us: None,
            })),
        }
    }

    /// A fresh ESP32 DevKit ([`BoardDesc::esp32`]).
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// assert_eq!(Board::esp32().desc().name, "ESP32");
    /// ```
    pub fn esp32() -> Board {
        Board::new(BoardDesc::esp32())
    }

    /// A fresh Raspberry Pi Pico ([`BoardDesc::pico`]).
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// assert_eq!(Board::pico().desc().led, Some(25));
    /// ```
    pub fn pico() -> Board {
        Board::new(BoardDesc::pico())
    }

    /// Makes this the thread's current board (the one [`Pin::new`](crate::Pin::new)
    /// and friends use) and returns it.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::pico().install();
    /// assert!(Board::current().same_as(&board));
    /// ```
    pub fn install(self) -> Board {
        CURRENT.with(|current| *current.borrow_mut() = Some(self.clone()));
        self
    }

    /// The thread's current board; an ESP32 is installed if there is none yet.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// Board::pico().install();
    /// assert_eq!(Board::current().desc().name, "Raspberry Pi Pico");
    /// ```
    pub fn current() -> Board {
        CURRENT.with(|current| current.borrow_mut().get_or_insert_with(Board::esp32).clone())
    }

    /// Whether `self` and `other` are handles to the same board.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::esp32();
    /// assert!(board.clone().same_as(&board));
    /// assert!(!Board::esp32().same_as(&board));
    /// ```
    pub fn same_as(&self, other: &Board) -> bool {
        Rc::ptr_eq(&self.state, &other.state)
    }

    /// The board's description.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// assert!(Board::esp32().desc().has_adc(36));
    /// ```
    pub fn desc(&self) -> BoardDesc {
        self.state.borrow().desc.clone()
    }

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
        self.state.borrow_mut().echo = echo;
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
        for signal in state.signals.iter_mut().filter(|s| s.gpio == gpio) {
            signal.name = name.clone();
        }
        state.labels.insert(gpio, name);
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
        let now = clock_us(state.last_us);
        let (signals, ids) = state.visible_signals();
        let changes = state.changes.iter().filter_map(|c| Some(Change { signal: ids[c.signal.0]?, ..*c })).collect();
        Trace { signals, changes, lines: state.lines.clone(), end_us: state.end_us.unwrap_or(now) }
    }

    /// The last `n` printed lines, with their times (for a live view, which
    /// shows no more than fit, without copying the whole trace each frame).
    pub(crate) fn last_lines(&self, n: usize) -> Vec<(u64, String)> {
        let state = self.state.borrow();
        state.lines[state.lines.len().saturating_sub(n)..].to_vec()
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
        let (signals, ids) = state.visible_signals();
        let values = ids.iter().zip(&state.values).filter(|(id, _)| id.is_some()).map(|(_, value)| *value);
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
        let now = clock_us(state.last_us);
        state.last_us = now;
        match state.echo {
            Echo::Quiet => {}
            Echo::Lines => println!("{line}"),
            Echo::Changes => println!("{}  > {line}", format_time(now)),
        }
        state.lines.push((now, line));
    }

    /// Presses the push button on `gpio` (live input, e.g. from a keyboard).
    ///
    /// A button connects the pin to ground if the pin has a pull-up (so it
    /// reads 0 while pressed: active low), to 3.3 V otherwise.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::pico().install();
    /// let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    /// assert!(button.value());
    /// board.press(15);
    /// assert!(!button.value());
    /// board.release(15);
    /// assert!(button.value());
    /// ```
    pub fn press(&self, gpio: u8) {
        self.rewire(gpio, |w| w.pressed = true);
    }

    /// Releases the push button on `gpio`.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::pico().install();
    /// let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    /// board.press(15);
    /// board.release(15);
    /// assert!(button.value());
    /// ```
    pub fn release(&self, gpio: u8) {
        self.rewire(gpio, |w| w.pressed = false);
    }

    /// Whether the push button on `gpio` is held down.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::pico().install();
    /// board.press(15);
    /// assert!(board.is_pressed(15) && !board.is_pressed(14));
    /// ```
    pub fn is_pressed(&self, gpio: u8) -> bool {
        self.state.borrow().wiring.get(&gpio).is_some_and(|w| w.pressed)
    }

    /// Drives `gpio` from outside to a level (`Some`), or stops driving it
    /// (`None`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::esp32().install();
    /// let input = Pin::with_pull(4, Pin::IN, Pin::PULL_DOWN);
    /// board.drive(4, Some(true));
    /// assert!(input.value());
    /// board.drive(4, None);
    /// assert!(!input.value());
    /// ```
    pub fn drive(&self, gpio: u8, level: Option<bool>) {
        self.rewire(gpio, |w| w.driven = level);
    }

    /// Sets the voltage on an ADC pin (a potentiometer's position), on the
    /// `read_u16` scale: 0 is 0 V, 65535 is 3.3 V.
    ///
    /// ```
    /// use uasyncio_machine::{Adc, Board, Pin};
    /// let board = Board::esp32().install();
    /// let pot = Adc::new(Pin::new(36, Pin::IN));
    /// pot.atten(Adc::ATTN_11DB);
    /// board.set_adc_u16(36, 65535);
    /// assert_eq!(pot.read(), 4095);
    /// ```
    pub fn set_adc_u16(&self, gpio: u8, value: u16) {
        self.check_gpio(gpio);
        let mut state = self.state.borrow_mut();
        let now = clock_us(state.last_us);
        state.last_us = now;
        state.wiring.entry(gpio).or_default().analog = value;
        if state.desc.has_adc(gpio) {
            state.record(now, gpio, SignalKind::Analog, Value::Analog(value));
        }
    }

    /// Sets a potentiometer on `gpio` to `fraction` of its travel (0.0 to 1.0).
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::esp32().install();
    /// board.set_pot(36, 0.5);
    /// assert_eq!(board.adc_u16(36), 32768);
    /// ```
    pub fn set_pot(&self, gpio: u8, fraction: f64) {
        self.set_adc_u16(gpio, fraction_to_u16(fraction));
    }

    /// The voltage on `gpio`, on the `read_u16` scale (see [`Board::set_adc_u16`]).
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::pico().install();
    /// board.set_adc_u16(26, 1000);
    /// assert_eq!(board.adc_u16(26), 1000);
    /// ```
    pub fn adc_u16(&self, gpio: u8) -> u16 {
        self.state.borrow().wiring.get(&gpio).map_or(0, |w| w.analog)
    }

    /// The level `gpio` reads now, or `None` if it was never configured.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::esp32().install();
    /// Pin::new(14, Pin::OUT).on();
    /// assert_eq!(board.level(14), Some(true));
    /// assert_eq!(board.level(12), None);
    /// ```
    pub fn level(&self, gpio: u8) -> Option<bool> {
        self.state.borrow().level(gpio)
    }

    /// The PWM duty on `gpio` (`duty_u16` scale), or `None` if it is not a
    /// PWM output.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pwm};
    /// let board = Board::esp32().install();
    /// Pwm::with_duty(Pin::new(5, Pin::OUT), 5000, 1023);
    /// assert_eq!(board.duty_u16(5), Some(65535));
    /// assert_eq!(board.duty_u16(4), None);
    /// ```
    pub fn duty_u16(&self, gpio: u8) -> Option<u16> {
        match self.state.borrow().pins.get(&gpio)?.function {
            Function::Pwm { duty_u16, .. } => Some(duty_u16),
            _ => None,
        }
    }

    /// Scripts a button press: held down on `gpio` from `at` seconds (on the
    /// runtime clock) for `hold` seconds. The script is played by
    /// [`Board::play_script`], which the runners start.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(15, 1.0, 0.1);
    /// run_virtual_for(&board, 2.0, || async {
    ///     let _button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    /// });
    /// assert_eq!(board.trace().edges_of(15), [(1_000_000, false), (1_100_000, true)]);
    /// ```
    pub fn press_at(&self, gpio: u8, at: f64, hold: f64) {
        self.check_gpio(gpio);
        let (start, end) = (secs_to_us(at), secs_to_us(at + hold));
        let mut state = self.state.borrow_mut();
        state.script.push((start, Action::Press(gpio)));
        state.script.push((end, Action::Release(gpio)));
    }

    /// Scripts a potentiometer move on `gpio` to `fraction` (0.0–1.0) at `at`
    /// seconds.
    ///
    /// ```
    /// use uasyncio_machine::{Board, run_virtual_for};
    /// let board = Board::esp32().install();
    /// board.set_pot_at(36, 0.5, 1.0);
    /// run_virtual_for(&board, 1.0, || async {});
    /// assert_eq!(board.adc_u16(36), 65535);
    /// ```
    pub fn set_pot_at(&self, gpio: u8, at: f64, fraction: f64) {
        self.check_gpio(gpio);
        let value = fraction_to_u16(fraction);
        let action = Action::SetAdc(gpio, value);
        self.state.borrow_mut().script.push((secs_to_us(at), action));
    }

    /// Scripts an outside drive of `gpio` (see [`Board::drive`]) at `at` seconds.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, run_virtual_for};
    /// let board = Board::esp32().install();
    /// board.drive_at(4, 0.25, Some(true));
    /// run_virtual_for(&board, 1.0, || async {
    ///     Pin::new(4, Pin::IN).wait_for_high().await;
    ///     assert_eq!(uasyncio::now_us(), 250_000);
    /// });
    /// ```
    pub fn drive_at(&self, gpio: u8, at: f64, level: Option<bool>) {
        self.check_gpio(gpio);
        let action = Action::Drive(gpio, level);
        self.state.borrow_mut().script.push((secs_to_us(at), action));
    }

    /// Scripts any action on the board at `at` seconds.
    ///
    /// ```
    /// use uasyncio_machine::{Board, run_virtual_for};
    /// let board = Board::esp32().install();
    /// board.at(0.5, |b| b.print("half a second"));
    /// run_virtual_for(&board, 1.0, || async {});
    /// assert_eq!(board.trace().lines, [(500_000, "half a second".to_string())]);
    /// ```
    pub fn at(&self, at: f64, action: impl Fn(&Board) + 'static) {
        let action = Action::Call(Rc::new(action));
        self.state.borrow_mut().script.push((secs_to_us(at), action));
    }

    /// Plays the scripted outside world: an ordinary task body that sleeps
    /// until each scripted time and acts. Times already past act at once.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::pico().install();
    /// board.press_at(15, 0.1, 0.1);
    /// let world = board.play_script();
    /// uasyncio::run_virtual(world);
    /// assert!(!board.is_pressed(15));
    /// ```
    pub fn play_script(&self) -> impl Future<Output = ()> + 'static {
        let board = self.clone();
        let mut script = std::mem::take(&mut board.state.borrow_mut().script);
        script.sort_by_key(|(t, _)| *t);
        async move {
            for (t, action) in script {
                let now = uasyncio::now_us();
                if t > now {
                    uasyncio::sleep_us(t - now).await;
                }
                match action {
                    Action::Press(gpio) => board.press(gpio),
                    Action::Release(gpio) => board.release(gpio),
                    Action::Drive(gpio, level) => board.drive(gpio, level),
                    Action::SetAdc(gpio, value) => board.set_adc_u16(gpio, value),
                    Action::Call(f) => f(&board),
                }
            }
        }
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
        state.end_us = Some(end_us);
    }

    // ---- for the peripherals (crate-internal) ----

    /// Panics MicroPython's way if `gpio` does not exist on this board.
    pub(crate) fn check_gpio(&self, gpio: u8) {
        if !self.state.borrow().desc.has_gpio(gpio) {
            panic!("invalid pin: {gpio}");
        }
    }

    pub(crate) fn config(&self, gpio: u8) -> Option<PinConfig> {
        self.state.borrow().pins.get(&gpio).copied()
    }

    pub(crate) fn is_input_only(&self, gpio: u8) -> bool {
        self.state.borrow().desc.input_only.contains(&gpio)
    }

    pub(crate) fn has_adc(&self, gpio: u8) -> bool {
        self.state.borrow().desc.has_adc(gpio)
    }

    pub(crate) fn has_attenuation(&self) -> bool {
        self.state.borrow().desc.adc_attenuation
    }

    /// Sets `gpio`'s configuration and records the value it shows.
    pub(crate) fn configure(&self, gpio: u8, config: PinConfig) {
        let mut state = self.state.borrow_mut();
        let now = clock_us(state.last_us);
        state.last_us = now;
        state.pins.insert(gpio, config);
        state.show(now, gpio);
        drop(state);
        self.run_irqs();
    }

    /// Changes `gpio`'s configuration in place and records what it shows.
    pub(crate) fn update(&self, gpio: u8, change: impl FnOnce(&mut PinConfig)) {
        let mut state = self.state.borrow_mut();
        let now = clock_us(state.last_us);
        state.last_us = now;
        if let Some(config) = state.pins.get_mut(&gpio) {
            change(config);
        }
        state.show(now, gpio);
        drop(state);
        self.run_irqs();
    }

    /// Rising and falling edges counted on `gpio` so far; registers `waker`
    /// to be woken at the next level change.
    pub(crate) fn watch_edges(&self, gpio: u8, waker: Option<&Waker>) -> (u64, u64) {
        let mut state = self.state.borrow_mut();
        let watch = state.edges.entry(gpio).or_default();
        if let Some(waker) = waker
            && !watch.wakers.iter().any(|w| w.will_wake(waker))
        {
            watch.wakers.push(waker.clone());
        }
        (watch.rising, watch.falling)
    }

    /// Sets (or with `None` removes) the interrupt handler of `gpio`.
    pub(crate) fn set_irq(&self, gpio: u8, irq: Option<(u8, IrqHandler)>) {
        let mut state = self.state.borrow_mut();
        match irq {
            Some(irq) => state.irqs.insert(gpio, irq),
            None => state.irqs.remove(&gpio),
        };
    }

    /// Runs the interrupt handlers the last change triggered, outside the
    /// state's borrow (a handler may use the board).
    fn run_irqs(&self) {
        loop {
            let fired = std::mem::take(&mut self.state.borrow_mut().fired);
            if fired.is_empty() {
                return;
            }
            for (gpio, handler) in fired {
                handler(self, gpio);
            }
        }
    }

    fn rewire(&self, gpio: u8, change: impl FnOnce(&mut Wiring)) {
        self.check_gpio(gpio);
        let mut state = self.state.borrow_mut();
        let now = clock_us(state.last_us);
        state.last_us = now;
        change(state.wiring.entry(gpio).or_default());
        state.show(now, gpio);
        drop(state);
        self.run_irqs();
    }
}

impl fmt::Debug for Board {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Board")
            .field("name", &state.desc.name)
            .field("pins", &state.pins.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl State {
    /// The level `gpio` reads.
    fn level(&self, gpio: u8) -> Option<bool> {
        let config = self.pins.get(&gpio)?;
        let wiring = self.wiring.get(&gpio).copied().unwrap_or_default();
        let outside = || {
            if let Some(level) = wiring.driven {
                level
            } else if wiring.pressed {
                config.pull != Some(Pull::Up)
            } else {
                config.pull == Some(Pull::Up)
            }
        };
        Some(match (config.function, config.mode) {
            (Function::Pwm { duty_u16, .. }, _) => duty_u16 > 0,
            (_, PinMode::Out) => config.out,
            (_, PinMode::OpenDrain) => config.out && outside(),
            (_, PinMode::In) => outside(),
        })
    }

    /// Records what `gpio` shows now (level, duty or voltage), and wakes edge
    /// waiters if its level changed.
    fn show(&mut self, now: u64, gpio: u8) {
        let Some(config) = self.pins.get(&gpio).copied() else {
            return;
        };
        let level = self.level(gpio) == Some(true);
        let (kind, value) = match config.function {
            Function::Gpio => (SignalKind::Digital, Value::Level(level)),
            Function::Pwm { duty_u16, .. } => (SignalKind::Pwm, Value::Duty(duty_u16)),
            Function::Adc { .. } => {
                let analog = self.wiring.get(&gpio).map_or(0, |w| w.analog);
                (SignalKind::Analog, Value::Analog(analog))
            }
        };
        self.record(now, gpio, kind, value);
        self.note_level(gpio, level);
    }

    /// Counts an edge if `gpio`'s level differs from the last one noted
    /// (the first level noted is no edge), wakes its waiters, and queues its
    /// interrupt handler if the edge triggers it.
    fn note_level(&mut self, gpio: u8, level: bool) {
        let watch = self.edges.entry(gpio).or_default();
        let before = watch.level.replace(level);
        if before == Some(level) {
            return;
        }
        for waker in watch.wakers.drain(..) {
            waker.wake();
        }
        if before.is_none() {
            return;
        }
        let edge = if level {
            watch.rising += 1;
            IRQ_RISING
        } else {
            watch.falling += 1;
            IRQ_FALLING
        };
        if let Some((trigger, handler)) = self.irqs.get(&gpio)
            && trigger & edge != 0
        {
            self.fired.push((gpio, handler.clone()));
        }
    }

    /// Appends a change of `gpio`'s signal of `kind` to `value`, unless it
    /// already has that value.
    ///
    /// A pin configured as a digital pin and turned into a PWM output or an
    /// ADC input before doing anything else is not worth a lane of its own:
    /// its digital signal is hidden.
    fn record(&mut self, now: u64, gpio: u8, kind: SignalKind, value: Value) {
        if kind != SignalKind::Digital
            && let Some(i) = self.find_signal(gpio, SignalKind::Digital)
            && self.change_counts[i] == 1
        {
            self.hidden[i] = true;
        }
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
            println!("{}  {} -> {}", format_time(now), self.signals[id.0].name, plain(value));
        }
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
}

fn kind_suffix(kind: SignalKind) -> &'static str {
    match kind {
        SignalKind::Digital => "PIN",
        SignalKind::Pwm => "PWM",
        SignalKind::Analog => "ADC",
    }
}

/// `0.5` → `32768`: a fraction of full scale on the `u16` scale.
pub(crate) fn fraction_to_u16(fraction: f64) -> u16 {
    assert!((0.0..=1.0).contains(&fraction), "a potentiometer position must be from 0.0 to 1.0, not {fraction}");
    (fraction * 65535.0).round() as u16
}

/// `500_000` → `"   0.500 s"`.
///
/// ```
/// assert_eq!(uasyncio_machine::format_time(1_250_000), "   1.250 s");
/// ```
pub fn format_time(t_us: u64) -> String {
    format!("{:>8.3} s", t_us as f64 / 1e6)
}

/// A value the way the plain (non-terminal) output shows it: `1`,
/// `duty 50.0 %`, `adc 2048/4095`.
///
/// ```
/// use uasyncio_machine::{plain, trace::Value};
/// assert_eq!(plain(Value::Level(true)), "1");
/// assert_eq!(plain(Value::Duty(32768)), "duty 50.0 %");
/// assert_eq!(plain(Value::Analog(65535)), "adc 4095/4095");
/// ```
pub fn plain(value: Value) -> String {
    match value {
        Value::Level(level) => u8::from(level).to_string(),
        Value::Duty(d) => format!("duty {:.1} %", d as f64 * 100.0 / 65535.0),
        Value::Analog(a) => format!("adc {}/4095", a >> 4),
    }
}
