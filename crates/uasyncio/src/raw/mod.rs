//! The unsafe machinery: task memory, its type-erased vtable, and the waker;
//! the ready queue, the timer heap, the cross-thread inbox and task state.
//!
//! Every `unsafe` block of the crate lives in this module. The layers above
//! (`runtime`: the loop, `Task`, `TaskRef`) see tasks only as [`RawTask`]
//! (an uncounted name, safe to use while the invariants below keep the task
//! alive) and [`TaskPtr`] (a counted reference), and this module reaches the
//! loop above it only through [`Schedule`].
//!
//! # Invariants
//!
//! - **I1 (layout).** A task is one cell, a `TaskCell<F, T>` whose first
//!   field is its [`Header`] (`repr(C)`), so a `NonNull<Header>` can be cast
//!   back to the cell by the functions of the task's own vtable. The cell
//!   comes from the loop's [`CellPool`] (state bit `POOLED`, set at creation)
//!   or from the global allocator as a `Box`.
//! - **I2 (ownership).** `Header::refs` counts every owning [`TaskPtr`]: the
//!   loop's registry (while the task is registered), typed and untyped
//!   handles, cloned wakers and cross-thread inbox entries. The cell is
//!   released when the count reaches zero: recycled into its pool on the
//!   loop's thread, left to its pool's chunk elsewhere, or freed (`Box`). The
//!   pool lives in the `Remote`, and the cell's reference to the `Remote` is
//!   dropped after the cell, so the pool outlives all its cells. The ready
//!   queue's links (in the headers), and every [`RawTask`], do not own a
//!   reference: a task stays registered while it is queued, and is queued
//!   at most once (its `SCHEDULED` bit).
//! - **I3 (loop-only fields).** `link`, `state`, `stage`, `awaiter`,
//!   `awaiting`, `timer_seq`, `timer_pos` and the loop behind `remote.core`
//!   are touched only on the thread that runs the owning loop. Handles are
//!   `!Send`; a waker used on another thread only touches `refs`,
//!   `vtable` and `remote` (atomics and immutable data) and hands the task to
//!   the loop through its [`Remote`] inbox.
//! - **I4 (drop on the loop).** The future is dropped by the loop when the task
//!   finishes, is cancelled, or its loop discards it; the output is dropped by
//!   its handle, or by the loop once no handle exists. So when the last
//!   reference goes away on another thread, the stage is already empty and
//!   freeing drops no `!Send` value.
//! - **I5 (core liveness).** `remote.core` points at the owning loop while the task is
//!   not `DONE`; a loop finishes (cancels) every registered task before its
//!   memory goes away, and nothing dereferences `core` for a `DONE` task.
//! - **I6 (own timers).** The timer heap points at a task's header, without
//!   a counted reference, exactly while the task's `TIMER` bit is set. The
//!   bit is cleared when the timer fires or is removed, and at the latest
//!   when the task becomes `DONE` (`Core::complete`, `Core::discard_all`),
//!   while the task is still registered, hence alive.
//! - **I7 (a polled task has its future).** The loop polls only tasks that
//!   are neither `DONE` nor `CANCEL`. Every path that drops a future (its
//!   `Ready`, a panic, a cancellation) makes the task `DONE` before the loop
//!   can poll again: inside `drive` right away, and in `Core::discard_all`
//!   with the loop marked running, so no `drive` can start in a destructor.
//!   So `poll` needs no check of `FUTURE`.

use crate::raw::sync::Arc;
use alloc::alloc::Layout;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Cell, UnsafeCell};
use core::future::Future;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

mod external;
#[cfg(feature = "std")]
mod local;
pub(crate) mod mutex;
mod outcome;
mod pool;
mod ready;
mod remote;
pub(crate) mod state;
pub(crate) mod sync;
pub(crate) mod timers;
pub(crate) use external::ExternalWaiter;
#[cfg(feature = "std")]
pub use local::Local;
pub use outcome::TaskError;
pub(crate) use pool::CellPool;
pub(crate) use ready::{Entry, ReadyQueue};
pub(crate) use remote::{INBOX, IO, MAIN_DONE, Remote, Schedule};
use state::State;
use sync::{AtomicU32, Ordering};

/// Type-erased operations on a `TaskCell<F, T>`.
pub(crate) struct VTable {
    /// Poll the future once (the stage holds it, I7); a future that
    /// finishes leaves its outcome in its place (`FUTURE` off, `OUTPUT` on).
    poll: unsafe fn(NonNull<Header>, &mut Context<'_>),
    /// Drop the future and record `Err(Cancelled)`.
    cancel: unsafe fn(NonNull<Header>),
    /// Drop the future after a panic escaped its poll, and record the panic.
    /// Panics are caught with `std` only (without it they abort): without
    /// it, neither this nor `error` is linked.
    #[cfg(feature = "std")]
    fail: unsafe fn(NonNull<Header>, String),
    /// A copy of the failure, if the task failed and its outcome is still there.
    #[cfg(feature = "std")]
    error: unsafe fn(NonNull<Header>) -> Option<TaskError>,
    /// Move the outcome into `*out` (a `Option<Result<T, TaskError>>`).
    take_output: unsafe fn(NonNull<Header>, *mut ()),
    /// Drop the outcome, if any.
    drop_output: unsafe fn(NonNull<Header>),
    /// Free the allocation.
    dealloc: unsafe fn(NonNull<Header>),
}

/// The part of a task every piece of the runtime can see.
///
/// 64 bytes on 64-bit targets: it is most of a task's memory. Names, which
/// few tasks have, are kept aside by the loop's `Remote`; the awaiter's
/// waker takes one word ([`Awaiter`]), which pays for the task's own timer
/// (`timer_seq`, `timer_pos`: a sleeping task needs no other timer memory
/// than its heap entry).
#[repr(C)]
pub(crate) struct Header {
    /// The ready-queue link; first, so a link's address is its task's.
    link: ready::Link,
    refs: AtomicU32,
    pub(crate) state: State,
    /// Position in the loop's registry.
    pub(crate) index: Cell<u32>,
    pub(crate) id: u32,
    vtable: &'static VTable,
    /// The owning loop's cross-thread inbox; also its identity, the way to
    /// the loop itself (`Remote::core`), and the pool the cell came from.
    /// Released by `dealloc_impl` after the cell's memory (so the pool
    /// outlives it), never by the header's own drop.
    pub(crate) remote: ManuallyDrop<Arc<Remote>>,
    /// The waker of whoever awaits this task's handle.
    pub(crate) awaiter: Awaiter,
    /// The task this task is currently awaiting (for cancel forwarding).
    pub(crate) awaiting: Cell<Option<RawTask>>,
    /// The insertion order of this task's own timer, while it is armed
    /// (`state::TIMER`; see `timers`).
    pub(crate) timer_seq: Cell<u32>,
    /// The position of this task's own timer in the timer heap, while armed.
    pub(crate) timer_pos: Cell<u32>,
}

/// The future, then its outcome, in the same bytes. The header's
/// `state::FUTURE` and `state::OUTPUT` bits say which one is there (at most
/// one), so the stage needs no tag of its own (an enum's took 8 bytes).
union Stage<F, T> {
    future: ManuallyDrop<F>,
    output: ManuallyDrop<Result<T, TaskError>>,
}

#[repr(C)]
struct TaskCell<F, T> {
    header: Header,
    stage: UnsafeCell<Stage<F, T>>,
}

/// An owning, counted pointer to a task (I2).
pub(crate) struct TaskPtr(NonNull<Header>);

// SAFETY: across threads a `TaskPtr` only touches `refs` (atomic) and, when
// the count reaches zero, frees a cell whose stage is already empty (I4).
unsafe impl Send for TaskPtr {}

impl TaskPtr {
    /// Takes a new counted reference to `ptr`.
    ///
    /// Callers hold `ptr` alive through another reference.
    fn from_raw_ref(ptr: NonNull<Header>) -> TaskPtr {
        // SAFETY: the caller keeps the task alive, so the header is valid.
        let previous = unsafe { ptr.as_ref() }.refs.fetch_add(1, Ordering::Relaxed);
        // Like `Arc`: a count this high means leaked wakers; stop before it wraps.
        assert!(previous < u32::MAX / 2, "uasyncio: a task has more than 2^31 references (leaked wakers?)");
        TaskPtr(ptr)
    }

    /// The uncounted name of this task, valid while this reference (or
    /// the task's registration) lasts.
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn as_raw(&self) -> RawTask {
        RawTask(self.0)
    }

    /// The loop of this task while it has not finished (see [`RawTask::scheduler`]).
    pub(crate) fn scheduler(&self) -> Option<&dyn Schedule> {
        // SAFETY: this pointer holds a reference, so the cell is alive (I2)
        // while the result (tied to `self`) is used.
        unsafe { RawTask::from_raw(self.0) }.scheduler().map(|s| {
            // SAFETY: the loop is alive while the task is not DONE (I5); the
            // result is used on the loop thread (handles are `!Send`, I3).
            unsafe { &*(s as *const dyn Schedule) }
        })
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: this pointer holds a reference, so the cell is alive (I2).
        unsafe { self.0.as_ref() }
    }
}

impl Clone for TaskPtr {
    fn clone(&self) -> Self {
        TaskPtr::from_raw_ref(self.0)
    }
}

impl Drop for TaskPtr {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { release(self.0) }
    }
}

/// Drops one reference; frees the cell on the last one.
///
/// # Safety
/// The caller owns one reference to `ptr`.
unsafe fn release(ptr: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the header alive until here.
    let header = unsafe { ptr.as_ref() };
    if header.refs.fetch_sub(1, Ordering::Release) == 1 {
        sync::fence(Ordering::Acquire);
        // SAFETY: that was the last reference; nobody else can see the cell.
        unsafe { (header.vtable.dealloc)(ptr) }
    }
}

/// The header of a live task, inside this module: the vtable functions and
/// the waker are handed pointers that their contract (I1–I3) keeps alive.
fn hdr<'a>(ptr: NonNull<Header>) -> &'a Header {
    // SAFETY: callers in this module pass a header kept alive by a counted
    // reference or by the task's registration (I2), on the loop thread (I3).
    unsafe { ptr.as_ref() }
}

impl Header {
    /// Whether any of `bits` (see [`state`]) is set.
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn has(&self, bits: u32) -> bool {
        self.state.has(bits)
    }

    /// The name given at creation, if any.
    pub(crate) fn name(&self) -> Option<String> {
        if self.has(state::NAMED) { self.remote.name_of(self as *const Header as usize) } else { None }
    }
}

/// A copyable name for a live task: what the loop's ready queue, its
/// current and main task, the awaiting link and the timer heap hold.
///
/// This is the crate's unsafe boundary for task pointers (like embassy's
/// `TaskRef` or tokio's `RawTask`). A `RawTask` owns no reference; its
/// constructors (the `unsafe` [`from_raw`](Self::from_raw) and
/// [`TaskPtr::as_raw`]) hand one out only for a task that a counted
/// reference keeps alive, and the loop keeps each copy only where the task's
/// registration outlives it (I2: queued tasks are registered, `current`
/// and `main` are cleared before their task is released, an `awaiting` link
/// goes when either end finishes, an own timer is removed before its task
/// is `DONE`, I6). Its methods are therefore safe, and used on the loop's
/// thread only (the loop and every `RawTask` holder are `!Send`, I3).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub(crate) struct RawTask(NonNull<Header>);

impl RawTask {
    /// Names the task whose header is at `ptr`.
    ///
    /// # Safety
    /// `ptr` is the header of a task cell (I1) that stays alive (I2) for as
    /// long as the result, or any copy of it, is used, on its loop's thread (I3).
    #[cfg_attr(feature = "std", inline)]
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask(ptr)
    }

    /// The pointer, for this module's vtable functions and queues.
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn as_ptr(self) -> NonNull<Header> {
        self.0
    }

    /// The task's header.
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: the type's invariant: the task is alive while this name is used.
        unsafe { self.0.as_ref() }
    }

    /// A new counted reference to this task.
    pub(crate) fn counted(self) -> TaskPtr {
        TaskPtr::from_raw_ref(self.0)
    }

    /// Polls the task once (how it ended: [`State::end_poll`](state::State::end_poll)).
    ///
    /// # Panics
    /// In debug builds, if the task is `DONE` or `CANCEL` (the loop polls
    /// neither, I7). A panic of the future itself unwinds to the caller,
    /// which then calls [`fail`](Self::fail).
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn poll(self) {
        let waker = waker_ref(self.0);
        let mut cx = Context::from_waker(&waker);
        debug_assert!(!self.header().has(state::DONE | state::CANCEL), "poll of a finished or cancelled task");
        // SAFETY: alive (the type's invariant, I2) on the loop thread (I3);
        // the loop polls only tasks that are not DONE or CANCEL, whose stage
        // holds the future (I7).
        unsafe { (self.header().vtable.poll)(self.0, &mut cx) }
    }

    /// Records that a panic escaped this task's poll: its future is
    /// dropped and the panic becomes its outcome.
    #[cfg(feature = "std")]
    pub(crate) fn fail(self, message: String) {
        // SAFETY: as in `poll`; `fail` copes with any stage.
        unsafe { (self.header().vtable.fail)(self.0, message) }
    }

    /// Drops the future (if it is still there) and records the cancellation.
    pub(crate) fn cancel(self) {
        // SAFETY: as in `poll`; `cancel` checks FUTURE itself.
        unsafe { (self.header().vtable.cancel)(self.0) }
    }

    /// The failure recorded for a finished task, if any.
    #[cfg(feature = "std")]
    pub(crate) fn error(self) -> Option<TaskError> {
        // SAFETY: as in `poll`; `error` checks OUTPUT itself.
        unsafe { (self.header().vtable.error)(self.0) }
    }

    /// Drops the outcome, if it is there.
    pub(crate) fn drop_output(self) {
        // SAFETY: as in `poll`; `drop_output` checks OUTPUT itself.
        unsafe { (self.header().vtable.drop_output)(self.0) }
    }

    /// Whether `waker` is this task's own waker.
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn is_woken_by(self, waker: &Waker) -> bool {
        task_of(waker) == Some(self.0)
    }

    /// The loop of this task while it has not finished, or `None` once it
    /// has (I5).
    pub(crate) fn scheduler(&self) -> Option<&dyn Schedule> {
        let h = self.header();
        if h.has(state::DONE) {
            None
        } else {
            // SAFETY: a task that is not DONE has a live loop (I5); loop thread (I3).
            Some(unsafe { &*h.remote.core.0 })
        }
    }

    /// Whether both tasks belong to the same loop.
    pub(crate) fn same_loop(self, other: RawTask) -> bool {
        Arc::ptr_eq(&self.header().remote, &other.header().remote)
    }
}

/// The typed handle's core: a counted pointer that knows the output type.
pub(crate) struct JoinHandle<T> {
    task: TaskPtr,
    _output: PhantomData<fn() -> T>,
}

impl<T> JoinHandle<T> {
    /// Allocates a task for `fut`, with two references: the registry's
    /// (returned first) and this handle's.
    pub(crate) fn allocate<F>(
        fut: F,
        remote: Arc<Remote>,
        id: u32,
        name: Option<Box<str>>,
        initial_state: u32,
    ) -> (TaskPtr, JoinHandle<F::Output>)
    where
        F: Future<Output = T> + 'static,
    {
        // `allocate` runs on the loop's thread (its callers hold the loop);
        // `is_local` is false without std, where no cell is pooled.
        let class = CellPool::class_of(Layout::new::<TaskCell<F, F::Output>>()).filter(|_| remote.is_local());
        let state = State::created(initial_state, name.is_some(), class.is_some());
        // SAFETY: loop thread (above).
        let memory = class.map(|class| unsafe { remote.pool.alloc(class) });
        let cell = TaskCell::<F, F::Output> {
            header: Header {
                link: ready::Link::new(),
                refs: AtomicU32::new(2),
                state,
                index: Cell::new(0),
                id,
                vtable: vtable_of::<F>(),
                remote: ManuallyDrop::new(remote),
                awaiter: Awaiter::new(),
                awaiting: Cell::new(None),
                timer_seq: Cell::new(0),
                timer_pos: Cell::new(0),
            },
            stage: UnsafeCell::new(Stage { future: ManuallyDrop::new(fut) }),
        };
        let ptr = match memory {
            Some(memory) => {
                let memory = memory.cast::<TaskCell<F, F::Output>>();
                // SAFETY: a fresh pool cell of this layout's class: big and
                // aligned enough, and unused.
                unsafe { memory.as_ptr().write(cell) };
                memory.cast::<Header>()
            }
            None => NonNull::from(Box::leak(Box::new(cell))).cast::<Header>(),
        };
        if let Some(name) = name {
            hdr(ptr).remote.set_name(ptr.as_ptr() as usize, name);
        }
        (TaskPtr(ptr), JoinHandle { task: TaskPtr(ptr), _output: PhantomData })
    }

    pub(crate) fn task(&self) -> &TaskPtr {
        &self.task
    }

    /// Moves the outcome out of the finished task; `None` if already taken.
    pub(crate) fn take_output(&self) -> Option<Result<T, TaskError>> {
        let mut out: Option<Result<T, TaskError>> = None;
        let ptr = self.task.0;
        // SAFETY: the handle was made by `allocate` for a future whose output
        // is `T`, so the vtable writes an `Option<Result<T, TaskError>>`; the
        // handle's reference keeps the task alive; handles are loop-thread only.
        unsafe { (hdr(ptr).vtable.take_output)(ptr, (&mut out as *mut Option<Result<T, TaskError>>).cast()) };
        out
    }
}

/// The task `waker` wakes, if it is one of our wakers (of any loop).
#[cfg_attr(feature = "std", inline)]
fn task_of(waker: &Waker) -> Option<NonNull<Header>> {
    if core::ptr::eq(waker.vtable(), &WAKER_VTABLE) { NonNull::new(waker.data() as *mut Header) } else { None }
}

/// If `waker` is a waker of a task of `core`, that task.
pub(crate) fn local_task(waker: &Waker, core: &dyn Schedule) -> Option<RawTask> {
    task_of(waker)
        .filter(|&ptr| {
            let h = hdr(ptr);
            h.remote.is_local() && core::ptr::addr_eq(h.remote.core.0, core)
        })
        // The waker's reference keeps the task alive while the caller holds the waker.
        .map(RawTask)
}

fn vtable_of<F: Future + 'static>() -> &'static VTable {
    struct Holder<F>(core::marker::PhantomData<F>);
    impl<F: Future + 'static> Holder<F> {
        const VTABLE: VTable = VTable {
            poll: poll_impl::<F>,
            cancel: cancel_impl::<F>,
            #[cfg(feature = "std")]
            fail: fail_impl::<F>,
            #[cfg(feature = "std")]
            error: error_impl::<F>,
            take_output: take_output_impl::<F>,
            drop_output: drop_output_impl::<F>,
            dealloc: dealloc_impl::<F>,
        };
    }
    &Holder::<F>::VTABLE
}

/// # Safety (all `*_impl`, and the stage helpers)
/// `ptr` is a live `TaskCell<F, F::Output>` (I1, I2) used on its loop thread (I3).
unsafe fn stage<'a, F: Future>(ptr: NonNull<Header>) -> &'a mut Stage<F, F::Output> {
    // SAFETY: see above; the loop never holds two of these borrows at once.
    unsafe { &mut *ptr.cast::<TaskCell<F, F::Output>>().as_ref().stage.get() }
}

/// Drops the future where it stands, if it is still there.
unsafe fn drop_future<F: Future>(ptr: NonNull<Header>) {
    let h = hdr(ptr);
    if h.has(state::FUTURE) {
        // Cleared first: if a destructor panics, the stage is already empty.
        h.state.future_dropped();
        // SAFETY: FUTURE said the stage held the future; it is dropped once.
        unsafe { ManuallyDrop::drop(&mut stage::<F>(ptr).future) };
    }
}

/// Stores the outcome in the (empty) stage.
unsafe fn put_output<F: Future>(ptr: NonNull<Header>, outcome: Result<F::Output, TaskError>) {
    let h = hdr(ptr);
    debug_assert!(!h.has(state::FUTURE | state::OUTPUT), "the stage is not empty");
    // SAFETY: helper contract; writing a `ManuallyDrop` field drops nothing.
    unsafe { stage::<F>(ptr) }.output = ManuallyDrop::new(outcome);
    h.state.output_stored();
}

/// Moves the outcome out, if it is there.
unsafe fn take_outcome<F: Future>(ptr: NonNull<Header>) -> Option<Result<F::Output, TaskError>> {
    let h = hdr(ptr);
    if !h.has(state::OUTPUT) {
        return None;
    }
    h.state.output_taken();
    // SAFETY: OUTPUT said the stage held the outcome; it is moved out once.
    Some(unsafe { ManuallyDrop::take(&mut stage::<F>(ptr).output) })
}

/// Polls without a per-poll `catch_unwind` (that costs on every poll): a
/// panic unwinds to the loop's own catch, which calls `fail_impl` for the
/// task that was running (`Core::current`).
unsafe fn poll_impl<F: Future>(ptr: NonNull<Header>, cx: &mut Context<'_>) {
    // A polled task holds its future (I7).
    debug_assert!(hdr(ptr).has(state::FUTURE), "poll of a task whose future is gone");
    // SAFETY: vtable contract; FUTURE says the stage holds the future, which
    // lives in the task's cell and is never moved (it is dropped in place).
    let fut = unsafe { Pin::new_unchecked(&mut *stage::<F>(ptr).future) };
    if let Poll::Ready(value) = fut.poll(cx) {
        // SAFETY: vtable contract (for both).
        unsafe {
            drop_future::<F>(ptr);
            put_output::<F>(ptr, Ok(value));
        }
    }
}

#[cfg(feature = "std")]
unsafe fn fail_impl<F: Future>(ptr: NonNull<Header>, message: String) {
    // The future's destructors may panic too; their message is lost.
    // SAFETY: vtable contract (for all three).
    let _ = catch(|| unsafe { drop_future::<F>(ptr) });
    // SAFETY: vtable contract.
    let _ = catch(|| drop(unsafe { take_outcome::<F>(ptr) }));
    // SAFETY: vtable contract; the stage was emptied just above.
    unsafe { put_output::<F>(ptr, Err(TaskError::Panicked(message))) };
    hdr(ptr).state.panicked();
}

unsafe fn cancel_impl<F: Future>(ptr: NonNull<Header>) {
    if hdr(ptr).has(state::FUTURE) {
        // Destructors run now, like a `finally` block; a panic in one is not
        // allowed to escape into the loop.
        // SAFETY: vtable contract (for both).
        let _ = catch(|| unsafe { drop_future::<F>(ptr) });
        // SAFETY: vtable contract; the stage was emptied just above.
        unsafe { put_output::<F>(ptr, Err(TaskError::Cancelled)) };
    }
}

#[cfg(feature = "std")]
unsafe fn error_impl<F: Future>(ptr: NonNull<Header>) -> Option<TaskError> {
    if !hdr(ptr).has(state::OUTPUT) {
        return None;
    }
    // SAFETY: vtable contract; OUTPUT says the stage holds the outcome.
    match unsafe { &*stage::<F>(ptr).output } {
        Err(e) => Some(e.clone()),
        Ok(_) => None,
    }
}

unsafe fn take_output_impl<F: Future>(ptr: NonNull<Header>, out: *mut ()) {
    // SAFETY: vtable contract.
    if let Some(result) = unsafe { take_outcome::<F>(ptr) } {
        // SAFETY: `take_output::<T>` passes an `Option<Result<F::Output, _>>`.
        unsafe { *out.cast::<Option<Result<F::Output, TaskError>>>() = Some(result) };
    }
}

unsafe fn drop_output_impl<F: Future>(ptr: NonNull<Header>) {
    if hdr(ptr).has(state::OUTPUT) {
        // SAFETY: vtable contract.
        let _ = catch(|| drop(unsafe { take_outcome::<F>(ptr) }));
    }
}

unsafe fn dealloc_impl<F: Future>(ptr: NonNull<Header>) {
    // Nobody else can see the cell any more (I2), so reading `state` here,
    // on whatever thread, races with nothing.
    let h = hdr(ptr);
    if h.has(state::NAMED) {
        h.remote.forget_name(ptr.as_ptr() as usize);
    }
    // The stage is empty by now (I4); were it not, this drops what is left.
    // SAFETY: vtable contract (the cell is ours alone).
    unsafe {
        drop_future::<F>(ptr);
        drop(take_outcome::<F>(ptr));
    }
    // SAFETY: the cell is a `TaskCell<F, F::Output>`, ours alone, its stage empty.
    unsafe { free_cell(ptr, Layout::new::<TaskCell<F, F::Output>>()) }
}

/// The part of `dealloc_impl` that does not depend on the future's type:
/// drops the header and frees the cell's memory.
///
/// # Safety
/// `ptr` is a cell of `layout` made by `allocate`, initialised, with an
/// empty stage, that nobody else can see (I2); it is not used afterwards.
///
/// Inlined into each `dealloc_impl` with `std` (where the layout's size
/// class is then a constant: spawn_join_seq's instruction budget), one copy
/// without it (flash).
#[cfg_attr(feature = "std", inline(always))]
unsafe fn free_cell(ptr: NonNull<Header>, layout: Layout) {
    let pooled = hdr(ptr).has(state::POOLED);
    // SAFETY: the cell is ours alone; the header's drop never releases
    // `remote` (ManuallyDrop), so this is the one owner of that reference.
    // It is released last, so the pool outlives the cell's memory.
    let remote = ManuallyDrop::into_inner(unsafe { ptr::read(ptr::addr_of!((*ptr.as_ptr()).remote)) });
    // SAFETY: the header is initialised and dropped once, here; the stage
    // (a union of `ManuallyDrop`s, empty) has nothing to drop.
    unsafe { ptr::drop_in_place(ptr.as_ptr()) };
    let memory = ptr.cast::<u8>();
    if !pooled {
        // SAFETY: the cell came from `Box::leak` of a `Box` of this layout in `allocate`.
        unsafe { alloc::alloc::dealloc(memory.as_ptr(), layout) };
    } else if let Some(class) = CellPool::class_of(layout) {
        if remote.is_local() {
            // SAFETY: `allocate` took the cell from this pool with this
            // class (POOLED); its contents are dropped; loop thread.
            unsafe { remote.pool.free(memory, class) };
        } else {
            // Released on another thread (a waker kept there): handed
            // back for the loop's thread to recycle.
            // SAFETY: as above, from any thread.
            unsafe { remote.pool.give_back(memory, class) };
        }
    }
    drop(remote);
}

/// What a caught panic carries (std); without std panics abort.
#[cfg(feature = "std")]
pub(crate) type PanicPayload = Box<dyn core::any::Any + Send>;
/// What a caught panic carries (std); without std panics abort.
#[cfg(not(feature = "std"))]
pub(crate) type PanicPayload = core::convert::Infallible;

/// Runs `f`, catching a panic with its payload.
pub(crate) fn catch_payload<R>(f: impl FnOnce() -> R) -> Result<R, PanicPayload> {
    #[cfg(feature = "std")]
    {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
    }
    #[cfg(not(feature = "std"))]
    {
        Ok(f())
    }
}

/// The message of a panic payload.
pub(crate) fn panic_message(payload: &PanicPayload) -> String {
    #[cfg(feature = "std")]
    {
        if let Some(s) = payload.downcast_ref::<&str>() {
            String::from(*s)
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            String::from("<non-string panic payload>")
        }
    }
    #[cfg(not(feature = "std"))]
    match *payload {}
}

/// Continues a caught panic (std; without it nothing is caught).
#[cfg(feature = "std")]
pub(crate) fn resume_panic(payload: PanicPayload) -> ! {
    std::panic::resume_unwind(payload)
}

/// Runs `f`, turning a panic into its message (std); without std panics abort.
fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_payload(f).map_err(|payload| panic_message(&payload))
}

// ---------------------------------------------------------------------------
// The waker: a task pointer with a counted reference (I2).

static WAKER_VTABLE: RawWakerVTable = RawWakerVTable::new(waker_clone, waker_wake, waker_wake_by_ref, waker_drop);

/// A waker borrowed from the loop's reference: no count is taken.
fn waker_ref(ptr: NonNull<Header>) -> ManuallyDrop<Waker> {
    // SAFETY: the vtable below upholds the RawWaker contract; ManuallyDrop
    // keeps the borrowed reference from being released.
    ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(ptr.as_ptr() as *const (), &WAKER_VTABLE)) })
}

unsafe fn waker_clone(data: *const ()) -> RawWaker {
    // SAFETY: a waker's data is a live task header it holds a reference to.
    let ptr = unsafe { NonNull::new_unchecked(data as *mut Header) };
    core::mem::forget(TaskPtr::from_raw_ref(ptr));
    RawWaker::new(data, &WAKER_VTABLE)
}

unsafe fn waker_wake(data: *const ()) {
    // SAFETY: as in `waker_clone`; this consumes the waker's reference.
    unsafe {
        waker_wake_by_ref(data);
        waker_drop(data);
    }
}

unsafe fn waker_wake_by_ref(data: *const ()) {
    // SAFETY: as in `waker_clone`.
    let ptr = unsafe { NonNull::new_unchecked(data as *mut Header) };
    // SAFETY: alive through the waker's reference.
    let header = unsafe { ptr.as_ref() };
    if header.remote.is_local() {
        // Loop thread: the loop-only fields are ours to touch (I3). Nothing
        // to do for a task that is queued already or finished.
        if header.state.schedule() {
            // SAFETY: loop thread (`is_local`); the task is not DONE
            // (`schedule` said so, and marked it SCHEDULED), so its loop is
            // alive (I5).
            unsafe { header.remote.schedule_local(RawTask(ptr)) };
        }
    } else {
        wake_from_afar(ptr);
    }
}

/// A wake from another thread (or an interrupt): through the loop's inbox.
/// Out of line so the local wake above stays a leaf.
#[cold]
#[inline(never)]
fn wake_from_afar(ptr: NonNull<Header>) {
    // The caller's waker holds a reference (I2).
    hdr(ptr).remote.push(TaskPtr::from_raw_ref(ptr));
}

unsafe fn waker_drop(data: *const ()) {
    // SAFETY: the waker owns one reference.
    unsafe { release(NonNull::new_unchecked(data as *mut Header)) }
}

// ---------------------------------------------------------------------------
// Globals that hold the current loop. With `std` they are thread-locals; the
// no_std build keeps them in statics for the one context that runs the loop.

#[cfg(not(feature = "std"))]
pub(crate) struct LoopCell<T>(pub(crate) T);

// SAFETY: no_std builds have no threads; the loop and everything that reads
// these cells runs in one execution context. Interrupt handlers must only use
// `ThreadSafeFlag::set` and wakers, which never touch these cells.
#[cfg(not(feature = "std"))]
unsafe impl<T> Sync for LoopCell<T> {}

/// The loop running in this context (a thread, or the one context of a
/// no_std build): a pointer that is set only while [`enter`](Self::enter)
/// borrows the value, so [`with`](Self::with) can lend it out safely.
pub(crate) struct Running<T>(Cell<*const T>);

impl<T> Running<T> {
    /// No value is running.
    pub(crate) const fn new() -> Running<T> {
        Running(Cell::new(ptr::null()))
    }

    /// Runs `f` with `value` as the running one; the previous one is back
    /// when `f` returns or unwinds.
    pub(crate) fn enter<R>(&self, value: &T, f: impl FnOnce() -> R) -> R {
        struct Restore<'a, T>(&'a Cell<*const T>, *const T);
        impl<T> Drop for Restore<'_, T> {
            fn drop(&mut self) {
                self.0.set(self.1);
            }
        }
        let _restore = Restore(&self.0, self.0.replace(value));
        f()
    }

    /// Runs `f` with the running value, if there is one.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&T) -> R) -> Option<R> {
        let ptr = self.0.get();
        if ptr.is_null() {
            return None;
        }
        // SAFETY: the pointer is not null only inside `enter`, whose borrow
        // of the value lasts until the pointer is restored; `f`'s result
        // cannot hold the reference (it is not tied to `R`).
        Some(f(unsafe { &*ptr }))
    }
}

/// Wakes `waker` the way an outside event does: a task of ours goes through
/// its loop's inbox, so it is queued at the loop's next step (after the task
/// running now has yielded), like MicroPython's wake at the next I/O poll.
pub(crate) fn wake_at_next_step(waker: Waker) {
    if let Some(ptr) = task_of(&waker) {
        // The waker's own reference keeps the header alive here (I2).
        hdr(ptr).remote.push(TaskPtr::from_raw_ref(ptr));
        return;
    }
    waker.wake();
}

/// The waker of whoever awaits a task's handle, in one word where an
/// `Option<Waker>` takes two: a waker of one of our tasks is kept as that
/// task's counted pointer (an even address, I2), any other waker in a box
/// (its address with the low bit set). Almost every awaiter is a task, so
/// the box is rare; it is made when a handle is awaited through a
/// combinator that polls with a waker of its own.
pub(crate) struct Awaiter(Cell<*const ()>);

/// The low bit that marks a boxed foreign waker.
const FOREIGN: usize = 1;

impl Awaiter {
    const fn new() -> Awaiter {
        Awaiter(Cell::new(ptr::null()))
    }

    /// Records `waker` as the awaiter, unless the recorded one already wakes
    /// the same task.
    pub(crate) fn register(&self, waker: &Waker) {
        let word = self.0.get();
        let ours = task_of(waker);
        let same = if word.is_null() {
            false
        } else if word.addr() & FOREIGN == 0 {
            ours.is_some_and(|task| core::ptr::eq(task.as_ptr().cast_const().cast(), word))
        } else {
            // SAFETY: a FOREIGN word is a `Box<Waker>` owned by this cell,
            // alive until `take` (loop thread, I3: nothing else reads it now).
            unsafe { &*word.map_addr(|a| a & !FOREIGN).cast::<Waker>() }.will_wake(waker)
        };
        if same {
            return;
        }
        let clone = waker.clone();
        let new = if ours.is_some() {
            // A clone of one of our wakers is its task's pointer with one
            // counted reference (I2), which the word now holds.
            ManuallyDrop::new(clone).data()
        } else {
            Box::into_raw(Box::new(clone)).cast_const().cast::<()>().map_addr(|a| a | FOREIGN)
        };
        let old = Awaiter::into_waker(self.0.replace(new));
        drop(old);
    }

    /// Takes the awaiter out, as a waker.
    pub(crate) fn take(&self) -> Option<Waker> {
        Awaiter::into_waker(self.0.replace(ptr::null()))
    }

    fn into_waker(word: *const ()) -> Option<Waker> {
        if word.is_null() {
            None
        } else if word.addr() & FOREIGN == 0 {
            // SAFETY: an even word is a task pointer holding one counted
            // reference (taken in `register`), which the waker takes over.
            Some(unsafe { Waker::from_raw(RawWaker::new(word, &WAKER_VTABLE)) })
        } else {
            // SAFETY: a FOREIGN word is the `Box<Waker>` made by `register`,
            // taken out of the cell once.
            Some(*unsafe { Box::from_raw(word.map_addr(|a| a & !FOREIGN).cast::<Waker>().cast_mut()) })
        }
    }
}

impl Drop for Awaiter {
    fn drop(&mut self) {
        drop(self.take());
    }
}

/// Interior mutability for the loop's own queues (ready queue, timer heap)
/// without `RefCell`'s borrow flag, which costs on every scheduling step.
///
/// The queues' own methods are reached through delegating methods of this
/// cell (`QueueCell<ReadyQueue>` in `ready.rs`, `QueueCell<TimerQueue>` in
/// `timers.rs`), each of which calls [`with`](Self::with) with a closure
/// that only calls the queue's method: it runs no user code (wakers are
/// moved in, or handed back to be dropped by the caller) and never reaches
/// the same cell again, so no two `&mut T` coexist. `with` is private to
/// this module, so no other closure can be passed. The cell is `!Sync` (it
/// lives in the loop's `Core`, used on one thread).
pub(crate) struct QueueCell<T>(UnsafeCell<T>);

impl<T: Default> Default for QueueCell<T> {
    fn default() -> Self {
        QueueCell(UnsafeCell::new(T::default()))
    }
}

impl<T> QueueCell<T> {
    #[cfg_attr(feature = "std", inline)]
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // SAFETY: see the type's documentation: closures are short, run no
        // user code and do not re-enter this cell; single thread (`!Sync`).
        f(unsafe { &mut *self.0.get() })
    }
}

/// Pushes onto one of the loop's tables (the task registry, the timer
/// heap), growing it by an eighth rather than doubling it.
///
/// These tables grow to the peak number of tasks or timers and keep that
/// size; doubling would leave a quarter of them unused on average (half at
/// worst), on machines where memory is the scarce thing. Growth stays
/// geometric, so a push is still amortized O(1) (the growth happens only
/// while a new peak is reached, and `realloc` often extends in place).
pub(crate) fn push_sparingly<T>(table: &mut Vec<T>, item: T) {
    if table.len() == table.capacity() {
        table.reserve_exact((table.capacity() / 8).max(8));
    }
    table.push(item);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_cell_is_its_header_and_the_larger_of_future_and_outcome() {
        use core::mem::size_of;
        assert_eq!(size_of::<Header>(), 64);
        assert_eq!(size_of::<Awaiter>(), 8);
        // A 40-byte future whose outcome (`Result<(), TaskError>`) is 24 bytes.
        assert_eq!(size_of::<TaskCell<[u64; 5], ()>>(), 64 + 40);
        // An outcome larger than its future.
        assert_eq!(size_of::<TaskCell<[u64; 1], [u64; 6]>>(), 64 + size_of::<Result<[u64; 6], TaskError>>());
    }
}
