//! The simulated board, one concern per file:
//!
//! - here, the [`Board`] handle, the thread's current board
//!   ([`Board::install`], [`Board::current`]) and what the pins ask of it;
//! - `chip`: which GPIOs a board has and what each can do ([`BoardDesc`]);
//! - `pad`: how each GPIO is set up ([`PinMode`], [`Pull`], the function:
//!   GPIO, PWM or ADC) and the level that set-up reads;
//! - `world`: the outside world wired to the pins (buttons, drives,
//!   potentiometers), changed live;
//! - `script`: the outside world's actions at set times, played as a task;
//! - `recorder`: every change and printed line with its time (the
//!   [`Trace`](crate::trace::Trace)), echoed as [`Echo`] says;
//! - `interrupts`: edges counted for the pins' waits, and interrupt handlers;
//! - `buses`: the pins the buses hold, the devices wired to each bus, each
//!   bus's lock, and the bytes on their way to each UART.
//!
//! The board knows nothing of [`Pin`](crate::Pin), [`Pwm`](crate::Pwm) or
//! [`Adc`](crate::Adc): they are built on it, not the other way round. A
//! [`Board`] is a cheap handle (an `Rc` inside). One board is *installed* per
//! thread ([`Board::install`]); [`Pin::new`](crate::Pin::new) and friends use
//! it, so tutorial code never passes a board around.

mod buses;
mod chip;
mod interrupts;
mod pad;
mod recorder;
mod script;
mod world;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

pub(crate) use buses::DEFAULT_RXBUF;
pub use chip::BoardDesc;
pub(crate) use interrupts::{IRQ_FALLING, IRQ_RISING};
pub(crate) use pad::{Function, PinConfig};
pub use pad::{PinMode, Pull};
pub use recorder::{Echo, format_time, plain, plain_transaction};

use buses::Buses;
use interrupts::Interrupts;
use recorder::Recorder;
use script::Action;
use world::Wiring;

use crate::trace::{SignalKind, Value};

/// Everything a board holds, each part owned by the module of its concern.
struct State {
    desc: BoardDesc,
    /// How each configured GPIO is set up.
    pins: BTreeMap<u8, PinConfig>,
    /// What the outside world does to each GPIO.
    wiring: BTreeMap<u8, Wiring>,
    /// The outside world's actions to come, at their times in µs.
    script: Vec<(u64, Action)>,
    recorder: Recorder,
    interrupts: Interrupts,
    buses: Buses,
    /// The latest time seen: a change made while no task runs is recorded
    /// at the time of the last one.
    last_us: u64,
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
                script: Vec::new(),
                recorder: Recorder::new(),
                interrupts: Interrupts::default(),
                buses: Buses::default(),
                last_us: 0,
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

    /// The thread's current board.
    ///
    /// If none is installed yet (a program run with plain `uasyncio::run`),
    /// an ESP32 is, and it shows what happens: it says so once on standard
    /// error, and echoes every pin change and printed line to standard
    /// output with its time ([`Echo::Changes`]), as `--plain` does. Install
    /// a board yourself (or run through `cli::App`) to choose.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Echo};
    /// Board::pico().install();
    /// assert_eq!(Board::current().desc().name, "Raspberry Pi Pico");
    /// assert_eq!(Board::current().echo(), Echo::Lines);
    /// ```
    pub fn current() -> Board {
        CURRENT.with(|current| {
            current
                .borrow_mut()
                .get_or_insert_with(|| {
                    let board = Board::esp32();
                    board.set_echo(Echo::Changes);
                    eprintln!(
                        "uasyncio-machine: no board installed, using an ESP32 that prints each pin change \
                         (Board::pico().install() chooses another; cli::App shows it live)"
                    );
                    board
                })
                .clone()
        })
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

    // ---- for the peripherals (crate-internal) ----

    /// Panics MicroPython's way if `gpio` does not exist on this board.
    pub(crate) fn check_gpio(&self, gpio: u8) {
        if !self.state.borrow().desc.has_gpio(gpio) {
            panic!("invalid pin: {gpio}");
        }
    }

    /// Panics if `gpio` does not exist or a bus holds it (a [`Pin`](crate::Pin)
    /// of it cannot be made, configured or set).
    pub(crate) fn check_gpio_free(&self, gpio: u8) {
        self.check_gpio(gpio);
        self.check_unclaimed(gpio);
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
        self.check_unclaimed(gpio);
        self.change(gpio, |state| {
            state.pins.insert(gpio, config);
        });
    }

    /// Changes `gpio`'s configuration in place and records what it shows.
    pub(crate) fn update(&self, gpio: u8, change: impl FnOnce(&mut PinConfig)) {
        self.check_unclaimed(gpio);
        self.change(gpio, |state| {
            if let Some(config) = state.pins.get_mut(&gpio) {
                change(config);
            }
        });
    }

    /// Every change to what a pin shows goes through here: `change` is made
    /// at the current time, what `gpio` shows then is recorded, and the
    /// interrupt handlers it triggered run once the state is released.
    fn change(&self, gpio: u8, change: impl FnOnce(&mut State)) {
        let mut state = self.state.borrow_mut();
        let now = state.tick();
        change(&mut state);
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
    /// The runtime's clock when a task is running, otherwise the last time
    /// seen (the record never runs backwards).
    fn now(&self) -> u64 {
        if uasyncio::try_current_task().is_some() { uasyncio::now_us().max(self.last_us) } else { self.last_us }
    }

    /// The time now, noted as the latest seen.
    fn tick(&mut self) -> u64 {
        self.last_us = self.now();
        self.last_us
    }

    /// The level `gpio` reads.
    fn level(&self, gpio: u8) -> Option<bool> {
        let config = self.pins.get(&gpio)?;
        let wiring = self.wiring.get(&gpio).copied().unwrap_or_default();
        Some(config.level(|| wiring.level(config.pull)))
    }

    /// Records what `gpio` shows now (level, duty or voltage), and notes its
    /// level for the edge waiters and interrupts.
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
        self.recorder.record(now, gpio, kind, value);
        self.interrupts.note_level(gpio, level);
    }
}
