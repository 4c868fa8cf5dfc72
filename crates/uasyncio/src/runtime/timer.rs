//! The runtime's timer API, the one way `time/` reaches the timer heap:
//! [`Core::arm_timer`], [`Core::rearm_timer`] and [`Core::disarm_timer`].
//!
//! The loop picks the kind of timer (see `raw::timers`): a sleep polled by
//! its own task gets that task's own timer, any other a slot timer holding
//! its waker.

use core::task::Waker;

use super::Core;
use crate::raw::state;
use crate::raw::timers::{TimerKey, TimerQueue};

impl Core {
    /// Arms a timer that wakes `waker` at `deadline` (µs on the loop clock).
    pub(crate) fn arm_timer(&self, deadline: u64, waker: &Waker) -> TimerKey {
        arm(self, deadline, self.next_timer_id(), waker)
    }

    /// A sleep that is not due was polled again: makes sure its timer
    /// wakes `waker`. Returns the key of the timer, moved or not.
    pub(crate) fn rearm_timer(&self, key: TimerKey, deadline: u64, waker: &Waker) -> TimerKey {
        rearm(self, key, deadline, waker)
    }

    /// Disarms the timer of `key`, if it is still armed.
    pub(crate) fn disarm_timer(&self, key: TimerKey) {
        disarm(self, key);
    }
}

/// Arms a timer that wakes `waker` at `deadline`: the running task's own
/// timer if `waker` is that task's and its own timer is free, else a slot
/// timer holding a clone of `waker`.
fn arm(core: &Core, deadline: u64, seq: u32, waker: &Waker) -> TimerKey {
    if let Some(task) = core.current.get()
        && task.is_woken_by(waker)
        && !task.header().has(state::TIMER)
    {
        return core.timers.insert_own(deadline, seq, task);
    }
    // Cloned outside the queue's borrow: a foreign waker's clone is user code.
    let waker = waker.clone();
    core.timers.insert(deadline, seq, waker)
}

/// Disarms the timer of `key`, if it is still armed. An own timer is found
/// through the running task, the one that armed it (see [`rearm`]).
fn disarm(core: &Core, key: TimerKey) {
    if key.is_own() {
        if let Some(task) = core.current.get()
            && TimerQueue::owns(key, task)
        {
            core.timers.remove_own(task);
        }
    } else {
        let waker = core.timers.remove(key);
        drop(waker);
    }
}

/// A sleep that is not due was polled again: make sure its timer wakes
/// `waker`. Returns the key of the timer, moved or not.
fn rearm(core: &Core, key: TimerKey, deadline: u64, waker: &Waker) -> TimerKey {
    if key.is_own() {
        if let Some(task) = core.current.get()
            && TimerQueue::owns(key, task)
        {
            if task.is_woken_by(waker) {
                return key;
            }
            // Polled now through a combinator's waker: only that waker
            // brings the poll back here.
            core.timers.remove_own(task);
        }
        // Else polled by another task than the one that armed it (the sleep
        // was moved): the first task's timer stays armed until it fires (a
        // spurious wake) or that task ends. Either way the timer is armed
        // again here, with the same deadline and the same order.
        return arm(core, deadline, key.own_seq(), waker);
    }
    if !core.timers.is_armed(key) {
        // Its timer is gone (its loop discarded every timer): arm anew.
        return arm(core, deadline, core.next_timer_id(), waker);
    }
    if !core.timers.wakes(key, waker) {
        let waker = waker.clone();
        let old = core.timers.set_waker(key, waker);
        drop(old);
    }
    key
}
