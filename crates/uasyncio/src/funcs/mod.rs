//! Combinators: `gather` and `wait_for`.

mod gather;
mod wait_for;

#[doc(hidden)]
pub use gather::{Slot, Slots, TupleSlots, drive, gather_tuple, gather_tuple_all};
pub use gather::{gather, gather_return_exceptions, gather_tasks, gather_tasks_return_exceptions};
pub use wait_for::{TimeoutError, wait_for, wait_for_ms};
