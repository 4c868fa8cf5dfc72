//! `wait_for`: run a future under a timeout.

use core::fmt;
use core::future::{Future, poll_fn};
use core::pin::pin;
use core::task::Poll;

use crate::time::{IntoDelay, IntoMillis, sleep_us};

/// The error of [`wait_for`] when the timeout expires first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TimeoutError;

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out")
    }
}

impl core::error::Error for TimeoutError {}

/// Runs `fut` with a timeout of `secs` seconds (MicroPython's `wait_for`).
///
/// If `fut` finishes first, its output is returned in `Ok` (a panic in it
/// propagates). On timeout, `fut` is cancelled — dropped at its await point,
/// its destructors run — and `Err(TimeoutError)` is returned. A
/// [`Task`](crate::Task) given by value is cancelled then; given as
/// `&mut task`, it keeps running and is no longer awaited (dropping the
/// handle afterwards detaches it). If the
/// `wait_for` itself is cancelled, `fut` is dropped with it. Allocates nothing.
///
/// ```
/// uasyncio::run_virtual(async {
///     let fast = uasyncio::wait_for(async { uasyncio::sleep(1).await; "done" }, 2).await;
///     assert_eq!(fast, Ok("done"));
///     let slow = uasyncio::wait_for(uasyncio::sleep(10), 0.5).await;
///     assert_eq!(slow, Err(uasyncio::TimeoutError));
///     assert_eq!(uasyncio::time::ticks_ms(), 1500);
/// });
/// ```
pub async fn wait_for<F: Future>(fut: F, secs: impl IntoDelay) -> Result<F::Output, TimeoutError> {
    with_timeout_us(fut, secs.into_delay_us()).await
}

/// [`wait_for`] with the timeout in milliseconds.
///
/// ```
/// uasyncio::run_virtual(async {
///     let r = uasyncio::wait_for_ms(uasyncio::sleep_ms(100), 40).await;
///     assert_eq!(r, Err(uasyncio::TimeoutError));
///     assert_eq!(uasyncio::time::ticks_ms(), 40);
/// });
/// ```
pub async fn wait_for_ms<F: Future>(fut: F, ms: impl IntoMillis) -> Result<F::Output, TimeoutError> {
    with_timeout_us(fut, ms.into_count().saturating_mul(1000)).await
}

async fn with_timeout_us<F: Future>(fut: F, timeout_us: u64) -> Result<F::Output, TimeoutError> {
    let mut fut = pin!(Some(fut));
    let mut timeout = sleep_us(timeout_us);
    poll_fn(|cx| {
        let Some(inner) = fut.as_mut().as_pin_mut() else { return Poll::Ready(Err(TimeoutError)) };
        if let Poll::Ready(value) = inner.poll(cx) {
            return Poll::Ready(Ok(value));
        }
        match core::pin::Pin::new(&mut timeout).poll(cx) {
            Poll::Ready(()) => {
                // Dropped here, while the await on it is still in progress:
                // a task handle given by value is cancelled (an interrupted
                // await). Then the await is over: a handle given as `&mut`
                // is no longer awaited (dropping it later detaches it, and
                // cancelling this task is not forwarded to it).
                fut.set(None);
                crate::runtime::task::end_current_await();
                Poll::Ready(Err(TimeoutError))
            }
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
