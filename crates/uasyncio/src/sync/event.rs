//! `Event`: wake every waiting task at once.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::waitlist::{WaitKey, WaitList};

/// A flag tasks can wait for (MicroPython's `asyncio.Event`).
///
/// [`set`](Event::set) wakes every waiter, in the order they started
/// waiting; [`wait`](Event::wait) returns at once while the event is set;
/// [`clear`](Event::clear) resets it. Not for interrupts or other threads:
/// that is [`ThreadSafeFlag`](crate::ThreadSafeFlag)'s job.
///
/// ```
/// use std::rc::Rc;
/// uasyncio::run_virtual(async {
///     let ready = Rc::new(uasyncio::Event::new());
///     let r = ready.clone();
///     let waiter = uasyncio::create_task(async move {
///         r.wait().await;
///         "woken"
///     });
///     uasyncio::sleep_ms(100).await;
///     ready.set();
///     assert_eq!(waiter.await, Ok("woken"));
/// });
/// ```
#[derive(Default)]
pub struct Event {
    is_set: Cell<bool>,
    waiters: RefCell<WaitList>,
}

impl Event {
    /// A new, clear event.
    ///
    /// ```
    /// assert!(!uasyncio::Event::new().is_set());
    /// ```
    pub const fn new() -> Self {
        Event { is_set: Cell::new(false), waiters: RefCell::new(WaitList::new()) }
    }

    /// True while the event is set.
    ///
    /// ```
    /// let e = uasyncio::Event::new();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.is_set.get()
    }

    /// Sets the event and wakes every waiting task (they run in the order
    /// they started waiting, after the current task yields).
    ///
    /// ```
    /// let e = uasyncio::Event::new();
    /// e.set();
    /// e.set(); // harmless
    /// assert!(e.is_set());
    /// ```
    pub fn set(&self) {
        self.is_set.set(true);
        self.waiters.borrow_mut().notify_all();
    }

    /// Clears the event; later `wait`s block until the next `set`.
    ///
    /// ```
    /// let e = uasyncio::Event::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        self.is_set.set(false);
    }

    /// Waits until the event is set. A waiter woken by `set` returns even if
    /// the event was cleared again before it ran (as in MicroPython).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let e = uasyncio::Event::new();
    ///     e.set();
    ///     e.wait().await; // already set: returns at once
    /// });
    /// ```
    pub fn wait(&self) -> EventWait<'_> {
        EventWait { event: self, key: None }
    }
}

impl core::fmt::Debug for Event {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Event")
            .field("is_set", &self.is_set.get())
            .field("waiters", &self.waiters.borrow().len())
            .finish()
    }
}

/// The future of [`Event::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct EventWait<'a> {
    event: &'a Event,
    key: Option<WaitKey>,
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut waiters = self.event.waiters.borrow_mut();
        match self.key {
            None if self.event.is_set.get() => Poll::Ready(()),
            None => {
                let key = waiters.push(cx.waker());
                drop(waiters);
                self.key = Some(key);
                Poll::Pending
            }
            Some(key) => {
                if waiters.take_notified(key, cx.waker()) {
                    drop(waiters);
                    self.key = None;
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.event.waiters.borrow_mut().remove(key);
        }
    }
}
