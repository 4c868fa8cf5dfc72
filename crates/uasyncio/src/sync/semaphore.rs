//! `Semaphore` and `BoundedSemaphore`: at most N tasks at once, FIFO, with
//! direct hand-off (peterhinch's `primitives.Semaphore`).

use core::cell::{Cell, RefCell};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::waitlist::{WaitKey, WaitList};
use crate::raw::mutex::sealed::Waiter;
use crate::raw::mutex::{Mutex, NoopRawMutex, RawMutex};

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
struct Permits<M: RawMutex> {
    state: Mutex<M, PermitState<M>>,
}

struct PermitState<M> {
    free: Cell<usize>,
    waiters: RefCell<WaitList<M>>,
}

impl<M: RawMutex> PermitState<M> {
    /// Hands the permit to the first waiter, or frees it.
    fn release(&self) {
        if !self.waiters.borrow_mut().notify_one() {
            self.free.set(self.free.get() + 1);
        }
    }

    /// Takes a free permit, if any.
    fn try_take(&self) -> bool {
        let free = self.free.get();
        if free == 0 {
            return false;
        }
        self.free.set(free - 1);
        true
    }
}

impl<M: RawMutex> Permits<M> {
    const fn new(value: usize) -> Self {
        Permits { state: Mutex::new(PermitState { free: Cell::new(value), waiters: RefCell::new(WaitList::new()) }) }
    }

    fn release(&self) {
        self.state.lock(PermitState::release)
    }

    fn free(&self) -> usize {
        self.state.lock(|p| p.free.get())
    }

    fn waiting(&self) -> usize {
        self.state.lock(|p| p.waiters.borrow().len())
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
/// `uasyncio::Semaphore` is this type with [`NoopRawMutex`] (single-threaded);
/// [`cs::Semaphore`](crate::sync::cs::Semaphore) is `Sync`, can be a
/// `static`, and its `release` may be called from an interrupt handler or
/// another thread (a permit per event, say).
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
pub struct Semaphore<M: RawMutex = NoopRawMutex> {
    permits: Permits<M>,
}

impl<M: RawMutex> Semaphore<M> {
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
        self.permits.free()
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
    pub fn acquire(&self) -> SemaphoreAcquire<'_, M> {
        SemaphoreAcquire { permits: &self.permits, key: None, counted: M::Waiter::new() }
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

impl<M: RawMutex> fmt::Debug for Semaphore<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available())
            .field("waiters", &self.permits.waiting())
            .finish()
    }
}

/// A [`Semaphore`] that refuses to be released past its initial value
/// (peterhinch's `BoundedSemaphore`). `uasyncio::BoundedSemaphore` is the
/// single-threaded one; [`cs::BoundedSemaphore`](crate::sync::cs::BoundedSemaphore)
/// may be released from an interrupt handler or another thread.
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
pub struct BoundedSemaphore<M: RawMutex = NoopRawMutex> {
    permits: Permits<M>,
    bound: usize,
}

impl<M: RawMutex> BoundedSemaphore<M> {
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
        self.permits.free()
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
    pub fn acquire(&self) -> SemaphoreAcquire<'_, M> {
        SemaphoreAcquire { permits: &self.permits, key: None, counted: M::Waiter::new() }
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
        self.permits.state.lock(|p| {
            if p.free.get() >= self.bound {
                return Err(OverReleased { bound: self.bound });
            }
            p.release();
            Ok(())
        })
    }
}

impl<M: RawMutex> fmt::Debug for BoundedSemaphore<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available", &self.available())
            .field("bound", &self.bound)
            .field("waiters", &self.permits.waiting())
            .finish()
    }
}

/// The future of [`Semaphore::acquire`] and [`BoundedSemaphore::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct SemaphoreAcquire<'a, M: RawMutex = NoopRawMutex> {
    permits: &'a Permits<M>,
    key: Option<WaitKey>,
    counted: M::Waiter,
}

impl<M: RawMutex> Unpin for SemaphoreAcquire<'_, M> {}

impl<'a, M: RawMutex> Future for SemaphoreAcquire<'a, M> {
    type Output = SemaphoreGuard<'a, M>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphoreGuard<'a, M>> {
        let this = self.get_mut();
        let permits = this.permits;
        let (key, counted) = (&mut this.key, &mut this.counted);
        permits.state.lock(|p| match *key {
            // Waiters first: a new arrival does not overtake them.
            None if p.waiters.borrow().len() == 0 && p.try_take() => {
                counted.uncount();
                Poll::Ready(SemaphoreGuard { permits: Some(permits) })
            }
            None => {
                *key = Some(p.waiters.borrow_mut().push(cx.waker()));
                counted.count_on_running_loop(super::external::RUNNING);
                Poll::Pending
            }
            Some(k) => {
                if p.waiters.borrow_mut().take_notified(k, cx.waker()) {
                    *key = None;
                    // Handed over by `release`: the permit is ours.
                    counted.uncount();
                    Poll::Ready(SemaphoreGuard { permits: Some(permits) })
                } else {
                    counted.count_on_running_loop(super::external::RUNNING);
                    Poll::Pending
                }
            }
        })
    }
}

impl<M: RawMutex> Drop for SemaphoreAcquire<'_, M> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.permits.state.lock(|p| {
                let handed_over = p.waiters.borrow_mut().remove(key);
                if handed_over {
                    // Cancelled after being handed a permit: pass it on.
                    p.release();
                }
            })
        }
    }
}

/// Holds one permit of a semaphore; dropping it returns the permit.
#[must_use = "the permit is returned as soon as the guard is dropped"]
pub struct SemaphoreGuard<'a, M: RawMutex = NoopRawMutex> {
    permits: Option<&'a Permits<M>>,
}

impl<M: RawMutex> SemaphoreGuard<'_, M> {
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

impl<M: RawMutex> Drop for SemaphoreGuard<'_, M> {
    fn drop(&mut self) {
        if let Some(permits) = self.permits {
            permits.release();
        }
    }
}

impl<M: RawMutex> fmt::Debug for SemaphoreGuard<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SemaphoreGuard")
    }
}
