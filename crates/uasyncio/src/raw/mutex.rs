//! How a primitive guards its state: not at all (the single-threaded
//! primitives) or with a critical section (the `cs::` ones, for `static`s
//! shared with interrupt handlers and other threads).
//!
//! A primitive keeps its interior-mutable state (`Cell`s, `RefCell`s) in a
//! [`Mutex`] and reaches it only through [`Mutex::lock`]. With
//! [`NoopRawMutex`] `lock` is a plain call (the state is reached exactly as
//! it was before the primitives were generic: no code added), and the
//! primitive is `!Sync`. With [`CriticalSectionRawMutex`] `lock` runs the
//! closure inside `critical_section::with`, and the primitive is `Sync`.

use core::cell::Cell;
use core::marker::PhantomData;

/// The hidden half of [`RawMutex`]: what the primitives need from it. In a
/// private module, so nothing outside this crate can implement `RawMutex`
/// (the `unsafe impl Sync` below relies on knowing every implementation).
pub(crate) mod sealed {
    /// How a primitive's state is locked, and how its waiters are counted.
    pub trait Sealed: Sized {
        /// The mutex's initial value (for `const fn new`).
        const INIT: Self;
        /// What a waiting future keeps to count itself as waiting on the
        /// outside world (see `raw::external`); nothing when only tasks of
        /// the loop can wake it.
        type Waiter: Waiter;
        /// Where a primitive keeps a value only a single-threaded one may
        /// hold (a `Barrier`'s non-`Send` trip action): a `Cell<Option<T>>`
        /// with `NoopRawMutex`, with a critical section nothing at all (the
        /// last arriver may be another thread or an interrupt handler, which
        /// must not run a non-`Send` closure).
        type Slot<T>: Slot<T>;
        /// Whether the primitive's wait lists keep a woken waiter's waker
        /// for the next waiter (`sync::waitlist`): yes when single-threaded
        /// (a task waiting again reuses it: no reference count touched);
        /// not with a critical section, whose primitive is usually a
        /// `static` that outlives its loops, which a kept waker (its task,
        /// its loop's pool) would keep allocated.
        const KEEPS_WAKERS: bool;
        /// Runs `f` with the state locked.
        fn lock<R>(&self, f: impl FnOnce() -> R) -> R;
    }

    /// A loop's `Remote`, shared: what a waiter is counted on.
    pub(crate) type LoopRemote = crate::raw::sync::Arc<crate::raw::Remote>;

    /// How a waiter finds the loop that polls it: a function above `raw/`
    /// that knows the running loop (`sync::external::RUNNING`). Given the
    /// loop a waiter is counted on, it answers `None` if that is still the
    /// running loop, else `Some` of where to count it now (`Some(None)`:
    /// no loop runs).
    pub struct RunningLoop(pub(crate) fn(Option<&LoopRemote>) -> Option<Option<LoopRemote>>);

    /// See [`Sealed::Slot`].
    pub trait Slot<T> {
        /// An empty slot (for `const fn new`).
        const EMPTY: Self;
        /// Takes the value out, if the slot holds one.
        fn take(&self) -> Option<T>;
        /// Puts `value` back, unless something was stored meanwhile.
        fn restore(&self, value: T);
    }

    /// A waiter's count on the loop it waits in.
    pub trait Waiter {
        /// Not counted anywhere.
        fn new() -> Self;
        /// Counts the waiter on the loop polling it now, whose `Remote`
        /// `running` gives (called only by waiters that count).
        fn count_on_running_loop(&mut self, running: RunningLoop);
        /// Stops counting it.
        fn uncount(&mut self);
    }
}

/// How a primitive guards its state; implemented by [`NoopRawMutex`] (the
/// default: single-threaded, `!Sync`) and [`CriticalSectionRawMutex`] (the
/// [`cs`](crate::sync::cs) primitives: `Sync`, usable from interrupts and
/// other threads). Sealed: the primitives' soundness rests on knowing both.
///
/// ```
/// use uasyncio::sync::generic;
/// use uasyncio::sync::raw_mutex::{CriticalSectionRawMutex, NoopRawMutex};
/// // The names users write are aliases of the generic types:
/// let _plain: generic::Event<NoopRawMutex> = uasyncio::Event::new();
/// let _shared: generic::Event<CriticalSectionRawMutex> = uasyncio::sync::cs::Event::new();
/// ```
pub trait RawMutex: sealed::Sealed {}

/// No locking: the primitive stays on one thread and is never touched by
/// an interrupt handler. `!Sync` (so a primitive using it cannot be a plain
/// `static`), `Send`.
///
/// ```
/// use uasyncio::sync::raw_mutex::NoopRawMutex;
/// let q: uasyncio::sync::generic::Queue<u8, NoopRawMutex> = uasyncio::Queue::new(2);
/// q.put_nowait(1).unwrap();
/// ```
pub struct NoopRawMutex(PhantomData<Cell<()>>);

/// Locking with a critical section (the `critical-section` crate: interrupts
/// masked on a single-core chip, a process-wide reentrant mutex with `std`):
/// the primitive is `Sync`, may be a `static`, and its non-async operations
/// may be called from interrupt handlers and other threads.
///
/// ```
/// use uasyncio::sync::raw_mutex::CriticalSectionRawMutex;
/// static READY: uasyncio::sync::generic::Event<CriticalSectionRawMutex> = uasyncio::sync::cs::Event::new();
/// READY.set();
/// assert!(READY.is_set());
/// ```
pub struct CriticalSectionRawMutex(());

impl core::fmt::Debug for NoopRawMutex {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("NoopRawMutex")
    }
}

impl core::fmt::Debug for CriticalSectionRawMutex {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CriticalSectionRawMutex")
    }
}

/// A waiter nobody outside the loop can wake: counts nothing.
pub struct NotCounted;

impl sealed::Waiter for NotCounted {
    #[inline(always)]
    fn new() -> Self {
        NotCounted
    }
    #[inline(always)]
    fn count_on_running_loop(&mut self, _running: sealed::RunningLoop) {}
    #[inline(always)]
    fn uncount(&mut self) {}
}

/// A slot that can hold nothing: with a critical section, a primitive
/// keeps no single-threaded value (see `Sealed::Slot`). Not generic, so it
/// is `Send` and `Sync` whatever it would have held.
pub struct NoSlot;

impl<T> sealed::Slot<T> for NoSlot {
    const EMPTY: Self = NoSlot;
    #[inline(always)]
    fn take(&self) -> Option<T> {
        None
    }
    #[inline(always)]
    fn restore(&self, _value: T) {}
}

impl<T> sealed::Slot<T> for Cell<Option<T>> {
    const EMPTY: Self = Cell::new(None);
    #[inline(always)]
    fn take(&self) -> Option<T> {
        Cell::take(self)
    }
    #[inline(always)]
    fn restore(&self, value: T) {
        let current = Cell::take(self);
        self.set(Some(current.unwrap_or(value)));
    }
}

impl sealed::Sealed for NoopRawMutex {
    const INIT: Self = NoopRawMutex(PhantomData);
    type Waiter = NotCounted;
    type Slot<T> = Cell<Option<T>>;
    const KEEPS_WAKERS: bool = true;

    #[inline(always)]
    fn lock<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }
}
impl RawMutex for NoopRawMutex {}

impl sealed::Sealed for CriticalSectionRawMutex {
    const INIT: Self = CriticalSectionRawMutex(());
    type Waiter = super::ExternalWaiter;
    type Slot<T> = NoSlot;
    const KEEPS_WAKERS: bool = false;

    #[inline]
    fn lock<R>(&self, f: impl FnOnce() -> R) -> R {
        super::sync::critical_section(f)
    }
}
impl RawMutex for CriticalSectionRawMutex {}

/// A primitive's state `T` (its `Cell`s and `RefCell`s), reachable only
/// inside [`lock`](Mutex::lock).
pub(crate) struct Mutex<M, T> {
    raw: M,
    data: T,
}

impl<M: RawMutex, T> Mutex<M, T> {
    pub(crate) const fn new(data: T) -> Self {
        Mutex { raw: M::INIT, data }
    }

    /// Runs `f` on the state with `M` locked. `f` cannot keep the reference
    /// (its result does not borrow from it). Reentrant: a nested `lock` of
    /// the same state (a waker woken inside that touches the primitive
    /// again) gets a second shared reference, and the state's `RefCell`s
    /// turn any overlapping mutable borrow into a panic, as before.
    #[inline(always)]
    pub(crate) fn lock<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.raw.lock(|| f(&self.data))
    }
}

// SAFETY: the state is reached only through `lock` (the field is private to
// this module and `lock` hands out a reference that cannot outlive the
// closure), and `CriticalSectionRawMutex::lock` runs the closure inside a
// critical section: on a single-core chip with interrupts masked, with
// `std` holding the process-wide mutex of critical-section's `std`
// implementation (under `--cfg loom`, one global loom mutex: `raw::sync`).
// So at most one context (thread or interrupt handler) at a time uses the
// `!Sync` cells inside, as with `critical_section::Mutex`.
// A nested `lock` within that context only gives another shared reference
// (the cells' own borrow checks cover it). Each context may be another
// thread, and the state is dropped on whichever thread drops the
// primitive: hence `T: Send` (a `Queue<Rc<_>>` is not made `Sync`).
// `NoopRawMutex` is `!Sync`, so no `Mutex<NoopRawMutex, _>` is ever shared.
unsafe impl<T: Send> Sync for Mutex<CriticalSectionRawMutex, T> {}
