//! `WaitAny` and `WaitAll`: wait on several event-like things at once
//! (peterhinch's `primitives.WaitAny` / `WaitAll`).

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::delay_ms::DelayMs;
use super::event::{Event, EventWait};
use super::flag::{FlagWait, ThreadSafeFlag};
use super::message::{Message, MessageWait};
use crate::raw::mutex::{Mutex, NoopRawMutex, RawMutex};

/// Something a task can wait on repeatedly, like an [`Event`]: what
/// [`WaitAny`] and [`WaitAll`] combine (peterhinch's "event-like objects":
/// anything with `wait()`, and `clear()` if it has one).
///
/// Implemented for [`Event`], [`Message`], [`ThreadSafeFlag`], [`DelayMs`]
/// (runs out), [`Elo`](crate::Elo) (its task ends), [`WaitAny`], [`WaitAll`],
/// and references and `Rc`s of any of them. A type of yours implements it by handing
/// out one of their futures.
///
/// ```
/// use uasyncio::Waitable;
/// struct Door {
///     opened: uasyncio::Event,
/// }
/// impl Waitable for Door {
///     type Wait<'a> = uasyncio::sync::EventWait<'a>;
///     fn wait(&self) -> Self::Wait<'_> {
///         self.opened.wait()
///     }
/// }
/// uasyncio::run_virtual(async {
///     let door = Door { opened: uasyncio::Event::new() };
///     door.opened.set();
///     Waitable::wait(&door).await;
/// });
/// ```
pub trait Waitable {
    /// The future of one wait. `Unpin`, so the combinators keep theirs in
    /// place without allocating.
    type Wait<'a>: Future + Unpin
    where
        Self: 'a;

    /// Starts a wait.
    fn wait(&self) -> Self::Wait<'_>;

    /// Resets what can be reset (an event's flag); nothing by default.
    fn clear(&self) {}
}

impl<W: Waitable + ?Sized> Waitable for &W {
    type Wait<'a>
        = W::Wait<'a>
    where
        Self: 'a;

    fn wait(&self) -> Self::Wait<'_> {
        (**self).wait()
    }

    fn clear(&self) {
        (**self).clear();
    }
}

impl<W: Waitable + ?Sized> Waitable for alloc::rc::Rc<W> {
    type Wait<'a>
        = W::Wait<'a>
    where
        Self: 'a;

    fn wait(&self) -> Self::Wait<'_> {
        (**self).wait()
    }

    fn clear(&self) {
        (**self).clear();
    }
}

impl<R: RawMutex> Waitable for Event<R> {
    type Wait<'a>
        = EventWait<'a, R>
    where
        R: 'a;

    fn wait(&self) -> EventWait<'_, R> {
        Event::wait(self)
    }

    fn clear(&self) {
        Event::clear(self);
    }
}

impl<T: Clone> Waitable for Message<T> {
    type Wait<'a>
        = MessageWait<'a, T>
    where
        T: 'a;

    fn wait(&self) -> MessageWait<'_, T> {
        Message::wait(self)
    }

    fn clear(&self) {
        Message::clear(self);
    }
}

impl Waitable for ThreadSafeFlag {
    type Wait<'a> = FlagWait<'a>;

    fn wait(&self) -> FlagWait<'_> {
        ThreadSafeFlag::wait(self)
    }

    fn clear(&self) {
        ThreadSafeFlag::clear(self);
    }
}

impl Waitable for DelayMs {
    type Wait<'a> = EventWait<'a>;

    fn wait(&self) -> EventWait<'_> {
        DelayMs::wait(self)
    }

    fn clear(&self) {
        DelayMs::clear(self);
    }
}

/// A fixed set of [`Waitable`]s: a tuple of up to 8 (of any types) or an
/// array. What [`WaitAny`] and [`WaitAll`] wait on. The waits in flight are
/// kept in the set's own storage type, so waiting allocates nothing.
pub trait WaitSet {
    /// The waits in flight, one slot per member (`None` once it finished).
    type Waits<'a>
    where
        Self: 'a;

    /// Starts one wait per member.
    fn start(&self) -> Self::Waits<'_>;

    /// Polls every unfinished member, in order; the index of the first one
    /// that finished, if any.
    fn poll_any(waits: &mut Self::Waits<'_>, cx: &mut Context<'_>) -> Poll<usize>;

    /// Polls every unfinished member; ready once all have finished.
    fn poll_all(waits: &mut Self::Waits<'_>, cx: &mut Context<'_>) -> Poll<()>;

    /// Clears every member.
    fn clear(&self);
}

/// Polls one slot; true if it finished (now or before).
fn poll_slot<F: Future + Unpin>(slot: &mut Option<F>, cx: &mut Context<'_>) -> bool {
    match slot {
        None => true,
        Some(fut) => {
            if Pin::new(fut).poll(cx).is_ready() {
                *slot = None;
                true
            } else {
                false
            }
        }
    }
}

macro_rules! tuple_wait_set {
    ($($name:ident $index:tt),+) => {
        impl<$($name: Waitable),+> WaitSet for ($($name,)+) {
            type Waits<'a> = ($(Option<$name::Wait<'a>>,)+) where Self: 'a;

            fn start(&self) -> Self::Waits<'_> {
                ($(Some(self.$index.wait()),)+)
            }

            fn poll_any(waits: &mut Self::Waits<'_>, cx: &mut Context<'_>) -> Poll<usize> {
                $(
                    if waits.$index.is_some() && poll_slot(&mut waits.$index, cx) {
                        return Poll::Ready($index);
                    }
                )+
                Poll::Pending
            }

            fn poll_all(waits: &mut Self::Waits<'_>, cx: &mut Context<'_>) -> Poll<()> {
                let mut all = true;
                $( all &= poll_slot(&mut waits.$index, cx); )+
                if all { Poll::Ready(()) } else { Poll::Pending }
            }

            fn clear(&self) {
                $( self.$index.clear(); )+
            }
        }
    };
}

tuple_wait_set!(A 0);
tuple_wait_set!(A 0, B 1);
tuple_wait_set!(A 0, B 1, C 2);
tuple_wait_set!(A 0, B 1, C 2, D 3);
tuple_wait_set!(A 0, B 1, C 2, D 3, E 4);
tuple_wait_set!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_wait_set!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_wait_set!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

impl<W: Waitable, const N: usize> WaitSet for [W; N] {
    type Waits<'a>
        = [Option<W::Wait<'a>>; N]
    where
        Self: 'a;

    fn start(&self) -> Self::Waits<'_> {
        core::array::from_fn(|i| Some(self[i].wait()))
    }

    fn poll_any(waits: &mut Self::Waits<'_>, cx: &mut Context<'_>) -> Poll<usize> {
        for (i, slot) in waits.iter_mut().enumerate() {
            if slot.is_some() && poll_slot(slot, cx) {
                return Poll::Ready(i);
            }
        }
        Poll::Pending
    }

    fn poll_all(waits: &mut Self::Waits<'_>, cx: &mut Context<'_>) -> Poll<()> {
        let mut all = true;
        for slot in waits.iter_mut() {
            all &= poll_slot(slot, cx);
        }
        if all { Poll::Ready(()) } else { Poll::Pending }
    }

    fn clear(&self) {
        self.iter().for_each(Waitable::clear);
    }
}

/// Waits until any one of a set of events is set (peterhinch's `WaitAny`).
///
/// The set is a tuple (of any [`Waitable`] types, up to 8) or an array;
/// members may be `WaitAny`/`WaitAll` themselves. [`wait`](Self::wait)
/// gives the index of the member that fired (peterhinch's returns the
/// object; [`event`](Self::event) gives the same index later). If several
/// are set when it looks, the lowest index wins. A `WaitAny` is reusable:
/// each `wait` starts fresh waits, and dropping it (cancellation, a
/// timeout) leaves every member's wait list.
///
/// `uasyncio::WaitAny<S>` is this type with [`NoopRawMutex`]
/// (single-threaded, not `Sync`). [`cs::WaitAny`](crate::sync::cs::WaitAny)
/// keeps the index of the member that fired in a critical section: with
/// `Sync` members (a [`cs::Event`](crate::sync::cs::Event),
/// [`ThreadSafeFlag`], [`Message`]) it is `Sync` and can be a `static`,
/// its members set from other threads or interrupt handlers.
///
/// ```
/// use std::rc::Rc;
/// uasyncio::run_virtual(async {
///     let events = Rc::new((uasyncio::Event::new(), uasyncio::Event::new()));
///     let e = events.clone();
///     uasyncio::create_task(async move {
///         uasyncio::sleep_ms(10).await;
///         e.1.set();
///     });
///     let any = uasyncio::WaitAny::new((&events.0, &events.1));
///     assert_eq!(any.wait().await, 1);
///     assert_eq!(any.event(), Some(1));
/// });
/// ```
pub struct WaitAny<S, M: RawMutex = NoopRawMutex> {
    members: S,
    fired: Mutex<M, core::cell::Cell<Option<usize>>>,
}

impl<S: WaitSet, M: RawMutex> WaitAny<S, M> {
    /// Combines `members` (a tuple or an array of [`Waitable`]s); `const`,
    /// so a [`cs::WaitAny`](crate::sync::cs::WaitAny) can be a `static`.
    ///
    /// ```
    /// let e = uasyncio::Event::new();
    /// let _any = uasyncio::WaitAny::new([&e]);
    /// ```
    pub const fn new(members: S) -> Self {
        WaitAny { members, fired: Mutex::new(core::cell::Cell::new(None)) }
    }

    /// Waits until a member fires; gives its index.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let (a, b) = (uasyncio::Event::new(), uasyncio::Event::new());
    ///     a.set();
    ///     b.set();
    ///     assert_eq!(uasyncio::WaitAny::new((&a, &b)).wait().await, 0);
    /// });
    /// ```
    pub fn wait(&self) -> WaitAnyFuture<'_, S, M> {
        WaitAnyFuture { any: self, waits: self.members.start() }
    }

    /// The index of the member that ended the last `wait`.
    ///
    /// ```
    /// let e = uasyncio::Event::new();
    /// assert_eq!(uasyncio::WaitAny::new([&e]).event(), None);
    /// ```
    pub fn event(&self) -> Option<usize> {
        self.fired.lock(|f| f.get())
    }

    /// Clears every member (peterhinch's `clear()`).
    ///
    /// ```
    /// let e = uasyncio::Event::new();
    /// e.set();
    /// uasyncio::WaitAny::new([&e]).clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        self.members.clear();
    }

    /// The members.
    ///
    /// ```
    /// let e = uasyncio::Event::new();
    /// assert!(!uasyncio::WaitAny::new([&e]).members()[0].is_set());
    /// ```
    pub fn members(&self) -> &S {
        &self.members
    }
}

impl<S, M: RawMutex> fmt::Debug for WaitAny<S, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fired = self.fired.lock(|f| f.get());
        f.debug_struct("WaitAny").field("event", &fired).finish_non_exhaustive()
    }
}

/// The future of [`WaitAny::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct WaitAnyFuture<'a, S: WaitSet + 'a, M: RawMutex = NoopRawMutex> {
    any: &'a WaitAny<S, M>,
    waits: S::Waits<'a>,
}

impl<'a, S: WaitSet + 'a, M: RawMutex> Unpin for WaitAnyFuture<'a, S, M> {}

impl<'a, S: WaitSet + 'a, M: RawMutex> Future for WaitAnyFuture<'a, S, M> {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let this = self.get_mut();
        // The members are polled outside the lock (each locks its own
        // state); only the record of which one fired is guarded here.
        let fired = S::poll_any(&mut this.waits, cx);
        if let Poll::Ready(index) = fired {
            this.any.fired.lock(|f| f.set(Some(index)));
        }
        fired
    }
}

/// Waits until every one of a set of events has been set (peterhinch's
/// `WaitAll`). Each member counts once it has fired during this wait, even
/// if it was cleared again since.
///
/// It keeps no state besides its members, so it is `Sync` when they are
/// (`cs` events, [`ThreadSafeFlag`]s, [`Message`]s): then it can be a
/// `static` (named [`cs::WaitAll`](crate::sync::cs::WaitAll) there too).
///
/// ```
/// use std::rc::Rc;
/// uasyncio::run_virtual(async {
///     let events = Rc::new([uasyncio::Event::new(), uasyncio::Event::new()]);
///     let e = events.clone();
///     uasyncio::create_task(async move {
///         for event in e.iter() {
///             uasyncio::sleep_ms(10).await;
///             event.set();
///             event.clear(); // still counted
///         }
///     });
///     uasyncio::WaitAll::new([&events[0], &events[1]]).wait().await;
///     assert_eq!(uasyncio::time::ticks_ms(), 20);
/// });
/// ```
pub struct WaitAll<S> {
    members: S,
}

impl<S: WaitSet> WaitAll<S> {
    /// Combines `members` (a tuple or an array of [`Waitable`]s).
    ///
    /// ```
    /// let e = uasyncio::Event::new();
    /// let _all = uasyncio::WaitAll::new((&e,));
    /// ```
    pub const fn new(members: S) -> Self {
        WaitAll { members }
    }

    /// Waits until every member has fired.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let (a, b) = (uasyncio::Event::new(), uasyncio::Event::new());
    ///     a.set();
    ///     b.set();
    ///     uasyncio::WaitAll::new((&a, &b)).wait().await;
    /// });
    /// ```
    pub fn wait(&self) -> WaitAllFuture<'_, S> {
        WaitAllFuture { waits: self.members.start() }
    }

    /// Clears every member.
    ///
    /// ```
    /// let e = uasyncio::Event::new();
    /// e.set();
    /// uasyncio::WaitAll::new([&e]).clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        self.members.clear();
    }

    /// The members.
    ///
    /// ```
    /// let e = uasyncio::Event::new();
    /// assert_eq!(uasyncio::WaitAll::new([&e]).members().len(), 1);
    /// ```
    pub fn members(&self) -> &S {
        &self.members
    }
}

impl<S> fmt::Debug for WaitAll<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitAll").finish_non_exhaustive()
    }
}

/// The future of [`WaitAll::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct WaitAllFuture<'a, S: WaitSet + 'a> {
    waits: S::Waits<'a>,
}

impl<'a, S: WaitSet + 'a> Unpin for WaitAllFuture<'a, S> {}

impl<'a, S: WaitSet + 'a> Future for WaitAllFuture<'a, S> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        S::poll_all(&mut self.get_mut().waits, cx)
    }
}

impl<S: WaitSet, M: RawMutex> Waitable for WaitAny<S, M> {
    type Wait<'a>
        = WaitAnyFuture<'a, S, M>
    where
        S: 'a,
        M: 'a;

    fn wait(&self) -> WaitAnyFuture<'_, S, M> {
        WaitAny::wait(self)
    }

    fn clear(&self) {
        WaitAny::clear(self);
    }
}

impl<S: WaitSet> Waitable for WaitAll<S> {
    type Wait<'a>
        = WaitAllFuture<'a, S>
    where
        S: 'a;

    fn wait(&self) -> WaitAllFuture<'_, S> {
        WaitAll::wait(self)
    }

    fn clear(&self) {
        WaitAll::clear(self);
    }
}
