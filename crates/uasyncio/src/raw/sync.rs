//! What the cross-thread protocol is made of, in one place, so that a model
//! checker can stand in for it.
//!
//! Normally these are the real things, re-exported or wrapped with nothing
//! added (`portable_atomic`'s atomics, a `critical_section` lock, `std`'s
//! thread-locals, a `Cell` for a task's state): the code the runtime
//! compiles to is the same as without this module. Built with
//! `RUSTFLAGS="--cfg loom"` (and `std`), they are loom's instead, and
//! `tests/loom.rs` explores every interleaving of a wake, a flag set or a
//! last release on another thread with the loop's own steps:
//!
//! - loom runs its threads on one OS thread, so a thread's identity (the
//!   loop's owner, `Remote::is_local`) must come from loom's thread-locals;
//! - a `critical_section` (a std mutex) held across a loom operation could
//!   deadlock the model, so the locks are loom's mutexes, and the critical
//!   section of the `cs` primitives ([`critical_section`]) is one global
//!   loom mutex, reentrant on its loom thread as critical-section's is;
//! - a task's state word is read by `dealloc_impl` on whichever thread
//!   drops the last reference: under loom it is a checked cell, so a release
//!   that did not synchronise with the loop's last write is reported.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU8, AtomicU32, Ordering, fence};
#[cfg(not(loom))]
pub(crate) use portable_atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering, fence};

/// `alloc`'s `Arc` where the chip has pointer-sized compare-and-swap; on
/// chips without it (Cortex-M0+) `alloc::sync` does not exist and
/// portable-atomic-util's `Arc` counts under a critical section instead.
#[cfg(target_has_atomic = "ptr")]
pub(crate) use alloc::sync::Arc;
#[cfg(not(target_has_atomic = "ptr"))]
pub(crate) use portable_atomic_util::Arc;

/// `thread_local!` with `const { … }` initialisers, as `std` takes them,
/// made into loom's (whose macro takes a plain expression).
/// Loom's `AtomicBool`, whose `store` is a `swap` with the result dropped.
///
/// loom 0.7 does not enforce the atomicity of a read-modify-write against a
/// plain store of another thread (tokio-rs/loom#254, #389): after a `swap`
/// on one thread and a `store` on another, a later load may still read the
/// swap's value, which no real execution can do. `ThreadSafeFlag` is exactly
/// that (`set` stores, `wait` swaps), and the model then reports a lost
/// wake that cannot happen. A store made a swap is placed right after the
/// value it replaces, which is where a store lands in any real execution;
/// its (discarded) read adds no synchronisation at the orderings used here.
#[cfg(loom)]
pub(crate) struct AtomicBool(loom::sync::atomic::AtomicBool);

#[cfg(loom)]
impl AtomicBool {
    #[track_caller]
    pub(crate) fn new(value: bool) -> AtomicBool {
        AtomicBool(loom::sync::atomic::AtomicBool::new(value))
    }

    #[track_caller]
    pub(crate) fn load(&self, order: Ordering) -> bool {
        self.0.load(order)
    }

    #[track_caller]
    pub(crate) fn store(&self, value: bool, order: Ordering) {
        self.0.swap(value, order);
    }

    #[track_caller]
    pub(crate) fn swap(&self, value: bool, order: Ordering) -> bool {
        self.0.swap(value, order)
    }
}

#[cfg(loom)]
macro_rules! loom_thread_local {
    ($($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr };)*) => {
        loom::thread_local! { $($(#[$attr])* $vis static $name: $t = $init;)* }
    };
}
#[cfg(loom)]
pub(crate) use loom_thread_local as thread_local;
#[cfg(all(feature = "std", not(loom)))]
pub(crate) use std::thread_local;

/// A task's state word (`Header::state`): loop-thread only, except for the
/// read by `dealloc_impl` after the last reference is released (raw I2, I3).
#[cfg(not(loom))]
pub(crate) type StateCell = core::cell::Cell<u32>;

/// A task's state word, checked by loom: every access is recorded, and one
/// that is not ordered after the previous write (a read on another thread
/// not synchronised by the reference count) fails the model.
#[cfg(loom)]
pub(crate) struct StateCell(loom::cell::UnsafeCell<u32>);

#[cfg(loom)]
impl StateCell {
    pub(crate) fn new(value: u32) -> StateCell {
        StateCell(loom::cell::UnsafeCell::new(value))
    }

    pub(crate) fn get(&self) -> u32 {
        // SAFETY: the cell is `!Sync`, and no reference into it outlives
        // these one-line accesses; loom checks their order across threads.
        self.0.with(|value| unsafe { *value })
    }

    pub(crate) fn set(&self, value: u32) {
        // SAFETY: as in `get`.
        self.0.with_mut(|slot| unsafe { *slot = value })
    }
}

/// A lock around data shared with other threads (or interrupt handlers):
/// the loop's inbox and task names, the pool's list of cells handed back,
/// a `ThreadSafeFlag`'s waker. `T` is the interior-mutable value
/// (`RefCell`, `Cell`) the lock makes `Sync`; `with` runs a short closure
/// under the lock.
#[cfg(not(loom))]
pub(crate) struct Lock<T>(critical_section::Mutex<T>);

#[cfg(not(loom))]
impl<T> Lock<T> {
    pub(crate) const fn new(value: T) -> Lock<T> {
        Lock(critical_section::Mutex::new(value))
    }

    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        critical_section::with(|cs| f(self.0.borrow(cs)))
    }
}

/// A lock around data shared with other threads: loom's mutex.
#[cfg(loom)]
pub(crate) struct Lock<T>(loom::sync::Mutex<T>);

#[cfg(loom)]
impl<T> Lock<T> {
    pub(crate) fn new(value: T) -> Lock<T> {
        Lock(loom::sync::Mutex::new(value))
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// Runs `f` inside a critical section: the guard of the `cs` primitives
/// (`CriticalSectionRawMutex`). `critical_section::with`, nothing added.
#[cfg(not(loom))]
#[inline]
pub(crate) fn critical_section<R>(f: impl FnOnce() -> R) -> R {
    critical_section::with(|_| f())
}

/// Runs `f` inside the model's critical section: one global loom mutex (so
/// loom sees the section's exclusion and explores every order of entering
/// it), reentrant on its loom thread as critical-section's `std` one is (a
/// waker woken inside may reach another `cs` primitive).
#[cfg(loom)]
pub(crate) fn critical_section<R>(f: impl FnOnce() -> R) -> R {
    loom::lazy_static! {
        static ref SECTION: loom::sync::Mutex<()> = loom::sync::Mutex::new(());
    }
    loom::thread_local! {
        static DEPTH: core::cell::Cell<usize> = core::cell::Cell::new(0);
    }
    /// Leaves one level of the section (also when `f` panics).
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            DEPTH.with(|depth| depth.set(depth.get() - 1));
        }
    }
    let outermost = DEPTH.with(|depth| depth.get() == 0);
    let guard = outermost.then(|| SECTION.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    DEPTH.with(|depth| depth.set(depth.get() + 1));
    let leave = Leave;
    let result = f();
    drop(leave);
    drop(guard);
    result
}
