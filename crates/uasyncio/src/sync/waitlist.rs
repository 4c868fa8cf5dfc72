//! A FIFO of waiting tasks shared by `Event`, `Lock` and `Queue`.
//!
//! Waiters live in recycled slots, so once the list has grown to its peak
//! size waiting allocates nothing. A waiter that goes away (its future is
//! dropped, e.g. on cancellation) leaves the list at once; the FIFO keeps a
//! stale entry that is skipped, and compacted when stale entries dominate.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::task::Waker;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WaitKey {
    slot: u32,
    generation: u32,
}

enum SlotState {
    Free,
    Waiting(Waker),
    Notified,
}

struct Slot {
    state: SlotState,
    generation: u32,
    /// Next free slot while this one is free (a free list threaded through
    /// the slots, so releasing never allocates).
    next_free: u32,
}

const NO_SLOT: u32 = u32::MAX;

pub(crate) struct WaitList {
    slots: Vec<Slot>,
    order: VecDeque<WaitKey>,
    free: u32,
    waiting: usize,
}

impl Default for WaitList {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitList {
    pub(crate) const fn new() -> Self {
        WaitList { slots: Vec::new(), order: VecDeque::new(), free: NO_SLOT, waiting: 0 }
    }

    /// Number of waiters not yet notified.
    pub(crate) fn len(&self) -> usize {
        self.waiting
    }

    /// Adds a waiter at the back.
    pub(crate) fn push(&mut self, waker: &Waker) -> WaitKey {
        let slot = if self.free == NO_SLOT {
            self.slots.push(Slot { state: SlotState::Free, generation: 0, next_free: NO_SLOT });
            u32::try_from(self.slots.len() - 1).expect("more than 4 billion waiters")
        } else {
            let slot = self.free;
            self.free = self.slots[slot as usize].next_free;
            slot
        };
        let s = &mut self.slots[slot as usize];
        s.state = SlotState::Waiting(waker.clone());
        let key = WaitKey { slot, generation: s.generation };
        self.order.push_back(key);
        self.waiting += 1;
        key
    }

    fn slot(&mut self, key: WaitKey) -> Option<&mut Slot> {
        self.slots.get_mut(key.slot as usize).filter(|s| s.generation == key.generation)
    }

    /// True (and the slot is released) if the waiter was notified.
    pub(crate) fn take_notified(&mut self, key: WaitKey) -> bool {
        match self.slot(key) {
            Some(s) if matches!(s.state, SlotState::Notified) => {
                self.release(key);
                true
            }
            _ => false,
        }
    }

    /// Refreshes a waiting waiter's waker.
    pub(crate) fn update(&mut self, key: WaitKey, waker: &Waker) {
        if let Some(Slot { state: SlotState::Waiting(w), .. }) = self.slot(key) {
            if !w.will_wake(waker) {
                *w = waker.clone();
            }
        }
    }

    /// Removes a waiter that gives up; returns true if it had already been
    /// notified (so the caller can pass the notification on).
    pub(crate) fn remove(&mut self, key: WaitKey) -> bool {
        let Some(slot) = self.slot(key) else { return false };
        let notified = match slot.state {
            SlotState::Free => return false,
            SlotState::Notified => true,
            SlotState::Waiting(_) => {
                self.waiting -= 1;
                false
            }
        };
        self.release(key);
        self.compact();
        notified
    }

    /// Notifies the first waiter; returns its waker to be woken by the caller
    /// after it lets go of its borrows.
    pub(crate) fn notify_one(&mut self) -> Option<Waker> {
        while let Some(key) = self.order.pop_front() {
            if let Some(slot) = self.slot(key) {
                if let SlotState::Waiting(_) = slot.state {
                    let SlotState::Waiting(waker) = core::mem::replace(&mut slot.state, SlotState::Notified) else {
                        unreachable!()
                    };
                    self.waiting -= 1;
                    return Some(waker);
                }
            }
        }
        None
    }

    /// Notifies every waiter, in order, by calling `wake` on each waker.
    pub(crate) fn notify_all(&mut self, mut wake: impl FnMut(Waker)) {
        while let Some(waker) = self.notify_one() {
            wake(waker);
        }
    }

    fn release(&mut self, key: WaitKey) {
        let s = &mut self.slots[key.slot as usize];
        s.state = SlotState::Free;
        s.generation = s.generation.wrapping_add(1);
        s.next_free = self.free;
        self.free = key.slot;
    }

    /// Drops stale FIFO entries once they outnumber live waiters.
    fn compact(&mut self) {
        if self.order.len() > 2 * self.waiting + 16 {
            let slots = &self.slots;
            self.order.retain(|k| {
                slots
                    .get(k.slot as usize)
                    .is_some_and(|s| s.generation == k.generation && matches!(s.state, SlotState::Waiting(_)))
            });
        }
    }
}
