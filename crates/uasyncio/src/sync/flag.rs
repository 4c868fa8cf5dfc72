//! `ThreadSafeFlag`: the one primitive other threads and interrupts may set.

use core::cell::RefCell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::raw::ExternalWaiter;
use crate::raw::sync::{AtomicBool, Lock, Ordering};

/// A self-clearing flag that may be set from another thread or an interrupt
/// handler (MicroPython's `asyncio.ThreadSafeFlag`).
///
/// One task at a time may [`wait`](Self::wait); `wait` returns once the flag
/// is set and clears it. A `set` before the `wait` makes the `wait` return at
/// once. Setting it from another thread wakes the loop out of its idle wait.
/// `new` is `const`, so a flag can be a `static` shared with an interrupt:
/// it is `Sync` as it is (listed with the other primitives for that in
/// [`sync::cs`](crate::sync::cs)). For several waiters, a value or a
/// queue of them, use [`cs::Event`](crate::sync::cs::Event),
/// [`Message`](crate::Message) or [`cs::Queue`](crate::sync::cs::Queue).
///
/// ```
/// static BUTTON: uasyncio::ThreadSafeFlag = uasyncio::ThreadSafeFlag::new();
/// BUTTON.set(); // in the interrupt handler
/// uasyncio::run_virtual(async { BUTTON.wait().await });
/// ```
///
/// ```
/// use std::sync::Arc;
/// let flag = Arc::new(uasyncio::ThreadSafeFlag::new());
/// let from_thread = flag.clone();
/// let handle = std::thread::spawn(move || {
///     std::thread::sleep(std::time::Duration::from_millis(20));
///     from_thread.set();
/// });
/// uasyncio::new_event_loop().run_until_complete(async move {
///     flag.wait().await; // the loop sleeps until the other thread sets it
/// });
/// handle.join().unwrap();
/// ```
pub struct ThreadSafeFlag {
    flag: AtomicBool,
    has_waiter: AtomicBool,
    waker: Lock<RefCell<Option<Waker>>>,
}

impl Default for ThreadSafeFlag {
    fn default() -> Self {
        Self::new()
    }
}

impl ThreadSafeFlag {
    /// A new, clear flag.
    ///
    /// ```
    /// static FLAG: uasyncio::ThreadSafeFlag = uasyncio::ThreadSafeFlag::new();
    /// FLAG.set();
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        ThreadSafeFlag {
            flag: AtomicBool::new(false),
            has_waiter: AtomicBool::new(false),
            waker: Lock::new(RefCell::new(None)),
        }
    }

    /// A new, clear flag (not `const` under `--cfg loom`: loom's atomics
    /// and locks are made at run time).
    #[cfg(loom)]
    pub fn new() -> Self {
        ThreadSafeFlag {
            flag: AtomicBool::new(false),
            has_waiter: AtomicBool::new(false),
            waker: Lock::new(RefCell::new(None)),
        }
    }

    /// Sets the flag and wakes the waiting task, if any. Safe to call from
    /// any thread or interrupt handler. The waiter is queued at the loop's
    /// next step (MicroPython wakes it at its next I/O poll), so a task that
    /// sets the flag and yields runs again before the waiter.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let flag = uasyncio::ThreadSafeFlag::new();
    ///     flag.set();
    ///     flag.wait().await; // returns at once, and clears the flag
    /// });
    /// ```
    pub fn set(&self) {
        self.flag.store(true, Ordering::Release);
        let waker = self.waker.with(|waker| waker.borrow_mut().take());
        if let Some(waker) = waker {
            crate::raw::wake_at_next_step(waker);
        }
    }

    /// Clears the flag.
    ///
    /// ```
    /// let flag = uasyncio::ThreadSafeFlag::new();
    /// flag.set();
    /// flag.clear();
    /// ```
    pub fn clear(&self) {
        self.flag.store(false, Ordering::Release);
    }

    /// Waits until the flag is set, then clears it.
    ///
    /// # Panics
    /// If another task is already waiting on this flag: only one waiter at a
    /// time is allowed (use an [`Event`](crate::Event) to wake several).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let flag = std::rc::Rc::new(uasyncio::ThreadSafeFlag::new());
    ///     let f = flag.clone();
    ///     uasyncio::create_task(async move { f.set() });
    ///     flag.wait().await;
    /// });
    /// ```
    pub fn wait(&self) -> FlagWait<'_> {
        FlagWait { flag: self, registered: false, counted: ExternalWaiter::new() }
    }

    fn take(&self) -> bool {
        self.flag.swap(false, Ordering::AcqRel)
    }
}

impl core::fmt::Debug for ThreadSafeFlag {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ThreadSafeFlag").field("set", &self.flag.load(Ordering::Relaxed)).finish()
    }
}

/// The future of [`ThreadSafeFlag::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct FlagWait<'a> {
    flag: &'a ThreadSafeFlag,
    /// We are the flag's waiter.
    registered: bool,
    /// Our count on the loop we were last polled in (so it idles rather
    /// than report a deadlock); uncounted there, wherever we are dropped.
    counted: ExternalWaiter,
}

impl FlagWait<'_> {
    fn unregister(&mut self) {
        if self.registered {
            self.registered = false;
            self.flag.waker.with(|waker| waker.borrow_mut().take());
            self.flag.has_waiter.store(false, Ordering::Release);
        }
        self.counted.uncount();
    }
}

impl Future for FlagWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.flag.take() {
            self.unregister();
            return Poll::Ready(());
        }
        if !self.registered {
            if self.flag.has_waiter.swap(true, Ordering::AcqRel) {
                panic!(
                    "ThreadSafeFlag: another task is already waiting on this flag; only one task \
                     may wait at a time (use an Event to wake several)"
                );
            }
            self.registered = true;
        }
        self.counted.count_on_running_loop(super::external::RUNNING);
        self.flag.waker.with(|slot| {
            let mut slot = slot.borrow_mut();
            if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *slot = Some(cx.waker().clone());
            }
        });
        // A set() between our first check and storing the waker found no waker.
        if self.flag.take() {
            self.unregister();
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl Drop for FlagWait<'_> {
    fn drop(&mut self) {
        self.unregister();
    }
}

#[cfg(test)]
mod tests {
    /// A flag's wait may be sent to another thread (it holds no `Rc`).
    #[test]
    fn a_flag_wait_is_send_and_sync() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<super::FlagWait<'static>>();
    }
}
