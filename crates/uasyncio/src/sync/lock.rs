//! `Lock`: mutual exclusion between tasks, FIFO, with direct hand-off.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::waitlist::{WaitKey, WaitList};

/// A lock held across `await` points (MicroPython's `asyncio.Lock`).
///
/// Waiters get the lock in the order they asked. Releasing with waiters
/// hands the lock straight to the next one: no other task can take it in
/// between. As in MicroPython, [`locked`](Self::locked) reads false during
/// that hand-over, until the next holder runs.
/// Release happens when the [`LockGuard`] drops, so releasing an unheld lock
/// (an error in MicroPython) cannot happen.
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
#[derive(Default)]
pub struct Lock {
    state: Cell<LockState>,
    waiters: RefCell<WaitList>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum LockState {
    #[default]
    Unlocked,
    Locked,
    /// Released to a waiter that has not run yet: not free, not `locked()`.
    HandedOver,
}

impl Lock {
    /// A new, unlocked lock.
    ///
    /// ```
    /// assert!(!uasyncio::Lock::new().locked());
    /// ```
    pub const fn new() -> Self {
        Lock { state: Cell::new(LockState::Unlocked), waiters: RefCell::new(WaitList::new()) }
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
        self.state.get() == LockState::Locked
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
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire { lock: self, key: None }
    }

    /// Gives the lock to the next waiter, or frees it.
    fn release(&self) {
        let handed_over = self.waiters.borrow_mut().notify_one();
        self.state.set(if handed_over { LockState::HandedOver } else { LockState::Unlocked });
    }
}

impl core::fmt::Debug for Lock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Lock").field("state", &self.state.get()).field("waiters", &self.waiters.borrow().len()).finish()
    }
}

/// The future of [`Lock::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a> {
    lock: &'a Lock,
    key: Option<WaitKey>,
}

impl<'a> Future for Acquire<'a> {
    type Output = LockGuard<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a>> {
        let lock = self.lock;
        match self.key {
            None if lock.state.get() == LockState::Unlocked => {
                lock.state.set(LockState::Locked);
                Poll::Ready(LockGuard { lock })
            }
            None => {
                self.key = Some(lock.waiters.borrow_mut().push(cx.waker()));
                Poll::Pending
            }
            Some(key) => {
                let mut waiters = lock.waiters.borrow_mut();
                if waiters.take_notified(key, cx.waker()) {
                    drop(waiters);
                    self.key = None;
                    // Handed over: nobody could take it meanwhile.
                    lock.state.set(LockState::Locked);
                    Poll::Ready(LockGuard { lock })
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            let handed_over = self.lock.waiters.borrow_mut().remove(key);
            if handed_over {
                // Cancelled after being handed the lock: pass it on.
                self.lock.release();
            }
        }
    }
}

/// Holds a [`Lock`]; dropping it releases the lock.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        self.lock.release();
    }
}

impl core::fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("LockGuard")
    }
}
