//! `Barrier`: N tasks wait for each other, then all go on (peterhinch's
//! `primitives.Barrier`).

use alloc::boxed::Box;
use core::cell::{Cell, RefCell};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::waitlist::{WaitKey, WaitList};

/// A meeting point for a fixed number of tasks (peterhinch's `Barrier`).
///
/// Each of the `parties` tasks awaits [`wait`](Self::wait) (Python's `await
/// barrier`) or calls [`trigger`](Self::trigger) (arrive without waiting).
/// When the last one arrives the barrier *trips*: the optional action runs
/// (in the last arriver, before anyone goes on), the waiters are woken in
/// the order they arrived, and the barrier is ready for the next round.
/// The last arriver does not wait: it goes on at once, before the others.
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// uasyncio::run_virtual(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let l = log.clone();
///     let barrier = Rc::new(uasyncio::Barrier::with_action(3, move || l.borrow_mut().push("trip")));
///     let mut tasks = Vec::new();
///     for name in ["a", "b", "c"] {
///         let (barrier, log) = (barrier.clone(), log.clone());
///         tasks.push(uasyncio::create_task(async move {
///             log.borrow_mut().push(name);
///             barrier.wait().await;
///             log.borrow_mut().push(name);
///         }));
///     }
///     for t in tasks {
///         t.await.unwrap();
///     }
///     assert_eq!(*log.borrow(), ["a", "b", "c", "trip", "c", "a", "b"]);
/// });
/// ```
pub struct Barrier {
    parties: usize,
    /// Parties still to arrive this round.
    remaining: Cell<usize>,
    action: RefCell<Option<Box<dyn FnMut()>>>,
    waiters: RefCell<WaitList>,
}

impl Barrier {
    /// A barrier for `parties` tasks, with no action.
    ///
    /// # Panics
    /// If `parties` is 0: such a barrier could never trip (peterhinch's
    /// raises `ValueError("Too many tasks accessing Barrier")` at the first
    /// arrival instead).
    ///
    /// ```
    /// let b = uasyncio::Barrier::new(2);
    /// assert!(!b.busy());
    /// ```
    pub fn new(parties: usize) -> Self {
        assert!(
            parties > 0,
            "Barrier::new(0): a barrier needs at least 1 party; give the number of tasks that meet at it"
        );
        Barrier {
            parties,
            remaining: Cell::new(parties),
            action: RefCell::new(None),
            waiters: RefCell::new(WaitList::new()),
        }
    }

    /// A barrier for `parties` tasks that runs `action` each time it trips.
    /// To start a coroutine there (peterhinch's `Barrier(n, coro)`), call
    /// [`create_task`](crate::create_task) in the action.
    ///
    /// # Panics
    /// If `parties` is 0 (see [`new`](Self::new)).
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// let trips = Rc::new(Cell::new(0));
    /// let t = trips.clone();
    /// let b = uasyncio::Barrier::with_action(1, move || t.set(t.get() + 1));
    /// b.trigger();
    /// b.trigger();
    /// assert_eq!(trips.get(), 2);
    /// ```
    pub fn with_action(parties: usize, action: impl FnMut() + 'static) -> Self {
        let barrier = Barrier::new(parties);
        *barrier.action.borrow_mut() = Some(Box::new(action));
        barrier
    }

    /// The number of tasks that meet at the barrier.
    ///
    /// ```
    /// assert_eq!(uasyncio::Barrier::new(4).parties(), 4);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// True while some parties have arrived this round and others not yet.
    ///
    /// ```
    /// let b = uasyncio::Barrier::new(2);
    /// b.trigger();
    /// assert!(b.busy());
    /// b.trigger();
    /// assert!(!b.busy());
    /// ```
    pub fn busy(&self) -> bool {
        self.remaining.get() < self.parties
    }

    /// Arrives without waiting; true if this arrival tripped the barrier
    /// (then the action has run and the waiters are woken).
    ///
    /// ```
    /// let b = uasyncio::Barrier::new(2);
    /// assert!(!b.trigger());
    /// assert!(b.trigger());
    /// ```
    pub fn trigger(&self) -> bool {
        let remaining = self.remaining.get() - 1;
        if remaining > 0 {
            self.remaining.set(remaining);
            return false;
        }
        // Taken out while it runs, so the action may use the barrier.
        let action = self.action.borrow_mut().take();
        if let Some(mut action) = action {
            action();
            let mut slot = self.action.borrow_mut();
            if slot.is_none() {
                *slot = Some(action);
            }
        }
        self.remaining.set(self.parties);
        self.waiters.borrow_mut().notify_all();
        true
    }

    /// Arrives and waits until the barrier trips (Python's `await barrier`).
    /// The arrival counts when the future is first polled; a waiter
    /// cancelled before the trip leaves the wait list, and its arrival is
    /// taken back.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let b = uasyncio::Barrier::new(1);
    ///     b.wait().await; // the only party: trips at once
    /// });
    /// ```
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait { barrier: self, key: None }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("remaining", &self.remaining.get())
            .field("waiters", &self.waiters.borrow().len())
            .finish()
    }
}

/// The future of [`Barrier::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    key: Option<WaitKey>,
}

impl Future for BarrierWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let barrier = self.barrier;
        match self.key {
            None => {
                if barrier.trigger() {
                    return Poll::Ready(());
                }
                self.key = Some(barrier.waiters.borrow_mut().push(cx.waker()));
                Poll::Pending
            }
            Some(key) => {
                if barrier.waiters.borrow_mut().take_notified(key, cx.waker()) {
                    self.key = None;
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            let tripped = self.barrier.waiters.borrow_mut().remove(key);
            if !tripped {
                // Gone before the trip: this round waits for one more party.
                self.barrier.remaining.set(self.barrier.remaining.get() + 1);
            }
        }
    }
}
