//! A task's state: its bits and every named transition between them. No
//! other module writes a state bit; they read them ([`State::has`]).
//!
//! ```text
//!   create_task ──► Queued ──start_poll──► Running ──end_poll──► Waiting
//!   (REGISTERED,    (SCHEDULED)            (RUNNING)  (Pending)  (no bit)
//!    HANDLE, FUTURE)   ▲                       │                    │
//!                      └──────── schedule ─────┼────────────────────┘
//!                                              │ end_poll(finished) /
//!                      request_cancel          │ end_poll_by_panic
//!   Waiting/Queued ──(CANCEL)──► Queued ──skip_poll──► cancelled ──┐
//!                                                                  ▼
//!                                               finish (DONE: the outcome is in
//!                                               the stage, OUTPUT; PANICKED if so)
//!                                                                  │
//!     failed, nobody awaits, not OBSERVED: report_unretrieved      │
//!     (UNRETRIEVED|SCHEDULED, reported one round later)            │
//!                                                                  ▼
//!                              unregister (REGISTERED off: the registry's
//!                              reference goes; the outcome is dropped unless
//!                              HANDLE) ─► released when the last reference goes
//! ```
//!
//! Beside the life cycle: `drop_handle` (HANDLE off), `observe` (OBSERVED:
//! the main task of `run_until_complete`, whose failure its caller sees),
//! `take_unretrieved` (a failure was looked at), the stage's own bits
//! (FUTURE, OUTPUT, PANICKED: set by the cell's vtable functions) and the
//! own timer's bit (TIMER: set by the timer heap, raw I6). `discarded` is
//! the loop's teardown (`Core::discard_all`).
//!
//! All of it is loop-thread only (raw I3): `State` is a plain cell.

use super::sync::StateCell;

/// Task state bits (loop-thread only, I3).
pub(crate) mod bits {
    /// In the ready queue.
    pub const SCHEDULED: u32 = 1 << 0;
    /// Being polled right now.
    pub const RUNNING: u32 = 1 << 1;
    /// Finished (value, panic or cancellation); the future is gone.
    pub const DONE: u32 = 1 << 2;
    /// Cancellation requested: drop instead of poll when next popped.
    pub const CANCEL: u32 = 1 << 3;
    /// The typed `Task<T>` handle is alive.
    pub const HANDLE: u32 = 1 << 4;
    /// Failed, and nobody has retrieved the failure yet.
    pub const UNRETRIEVED: u32 = 1 << 5;
    /// In the loop's registry (which holds one reference).
    pub const REGISTERED: u32 = 1 << 6;
    /// The outcome is observed by the caller (the main task of `run`).
    pub const OBSERVED: u32 = 1 << 7;
    /// The task ended by panicking.
    pub const PANICKED: u32 = 1 << 8;
    /// The task has a name (kept by its loop's `Remote`); set at creation only.
    pub const NAMED: u32 = 1 << 9;
    /// The cell came from the loop's `CellPool`; set at creation only.
    pub const POOLED: u32 = 1 << 10;
    /// The stage holds the future.
    pub const FUTURE: u32 = 1 << 11;
    /// The stage holds the outcome.
    pub const OUTPUT: u32 = 1 << 12;
    /// The task's own timer is armed: the timer heap points at this header
    /// (raw I6).
    pub const TIMER: u32 = 1 << 13;
}

pub(crate) use bits::*;

/// How a poll ended ([`State::end_poll`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Polled {
    /// The future returned `Ready`: it is gone, its outcome is in the stage.
    Finished,
    /// Pending, and the task queued itself again during the poll.
    Yielded,
    /// Pending, waiting for a wake.
    Waiting,
}

/// A task's state bits; written only through the transitions below.
pub(crate) struct State(StateCell);

impl State {
    /// A new task: `initial` (the loop's bits) plus the stage's `FUTURE`,
    /// and `NAMED` / `POOLED` as given.
    pub(crate) fn created(initial: u32, named: bool, pooled: bool) -> State {
        let mut st = initial | FUTURE;
        if named {
            st |= NAMED;
        }
        if pooled {
            st |= POOLED;
        }
        State(StateCell::new(st))
    }

    /// Whether any of `bits` is set.
    #[inline]
    pub(crate) fn has(&self, bits: u32) -> bool {
        self.0.get() & bits != 0
    }

    #[inline]
    fn set(&self, bits: u32) {
        self.0.set(self.0.get() | bits);
    }

    #[inline]
    fn unset(&self, bits: u32) {
        self.0.set(self.0.get() & !bits);
    }

    // -- the loop ----------------------------------------------------------

    /// Woken: queue it unless it is queued or done. Returns whether the
    /// caller must put it in the ready queue.
    #[inline]
    pub(crate) fn schedule(&self) -> bool {
        if self.has(SCHEDULED | DONE) {
            return false;
        }
        self.set(SCHEDULED);
        true
    }

    /// Popped from the ready queue: a live task (neither `DONE` nor
    /// `CANCEL`) becomes `RUNNING` and returns true (poll it); any other
    /// leaves the queue and returns false (see `skip_poll`'s callers).
    #[inline]
    pub(crate) fn start_poll(&self) -> bool {
        let st = self.0.get();
        debug_assert!(st & SCHEDULED != 0 && st & RUNNING == 0, "a queued task is SCHEDULED, not RUNNING");
        if st & (DONE | CANCEL) == 0 {
            // Queued, so SCHEDULED is set and RUNNING is not: one `^` swaps them.
            self.0.set(st ^ (SCHEDULED | RUNNING));
            true
        } else {
            self.0.set(st & !SCHEDULED);
            false
        }
    }

    /// Its poll returned: `RUNNING` off. Says how the poll ended, from the
    /// bits alone: a future that finished is gone (`FUTURE` off), one that
    /// only yielded queued its task again (`SCHEDULED`).
    #[inline]
    pub(crate) fn end_poll(&self) -> Polled {
        // Only `end_poll_by_panic` clears RUNNING otherwise, and not on this path.
        let st = self.0.get() ^ RUNNING;
        self.0.set(st);
        // The common case first, in one test.
        if st & (FUTURE | SCHEDULED) == FUTURE | SCHEDULED {
            Polled::Yielded
        } else if st & FUTURE == 0 {
            Polled::Finished
        } else {
            Polled::Waiting
        }
    }

    /// A panic escaped a poll: `RUNNING` off. False if the task was not
    /// being polled (the panic came from elsewhere).
    #[cfg(feature = "std")]
    pub(crate) fn end_poll_by_panic(&self) -> bool {
        if !self.has(RUNNING) {
            return false;
        }
        self.unset(RUNNING);
        true
    }

    /// Cancellation is requested: the task is dropped instead of polled
    /// when it is next popped.
    pub(crate) fn request_cancel(&self) {
        self.set(CANCEL);
    }

    /// The future is gone (value, panic or cancellation): `DONE`.
    pub(crate) fn finish(&self) {
        self.set(DONE);
    }

    /// A finished task that failed, is not observed by `run_until_complete`
    /// and that nobody awaits is queued once more, to report its failure
    /// one round later (MicroPython's rule). Returns whether it was queued
    /// (the caller puts it in the ready queue).
    pub(crate) fn report_unretrieved(&self) -> bool {
        let st = self.0.get();
        let failed = st & (PANICKED | OBSERVED) == PANICKED;
        if failed && st & SCHEDULED == 0 {
            self.0.set(st | UNRETRIEVED | SCHEDULED);
            return true;
        }
        false
    }

    /// The failure has been looked at (by its handle, or reported): clears
    /// `UNRETRIEVED`, returning whether it was set.
    pub(crate) fn take_unretrieved(&self) -> bool {
        let was = self.has(UNRETRIEVED);
        self.unset(UNRETRIEVED);
        was
    }

    /// Leaves the registry: returns false if it had already left.
    pub(crate) fn unregister(&self) -> bool {
        if !self.has(REGISTERED) {
            return false;
        }
        self.unset(REGISTERED);
        true
    }

    /// The loop is torn down (`Core::discard_all`): out of the registry and
    /// the ready queue, nothing left to report.
    pub(crate) fn discarded(&self) {
        self.unset(REGISTERED | SCHEDULED | UNRETRIEVED);
    }

    // -- handles -----------------------------------------------------------

    /// The typed handle is dropped.
    pub(crate) fn drop_handle(&self) {
        self.unset(HANDLE);
    }

    /// The caller of `run_until_complete` observes this task's outcome.
    pub(crate) fn observe(&self) {
        self.set(OBSERVED);
    }

    // -- the stage and the own timer (raw/ only) -----------------------------

    /// The future was dropped.
    pub(super) fn future_dropped(&self) {
        self.unset(FUTURE);
    }

    /// The outcome was stored.
    pub(super) fn output_stored(&self) {
        self.set(OUTPUT);
    }

    /// The outcome was moved out.
    pub(super) fn output_taken(&self) {
        self.unset(OUTPUT);
    }

    /// The task ended by panicking.
    #[cfg(feature = "std")]
    pub(super) fn panicked(&self) {
        self.set(PANICKED);
    }

    /// Its own timer is armed (the heap points at it, I6).
    pub(super) fn timer_armed(&self) {
        self.set(TIMER);
    }

    /// Its own timer is disarmed.
    pub(super) fn timer_disarmed(&self) {
        self.unset(TIMER);
    }
}
