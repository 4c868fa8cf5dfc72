//! `Event`: wake every waiting task at once.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::waitlist::{WaitKey, WaitList};
use crate::raw::mutex::sealed::Waiter;
use crate::raw::mutex::{Mutex, NoopRawMutex, RawMutex};

/// A flag tasks can wait for (MicroPython's `asyncio.Event`).
///
/// [`set`](Event::set) wakes every waiter, in the order they started
/// waiting; [`wait`](Event::wait) returns at once while the event is set;
/// [`clear`](Event::clear) resets it.
///
/// `uasyncio::Event` is this type with [`NoopRawMutex`]: single-threaded,
/// not `Sync`. [`cs::Event`](crate::sync::cs::Event) (with a
/// [`CriticalSectionRawMutex`](crate::sync::raw_mutex::CriticalSectionRawMutex))
/// is `Sync`, can be a `static`, and may be set from an interrupt handler
/// or another thread; a task waiting for it counts as waiting on the
/// outside world (its loop idles rather than reporting a deadlock).
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
pub struct Event<M: RawMutex = NoopRawMutex> {
    state: Mutex<M, State<M>>,
}

struct State<M> {
    is_set: Cell<bool>,
    waiters: RefCell<WaitList<M>>,
}

impl<M: RawMutex> Default for Event<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: RawMutex> Event<M> {
    /// A new, clear event.
    ///
    /// ```
    /// assert!(!uasyncio::Event::new().is_set());
    /// static READY: uasyncio::sync::cs::Event = uasyncio::sync::cs::Event::new();
    /// assert!(!READY.is_set());
    /// ```
    pub const fn new() -> Self {
        Event { state: Mutex::new(State { is_set: Cell::new(false), waiters: RefCell::new(WaitList::new()) }) }
    }

    /// True while the event is set.
    ///
    /// ```
    /// let e = uasyncio::Event::new();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.state.lock(|s| s.is_set.get())
    }

    /// Sets the event and wakes every waiting task (they run in the order
    /// they started waiting, after the current task yields). On a
    /// [`cs::Event`](crate::sync::cs::Event), safe from an interrupt
    /// handler or another thread.
    ///
    /// ```
    /// let e = uasyncio::Event::new();
    /// e.set();
    /// e.set(); // harmless
    /// assert!(e.is_set());
    /// ```
    // Inlined into the setter's poll, as it was before the wait list was
    // generic (pingpong: 602 instructions per round trip out of line, 576 in).
    #[inline]
    pub fn set(&self) {
        self.state.lock(|s| {
            s.is_set.set(true);
            s.waiters.borrow_mut().notify_all();
        })
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
        self.state.lock(|s| s.is_set.set(false))
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
    pub fn wait(&self) -> EventWait<'_, M> {
        EventWait { event: self, key: None, counted: M::Waiter::new() }
    }
}

impl<M: RawMutex> core::fmt::Debug for Event<M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (is_set, waiters) = self.state.lock(|s| (s.is_set.get(), s.waiters.borrow().len()));
        f.debug_struct("Event").field("is_set", &is_set).field("waiters", &waiters).finish()
    }
}

/// The future of [`Event::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct EventWait<'a, M: RawMutex = NoopRawMutex> {
    event: &'a Event<M>,
    key: Option<WaitKey>,
    counted: M::Waiter,
}

impl<M: RawMutex> Unpin for EventWait<'_, M> {}

impl<M: RawMutex> Future for EventWait<'_, M> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let key = &mut this.key;
        let ready = this.event.state.lock(|s| {
            let mut waiters = s.waiters.borrow_mut();
            match *key {
                None if s.is_set.get() => true,
                None => {
                    *key = Some(waiters.push(cx.waker()));
                    false
                }
                Some(_) => waiters.take_notified_key(key, cx.waker()),
            }
        });
        super::external::settle(&mut this.counted, ready)
    }
}

impl<M: RawMutex> Drop for EventWait<'_, M> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.event.state.lock(|s| s.waiters.borrow_mut().remove(key));
        }
    }
}
