//! The timer queue: an indexed binary min-heap of `(deadline, seq)`.
//!
//! Insert, remove and pop are O(log n); equal deadlines fire in insertion
//! order (`seq`). Slots are recycled, so once the heap has grown to the
//! peak number of sleepers no sleep allocates. A sleeper costs 40 bytes:
//! a 16-byte heap entry and a 24-byte slot holding its waker.

use alloc::vec::Vec;
use core::task::Waker;

/// Identifies one registered timer; stale keys are harmless.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    slot: u32,
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
    #[inline]
    pub(crate) fn is_timer(self) -> bool {
        self.slot < u32::MAX - (MARKERS - 1)
    }
}

/// How many marker keys exist.
const MARKERS: u32 = 4;

/// `pos` of a slot that holds no armed timer.
const UNARMED: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct HeapEntry {
    deadline: u64,
    /// Insertion order, compared with wrap-around (only timers alive at the
    /// same time are compared, far fewer than 2^31 apart).
    seq: u32,
    slot: u32,
}

impl HeapEntry {
    #[inline]
    fn before(&self, other: &HeapEntry) -> bool {
        self.deadline < other.deadline
            || (self.deadline == other.deadline && (self.seq.wrapping_sub(other.seq) as i32) < 0)
    }
}

struct Slot {
    waker: Option<Waker>,
    /// Position in `heap` while armed, `UNARMED` otherwise.
    pos: u32,
    generation: u32,
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

    /// The earliest `(deadline, seq)`.
    pub(crate) fn peek(&self) -> Option<(u64, u32)> {
        self.heap.first().map(|e| (e.deadline, e.seq))
    }

    pub(crate) fn insert(&mut self, deadline: u64, seq: u64, waker: Waker) -> TimerKey {
        let seq = seq as u32;
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                let slot = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|s| TimerKey { slot: *s, generation: 0 }.is_timer())
                    .expect("more than 4 billion timers");
                self.slots.push(Slot { waker: None, pos: UNARMED, generation: 0 });
                slot
            }
        };
        let pos = self.heap.len();
        let s = &mut self.slots[slot as usize];
        s.waker = Some(waker);
        s.pos = pos as u32;
        let key = TimerKey { slot, generation: s.generation };
        self.heap.push(HeapEntry { deadline, seq, slot });
        self.sift_up(pos);
        key
    }

    /// Whether `key` is still armed (not fired, not removed).
    pub(crate) fn is_armed(&self, key: TimerKey) -> bool {
        self.slots.get(key.slot as usize).is_some_and(|s| s.pos != UNARMED && s.generation == key.generation)
    }

    /// True unless `key` is armed with a waker that would not wake `waker`'s task.
    pub(crate) fn wakes(&self, key: TimerKey, waker: &Waker) -> bool {
        !self.is_armed(key) || self.slots[key.slot as usize].waker.as_ref().is_some_and(|w| w.will_wake(waker))
    }

    /// Replaces the waker of an armed timer; returns the old one (or the new
    /// one if the timer is not armed) for the caller to drop.
    pub(crate) fn set_waker(&mut self, key: TimerKey, waker: Waker) -> Option<Waker> {
        if self.is_armed(key) { self.slots[key.slot as usize].waker.replace(waker) } else { Some(waker) }
    }

    /// Disarms a timer; returns its waker so the caller drops it outside any borrow.
    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<Waker> {
        if !self.is_armed(key) {
            return None;
        }
        let pos = self.slots[key.slot as usize].pos as usize;
        self.remove_at(pos)
    }

    /// Removes the earliest timer, returning its deadline, seq and waker.
    pub(crate) fn pop(&mut self) -> Option<(u64, u32, Option<Waker>)> {
        let first = *self.heap.first()?;
        let waker = self.remove_at(0);
        Some((first.deadline, first.seq, waker))
    }

    /// Drops every timer (their wakers are returned to be dropped by the caller).
    pub(crate) fn drain_wakers(&mut self) -> Vec<Waker> {
        let wakers = self.slots.iter_mut().filter_map(|s| s.waker.take()).collect();
        self.heap.clear();
        self.slots.clear();
        self.free.clear();
        wakers
    }

    fn remove_at(&mut self, pos: usize) -> Option<Waker> {
        let entry = self.heap.swap_remove(pos);
        let slot = &mut self.slots[entry.slot as usize];
        slot.pos = UNARMED;
        slot.generation = slot.generation.wrapping_add(1);
        let waker = slot.waker.take();
        self.free.push(entry.slot);
        if pos < self.heap.len() {
            self.slots[self.heap[pos].slot as usize].pos = pos as u32;
            let pos = self.sift_up(pos);
            self.sift_down(pos);
        }
        waker
    }

    /// Puts `entry` at `pos` and records the position in its slot.
    #[inline]
    fn place(&mut self, pos: usize, entry: HeapEntry) {
        self.heap[pos] = entry;
        self.slots[entry.slot as usize].pos = pos as u32;
    }

    fn sift_up(&mut self, mut pos: usize) -> usize {
        let entry = self.heap[pos];
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if !entry.before(&self.heap[parent]) {
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
            let child = if right < len && self.heap[right].before(&self.heap[left]) { right } else { left };
            if !self.heap[child].before(&entry) {
                break;
            }
            self.place(pos, self.heap[child]);
            pos = child;
        }
        self.place(pos, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::task::Waker;

    fn noop() -> Waker {
        Waker::noop().clone()
    }

    #[test]
    fn pops_in_deadline_then_insertion_order() {
        let mut q = TimerQueue::default();
        let entries = [(30, 0), (10, 1), (20, 2), (10, 3), (30, 4), (5, 5)];
        for (d, s) in entries {
            q.insert(d, s, noop());
        }
        let order: Vec<(u64, u32)> = core::iter::from_fn(|| q.pop().map(|(d, s, _)| (d, s))).collect();
        assert_eq!(order, vec![(5, 5), (10, 1), (10, 3), (20, 2), (30, 0), (30, 4)]);
    }

    #[test]
    fn marker_keys_are_never_timers() {
        let mut q = TimerQueue::default();
        let key = q.insert(10, 0, noop());
        assert!(key.is_timer() && q.is_armed(key));
        for n in 0..MARKERS {
            let marker = TimerKey::marker(n);
            assert!(!marker.is_timer());
            assert!(!q.is_armed(marker));
            assert!(q.remove(marker).is_none());
        }
        assert!(q.is_armed(key), "removing markers left the real timer armed");
    }

    #[test]
    fn removed_timers_never_fire_and_stale_keys_are_ignored() {
        let mut q = TimerQueue::default();
        let keys: Vec<TimerKey> = (0..100u64).map(|i| q.insert((i * 37) % 101, i, noop())).collect();
        for k in keys.iter().step_by(2) {
            assert!(q.remove(*k).is_some());
            assert!(q.remove(*k).is_none(), "second removal of the same key is a no-op");
        }
        let mut last = (0, 0);
        let mut n = 0;
        while let Some((d, s, _)) = q.pop() {
            assert!((d, s) >= last);
            assert_eq!(s % 2, 1, "only odd (not removed) timers fire");
            last = (d, s);
            n += 1;
        }
        assert_eq!(n, 50);
        // Reused slots get new generations: old keys stay stale.
        let fresh = q.insert(1, 1000, noop());
        assert!(q.is_armed(fresh));
        assert!(keys.iter().all(|k| *k == fresh || !q.is_armed(*k)));
    }
}
