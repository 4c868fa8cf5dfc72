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
pub(crate) use external::ExternalWaiter;
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
pub use barrier::{Barrier, BarrierWait};
pub use broker::{Agent, Broker, NotSubscribed, TopicPattern};
pub use condition::{Condition, ConditionGuard};
pub use delay_ms::{DelayError, DelayMs};
pub use elo::Elo;
pub use event::EventWait;
pub use flag::{FlagWait, ThreadSafeFlag};
pub use lock::{Acquire, Lock, LockGuard};
pub use message::{Message, MessageWait};
pub use queue::{Get, Join, Put, QueueEmpty, QueueFull};
pub use ringbuf_queue::{RingbufGet, RingbufPut, RingbufQueue};
pub use semaphore::{BoundedSemaphore, OverReleased, Semaphore, SemaphoreAcquire, SemaphoreGuard};
pub use wait_any::{WaitAll, WaitAllFuture, WaitAny, WaitAnyFuture, WaitSet, Waitable};

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
    pub use super::event::Event;
    pub use super::queue::Queue;
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
/// and `get_nowait`, `Message::set`, `RingbufQueue::put_nowait`,
/// `ThreadSafeFlag::set`) may be called from an interrupt handler or
/// another thread, while tasks await them as usual. A task waiting on one
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
}
