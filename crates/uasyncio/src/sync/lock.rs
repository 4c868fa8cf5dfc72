//! `Lock`: mutual exclusion between tasks, FIFO, with direct hand-off.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::waitlist::{WaitKey, WaitList};
use crate::raw::mutex::sealed::Waiter;
use crate::raw::mutex::{Mutex, NoopRawMutex, RawMutex};

/// A lock held across `await` points (MicroPython's `asyncio.Lock`).
///
/// Waiters get the lock in the order they asked. Releasing with waiters
/// hands the lock straight to the next one: no other task can take it in
/// between. As in MicroPython, [`locked`](Self::locked) reads false during
/// that hand-over, until the next holder runs.
/// Release happens when the [`LockGuard`] drops, so releasing an unheld lock
/// (an error in MicroPython) cannot happen.
///
/// `uasyncio::Lock` is this type with [`NoopRawMutex`]: single-threaded,
/// not `Sync`. [`cs::Lock`](crate::sync::cs::Lock) (with a
/// [`CriticalSectionRawMutex`](crate::sync::raw_mutex::CriticalSectionRawMutex))
/// is `Sync` and can be a `static` shared by tasks of loops on several
/// threads; a task waiting for it counts as waiting on the outside world.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// uasyncio::run_virtual(async {
///     let lock = Rc::new(uasyncio::Lock::new());
///     let counter = Rc::new(Cell::new(0));
///     let mut tasks = Vec::new();
///     for _ in 0..3 {
///         let (lock, counter) = (lock.clone(), counter.clone());
///         tasks.push(uasyncio::create_task(async move {
///             let _guard = lock.acquire().await;
///             let seen = counter.get();
///             uasyncio::sleep_ms(10).await; // others wait meanwhile
///             counter.set(seen + 1);
///         }));
///     }
///     for t in tasks {
///         t.await.unwrap();
///     }
///     assert_eq!(counter.get(), 3);
/// });
/// ```
pub struct Lock<M: RawMutex = NoopRawMutex> {
    inner: Mutex<M, Inner<M>>,
}

struct Inner<M> {
    state: Cell<LockState>,
    waiters: RefCell<WaitList<M>>,
}

impl<M: RawMutex> Inner<M> {
    /// Gives the lock to the next waiter, or frees it.
    fn release(&self) {
        let handed_over = self.waiters.borrow_mut().notify_one();
        self.state.set(if handed_over { LockState::HandedOver } else { LockState::Unlocked });
    }
}

impl<M: RawMutex> Default for Lock<M> {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum LockState {
    #[default]
    Unlocked,
    Locked,
    /// Released to a waiter that has not run yet: not free, not `locked()`.
    HandedOver,
}

impl<M: RawMutex> Lock<M> {
    /// A new, unlocked lock.
    ///
    /// ```
    /// assert!(!uasyncio::Lock::new().locked());
    /// static SHARED: uasyncio::sync::cs::Lock = uasyncio::sync::cs::Lock::new();
    /// assert!(!SHARED.locked());
    /// ```
    pub const fn new() -> Self {
        Lock {
            inner: Mutex::new(Inner { state: Cell::new(LockState::Unlocked), waiters: RefCell::new(WaitList::new()) }),
        }
    }

    /// True while some task holds the lock.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let lock = uasyncio::Lock::new();
    ///     let guard = lock.acquire().await;
    ///     assert!(lock.locked());
    ///     drop(guard);
    ///     assert!(!lock.locked());
    /// });
    /// ```
    pub fn locked(&self) -> bool {
        self.inner.lock(|l| l.state.get() == LockState::Locked)
    }

    /// Waits for the lock; it is released when the guard drops.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let lock = uasyncio::Lock::new();
    ///     {
    ///         let _guard = lock.acquire().await;
    ///     }
    ///     let _again = lock.acquire().await;
    /// });
    /// ```
    pub fn acquire(&self) -> Acquire<'_, M> {
        Acquire { lock: self, key: None, counted: M::Waiter::new() }
    }

    /// Gives the lock to the next waiter, or frees it.
    fn release(&self) {
        self.inner.lock(Inner::release)
    }
}

impl<M: RawMutex> core::fmt::Debug for Lock<M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (state, waiters) = self.inner.lock(|l| (l.state.get(), l.waiters.borrow().len()));
        f.debug_struct("Lock").field("state", &state).field("waiters", &waiters).finish()
    }
}

/// The future of [`Lock::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a, M: RawMutex = NoopRawMutex> {
    lock: &'a Lock<M>,
    key: Option<WaitKey>,
    counted: M::Waiter,
}

impl<M: RawMutex> Unpin for Acquire<'_, M> {}

impl<'a, M: RawMutex> Future for Acquire<'a, M> {
    type Output = LockGuard<'a, M>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a, M>> {
        let this = self.get_mut();
        let lock = this.lock;
        let (key, counted) = (&mut this.key, &mut this.counted);
        lock.inner.lock(|l| match *key {
            None if l.state.get() == LockState::Unlocked => {
                l.state.set(LockState::Locked);
                counted.uncount();
                Poll::Ready(LockGuard { lock })
            }
            None => {
                *key = Some(l.waiters.borrow_mut().push(cx.waker()));
                counted.count_on_running_loop(super::external::RUNNING);
                Poll::Pending
            }
            Some(k) => {
                let mut waiters = l.waiters.borrow_mut();
                if waiters.take_notified(k, cx.waker()) {
                    drop(waiters);
                    *key = None;
                    // Handed over: nobody could take it meanwhile.
                    l.state.set(LockState::Locked);
                    counted.uncount();
                    Poll::Ready(LockGuard { lock })
                } else {
                    counted.count_on_running_loop(super::external::RUNNING);
                    Poll::Pending
                }
            }
        })
    }
}

impl<M: RawMutex> Drop for Acquire<'_, M> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.lock.inner.lock(|l| {
                let handed_over = l.waiters.borrow_mut().remove(key);
                if handed_over {
                    // Cancelled after being handed the lock: pass it on.
                    l.release();
                }
            })
        }
    }
}

/// Holds a [`Lock`]; dropping it releases the lock.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a, M: RawMutex = NoopRawMutex> {
    lock: &'a Lock<M>,
}

impl<M: RawMutex> Drop for LockGuard<'_, M> {
    fn drop(&mut self) {
        self.lock.release();
    }
}

impl<M: RawMutex> core::fmt::Debug for LockGuard<'_, M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("LockGuard")
    }
}
