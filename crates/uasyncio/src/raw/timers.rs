//! The timer queue: an indexed binary min-heap of `(deadline, seq)`.
//!
//! Insert, remove and pop are O(log n); equal deadlines fire in insertion
//! order (`seq`, compared with wrap-around: only timers alive at the same
//! time are compared, far fewer than 2^31 apart).
//!
//! Two kinds of timer share the heap:
//!
//! - A task's **own** timer: a sleep polled with its own task's waker, the
//!   usual case. Its order and heap position live in the task's header
//!   (`timer_seq`, `timer_pos`, state bit `TIMER`), and firing it queues the
//!   task directly. It costs its 16-byte heap entry and nothing else.
//! - A **slot** timer, for every other sleep: a task's second timer (a
//!   `wait_for` around a sleep), or a sleep polled through a combinator
//!   with a waker of its own. The slot holds that waker.
//!
//! The heap holds no count on the task of an own timer: the timer is
//! removed when its sleep is dropped or fires, and in any case before the
//! task is done (`Core::complete`, `Core::discard_all`), and a task is alive
//! until then (raw I2, I6).
//!
//! Nothing allocates once the heap and the slots have grown to the peak
//! number of timers; they grow by an eighth at a time (see
//! [`push_sparingly`]).

use alloc::vec::Vec;
use core::ptr::{self, NonNull};
use core::task::Waker;

use super::{QueueCell, RawTask, push_sparingly, state};

/// Identifies one armed timer; stale keys are harmless.
///
/// A key holds the timer's id (`seq`, from `Core::next_timer_id`), which no
/// other timer of any loop has while it lives, so a key checked against a
/// loop other than its own matches nothing there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    /// A slot number, or [`OWN`] for a task's own timer.
    slot: u32,
    /// The timer's id (its `seq`).
    generation: u32,
}

impl TimerKey {
    /// Keys that never match a timer, free for the owner of a key to use as
    /// markers (`Sleep` keeps its phase in them): slot numbers this high are
    /// never handed out.
    pub(crate) const fn marker(n: u32) -> TimerKey {
        assert!(n < MARKERS);
        TimerKey { slot: u32::MAX - n, generation: 0 }
    }

    /// False for the [`marker`](Self::marker) keys.
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn is_timer(self) -> bool {
        self.slot < u32::MAX - (MARKERS - 1)
    }

    /// `n` for the key `marker(n)`; `MARKERS` or more for a timer's key.
    /// Only the slot is looked at (a timer's slot is never a marker's), so
    /// the test is one compare.
    #[inline]
    pub(crate) fn marker_index(self) -> u32 {
        u32::MAX - self.slot
    }

    /// True for the key of a task's own timer.
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn is_own(self) -> bool {
        self.slot == OWN
    }

    /// The order of an own timer.
    pub(crate) fn own_seq(self) -> u32 {
        debug_assert!(self.is_own());
        self.generation
    }
}

/// How many marker keys exist.
const MARKERS: u32 = 4;
/// The slot number of own-timer keys.
const OWN: u32 = u32::MAX - MARKERS;
/// The first slot number never handed out.
const SLOT_LIMIT: u32 = OWN;

/// `pos` of a slot that holds no armed timer.
const UNARMED: u32 = u32::MAX;

/// What a heap entry wakes: a task's header (an own timer, even address)
/// or a slot (`slot << 1 | 1`).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Who(*const ());

impl Who {
    fn task(task: RawTask) -> Who {
        // Headers are 8-aligned, so the low bit is free.
        Who(task.as_ptr().as_ptr().cast_const().cast())
    }

    fn slot(slot: u32) -> Who {
        Who(ptr::without_provenance((slot as usize) << 1 | 1))
    }

    #[cfg_attr(feature = "std", inline)]
    fn as_task(self) -> Option<RawTask> {
        if self.0.addr() & 1 != 0 {
            return None;
        }
        // SAFETY: an even entry is the header of a task whose own timer is
        // armed, which is alive until the timer is removed (I6).
        NonNull::new(self.0.cast_mut().cast()).map(|ptr| unsafe { RawTask::from_raw(ptr) })
    }

    #[cfg_attr(feature = "std", inline)]
    fn slot_index(self) -> usize {
        self.0.addr() >> 1
    }
}

#[derive(Clone, Copy)]
struct HeapEntry {
    deadline: u64,
    who: Who,
}

struct Slot {
    waker: Option<Waker>,
    /// Position in `heap` while armed, `UNARMED` otherwise.
    pos: u32,
    /// The id of the timer armed in the slot (its order and its key's generation).
    seq: u32,
}

/// What a firing timer wakes.
pub(crate) enum Fired {
    /// The task of an own timer.
    Task(RawTask),
    /// The waker of a slot timer, taken out of the slot, and the timer's key.
    Waker(TimerKey, Waker),
}

#[derive(Default)]
pub(crate) struct TimerQueue {
    heap: Vec<HeapEntry>,
    slots: Vec<Slot>,
    free: Vec<u32>,
}

impl TimerQueue {
    pub(crate) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The earliest deadline.
    pub(crate) fn peek(&self) -> Option<u64> {
        self.heap.first().map(|e| e.deadline)
    }

    /// The latest deadline no later than `limit`: where an idle wait that
    /// fires every timer due by `limit` at once can end. `limit` itself if
    /// more than `at_most` timers are due by then (the search stops there);
    /// `None` if none is.
    ///
    /// A walk in preorder through the part of the heap due by `limit`:
    /// below a later deadline every deadline is later (the heap's order),
    /// so each step is a timer due by `limit` or the edge of that part.
    pub(crate) fn last_deadline_by(&self, limit: u64, at_most: usize) -> Option<u64> {
        let heap = &self.heap;
        let mut latest = None;
        let mut visited = 0;
        let mut at = 0;
        loop {
            if let Some(entry) = heap.get(at)
                && entry.deadline <= limit
            {
                if visited == at_most {
                    return Some(limit);
                }
                visited += 1;
                latest = latest.max(Some(entry.deadline));
                at = 2 * at + 1;
                continue;
            }
            // Nothing due below `at`: on to the next subtree, the right
            // sibling of `at` or of its nearest ancestor that is a left child.
            loop {
                if at == 0 {
                    return latest;
                }
                if at % 2 == 1 {
                    at += 1;
                    break;
                }
                at = (at - 1) / 2;
            }
        }
    }

    /// Arms a slot timer that wakes `waker`.
    pub(crate) fn insert(&mut self, deadline: u64, seq: u32, waker: Waker) -> TimerKey {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                let slot = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|s| *s < SLOT_LIMIT)
                    .expect("more than 4 billion timers");
                push_sparingly(&mut self.slots, Slot { waker: None, pos: UNARMED, seq: 0 });
                slot
            }
        };
        let pos = self.heap.len() as u32;
        let s = &mut self.slots[slot as usize];
        s.waker = Some(waker);
        s.pos = pos;
        s.seq = seq;
        let key = TimerKey { slot, generation: seq };
        self.push(HeapEntry { deadline, who: Who::slot(slot) });
        key
    }

    /// Arms the own timer of `task`, which must not have one armed.
    pub(crate) fn insert_own(&mut self, deadline: u64, seq: u32, task: RawTask) -> TimerKey {
        let h = task.header();
        debug_assert!(!h.has(state::TIMER), "a task has one own timer at most");
        h.state.timer_armed();
        h.timer_seq.set(seq);
        h.timer_pos.set(self.heap.len() as u32);
        self.push(HeapEntry { deadline, who: Who::task(task) });
        TimerKey { slot: OWN, generation: seq }
    }

    fn push(&mut self, entry: HeapEntry) {
        u32::try_from(self.heap.len()).ok().filter(|n| *n < UNARMED).expect("more than 4 billion timers");
        let pos = self.heap.len();
        push_sparingly(&mut self.heap, entry);
        self.sift_up(pos);
    }

    /// Whether `key` is an own timer of `task` that is still armed.
    pub(crate) fn owns(key: TimerKey, task: RawTask) -> bool {
        let h = task.header();
        key.is_own() && h.has(state::TIMER) && h.timer_seq.get() == key.own_seq()
    }

    /// Whether slot key `key` is still armed (not fired, not removed).
    pub(crate) fn is_armed(&self, key: TimerKey) -> bool {
        !key.is_own() && self.slots.get(key.slot as usize).is_some_and(|s| s.pos != UNARMED && s.seq == key.generation)
    }

    /// True unless slot key `key` is armed with a waker that would not wake `waker`'s task.
    pub(crate) fn wakes(&self, key: TimerKey, waker: &Waker) -> bool {
        !self.is_armed(key) || self.slots[key.slot as usize].waker.as_ref().is_some_and(|w| w.will_wake(waker))
    }

    /// Replaces the waker of an armed slot timer; returns the old one (or
    /// the new one if the timer is not armed) for the caller to drop.
    pub(crate) fn set_waker(&mut self, key: TimerKey, waker: Waker) -> Option<Waker> {
        if self.is_armed(key) { self.slots[key.slot as usize].waker.replace(waker) } else { Some(waker) }
    }

    /// Disarms a slot timer; returns its waker so the caller drops it outside any borrow.
    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<Waker> {
        if !self.is_armed(key) {
            return None;
        }
        let pos = self.slots[key.slot as usize].pos as usize;
        self.remove_at(pos)
    }

    /// Disarms the own timer of `task`, if it has one armed.
    pub(crate) fn remove_own(&mut self, task: RawTask) {
        let h = task.header();
        if h.has(state::TIMER) {
            let pos = h.timer_pos.get() as usize;
            debug_assert!(self.heap[pos].who == Who::task(task));
            self.remove_at(pos);
        }
    }

    /// The earliest timer, to fire: its deadline and what it wakes. It stays
    /// armed, in the heap, until [`fired`](Self::fired) (so the queue is not
    /// empty while its task is woken); a slot timer's waker is taken out now.
    pub(crate) fn first(&mut self) -> Option<(u64, Fired)> {
        let entry = *self.heap.first()?;
        let fired = match entry.who.as_task() {
            Some(task) => Fired::Task(task),
            None => {
                let index = entry.who.slot_index();
                let slot = &mut self.slots[index];
                let key = TimerKey { slot: index as u32, generation: slot.seq };
                Fired::Waker(key, slot.waker.take().expect("an armed slot holds a waker"))
            }
        };
        Some((entry.deadline, fired))
    }

    /// Disarms a timer [`first`](Self::first) returned, unless something
    /// disarmed it meanwhile. Returns a waker left in its slot (set again
    /// while it fired) for the caller to drop outside any borrow.
    pub(crate) fn fired(&mut self, fired: &Fired) -> Option<Waker> {
        match fired {
            Fired::Task(task) => {
                self.remove_own(*task);
                None
            }
            Fired::Waker(key, _) => self.remove(*key),
        }
    }

    /// Removes the earliest timer, returning its deadline and what it wakes.
    #[cfg(test)]
    fn pop(&mut self) -> Option<(u64, Fired)> {
        let (deadline, fired) = self.first()?;
        assert!(self.fired(&fired).is_none());
        Some((deadline, fired))
    }

    /// Drops every timer (the wakers of slot timers are returned to be
    /// dropped by the caller; own timers are disarmed).
    pub(crate) fn drain_wakers(&mut self) -> Vec<Waker> {
        for entry in &self.heap {
            if let Some(task) = entry.who.as_task() {
                task.header().state.timer_disarmed();
            }
        }
        let wakers = self.slots.iter_mut().filter_map(|s| s.waker.take()).collect();
        self.heap.clear();
        self.slots.clear();
        self.free.clear();
        wakers
    }

    /// Removes the entry at `pos`; returns a slot timer's waker (none if
    /// [`first`](Self::first) took it).
    fn remove_at(&mut self, pos: usize) -> Option<Waker> {
        // `swap_remove` without its `ptr::copy`: on a small chip that call
        // alone links `memmove` (1.5 KB of Thumb-2).
        let entry = self.heap[pos];
        // Not empty: `pos` was in bounds.
        let last = self.heap.pop().unwrap_or(entry);
        if pos < self.heap.len() {
            self.heap[pos] = last;
        }
        let waker = match entry.who.as_task() {
            Some(task) => {
                task.header().state.timer_disarmed();
                None
            }
            None => {
                let index = entry.who.slot_index();
                let slot = &mut self.slots[index];
                slot.pos = UNARMED;
                self.free.push(index as u32);
                slot.waker.take()
            }
        };
        if pos < self.heap.len() {
            let pos = self.sift_up(pos);
            self.sift_down(pos);
        }
        waker
    }

    /// The insertion order of an entry.
    #[cfg_attr(feature = "std", inline)]
    fn seq_of(&self, who: Who) -> u32 {
        match who.as_task() {
            Some(task) => task.header().timer_seq.get(),
            None => self.slots[who.slot_index()].seq,
        }
    }

    /// Whether `a` fires before `b`.
    #[cfg_attr(feature = "std", inline)]
    fn before(&self, a: &HeapEntry, b: &HeapEntry) -> bool {
        a.deadline < b.deadline
            || (a.deadline == b.deadline && (self.seq_of(a.who).wrapping_sub(self.seq_of(b.who)) as i32) < 0)
    }

    /// Puts `entry` at `pos` and records the position with its owner.
    #[cfg_attr(feature = "std", inline)]
    fn place(&mut self, pos: usize, entry: HeapEntry) {
        self.heap[pos] = entry;
        match entry.who.as_task() {
            Some(task) => task.header().timer_pos.set(pos as u32),
            None => self.slots[entry.who.slot_index()].pos = pos as u32,
        }
    }

    fn sift_up(&mut self, mut pos: usize) -> usize {
        let entry = self.heap[pos];
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if !self.before(&entry, &self.heap[parent]) {
                break;
            }
            self.place(pos, self.heap[parent]);
            pos = parent;
        }
        self.place(pos, entry);
        pos
    }

    fn sift_down(&mut self, mut pos: usize) {
        let len = self.heap.len();
        let entry = self.heap[pos];
        loop {
            let left = 2 * pos + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child = if right < len && self.before(&self.heap[right], &self.heap[left]) { right } else { left };
            if !self.before(&self.heap[child], &entry) {
                break;
            }
            self.place(pos, self.heap[child]);
            pos = child;
        }
        self.place(pos, entry);
    }
}

/// The loop's timer heap in its cell: each method runs one queue method
/// and nothing else (see [`QueueCell`]).
impl QueueCell<TimerQueue> {
    /// See [`TimerQueue::is_empty`].
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn is_empty(&self) -> bool {
        self.with(|t| t.is_empty())
    }
    /// See [`TimerQueue::peek`].
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn peek(&self) -> Option<u64> {
        self.with(|t| t.peek())
    }
    /// See [`TimerQueue::last_deadline_by`].
    pub(crate) fn last_deadline_by(&self, limit: u64, at_most: usize) -> Option<u64> {
        self.with(|t| t.last_deadline_by(limit, at_most))
    }
    /// See [`TimerQueue::insert`].
    pub(crate) fn insert(&self, deadline: u64, seq: u32, waker: Waker) -> TimerKey {
        self.with(|t| t.insert(deadline, seq, waker))
    }
    /// See [`TimerQueue::insert_own`].
    pub(crate) fn insert_own(&self, deadline: u64, seq: u32, task: RawTask) -> TimerKey {
        self.with(|t| t.insert_own(deadline, seq, task))
    }
    /// See [`TimerQueue::is_armed`].
    pub(crate) fn is_armed(&self, key: TimerKey) -> bool {
        self.with(|t| t.is_armed(key))
    }
    /// See [`TimerQueue::wakes`] (`Waker::will_wake` runs no user code).
    pub(crate) fn wakes(&self, key: TimerKey, waker: &Waker) -> bool {
        self.with(|t| t.wakes(key, waker))
    }
    /// See [`TimerQueue::set_waker`]; the caller drops what it returns.
    #[must_use = "the returned waker is dropped by the caller, outside the queue"]
    pub(crate) fn set_waker(&self, key: TimerKey, waker: Waker) -> Option<Waker> {
        self.with(|t| t.set_waker(key, waker))
    }
    /// See [`TimerQueue::remove`]; the caller drops what it returns.
    #[must_use = "the returned waker is dropped by the caller, outside the queue"]
    pub(crate) fn remove(&self, key: TimerKey) -> Option<Waker> {
        self.with(|t| t.remove(key))
    }
    /// See [`TimerQueue::remove_own`].
    pub(crate) fn remove_own(&self, task: RawTask) {
        self.with(|t| t.remove_own(task))
    }
    /// See [`TimerQueue::first`].
    pub(crate) fn first(&self) -> Option<(u64, Fired)> {
        self.with(|t| t.first())
    }
    /// See [`TimerQueue::fired`]; the caller drops what it returns.
    #[must_use = "the returned waker is dropped by the caller, outside the queue"]
    pub(crate) fn fired(&self, fired: &Fired) -> Option<Waker> {
        self.with(|t| t.fired(fired))
    }
    /// See [`TimerQueue::drain_wakers`]; the caller drops what it returns.
    #[must_use = "the returned wakers are dropped by the caller, outside the queue"]
    pub(crate) fn drain_wakers(&self) -> Vec<Waker> {
        self.with(|t| t.drain_wakers())
    }
}

/// The choice of timer, for the runtime's timer API (`Core::arm_timer`,
/// `rearm_timer`, `disarm_timer`). `current` is the task the loop is
/// polling. Wakers are cloned and dropped outside the queue's borrow (a
/// foreign waker's clone or drop is user code).
impl QueueCell<TimerQueue> {
    /// Arms a timer that wakes `waker` at `deadline`: the running task's own
    /// timer if `waker` is that task's and its own timer is free, else a slot
    /// timer holding a clone of `waker`.
    pub(crate) fn arm(&self, deadline: u64, seq: u32, waker: &Waker, current: Option<RawTask>) -> TimerKey {
        if let Some(task) = current
            && task.is_woken_by(waker)
            && !task.header().has(state::TIMER)
        {
            return self.insert_own(deadline, seq, task);
        }
        let waker = waker.clone();
        self.insert(deadline, seq, waker)
    }

    /// Disarms the timer of `key`, if it is still armed. An own timer is
    /// found through the running task, the one that armed it (see
    /// [`rearm`](Self::rearm)).
    pub(crate) fn disarm(&self, key: TimerKey, current: Option<RawTask>) {
        if key.is_own() {
            if let Some(task) = current
                && TimerQueue::owns(key, task)
            {
                self.remove_own(task);
            }
        } else {
            let waker = self.remove(key);
            drop(waker);
        }
    }

    /// A sleep that is not due was polled again: makes sure its timer wakes
    /// `waker`. Returns the key of the timer, moved or not; `new_seq` gives
    /// the id of a timer armed anew.
    pub(crate) fn rearm(
        &self,
        key: TimerKey,
        deadline: u64,
        waker: &Waker,
        current: Option<RawTask>,
        new_seq: impl FnOnce() -> u32,
    ) -> TimerKey {
        if key.is_own() {
            if let Some(task) = current
                && TimerQueue::owns(key, task)
            {
                if task.is_woken_by(waker) {
                    return key;
                }
                // Polled now through a combinator's waker: only that waker
                // brings the poll back here.
                self.remove_own(task);
            }
            // Else polled by another task than the one that armed it (the
            // sleep was moved): the first task's timer stays armed until it
            // fires (a spurious wake) or that task ends. Either way the timer
            // is armed again here, with the same deadline and the same order.
            return self.arm(deadline, key.own_seq(), waker, current);
        }
        if !self.is_armed(key) {
            // Its timer is gone (its loop discarded every timer): arm anew.
            return self.arm(deadline, new_seq(), waker, current);
        }
        if !self.wakes(key, waker) {
            let waker = waker.clone();
            let old = self.set_waker(key, waker);
            drop(old);
        }
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::task::Waker;

    fn noop() -> Waker {
        Waker::noop().clone()
    }

    /// A waker that carries `n` (its data), to tell popped timers apart.
    fn tagged(n: u32) -> Waker {
        use core::task::{RawWaker, RawWakerVTable};
        static VTABLE: RawWakerVTable = RawWakerVTable::new(|d| RawWaker::new(d, &VTABLE), |_| {}, |_| {}, |_| {});
        // SAFETY: the vtable's functions do nothing, and the data is never dereferenced.
        unsafe { Waker::from_raw(RawWaker::new(ptr::without_provenance(n as usize), &VTABLE)) }
    }

    /// Pops everything: `(deadline, tag)` in firing order.
    fn pop_all(q: &mut TimerQueue) -> Vec<(u64, u32)> {
        core::iter::from_fn(|| {
            q.pop().map(|(d, fired)| match fired {
                Fired::Waker(_, w) => (d, w.data().addr() as u32),
                Fired::Task(_) => unreachable!("no own timers here"),
            })
        })
        .collect()
    }

    #[test]
    fn pops_in_deadline_then_insertion_order() {
        let mut q = TimerQueue::default();
        let entries = [(30, 0), (10, 1), (20, 2), (10, 3), (30, 4), (5, 5)];
        for (d, s) in entries {
            q.insert(d, s, tagged(s));
        }
        assert_eq!(pop_all(&mut q), vec![(5, 5), (10, 1), (10, 3), (20, 2), (30, 0), (30, 4)]);
    }

    #[test]
    fn last_deadline_by_finds_the_latest_timer_due_by_the_limit() {
        let mut q = TimerQueue::default();
        assert_eq!(q.last_deadline_by(100, 64), None, "no timers");
        q.insert(40, 0, noop());
        assert_eq!(q.last_deadline_by(39, 64), None, "none due by 39");
        assert_eq!(q.last_deadline_by(40, 64), Some(40));
        for (d, s) in [(30, 1), (50, 2), (35, 3), (20, 4), (30, 5), (45, 6), (10, 7), (60, 8), (44, 9)] {
            q.insert(d, s, noop());
        }
        for (limit, latest) in
            [(9, None), (10, Some(10)), (34, Some(30)), (44, Some(44)), (49, Some(45)), (99, Some(60))]
        {
            assert_eq!(q.last_deadline_by(limit, 64), latest, "latest deadline by {limit}");
        }
        // 10, 20, 30, 30, 35 are due by 35: five timers.
        assert_eq!(q.last_deadline_by(35, 5), Some(35));
        assert_eq!(q.last_deadline_by(36, 5), Some(35));
        assert_eq!(q.last_deadline_by(40, 5), Some(40), "six due by 40, search stopped: the limit");
    }

    #[test]
    fn last_deadline_by_agrees_with_a_scan_of_every_timer() {
        let mut q = TimerQueue::default();
        let deadlines: Vec<u64> = (0..300u64).map(|i| i * 7919 % 1009).collect();
        for (s, &d) in deadlines.iter().enumerate() {
            q.insert(d, s as u32, noop());
        }
        for limit in (0..1100).step_by(13) {
            let due: Vec<u64> = deadlines.iter().copied().filter(|&d| d <= limit).collect();
            let expected = due.iter().copied().max();
            assert_eq!(q.last_deadline_by(limit, usize::MAX), expected, "limit {limit}");
            let bounded = if due.len() > 64 { Some(limit) } else { expected };
            assert_eq!(q.last_deadline_by(limit, 64), bounded, "limit {limit}, at most 64");
        }
    }

    #[test]
    fn equal_deadlines_keep_insertion_order_across_seq_wrap_around() {
        let mut q = TimerQueue::default();
        for (i, s) in [u32::MAX - 1, u32::MAX, 0, 1].into_iter().enumerate() {
            q.insert(10, s, tagged(i as u32));
        }
        assert_eq!(pop_all(&mut q), vec![(10, 0), (10, 1), (10, 2), (10, 3)]);
    }

    #[test]
    fn marker_keys_are_never_timers() {
        let mut q = TimerQueue::default();
        let key = q.insert(10, 0, noop());
        assert!(key.is_timer() && q.is_armed(key));
        for n in 0..MARKERS {
            let marker = TimerKey::marker(n);
            assert!(!marker.is_timer() && !marker.is_own());
            assert!(!q.is_armed(marker));
            assert!(q.remove(marker).is_none());
        }
        assert!(q.is_armed(key), "removing markers left the real timer armed");
        assert!(TimerKey { slot: OWN, generation: 7 }.is_timer());
    }

    #[test]
    fn removed_timers_never_fire_and_stale_keys_are_ignored() {
        let mut q = TimerQueue::default();
        let keys: Vec<TimerKey> = (0..100u32).map(|i| q.insert(u64::from(i * 37 % 101), i, tagged(i))).collect();
        for k in keys.iter().step_by(2) {
            assert!(q.remove(*k).is_some());
            assert!(q.remove(*k).is_none(), "second removal of the same key is a no-op");
        }
        let fired = pop_all(&mut q);
        let mut expected: Vec<(u64, u32)> =
            (0..100u32).filter(|i| i % 2 == 1).map(|i| (u64::from(i * 37 % 101), i)).collect();
        expected.sort();
        assert_eq!(fired, expected, "only the odd (not removed) timers fire, in deadline order");
        // Reused slots get new generations: old keys stay stale.
        let fresh = q.insert(1, 1000, tagged(1000));
        assert!(q.is_armed(fresh));
        assert!(keys.iter().all(|k| *k == fresh || !q.is_armed(*k)));
    }
}
