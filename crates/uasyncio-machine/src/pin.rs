//! `machine.Pin`: a GPIO as a digital input or output.

use std::fmt;
use std::future::Future;
use std::pin::Pin as Pinned;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::board::{Board, Function, PinConfig, PinMode, Pull};

/// A GPIO pin, as MicroPython's `machine.Pin`.
///
/// A `Pin` is a handle: clones refer to the same pin of the board that was
/// current when it was made. `Pin::new(14, Pin::OUT)` is MicroPython's
/// `Pin(14, Pin.OUT)`; `Pin::with_pull(15, Pin::IN, Pin::PULL_UP)` is
/// `Pin(15, Pin.IN, Pin.PULL_UP)`.
///
/// ```
/// use uasyncio_machine::{Board, Pin};
/// Board::esp32().install();
/// let led = Pin::new(14, Pin::OUT);
/// led.set_value(1);          // led.value(1)
/// assert!(led.value());
/// led.toggle();
/// assert!(!led.value());
/// ```
#[derive(Clone)]
pub struct Pin {
    gpio: u8,
    board: Board,
}

/// A value a pin can be set to: `bool`, or an integer where anything but 0 is
/// high (as MicroPython's `pin.value(x)` takes any truthy value).
///
/// ```
/// use uasyncio_machine::IntoLevel;
/// assert!(1.into_level() && true.into_level() && !0u8.into_level());
/// ```
pub trait IntoLevel {
    /// `true` for high.
    fn into_level(self) -> bool;
}

impl IntoLevel for bool {
    fn into_level(self) -> bool {
        self
    }
}

macro_rules! int_levels {
    ($($t:ty)*) => {$(
        impl IntoLevel for $t {
            fn into_level(self) -> bool {
                self != 0
            }
        }
    )*};
}
int_levels!(i8 i16 i32 i64 isize u8 u16 u32 u64 usize);

/// Which edges call a pin's interrupt handler ([`Pin::irq`]): combine
/// [`Pin::IRQ_FALLING`] and [`Pin::IRQ_RISING`] with `|`.
///
/// ```
/// use uasyncio_machine::Pin;
/// let both = Pin::IRQ_FALLING | Pin::IRQ_RISING;
/// assert!(both.contains(Pin::IRQ_RISING));
/// assert!(!Pin::IRQ_FALLING.contains(Pin::IRQ_RISING));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trigger(u8);

impl Trigger {
    /// Whether every edge of `other` is in `self`.
    pub fn contains(self, other: Trigger) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Trigger {
    type Output = Trigger;

    fn bitor(self, other: Trigger) -> Trigger {
        Trigger(self.0 | other.0)
    }
}

/// Why a pin operation failed (the error of the embedded-hal traits; the
/// inherent methods panic with the same message).
///
/// ```
/// use embedded_hal::digital::OutputPin;
/// use uasyncio_machine::{Board, Pin, PinError};
/// Board::pico().install();
/// let mut button = Pin::new(15, Pin::IN);
/// assert_eq!(button.set_high(), Err(PinError::NotOutput(15)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinError {
    /// The pin was never given a mode.
    NotConfigured(u8),
    /// The pin is an input: it cannot be set.
    NotOutput(u8),
}

impl fmt::Display for PinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinError::NotConfigured(id) => {
                write!(f, "Pin({id}) was never configured: give it a mode first, e.g. Pin::new({id}, Pin::IN)")
            }
            PinError::NotOutput(id) => {
                write!(f, "Pin({id}) is an input: only a Pin::OUT or Pin::OPEN_DRAIN pin can be set")
            }
        }
    }
}

impl std::error::Error for PinError {}

impl embedded_hal::digital::Error for PinError {
    fn kind(&self) -> embedded_hal::digital::ErrorKind {
        embedded_hal::digital::ErrorKind::Other
    }
}

impl Pin {
    /// Input mode (`Pin.IN`).
    pub const IN: PinMode = PinMode::In;
    /// Push-pull output mode (`Pin.OUT`).
    pub const OUT: PinMode = PinMode::Out;
    /// Open-drain output mode (`Pin.OPEN_DRAIN`).
    pub const OPEN_DRAIN: PinMode = PinMode::OpenDrain;
    /// Internal pull-up resistor (`Pin.PULL_UP`).
    pub const PULL_UP: Pull = Pull::Up;
    /// Internal pull-down resistor (`Pin.PULL_DOWN`).
    pub const PULL_DOWN: Pull = Pull::Down;

    /// Interrupt on a falling edge (`Pin.IRQ_FALLING`).
    pub const IRQ_FALLING: Trigger = Trigger(crate::board::IRQ_FALLING);
    /// Interrupt on a rising edge (`Pin.IRQ_RISING`).
    pub const IRQ_RISING: Trigger = Trigger(crate::board::IRQ_RISING);

    /// GPIO `id` of the current board, configured as `mode` without pull
    /// resistor (`Pin(id, mode)`). An output keeps the level it had, low at
    /// first.
    ///
    /// Panics with `invalid pin: 99` if the board has no such GPIO, and with
    /// `Pin(36) can only be an input` for an output on an input-only pin.
    ///
    /// ```should_panic
    /// use uasyncio_machine::{Board, Pin};
    /// Board::esp32().install();
    /// Pin::new(99, Pin::OUT); // panics: invalid pin: 99
    /// ```
    pub fn new(id: u8, mode: PinMode) -> Pin {
        let pin = Pin::get(id);
        pin.init(mode, None);
        pin
    }

    /// GPIO `id` configured as `mode` with a pull resistor
    /// (`Pin(id, mode, pull)`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// Board::pico().install();
    /// let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    /// assert!(button.value()); // not pressed: pulled up
    /// ```
    pub fn with_pull(id: u8, mode: PinMode, pull: Pull) -> Pin {
        let pin = Pin::get(id);
        pin.init(mode, Some(pull));
        pin
    }

    /// GPIO `id` as it is configured now (`Pin(id)` with no mode).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// Board::esp32().install();
    /// Pin::new(14, Pin::OUT).on();
    /// assert!(Pin::get(14).value());
    /// ```
    pub fn get(id: u8) -> Pin {
        let board = Board::current();
        board.check_gpio_free(id);
        Pin { gpio: id, board }
    }

    /// Reconfigures the pin (`pin.init(mode, pull)`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// Board::esp32().install();
    /// let pin = Pin::new(4, Pin::OUT);
    /// pin.init(Pin::IN, Some(Pin::PULL_UP));
    /// assert!(pin.value());
    /// ```
    pub fn init(&self, mode: PinMode, pull: Option<Pull>) {
        if mode != PinMode::In && self.board.is_input_only(self.gpio) {
            panic!("Pin({}) can only be an input", self.gpio);
        }
        let out = self.board.config(self.gpio).is_some_and(|c| c.out);
        self.board.configure(self.gpio, PinConfig { mode, pull, out, function: Function::Gpio });
    }

    /// Calls `handler` with the pin at each edge that `trigger` selects
    /// (`pin.irq(handler, trigger=Pin.IRQ_FALLING)`, in MicroPython's order:
    /// the handler first); replaces any earlier
    /// handler. It runs at the moment of the change, like an interrupt: keep
    /// it short, and hand work to a task, e.g. through a
    /// [`ThreadSafeFlag`](uasyncio::ThreadSafeFlag).
    ///
    /// ```
    /// use std::rc::Rc;
    /// use uasyncio::ThreadSafeFlag;
    /// use uasyncio_machine::{Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(15, 0.3, 0.1);
    /// board.press_at(15, 0.7, 0.1);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    ///     let flag = Rc::new(ThreadSafeFlag::new());
    ///     let set = flag.clone();
    ///     button.irq(move |_pin| set.set(), Pin::IRQ_FALLING);
    ///     loop {
    ///         flag.wait().await;
    ///         uasyncio_machine::println!("pressed at {} ms", uasyncio::now_us() / 1000);
    ///     }
    /// });
    /// assert_eq!(board.trace().printed(), ["pressed at 300 ms", "pressed at 700 ms"]);
    /// ```
    pub fn irq(&self, handler: impl Fn(&Pin) + 'static, trigger: Trigger) {
        let handler = move |board: &Board, gpio| handler(&Pin { gpio, board: board.clone() });
        self.board.set_irq(self.gpio, Some((trigger.0, Rc::new(handler))));
    }

    /// Removes the pin's interrupt handler (`pin.irq(None)`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::pico().install();
    /// let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    /// button.irq(|_| panic!("not called"), Pin::IRQ_FALLING);
    /// button.clear_irq();
    /// board.press(15);
    /// ```
    pub fn clear_irq(&self) {
        self.board.set_irq(self.gpio, None);
    }

    /// The GPIO number.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// Board::esp32().install();
    /// assert_eq!(Pin::new(14, Pin::OUT).id(), 14);
    /// ```
    pub fn id(&self) -> u8 {
        self.gpio
    }

    /// The board this pin belongs to.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::esp32().install();
    /// assert!(Pin::new(14, Pin::OUT).board().same_as(&board));
    /// ```
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// The pin's mode, or `None` if it was never configured.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, PinMode};
    /// Board::esp32().install();
    /// assert_eq!(Pin::get(14).mode(), None);
    /// assert_eq!(Pin::new(14, Pin::IN).mode(), Some(PinMode::In));
    /// ```
    pub fn mode(&self) -> Option<PinMode> {
        self.board.config(self.gpio).map(|c| c.mode)
    }

    /// The pin's pull resistor.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// Board::pico().install();
    /// assert_eq!(Pin::with_pull(15, Pin::IN, Pin::PULL_UP).pull(), Some(Pin::PULL_UP));
    /// assert_eq!(Pin::new(14, Pin::IN).pull(), None);
    /// ```
    pub fn pull(&self) -> Option<Pull> {
        self.board.config(self.gpio).and_then(|c| c.pull)
    }

    /// The level the pin reads, `true` = high (`pin.value()`): an input reads
    /// the outside world, an output reads what it drives.
    ///
    /// Panics if the pin was never configured (see [`PinError::NotConfigured`]).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::pico().install();
    /// let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    /// assert!(button.value());
    /// board.press(15);
    /// assert!(!button.value()); // pressed: active low
    /// ```
    pub fn value(&self) -> bool {
        self.try_value().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Sets an output's level (`pin.value(x)`): `true`/`false`, or `1`/`0`.
    ///
    /// Panics on an input pin (see [`PinError::NotOutput`]).
    ///
    /// ```should_panic
    /// use uasyncio_machine::{Board, Pin};
    /// Board::pico().install();
    /// Pin::new(15, Pin::IN).set_value(1); // panics: Pin(15) is an input: ...
    /// ```
    pub fn set_value(&self, value: impl IntoLevel) {
        self.try_set(value.into_level()).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Sets the output high (`pin.on()`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// Board::esp32().install();
    /// let led = Pin::new(14, Pin::OUT);
    /// led.on();
    /// assert!(led.value());
    /// ```
    pub fn on(&self) {
        self.set_value(true);
    }

    /// Sets the output low (`pin.off()`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// Board::esp32().install();
    /// let led = Pin::new(14, Pin::OUT);
    /// led.on();
    /// led.off();
    /// assert!(!led.value());
    /// ```
    pub fn off(&self) {
        self.set_value(false);
    }

    /// Sets the output high (`pin.high()`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// Board::esp32().install();
    /// let led = Pin::new(14, Pin::OUT);
    /// led.high();
    /// assert!(led.value());
    /// ```
    pub fn high(&self) {
        self.set_value(true);
    }

    /// Sets the output low (`pin.low()`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// Board::esp32().install();
    /// let led = Pin::new(14, Pin::OUT);
    /// led.high();
    /// led.low();
    /// assert!(!led.value());
    /// ```
    pub fn low(&self) {
        self.set_value(false);
    }

    /// Inverts the output (`pin.toggle()`, or `pin.value(not pin.value())`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// Board::pico().install();
    /// let led = Pin::new(25, Pin::OUT);
    /// led.toggle();
    /// assert!(led.value());
    /// ```
    pub fn toggle(&self) {
        let config = self.output_config().unwrap_or_else(|e| panic!("{e}"));
        self.set_value(!config.out);
    }

    /// Waits until the pin reads high (returns at once if it does).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(14, 0.3, 0.1);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let sensor = Pin::with_pull(14, Pin::IN, Pin::PULL_DOWN);
    ///     sensor.wait_for_high().await;
    ///     assert_eq!(uasyncio::now_us(), 300_000);
    /// });
    /// ```
    pub fn wait_for_high(&self) -> WaitForLevel {
        self.wait(Until::High)
    }

    /// Waits until the pin reads low (returns at once if it does).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(15, 0.2, 0.1);
    /// run_virtual_for(&board, 1.0, || async {
    ///     Pin::with_pull(15, Pin::IN, Pin::PULL_UP).wait_for_low().await;
    ///     assert_eq!(uasyncio::now_us(), 200_000);
    /// });
    /// ```
    pub fn wait_for_low(&self) -> WaitForLevel {
        self.wait(Until::Low)
    }

    /// Waits for the next rising edge (low to high).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(15, 0.2, 0.1);
    /// run_virtual_for(&board, 1.0, || async {
    ///     // The release of a pull-up button is a rising edge.
    ///     Pin::with_pull(15, Pin::IN, Pin::PULL_UP).wait_for_rising_edge().await;
    ///     assert_eq!(uasyncio::now_us(), 300_000);
    /// });
    /// ```
    pub fn wait_for_rising_edge(&self) -> WaitForLevel {
        self.wait(Until::Rising)
    }

    /// Waits for the next falling edge (high to low): a press of a button on
    /// a pull-up pin.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(15, 0.5, 0.2);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    ///     button.wait_for_falling_edge().await;
    ///     uasyncio_machine::println!("pressed at {} ms", uasyncio::now_us() / 1000);
    /// });
    /// assert_eq!(board.trace().printed(), ["pressed at 500 ms"]);
    /// ```
    pub fn wait_for_falling_edge(&self) -> WaitForLevel {
        self.wait(Until::Falling)
    }

    /// Waits for the next edge, either way.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(15, 0.2, 0.1);
    /// run_virtual_for(&board, 1.0, || async {
    ///     Pin::with_pull(15, Pin::IN, Pin::PULL_UP).wait_for_any_edge().await;
    ///     assert_eq!(uasyncio::now_us(), 200_000);
    /// });
    /// ```
    pub fn wait_for_any_edge(&self) -> WaitForLevel {
        self.wait(Until::AnyEdge)
    }

    fn wait(&self, until: Until) -> WaitForLevel {
        WaitForLevel { pin: self.clone(), until, start: None }
    }

    fn try_value(&self) -> Result<bool, PinError> {
        self.board.check_unclaimed(self.gpio);
        self.board.level(self.gpio).ok_or(PinError::NotConfigured(self.gpio))
    }

    fn output_config(&self) -> Result<PinConfig, PinError> {
        self.board.check_unclaimed(self.gpio);
        let config = self.board.config(self.gpio).ok_or(PinError::NotConfigured(self.gpio))?;
        if config.mode == PinMode::In || config.function != Function::Gpio {
            return Err(PinError::NotOutput(self.gpio));
        }
        Ok(config)
    }

    fn try_set(&self, level: bool) -> Result<(), PinError> {
        self.output_config()?;
        self.board.update(self.gpio, |c| c.out = level);
        Ok(())
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.board.config(self.gpio) {
            Some(c) => write!(f, "Pin({}, mode={:?}, pull={:?})", self.gpio, c.mode, c.pull),
            None => write!(f, "Pin({})", self.gpio),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Until {
    High,
    Low,
    Rising,
    Falling,
    AnyEdge,
}

/// The future of [`Pin::wait_for_high`] and the other waits: ready when the
/// pin reaches the level, or shows the edge.
///
/// ```
/// use uasyncio_machine::{Board, Pin, WaitForLevel, run_virtual_for};
/// let board = Board::pico().install();
/// run_virtual_for(&board, 1.0, || async {
///     let wait: WaitForLevel = Pin::with_pull(15, Pin::IN, Pin::PULL_UP).wait_for_high();
///     wait.await; // already high
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct WaitForLevel {
    pin: Pin,
    until: Until,
    /// Rising and falling edge counts when first polled.
    start: Option<(u64, u64)>,
}

impl Future for WaitForLevel {
    type Output = ();

    fn poll(self: Pinned<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let board = &this.pin.board;
        let gpio = this.pin.gpio;
        let (rising, falling) = board.watch_edges(gpio, None);
        let (rising0, falling0) = *this.start.get_or_insert((rising, falling));
        let level = board.level(gpio);
        let done = match this.until {
            Until::High => level == Some(true),
            Until::Low => level == Some(false),
            Until::Rising => rising > rising0,
            Until::Falling => falling > falling0,
            Until::AnyEdge => rising + falling > rising0 + falling0,
        };
        if done {
            return Poll::Ready(());
        }
        board.watch_edges(gpio, Some(cx.waker()));
        Poll::Pending
    }
}

impl embedded_hal::digital::ErrorType for Pin {
    type Error = PinError;
}

impl embedded_hal::digital::InputPin for Pin {
    fn is_high(&mut self) -> Result<bool, PinError> {
        self.try_value()
    }

    fn is_low(&mut self) -> Result<bool, PinError> {
        self.try_value().map(|level| !level)
    }
}

impl embedded_hal::digital::OutputPin for Pin {
    fn set_low(&mut self) -> Result<(), PinError> {
        self.try_set(false)
    }

    fn set_high(&mut self) -> Result<(), PinError> {
        self.try_set(true)
    }
}

impl embedded_hal::digital::StatefulOutputPin for Pin {
    fn is_set_high(&mut self) -> Result<bool, PinError> {
        Ok(self.output_config()?.out)
    }

    fn is_set_low(&mut self) -> Result<bool, PinError> {
        Ok(!self.output_config()?.out)
    }
}

impl embedded_hal_async::digital::Wait for Pin {
    async fn wait_for_high(&mut self) -> Result<(), PinError> {
        self.try_value()?;
        Pin::wait_for_high(self).await;
        Ok(())
    }

    async fn wait_for_low(&mut self) -> Result<(), PinError> {
        self.try_value()?;
        Pin::wait_for_low(self).await;
        Ok(())
    }

    async fn wait_for_rising_edge(&mut self) -> Result<(), PinError> {
        self.try_value()?;
        Pin::wait_for_rising_edge(self).await;
        Ok(())
    }

    async fn wait_for_falling_edge(&mut self) -> Result<(), PinError> {
        self.try_value()?;
        Pin::wait_for_falling_edge(self).await;
        Ok(())
    }

    async fn wait_for_any_edge(&mut self) -> Result<(), PinError> {
        self.try_value()?;
        Pin::wait_for_any_edge(self).await;
        Ok(())
    }
}
