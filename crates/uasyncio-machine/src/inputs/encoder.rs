//! `Encoder`: a quadrature rotary encoder, divided, limited, rate-limited.

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

use embedded_hal::digital::InputPin;
use embedded_hal_async::digital::Wait;
use uasyncio::{Event, TaskRef};

use super::{InputError, board_pin, check_input};

/// An encoder's options: the original's constructor arguments, with its
/// defaults.
///
/// ```
/// use uasyncio_machine::EncoderConfig;
/// let config = EncoderConfig { div: 4, min: Some(0), max: Some(100), ..Default::default() };
/// assert_eq!((config.value, config.delay_ms), (0, 100));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncoderConfig {
    /// The initial value (`v=0`).
    pub value: i32,
    /// Edges per step of the value (`div=1`): 4 for an encoder with a
    /// detent every full cycle, to count detents.
    pub div: u32,
    /// The least value (`vmin=None`).
    pub min: Option<i32>,
    /// The greatest value (`vmax=None`).
    pub max: Option<i32>,
    /// The value is reduced modulo this, after the limits (`mod=None`).
    pub modulo: Option<i32>,
    /// After motion starts, the value is read this long later (`delay=100`):
    /// it limits how often the callback runs, and the delta it gets is the
    /// motion in that time (a velocity).
    pub delay_ms: u32,
}

impl Default for EncoderConfig {
    fn default() -> Self {
        EncoderConfig { value: 0, div: 1, min: None, max: None, modulo: None, delay_ms: 100 }
    }
}

impl EncoderConfig {
    fn check<E>(&self) -> Result<(), InputError<E>> {
        let bad = |why: String| Err(InputError::BadOption(why));
        if self.div == 0 {
            return bad("an encoder's divisor must be 1 or more, not 0".into());
        }
        if let Some(m) = self.modulo
            && m <= 0
        {
            return bad(format!("an encoder's modulo must be more than 0, not {m}"));
        }
        let v = self.value;
        if self.min.is_some_and(|min| v < min) || self.max.is_some_and(|max| v > max) {
            return bad(format!(
                "an encoder's initial value {v} is outside its limits {:?}..={:?}: must have min <= value <= max",
                self.min, self.max
            ));
        }
        Ok(())
    }
}

/// The user's callback: the value and its change.
type OnChange = Box<dyn FnMut(i32, i32)>;

struct Shared {
    /// Edges counted, signed (the original's hardware value).
    edges: Cell<i64>,
    /// The value after division, limits and modulo.
    value: Cell<i32>,
    moved: Event,
    changed: Event,
    callback: RefCell<Option<OnChange>>,
}

/// A quadrature rotary encoder (peterhinch's `primitives.Encoder`) on two
/// input pins, `x` and `y` (A and B).
///
/// Each edge of either pin counts one up or down (up when `x` leads `y`).
/// When motion starts, the encoder waits `delay_ms` (100), then divides
/// the count by `div` (rounding half to even, as Python's `round`), applies
/// `min`, `max` and `modulo`, and, if the value changed, calls the callback
/// with the value and its change since the last call, and wakes
/// [`changed`](Self::changed) (the original's `async for value in enc`).
/// The pins are waited on, not polled, and no edge is missed between
/// waits: the encoder compares both levels with the last it saw.
///
/// ```
/// use uasyncio_machine::{Board, Encoder, EncoderConfig, Pin, run_virtual_for};
/// let board = Board::esp32().install();
/// board.turn_encoder_at(33, 25, 0.5, 8, 0.002); // 8 edges clockwise, 2 ms apart
/// run_virtual_for(&board, 1.0, || async {
///     let x = Pin::with_pull(33, Pin::IN, Pin::PULL_UP);
///     let y = Pin::with_pull(25, Pin::IN, Pin::PULL_UP);
///     let encoder = Encoder::with_config(x, y, EncoderConfig { div: 4, ..Default::default() });
///     encoder.on_change(|v, delta| uasyncio_machine::println!("{v} {delta}"));
///     uasyncio::sleep(1).await;
/// });
/// assert_eq!(board.trace().printed(), ["2 2"]);
/// ```
pub struct Encoder {
    shared: Rc<Shared>,
    tasks: [TaskRef; 2],
}

impl Encoder {
    /// An encoder on `x` and `y` with the defaults.
    ///
    /// # Panics
    /// With the message of [`InputError`] (see [`try_new`](Self::try_new));
    /// outside a running loop.
    ///
    /// ```should_panic
    /// use uasyncio_machine::{Board, Encoder, Pin};
    /// Board::esp32().install();
    /// uasyncio::run_virtual(async {
    ///     let x = Pin::with_pull(33, Pin::IN, Pin::PULL_UP);
    ///     Encoder::new(x.clone(), x); // panics: the encoder's two channels are both Pin(33) ...
    /// });
    /// ```
    pub fn new<X, Y>(x: X, y: Y) -> Encoder
    where
        X: InputPin + Wait + 'static,
        Y: InputPin<Error = X::Error> + Wait + 'static,
    {
        Encoder::try_with_config(x, y, EncoderConfig::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// An encoder on `x` and `y` with `config`.
    ///
    /// # Panics
    /// As [`new`](Self::new).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Encoder, EncoderConfig, Pin};
    /// Board::esp32().install();
    /// uasyncio::run_virtual(async {
    ///     let x = Pin::with_pull(33, Pin::IN, Pin::PULL_UP);
    ///     let y = Pin::with_pull(25, Pin::IN, Pin::PULL_UP);
    ///     let encoder = Encoder::with_config(x, y, EncoderConfig { value: 50, ..Default::default() });
    ///     assert_eq!(encoder.value(), 50);
    /// });
    /// ```
    pub fn with_config<X, Y>(x: X, y: Y, config: EncoderConfig) -> Encoder
    where
        X: InputPin + Wait + 'static,
        Y: InputPin<Error = X::Error> + Wait + 'static,
    {
        Encoder::try_with_config(x, y, config).unwrap_or_else(|e| panic!("{e}"))
    }

    /// An encoder with the defaults, or why not: see
    /// [`try_with_config`](Self::try_with_config).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Encoder, InputError, Pin};
    /// Board::esp32().install();
    /// uasyncio::run_virtual(async {
    ///     let x = Pin::with_pull(33, Pin::IN, Pin::PULL_UP);
    ///     let y = Pin::new(25, Pin::OUT);
    ///     assert!(matches!(Encoder::try_new(x, y), Err(InputError::NotInput { gpio: 25, .. })));
    /// });
    /// ```
    pub fn try_new<X, Y>(x: X, y: Y) -> Result<Encoder, InputError<X::Error>>
    where
        X: InputPin + Wait + 'static,
        Y: InputPin<Error = X::Error> + Wait + 'static,
    {
        Encoder::try_with_config(x, y, EncoderConfig::default())
    }

    /// An encoder on `x` and `y` with `config`, or why not: a pin does not
    /// read or is one of the board's pins set as an output, both are the
    /// same board pin, the divisor is 0, the modulo is not positive, or the
    /// initial value is outside the limits (the original's `ValueError`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Encoder, EncoderConfig, InputError, Pin};
    /// Board::esp32().install();
    /// uasyncio::run_virtual(async {
    ///     let x = Pin::with_pull(33, Pin::IN, Pin::PULL_UP);
    ///     let y = Pin::with_pull(25, Pin::IN, Pin::PULL_UP);
    ///     let config = EncoderConfig { value: 5, max: Some(3), ..Default::default() };
    ///     let err = Encoder::try_with_config(x, y, config).err().unwrap();
    ///     assert!(matches!(err, InputError::BadOption(_)));
    /// });
    /// ```
    pub fn try_with_config<X, Y>(mut x: X, mut y: Y, config: EncoderConfig) -> Result<Encoder, InputError<X::Error>>
    where
        X: InputPin + Wait + 'static,
        Y: InputPin<Error = X::Error> + Wait + 'static,
    {
        if let (Some(px), Some(py)) = (board_pin(&x), board_pin(&y))
            && px.id() == py.id()
        {
            return Err(InputError::SamePin(px.id()));
        }
        let lx = check_input(&mut x)?;
        let ly = check_input(&mut y)?;
        config.check()?;
        if let (Some(px), Some(py)) = (board_pin(&x), board_pin(&y)) {
            px.board().wire_encoder(px.id(), py.id()); // for the live view's keys
        }
        let shared = Rc::new(Shared {
            edges: Cell::new(i64::from(config.value) * i64::from(config.div)),
            value: Cell::new(config.value),
            moved: Event::new(),
            changed: Event::new(),
            callback: RefCell::new(None),
        });
        let count = uasyncio::create_task(count_edges(x, y, (lx, ly), shared.clone())).task_ref();
        let report = uasyncio::create_task(report(config, shared.clone())).task_ref();
        Ok(Encoder { shared, tasks: [count, report] })
    }

    /// The value now (`enc.value()`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Encoder, Pin};
    /// Board::esp32().install();
    /// uasyncio::run_virtual(async {
    ///     let x = Pin::with_pull(33, Pin::IN, Pin::PULL_UP);
    ///     let y = Pin::with_pull(25, Pin::IN, Pin::PULL_UP);
    ///     assert_eq!(Encoder::new(x, y).value(), 0);
    /// });
    /// ```
    pub fn value(&self) -> i32 {
        self.shared.value.get()
    }

    /// Calls `f(value, delta)` at each change of the value (the original's
    /// `callback`), in the encoder's task; replaces any earlier one.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Encoder, Pin};
    /// Board::esp32().install();
    /// uasyncio::run_virtual(async {
    ///     let x = Pin::with_pull(33, Pin::IN, Pin::PULL_UP);
    ///     let y = Pin::with_pull(25, Pin::IN, Pin::PULL_UP);
    ///     Encoder::new(x, y).on_change(|value, delta| println!("{value} {delta}"));
    /// });
    /// ```
    pub fn on_change(&self, f: impl FnMut(i32, i32) + 'static) {
        *self.shared.callback.borrow_mut() = Some(Box::new(f));
    }

    /// Waits for the next change of the value and returns it (one step of
    /// the original's `async for value in enc`). Changes that come while
    /// nobody waits are kept as one: the next wait returns at once with the
    /// value then.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Encoder, Pin, run_virtual_for};
    /// let board = Board::esp32().install();
    /// board.turn_encoder_at(33, 25, 0.2, -3, 0.001);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let x = Pin::with_pull(33, Pin::IN, Pin::PULL_UP);
    ///     let y = Pin::with_pull(25, Pin::IN, Pin::PULL_UP);
    ///     let encoder = Encoder::new(x, y);
    ///     assert_eq!(encoder.changed().await, -3);
    ///     assert_eq!(uasyncio::time::ticks_ms(), 300); // 100 ms after the first edge
    /// });
    /// ```
    pub async fn changed(&self) -> i32 {
        self.shared.changed.wait().await;
        self.shared.changed.clear();
        self.shared.value.get()
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.cancel();
        }
    }
}

/// The count's change for a move from levels `from` to `to` of (x, y):
/// one edge of x counts up if x now differs from y, one of y counts down
/// then; both at once is a step missed, counted as nothing.
fn step((x0, y0): (bool, bool), (x, y): (bool, bool)) -> i64 {
    match (x != x0, y != y0) {
        (true, false) => {
            if x ^ y {
                1
            } else {
                -1
            }
        }
        (false, true) => {
            if x ^ y {
                -1
            } else {
                1
            }
        }
        _ => 0,
    }
}

async fn count_edges<X, Y>(mut x: X, mut y: Y, mut levels: (bool, bool), shared: Rc<Shared>)
where
    X: InputPin + Wait,
    Y: InputPin<Error = X::Error> + Wait,
{
    let fail = |e: X::Error| -> ! { panic!("Encoder: reading its pins failed: {e:?}") };
    loop {
        {
            // Whichever pin leaves the level last seen first.
            let (lx, ly) = levels;
            let mut wx = pin!(async { if lx { x.wait_for_low().await } else { x.wait_for_high().await } });
            let mut wy = pin!(async { if ly { y.wait_for_low().await } else { y.wait_for_high().await } });
            let waited = poll_fn(|cx| match (wx.as_mut().poll(cx), wy.as_mut().poll(cx)) {
                (Poll::Ready(r), _) | (_, Poll::Ready(r)) => Poll::Ready(r),
                _ => Poll::Pending,
            })
            .await;
            waited.unwrap_or_else(|e| fail(e));
        }
        let now = (x.is_high().unwrap_or_else(|e| fail(e)), y.is_high().unwrap_or_else(|e| fail(e)));
        let delta = step(levels, now);
        levels = now;
        if delta != 0 {
            shared.edges.set(shared.edges.get() + delta);
            shared.moved.set();
        }
    }
}

/// `n / d` rounded half to even (Python's `round(n / d)`).
fn round_div(n: i64, d: i64) -> i64 {
    let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
    }
}

async fn report(config: EncoderConfig, shared: Rc<Shared>) {
    let div = i64::from(config.div);
    let mut prior_edges = shared.edges.get();
    let mut prior_divided = i64::from(config.value);
    let mut value = i64::from(config.value);
    let mut prior_value = value;
    loop {
        shared.moved.clear();
        shared.moved.wait().await;
        uasyncio::sleep_ms(config.delay_ms).await;
        let edges = shared.edges.get();
        if edges == prior_edges {
            continue; // moved and came back
        }
        prior_edges = edges;
        let divided = round_div(edges, div);
        let delta = divided - prior_divided;
        if delta == 0 {
            continue;
        }
        value += delta;
        if let Some(max) = config.max {
            value = value.min(i64::from(max));
        }
        if let Some(min) = config.min {
            value = value.max(i64::from(min));
        }
        if let Some(m) = config.modulo {
            value = value.rem_euclid(i64::from(m));
        }
        let v = value as i32;
        shared.value.set(v);
        if value != prior_value {
            let callback = shared.callback.borrow_mut().take();
            if let Some(mut f) = callback {
                f(v, (value - prior_value) as i32);
                let mut slot = shared.callback.borrow_mut();
                if slot.is_none() {
                    *slot = Some(f);
                }
            }
            shared.changed.set();
        }
        prior_divided = divided;
        prior_value = value;
    }
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder").field("value", &self.value()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::round_div;

    #[test]
    fn rounds_half_to_even_as_python() {
        let python = [(2, 4, 0), (6, 4, 2), (10, 4, 2), (3, 4, 1), (-2, 4, 0), (-6, 4, -2), (-3, 4, -1), (5, 1, 5)];
        for (n, d, expected) in python {
            assert_eq!(round_div(n, d), expected, "round({n} / {d})");
        }
    }
}
