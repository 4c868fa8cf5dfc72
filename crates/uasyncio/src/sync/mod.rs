//! Synchronisation between tasks: MicroPython's `Event`, `ThreadSafeFlag`,
//! `Lock`, and the `Queue`, `Semaphore`, `BoundedSemaphore`, `Condition`,
//! `Barrier`, `RingbufQueue`, `Message`, `Delay_ms` (`DelayMs`), `Broker`,
//! `WaitAny`, `WaitAll` and `ELO` (`Elo`) of peterhinch's micropython-async
//! primitives.
//!
//! The plain ones are single-threaded: share one between tasks through an
//! `Rc`, or, as a MicroPython global, in a `static` wrapped in a `Local`
//! (`static LOCK: Local<Lock> = Local::new(Lock::new);`, with `std`).
//! For a `static` on `no_std`, or one shared with interrupt handlers or
//! other threads, use the critical-section ones in [`cs`]: `static READY:
//! cs::Event = cs::Event::new();`. Both are the same [`generic`] types
//! with another [`raw_mutex`]; the plain path is unchanged by it (no
//! locking, not one instruction added). [`ThreadSafeFlag`], [`Message`]
//! and [`RingbufQueue`] are `Sync` as they are (and also listed in `cs`).

mod barrier;
mod broker;
mod condition;
mod delay_ms;
mod elo;
mod event;
mod external;
mod flag;
mod lock;
mod message;
mod queue;
mod ringbuf_queue;
mod semaphore;
mod wait_any;
mod waitlist;

#[cfg(feature = "std")]
pub use crate::raw::Local;
pub use barrier::BarrierWait;
pub use broker::{Agent, NotSubscribed, TopicPattern};
pub use condition::ConditionGuard;
pub use delay_ms::{DelayError, DelayMs};
pub use elo::{AlreadyWatching, Elo, NotWatching};
pub use event::EventWait;
pub use flag::{FlagWait, ThreadSafeFlag};
pub use lock::{Acquire, LockGuard};
pub use message::{Message, MessageWait};
pub use queue::{Get, Join, Put, QueueEmpty, QueueFull};
pub use ringbuf_queue::{RingbufGet, RingbufPut, RingbufQueue};
pub use semaphore::{OverReleased, SemaphoreAcquire, SemaphoreGuard};
pub use wait_any::{WaitAll, WaitAllFuture, WaitAnyFuture, WaitSet, Waitable};

/// A flag tasks can wait for (MicroPython's `asyncio.Event`): the
/// single-threaded [`generic::Event`]. For a `static`, see [`cs::Event`].
///
/// ```
/// let ready = uasyncio::Event::new();
/// ready.set();
/// assert!(ready.is_set());
/// ```
pub type Event = generic::Event<raw_mutex::NoopRawMutex>;

/// A first-in first-out queue between tasks: the single-threaded
/// [`generic::Queue`]. For one fed from an interrupt, see [`cs::Queue`].
///
/// ```
/// let q = uasyncio::Queue::new(4);
/// q.put_nowait(1).unwrap();
/// assert_eq!(q.get_nowait(), Ok(1));
/// ```
pub type Queue<T> = generic::Queue<T, raw_mutex::NoopRawMutex>;

/// A lock held across `await` points (MicroPython's `asyncio.Lock`): the
/// single-threaded [`generic::Lock`]. For a `static`, see [`cs::Lock`].
///
/// ```
/// uasyncio::run_virtual(async {
///     let lock = uasyncio::Lock::new();
///     let _guard = lock.acquire().await;
///     assert!(lock.locked());
/// });
/// ```
pub type Lock = generic::Lock<raw_mutex::NoopRawMutex>;

/// At most N holders at once (peterhinch's `Semaphore`): the
/// single-threaded [`generic::Semaphore`]. For a `static`, see
/// [`cs::Semaphore`].
///
/// ```
/// let s = uasyncio::Semaphore::new(2);
/// assert_eq!(s.available(), 2);
/// ```
pub type Semaphore = generic::Semaphore<raw_mutex::NoopRawMutex>;

/// A [`Semaphore`] that refuses to be released past its initial value: the
/// single-threaded [`generic::BoundedSemaphore`]. For a `static`, see
/// [`cs::BoundedSemaphore`].
///
/// ```
/// let s = uasyncio::BoundedSemaphore::new(1);
/// assert!(s.release().is_err());
/// ```
pub type BoundedSemaphore = generic::BoundedSemaphore<raw_mutex::NoopRawMutex>;

/// A condition variable with its own lock (peterhinch's `Condition`): the
/// single-threaded [`generic::Condition`]. For a `static`, see
/// [`cs::Condition`].
///
/// ```
/// let c = uasyncio::Condition::new();
/// assert!(!c.locked());
/// ```
pub type Condition = generic::Condition<raw_mutex::NoopRawMutex>;

/// A meeting point for a fixed number of tasks (peterhinch's `Barrier`):
/// the single-threaded [`generic::Barrier`], the one with a trip action
/// ([`with_action`](generic::Barrier::with_action)). For a `static`, see
/// [`cs::Barrier`].
///
/// ```
/// let b = uasyncio::Barrier::new(2);
/// assert!(!b.trigger());
/// assert!(b.trigger()); // the second party: trips
/// ```
pub type Barrier = generic::Barrier<raw_mutex::NoopRawMutex>;

/// Waits until any one of a set of events is set (peterhinch's `WaitAny`):
/// the single-threaded [`generic::WaitAny`]. For a `static`, see
/// [`cs::WaitAny`].
///
/// ```
/// uasyncio::run_virtual(async {
///     let (a, b) = (uasyncio::Event::new(), uasyncio::Event::new());
///     b.set();
///     assert_eq!(uasyncio::WaitAny::new((&a, &b)).wait().await, 1);
/// });
/// ```
pub type WaitAny<S> = generic::WaitAny<S, raw_mutex::NoopRawMutex>;

/// A message broker (peterhinch's `Broker`): the single-threaded
/// [`generic::Broker`], whose agents are `Rc`s. For a `static` used from
/// any thread, see [`cs::Broker`].
///
/// ```
/// use std::rc::Rc;
/// let broker = uasyncio::Broker::new();
/// let alarm = Rc::new(uasyncio::Event::new());
/// broker.subscribe("overheat", alarm.clone());
/// broker.publish("overheat", 95);
/// assert!(alarm.is_set());
/// ```
pub type Broker<T, M> = generic::Broker<T, M, raw_mutex::NoopRawMutex>;

/// The primitives, generic over how they guard their state
/// ([`raw_mutex`]). Users name them through the aliases: `uasyncio::Event`
/// (no locking) or [`cs::Event`] (a critical section).
///
/// ```
/// use uasyncio::sync::generic::Event;
/// use uasyncio::sync::raw_mutex::NoopRawMutex;
/// let e: Event<NoopRawMutex> = Event::new();
/// assert!(!e.is_set());
/// ```
pub mod generic {
    pub use super::barrier::Barrier;
    pub use super::broker::{Broker, BrokerMutex};
    pub use super::condition::Condition;
    pub use super::event::Event;
    pub use super::lock::Lock;
    pub use super::queue::Queue;
    pub use super::semaphore::{BoundedSemaphore, Semaphore};
    pub use super::wait_any::WaitAny;
}

/// How a primitive guards its state: [`NoopRawMutex`](raw_mutex::NoopRawMutex)
/// (single-threaded) or [`CriticalSectionRawMutex`](raw_mutex::CriticalSectionRawMutex)
/// (interrupts and threads).
///
/// ```
/// use uasyncio::sync::raw_mutex::CriticalSectionRawMutex;
/// let e = uasyncio::sync::generic::Event::<CriticalSectionRawMutex>::new();
/// e.set();
/// ```
pub mod raw_mutex {
    pub use crate::raw::mutex::{CriticalSectionRawMutex, NoopRawMutex, RawMutex};
}

/// The primitives for a `static` shared with interrupt handlers or other
/// threads: their state is guarded by a critical section (the
/// `critical-section` crate; the board provides it on `no_std`, `std`
/// provides a process-wide lock). They are `Sync` (a `Queue<T>` for `T:
/// Send`); their non-async operations (`Event::set`, `Queue::put_nowait`
/// and `get_nowait`, `Semaphore::release`, `Message::set`,
/// `RingbufQueue::put_nowait`, `ThreadSafeFlag::set`, `Barrier::trigger`;
/// dropping a `Lock`'s guard) may be called from an interrupt handler or
/// another thread, while tasks await them as usual. Here:
/// [`Event`](cs::Event), [`Queue`](cs::Queue), [`Lock`](cs::Lock),
/// [`Semaphore`](cs::Semaphore),
/// [`BoundedSemaphore`](cs::BoundedSemaphore),
/// [`Condition`](cs::Condition), [`Barrier`](cs::Barrier) (without a trip
/// action), [`WaitAny`](cs::WaitAny) and [`WaitAll`](cs::WaitAll) (`Sync`
/// when their members are: `cs` ones), [`Broker`](cs::Broker) (subscribe
/// and publish from any thread, to `&'static` `Sync` agents),
/// [`Elo`](cs::Elo) (made unbound; started by a task of one loop, waited
/// on by tasks of any loop, cancelled from any thread), and the
/// always-`Sync` [`Message`], [`RingbufQueue`] and [`ThreadSafeFlag`]
/// (MicroPython's way to signal a task from an interrupt: a self-clearing
/// flag for one waiting task, the smallest of them). [`DelayMs`] has no
/// `cs` variant: it is a task of one loop, on that loop's clock (see its
/// documentation for the way to trigger one from elsewhere). A task
/// waiting on one
/// counts as waiting on the outside world: a loop with nothing else to do
/// idles for it instead of reporting a deadlock.
///
/// ```
/// use uasyncio::sync::cs;
///
/// static READY: cs::Event = cs::Event::new();
///
/// let setter = std::thread::spawn(|| {
///     std::thread::sleep(std::time::Duration::from_millis(10));
///     READY.set(); // from another thread
/// });
/// uasyncio::new_event_loop().run_until_complete(async { READY.wait().await });
/// setter.join().unwrap();
/// assert!(READY.is_set());
/// ```
///
/// The plain primitives have no lock, so they cannot be a `static`:
///
/// ```compile_fail,E0277
/// static READY: uasyncio::Event = uasyncio::Event::new(); // `Event` is not `Sync`
/// ```
///
/// nor can a plain `Barrier` (its `new` is `const`, but it is not `Sync`):
///
/// ```compile_fail,E0277
/// static MEET: uasyncio::Barrier = uasyncio::Barrier::new(2); // `Barrier` is not `Sync`
/// ```
///
/// nor a plain `WaitAny`, even of `cs` members (the index of the member
/// that fired is not guarded):
///
/// ```compile_fail,E0277
/// use uasyncio::sync::cs;
/// static A: cs::Event = cs::Event::new();
/// static ANY: uasyncio::WaitAny<(&cs::Event,)> = uasyncio::WaitAny::new((&A,)); // not `Sync`
/// ```
///
/// and a `WaitAll` is only as `Sync` as its members:
///
/// ```compile_fail,E0277
/// fn shared<T: Sync>(_: &T) {}
/// let (a, b) = (uasyncio::Event::new(), uasyncio::Event::new());
/// shared(&uasyncio::WaitAll::new((&a, &b))); // `uasyncio::Event` is not `Sync`
/// ```
///
/// nor can the plain `Broker` or `Elo` (they hold `Rc`s):
///
/// ```compile_fail,E0277
/// static BROKER: uasyncio::Broker<&str, u32> = uasyncio::Broker::new(); // its state has no lock: not `Sync`
/// ```
///
/// ```compile_fail,E0277
/// fn shared<T: Sync>(_: &T) {}
/// uasyncio::run_virtual(async {
///     let job = uasyncio::Elo::new(async {});
///     shared(&job); // it holds an `Rc`: not `Sync`
/// });
/// ```
///
/// A `cs::Broker` takes only `Sync` agents:
///
/// ```compile_fail,E0277
/// use uasyncio::sync::cs;
/// static BROKER: cs::Broker<&str, u32> = cs::Broker::new();
/// let agent: &'static uasyncio::Event = Box::leak(Box::new(uasyncio::Event::new()));
/// BROKER.subscribe("t", agent); // `Event<NoopRawMutex>` is not `Sync`
/// ```
///
/// and a `cs::Queue` of items that are not `Send` is not `Sync` either:
///
/// ```compile_fail,E0277
/// fn shared<T: Sync>(_: &T) {}
/// let q: uasyncio::sync::cs::Queue<std::rc::Rc<u8>> = uasyncio::sync::cs::Queue::new(1);
/// shared(&q); // `Rc<u8>` cannot be sent between threads safely
/// ```
pub mod cs {
    use super::raw_mutex::CriticalSectionRawMutex;
    pub use super::{Message, RingbufQueue, ThreadSafeFlag};

    /// An [`Event`](super::generic::Event) whose state is guarded by a
    /// critical section: a `static`, set from anywhere.
    ///
    /// ```
    /// static BUTTON: uasyncio::sync::cs::Event = uasyncio::sync::cs::Event::new();
    /// BUTTON.set(); // e.g. in the GPIO interrupt handler
    /// uasyncio::run_virtual(async { BUTTON.wait().await });
    /// ```
    pub type Event = super::generic::Event<CriticalSectionRawMutex>;

    /// A [`Queue`](super::generic::Queue) whose state is guarded by a
    /// critical section: `Sync` for `T: Send`; `put_nowait`/`get_nowait`
    /// from anywhere. A `static` one is made with the `const`
    /// [`const_new`](super::generic::Queue::const_new).
    ///
    /// ```
    /// use uasyncio::sync::cs;
    /// static SAMPLES: cs::Queue<u16> = cs::Queue::const_new(8);
    /// SAMPLES.put_nowait(512).unwrap(); // e.g. in the ADC interrupt handler
    /// assert_eq!(uasyncio::run_virtual(async { SAMPLES.get().await }), 512);
    /// ```
    pub type Queue<T> = super::generic::Queue<T, CriticalSectionRawMutex>;

    /// A [`Lock`](super::generic::Lock) whose state is guarded by a
    /// critical section: a `static` that tasks of loops on several threads
    /// share.
    ///
    /// ```
    /// static BUS: uasyncio::sync::cs::Lock = uasyncio::sync::cs::Lock::new();
    /// uasyncio::run_virtual(async {
    ///     let _guard = BUS.acquire().await;
    ///     assert!(BUS.locked());
    /// });
    /// assert!(!BUS.locked());
    /// ```
    pub type Lock = super::generic::Lock<CriticalSectionRawMutex>;

    /// A [`Semaphore`](super::generic::Semaphore) whose state is guarded by
    /// a critical section: a `static` whose `release` may come from an
    /// interrupt handler or another thread.
    ///
    /// ```
    /// static SLOTS: uasyncio::sync::cs::Semaphore = uasyncio::sync::cs::Semaphore::new(0);
    /// std::thread::spawn(|| SLOTS.release()).join().unwrap(); // one permit, from a thread
    /// uasyncio::run_virtual(async { SLOTS.acquire().await.forget() });
    /// assert_eq!(SLOTS.available(), 0);
    /// ```
    pub type Semaphore = super::generic::Semaphore<CriticalSectionRawMutex>;

    /// A [`BoundedSemaphore`](super::generic::BoundedSemaphore) whose state
    /// is guarded by a critical section.
    ///
    /// ```
    /// static POOL: uasyncio::sync::cs::BoundedSemaphore = uasyncio::sync::cs::BoundedSemaphore::new(1);
    /// assert!(POOL.release().is_err()); // all permits are free already
    /// ```
    pub type BoundedSemaphore = super::generic::BoundedSemaphore<CriticalSectionRawMutex>;

    /// A [`Condition`](super::generic::Condition) whose state (its lock and
    /// its waiters) is guarded by a critical section: a `static` shared by
    /// tasks of loops on several threads.
    ///
    /// ```
    /// static READY: uasyncio::sync::cs::Condition = uasyncio::sync::cs::Condition::new();
    /// uasyncio::run_virtual(async {
    ///     let guard = READY.acquire().await;
    ///     guard.notify_all(); // nobody waits yet: nothing happens
    ///     assert_eq!(READY.waiting(), 0);
    /// });
    /// ```
    pub type Condition = super::generic::Condition<CriticalSectionRawMutex>;

    /// A [`Barrier`](super::generic::Barrier) whose state is guarded by a
    /// critical section: a `static` at which tasks of loops on several
    /// threads meet, and whose [`trigger`](super::generic::Barrier::trigger)
    /// may come from another thread or an interrupt handler. It has no trip
    /// action: the plain one's is a closure that need not be `Send`, and the
    /// last arriver, which would run it, may be another thread or an
    /// interrupt.
    ///
    /// ```
    /// use uasyncio::sync::cs;
    /// static MEET: cs::Barrier = cs::Barrier::new(2);
    /// let other = std::thread::spawn(|| MEET.trigger()); // one party, from a thread
    /// uasyncio::new_event_loop().run_until_complete(async { MEET.wait().await });
    /// other.join().unwrap();
    /// assert!(!MEET.busy()); // tripped: ready for the next round
    /// ```
    pub type Barrier = super::generic::Barrier<CriticalSectionRawMutex>;

    /// A [`WaitAny`](super::generic::WaitAny) that keeps the index of the
    /// member that fired in a critical section: with `Sync` members (`cs`
    /// events, [`ThreadSafeFlag`], [`Message`], a `cs::WaitAny`, ...) it is
    /// `Sync` and can be a `static`, its members set from anywhere.
    ///
    /// ```
    /// use uasyncio::sync::cs;
    /// static STOP: cs::Event = cs::Event::new();
    /// static DATA: uasyncio::Message<u32> = uasyncio::Message::new();
    /// static ANY: cs::WaitAny<(&cs::Event, &uasyncio::Message<u32>)> = cs::WaitAny::new((&STOP, &DATA));
    ///
    /// let sender = std::thread::spawn(|| DATA.set(7)); // from another thread
    /// let fired = uasyncio::new_event_loop().run_until_complete(async { ANY.wait().await });
    /// sender.join().unwrap();
    /// assert_eq!((fired, ANY.event(), DATA.value()), (1, Some(1), Some(7)));
    /// ```
    pub type WaitAny<S> = super::generic::WaitAny<S, CriticalSectionRawMutex>;

    /// [`WaitAll`](super::WaitAll) itself (the same type): it keeps no state of its own, so
    /// it is `Sync` when its members are (a tuple or an array of `cs`
    /// events, [`ThreadSafeFlag`]s, [`Message`]s ...), and `new` is `const`.
    ///
    /// ```
    /// use uasyncio::sync::cs;
    /// static A: cs::Event = cs::Event::new();
    /// static B: cs::Event = cs::Event::new();
    /// static BOTH: cs::WaitAll<[&cs::Event; 2]> = cs::WaitAll::new([&A, &B]);
    ///
    /// let setter = std::thread::spawn(|| {
    ///     B.set();
    ///     A.set();
    /// });
    /// uasyncio::new_event_loop().run_until_complete(async { BOTH.wait().await });
    /// setter.join().unwrap();
    /// ```
    pub type WaitAll<S> = super::WaitAll<S>;

    /// A [`Broker`](super::generic::Broker) whose subscriptions are guarded
    /// by a critical section: `Sync` for `T: Send`, a `static` (`new` is
    /// `const`) whose `subscribe`, `unsubscribe` and `publish` may be
    /// called from any thread. Its agents and patterns are `&'static`
    /// references to `Sync` values (a `cs::Queue`, a `cs::Event`, a
    /// [`ThreadSafeFlag`], a [`RingbufQueue`], a `fn`); `publish` runs them
    /// on the publishing thread.
    ///
    /// ```
    /// use uasyncio::sync::cs;
    /// static BROKER: cs::Broker<&str, u16> = cs::Broker::new();
    /// static READINGS: cs::Queue<(&str, u16)> = cs::Queue::const_new(8);
    /// BROKER.subscribe("adc", &READINGS);
    /// std::thread::spawn(|| BROKER.publish("adc", 512)).join().unwrap();
    /// assert_eq!(uasyncio::run_virtual(async { READINGS.get().await }), ("adc", 512));
    /// ```
    pub type Broker<T, M> = super::generic::Broker<T, M, CriticalSectionRawMutex>;

    pub use super::elo::cs::Elo;
}
