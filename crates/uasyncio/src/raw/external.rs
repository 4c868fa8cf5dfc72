//! Counting a waiter that something outside the loop may wake.
//!
//! A task waiting on a primitive that another thread or an interrupt may set
//! ([`ThreadSafeFlag`](crate::ThreadSafeFlag), [`Message`](crate::Message),
//! [`RingbufQueue`](crate::RingbufQueue), and the critical-section
//! primitives of [`sync::cs`](crate::sync::cs), whose raw mutex picks this
//! as their waiters' count) is counted on the loop it waits in, so a loop with nothing else to do idles for that wake-up instead of
//! reporting a deadlock.

use super::Remote;
use super::mutex::sealed::RunningLoop;
use super::sync::Arc;

/// One waiter's count on a loop; uncounted when dropped (on any thread).
#[derive(Default)]
pub struct ExternalWaiter {
    /// The loop we were last polled in.
    counted_on: Option<Arc<Remote>>,
}

impl ExternalWaiter {
    pub(crate) const fn new() -> Self {
        ExternalWaiter { counted_on: None }
    }

    /// Counts us on the loop we are polled in now, whose `Remote`
    /// `running` gives (moving the count if we were polled in another loop
    /// before; the caller above `raw/` knows the running loop:
    /// `crate::sync::external::RUNNING`). No allocation; a reference count
    /// on the loop's `Remote` is taken only when the loop changes.
    pub(crate) fn count_on_running_loop(&mut self, running: RunningLoop) {
        // Unchanged (the common case: a re-poll in the same loop): no
        // reference count is touched.
        let Some(running) = (running.0)(self.counted_on.as_ref()) else {
            return;
        };
        if let Some(remote) = &running {
            remote.add_external_waiter();
        }
        if let Some(old) = core::mem::replace(&mut self.counted_on, running) {
            old.remove_external_waiter();
        }
    }

    /// Stops counting us.
    pub(crate) fn uncount(&mut self) {
        if let Some(remote) = self.counted_on.take() {
            remote.remove_external_waiter();
        }
    }
}

impl Drop for ExternalWaiter {
    fn drop(&mut self) {
        self.uncount();
    }
}

impl super::mutex::sealed::Waiter for ExternalWaiter {
    fn new() -> Self {
        ExternalWaiter::new()
    }

    fn count_on_running_loop(&mut self, running: RunningLoop) {
        ExternalWaiter::count_on_running_loop(self, running);
    }

    fn uncount(&mut self) {
        ExternalWaiter::uncount(self);
    }
}
