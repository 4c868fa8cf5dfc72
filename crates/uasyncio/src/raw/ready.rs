//! The ready queue: tasks due now, in the order they became due.
//!
//! Intrusive: the link lives in each task's [`Header`](super::Header), so queueing a task
//! allocates nothing, needs no capacity of its own and touches only the task
//! and the queue's two ends. The time an entry became due (its key, which
//! the loop compares with the timers) matters only while a timer is pending:
//! an entry queued while none is pending is due before every timer armed
//! later (a timer's deadline is later than the time it is armed), so it is
//! queued without a key, and costs the queue one count. Keys are kept beside
//! the list run-length encoded: consecutive entries nearly always share one
//! (one run per loop step in virtual time, per clock tick with a real
//! clock), so a key costs no memory per task either.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::Cell;
use core::ptr::{self, NonNull};

#[cfg(test)]
use super::Header;
use super::{QueueCell, RawTask};

/// The queue link inside every task header (loop-thread only, I3).
pub(crate) struct Link {
    next: Cell<*const Link>,
}

impl Link {
    pub(crate) const fn new() -> Link {
        Link { next: Cell::new(ptr::null()) }
    }
}

/// What comes off the front of the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A task of the loop.
    Task(RawTask),
    /// The marker queued by `EventLoop::stop`.
    Stop,
}

/// The entries at positions `start..end` became due at `key` (µs).
#[derive(Clone, Copy)]
struct Run {
    start: u64,
    end: u64,
    key: u64,
}

/// The key [`ReadyQueue::front_key`] gives an entry queued without one:
/// earlier than any timer's deadline.
pub(crate) const UNKEYED: u64 = 0;

/// Where the front and back positions start: far from both ends of `u64`,
/// so neither ever wraps (2^63 pushes at either end would take centuries).
const ORIGIN: u64 = 1 << 63;

/// The runs, front first: a ring over a `Vec` whose length is its
/// capacity (a power of two, or 0 before the first push).
///
/// `VecDeque` would do, but its growth moves the wrapped part with
/// `ptr::copy`, which on a small chip links `memmove` (1.5 KB of Thumb-2)
/// for this queue alone; here a growth copies the runs one by one.
#[derive(Default)]
struct Runs {
    ring: Vec<Run>,
    /// The index of the front run in `ring`.
    head: usize,
    len: usize,
}

impl Runs {
    fn slot(&self, i: usize) -> usize {
        (self.head + i) & (self.ring.len() - 1)
    }

    fn front(&self) -> Option<&Run> {
        (self.len != 0).then(|| &self.ring[self.head])
    }

    fn front_mut(&mut self) -> Option<&mut Run> {
        (self.len != 0).then(|| &mut self.ring[self.head])
    }

    fn back_mut(&mut self) -> Option<&mut Run> {
        if self.len == 0 {
            return None;
        }
        let slot = self.slot(self.len - 1);
        Some(&mut self.ring[slot])
    }

    fn push_back(&mut self, run: Run) {
        self.grow_if_full();
        let slot = self.slot(self.len);
        self.ring[slot] = run;
        self.len += 1;
    }

    fn push_front(&mut self, run: Run) {
        self.grow_if_full();
        self.head = (self.head + self.ring.len() - 1) & (self.ring.len() - 1);
        self.ring[self.head] = run;
        self.len += 1;
    }

    fn pop_front(&mut self) {
        if self.len != 0 {
            self.head = self.slot(1);
            self.len -= 1;
        }
    }

    fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }

    /// Doubles the ring when it is full, the runs front first from index 0.
    fn grow_if_full(&mut self) {
        if self.len < self.ring.len() {
            return;
        }
        let capacity = (self.ring.len() * 2).max(4);
        let ring = (0..capacity)
            .map(|i| if i < self.len { self.ring[self.slot(i)] } else { Run { start: 0, end: 0, key: 0 } })
            .collect();
        self.ring = ring;
        self.head = 0;
    }
}

/// FIFO of due tasks; a fired timer's task may also go to the front.
///
/// Every queued task is registered in its loop, hence alive (I2), and is
/// queued at most once (its `SCHEDULED` bit says so); the loop clears the
/// queue before it releases its registry.
pub(crate) struct ReadyQueue {
    head: *const Link,
    /// The last entry; meaningful only while `head` is not null (a pop that
    /// empties the queue leaves it stale rather than spend a store on it).
    tail: *const Link,
    /// The stop marker's link (its address identifies it). Owned, on the
    /// heap: a link inside the queue itself would be invalidated as a
    /// pointee by every `&mut self`.
    stop: NonNull<Link>,
    /// The position of the front entry: entries are numbered in queue
    /// order, `push_back` takes `back`, `push_front` the one before `front`.
    front: u64,
    /// The position after the last entry.
    back: u64,
    /// The keys of the entries queued with one, front first, as runs of
    /// positions. A run that ends at or before `front` is stale (its entries
    /// have left) and is dropped when next looked at.
    runs: Runs,
}

impl Default for ReadyQueue {
    fn default() -> Self {
        ReadyQueue {
            head: ptr::null(),
            tail: ptr::null(),
            stop: NonNull::from(Box::leak(Box::new(Link::new()))),
            front: ORIGIN,
            back: ORIGIN,
            runs: Runs::default(),
        }
    }
}

impl Drop for ReadyQueue {
    fn drop(&mut self) {
        // SAFETY: `stop` came from `Box::leak` in `default` and is freed once.
        drop(unsafe { Box::from_raw(self.stop.as_ptr()) });
    }
}

impl ReadyQueue {
    fn link_of(&self, entry: Entry) -> *const Link {
        match entry {
            // `link` is the header's first field (`repr(C)`).
            Entry::Task(task) => task.as_ptr().as_ptr().cast_const().cast::<Link>(),
            Entry::Stop => self.stop.as_ptr(),
        }
    }

    /// Links `entry` in at the back.
    #[cfg_attr(feature = "std", inline)]
    fn link_back(&mut self, entry: Entry) {
        let link = self.link_of(entry);
        // SAFETY: `link` is a live task's header (see the type's doc) or
        // `self.stop`; loop thread only (I3).
        unsafe { (*link).next.set(ptr::null()) };
        if self.head.is_null() {
            self.head = link;
        } else {
            // SAFETY: the queue is not empty, so its tail is queued, so alive.
            unsafe { (*self.tail).next.set(link) };
        }
        self.tail = link;
    }

    /// Queues `entry` at the back without a key (no timer is pending: it
    /// is due before any timer armed later).
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn push_back(&mut self, entry: Entry) {
        self.link_back(entry);
        self.back += 1;
    }

    /// Queues `entry` at the back, due since `key`.
    pub(crate) fn push_back_keyed(&mut self, entry: Entry, key: u64) {
        self.link_back(entry);
        let at = self.back;
        self.back += 1;
        match self.runs.back_mut() {
            // A stale run that ends here is extended harmlessly: its
            // positions before `front` mean nothing any more.
            Some(run) if run.end == at && run.key == key => run.end += 1,
            _ => self.runs.push_back(Run { start: at, end: at + 1, key }),
        }
    }

    /// Queues `entry` at the front (it runs next), due since `key`.
    pub(crate) fn push_front(&mut self, entry: Entry, key: u64) {
        let link = self.link_of(entry);
        // SAFETY: as in `push_back`.
        unsafe { (*link).next.set(self.head) };
        if self.head.is_null() {
            self.tail = link;
        }
        self.head = link;
        self.drop_stale_runs();
        self.front -= 1;
        let at = self.front;
        match self.runs.front_mut() {
            // The run of the old front entry, with the same key.
            Some(run) if run.start <= at + 1 && run.key == key => run.start = at,
            _ => self.runs.push_front(Run { start: at, end: at + 1, key }),
        }
    }

    /// Drops the runs whose entries have all left.
    fn drop_stale_runs(&mut self) {
        while self.runs.front().is_some_and(|run| run.end <= self.front) {
            self.runs.pop_front();
        }
    }

    /// The key of the front entry ([`UNKEYED`] if it was queued without one).
    pub(crate) fn front_key(&mut self) -> Option<u64> {
        if self.head.is_null() {
            return None;
        }
        self.drop_stale_runs();
        Some(match self.runs.front() {
            Some(run) if run.start <= self.front => run.key,
            _ => UNKEYED,
        })
    }

    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn pop_front(&mut self) -> Option<Entry> {
        let link = NonNull::new(self.head.cast_mut())?;
        // SAFETY: the head is queued, so alive (see the type's doc).
        self.head = unsafe { link.as_ref() }.next.get();
        self.front += 1;
        Some(if link == self.stop {
            Entry::Stop
        } else {
            // SAFETY: a queued link is a queued task's header (its first
            // field), registered while queued, hence alive (I2).
            Entry::Task(unsafe { RawTask::from_raw(link.cast()) })
        })
    }

    pub(crate) fn len(&self) -> usize {
        (self.back - self.front) as usize
    }

    /// Forgets every entry (the loop is discarding its tasks).
    pub(crate) fn clear(&mut self) {
        self.head = ptr::null();
        self.tail = ptr::null();
        self.front = self.back;
        self.runs.clear();
    }
}

/// The loop's ready queue in its cell: each method runs one queue method
/// and nothing else (see [`QueueCell`]).
impl QueueCell<ReadyQueue> {
    /// See [`ReadyQueue::push_back`].
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn push_back(&self, entry: Entry) {
        self.with(|r| r.push_back(entry))
    }
    /// See [`ReadyQueue::push_back_keyed`].
    pub(crate) fn push_back_keyed(&self, entry: Entry, key: u64) {
        self.with(|r| r.push_back_keyed(entry, key))
    }
    /// See [`ReadyQueue::push_front`].
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn push_front(&self, entry: Entry, key: u64) {
        self.with(|r| r.push_front(entry, key))
    }
    /// See [`ReadyQueue::pop_front`].
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn pop_front(&self) -> Option<Entry> {
        self.with(|r| r.pop_front())
    }
    /// See [`ReadyQueue::front_key`].
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn front_key(&self) -> Option<u64> {
        self.with(|r| r.front_key())
    }
    /// See [`ReadyQueue::len`].
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn len(&self) -> usize {
        self.with(|r| r.len())
    }
    /// See [`ReadyQueue::clear`].
    pub(crate) fn clear(&self) {
        self.with(|r| r.clear())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::VecDeque;

    /// The queue against a plain `VecDeque` of `(entry, key)`, over a long
    /// pseudo-random mix of pushes at both ends, with and without a key, and
    /// pops (bare links stand in for task headers: the queue only ever
    /// touches the link).
    #[test]
    fn matches_a_deque_of_keyed_entries() {
        let links: Vec<Link> = (0..64).map(|_| Link::new()).collect();
        // SAFETY: each link outlives the queue in this test; only the link is read.
        let entry = |i: usize| Entry::Task(unsafe { RawTask::from_raw(NonNull::from(&links[i]).cast::<Header>()) });
        let mut queue = ReadyQueue::default();
        let mut model: VecDeque<(Entry, u64)> = VecDeque::new();
        let mut queued = [false; 64];
        let mut stop_queued = false;
        let mut unkeyed = false;
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        // Fewer steps under Miri, which checks the link handling, not the sheer count.
        for _ in 0..if cfg!(miri) { 2_000 } else { 20_000 } {
            // Keyed pushes use keys other than UNKEYED, so a wrong
            // unkeyed-or-keyed answer shows; long stretches of unkeyed
            // pushes (no timer pending) leave stale runs behind.
            let key = 1 + rand(3);
            if rand(500) == 0 {
                unkeyed = !unkeyed;
            }
            match rand(6) {
                0..=2 => {
                    let i = rand(65) as usize;
                    let front = rand(4) == 0;
                    let e = match i {
                        64 if !stop_queued => {
                            stop_queued = true;
                            Entry::Stop
                        }
                        64 => continue,
                        i if queued[i] => continue,
                        i => {
                            queued[i] = true;
                            entry(i)
                        }
                    };
                    if front {
                        queue.push_front(e, key);
                        model.push_front((e, key));
                    } else if unkeyed {
                        queue.push_back(e);
                        model.push_back((e, UNKEYED));
                    } else {
                        queue.push_back_keyed(e, key);
                        model.push_back((e, key));
                    }
                }
                _ => {
                    assert_eq!(queue.front_key(), model.front().map(|(_, k)| *k));
                    let popped = queue.pop_front();
                    assert_eq!(popped, model.pop_front().map(|(e, _)| e));
                    match popped {
                        Some(Entry::Stop) => stop_queued = false,
                        Some(Entry::Task(p)) => {
                            queued[links.iter().position(|l| ptr::eq(l, p.as_ptr().as_ptr().cast::<Link>())).unwrap()] =
                                false
                        }
                        None => {}
                    }
                }
            }
            assert_eq!(queue.len(), model.len());
            assert_eq!(queue.front_key(), model.front().map(|(_, k)| *k));
        }
        queue.clear();
        assert_eq!(queue.pop_front(), None);
        assert_eq!(queue.front_key(), None);
    }
}
