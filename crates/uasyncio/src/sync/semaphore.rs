//! `Semaphore` and `BoundedSemaphore`: at most N tasks at once, FIFO, with
//! direct hand-off (peterhinch's `primitives.Semaphore`).

use core::cell::{Cell, RefCell};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::waitlist::{WaitKey, WaitList};

/// [`BoundedSemaphore::release`] with every permit already free (MicroPython
/// raises `ValueError("Semaphore released more than acquired")`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverReleased {
    /// The semaphore's bound: the number of permits it was made with.
    pub bound: usize,
}

impl fmt::Display for OverReleased {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "semaphore released more than acquired: all {} permits are already free (release only a permit \
             taken with `acquire` and forgotten)",
            self.bound
        )
    }
}

impl core::error::Error for OverReleased {}

/// What the two semaphores share: free permits and the waiters' FIFO.
struct Permits {
    free: Cell<usize>,
    waiters: RefCell<WaitList>,
}

impl Permits {
    const fn new(value: usize) -> Self {
        Permits { free: Cell::new(value), waiters: RefCell::new(WaitList::new()) }
    }

    /// Hands the permit to the first waiter, or frees it.
    fn release(&self) {
        if !self.waiters.borrow_mut().notify_one() {
            self.free.set(self.free.get() + 1);
        }
    }

    fn try_take(&self) -> bool {
        let free = self.free.get();
        if free == 0 {
            return false;
        }
        self.free.set(free - 1);
        true
    }
}

/// Limits how many tasks run a section at once (peterhinch's `Semaphore`).
///
/// [`acquire`](Self::acquire) waits for a permit and gives a
/// [`SemaphoreGuard`] that returns it when dropped (Python's `async with
/// sema:`). Waiters get permits in the order they asked; a released permit
/// goes straight to the first waiter. [`release`](Self::release) adds a
/// permit without a guard; a plain `Semaphore` may so go past its initial
/// value (use [`BoundedSemaphore`] to make that an error).
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// uasyncio::run_virtual(async {
///     let sema = Rc::new(uasyncio::Semaphore::new(2));
///     let inside = Rc::new(Cell::new(0));
///     let mut tasks = Vec::new();
///     for _ in 0..5 {
///         let (sema, inside) = (sema.clone(), inside.clone());
///         tasks.push(uasyncio::create_task(async move {
///             let _permit = sema.acquire().await;
///             inside.set(inside.get() + 1);
///             assert!(inside.get() <= 2);
///             uasyncio::sleep_ms(100).await;
///             inside.set(inside.get() - 1);
///         }));
///     }
///     for t in tasks {
///         t.await.unwrap();
///     }
///     assert_eq!(uasyncio::time::ticks_ms(), 300); // 2 + 2 + 1 at a time
/// });
/// ```
pub struct Semaphore {
    permits: Permits,
}

impl Semaphore {
    /// A semaphore with `value` free permits (peterhinch's default is 1).
    ///
    /// ```
    /// assert_eq!(uasyncio::Semaphore::new(3).available(), 3);
    /// ```
    pub const fn new(value: usize) -> Self {
        Semaphore { permits: Permits::new(value) }
    }

    /// Free permits now.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let s = uasyncio::Semaphore::new(1);
    ///     let _p = s.acquire().await;
    ///     assert_eq!(s.available(), 0);
    /// });
    /// ```
    pub fn available(&self) -> usize {
        self.permits.free.get()
    }

    /// Waits for a permit; it goes back when the guard drops.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let s = uasyncio::Semaphore::new(1);
    ///     drop(s.acquire().await);
    ///     let _again = s.acquire().await;
    /// });
    /// ```
    pub fn acquire(&self) -> SemaphoreAcquire<'_> {
        SemaphoreAcquire { permits: &self.permits, key: None }
    }

    /// Adds a permit (to the first waiter, if any). Unbounded: releasing
    /// more often than acquiring raises the count past its initial value,
    /// as in peterhinch's and CPython's `Semaphore`.
    ///
    /// ```
    /// let s = uasyncio::Semaphore::new(0);
    /// s.release();
    /// s.release();
    /// assert_eq!(s.available(), 2);
    /// ```
    pub fn release(&self) {
        self.permits.release();
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available())
            .field("waiters", &self.permits.waiters.borrow().len())
            .finish()
    }
}

/// A [`Semaphore`] that refuses to be released past its initial value
/// (peterhinch's `BoundedSemaphore`).
///
/// ```
/// uasyncio::run_virtual(async {
///     let s = uasyncio::BoundedSemaphore::new(1);
///     let permit = s.acquire().await;
///     permit.forget(); // keep it past the guard
///     assert_eq!(s.release(), Ok(()));
///     assert_eq!(s.release(), Err(uasyncio::OverReleased { bound: 1 }));
///     assert_eq!(s.available(), 1, "the refused release changed nothing");
/// });
/// ```
pub struct BoundedSemaphore {
    permits: Permits,
    bound: usize,
}

impl BoundedSemaphore {
    /// A semaphore with `value` permits, never more.
    ///
    /// ```
    /// assert_eq!(uasyncio::BoundedSemaphore::new(3).available(), 3);
    /// ```
    pub const fn new(value: usize) -> Self {
        BoundedSemaphore { permits: Permits::new(value), bound: value }
    }

    /// Free permits now.
    ///
    /// ```
    /// assert_eq!(uasyncio::BoundedSemaphore::new(2).available(), 2);
    /// ```
    pub fn available(&self) -> usize {
        self.permits.free.get()
    }

    /// Waits for a permit; it goes back when the guard drops.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let s = uasyncio::BoundedSemaphore::new(1);
    ///     let _p = s.acquire().await;
    ///     assert_eq!(s.available(), 0);
    /// });
    /// ```
    pub fn acquire(&self) -> SemaphoreAcquire<'_> {
        SemaphoreAcquire { permits: &self.permits, key: None }
    }

    /// Returns a permit taken with `acquire` and then
    /// [`forget`](SemaphoreGuard::forget)-ed.
    ///
    /// # Errors
    /// [`OverReleased`] when every permit is already free (nothing changes).
    ///
    /// ```
    /// let s = uasyncio::BoundedSemaphore::new(2);
    /// assert!(s.release().is_err());
    /// ```
    pub fn release(&self) -> Result<(), OverReleased> {
        // Permits handed to a waiter that has not run yet are not free: they
        // are held, so `free < bound` still holds and the release is valid.
        if self.permits.free.get() >= self.bound {
            return Err(OverReleased { bound: self.bound });
        }
        self.permits.release();
        Ok(())
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available", &self.available())
            .field("bound", &self.bound)
            .field("waiters", &self.permits.waiters.borrow().len())
            .finish()
    }
}

/// The future of [`Semaphore::acquire`] and [`BoundedSemaphore::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct SemaphoreAcquire<'a> {
    permits: &'a Permits,
    key: Option<WaitKey>,
}

impl<'a> Future for SemaphoreAcquire<'a> {
    type Output = SemaphoreGuard<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphoreGuard<'a>> {
        let permits = self.permits;
        match self.key {
            // Waiters first: a new arrival does not overtake them.
            None if permits.waiters.borrow().len() == 0 && permits.try_take() => {
                Poll::Ready(SemaphoreGuard { permits: Some(permits) })
            }
            None => {
                self.key = Some(permits.waiters.borrow_mut().push(cx.waker()));
                Poll::Pending
            }
            Some(key) => {
                if permits.waiters.borrow_mut().take_notified(key, cx.waker()) {
                    self.key = None;
                    // Handed over by `release`: the permit is ours.
                    Poll::Ready(SemaphoreGuard { permits: Some(permits) })
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl Drop for SemaphoreAcquire<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            let handed_over = self.permits.waiters.borrow_mut().remove(key);
            if handed_over {
                // Cancelled after being handed a permit: pass it on.
                self.permits.release();
            }
        }
    }
}

/// Holds one permit of a semaphore; dropping it returns the permit.
#[must_use = "the permit is returned as soon as the guard is dropped"]
pub struct SemaphoreGuard<'a> {
    permits: Option<&'a Permits>,
}

impl SemaphoreGuard<'_> {
    /// Keeps the permit without a guard; give it back later with
    /// `release()` (peterhinch's `acquire()` without `async with`).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let s = uasyncio::Semaphore::new(1);
    ///     s.acquire().await.forget();
    ///     assert_eq!(s.available(), 0);
    ///     s.release();
    ///     assert_eq!(s.available(), 1);
    /// });
    /// ```
    pub fn forget(mut self) {
        self.permits = None;
    }
}

impl Drop for SemaphoreGuard<'_> {
    fn drop(&mut self) {
        if let Some(permits) = self.permits {
            permits.release();
        }
    }
}

impl fmt::Debug for SemaphoreGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SemaphoreGuard")
    }
}
