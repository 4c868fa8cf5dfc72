//! The scheduler: one loop, read top to bottom in `Core::drive`.
//!
//! MicroPython keeps a single queue ordered by "time to run". We keep two
//! structures that together give the same order: the ready queue (tasks due
//! now, FIFO, keyed by the time they became due) and the timer heap. Each
//! step runs whichever is due first: the front task, or the earliest timer. Nothing is
//! allocated per step: the queues only grow to their high-water mark.

use crate::raw::sync::Arc;
use alloc::boxed::Box;
use alloc::rc::{Rc, Weak};
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use core::future::Future;
use core::task::Waker;

#[cfg(feature = "std")]
use super::ExceptionContext;
use super::context;
#[cfg(feature = "std")]
use super::task::TaskRef;
use super::{EventLoop, ExceptionHandler};
use crate::platform::Platform;
use crate::raw::state::Polled;
use crate::raw::timers::{Fired, TimerKey, TimerQueue};
use crate::raw::{
    self, Entry, INBOX, IO, JoinHandle, MAIN_DONE, QueueCell, RawTask, ReadyQueue, Remote, Schedule, TaskPtr, state,
};

/// Steps between two looks at the poller while tasks are parked on sockets
/// and other tasks keep the loop busy (tokio's event interval, about).
const IO_LOOK_EVERY: u32 = 61;

/// How many timers due in one tick an idle wait looks through for the
/// latest of their deadlines; with more, the wait ends at the tick's end
/// (see `Core::idle_until`). Bounds the search when something wakes the
/// loop again and again while many timers are pending in the tick.
const TICK_SEARCH: usize = 64;

/// Why `drive` returned.
pub(crate) enum RunEnd {
    MainDone,
    Stopped,
    /// Nothing is ready, no timer is pending and nothing outside can wake us.
    Exhausted,
}

/// The loop's state. Lives in an `Rc`; tasks point at it (raw I5).
pub(crate) struct Core {
    this: Weak<Core>,
    ready: QueueCell<ReadyQueue>,
    timers: QueueCell<TimerQueue>,
    /// Every task not yet released; each entry holds one reference.
    tasks: RefCell<Vec<TaskPtr>>,
    now: Cell<u64>,
    /// The next timer id to hand out, and how many of this loop's block are left.
    timer_ids: Cell<(u32, u32)>,
    /// Set while a fired timer wakes its task: that task goes to the front
    /// (the flag turns false when it did).
    urgent: Cell<Option<u64>>,
    urgent_queued: Cell<bool>,
    pub(crate) current: Cell<Option<RawTask>>,
    stop_queued: Cell<bool>,
    /// A `stop()` reached while `run_until_complete` ran: kept for the next
    /// `run_forever` (whose run it ends), not consumed.
    stop_kept: Cell<bool>,
    /// The task `drive` runs until it is done (`run_until_complete`).
    main: Cell<Option<RawTask>>,
    running: Cell<bool>,
    closed: Cell<bool>,
    /// Set while `discard_all` runs: tasks created then are refused.
    discarding: Cell<bool>,
    /// `closed || discarding`: one test for `spawn`.
    refuse_spawns: Cell<bool>,
    /// Set while tasks are being dropped at once (`cancel_now`,
    /// `discard_all`): a task whose drop asks to drop another goes on
    /// `drop_later` instead, so chains are dropped in a loop, not by recursion.
    dropping: Cell<bool>,
    drop_later: RefCell<Vec<TaskPtr>>,
    pub(crate) handler: RefCell<Option<ExceptionHandler>>,
    pub(crate) remote: Arc<Remote>,
    pub(crate) platform: Arc<dyn Platform>,
    next_id: Cell<u32>,
    inbox_buf: RefCell<Vec<TaskPtr>>,
    /// Steps left until the next look at the poller (while [`IO`] is set).
    io_look_in: Cell<u32>,
}

impl Core {
    pub(crate) fn new(platform: Arc<dyn Platform>) -> Rc<Core> {
        let now = platform.now_us();
        Rc::new_cyclic(|this| Core {
            this: this.clone(),
            ready: QueueCell::default(),
            timers: QueueCell::default(),
            tasks: RefCell::default(),
            now: Cell::new(now),
            timer_ids: Cell::new((0, 0)),
            urgent: Cell::new(None),
            urgent_queued: Cell::new(false),
            current: Cell::new(None),
            stop_queued: Cell::new(false),
            stop_kept: Cell::new(false),
            main: Cell::new(None),
            running: Cell::new(false),
            closed: Cell::new(false),
            discarding: Cell::new(false),
            refuse_spawns: Cell::new(false),
            dropping: Cell::new(false),
            drop_later: RefCell::default(),
            handler: RefCell::new(None),
            remote: Arc::new(Remote::new(this.as_ptr(), platform.clone())),
            platform,
            next_id: Cell::new(1),
            inbox_buf: RefCell::default(),
            io_look_in: Cell::new(IO_LOOK_EVERY),
        })
    }

    pub(crate) fn handle(&self) -> EventLoop {
        EventLoop { core: self.this.upgrade().expect("event loop is being dropped") }
    }

    /// Whether the loop is closed (`EventLoop::close`).
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Closes the loop for good: no task can be created on it any more.
    pub(crate) fn set_closed(&self) {
        self.closed.set(true);
        self.refuse_spawns.set(true);
    }

    fn set_discarding(&self, discarding: bool) {
        self.discarding.set(discarding);
        self.refuse_spawns.set(discarding || self.closed.get());
    }

    /// Whether the loop is running (further out too, when another loop runs
    /// inside one of its tasks), or discarding or dropping its tasks.
    pub(crate) fn is_running(&self) -> bool {
        self.running.get()
    }

    /// The time of the current step (cached; see `refresh_now`).
    pub(crate) fn now(&self) -> u64 {
        self.now.get()
    }

    /// Reads the clock (monotonic even if the platform's clock is not).
    pub(crate) fn refresh_now(&self) -> u64 {
        let now = self.platform.now_us().max(self.now.get());
        self.now.set(now);
        now
    }

    /// A new timer id: the order of a timer among those of equal deadline,
    /// and its identity. Ids increase within a loop, and no two loops of the
    /// process hand out the same id (each takes blocks of ids from one
    /// global counter) until 2^32 timers have been armed, so a `Sleep`
    /// dropped while another loop runs can never disarm that loop's timer.
    pub(crate) fn next_timer_id(&self) -> u32 {
        let (next, left) = self.timer_ids.get();
        if left == 0 {
            return self.next_timer_block();
        }
        self.timer_ids.set((next.wrapping_add(1), left - 1));
        next
    }

    #[cold]
    fn next_timer_block(&self) -> u32 {
        const BLOCK: u32 = 1 << 12;
        static NEXT_BLOCK: portable_atomic::AtomicU32 = portable_atomic::AtomicU32::new(0);
        let first = NEXT_BLOCK.fetch_add(BLOCK, portable_atomic::Ordering::Relaxed);
        self.timer_ids.set((first.wrapping_add(1), BLOCK - 1));
        first
    }

    // -- the timer API: what `time::Sleep` asks of the loop ----------------

    /// Arms a timer that wakes `waker` at `deadline` (µs on the loop clock);
    /// the loop picks its kind (`raw::timers`).
    pub(crate) fn arm_timer(&self, deadline: u64, waker: &Waker) -> TimerKey {
        self.timers.arm(deadline, self.next_timer_id(), waker, self.current.get())
    }

    /// A sleep that is not due was polled again: makes sure its timer
    /// wakes `waker`. Returns the key of the timer, moved or not.
    pub(crate) fn rearm_timer(&self, key: TimerKey, deadline: u64, waker: &Waker) -> TimerKey {
        self.timers.rearm(key, deadline, waker, self.current.get(), || self.next_timer_id())
    }

    /// Disarms the timer of `key`, if it is still armed.
    pub(crate) fn disarm_timer(&self, key: TimerKey) {
        self.timers.disarm(key, self.current.get());
    }

    // -- tasks ------------------------------------------------------------

    /// Creates a task, queued to run after the current task yields.
    ///
    /// # Panics
    /// If the loop is closed, or is discarding its tasks (a destructor run
    /// by `close`, `new_event_loop` or the loop's drop creates a task).
    pub(crate) fn spawn<F>(&self, fut: F, name: Option<Box<str>>) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        if self.refuse_spawns.get() {
            self.refuse_spawn();
        }
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1));
        let initial = state::HANDLE | state::REGISTERED | state::SCHEDULED;
        let (registered, handle) = JoinHandle::allocate(fut, self.remote.clone(), id, name, initial);
        self.register(registered);
        handle
    }

    /// The part of `spawn` that does not depend on the future's type:
    /// registers the new task and queues it. Inlined into each `spawn` with
    /// `std` (a call costs spawn_join_seq's instruction budget), one copy
    /// without it (flash).
    #[cfg_attr(feature = "std", inline(always))]
    fn register(&self, registered: TaskPtr) {
        let ptr = registered.as_raw();
        {
            let mut tasks = self.tasks.borrow_mut();
            registered.header().index.set(u32::try_from(tasks.len()).expect("more than 4 billion tasks"));
            super::push_sparingly(&mut tasks, registered);
        }
        self.enqueue(ptr);
    }

    /// Panics if the loop is running (or discarding its tasks): runs cannot nest.
    pub(crate) fn refuse_if_running(&self) {
        if self.running.get() {
            misuse!(
                "the event loop is already running: run(), run_until_complete() and run_forever() \
                 cannot be nested; await the future or use create_task() instead",
                "the event loop is already running: run*() cannot be nested",
            );
        }
    }

    #[cold]
    #[inline(never)]
    fn refuse_spawn(&self) -> ! {
        if self.closed.get() {
            misuse!(
                "create_task() on a closed event loop: the task would never run; get a new loop with \
                 new_event_loop() or get_event_loop()",
                "create_task() on a closed event loop",
            )
        }
        misuse!(
            "create_task() while the event loop is being closed or replaced (from a destructor run as \
             its tasks are discarded): the task would never run",
            "create_task() while the event loop discards its tasks",
        )
    }

    /// The loop of a task that has not finished, or `None` once it has.
    pub(crate) fn of(task: &TaskPtr) -> Option<&Core> {
        let scheduler: &dyn core::any::Any = task.scheduler()?;
        scheduler.downcast_ref::<Core>()
    }

    /// Wakes a task of this loop (loop thread): queue it unless already queued or done.
    #[cfg_attr(feature = "std", inline)]
    pub(crate) fn schedule(&self, ptr: RawTask) {
        if ptr.header().state.schedule() {
            self.enqueue(ptr);
        }
    }

    #[cfg_attr(feature = "std", inline)]
    fn enqueue(&self, ptr: RawTask) {
        // With timers pending the key must be the time of this wake (a long
        // step may have let a timer expire meanwhile, and that timer runs
        // first); without timers, order alone matters: no key (every timer
        // armed later has a deadline after now, so this entry runs before
        // it, as its key would have said). A firing timer stays
        // in the heap while it wakes its task, so while `urgent` is set this
        // test fails (unless that very wake disarmed the timer: its task
        // then goes to the back).
        if self.timers.is_empty() {
            self.ready.push_back(Entry::Task(ptr));
        } else {
            self.enqueue_timed(ptr);
        }
    }

    #[inline(never)]
    fn enqueue_timed(&self, ptr: RawTask) {
        match self.urgent.get() {
            Some(key) => {
                self.urgent_queued.set(true);
                self.ready.push_front(Entry::Task(ptr), key);
            }
            None => {
                let key = self.refresh_now();
                self.ready.push_back_keyed(Entry::Task(ptr), key);
            }
        }
    }

    /// `EventLoop::stop`: queue a marker; `run_forever` returns when it is reached.
    pub(crate) fn queue_stop(&self) {
        if !self.stop_queued.replace(true) {
            let key = self.now.get();
            self.ready.push_back_keyed(Entry::Stop, key);
        }
    }

    /// Requests cancellation of `ptr` (and, as MicroPython does, of the task it awaits).
    ///
    /// The chain of awaited tasks is followed in a loop. Every link is a
    /// task of this loop that is not done (`Task::link_current` links tasks
    /// of one loop only, and a link goes when either end finishes or the
    /// awaiting task is polled again), so a chain without a cycle is no
    /// longer than the registry; a longer walk has gone round a cycle (tasks
    /// awaiting each other), every task of which is marked by then, and
    /// cancelling any one of them drops them all.
    pub(crate) fn cancel(&self, ptr: RawTask) -> bool {
        if ptr.header().has(state::DONE) {
            return false;
        }
        // The task that calls this is the running loop's current one (a
        // loop run inside a task of this loop has its own).
        if context::with_running(|running| running.current.get() == Some(ptr)) == Some(true) {
            misuse!("can't cancel self: a task cannot cancel itself (return from it instead)", "can't cancel self");
        }
        self.request_cancel(ptr);
        true
    }

    /// Marks `ptr` and the chain of tasks it awaits as cancelled and queues
    /// the innermost one (see [`cancel`](Self::cancel)).
    fn request_cancel(&self, ptr: RawTask) {
        let mut target = ptr;
        let mut steps_left = self.tasks.borrow().len();
        loop {
            let h = target.header();
            h.state.request_cancel();
            match h.awaiting.get() {
                Some(inner) if steps_left > 0 && !inner.header().has(state::DONE) => target = inner,
                _ => break,
            }
            steps_left -= 1;
        }
        self.schedule(target);
    }

    /// Cancels `ptr` right away: its future is dropped now, destructors and
    /// all (used when an `await` on it is interrupted). A task that is
    /// running cannot be dropped under itself; it is cancelled as usual.
    ///
    /// A chain of such drops (the dropped task was itself awaiting a task,
    /// which it now drops, and so on) runs in a loop here, not by
    /// recursion: the inner drops are queued on `drop_later` and done before
    /// the outermost call returns. While the tasks are dropped, their loop is
    /// the running one (their destructors see it), and cannot be run.
    pub(crate) fn cancel_now(&self, ptr: RawTask) {
        let h = ptr.header();
        if h.has(state::DONE) {
            return;
        }
        if h.has(state::RUNNING) {
            self.request_cancel(ptr);
            return;
        }
        if self.dropping.get() {
            self.drop_later.borrow_mut().push(ptr.counted());
            return;
        }
        // Kept alive until the drops are done: a destructor may drop the
        // last `EventLoop` of this loop (declared first, so dropped last).
        let _alive = self.handle();
        self.dropping(|| {
            self.drop_task(ptr);
            while let Some(next) = self.pop_drop_later() {
                let h = next.header();
                if h.has(state::RUNNING) {
                    self.request_cancel(next.as_raw());
                } else if !h.has(state::DONE) {
                    self.drop_task(next.as_raw());
                }
            }
        });
    }

    /// Runs `f` with the loop marked as dropping tasks at once (see
    /// [`Dropping`]), and as the running loop.
    fn dropping<R>(&self, f: impl FnOnce() -> R) -> R {
        let body = || {
            let _dropping = Dropping::enter(self);
            f()
        };
        if context::is_running(self) { body() } else { context::run_as(self, body) }
    }

    fn pop_drop_later(&self) -> Option<TaskPtr> {
        self.drop_later.borrow_mut().pop()
    }

    /// Drops the future of a task that is not done and not running, and
    /// completes it as cancelled.
    fn drop_task(&self, ptr: RawTask) {
        let previous = self.current.replace(Some(ptr));
        ptr.cancel();
        self.current.set(previous);
        self.complete(ptr);
    }

    // -- the loop ------------------------------------------------------------

    /// Runs steps until `main` is done (`Some`) or, for `run_forever`
    /// (`None`), until `stop()` or until nothing can ever run again.
    pub(crate) fn drive(&self, main: Option<RawTask>) -> RunEnd {
        self.refuse_if_running();
        self.running.set(true);
        context::run_as(self, || self.drive_entered(main))
    }

    /// `drive`, with this loop marked as the running one.
    fn drive_entered(&self, main: Option<RawTask>) -> RunEnd {
        let _reset = ResetOnExit(self);
        self.main.set(main);
        if main.is_none() && self.stop_kept.replace(false) {
            // A stop() from before (see `stop_kept`): this run ends once the
            // tasks due now have run.
            let key = self.now.get();
            self.ready.push_back_keyed(Entry::Stop, key);
        }
        if main.is_some_and(|m| m.header().has(state::DONE)) {
            return RunEnd::MainDone;
        }
        self.refresh_now();
        // One catch for the whole run rather than one per poll: a panic that
        // escapes a task's poll lands here and fails that task alone.
        loop {
            match raw::catch_payload(|| self.steps()) {
                Ok(end) => return end,
                Err(payload) => self.task_panicked(payload),
            }
        }
    }

    /// A panic escaped while `current` was being polled: that task fails
    /// (its future is dropped); a panic outside any task goes on unwinding.
    #[cfg(feature = "std")]
    #[cold]
    fn task_panicked(&self, payload: raw::PanicPayload) {
        let Some(ptr) = self.current.take() else { raw::resume_panic(payload) };
        let h = ptr.header();
        if !h.state.end_poll_by_panic() {
            // Not from the poll itself (e.g. a destructor run by the loop).
            raw::resume_panic(payload);
        }
        ptr.fail(raw::panic_message(&payload));
        self.complete(ptr);
    }

    /// Without `std` a panic aborts: nothing is caught, nothing fails.
    #[cfg(not(feature = "std"))]
    fn task_panicked(&self, payload: raw::PanicPayload) {
        match payload {}
    }

    /// The loop proper, for the task in `main` (none: `run_forever`).
    fn steps(&self) -> RunEnd {
        // Steps in a row whose task only yielded (re-queued itself).
        let mut yield_streak = 0usize;
        // Read once: the attention byte is the only thing of the remote a step needs.
        let remote = &*self.remote;
        loop {
            // One load for both: main finished (`complete` says so, so no
            // step reads main's state) and tasks woken from afar.
            let attention = remote.attention();
            if attention != 0 {
                if attention & MAIN_DONE != 0 {
                    return RunEnd::MainDone;
                }
                if attention & IO != 0 {
                    // Set all the while tasks wait on sockets: the inbox
                    // is drained only when it holds tasks.
                    self.look_at_io_now_and_then();
                }
                if attention & INBOX != 0 {
                    self.drain_remote_slow();
                }
            }
            if let Some(deadline) = self.timers.peek() {
                match self.ready.front_key() {
                    None => {
                        // After a wake-up every timer due by the time read
                        // then fires without reading the clock again.
                        if deadline <= self.now.get() || deadline <= self.refresh_now() {
                            self.fire_timer(&mut yield_streak);
                        } else {
                            self.platform.wait(Some(self.idle_until(deadline)));
                            self.refresh_now();
                        }
                        continue;
                    }
                    // A timer that fell due no later than the front task became
                    // due runs first: on equal times the timer was armed before
                    // the wake (a deadline is at least 1 µs after its arming).
                    Some(front)
                        if deadline <= front && (deadline <= self.now.get() || deadline <= self.refresh_now()) =>
                    {
                        self.fire_timer(&mut yield_streak);
                        continue;
                    }
                    Some(_) if yield_streak > self.ready.len() => {
                        // A whole round of yields only: let time reach the timer.
                        yield_streak = 0;
                        self.platform.spinning_until(deadline);
                        self.refresh_now();
                        continue;
                    }
                    Some(_) => {}
                }
            }
            let Some(entry) = self.ready.pop_front() else {
                // Nothing due and no timer: only something outside can help.
                // A wake from afar may have landed since the attention check
                // (whose relaxed load may not see it yet): asked under the
                // inbox's lock, before declaring a deadlock and before idling.
                // Found there, the next attention check sees it (the lock
                // orders the push before it), whether or not the platform's
                // `notify` and `wait` order anything themselves.
                if !remote.inbox_is_empty() {
                    continue;
                }
                if remote.external_waiters() == 0 {
                    return RunEnd::Exhausted;
                }
                self.platform.wait(None);
                self.refresh_now();
                continue;
            };
            match entry {
                Entry::Task(ptr) => {
                    if self.run_entry(ptr) {
                        yield_streak += 1;
                    } else {
                        yield_streak = 0;
                    }
                }
                Entry::Stop => {
                    if self.main.get().is_none() {
                        self.stop_queued.set(false);
                        return RunEnd::Stopped;
                    }
                    // For run_forever, not run_until_complete: kept.
                    self.stop_kept.set(true);
                }
            }
        }
    }

    /// The end of the idle wait for the earliest timer, due at `earliest`:
    /// the latest deadline in the same tick (`Platform::tick_us`), so that
    /// one wake-up fires every timer due in that tick; the tick's end if
    /// more than [`TICK_SEARCH`] timers are. Never earlier than `earliest`.
    fn idle_until(&self, earliest: u64) -> u64 {
        let tick = self.platform.tick_us();
        if tick <= 1 {
            return earliest;
        }
        let tick_end = earliest.div_ceil(tick).saturating_mul(tick);
        self.timers.last_deadline_by(tick_end, TICK_SEARCH).unwrap_or(earliest)
    }

    /// While tasks are parked on sockets: every [`IO_LOOK_EVERY`] steps,
    /// the platform's wait with a deadline already passed, which looks at
    /// the poller without blocking and wakes the tasks whose sockets are
    /// ready (MicroPython looks at every step; the idle wait blocks there).
    #[inline(never)]
    fn look_at_io_now_and_then(&self) {
        let left = self.io_look_in.get();
        if left > 1 {
            self.io_look_in.set(left - 1);
            return;
        }
        self.io_look_in.set(IO_LOOK_EVERY);
        self.platform.wait(Some(0));
    }

    #[inline(never)]
    fn drain_remote_slow(&self) {
        // Reuse one buffer so draining allocates nothing in the steady state.
        let mut tasks = core::mem::take(&mut *self.inbox_buf.borrow_mut());
        self.remote.take_into(&mut tasks);
        for task in tasks.drain(..) {
            self.schedule(task.as_raw());
        }
        *self.inbox_buf.borrow_mut() = tasks;
    }

    /// Fires the earliest timer; its task (if it was not queued already)
    /// goes to the front and runs now, before any other timer due at the
    /// same time (those fire in their own order next).
    fn fire_timer(&self, yield_streak: &mut usize) {
        let Some((deadline, fired)) = self.timers.first() else { return };
        // The timer leaves the heap only once its task is woken: while
        // timers are pending, a wake is queued by `enqueue_timed`, which
        // sees `urgent` (so `enqueue`'s fast path need not look).
        let firing = Firing { core: self, fired };
        self.urgent.set(Some(deadline));
        self.urgent_queued.set(false);
        match &firing.fired {
            Fired::Task(ptr) => self.schedule(*ptr),
            Fired::Waker(_, waker) => match raw::local_task(waker, self) {
                Some(ptr) => self.schedule(ptr),
                None => waker.wake_by_ref(),
            },
        }
        drop(firing);
        if self.urgent_queued.get() {
            let entry = self.ready.pop_front().expect("the fired timer's task is queued");
            if let Entry::Task(ptr) = entry {
                *yield_streak = 0;
                self.run_entry(ptr);
            }
        }
    }

    /// Runs one ready entry; returns true if the task only yielded (it
    /// re-queued itself during its poll).
    #[cfg_attr(feature = "std", inline)]
    fn run_entry(&self, ptr: RawTask) -> bool {
        let h = ptr.header();
        if h.state.start_poll() {
            // The hot path: poll a live task. The task is resumed, so the await it was suspended at (if on a
            // task) is over; awaiting a task again links it again.
            h.awaiting.set(None);
            self.current.set(Some(ptr));
            ptr.poll();
            self.current.set(None);
            return match h.state.end_poll() {
                Polled::Yielded => true,
                Polled::Waiting => false,
                Polled::Finished => {
                    self.complete(ptr);
                    false
                }
            };
        }
        self.run_finished_or_cancelled(ptr);
        false
    }

    #[inline(never)]
    fn run_finished_or_cancelled(&self, ptr: RawTask) {
        let h = ptr.header();
        if h.has(state::DONE) {
            // Queued again to report a failure nobody retrieved: a panic,
            // caught with `std` only (without it a panic aborts, and the
            // exception handler is never called for a task).
            let report = h.state.take_unretrieved();
            #[cfg(feature = "std")]
            let failed = report.then(|| (ptr.error(), TaskRef::new(ptr.counted())));
            #[cfg(not(feature = "std"))]
            debug_assert!(!report, "a task failed without std");
            self.unregister(ptr);
            #[cfg(feature = "std")]
            if let Some((Some(error), task)) = failed {
                let context =
                    ExceptionContext { message: "Task exception wasn't retrieved".into(), error, task: Some(task) };
                self.handle().call_exception_handler(&context);
            }
            return;
        }
        // Cancelled: drop the future where it stands (destructors see it as current).
        self.current.set(Some(ptr));
        ptr.cancel();
        self.current.set(None);
        self.complete(ptr);
    }

    /// A task's future is gone: hand the outcome to its awaiter, or report a
    /// failure nobody awaits one round later (MicroPython's rule).
    fn complete(&self, ptr: RawTask) {
        let h = ptr.header();
        // An own timer still armed here was left by a sleep that moved out
        // of the task or was forgotten: the heap must not point at a
        // finished task (raw I6).
        self.timers.remove_own(ptr);
        h.state.finish();
        if self.main.get() == Some(ptr) {
            self.remote.set_main_done();
        }
        h.awaiting.set(None);
        match h.awaiter.take() {
            Some(waker) => waker.wake(),
            None => {
                if h.state.report_unretrieved() {
                    self.enqueue(ptr);
                }
            }
        }
        if !h.has(state::SCHEDULED) {
            self.unregister(ptr);
        }
    }

    fn unregister(&self, ptr: RawTask) {
        let h = ptr.header();
        if !h.state.unregister() {
            return;
        }
        if !h.has(state::HANDLE) {
            ptr.drop_output();
        }
        let index = h.index.get() as usize;
        let released = {
            let mut tasks = self.tasks.borrow_mut();
            let released = tasks.swap_remove(index);
            if let Some(moved) = tasks.get(index) {
                moved.header().index.set(index as u32);
            }
            released
        };
        drop(released);
    }

    /// Cancels and releases every task (new_event_loop, close, the drop
    /// of the last `EventLoop`).
    ///
    /// Holds a counted reference to each task it touches (a task's drop can
    /// release another task at once), refuses new tasks while it runs
    /// (they would never run), and counts as running: a destructor run here
    /// cannot run the loop (`drive` refuses), which would poll tasks whose
    /// future is half dropped (raw I7).
    pub(crate) fn discard_all(&self) {
        context::run_as(self, || self.discard_all_entered());
    }

    /// `discard_all`, with this loop marked as the running one.
    fn discard_all_entered(&self) {
        let _reset = ResetOnExit(self);
        self.running.set(true);
        self.set_discarding(true);
        // Drops of tasks asked for by the destructors run here are queued
        // on `drop_later` (see `cancel_now`) and done by the passes below.
        self.dropping(|| {
            loop {
                let live: Vec<TaskPtr> =
                    self.tasks.borrow().iter().filter(|t| !t.header().has(state::DONE)).cloned().collect();
                let later = core::mem::take(&mut *self.drop_later.borrow_mut());
                if live.is_empty() && later.is_empty() {
                    break;
                }
                for task in live.iter().chain(&later) {
                    let h = task.header();
                    if h.has(state::DONE) {
                        continue;
                    }
                    let ptr = task.as_raw();
                    self.current.set(Some(ptr));
                    ptr.cancel();
                    self.current.set(None);
                    self.timers.remove_own(ptr);
                    h.state.finish();
                    h.awaiting.set(None);
                    // Its awaiter may be a task of another loop, which goes on
                    // (it sees the cancellation): woken, as by `complete`.
                    if let Some(waker) = h.awaiter.take() {
                        waker.wake();
                    }
                }
            }
        });
        self.ready.clear();
        self.stop_queued.set(false);
        self.stop_kept.set(false);
        let wakers = self.timers.drain_wakers();
        drop(wakers);
        let tasks = core::mem::take(&mut *self.tasks.borrow_mut());
        for task in &tasks {
            let h = task.header();
            h.state.discarded();
            if !h.has(state::HANDLE) {
                task.as_raw().drop_output();
            }
        }
        drop(tasks);
        let mut inbox = Vec::new();
        self.remote.take_into(&mut inbox);
        drop(inbox);
    }
}

/// The one call `raw/` makes into the loop: a task of this loop was woken.
impl Schedule for Core {
    #[cfg_attr(feature = "std", inline)]
    fn schedule(&self, task: RawTask) {
        self.enqueue(task);
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        // The last `EventLoop` discarded every task before letting go (a
        // discard here would run destructors that reach this loop through
        // raw pointers while `self` is borrowed mutably).
        debug_assert!(self.tasks.get_mut().is_empty(), "a loop is dropped with tasks registered");
        self.remote.close_inbox();
    }
}

/// Marks the loop as dropping tasks at once (`cancel_now`, `discard_all`):
/// drops asked for meanwhile wait on `drop_later`. While it lasts, the loop
/// is the running one (the destructors run see it) and cannot be run.
struct Dropping<'a> {
    core: &'a Core,
    was_running: bool,
}

impl<'a> Dropping<'a> {
    fn enter(core: &'a Core) -> Dropping<'a> {
        core.dropping.set(true);
        let was_running = core.running.replace(true);
        Dropping { core, was_running }
    }
}

impl Drop for Dropping<'_> {
    fn drop(&mut self) {
        self.core.running.set(self.was_running);
        self.core.dropping.set(false);
        // Left only if a panic cut the drops short: their tasks stay
        // registered, to be cancelled as usual.
        let left = core::mem::take(&mut *self.core.drop_later.borrow_mut());
        drop(left);
    }
}

/// Ends the firing of a timer however its wake ends (a foreign waker may
/// panic): wakes are queued as usual again, and the timer leaves the heap.
struct Firing<'a> {
    core: &'a Core,
    fired: Fired,
}

impl Drop for Firing<'_> {
    fn drop(&mut self) {
        self.core.urgent.set(None);
        let left = self.core.timers.fired(&self.fired);
        // Dropped outside the queue's borrow (a foreign waker's drop is user code).
        drop(left);
    }
}

/// Leaves the loop reusable however `drive` exits (return or unwind).
struct ResetOnExit<'a>(&'a Core);

impl Drop for ResetOnExit<'_> {
    fn drop(&mut self) {
        self.0.current.set(None);
        self.0.main.set(None);
        self.0.remote.clear_main_done();
        self.0.running.set(false);
        self.0.set_discarding(false);
    }
}

#[cfg(test)]
mod tests {
    use crate::time::VirtualClock;
    use crate::{TaskRef, new_event_loop_with};
    use alloc::string::ToString;
    use alloc::vec::Vec;

    /// Names live beside the tasks, in the loop's `Remote`: they outlive the
    /// loop's discarding of the task, and go when the task's memory goes.
    #[test]
    fn task_names_survive_close_and_go_with_their_task() {
        let event_loop = new_event_loop_with(VirtualClock::new());
        let remote = event_loop.core.remote.clone();
        let refs: Vec<TaskRef> = event_loop.run_until_complete(async {
            let named = crate::create_task_named("worker", async {});
            let other = crate::create_task_named("idle", crate::sleep(100));
            let plain = crate::create_task(async {});
            let refs = [named.task_ref(), other.task_ref(), plain.task_ref()].into();
            named.await.unwrap();
            refs
        });
        let count = || remote.name_count();
        assert_eq!(count(), 2);
        // Discards the sleeping task (the loop stays this thread's loop).
        event_loop.close();
        drop(event_loop);
        let shown: Vec<_> = refs.iter().map(|t| (t.name(), t.to_string())).collect();
        assert_eq!(shown[0], (Some("worker".into()), "Task(worker)".into()));
        assert_eq!(shown[1], (Some("idle".into()), "Task(idle)".into()));
        assert_eq!(shown[2].0, None);
        drop(refs);
        assert_eq!(count(), 0, "a name outlived its task");
    }

    /// A waker that fires from another thread after its loop is gone must
    /// not leave its task queued in the dead loop's inbox: the task holds
    /// the loop's `Remote` (and its pool of task memory), which would then
    /// hold itself forever.
    #[test]
    fn a_wake_after_the_loop_is_gone_leaks_nothing() {
        use core::cell::RefCell;
        use core::task::Waker;
        use std::rc::Rc;

        let event_loop = new_event_loop_with(VirtualClock::new());
        let remote = alloc::sync::Arc::downgrade(&event_loop.core.remote);
        let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
        let stash = slot.clone();
        event_loop.run_until_complete(async move {
            drop(crate::create_task(core::future::poll_fn(move |cx| {
                *stash.borrow_mut() = Some(cx.waker().clone());
                core::task::Poll::<()>::Pending
            })));
            crate::sleep(0).await;
        });
        let waker = slot.borrow_mut().take().expect("the task ran once");
        event_loop.close();
        drop(event_loop);
        let _ = crate::new_event_loop_with(VirtualClock::new()); // replaces the thread's loop: the old one is dropped
        std::thread::spawn(move || waker.wake()).join().unwrap();
        assert!(remote.upgrade().is_none(), "the old loop's Remote is still alive");
    }
}
