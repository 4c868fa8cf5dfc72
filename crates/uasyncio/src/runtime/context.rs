//! Where the current loop lives: thread-locals with `std`, statics without.

use core::cell::RefCell;

use super::{Core, EventLoop};
use crate::raw::Running;

// Loom's thread-locals under `--cfg loom` (its threads share one OS thread).
#[cfg(feature = "std")]
crate::raw::sync::thread_local! {
    /// The loop running on this thread right now (null outside `run*`).
    static RUNNING: Running<Core> = const { Running::new() };
    /// The loop `get_event_loop()` returns on this thread.
    static THREAD_LOOP: RefCell<Option<EventLoop>> = const { RefCell::new(None) };
}

#[cfg(not(feature = "std"))]
static RUNNING: crate::raw::LoopCell<Running<Core>> = crate::raw::LoopCell(Running::new());
#[cfg(not(feature = "std"))]
static THREAD_LOOP: crate::raw::LoopCell<RefCell<Option<EventLoop>>> = crate::raw::LoopCell(RefCell::new(None));

/// Runs `f` with the running loop, if there is one.
pub(crate) fn with_running<R>(f: impl FnOnce(&Core) -> R) -> Option<R> {
    #[cfg(feature = "std")]
    {
        RUNNING.try_with(|r| r.with(f)).ok().flatten()
    }
    #[cfg(not(feature = "std"))]
    {
        RUNNING.0.with(f)
    }
}

/// Whether a loop is running in this context.
pub(crate) fn is_any_running() -> bool {
    with_running(|_| ()).is_some()
}

/// Whether `core` is the loop running in this context.
pub(crate) fn is_running(core: &Core) -> bool {
    with_running(|running| core::ptr::eq(running, core)) == Some(true)
}

/// Runs `f` with `core` as the running loop (the previous one is restored
/// afterwards, on unwind too).
pub(crate) fn run_as<R>(core: &Core, f: impl FnOnce() -> R) -> R {
    #[cfg(feature = "std")]
    {
        let mut f = Some(f);
        match RUNNING.try_with(|r| r.enter(core, || f.take().expect("runs once")())) {
            Ok(r) => r,
            // This thread's locals are gone (a loop dropped as the thread
            // ends): nothing can look for the running loop any more.
            Err(_) => f.take().expect("not run yet")(),
        }
    }
    #[cfg(not(feature = "std"))]
    {
        RUNNING.0.enter(core, f)
    }
}

pub(crate) fn with_thread_loop<R>(f: impl FnOnce(&mut Option<EventLoop>) -> R) -> R {
    #[cfg(feature = "std")]
    {
        THREAD_LOOP.with(|l| f(&mut l.borrow_mut()))
    }
    #[cfg(not(feature = "std"))]
    {
        f(&mut THREAD_LOOP.0.borrow_mut())
    }
}
