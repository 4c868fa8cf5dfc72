//! Where the current loop lives: thread-locals with `std`, statics without.

use core::cell::{Cell, RefCell};

use super::{Core, EventLoop};

// Loom's thread-locals under `--cfg loom` (its threads share one OS thread).
#[cfg(feature = "std")]
crate::raw::sync::thread_local! {
    /// The loop running on this thread right now (null outside `run*`).
    static RUNNING: Cell<*const Core> = const { Cell::new(core::ptr::null()) };
    /// The loop `get_event_loop()` returns on this thread.
    static THREAD_LOOP: RefCell<Option<EventLoop>> = const { RefCell::new(None) };
    /// A process-unique id for this thread (cheaper than `thread::current()`).
    static THREAD_ID: Cell<u64> = const { Cell::new(0) };
}

#[cfg(not(feature = "std"))]
static RUNNING: crate::raw::LoopCell<Cell<*const Core>> = crate::raw::LoopCell(Cell::new(core::ptr::null()));
#[cfg(not(feature = "std"))]
static THREAD_LOOP: crate::raw::LoopCell<RefCell<Option<EventLoop>>> = crate::raw::LoopCell(RefCell::new(None));

/// This thread's id if `thread_id()` was ever called on it, else 0. The
/// loop's thread always has its id (taken when the loop was made), so this
/// cheap read is enough to tell "the loop's thread" from any other.
#[cfg(feature = "std")]
#[inline]
pub(crate) fn thread_id_if_known() -> u64 {
    // Loom drops all of a thread's locals at once when the thread ends,
    // while the loop kept in `THREAD_LOOP` may still release tasks: from
    // then on the thread reads as not known (a cell is handed back).
    #[cfg(loom)]
    return THREAD_ID.try_with(Cell::get).unwrap_or(0);
    #[cfg(not(loom))]
    THREAD_ID.with(Cell::get)
}

#[cfg(feature = "std")]
pub(crate) fn thread_id() -> u64 {
    use portable_atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    THREAD_ID
        .try_with(|id| {
            if id.get() == 0 {
                id.set(NEXT.fetch_add(1, Ordering::Relaxed));
            }
            id.get()
        })
        .unwrap_or(u64::MAX)
}

pub(crate) fn running_ptr() -> *const Core {
    #[cfg(feature = "std")]
    {
        RUNNING.try_with(Cell::get).unwrap_or(core::ptr::null())
    }
    #[cfg(not(feature = "std"))]
    {
        RUNNING.0.get()
    }
}

pub(crate) fn set_running(core: *const Core) -> *const Core {
    #[cfg(feature = "std")]
    {
        RUNNING.try_with(|r| r.replace(core)).unwrap_or(core::ptr::null())
    }
    #[cfg(not(feature = "std"))]
    {
        RUNNING.0.replace(core)
    }
}

/// Runs `f` with the running loop, if there is one.
pub(crate) fn with_running<R>(f: impl FnOnce(&Core) -> R) -> Option<R> {
    let ptr = running_ptr();
    if ptr.is_null() {
        None
    } else {
        // The running pointer is set only while its loop is borrowed by
        // `run*` or by the loop's own teardown, which outlive this call.
        Some(f(unsafe_deref(ptr)))
    }
}

fn unsafe_deref<'a>(ptr: *const Core) -> &'a Core {
    crate::raw::deref_core(ptr)
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

/// Marks `core` as running for the guard's lifetime (restored on unwind too).
pub(crate) struct RunningGuard {
    previous: *const Core,
}

impl RunningGuard {
    pub(crate) fn enter(core: &Core) -> RunningGuard {
        RunningGuard { previous: set_running(core) }
    }
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        set_running(self.previous);
    }
}
