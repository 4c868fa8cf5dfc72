//! The ready queue: tasks due now, in the order they became due.

use alloc::collections::VecDeque;
use core::ptr::NonNull;

use crate::raw::Header;

/// One runnable entry: `key` is the time (µs) the task became due. Entries
/// are in queueing order, so no sequence number is needed (16 bytes).
#[derive(Clone, Copy)]
pub(crate) struct ReadyEntry {
    pub(crate) key: u64,
    /// `None` is the marker queued by `EventLoop::stop`.
    pub(crate) task: Option<NonNull<Header>>,
}

/// FIFO of due tasks. Keys only grow at the back (the clock is monotonic);
/// a fired timer's task goes to the front and runs next.
#[derive(Default)]
pub(crate) struct ReadyQueue {
    entries: VecDeque<ReadyEntry>,
}

impl ReadyQueue {
    pub(crate) fn push_back(&mut self, entry: ReadyEntry) {
        self.entries.push_back(entry);
    }
    pub(crate) fn push_front(&mut self, entry: ReadyEntry) {
        self.entries.push_front(entry);
    }
    pub(crate) fn front(&self) -> Option<&ReadyEntry> {
        self.entries.front()
    }
    pub(crate) fn pop_front(&mut self) -> Option<ReadyEntry> {
        self.entries.pop_front()
    }
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}
