//! The loop's cross-thread inbox ([`Remote`]) and the one call `raw/` makes
//! into the loop above it ([`Schedule`]).
//!
//! A task's header holds its loop's `Remote`: its identity, its pool of task
//! memory, the names of its tasks, and the inbox where wakes from other
//! threads (or interrupts) land. The loop itself is reached only through
//! [`LoopPtr`], as a `dyn Schedule`.

use super::sync::{Arc, AtomicU8, Lock, Ordering};
use super::{CellPool, RawTask, TaskPtr};
use crate::platform::Platform;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

/// What `raw/` asks of the loop a task belongs to: the one upward call of
/// this layer (as tokio's task module sees its scheduler through a
/// `Schedule` trait). The runtime's `Core` implements it; it is `Any` so
/// the runtime can get its `Core` back from a task (`downcast_ref`).
pub(crate) trait Schedule: core::any::Any {
    /// Puts `task` in the ready queue: a task of this loop, woken on the
    /// loop's thread, that was not `DONE` and has just been marked
    /// `SCHEDULED` (`State::schedule` returned true).
    fn schedule(&self, task: RawTask);
}

/// The address of a loop, as kept by its `Remote` (shared with other threads
/// for cross-thread wakes).
#[derive(Clone, Copy)]
pub(crate) struct LoopPtr(pub(crate) *const dyn Schedule);

// SAFETY: other threads only carry and compare the address; it is
// dereferenced (`RawTask::scheduler`, the local wake) only on the loop's own
// thread, after `Remote::is_local` said so, while the task is not DONE (I3, I5).
unsafe impl Send for LoopPtr {}
// SAFETY: as above.
unsafe impl Sync for LoopPtr {}

/// [`Remote::schedule`] for a loop of type `S`.
///
/// # Safety
/// `core` points at a live `S`, on its thread.
unsafe fn schedule_on<S: Schedule>(core: *const (), task: RawTask) {
    // SAFETY: the caller's contract.
    unsafe { &*core.cast::<S>() }.schedule(task)
}

#[cfg(feature = "std")]
super::sync::thread_local! {
    /// A process-unique id for this thread (cheaper than `thread::current()`).
    static THREAD_ID: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

/// This thread's id if `thread_id()` was ever called on it, else 0. The
/// loop's thread always has its id (taken when the loop was made), so this
/// cheap read is enough to tell "the loop's thread" from any other.
#[cfg(feature = "std")]
#[inline]
fn thread_id_if_known() -> u64 {
    // Loom drops all of a thread's locals at once when the thread ends,
    // while the loop kept in `THREAD_LOOP` may still release tasks: from
    // then on the thread reads as not known (a cell is handed back).
    #[cfg(loom)]
    return THREAD_ID.try_with(core::cell::Cell::get).unwrap_or(0);
    #[cfg(not(loom))]
    THREAD_ID.with(core::cell::Cell::get)
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

/// Where wakeups from other threads (or interrupts) land.
pub(crate) struct Remote {
    /// The loop; valid while any of its tasks is not done (I5).
    pub(crate) core: LoopPtr,
    /// `Schedule::schedule` of the loop's type, called directly by the
    /// local wake (one load and a jump, where the `dyn` call reads the
    /// vtable first).
    schedule: unsafe fn(*const (), RawTask),
    #[cfg(feature = "std")]
    owner: u64,
    /// Why the loop must look up from its steps ([`INBOX`], [`MAIN_DONE`],
    /// [`IO`]): one byte, so a step tests all with one load.
    attention: AtomicU8,
    /// Waiters that something outside the loop may wake (ThreadSafeFlag,
    /// I/O): while there are any, a loop with nothing to do idles instead of
    /// declaring a deadlock. Each waiter counts on the loop it waits in and
    /// holds this `Remote` until it uncounts (possibly on another thread).
    external: portable_atomic::AtomicUsize,
    /// Of those, the tasks parked on sockets (see `add_io_waiter`).
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    io_waiters: portable_atomic::AtomicUsize,
    inbox: Lock<RefCell<Inbox>>,
    platform: Arc<dyn Platform>,
    /// Where the loop's task cells come from (it outlives them: every task
    /// holds this `Remote`).
    pub(crate) pool: CellPool,
    /// The names of the loop's named tasks, by header address. Here rather
    /// than in every header since few tasks have one; here rather than in the
    /// loop since a task (and its name) may outlive its loop. Made by the
    /// first name, behind a trait object: a program that names no task links
    /// none of the map's code (2.5 KB on a Cortex-M).
    names: Lock<RefCell<Option<Box<dyn NameTable>>>>,
}

/// The map of [`Remote::names`].
trait NameTable: Send {
    fn insert(&mut self, task: usize, name: Box<str>);
    fn get(&self, task: usize) -> Option<&str>;
    fn remove(&mut self, task: usize) -> Option<Box<str>>;
    #[cfg(test)]
    fn len(&self) -> usize;
}

impl NameTable for BTreeMap<usize, Box<str>> {
    fn insert(&mut self, task: usize, name: Box<str>) {
        self.insert(task, name);
    }
    fn get(&self, task: usize) -> Option<&str> {
        self.get(&task).map(|name| &**name)
    }
    fn remove(&mut self, task: usize) -> Option<Box<str>> {
        self.remove(&task)
    }
    #[cfg(test)]
    fn len(&self) -> usize {
        self.len()
    }
}

#[derive(Default)]
struct Inbox {
    tasks: Vec<TaskPtr>,
    /// The loop is gone: wakes are dropped rather than queued (a queued task
    /// would hold this `Remote`, and so itself, forever).
    closed: bool,
}

impl Remote {
    /// The inbox of the loop at `core`, which idles and is notified through `platform`.
    pub(crate) fn new<S: Schedule>(core: *const S, platform: Arc<dyn Platform>) -> Remote {
        Remote {
            core: LoopPtr(core),
            schedule: schedule_on::<S>,
            #[cfg(feature = "std")]
            owner: thread_id(),
            attention: AtomicU8::new(0),
            external: portable_atomic::AtomicUsize::new(0),
            io_waiters: portable_atomic::AtomicUsize::new(0),
            inbox: Lock::new(RefCell::new(Inbox::default())),
            platform,
            names: Lock::new(RefCell::new(None)),
            pool: CellPool::new(),
        }
    }

    /// Puts `task`, one of this loop's, in its ready queue ([`Schedule::schedule`]).
    ///
    /// # Safety
    /// On the loop's thread (`is_local`), for a task that is not `DONE`
    /// (so the loop is alive, I5) and was just marked `SCHEDULED`.
    #[inline]
    pub(crate) unsafe fn schedule_local(&self, task: RawTask) {
        // SAFETY: the caller's contract; `schedule` was made for the type
        // `core` points at (`new`).
        unsafe { (self.schedule)(self.core.0.cast::<()>(), task) }
    }

    /// Says that the task the loop runs for has finished (loop thread).
    #[inline]
    pub(crate) fn set_main_done(&self) {
        self.attention.fetch_or(MAIN_DONE, Ordering::Relaxed);
    }

    /// Forgets [`set_main_done`](Self::set_main_done) (a run is over).
    pub(crate) fn clear_main_done(&self) {
        self.attention.fetch_and(!MAIN_DONE, Ordering::Relaxed);
    }

    /// How many names are kept (tests).
    #[cfg(test)]
    pub(crate) fn name_count(&self) -> usize {
        self.names.with(|names| names.borrow().as_ref().map_or(0, |names| names.len()))
    }
    /// True on the thread that owns the loop (never in no_std builds, where an
    /// interrupt could be the caller: every wake takes the inbox path there).
    #[inline]
    pub(crate) fn is_local(&self) -> bool {
        #[cfg(feature = "std")]
        {
            self.owner == thread_id_if_known()
        }
        #[cfg(not(feature = "std"))]
        {
            false
        }
    }

    /// Hands a task to the loop from anywhere, and wakes the loop's idle wait.
    pub(crate) fn push(&self, task: TaskPtr) {
        let refused = self.inbox.with(|inbox| {
            let mut inbox = inbox.borrow_mut();
            if inbox.closed {
                return Some(task);
            }
            inbox.tasks.push(task);
            // Under the lock: a loop that finds the inbox empty under the
            // lock (`inbox_is_empty`) has seen every push before it.
            self.attention.fetch_or(INBOX, Ordering::Release);
            None
        });
        if refused.is_none() {
            self.platform.notify();
        }
        // A refused task (its loop is gone) is released here, outside the lock.
        drop(refused);
    }

    /// The loop is going away: empty the inbox and refuse later wakes.
    pub(crate) fn close_inbox(&self) {
        let tasks = self.inbox.with(|inbox| {
            let mut inbox = inbox.borrow_mut();
            inbox.closed = true;
            core::mem::take(&mut inbox.tasks)
        });
        self.attention.fetch_and(!INBOX, Ordering::Relaxed);
        drop(tasks);
    }

    pub(crate) fn set_name(&self, task: usize, name: Box<str>) {
        self.names.with(|names| {
            names.borrow_mut().get_or_insert_with(|| Box::new(BTreeMap::new())).insert(task, name);
        });
    }

    pub(crate) fn name_of(&self, task: usize) -> Option<String> {
        self.names.with(|names| names.borrow().as_ref()?.get(task).map(String::from))
    }

    /// Forgets a name when its task's memory goes (on any thread).
    pub(crate) fn forget_name(&self, task: usize) {
        let name = self.names.with(|names| names.borrow_mut().as_mut()?.remove(task));
        drop(name);
    }

    /// Counts a waiter that something outside the loop may wake.
    pub(crate) fn add_external_waiter(&self) {
        self.external.fetch_add(1, portable_atomic::Ordering::Relaxed);
    }

    /// Uncounts a waiter counted by [`add_external_waiter`](Self::add_external_waiter).
    pub(crate) fn remove_external_waiter(&self) {
        let previous = self.external.fetch_sub(1, portable_atomic::Ordering::Relaxed);
        debug_assert!(previous > 0, "an outside waiter uncounted twice");
    }

    pub(crate) fn external_waiters(&self) -> usize {
        self.external.load(portable_atomic::Ordering::Relaxed)
    }

    /// Whether no wake from afar is waiting, asked under the inbox's lock:
    /// the last word before the loop declares that nothing can wake it.
    pub(crate) fn inbox_is_empty(&self) -> bool {
        self.inbox.with(|inbox| inbox.borrow().tasks.is_empty())
    }

    /// The [`INBOX`], [`MAIN_DONE`] and [`IO`] bits now.
    #[inline]
    pub(crate) fn attention(&self) -> u8 {
        self.attention.load(Ordering::Relaxed)
    }

    pub(crate) fn take_into(&self, out: &mut Vec<TaskPtr>) {
        if self.attention.load(Ordering::Acquire) & INBOX != 0 {
            self.attention.fetch_and(!INBOX, Ordering::Relaxed);
            self.inbox.with(|inbox| out.append(&mut inbox.borrow_mut().tasks));
        }
    }
}

#[cfg(feature = "std")]
impl crate::io_queue::IoWaiters for Remote {
    /// Counts a task parked on a socket: an outside waiter that also makes
    /// the loop look at its poller between steps (the [`IO`] bit), so tasks
    /// that keep the loop busy cannot starve the sockets.
    fn add_io_waiter(&self) {
        self.add_external_waiter();
        if self.io_waiters.fetch_add(1, portable_atomic::Ordering::Relaxed) == 0 {
            self.attention.fetch_or(IO, Ordering::Relaxed);
        }
    }

    fn remove_io_waiter(&self) {
        if self.io_waiters.fetch_sub(1, portable_atomic::Ordering::Relaxed) == 1 {
            self.attention.fetch_and(!IO, Ordering::Relaxed);
        }
        self.remove_external_waiter();
    }
}

/// `Remote::attention`: the inbox holds tasks.
pub(crate) const INBOX: u8 = 1;
/// `Remote::attention`: the task `drive` runs for has finished (set on the
/// loop's thread by `Core::complete`).
pub(crate) const MAIN_DONE: u8 = 2;
/// `Remote::attention`: tasks are parked on sockets; the loop looks at its
/// poller (without waiting) now and then between steps.
pub(crate) const IO: u8 = 4;
