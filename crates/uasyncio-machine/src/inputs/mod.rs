//! Debounced inputs, as peterhinch's `primitives` (`Switch`, `Pushbutton`,
//! `ESwitch`, `EButton`, `Encoder`, `AADC`), on any embedded-hal pin.
//!
//! Each input runs its own task (started by its constructor, ended when it
//! is dropped: Python's `deinit`). Where the original polls its pin every
//! 50 ms, these wait for the pin to change (embedded-hal-async
//! [`Wait`](embedded_hal_async::digital::Wait)) and then ignore it for the
//! debounce time: a change is seen the moment it happens, and the chatter
//! of the contacts after it is not. A pin without `Wait` is sampled instead,
//! through [`Polled`].
//!
//! ```
//! use uasyncio_machine::{Board, Pin, Pushbutton, run_virtual_for};
//! let board = Board::pico().install();
//! board.press_bouncing_at(15, 0.5, 0.2, 3.0); // a press that chatters for 3 ms
//! run_virtual_for(&board, 1.0, || async {
//!     let button = Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
//!     button.on_press(|| uasyncio_machine::println!("press"));
//!     button.on_release(|| uasyncio_machine::println!("release"));
//!     uasyncio::sleep(1).await;
//! });
//! assert_eq!(board.trace().printed(), ["press", "release"]);
//! ```

mod aadc;
mod encoder;
mod pushbutton;
mod switch;

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;

use embedded_hal::digital::{ErrorType, InputPin};
use embedded_hal_async::digital::Wait;

use crate::board::PinMode;
use crate::pin::Pin;

pub use aadc::{Aadc, AadcError};
pub use encoder::{Encoder, EncoderConfig};
pub use pushbutton::{ButtonConfig, EButton, Pushbutton};
pub use switch::{ESwitch, Switch};

/// Why an input could not be made from its pins or options.
///
/// ```
/// use uasyncio_machine::{Board, Encoder, InputError, Pin};
/// Board::esp32().install();
/// let x = Pin::new(32, Pin::OUT); // not an input
/// let y = Pin::with_pull(33, Pin::IN, Pin::PULL_UP);
/// uasyncio::run_virtual(async move {
///     let err = Encoder::try_new(x, y).unwrap_err();
///     assert_eq!(err, InputError::NotInput { gpio: 32, mode: Pin::OUT });
///     assert!(err.to_string().starts_with("Pin(32) is an output (Out)"));
/// });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputError<E = crate::pin::PinError> {
    /// Reading the pin failed (e.g. a board pin that was never configured).
    Pin(E),
    /// A board pin configured as an output: it reads what it drives, never
    /// the contact.
    NotInput {
        /// The GPIO.
        gpio: u8,
        /// Its mode.
        mode: PinMode,
    },
    /// An encoder given the same board GPIO for both of its channels.
    SamePin(u8),
    /// Options that cannot work together, e.g. an encoder's initial value
    /// outside its limits, or a divisor of 0.
    BadOption(String),
}

impl<E: fmt::Debug + 'static> fmt::Display for InputError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The board's own pin error says what to do; another pin's is
            // shown as it debugs.
            InputError::Pin(e) => match (e as &dyn Any).downcast_ref::<crate::pin::PinError>() {
                Some(board_error) => write!(f, "reading the pin failed: {board_error}"),
                None => write!(f, "reading the pin failed: {e:?}"),
            },
            InputError::NotInput { gpio, mode } => write!(
                f,
                "Pin({gpio}) is an output ({mode:?}): a switch, button or encoder reads an input, \
                 e.g. Pin::with_pull({gpio}, Pin::IN, Pin::PULL_UP)"
            ),
            InputError::SamePin(gpio) => {
                write!(f, "the encoder's two channels are both Pin({gpio}): give it two different pins")
            }
            InputError::BadOption(why) => f.write_str(why),
        }
    }
}

impl<E: fmt::Debug + 'static> std::error::Error for InputError<E> {}

/// Checks what can be checked of a pin before an input takes it: it reads,
/// and, if it is one of this board's pins, it is an input (an embedded-hal
/// pin cannot say which mode it is in; the board's can).
fn check_input<P: InputPin + 'static>(pin: &mut P) -> Result<bool, InputError<P::Error>> {
    if let Some(board_pin) = (pin as &dyn Any).downcast_ref::<Pin>()
        && let Some(mode @ PinMode::Out) = board_pin.mode()
    {
        return Err(InputError::NotInput { gpio: board_pin.id(), mode });
    }
    pin.is_high().map_err(InputError::Pin)
}

/// The pin as one of the board's, if it is.
fn board_pin<P: 'static>(pin: &P) -> Option<&Pin> {
    (pin as &dyn Any).downcast_ref::<Pin>()
}

/// Reads a pin in an input's task, where a failure has nobody to return to.
async fn level_after_change<P: InputPin + Wait>(pin: &mut P, from_high: bool, what: &str) -> bool {
    let waited = if from_high { pin.wait_for_low().await } else { pin.wait_for_high().await };
    let level = waited.and_then(|()| pin.is_high());
    level.unwrap_or_else(|e| panic!("{what}: reading its pin failed: {e:?}"))
}

/// An [`InputPin`] without [`Wait`] made waitable by sampling it every
/// `period_ms`: what the original inputs do with every pin.
///
/// ```
/// use uasyncio_machine::{Board, Pin, Polled, Switch, run_virtual_for};
/// let board = Board::pico().install();
/// board.press_at(15, 0.205, 0.5);
/// run_virtual_for(&board, 1.0, || async {
///     // Sampled every 50 ms: the close at 205 ms is seen at 250 ms.
///     let switch = Switch::new(Polled::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP), 50));
///     switch.on_close(|| uasyncio_machine::println!("closed at {} ms", uasyncio::time::ticks_ms()));
///     uasyncio::sleep(1).await;
/// });
/// assert_eq!(board.trace().printed(), ["closed at 250 ms"]);
/// ```
#[derive(Debug)]
pub struct Polled<P> {
    pin: P,
    period_ms: u32,
}

impl<P: InputPin> Polled<P> {
    /// `pin`, sampled every `period_ms` (at least 1) while waited on.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Polled};
    /// Board::pico().install();
    /// let _button = Polled::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP), 20);
    /// ```
    pub fn new(pin: P, period_ms: u32) -> Self {
        Polled { pin, period_ms: period_ms.max(1) }
    }

    /// Gives the pin back.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Polled};
    /// Board::pico().install();
    /// let pin = Polled::new(Pin::new(15, Pin::IN), 20).into_inner();
    /// assert_eq!(pin.id(), 15);
    /// ```
    pub fn into_inner(self) -> P {
        self.pin
    }

    async fn until(&mut self, mut done: impl FnMut(&mut P) -> Result<bool, P::Error>) -> Result<(), P::Error> {
        while !done(&mut self.pin)? {
            uasyncio::sleep_ms(self.period_ms).await;
        }
        Ok(())
    }
}

impl<P: InputPin> ErrorType for Polled<P> {
    type Error = P::Error;
}

impl<P: InputPin> InputPin for Polled<P> {
    fn is_high(&mut self) -> Result<bool, P::Error> {
        self.pin.is_high()
    }

    fn is_low(&mut self) -> Result<bool, P::Error> {
        self.pin.is_low()
    }
}

impl<P: InputPin> Wait for Polled<P> {
    async fn wait_for_high(&mut self) -> Result<(), P::Error> {
        self.until(|p| p.is_high()).await
    }

    async fn wait_for_low(&mut self) -> Result<(), P::Error> {
        self.until(|p| p.is_low()).await
    }

    async fn wait_for_rising_edge(&mut self) -> Result<(), P::Error> {
        self.wait_for_low().await?;
        self.wait_for_high().await
    }

    async fn wait_for_falling_edge(&mut self) -> Result<(), P::Error> {
        self.wait_for_high().await?;
        self.wait_for_low().await
    }

    async fn wait_for_any_edge(&mut self) -> Result<(), P::Error> {
        if self.pin.is_high()? { self.wait_for_low().await } else { self.wait_for_high().await }
    }
}

/// A user's callback slot: a callback may replace or remove itself (or
/// another) while it runs, and may ask the input for its state.
#[derive(Default)]
struct Handler {
    slot: RefCell<Option<Box<dyn FnMut()>>>,
    /// Bumped at each replacement, so a callback put back after running
    /// does not undo a replacement it made.
    generation: Cell<u32>,
    /// Set, even while the callback is out of its slot, running.
    present: Cell<bool>,
}

impl Handler {
    fn set(&self, f: Option<Box<dyn FnMut()>>) {
        self.present.set(f.is_some());
        *self.slot.borrow_mut() = f;
        self.generation.set(self.generation.get().wrapping_add(1));
    }

    fn is_set(&self) -> bool {
        self.present.get()
    }

    fn fire(&self) {
        let generation = self.generation.get();
        let Some(mut f) = self.slot.borrow_mut().take() else {
            return;
        };
        f();
        if self.generation.get() == generation {
            *self.slot.borrow_mut() = Some(f);
        }
    }
}
