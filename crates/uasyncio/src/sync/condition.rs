//! `Condition`: wait, holding a lock, until another task notifies
//! (peterhinch's `primitives.Condition`).

use core::cell::RefCell;
use core::fmt;
use core::future::poll_fn;
use core::task::Poll;

use super::lock::{Lock, LockGuard};
use super::waitlist::{WaitKey, WaitList};
use crate::raw::mutex::sealed::Waiter;
use crate::raw::mutex::{Mutex, NoopRawMutex, RawMutex};

/// A condition variable with its own [`Lock`] (peterhinch's `Condition`).
///
/// [`acquire`](Self::acquire) takes the lock and gives a [`ConditionGuard`];
/// the guard [`wait`](ConditionGuard::wait)s (releasing the lock until
/// notified, then taking it again) and [`notify`](ConditionGuard::notify)s.
/// Notifying needs the lock, so it is a method of the guard: the
/// "notify with lock not acquired" error of MicroPython cannot happen.
///
/// Wake-up order is peterhinch's: `notify(n)` wakes the `n` most recent
/// waiters, newest first (CPython's `Condition` wakes the oldest first).
/// Woken waiters then take the lock one after the other, in that order.
///
/// `uasyncio::Condition` is this type with [`NoopRawMutex`] (single-threaded);
/// [`cs::Condition`](crate::sync::cs::Condition) is `Sync` and can be a
/// `static` shared by tasks of loops on several threads.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// uasyncio::run_virtual(async {
///     let cond = Rc::new(uasyncio::Condition::new());
///     let level = Rc::new(Cell::new(0));
///     let waiter = {
///         let (cond, level) = (cond.clone(), level.clone());
///         uasyncio::create_task(async move {
///             let guard = cond.acquire().await;
///             let _guard = guard.wait_for(|| level.get() >= 3).await;
///             uasyncio::time::ticks_ms()
///         })
///     };
///     for _ in 0..3 {
///         uasyncio::sleep_ms(10).await;
///         level.set(level.get() + 1);
///         cond.acquire().await.notify_all();
///     }
///     assert_eq!(waiter.await, Ok(30));
/// });
/// ```
pub struct Condition<M: RawMutex = NoopRawMutex> {
    lock: Lock<M>,
    waiters: Mutex<M, RefCell<WaitList<M>>>,
}

impl<M: RawMutex> Default for Condition<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: RawMutex> Condition<M> {
    /// A condition with a new, unlocked lock.
    ///
    /// ```
    /// assert!(!uasyncio::Condition::new().locked());
    /// ```
    pub const fn new() -> Self {
        Condition { lock: Lock::new(), waiters: Mutex::new(RefCell::new(WaitList::new())) }
    }

    /// True while some task holds the condition's lock.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let c = uasyncio::Condition::new();
    ///     let g = c.acquire().await;
    ///     assert!(c.locked());
    ///     drop(g);
    ///     assert!(!c.locked());
    /// });
    /// ```
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// Number of tasks waiting to be notified.
    ///
    /// ```
    /// assert_eq!(uasyncio::Condition::new().waiting(), 0);
    /// ```
    pub fn waiting(&self) -> usize {
        self.waiters.lock(|w| w.borrow().len())
    }

    /// Waits for the lock (Python's `with await cond:`).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let c = uasyncio::Condition::new();
    ///     let guard = c.acquire().await;
    ///     guard.notify(1); // nobody waits: nothing happens
    /// });
    /// ```
    pub async fn acquire(&self) -> ConditionGuard<'_, M> {
        ConditionGuard { cond: self, lock: self.lock.acquire().await }
    }
}

impl<M: RawMutex> fmt::Debug for Condition<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition").field("locked", &self.locked()).field("waiting", &self.waiting()).finish()
    }
}

/// Holds a [`Condition`]'s lock; dropping it releases the lock.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ConditionGuard<'a, M: RawMutex = NoopRawMutex> {
    cond: &'a Condition<M>,
    lock: LockGuard<'a, M>,
}

impl<'a, M: RawMutex> ConditionGuard<'a, M> {
    /// Wakes up to `n` waiting tasks, the most recent first. They run once
    /// this task releases the lock (each takes it in turn).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let c = uasyncio::Condition::new();
    ///     c.acquire().await.notify(2);
    /// });
    /// ```
    pub fn notify(&self, n: usize) {
        self.cond.waiters.lock(|w| {
            let mut waiters = w.borrow_mut();
            for _ in 0..n {
                if !waiters.notify_newest() {
                    break;
                }
            }
        })
    }

    /// Wakes every waiting task (most recent first).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let c = uasyncio::Condition::new();
    ///     c.acquire().await.notify_all();
    /// });
    /// ```
    pub fn notify_all(&self) {
        self.notify(usize::MAX);
    }

    /// Releases the lock, waits to be notified, takes the lock again and
    /// gives the guard back.
    ///
    /// Cancelled (the future dropped) while waiting, the task leaves the
    /// wait list and does not hold the lock: the guard went into the future.
    /// A notification it had received but not used goes to the next most
    /// recent waiter.
    ///
    /// ```
    /// use std::rc::Rc;
    /// uasyncio::run_virtual(async {
    ///     let c = Rc::new(uasyncio::Condition::new());
    ///     let c2 = c.clone();
    ///     uasyncio::create_task(async move {
    ///         uasyncio::sleep_ms(5).await;
    ///         c2.acquire().await.notify(1);
    ///     });
    ///     let guard = c.acquire().await;
    ///     let guard = guard.wait().await;
    ///     assert_eq!(uasyncio::time::ticks_ms(), 5);
    ///     drop(guard);
    /// });
    /// ```
    pub async fn wait(self) -> ConditionGuard<'a, M> {
        let ConditionGuard { cond, lock } = self;
        let mut registration = Registration { list: &cond.waiters, key: None };
        let mut counted = M::Waiter::new();
        let mut lock = Some(lock);
        poll_fn(|cx| match registration.key {
            None => {
                registration.key = Some(cond.waiters.lock(|w| w.borrow_mut().push(cx.waker())));
                // Registered before the lock goes: no notification is missed.
                drop(lock.take());
                counted.count_on_running_loop(super::external::RUNNING);
                Poll::Pending
            }
            Some(key) => {
                if cond.waiters.lock(|w| w.borrow_mut().take_notified(key, cx.waker())) {
                    registration.key = None;
                    counted.uncount();
                    Poll::Ready(())
                } else {
                    counted.count_on_running_loop(super::external::RUNNING);
                    Poll::Pending
                }
            }
        })
        .await;
        ConditionGuard { cond, lock: cond.lock.acquire().await }
    }

    /// Waits (as [`wait`](Self::wait)) until `predicate` is true; checks it
    /// first, so a predicate that already holds returns at once.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let c = uasyncio::Condition::new();
    ///     let guard = c.acquire().await;
    ///     let _guard = guard.wait_for(|| true).await; // no wait
    /// });
    /// ```
    pub async fn wait_for(self, mut predicate: impl FnMut() -> bool) -> ConditionGuard<'a, M> {
        let mut guard = self;
        while !predicate() {
            guard = guard.wait().await;
        }
        guard
    }
}

impl<M: RawMutex> fmt::Debug for ConditionGuard<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConditionGuard")
    }
}

/// A place in a condition's wait list, left when dropped.
struct Registration<'a, M: RawMutex> {
    list: &'a Mutex<M, RefCell<WaitList<M>>>,
    key: Option<WaitKey>,
}

impl<M: RawMutex> Drop for Registration<'_, M> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.list.lock(|w| {
                let mut waiters = w.borrow_mut();
                if waiters.remove(key) {
                    waiters.notify_newest();
                }
            })
        }
    }
}
