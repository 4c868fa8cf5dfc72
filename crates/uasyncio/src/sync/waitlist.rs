//! A FIFO of waiting tasks shared by the primitives of this module.
//!
//! Waiters live in recycled slots linked into a doubly-linked FIFO by index,
//! so pushing, waking the first waiter and removing any waiter are O(1), and
//! once the list has grown to its peak size waiting allocates nothing. A
//! waiter that goes away (its future is dropped, e.g. on cancellation) leaves
//! the list at once.
//!
//! A slot keeps the waker of its last waiter after a normal wake-up: a task
//! that waits again in a loop (the common case) reuses it without touching
//! its reference count. The cost is that a finished task's memory may stay
//! allocated until its slot is reused or the primitive is dropped (at most
//! one task per slot, the peak number of waiters), and with it the pool of
//! task cells of its loop. Dropping the waker at each wake instead costs a
//! clone per wait: pingpong 576 → 621 instructions per round trip (+7.8 %).
//! The lists of the primitives that may be `static`s (the `cs` ones,
//! `Message`, `RingbufQueue`) do not keep them: a `static` is never
//! dropped, so it would keep a task of each loop that ever waited on it,
//! and the loop's memory, for good. Which one a list is follows from its
//! type: `WaitList<M>` asks its raw mutex's `KEEPS_WAKERS` (a constant, so
//! no field and no test at run time).

use alloc::vec::Vec;
use core::marker::PhantomData;
use core::task::Waker;

use crate::raw::mutex::{NoopRawMutex, RawMutex};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WaitKey {
    slot: u32,
    generation: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SlotState {
    Free,
    Waiting,
    Notified,
}

/// No slot (end of a list).
const NIL: u32 = u32::MAX;

struct Slot {
    /// The waiter's waker; kept while free for the next waiter to reuse
    /// (if the list keeps wakers).
    waker: Option<Waker>,
    /// Neighbours in the FIFO while waiting; `next` links the free list.
    prev: u32,
    next: u32,
    generation: u32,
    state: SlotState,
}

/// The wait list of a primitive guarded by `M`, whose
/// `KEEPS_WAKERS` tells whether a released slot keeps its waker.
pub(crate) struct WaitList<M = NoopRawMutex> {
    slots: Vec<Slot>,
    head: u32,
    tail: u32,
    free: u32,
    waiting: usize,
    /// Only a type: `Send` and `Sync` whatever `M` is.
    _raw_mutex: PhantomData<fn() -> M>,
}

impl<M: RawMutex> Default for WaitList<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: RawMutex> WaitList<M> {
    pub(crate) const fn new() -> Self {
        WaitList { slots: Vec::new(), head: NIL, tail: NIL, free: NIL, waiting: 0, _raw_mutex: PhantomData }
    }

    /// Number of waiters not yet notified.
    pub(crate) fn len(&self) -> usize {
        self.waiting
    }

    /// Adds a waiter at the back.
    pub(crate) fn push(&mut self, waker: &Waker) -> WaitKey {
        let index = if self.free == NIL {
            let index = u32::try_from(self.slots.len()).ok().filter(|&i| i != NIL).expect("too many waiters");
            self.slots.push(Slot { waker: None, prev: NIL, next: NIL, generation: 0, state: SlotState::Free });
            index
        } else {
            let index = self.free;
            self.free = self.slots[index as usize].next;
            index
        };
        let tail = self.tail;
        let slot = &mut self.slots[index as usize];
        if !slot.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
            slot.waker = Some(waker.clone());
        }
        slot.state = SlotState::Waiting;
        slot.prev = tail;
        slot.next = NIL;
        let key = WaitKey { slot: index, generation: slot.generation };
        match tail {
            NIL => self.head = index,
            t => self.slots[t as usize].next = index,
        }
        self.tail = index;
        self.waiting += 1;
        key
    }

    fn slot(&mut self, key: WaitKey) -> Option<&mut Slot> {
        self.slots.get_mut(key.slot as usize).filter(|s| s.generation == key.generation)
    }

    /// A waiter polled again: true (and the slot is released) if it was
    /// notified; otherwise it keeps waiting, woken through `waker` from now on.
    #[inline]
    pub(crate) fn take_notified(&mut self, key: WaitKey, waker: &Waker) -> bool {
        let Some(slot) = self.slot(key) else { return false };
        match slot.state {
            SlotState::Notified => {
                self.release(key.slot);
                true
            }
            SlotState::Waiting => {
                if !slot.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    slot.waker = Some(waker.clone());
                }
                false
            }
            SlotState::Free => false,
        }
    }

    /// [`take_notified`](Self::take_notified) for a waiter that keeps its
    /// key in `key`, which is cleared when the waiter was notified.
    #[inline]
    pub(crate) fn take_notified_key(&mut self, key: &mut Option<WaitKey>, waker: &Waker) -> bool {
        let notified = key.is_some_and(|k| self.take_notified(k, waker));
        if notified {
            *key = None;
        }
        notified
    }

    /// Removes a waiter that gives up; returns true if it had already been
    /// notified (so the caller can pass the notification on).
    pub(crate) fn remove(&mut self, key: WaitKey) -> bool {
        let Some(slot) = self.slot(key) else { return false };
        let state = slot.state;
        // A waiter that gives up is probably gone for good: let its task go.
        slot.waker = None;
        match state {
            SlotState::Free => false,
            SlotState::Notified => {
                self.release(key.slot);
                true
            }
            SlotState::Waiting => {
                self.unlink(key.slot);
                self.waiting -= 1;
                self.release(key.slot);
                false
            }
        }
    }

    /// Notifies and wakes the first waiter; false if nobody waits.
    pub(crate) fn notify_one(&mut self) -> bool {
        self.notify_at(self.head)
    }

    #[inline]
    fn notify_at(&mut self, index: u32) -> bool {
        if index == NIL {
            return false;
        }
        self.unlink(index);
        self.waiting -= 1;
        let slot = &mut self.slots[index as usize];
        slot.state = SlotState::Notified;
        if let Some(waker) = &slot.waker {
            waker.wake_by_ref();
        }
        true
    }

    /// Notifies and wakes every waiter, in order.
    pub(crate) fn notify_all(&mut self) {
        while self.notify_one() {}
    }

    /// Notifies and wakes the last waiter (the newest); false if nobody
    /// waits. peterhinch's `Condition` wakes its waiters in this order.
    pub(crate) fn notify_newest(&mut self) -> bool {
        self.notify_at(self.tail)
    }

    fn unlink(&mut self, index: u32) {
        let (prev, next) = {
            let s = &self.slots[index as usize];
            (s.prev, s.next)
        };
        match prev {
            NIL => self.head = next,
            p => self.slots[p as usize].next = next,
        }
        match next {
            NIL => self.tail = prev,
            n => self.slots[n as usize].prev = prev,
        }
    }

    fn release(&mut self, index: u32) {
        let slot = &mut self.slots[index as usize];
        if !M::KEEPS_WAKERS {
            slot.waker = None;
        }
        slot.state = SlotState::Free;
        slot.generation = slot.generation.wrapping_add(1);
        slot.next = self.free;
        self.free = index;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifies_in_fifo_order_and_skips_removed_waiters() {
        let mut list = WaitList::<NoopRawMutex>::new();
        let waker = Waker::noop();
        let keys: Vec<WaitKey> = (0..5).map(|_| list.push(waker)).collect();
        assert!(!list.remove(keys[1]));
        assert!(!list.remove(keys[3]));
        assert_eq!(list.len(), 3);
        let mut woken = Vec::new();
        while list.notify_one() {
            woken.push(keys.iter().position(|k| list.slot(*k).is_some_and(|s| s.state == SlotState::Notified)));
            let k = keys[woken.last().unwrap().unwrap()];
            assert!(list.take_notified(k, waker));
        }
        assert_eq!(woken, [Some(0), Some(2), Some(4)]);
        // Slots are reused with new generations: old keys are stale.
        let fresh = list.push(waker);
        assert!(keys.iter().all(|k| !list.take_notified(*k, waker)));
        assert!(list.notify_one());
        assert!(list.take_notified(fresh, waker));
    }

    #[test]
    fn removing_a_notified_waiter_reports_it() {
        let mut list = WaitList::<NoopRawMutex>::new();
        let a = list.push(Waker::noop());
        let b = list.push(Waker::noop());
        assert!(list.notify_one());
        assert!(list.remove(a), "a was notified: the caller passes it on");
        assert!(list.notify_one());
        assert!(list.take_notified(b, Waker::noop()));
        assert!(!list.notify_one());
    }
}
