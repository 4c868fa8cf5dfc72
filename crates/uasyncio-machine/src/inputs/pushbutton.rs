//! `Pushbutton` and `EButton`: press, release, long press and double click.

use std::cell::Cell;
use std::rc::{Rc, Weak};

use embedded_hal::digital::InputPin;
use embedded_hal_async::digital::Wait;
use uasyncio::{DelayMs, Event, TaskRef};

use super::{Handler, InputError, check_input, level_after_change};

/// A push button's options: the original's constructor arguments and class
/// attributes, with its defaults.
///
/// ```
/// use uasyncio_machine::ButtonConfig;
/// let config = ButtonConfig::default();
/// assert_eq!((config.debounce_ms, config.long_press_ms, config.double_click_ms), (50, 1000, 400));
/// assert!(!config.suppress && config.sense.is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ButtonConfig {
    /// Report a release only if it is not part of a long press or a double
    /// click (the original's `suppress`; see [`Pushbutton`]).
    pub suppress: bool,
    /// The level the pin reads while released; `None`: the level it reads
    /// when the button is made (the original's `sense`).
    pub sense: Option<bool>,
    /// Changes within this time of the last are ignored (50 ms).
    pub debounce_ms: u32,
    /// Held this long, a press is a long press (1000 ms).
    pub long_press_ms: u32,
    /// A second press within this time of the first is a double click (400 ms).
    pub double_click_ms: u32,
}

impl Default for ButtonConfig {
    fn default() -> Self {
        ButtonConfig { suppress: false, sense: None, debounce_ms: 50, long_press_ms: 1000, double_click_ms: 400 }
    }
}

impl ButtonConfig {
    /// The defaults with `suppress` on.
    ///
    /// ```
    /// use uasyncio_machine::ButtonConfig;
    /// assert!(ButtonConfig::suppressed().suppress);
    /// ```
    pub fn suppressed() -> Self {
        ButtonConfig { suppress: true, ..ButtonConfig::default() }
    }
}

struct Shared {
    config: ButtonConfig,
    /// The debounced logical state: pressed.
    pressed: Cell<bool>,
    /// The level the pin reads while released.
    sense: bool,
    /// A first click waits for its second.
    double_pending: Cell<bool>,
    /// A double click ran: its release is not reported (suppress).
    double_ran: Cell<bool>,
    on_press: Handler,
    on_release: Handler,
    on_double: Handler,
    on_long: Handler,
    long_timer: DelayMs,
    double_timer: DelayMs,
}

/// A debounced push button with callbacks (peterhinch's
/// `primitives.Pushbutton`): a press, a release, a long press (held for
/// 1000 ms) and a double click (a second press within 400 ms of the first).
///
/// Each is reported by a callback (`on_press` …, the original's
/// `press_func(f)` …) or an event (`press_event()` …, the original's
/// `press_func(None)` then `pb.press`). A long press is reported while the
/// button is still held, at 1000 ms; with a double-click function the second
/// press of a double click does not also start a long press.
///
/// With [`ButtonConfig::suppress`], the release is reported only for a click
/// that is neither long nor a double click, and, when there is a double-click
/// function, only once the double-click time has run out: then exactly one of
/// release, long and double is reported per gesture.
///
/// The press is seen the moment the pin changes (it is waited on, not
/// polled); changes within the next 50 ms are ignored, so a chattering
/// contact reports one press. Dropping the button stops it.
///
/// ```
/// use uasyncio_machine::{Board, Pin, Pushbutton, run_virtual_for};
/// let board = Board::pico().install();
/// board.press_bouncing_at(15, 0.2, 1.2, 3.0);  // long
/// board.press_bouncing_at(15, 2.0, 0.1, 3.0);  // double
/// board.press_bouncing_at(15, 2.3, 0.1, 3.0);
/// run_virtual_for(&board, 3.0, || async {
///     let button = Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
///     let t = || uasyncio::time::ticks_ms();
///     button.on_long(move || uasyncio_machine::println!("long at {}", t()));
///     button.on_double(move || uasyncio_machine::println!("double at {}", t()));
///     uasyncio::sleep(3).await;
/// });
/// assert_eq!(board.trace().printed(), ["long at 1200", "double at 2300"]);
/// ```
pub struct Pushbutton {
    shared: Rc<Shared>,
    task: TaskRef,
}

impl Pushbutton {
    /// A button on `pin` with the original's defaults
    /// ([`ButtonConfig::default`]): released is the level the pin reads now.
    ///
    /// # Panics
    /// With the message of [`InputError`] if the pin cannot be an input;
    /// outside a running loop.
    ///
    /// ```should_panic
    /// use uasyncio_machine::{Board, Pin, Pushbutton};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     Pushbutton::new(Pin::new(15, Pin::OUT)); // panics: Pin(15) is an output (Out): ...
    /// });
    /// ```
    pub fn new<P: InputPin + Wait + 'static>(pin: P) -> Pushbutton {
        Pushbutton::try_with_config(pin, ButtonConfig::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A button on `pin` with `config`.
    ///
    /// # Panics
    /// As [`new`](Self::new).
    ///
    /// ```
    /// use uasyncio_machine::{Board, ButtonConfig, Pin, Pushbutton};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     let _b = Pushbutton::with_config(Pin::with_pull(15, Pin::IN, Pin::PULL_UP), ButtonConfig::suppressed());
    /// });
    /// ```
    pub fn with_config<P: InputPin + Wait + 'static>(pin: P, config: ButtonConfig) -> Pushbutton {
        Pushbutton::try_with_config(pin, config).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A button on `pin` with `config`, or why not (the pin does not read,
    /// or is one of the board's pins set as an output).
    ///
    /// ```
    /// use uasyncio_machine::{Board, ButtonConfig, InputError, Pin, Pushbutton};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     let led = Pin::new(25, Pin::OUT);
    ///     let err = Pushbutton::try_with_config(led, ButtonConfig::default()).err().unwrap();
    ///     assert!(matches!(err, InputError::NotInput { gpio: 25, .. }));
    /// });
    /// ```
    pub fn try_with_config<P: InputPin + Wait + 'static>(
        mut pin: P,
        config: ButtonConfig,
    ) -> Result<Pushbutton, InputError<P::Error>> {
        let level = check_input(&mut pin)?;
        let sense = config.sense.unwrap_or(level);
        let shared = Rc::new_cyclic(|weak: &Weak<Shared>| {
            let long = weak.clone();
            let double = weak.clone();
            Shared {
                config,
                pressed: Cell::new(level != sense),
                sense,
                double_pending: Cell::new(false),
                double_ran: Cell::new(false),
                on_press: Handler::default(),
                on_release: Handler::default(),
                on_double: Handler::default(),
                on_long: Handler::default(),
                long_timer: DelayMs::with_callback(config.long_press_ms, move || {
                    if let Some(shared) = long.upgrade() {
                        shared.on_long.fire();
                    }
                }),
                double_timer: DelayMs::with_callback(config.double_click_ms, move || {
                    if let Some(shared) = double.upgrade() {
                        shared.double_timed_out();
                    }
                }),
            }
        });
        let task = uasyncio::create_task(watch(pin, shared.clone())).task_ref();
        Ok(Pushbutton { shared, task })
    }

    /// Calls `f` at each press (`press_func(f)`); replaces any earlier
    /// function or event.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pushbutton};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).on_press(|| println!("press"));
    /// });
    /// ```
    pub fn on_press(&self, f: impl FnMut() + 'static) {
        self.shared.on_press.set(Some(Box::new(f)));
    }

    /// Calls `f` at each release (`release_func(f)`; see `suppress`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pushbutton};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).on_release(|| println!("release"));
    /// });
    /// ```
    pub fn on_release(&self, f: impl FnMut() + 'static) {
        self.shared.on_release.set(Some(Box::new(f)));
    }

    /// Calls `f` at each double click (`double_func(f)`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pushbutton};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).on_double(|| println!("double"));
    /// });
    /// ```
    pub fn on_double(&self, f: impl FnMut() + 'static) {
        self.shared.on_double.set(Some(Box::new(f)));
    }

    /// Calls `f` at each long press (`long_func(f)`), while the button is
    /// still held.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pushbutton};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).on_long(|| println!("long"));
    /// });
    /// ```
    pub fn on_long(&self, f: impl FnMut() + 'static) {
        self.shared.on_long.set(Some(Box::new(f)));
    }

    /// An event set at each press (`press_func(None)`, then `pb.press`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pushbutton, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(15, 0.4, 0.1);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let button = Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    ///     button.press_event().wait().await;
    ///     assert_eq!(uasyncio::time::ticks_ms(), 400);
    /// });
    /// ```
    pub fn press_event(&self) -> Rc<Event> {
        let (event, set) = event_pair();
        self.on_press(set);
        event
    }

    /// An event set at each release (`release_func(None)`, then `pb.release`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pushbutton, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(15, 0.4, 0.1);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let button = Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    ///     button.release_event().wait().await;
    ///     assert_eq!(uasyncio::time::ticks_ms(), 500);
    /// });
    /// ```
    pub fn release_event(&self) -> Rc<Event> {
        let (event, set) = event_pair();
        self.on_release(set);
        event
    }

    /// An event set at each double click (`double_func(None)`, then `pb.double`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pushbutton, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(15, 0.1, 0.1);
    /// board.press_at(15, 0.4, 0.1);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let button = Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    ///     button.double_event().wait().await;
    ///     assert_eq!(uasyncio::time::ticks_ms(), 400);
    /// });
    /// ```
    pub fn double_event(&self) -> Rc<Event> {
        let (event, set) = event_pair();
        self.on_double(set);
        event
    }

    /// An event set at each long press (`long_func(None)`, then `pb.long`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pushbutton, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(15, 0.1, 1.5);
    /// run_virtual_for(&board, 2.0, || async {
    ///     let button = Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    ///     button.long_event().wait().await;
    ///     assert_eq!(uasyncio::time::ticks_ms(), 1100);
    /// });
    /// ```
    pub fn long_event(&self) -> Rc<Event> {
        let (event, set) = event_pair();
        self.on_long(set);
        event
    }

    /// Removes every function and event (`press_func(False)` … for each).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Pushbutton};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     let button = Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    ///     button.on_press(|| unreachable!());
    ///     button.clear_callbacks();
    /// });
    /// ```
    pub fn clear_callbacks(&self) {
        let s = &self.shared;
        for handler in [&s.on_press, &s.on_release, &s.on_double, &s.on_long] {
            handler.set(None);
        }
        s.long_timer.stop();
        s.double_timer.stop();
    }

    /// Whether the button is pressed, debounced (`pb()`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, ButtonConfig, Pin, Pushbutton};
    /// let board = Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     let button = Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    ///     assert!(!button.is_pressed());
    /// });
    /// ```
    pub fn is_pressed(&self) -> bool {
        self.shared.pressed.get()
    }
}

impl Drop for Pushbutton {
    fn drop(&mut self) {
        self.task.cancel();
        self.shared.long_timer.stop();
        self.shared.double_timer.stop();
    }
}

fn event_pair() -> (Rc<Event>, impl FnMut() + 'static) {
    let event = Rc::new(Event::new());
    let set = event.clone();
    (event, move || set.set())
}

impl Shared {
    /// The debounced state changed to `pressed` (the original's `_check`).
    fn changed(&self, pressed: bool) {
        self.pressed.set(pressed);
        let double = self.on_double.is_set();
        let long = self.on_long.is_set();
        if pressed {
            self.on_press.fire();
            // The second press of a double click does not start a long press.
            if long && !(double && self.double_timer.running()) {
                self.long_timer.trigger_ms(self.config.long_press_ms);
            }
            if double {
                if self.double_timer.running() {
                    self.double_timer.stop();
                    self.double_pending.set(false);
                    self.double_ran.set(true); // its release is not reported
                    self.on_double.fire();
                } else {
                    self.double_timer.trigger_ms(self.config.double_click_ms);
                    self.double_pending.set(true);
                }
            }
        } else {
            if self.on_release.is_set() {
                let report = !self.config.suppress
                    || (!self.double_pending.get() && !self.double_ran.get() && (!long || self.long_timer.running()));
                if report {
                    self.on_release.fire();
                }
            }
            self.long_timer.stop();
            self.double_ran.set(false);
        }
    }

    /// No second click came (the original's `_ddto`): a suppressed release
    /// of a short click is reported now.
    fn double_timed_out(&self) {
        self.double_pending.set(false);
        let released = !self.pressed.get();
        if self.config.suppress && released && self.on_release.is_set() {
            let long = self.on_long.is_set();
            if !long || !self.long_timer.running() {
                self.on_release.fire();
            }
        }
    }
}

async fn watch<P: InputPin + Wait>(mut pin: P, shared: Rc<Shared>) {
    loop {
        let level_now = shared.pressed.get() != shared.sense;
        let pressed = level_after_change(&mut pin, level_now, "Pushbutton").await != shared.sense;
        if pressed != shared.pressed.get() {
            shared.changed(pressed);
        }
        uasyncio::sleep_ms(shared.config.debounce_ms).await;
    }
}

struct EShared {
    config: ButtonConfig,
    pressed: Cell<bool>,
    sense: bool,
    press: Event,
    release: Event,
    double: Event,
    long: Event,
    long_timer: DelayMs,
    double_timer: DelayMs,
}

/// A debounced push button with events (peterhinch's
/// `primitives.EButton`): [`press`](Self::press), [`release`](Self::release),
/// [`double`](Self::double) and [`long`](Self::long) are events the button
/// sets and the user clears.
///
/// Every press sets `press` (with `suppress`: only a single short click
/// does, with its `release`, once the double-click time has run out); a
/// second press within 400 ms sets `double`; the first press of a pair
/// held for 1000 ms sets `long`.
///
/// ```
/// use uasyncio_machine::{Board, EButton, Pin, run_virtual_for};
/// let board = Board::pico().install();
/// board.press_bouncing_at(15, 0.1, 0.1, 3.0);
/// board.press_bouncing_at(15, 0.4, 0.1, 3.0);
/// run_virtual_for(&board, 1.0, || async {
///     let button = EButton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
///     button.double().wait().await;
///     uasyncio_machine::println!("double at {} ms", uasyncio::time::ticks_ms());
/// });
/// assert_eq!(board.trace().printed(), ["double at 400 ms"]);
/// ```
pub struct EButton {
    shared: Rc<EShared>,
    task: TaskRef,
}

impl EButton {
    /// A button on `pin` with the original's defaults.
    ///
    /// # Panics
    /// As [`Pushbutton::new`].
    ///
    /// ```
    /// use uasyncio_machine::{Board, EButton, Pin};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     assert!(!EButton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).is_pressed());
    /// });
    /// ```
    pub fn new<P: InputPin + Wait + 'static>(pin: P) -> EButton {
        EButton::try_with_config(pin, ButtonConfig::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A button on `pin` with `config`, or why not.
    ///
    /// ```
    /// use uasyncio_machine::{Board, ButtonConfig, EButton, Pin};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     let button = EButton::try_with_config(Pin::with_pull(15, Pin::IN, Pin::PULL_UP), ButtonConfig::suppressed());
    ///     assert!(button.is_ok());
    /// });
    /// ```
    pub fn try_with_config<P: InputPin + Wait + 'static>(
        mut pin: P,
        config: ButtonConfig,
    ) -> Result<EButton, InputError<P::Error>> {
        let level = check_input(&mut pin)?;
        let sense = config.sense.unwrap_or(level);
        let shared = Rc::new_cyclic(|weak: &Weak<EShared>| {
            let long = weak.clone();
            let double = weak.clone();
            EShared {
                config,
                pressed: Cell::new(level != sense),
                sense,
                press: Event::new(),
                release: Event::new(),
                double: Event::new(),
                long: Event::new(),
                long_timer: DelayMs::with_callback(config.long_press_ms, move || {
                    if let Some(shared) = long.upgrade() {
                        shared.long.set();
                    }
                }),
                double_timer: DelayMs::with_callback(config.double_click_ms, move || {
                    // A single short click, once sure it is one (suppress).
                    if let Some(shared) = double.upgrade()
                        && shared.config.suppress
                        && !shared.long_timer.running()
                    {
                        shared.press.set();
                        shared.release.set();
                    }
                }),
            }
        });
        let task = uasyncio::create_task(watch_events(pin, shared.clone())).task_ref();
        Ok(EButton { shared, task })
    }

    /// Set at a press (`eb.press`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, EButton, Pin};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     assert!(!EButton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).press().is_set());
    /// });
    /// ```
    pub fn press(&self) -> &Event {
        &self.shared.press
    }

    /// Set at a release (`eb.release`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, EButton, Pin};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     assert!(!EButton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).release().is_set());
    /// });
    /// ```
    pub fn release(&self) -> &Event {
        &self.shared.release
    }

    /// Set at a double click (`eb.double`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, EButton, Pin};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     assert!(!EButton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).double().is_set());
    /// });
    /// ```
    pub fn double(&self) -> &Event {
        &self.shared.double
    }

    /// Set at a long press (`eb.long`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, EButton, Pin};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     assert!(!EButton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).long().is_set());
    /// });
    /// ```
    pub fn long(&self) -> &Event {
        &self.shared.long
    }

    /// Whether the button is pressed, debounced (`eb()`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, EButton, Pin};
    /// let board = Board::pico().install();
    /// board.drive(15, Some(true));
    /// uasyncio::run_virtual(async {
    ///     // Pressed reads 0 here (sense given: released is 1).
    ///     let config = uasyncio_machine::ButtonConfig { sense: Some(false), ..Default::default() };
    ///     assert!(EButton::try_with_config(Pin::new(15, Pin::IN), config).unwrap().is_pressed());
    /// });
    /// ```
    pub fn is_pressed(&self) -> bool {
        self.shared.pressed.get()
    }
}

impl Drop for EButton {
    /// Python's `deinit`: stops the tasks and clears every event.
    fn drop(&mut self) {
        self.task.cancel();
        let s = &self.shared;
        s.long_timer.stop();
        s.double_timer.stop();
        for event in [&s.press, &s.release, &s.double, &s.long] {
            event.clear();
        }
    }
}

impl EShared {
    fn changed(&self, pressed: bool) {
        self.pressed.set(pressed);
        if pressed {
            if !self.config.suppress {
                self.press.set();
            }
            if self.double_timer.running() {
                self.double.set();
                self.double_timer.stop();
            } else {
                // A single press, or the first of a pair.
                self.double_timer.trigger_ms(self.config.double_click_ms);
                self.long_timer.trigger_ms(self.config.long_press_ms);
            }
        } else {
            self.long_timer.stop();
            // With suppress, a release within the double-click time waits
            // for it to run out (else it would come before its press).
            if !self.config.suppress || !self.double_timer.running() {
                self.release.set();
            }
        }
    }
}

async fn watch_events<P: InputPin + Wait>(mut pin: P, shared: Rc<EShared>) {
    loop {
        let level_now = shared.pressed.get() != shared.sense;
        let pressed = level_after_change(&mut pin, level_now, "EButton").await != shared.sense;
        if pressed != shared.pressed.get() {
            shared.changed(pressed);
        }
        uasyncio::sleep_ms(shared.config.debounce_ms).await;
    }
}

impl std::fmt::Debug for Pushbutton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.shared;
        f.debug_struct("Pushbutton")
            .field("pressed", &s.pressed.get())
            .field("config", &s.config)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for EButton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.shared;
        f.debug_struct("EButton").field("pressed", &s.pressed.get()).field("config", &s.config).finish_non_exhaustive()
    }
}
