//! `Aadc`: await an ADC reading entering or leaving a band.

use std::cell::Cell;
use std::fmt;

use crate::adc::Adc;

/// A band [`Aadc`] refuses.
///
/// ```
/// use uasyncio_machine::AadcError;
/// let err = AadcError::Inverted { lower: 7000, upper: 5000 };
/// assert_eq!(err.to_string(), "AADC: the band 7000..=5000 is empty: its lower limit must not be above its upper");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AadcError {
    /// The lower limit is above the upper one.
    Inverted {
        /// The lower limit given.
        lower: u16,
        /// The upper limit given.
        upper: u16,
    },
}

impl fmt::Display for AadcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AadcError::Inverted { lower, upper } => {
                write!(f, "AADC: the band {lower}..={upper} is empty: its lower limit must not be above its upper")
            }
        }
    }
}

impl std::error::Error for AadcError {}

/// An asynchronous ADC (peterhinch's `primitives.AADC`): waits until the
/// reading (`read_u16`, 0–65535) leaves a band, or enters one.
///
/// The original is polled by the scheduler through the stream machinery;
/// this one reads the ADC every `period_ms` (1 ms unless
/// [`with_period_ms`](Self::with_period_ms) says otherwise) while it waits,
/// and not at all otherwise.
///
/// | peterhinch | here |
/// |---|---|
/// | `adc.sense(normal=True); await adc(lo, hi)` | [`aadc.leave(lo, hi).await`](Self::leave) |
/// | `adc.sense(normal=False); await adc(lo, hi)` | [`aadc.enter(lo, hi).await`](Self::enter) |
/// | `await adc(delta)` (relative to the last reading) | [`aadc.change(delta).await`](Self::change) |
/// | `adc.read_u16()`, `adc.read_u16(True)` | [`read_u16`](Self::read_u16), [`last`](Self::last) |
///
/// ```
/// use uasyncio_machine::{Aadc, Adc, Board, Pin, run_virtual_for};
/// let board = Board::pico().install();
/// board.set_pot_at(26, 0.5, 0.3);
/// board.set_pot_at(26, 0.8, 0.6);
/// run_virtual_for(&board, 1.0, || async {
///     let pot = Aadc::new(Adc::new(Pin::new(26, Pin::IN)));
///     let value = pot.above(30_000).await; // crosses 30000
///     uasyncio_machine::println!("{value} at {} ms", uasyncio::time::ticks_ms());
/// });
/// assert_eq!(board.trace().printed(), ["39321 at 800 ms"]);
/// ```
pub struct Aadc {
    adc: Adc,
    period_ms: u32,
    last: Cell<Option<u16>>,
}

impl Aadc {
    /// The ADC, read every 1 ms while waited on (`AADC(adc)`).
    ///
    /// ```
    /// use uasyncio_machine::{Aadc, Adc, Board, Pin};
    /// Board::esp32().install();
    /// let pot = Aadc::new(Adc::new(Pin::new(36, Pin::IN)));
    /// assert_eq!(pot.read_u16(), 0);
    /// ```
    pub fn new(adc: Adc) -> Aadc {
        Aadc::with_period_ms(adc, 1)
    }

    /// The ADC, read every `period_ms` (at least 1) while waited on.
    ///
    /// ```
    /// use uasyncio_machine::{Aadc, Adc, Board, Pin};
    /// Board::esp32().install();
    /// let _pot = Aadc::with_period_ms(Adc::new(Pin::new(36, Pin::IN)), 10);
    /// ```
    pub fn with_period_ms(adc: Adc, period_ms: u32) -> Aadc {
        Aadc { adc, period_ms: period_ms.max(1), last: Cell::new(None) }
    }

    /// The ADC itself, e.g. to set its attenuation.
    ///
    /// ```
    /// use uasyncio_machine::{Aadc, Adc, Board, Pin};
    /// Board::esp32().install();
    /// let pot = Aadc::new(Adc::new(Pin::new(36, Pin::IN)));
    /// pot.adc().atten(Adc::ATTN_11DB);
    /// ```
    pub fn adc(&self) -> &Adc {
        &self.adc
    }

    /// Reads the ADC now, and keeps the reading as [`last`](Self::last).
    ///
    /// ```
    /// use uasyncio_machine::{Aadc, Adc, Board, Pin};
    /// let board = Board::pico().install();
    /// let pot = Aadc::new(Adc::new(Pin::new(26, Pin::IN)));
    /// board.set_adc_u16(26, 1234);
    /// assert_eq!(pot.read_u16(), 1234);
    /// ```
    pub fn read_u16(&self) -> u16 {
        let value = self.adc.read_u16();
        self.last.set(Some(value));
        value
    }

    /// The last reading taken (`read_u16(last=True)`), if any.
    ///
    /// ```
    /// use uasyncio_machine::{Aadc, Adc, Board, Pin};
    /// Board::pico().install();
    /// let pot = Aadc::new(Adc::new(Pin::new(26, Pin::IN)));
    /// assert_eq!(pot.last(), None);
    /// pot.read_u16();
    /// assert_eq!(pot.last(), Some(0));
    /// ```
    pub fn last(&self) -> Option<u16> {
        self.last.get()
    }

    async fn until(&self, done: impl Fn(u16) -> bool) -> u16 {
        loop {
            let value = self.read_u16();
            if done(value) {
                return value;
            }
            uasyncio::sleep_ms(self.period_ms).await;
        }
    }

    /// Waits until the reading is outside `lower..=upper` (returns at once
    /// if it is), and returns it.
    ///
    /// # Panics
    /// If `lower > upper` (see [`try_leave`](Self::try_leave)).
    ///
    /// ```
    /// use uasyncio_machine::{Aadc, Adc, Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.set_pot_at(26, 0.0, 0.5);
    /// board.set_pot_at(26, 0.25, 0.9);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let pot = Aadc::new(Adc::new(Pin::new(26, Pin::IN)));
    ///     assert!(pot.leave(20_000, 40_000).await > 40_000);
    /// });
    /// ```
    pub async fn leave(&self, lower: u16, upper: u16) -> u16 {
        self.try_leave(lower, upper).await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`leave`](Self::leave), or why not: an empty band.
    ///
    /// ```
    /// use uasyncio_machine::{Aadc, AadcError, Adc, Board, Pin};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     let pot = Aadc::new(Adc::new(Pin::new(26, Pin::IN)));
    ///     assert_eq!(pot.try_leave(9, 1).await, Err(AadcError::Inverted { lower: 9, upper: 1 }));
    /// });
    /// ```
    pub async fn try_leave(&self, lower: u16, upper: u16) -> Result<u16, AadcError> {
        band(lower, upper)?;
        Ok(self.until(|v| !(lower..=upper).contains(&v)).await)
    }

    /// Waits until the reading is within `lower..=upper` (returns at once
    /// if it is), and returns it.
    ///
    /// # Panics
    /// If `lower > upper` (see [`try_enter`](Self::try_enter)).
    ///
    /// ```
    /// use uasyncio_machine::{Aadc, Adc, Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.set_pot_at(26, 0.3, 0.1);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let pot = Aadc::new(Adc::new(Pin::new(26, Pin::IN)));
    ///     pot.enter(5000, 10_000).await;
    ///     assert_eq!(uasyncio::time::ticks_ms(), 300);
    /// });
    /// ```
    pub async fn enter(&self, lower: u16, upper: u16) -> u16 {
        self.try_enter(lower, upper).await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`enter`](Self::enter), or why not: an empty band.
    ///
    /// ```
    /// use uasyncio_machine::{Aadc, AadcError, Adc, Board, Pin};
    /// Board::pico().install();
    /// uasyncio::run_virtual(async {
    ///     let pot = Aadc::new(Adc::new(Pin::new(26, Pin::IN)));
    ///     assert!(pot.try_enter(10, 0).await.is_err());
    /// });
    /// ```
    pub async fn try_enter(&self, lower: u16, upper: u16) -> Result<u16, AadcError> {
        band(lower, upper)?;
        Ok(self.until(|v| (lower..=upper).contains(&v)).await)
    }

    /// Waits until the reading is at or above `threshold`, and returns it.
    ///
    /// ```
    /// use uasyncio_machine::{Aadc, Adc, Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.set_pot_at(26, 0.1, 1.0);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let pot = Aadc::new(Adc::new(Pin::new(26, Pin::IN)));
    ///     assert_eq!(pot.above(60_000).await, 65535);
    /// });
    /// ```
    pub async fn above(&self, threshold: u16) -> u16 {
        self.until(|v| v >= threshold).await
    }

    /// Waits until the reading is at or below `threshold`, and returns it.
    ///
    /// ```
    /// use uasyncio_machine::{Aadc, Adc, Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.set_pot_at(26, 0.0, 1.0);
    /// board.set_pot_at(26, 0.1, 0.0);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let pot = Aadc::new(Adc::new(Pin::new(26, Pin::IN)));
    ///     assert_eq!(pot.below(100).await, 0);
    /// });
    /// ```
    pub async fn below(&self, threshold: u16) -> u16 {
        self.until(|v| v <= threshold).await
    }

    /// Waits until the reading differs by more than `delta` from the last
    /// reading (from one taken now if there is none), and returns it:
    /// `await adc(delta)`.
    ///
    /// ```
    /// use uasyncio_machine::{Aadc, Adc, Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.set_pot_at(26, 0.2, 0.01); // 655: within 1000
    /// board.set_pot_at(26, 0.4, 0.5);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let pot = Aadc::new(Adc::new(Pin::new(26, Pin::IN)));
    ///     assert_eq!(pot.change(1000).await, 32768);
    ///     assert_eq!(uasyncio::time::ticks_ms(), 400);
    /// });
    /// ```
    pub async fn change(&self, delta: u16) -> u16 {
        let centre = self.last().unwrap_or_else(|| self.read_u16());
        let (lower, upper) = (centre.saturating_sub(delta), centre.saturating_add(delta));
        self.until(|v| !(lower..=upper).contains(&v)).await
    }
}

impl fmt::Debug for Aadc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AADC({:?})", self.adc)
    }
}

fn band(lower: u16, upper: u16) -> Result<(), AadcError> {
    if lower > upper { Err(AadcError::Inverted { lower, upper }) } else { Ok(()) }
}
