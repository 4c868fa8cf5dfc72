//! Synchronisation between tasks: MicroPython's `Event`, `ThreadSafeFlag`,
//! `Lock`, and the `Queue`, `Semaphore`, `BoundedSemaphore`, `Condition`,
//! `Barrier`, `RingbufQueue`, `Message`, `Delay_ms` (`DelayMs`), `Broker`,
//! `WaitAny`, `WaitAll` and `ELO` (`Elo`) of peterhinch's micropython-async
//! primitives.
//!
//! They are single-threaded: share one between tasks through an `Rc`, or,
//! as a MicroPython global, in a `static` wrapped in a [`Local`] (`static
//! LOCK: Local<Lock> = Local::new(Lock::new);`, with `std`).

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
pub use barrier::{Barrier, BarrierWait};
pub use broker::{Agent, Broker, NotSubscribed, TopicPattern};
pub use condition::{Condition, ConditionGuard};
pub use delay_ms::{DelayError, DelayMs};
pub use elo::Elo;
pub use event::{Event, EventWait};
pub use flag::{FlagWait, ThreadSafeFlag};
pub use lock::{Acquire, Lock, LockGuard};
pub use message::{Message, MessageWait};
pub use queue::{Get, Join, Put, Queue, QueueEmpty, QueueFull};
pub use ringbuf_queue::{RingbufGet, RingbufPut, RingbufQueue};
pub use semaphore::{BoundedSemaphore, OverReleased, Semaphore, SemaphoreAcquire, SemaphoreGuard};
pub use wait_any::{WaitAll, WaitAllFuture, WaitAny, WaitAnyFuture, WaitSet, Waitable};
