//! Time: `sleep`, `sleep_ms`, MicroPython's wrapping `ticks_*`, and clocks.
//!
//! Internally the loop keeps a monotonic 64-bit microsecond clock (it never
//! wraps in practice). The `ticks_*` helpers reproduce MicroPython's
//! wrap-around arithmetic for ported code.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

#[cfg(feature = "std")]
pub use crate::platform::SystemClock;
pub use crate::platform::{Platform, VirtualClock};

use crate::runtime::{Core, TimerKey, context};

/// A delay given in seconds: integers, floats, or a [`Duration`].
///
/// Negative values mean zero, as in MicroPython.
///
/// # Panics
/// NaN or infinite seconds panic, naming the value.
///
/// ```
/// use uasyncio::time::IntoDelay;
/// assert_eq!(1.into_delay_us(), 1_000_000);
/// assert_eq!(0.25.into_delay_us(), 250_000);
/// assert_eq!((-3).into_delay_us(), 0);
/// assert_eq!(std::time::Duration::from_millis(5).into_delay_us(), 5_000);
/// ```
pub trait IntoDelay {
    /// The delay in whole microseconds (rounded up, so never early).
    fn into_delay_us(self) -> u64;
}

/// A count of milliseconds (or microseconds for [`sleep_us`]) of any integer
/// type. Negative values mean zero, as in MicroPython.
///
/// ```
/// use uasyncio::time::IntoMillis;
/// assert_eq!(500.into_count(), 500);
/// assert_eq!((-5i64).into_count(), 0);
/// assert_eq!(7u8.into_count(), 7);
/// ```
pub trait IntoMillis {
    /// The count, with negatives clamped to zero.
    fn into_count(self) -> u64;
}

macro_rules! impl_ints {
    ($($t:ty),*) => {$(
        impl IntoDelay for $t {
            #[cfg_attr(feature = "std", inline)]
            #[allow(clippy::cast_sign_loss, clippy::unnecessary_cast, unused_comparisons)]
            fn into_delay_us(self) -> u64 {
                if self <= 0 { 0 } else { (self as u64).saturating_mul(1_000_000) }
            }
        }
        impl IntoMillis for $t {
            #[cfg_attr(feature = "std", inline)]
            #[allow(clippy::cast_sign_loss, clippy::unnecessary_cast, unused_comparisons)]
            fn into_count(self) -> u64 {
                if self <= 0 { 0 } else { self as u64 }
            }
        }
    )*};
}
impl_ints!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl IntoDelay for f64 {
    fn into_delay_us(self) -> u64 {
        if !self.is_finite() {
            // Named as text: formatting the float would link ~12 KB of float
            // formatting code into every firmware that sleeps in seconds.
            let shown = if self.is_nan() {
                "NaN"
            } else if self > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            panic!("sleep/wait_for got {shown} seconds: a delay must be a finite number of seconds");
        }
        if self <= 0.0 {
            return 0;
        }
        let us = self * 1e6;
        // Round up so a delay is never shorter than asked.
        let whole = us as u64;
        if (whole as f64) < us { whole.saturating_add(1) } else { whole }
    }
}

impl IntoDelay for f32 {
    fn into_delay_us(self) -> u64 {
        f64::from(self).into_delay_us()
    }
}

impl IntoDelay for Duration {
    fn into_delay_us(self) -> u64 {
        let us = self.as_micros();
        let whole = u64::try_from(us).unwrap_or(u64::MAX);
        if Duration::from_micros(whole) < self { whole.saturating_add(1) } else { whole }
    }
}

/// Sleeps for `secs` seconds (`1`, `0.25`, a `Duration`…). `sleep(0)` yields:
/// the task goes to the back of the tasks that are due now.
///
/// ```
/// uasyncio::run_virtual(async {
///     uasyncio::sleep(0.25).await;
///     assert_eq!(uasyncio::time::ticks_ms(), 250);
/// });
/// ```
#[cfg_attr(feature = "std", inline)]
pub fn sleep(secs: impl IntoDelay) -> Sleep {
    Sleep::new(secs.into_delay_us())
}

/// Sleeps for `ms` milliseconds; negative means zero.
///
/// ```
/// uasyncio::run_virtual(async {
///     uasyncio::sleep_ms(1500).await;
///     assert_eq!(uasyncio::time::ticks_ms(), 1500);
/// });
/// ```
#[cfg_attr(feature = "std", inline)]
pub fn sleep_ms(ms: impl IntoMillis) -> Sleep {
    Sleep::new(ms.into_count().saturating_mul(1000))
}

/// Sleeps for `us` microseconds; negative means zero.
///
/// ```
/// uasyncio::run_virtual(async {
///     uasyncio::time::sleep_us(30).await;
///     assert_eq!(uasyncio::time::now_us(), 30);
/// });
/// ```
#[cfg_attr(feature = "std", inline)]
pub fn sleep_us(us: impl IntoMillis) -> Sleep {
    Sleep::new(us.into_count())
}

/// The future returned by [`sleep`], [`sleep_ms`] and [`sleep_us`].
///
/// The deadline is fixed when it is first polled. It never completes before
/// its deadline. It allocates nothing once the timer heap has grown to its
/// peak (polled by its own task, it keeps its timer in the task). A
/// zero delay is a yield: one trip to the back of the ready queue. 16 bytes.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    /// The delay until the first poll, the deadline after it.
    time_us: u64,
    /// The armed timer while waiting; otherwise one of the phase markers
    /// below (keys that never match a timer).
    key: TimerKey,
}

/// Not polled yet.
const NEW: TimerKey = TimerKey::marker(NEW_INDEX);
/// A zero delay that has queued its task once.
const YIELDED: TimerKey = TimerKey::marker(YIELDED_INDEX);
/// Finished.
const DONE: TimerKey = TimerKey::marker(DONE_INDEX);
// Their marker indices, which `poll` matches on.
const NEW_INDEX: u32 = 0;
const YIELDED_INDEX: u32 = 1;
const DONE_INDEX: u32 = 2;

impl Sleep {
    #[cfg_attr(feature = "std", inline)]
    fn new(duration_us: u64) -> Sleep {
        Sleep { time_us: duration_us, key: NEW }
    }

    /// The timer half of `poll`, kept out of line so a yield stays small.
    #[inline(never)]
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        with_core("sleep()", |core| {
            if self.key == NEW {
                let deadline = core.refresh_now().saturating_add(self.time_us);
                self.time_us = deadline;
                self.key = core.arm_timer(deadline, cx.waker());
                return Poll::Pending;
            }
            let deadline = self.time_us;
            if core.now() >= deadline || core.refresh_now() >= deadline {
                // Usually already fired; if we were polled for another
                // reason just after the deadline, disarm it ourselves.
                core.disarm_timer(self.key);
                self.key = DONE;
                return Poll::Ready(());
            }
            self.key = core.rearm_timer(self.key, deadline, cx.waker());
            Poll::Pending
        })
    }
}

fn with_core<R>(what: &str, f: impl FnOnce(&Core) -> R) -> R {
    match context::with_running(f) {
        Some(r) => r,
        None => misuse!(
            "{what} must be awaited inside a task run by a uasyncio event loop (uasyncio::run)",
            "{what} must be awaited inside a uasyncio task",
        ),
    }
}

impl Future for Sleep {
    type Output = ();

    #[cfg_attr(feature = "std", inline)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        // The phase markers by their index alone (one compare for both
        // finished phases).
        match this.key.marker_index() {
            // A yield is over once its task runs again (it stays over: no
            // store needed), a timed sleep once `poll_timer` said so.
            YIELDED_INDEX | DONE_INDEX => Poll::Ready(()),
            NEW_INDEX if this.time_us == 0 => {
                this.key = YIELDED;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            _ => this.poll_timer(cx),
        }
    }
}

impl Drop for Sleep {
    #[cfg_attr(feature = "std", inline)]
    fn drop(&mut self) {
        if self.key.is_timer() {
            let key = self.key;
            context::with_running(|core| core.disarm_timer(key));
        }
    }
}

/// MicroPython's ticks period: ticks values wrap modulo 2^30.
pub const TICKS_PERIOD: u32 = 1 << 30;
/// The largest ticks value.
pub const TICKS_MAX: u32 = TICKS_PERIOD - 1;

/// The running loop's clock in µs (or the thread's loop clock outside a run).
///
/// ```
/// uasyncio::run_virtual(async {
///     uasyncio::sleep_ms(3).await;
///     assert_eq!(uasyncio::time::now_us(), 3_000);
/// });
/// ```
pub fn now_us() -> u64 {
    context::with_running(Core::refresh_now).unwrap_or_else(|| crate::get_event_loop().time_us())
}

/// Milliseconds on the loop clock, wrapping at [`TICKS_PERIOD`].
///
/// ```
/// uasyncio::run_virtual(async {
///     uasyncio::sleep(2).await;
///     assert_eq!(uasyncio::time::ticks_ms(), 2000);
/// });
/// ```
pub fn ticks_ms() -> u32 {
    ((now_us() / 1000) % u64::from(TICKS_PERIOD)) as u32
}

/// Microseconds on the loop clock, wrapping at [`TICKS_PERIOD`].
///
/// ```
/// uasyncio::run_virtual(async {
///     uasyncio::sleep_ms(2).await;
///     assert_eq!(uasyncio::time::ticks_us(), 2000);
/// });
/// ```
pub fn ticks_us() -> u32 {
    (now_us() % u64::from(TICKS_PERIOD)) as u32
}

/// The error of [`try_ticks_add`]: the interval is half the period or more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TicksOverflowError {
    /// The interval that was too large.
    pub delta: i64,
}

impl core::fmt::Display for TicksOverflowError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "ticks interval overflow: {} is not within ±{} (half the ticks period)",
            self.delta,
            TICKS_PERIOD / 2 - 1
        )
    }
}

impl core::error::Error for TicksOverflowError {}

/// `ticks + delta`, wrapping, or an error if `|delta| >= TICKS_PERIOD / 2`.
///
/// ```
/// use uasyncio::time::{TICKS_MAX, try_ticks_add};
/// assert_eq!(try_ticks_add(TICKS_MAX, 1), Ok(0));
/// assert!(try_ticks_add(0, 1 << 29).is_err());
/// ```
pub fn try_ticks_add(ticks: u32, delta: i64) -> Result<u32, TicksOverflowError> {
    let half = i64::from(TICKS_PERIOD / 2);
    if delta >= half || delta <= -half {
        return Err(TicksOverflowError { delta });
    }
    let period = i64::from(TICKS_PERIOD);
    Ok((i64::from(ticks % TICKS_PERIOD) + delta).rem_euclid(period) as u32)
}

/// `ticks + delta`, wrapping at the ticks period (MicroPython's `ticks_add`).
///
/// ```
/// use uasyncio::time::{TICKS_MAX, ticks_add};
/// assert_eq!(ticks_add(TICKS_MAX, 1), 0);
/// assert_eq!(ticks_add(0, -1), TICKS_MAX);
/// ```
///
/// # Panics
/// "ticks interval overflow" if `|delta| >= TICKS_PERIOD / 2`, like
/// MicroPython's `OverflowError`. See [`try_ticks_add`].
pub fn ticks_add(ticks: u32, delta: i64) -> u32 {
    try_ticks_add(ticks, delta).unwrap_or_else(|e| panic!("{e}"))
}

/// The signed difference `a - b` modulo the ticks period, in
/// `-TICKS_PERIOD/2 ..= TICKS_PERIOD/2 - 1` (MicroPython's `ticks_diff`).
///
/// ```
/// use uasyncio::time::{TICKS_MAX, ticks_diff};
/// assert_eq!(ticks_diff(0, TICKS_MAX), 1);
/// assert_eq!(ticks_diff(TICKS_MAX, 0), -1);
/// assert_eq!(ticks_diff(100, 40), 60);
/// ```
pub fn ticks_diff(a: u32, b: u32) -> i32 {
    let half = TICKS_PERIOD / 2;
    let d = (a.wrapping_sub(b).wrapping_add(half)) % TICKS_PERIOD;
    d as i32 - half as i32
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_sleep_is_16_bytes() {
        // It sits in every future that sleeps (and in wait_for).
        assert_eq!(core::mem::size_of::<super::Sleep>(), 16);
    }
}
