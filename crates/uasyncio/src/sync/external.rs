//! The running loop's `Remote`, for counting a waiter that something outside
//! the loop may wake ([`ExternalWaiter`](crate::raw::ExternalWaiter), which
//! lives in `raw/` beside the raw mutexes that pick it).

use core::task::Poll;

use crate::raw::mutex::sealed::{RunningLoop, Waiter};
use crate::raw::sync::Arc;
use crate::runtime::{Remote, context};

/// Where a waiter counted on `counted` must be counted now: `None` if that
/// is still the loop running on this thread (no reference count touched),
/// else `Some` of the running loop's `Remote` (`None` inside: no loop runs).
/// What `ExternalWaiter::count_on_running_loop` asks at every poll.
fn moved_to(counted: Option<&Arc<Remote>>) -> Option<Option<Arc<Remote>>> {
    let running = context::with_running(|core| match counted {
        Some(c) if Arc::ptr_eq(c, &core.remote) => None,
        _ => Some(core.remote.clone()),
    });
    match running {
        Some(same_or_new) => same_or_new.map(Some),
        None => counted.map(|_| None),
    }
}

/// [`moved_to`] as the raw waiters take it.
pub(crate) const RUNNING: RunningLoop = RunningLoop(moved_to);

/// The end of a waiting future's poll: `Ready` (and no longer counted) if
/// `ready`, else `Pending`, counted as waiting on the running loop.
#[inline(always)]
pub(crate) fn settle(counted: &mut impl Waiter, ready: bool) -> Poll<()> {
    if ready {
        counted.uncount();
        Poll::Ready(())
    } else {
        counted.count_on_running_loop(RUNNING);
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waiter_moves_only_when_the_running_loop_changes() {
        // Inside loop A: an uncounted waiter moves to A; counted on A, it stays.
        let a = crate::run_virtual(async {
            let a = moved_to(None).expect("a loop runs: move").expect("to its Remote");
            assert!(moved_to(Some(&a)).is_none(), "same loop: no move");
            a
        });
        // Inside loop B: counted on A, it moves to B, then stays on B.
        let b = crate::run_virtual(async move {
            let b = moved_to(Some(&a)).expect("another loop runs: move").expect("to its Remote");
            assert!(!Arc::ptr_eq(&a, &b), "B's Remote is not A's");
            assert!(moved_to(Some(&b)).is_none(), "same loop: no move");
            b
        });
        // Outside any loop: a counted waiter moves to nowhere; an uncounted one stays.
        assert!(matches!(moved_to(Some(&b)), Some(None)));
        assert!(moved_to(None).is_none());
    }
}
