//! The running loop's `Remote`, for counting a waiter that something outside
//! the loop may wake ([`ExternalWaiter`](crate::raw::ExternalWaiter), which
//! lives in `raw/` beside the raw mutexes that pick it).

use crate::raw::mutex::sealed::RunningLoop;
use crate::raw::sync::Arc;
use crate::runtime::{Remote, context};

/// The `Remote` of the loop running on this thread, if any: what
/// `ExternalWaiter::count_on_running_loop` counts a waiter on.
fn running_remote() -> Option<Arc<Remote>> {
    context::with_running(|core| core.remote.clone())
}

/// [`running_remote`] as the raw waiters take it.
pub(crate) const RUNNING: RunningLoop = RunningLoop(running_remote);
