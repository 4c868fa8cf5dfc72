//! `Barrier`: N tasks wait for each other, then all go on (peterhinch's
//! `primitives.Barrier`).

use alloc::boxed::Box;
use core::cell::{Cell, RefCell};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::waitlist::{WaitKey, WaitList};
use crate::raw::mutex::sealed::{Slot, Waiter};
use crate::raw::mutex::{Mutex, NoopRawMutex, RawMutex};

/// A meeting point for a fixed number of tasks (peterhinch's `Barrier`).
///
/// Each of the `parties` tasks awaits [`wait`](Self::wait) (Python's `await
/// barrier`) or calls [`trigger`](Self::trigger) (arrive without waiting).
/// When the last one arrives the barrier *trips*: the optional action runs
/// (in the last arriver, before anyone goes on), the waiters are woken in
/// the order they arrived, and the barrier is ready for the next round.
/// The last arriver does not wait: it goes on at once, before the others.
///
/// `uasyncio::Barrier` is this type with [`NoopRawMutex`]: single-threaded,
/// not `Sync`, and the only one with a trip action
/// ([`with_action`](Self::with_action)).
/// [`cs::Barrier`](crate::sync::cs::Barrier) (with a
/// [`CriticalSectionRawMutex`](crate::sync::raw_mutex::CriticalSectionRawMutex))
/// is `Sync` and can be a `static`: tasks of loops on several threads meet
/// at it, and [`trigger`](Self::trigger) may come from another thread or an
/// interrupt handler. It has no action: the action is a closure that need
/// not be `Send`, and the last arriver, which runs it, may be another thread
/// or an interrupt; a task that waits on it can do the work instead. A task
/// waiting on a `cs::Barrier` counts as waiting on the outside world (its
/// loop idles rather than reporting a deadlock).
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
pub struct Barrier<M: RawMutex = NoopRawMutex> {
    parties: usize,
    state: Mutex<M, State<M>>,
    /// The trip action (plain barrier only; never inside the lock's state,
    /// which must be `Send` for a `cs::Barrier` to be `Sync`).
    action: M::Slot<Box<dyn FnMut()>>,
}

struct State<M> {
    /// Parties still to arrive this round.
    remaining: Cell<usize>,
    waiters: RefCell<WaitList<M>>,
}

impl<M: RawMutex> Barrier<M> {
    /// A barrier for `parties` tasks, with no action; `const`, so a
    /// [`cs::Barrier`](crate::sync::cs::Barrier) can be a `static`.
    ///
    /// # Panics
    /// If `parties` is 0: such a barrier could never trip (peterhinch's
    /// raises `ValueError("Too many tasks accessing Barrier")` at the first
    /// arrival instead). In a `static`, that is a compile-time error.
    ///
    /// ```
    /// let b = uasyncio::Barrier::new(2);
    /// assert!(!b.busy());
    /// static MEET: uasyncio::sync::cs::Barrier = uasyncio::sync::cs::Barrier::new(3);
    /// assert_eq!(MEET.parties(), 3);
    /// ```
    ///
    /// ```compile_fail,E0080
    /// // error: "Barrier::new(0): a barrier needs at least 1 party; ..."
    /// static NOBODY: uasyncio::sync::cs::Barrier = uasyncio::sync::cs::Barrier::new(0);
    /// ```
    pub const fn new(parties: usize) -> Self {
        assert!(
            parties > 0,
            "Barrier::new(0): a barrier needs at least 1 party; give the number of tasks that meet at it"
        );
        Barrier {
            parties,
            state: Mutex::new(State { remaining: Cell::new(parties), waiters: RefCell::new(WaitList::new()) }),
            action: <M::Slot<Box<dyn FnMut()>> as Slot<_>>::EMPTY,
        }
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
        self.state.lock(|s| s.remaining.get() < self.parties)
    }

    /// Arrives without waiting; true if this arrival tripped the barrier
    /// (then the action has run and the waiters are woken). On a
    /// [`cs::Barrier`](crate::sync::cs::Barrier), safe from an interrupt
    /// handler or another thread.
    ///
    /// ```
    /// let b = uasyncio::Barrier::new(2);
    /// assert!(!b.trigger());
    /// assert!(b.trigger());
    /// ```
    pub fn trigger(&self) -> bool {
        self.state.lock(|s| self.arrive(s))
    }

    /// One arrival, with the state locked; true if it tripped the barrier.
    fn arrive(&self, s: &State<M>) -> bool {
        let remaining = s.remaining.get() - 1;
        if remaining > 0 {
            s.remaining.set(remaining);
            return false;
        }
        // Taken out while it runs, so the action may use the barrier (no
        // borrow of the state is held meanwhile). Only a plain barrier has
        // one, whose lock is no lock.
        if let Some(mut action) = self.action.take() {
            action();
            self.action.restore(action);
        }
        s.remaining.set(self.parties);
        s.waiters.borrow_mut().notify_all();
        true
    }

    /// Arrives and waits until the barrier trips (Python's `await barrier`).
    /// The arrival counts when the future is first polled (in the same
    /// lock as its place in the wait list, so a trip cannot slip in
    /// between); a waiter cancelled before the trip leaves the wait list,
    /// and its arrival is taken back.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let b = uasyncio::Barrier::new(1);
    ///     b.wait().await; // the only party: trips at once
    /// });
    /// ```
    pub fn wait(&self) -> BarrierWait<'_, M> {
        BarrierWait { barrier: self, key: None, counted: M::Waiter::new() }
    }
}

impl Barrier<NoopRawMutex> {
    /// A barrier for `parties` tasks that runs `action` each time it trips.
    /// To start a coroutine there (peterhinch's `Barrier(n, coro)`), call
    /// [`create_task`](crate::create_task) in the action. Only on the plain
    /// barrier (see [`Barrier`] for why a `cs::Barrier` has none).
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
        let barrier = Self::new(parties);
        barrier.action.set(Some(Box::new(action)));
        barrier
    }
}

impl<M: RawMutex> fmt::Debug for Barrier<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (remaining, waiters) = self.state.lock(|s| (s.remaining.get(), s.waiters.borrow().len()));
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("remaining", &remaining)
            .field("waiters", &waiters)
            .finish()
    }
}

/// The future of [`Barrier::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct BarrierWait<'a, M: RawMutex = NoopRawMutex> {
    barrier: &'a Barrier<M>,
    key: Option<WaitKey>,
    counted: M::Waiter,
}

impl<M: RawMutex> Unpin for BarrierWait<'_, M> {}

impl<M: RawMutex> Future for BarrierWait<'_, M> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let (barrier, key) = (this.barrier, &mut this.key);
        // Arrival and the place in the wait list under one lock: a trip
        // from another thread cannot fall between them.
        let ready = barrier.state.lock(|s| match *key {
            None => {
                if barrier.arrive(s) {
                    return true;
                }
                *key = Some(s.waiters.borrow_mut().push(cx.waker()));
                false
            }
            Some(_) => s.waiters.borrow_mut().take_notified_key(key, cx.waker()),
        });
        super::external::settle(&mut this.counted, ready)
    }
}

impl<M: RawMutex> Drop for BarrierWait<'_, M> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.barrier.state.lock(|s| {
                let tripped = s.waiters.borrow_mut().remove(key);
                if !tripped {
                    // Gone before the trip: this round waits for one more party.
                    s.remaining.set(s.remaining.get() + 1);
                }
            });
        }
    }
}
