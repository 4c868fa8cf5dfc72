//! Synchronisation between tasks: `Event`, `ThreadSafeFlag`, `Lock`, `Queue`.

mod event;
mod flag;
mod lock;
mod queue;
mod waitlist;

pub use event::{Event, EventWait};
pub use flag::{FlagWait, ThreadSafeFlag};
pub use lock::{Acquire, Lock, LockGuard};
pub use queue::{Get, Join, Put, Queue, QueueEmpty, QueueFull};
