//! `Switch` and `ESwitch`: a debounced contact, with callbacks or events.

use std::cell::Cell;
use std::rc::Rc;

use embedded_hal::digital::InputPin;
use embedded_hal_async::digital::Wait;
use uasyncio::{Event, TaskRef};

use super::{Handler, InputError, check_input, level_after_change};

/// The original's debounce time.
const DEBOUNCE_MS: u32 = 50;

struct Shared {
    /// The debounced level: `false` (0) is closed, for a contact to ground
    /// on a pulled-up pin.
    level: Cell<bool>,
    debounce_ms: Cell<u32>,
    on_close: Handler,
    on_open: Handler,
}

/// A debounced switch (peterhinch's `primitives.Switch`): calls a function
/// when the contact closes (the pin goes low: a switch to ground on a
/// pulled-up pin) and when it opens, once per change however the contact
/// chatters.
///
/// The change is seen at once (the pin is waited on, not polled); changes
/// within the next 50 ms are ignored, and the level then is taken as it is.
/// Dropping the `Switch` stops it (Python's `deinit`).
///
/// ```
/// use uasyncio_machine::{Board, Pin, Switch, run_virtual_for};
/// let board = Board::pico().install();
/// board.press_bouncing_at(15, 0.3, 0.4, 4.0);
/// run_virtual_for(&board, 1.0, || async {
///     let switch = Switch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
///     switch.on_close(|| uasyncio_machine::println!("close at {} ms", uasyncio::time::ticks_ms()));
///     switch.on_open(|| uasyncio_machine::println!("open at {} ms", uasyncio::time::ticks_ms()));
///     uasyncio::sleep(1).await;
/// });
/// assert_eq!(board.trace().printed(), ["close at 300 ms", "open at 700 ms"]);
/// ```
pub struct Switch {
    shared: Rc<Shared>,
    task: TaskRef,
}

impl Switch {
    /// A switch on `pin` (`Switch(pin)`), debounced for 50 ms; starts its
    /// task on the running loop.
    ///
    /// # Panics
    /// With the message of [`InputError`] if the pin cannot be an input
    /// (see [`try_new`](Self::try_new)); outside a running loop.
    ///
    /// ```should_panic
    /// use uasyncio_machine::{Board, Pin, Switch};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     Switch::new(Pin::new(15, Pin::OUT)); // panics: Pin(15) is an output (Out): ...
    /// });
    /// ```
    pub fn new<P: InputPin + Wait + 'static>(pin: P) -> Switch {
        Switch::try_new(pin).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A switch on `pin`, or why not: the pin does not read, or is one of
    /// the board's pins set as an output.
    ///
    /// ```
    /// use uasyncio_machine::{Board, InputError, Pin, PinError, Switch};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     let unconfigured = Pin::get(15);
    ///     assert!(matches!(Switch::try_new(unconfigured), Err(InputError::Pin(PinError::NotConfigured(15)))));
    /// });
    /// ```
    pub fn try_new<P: InputPin + Wait + 'static>(mut pin: P) -> Result<Switch, InputError<P::Error>> {
        let level = check_input(&mut pin)?;
        let shared = Rc::new(Shared {
            level: Cell::new(level),
            debounce_ms: Cell::new(DEBOUNCE_MS),
            on_close: Handler::default(),
            on_open: Handler::default(),
        });
        let task = uasyncio::create_task(watch(pin, shared.clone())).task_ref();
        Ok(Switch { shared, task })
    }

    /// Calls `f` each time the contact closes (`close_func(f)`); replaces
    /// any earlier function or event. To run a coroutine, create a task in
    /// `f`.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Switch};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     let switch = Switch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    ///     switch.on_close(|| println!("closed"));
    /// });
    /// ```
    pub fn on_close(&self, f: impl FnMut() + 'static) {
        self.shared.on_close.set(Some(Box::new(f)));
    }

    /// Calls `f` each time the contact opens (`open_func(f)`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Switch};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     let switch = Switch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    ///     switch.on_open(|| println!("opened"));
    /// });
    /// ```
    pub fn on_open(&self, f: impl FnMut() + 'static) {
        self.shared.on_open.set(Some(Box::new(f)));
    }

    /// An event set each time the contact closes (`close_func(None)`, then
    /// `sw.close`); replaces any function. Clear it after each wait.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Switch, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(15, 0.25, 0.1);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let switch = Switch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    ///     let close = switch.close_event();
    ///     close.wait().await;
    ///     close.clear();
    ///     assert_eq!(uasyncio::time::ticks_ms(), 250);
    /// });
    /// ```
    pub fn close_event(&self) -> Rc<Event> {
        let event = Rc::new(Event::new());
        let set = event.clone();
        self.on_close(move || set.set());
        event
    }

    /// An event set each time the contact opens (`open_func(None)`, then
    /// `sw.open`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Switch, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(15, 0.25, 0.1);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let switch = Switch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    ///     switch.open_event().wait().await;
    ///     assert_eq!(uasyncio::time::ticks_ms(), 350);
    /// });
    /// ```
    pub fn open_event(&self) -> Rc<Event> {
        let event = Rc::new(Event::new());
        let set = event.clone();
        self.on_open(move || set.set());
        event
    }

    /// Removes the close and open functions and events.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Switch};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     let switch = Switch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    ///     switch.on_close(|| unreachable!());
    ///     switch.clear_callbacks();
    /// });
    /// ```
    pub fn clear_callbacks(&self) {
        self.shared.on_close.set(None);
        self.shared.on_open.set(None);
    }

    /// The debounced level (`sw()`): `false` while closed (for a contact to
    /// ground on a pulled-up pin).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Switch};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     let switch = Switch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    ///     assert!(switch.value()); // open
    /// });
    /// ```
    pub fn value(&self) -> bool {
        self.shared.level.get()
    }

    /// Whether the contact is closed (debounced): `!value()`.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Switch};
    /// let board = Board::pico().install();
    /// board.press(15);
    /// uasyncio::run_virtual(async {
    ///     let switch = Switch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    ///     assert!(switch.is_closed());
    /// });
    /// ```
    pub fn is_closed(&self) -> bool {
        !self.value()
    }

    /// Changes the debounce time (the original's class attribute
    /// `Switch.debounce_ms`, 50 ms), from the next change on.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Switch};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     Switch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).set_debounce_ms(20);
    /// });
    /// ```
    pub fn set_debounce_ms(&self, ms: u32) {
        self.shared.debounce_ms.set(ms);
    }
}

impl Drop for Switch {
    fn drop(&mut self) {
        self.task.cancel();
    }
}

async fn watch<P: InputPin + Wait>(mut pin: P, shared: Rc<Shared>) {
    loop {
        let level = level_after_change(&mut pin, shared.level.get(), "Switch").await;
        if level != shared.level.get() {
            shared.level.set(level);
            if level { shared.on_open.fire() } else { shared.on_close.fire() }
        }
        uasyncio::sleep_ms(shared.debounce_ms.get()).await;
    }
}

struct EShared {
    /// Closed (logical: the pin is not at its open level).
    closed: Cell<bool>,
    open_level: bool,
    open: Event,
    close: Event,
}

/// A debounced switch with events (peterhinch's `primitives.ESwitch`): its
/// [`close`](Self::close) event is set when the contact closes, its
/// [`open`](Self::open) event when it opens; the user clears them.
///
/// ```
/// use uasyncio_machine::{Board, ESwitch, Pin, run_virtual_for};
/// let board = Board::pico().install();
/// board.press_bouncing_at(15, 0.2, 0.3, 3.0);
/// run_virtual_for(&board, 1.0, || async {
///     let switch = ESwitch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
///     switch.close().wait().await;
///     switch.close().clear();
///     uasyncio_machine::println!("closed at {} ms", uasyncio::time::ticks_ms());
///     switch.open().wait().await;
///     uasyncio_machine::println!("opened at {} ms", uasyncio::time::ticks_ms());
/// });
/// assert_eq!(board.trace().printed(), ["closed at 200 ms", "opened at 500 ms"]);
/// ```
pub struct ESwitch {
    shared: Rc<EShared>,
    task: TaskRef,
}

impl ESwitch {
    /// A switch to ground on a pulled-up `pin`: open reads 1 (`ESwitch(pin)`).
    ///
    /// # Panics
    /// As [`Switch::new`].
    ///
    /// ```
    /// use uasyncio_machine::{Board, ESwitch, Pin};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     assert!(!ESwitch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).is_closed());
    /// });
    /// ```
    pub fn new<P: InputPin + Wait + 'static>(pin: P) -> ESwitch {
        ESwitch::try_new(pin, true).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A switch whose pin reads `open_level` while open (`ESwitch(pin,
    /// lopen)`), or why not (see [`Switch::try_new`]).
    ///
    /// ```
    /// use uasyncio_machine::{Board, ESwitch, Pin};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     // A switch to 3.3 V on a pulled-down pin: open reads 0.
    ///     let switch = ESwitch::try_new(Pin::with_pull(15, Pin::IN, Pin::PULL_DOWN), false).unwrap();
    ///     assert!(!switch.is_closed());
    /// });
    /// ```
    pub fn try_new<P: InputPin + Wait + 'static>(
        mut pin: P,
        open_level: bool,
    ) -> Result<ESwitch, InputError<P::Error>> {
        let level = check_input(&mut pin)?;
        let shared = Rc::new(EShared {
            closed: Cell::new(level != open_level),
            open_level,
            open: Event::new(),
            close: Event::new(),
        });
        let task = uasyncio::create_task(watch_events(pin, shared.clone())).task_ref();
        Ok(ESwitch { shared, task })
    }

    /// Set when the contact opens (`sw.open`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, ESwitch, Pin};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     assert!(!ESwitch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).open().is_set());
    /// });
    /// ```
    pub fn open(&self) -> &Event {
        &self.shared.open
    }

    /// Set when the contact closes (`sw.close`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, ESwitch, Pin};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     assert!(!ESwitch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).close().is_set());
    /// });
    /// ```
    pub fn close(&self) -> &Event {
        &self.shared.close
    }

    /// Whether the contact is closed, debounced (`sw()`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, ESwitch, Pin};
    /// let board = Board::pico().install();
    /// board.press(15);
    /// uasyncio::run_virtual(async {
    ///     assert!(ESwitch::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP)).is_closed());
    /// });
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.closed.get()
    }
}

impl Drop for ESwitch {
    /// Python's `deinit`: stops the task and clears both events.
    fn drop(&mut self) {
        self.task.cancel();
        self.shared.open.clear();
        self.shared.close.clear();
    }
}

async fn watch_events<P: InputPin + Wait>(mut pin: P, shared: Rc<EShared>) {
    loop {
        let level_before = shared.closed.get() != shared.open_level;
        let closed = level_after_change(&mut pin, level_before, "ESwitch").await != shared.open_level;
        if closed != shared.closed.get() {
            shared.closed.set(closed);
            if closed { shared.close.set() } else { shared.open.set() }
        }
        uasyncio::sleep_ms(DEBOUNCE_MS).await;
    }
}

impl std::fmt::Debug for Switch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Switch").field("closed", &self.is_closed()).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ESwitch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ESwitch").field("closed", &self.is_closed()).finish_non_exhaustive()
    }
}
