//! Random programs built from the public API, checked against a model
//! (issue 10, item c).
//!
//! A case is a short top-level script over a few loops (all on virtual
//! clocks): create, replace (`new_event_loop_with`, `new_event_loop`),
//! close and drop loops, spawn tasks on them, run them
//! (`run_until_complete`, `run_forever`, with and without a `stop()`
//! first), await and cancel tasks from outside. Each task runs a random
//! body: sleep, spawn children (on its own loop or on another one), await
//! them (by value, by `&mut`, a second time, through `wait_for` by value and
//! by `&mut`, through `gather`), cancel them, drop their handles early or
//! late, use an `Event`, a `Lock`, a `Queue`, a `ThreadSafeFlag` set from a
//! spawned thread, wake itself from another thread, run another loop nested
//! inside itself, close a loop, and try what the runtime refuses.
//!
//! The model is what the test knows from the outside: which tasks exist and
//! on which loop, which one each task awaits (and how: linked on one loop,
//! or not across loops), which cancels returned true, which loops are gone.
//! It checks, for every case:
//!
//! - no task is polled after it was cancelled while suspended (or after the
//!   suspension that followed a cancel it received while running a nested
//!   loop), nor after its loop was closed, replaced or dropped; such a
//!   cancel also reaches the chain of tasks it awaits on its loop;
//! - every awaited result is the task's own (values are tagged with task
//!   ids): `Ok` only from a task that finished, `Panicked` with that task's
//!   message, `Cancelled` only for a task that did not finish;
//! - no task is cancelled without a reason (a `cancel()` that returned
//!   true on it or on a task awaiting it, an interrupted await of it, its
//!   gather being dropped, its loop going): a `Task` dropped when nobody
//!   awaits it, or after a `wait_for(&mut task, t)` timed out, detaches;
//! - `cancel()` returns false exactly for the tasks that are done, and a
//!   closed, replaced or dropped loop leaves none of its tasks undone;
//! - the refused operations panic with their documented message
//!   (`create_task` and `run*` on a closed loop, nested runs of a running
//!   loop, `close()` of a running loop, `new_event_loop` inside a loop,
//!   cancelling oneself, awaiting a task again, two waiters on a
//!   `ThreadSafeFlag`, `task_done()` too often, a non-finite delay, a
//!   deadlocked `run_until_complete`);
//! - a lock has one holder at a time; a queue hands out only items put in
//!   it, each once; an event wait returns only after a `set`;
//! - the exception handler hears only of panics of tasks that panicked;
//! - `run_forever` returns with every task of its loop done;
//! - every task's future is dropped exactly once, and once every loop and
//!   handle is gone the bytes allocated by the case's threads are back to
//!   what they were before the case (a counting global allocator);
//! - the case finishes (it runs on a thread of its own; a hang fails it).
//!
//! `PROPTEST_CASES` sets the number of cases (default 2000; 40 smaller
//! ones under Miri, where it needs `MIRIFLAGS=-Zmiri-env-forward=PROPTEST_CASES`).
//! `MODEL_STATS=1` prints how often the cases did each notable thing.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::future::{Future, pending, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Once, mpsc};
use std::task::{Context, Poll};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use uasyncio::{
    Event, EventLoop, ExceptionContext, Lock, Queue, Task, TaskError, TaskRef, ThreadSafeFlag, VirtualClock,
    create_task, current_task, gather, gather_return_exceptions, new_event_loop, new_event_loop_with, sleep, sleep_ms,
    wait_for_ms,
};

// A counting allocator (only the threads that ask, not proptest's runner): `common/live_bytes.rs`.
#[path = "common/live_bytes.rs"]
mod live_bytes;
use live_bytes::{Counting, count_this_thread, live_bytes};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---------------------------------------------------------------------------
// The programs.

/// How many loops a case starts with, and at most has.
const START_LOOPS: usize = 2;
const MAX_LOOPS: usize = 4;

/// One step of a task's body. Indices (`u8`) pick a handle of the task, a
/// loop of the case or a primitive, modulo how many there are; a step whose
/// handle or loop is not there is skipped.
#[derive(Clone, Debug)]
enum Op {
    Sleep(u8),
    /// `uasyncio::create_task` of a child (on the running loop).
    Spawn(Body),
    /// `EventLoop::create_task` on a loop of the case (maybe another one:
    /// refused if it is closed).
    SpawnOn(u8, Body),
    /// `task.await` (across loops: through `wait_for` by value, 2 ms).
    Await(u8),
    /// `(&mut task).await`: the handle stays.
    AwaitMut(u8),
    /// `(&mut task).await` once more after it returned: refused with a panic.
    AwaitAgain(u8),
    WaitForMut(u8, u8),
    WaitForVal(u8, u8),
    Cancel(u8),
    DropHandle(u8),
    CancelSelf,
    Panic,
    EventSet(u8),
    EventClear(u8),
    EventWait(u8, u8),
    /// Acquire (under a timeout), hold for a while, release.
    LockHold(u8, u8, u8),
    QueuePut(u8, u8),
    QueueGet(u8, u8),
    QueuePutNowait(u8),
    QueueGetNowait(u8),
    TaskDoneTooMany,
    /// A `ThreadSafeFlag` set by a spawned thread; `wait()` unbounded, or
    /// under a timeout.
    FlagFromThread(Option<u8>),
    FlagDoubleWait,
    /// A clone of the task's waker woken and dropped on another thread.
    WakeFromThread,
    /// `gather` (or `gather_return_exceptions`) of children.
    Gather(Vec<Body>, bool),
    /// `run_until_complete` of a loop of the case inside this task: refused
    /// if that loop is running (this task's own loop, or one further out)
    /// or closed.
    RunLoop(u8, Body),
    /// Cancels the task that runs the loop this task is on (from inside a
    /// nested run: that task is in the middle of its poll).
    CancelOuter,
    /// `close()` of a loop of the case: refused if it is running.
    CloseLoop(u8),
    NewLoopInside,
    SleepNan,
}

#[derive(Clone, Debug)]
struct Body(Arc<[Op]>);

/// One step of the case, outside any loop.
#[derive(Clone, Debug)]
enum Top {
    /// `new_event_loop_with(VirtualClock)`: replaces the thread's loop.
    NewLoop,
    /// `new_event_loop()` (the real clock), not used further.
    ReplaceReal,
    Spawn(u8, Body),
    Run(u8, Body),
    /// `run_until_complete` of a future that never finishes: the deadlock panic.
    RunDeadlock(u8),
    RunForever(u8, bool),
    Close(u8),
    DropLoop(u8),
    Await(u8, u8),
    Cancel(u8),
    DropHandle(u8),
}

fn ms() -> impl Strategy<Value = u8> {
    prop_oneof![Just(0u8), 1u8..=5, 6u8..=20]
}

fn leaf_op() -> impl Strategy<Value = Op> {
    let handles = prop_oneof![
        4 => any::<u8>().prop_map(Op::Await),
        2 => any::<u8>().prop_map(Op::AwaitMut),
        1 => any::<u8>().prop_map(Op::AwaitAgain),
        3 => (any::<u8>(), ms()).prop_map(|(h, t)| Op::WaitForMut(h, t)),
        3 => (any::<u8>(), ms()).prop_map(|(h, t)| Op::WaitForVal(h, t)),
        4 => any::<u8>().prop_map(Op::Cancel),
        2 => any::<u8>().prop_map(Op::DropHandle),
    ];
    let primitives = prop_oneof![
        any::<u8>().prop_map(Op::EventSet),
        any::<u8>().prop_map(Op::EventClear),
        (any::<u8>(), ms()).prop_map(|(e, t)| Op::EventWait(e, t)),
        (any::<u8>(), ms(), ms()).prop_map(|(l, w, h)| Op::LockHold(l, w, h)),
        (any::<u8>(), ms()).prop_map(|(q, t)| Op::QueuePut(q, t)),
        (any::<u8>(), ms()).prop_map(|(q, t)| Op::QueueGet(q, t)),
        any::<u8>().prop_map(Op::QueuePutNowait),
        any::<u8>().prop_map(Op::QueueGetNowait),
    ];
    let threads = prop_oneof![proptest::option::of(ms()).prop_map(Op::FlagFromThread), Just(Op::WakeFromThread)];
    let refused = prop_oneof![
        Just(Op::CancelSelf),
        Just(Op::NewLoopInside),
        Just(Op::SleepNan),
        Just(Op::TaskDoneTooMany),
        Just(Op::FlagDoubleWait),
    ];
    prop_oneof![
        19 => handles,
        4 => ms().prop_map(Op::Sleep),
        6 => primitives,
        2 => threads,
        1 => refused,
        1 => Just(Op::Panic),
        1 => Just(Op::CancelOuter),
        1 => any::<u8>().prop_map(Op::CloseLoop),
    ]
}

fn body() -> impl Strategy<Value = Body> {
    let max_ops = if cfg!(miri) { 3 } else { 6 };
    let leaf = prop::collection::vec(leaf_op(), 0..3).prop_map(|ops| Body(ops.into()));
    leaf.prop_recursive(if cfg!(miri) { 2 } else { 3 }, if cfg!(miri) { 8 } else { 24 }, 4, move |inner| {
        // Children first, most of the time, so the steps after have handles.
        let children = prop::collection::vec(inner.clone().prop_map(Op::Spawn), 0..if cfg!(miri) { 2 } else { 3 });
        let steps = prop::collection::vec(
            prop_oneof![
                12 => leaf_op(),
                8 => inner.clone().prop_map(Op::Spawn),
                2 => (any::<u8>(), inner.clone()).prop_map(|(k, b)| Op::SpawnOn(k, b)),
                1 => (prop::collection::vec(inner.clone(), 0..3), any::<bool>()).prop_map(|(b, r)| Op::Gather(b, r)),
                1 => (any::<u8>(), inner.clone()).prop_map(|(k, b)| Op::RunLoop(k, b)),
            ],
            0..max_ops,
        );
        (children, steps).prop_map(|(mut ops, steps)| {
            ops.extend(steps);
            Body(ops.into())
        })
    })
}

fn top() -> impl Strategy<Value = Top> {
    prop_oneof![
        1 => Just(Top::NewLoop),
        1 => Just(Top::ReplaceReal),
        3 => (any::<u8>(), body()).prop_map(|(k, b)| Top::Spawn(k, b)),
        4 => (any::<u8>(), body()).prop_map(|(k, b)| Top::Run(k, b)),
        1 => any::<u8>().prop_map(Top::RunDeadlock),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(k, s)| Top::RunForever(k, s)),
        1 => any::<u8>().prop_map(Top::Close),
        1 => any::<u8>().prop_map(Top::DropLoop),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(k, h)| Top::Await(k, h)),
        1 => any::<u8>().prop_map(Top::Cancel),
        1 => any::<u8>().prop_map(Top::DropHandle),
    ]
}

fn program() -> impl Strategy<Value = Vec<Top>> {
    prop::collection::vec(top(), 1..if cfg!(miri) { 4 } else { 8 })
}

// ---------------------------------------------------------------------------
// The model.

type Id = usize;

/// How a task awaits another: linked (a task of its own loop: a cancel is
/// forwarded, an interrupted await cancels it), or through a gather (the
/// gather cancels it when dropped unfinished).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Awaits {
    Linked(Id),
    Gathered,
}

#[derive(Default)]
struct TaskModel {
    loop_id: usize,
    /// Never became a task (its creation was refused): its future is just dropped.
    refused: bool,
    polls: u32,
    polling: bool,
    /// Cancelled while running (a nested loop inside its poll): forbidden
    /// from its next suspension on.
    cancel_at_suspension: bool,
    /// Must not be polled again.
    forbidden: bool,
    /// There is a reason for it to end cancelled.
    reason: bool,
    finished: bool,
    panicked: bool,
    dropped: u32,
    awaits: Option<Awaits>,
    gathered: Vec<Id>,
    /// The main future of a deadlocked run: stays pending until its loop goes.
    parked: bool,
    reported: u32,
}

struct LoopModel {
    closed: bool,
    running: bool,
    /// The task whose poll runs this loop (nested), if any.
    run_by: Option<Id>,
    gone: bool,
}

#[derive(Default)]
struct Model {
    tasks: Vec<TaskModel>,
    loops: Vec<LoopModel>,
    /// The loop `get_event_loop()` holds (None: a real-clock loop or none).
    thread_loop: Option<usize>,
    violations: Vec<String>,
    lock_holders: [Option<Id>; 2],
    event_sets: [u64; 2],
    queue_items_put: BTreeSet<u64>,
    queue_items_got: BTreeSet<u64>,
    next_item: u64,
}

impl Model {
    fn violation(&mut self, what: String) {
        self.violations.push(what);
    }

    fn done(&self, id: Id) -> bool {
        self.tasks[id].dropped > 0
    }

    /// A `cancel()` returned true on `id`: it and the chain of tasks it
    /// awaits on its loop are cancelled.
    fn cancelled(&mut self, id: Id) {
        let mut target = id;
        for _ in 0..=self.tasks.len() {
            let t = &mut self.tasks[target];
            if t.dropped > 0 {
                break;
            }
            t.reason = true;
            if t.polling {
                t.cancel_at_suspension = true;
            } else {
                t.forbidden = true;
            }
            match t.awaits {
                Some(Awaits::Linked(inner)) => target = inner,
                _ => break,
            }
        }
    }

    /// Loop `l` discards its tasks (close, replacement, last handle dropped).
    fn discards(&mut self, l: usize) {
        for t in self.tasks.iter_mut().filter(|t| t.loop_id == l && !t.refused && t.dropped == 0) {
            saw("tasks discarded by a loop's end");
            t.reason = true;
            t.forbidden = true;
        }
    }

    /// After a discard: none of the loop's tasks may be left undone.
    fn check_discarded(&mut self, l: usize, how: &str) {
        let left: Vec<Id> = (0..self.tasks.len())
            .filter(|&i| self.tasks[i].loop_id == l && !self.tasks[i].refused && self.tasks[i].dropped == 0)
            .collect();
        if !left.is_empty() {
            self.violation(format!("{how} of loop {l} left tasks {left:?} undone"));
        }
    }

    /// The thread's loop is about to be replaced: its tasks go.
    fn replacing_thread_loop(&mut self) {
        if let Some(old) = self.thread_loop {
            self.discards(old);
        }
    }

    /// The thread's loop was replaced by a new one.
    fn replaced_thread_loop(&mut self, new: Option<usize>) {
        if let Some(old) = self.thread_loop.take() {
            self.check_discarded(old, "replacing the thread's loop");
        }
        self.thread_loop = new;
    }

    /// Checks an awaited outcome of task `id`.
    fn check_outcome(&mut self, id: Id, outcome: &Result<u64, TaskError>, how: &str) {
        let t = &self.tasks[id];
        let ok = match outcome {
            Ok(v) => *v == tag(id) && t.finished,
            Err(TaskError::Cancelled) => !t.finished && !t.panicked,
            Err(TaskError::Panicked(m)) => t.panicked && *m == panic_text(id),
        };
        if !ok {
            let (finished, panicked) = (t.finished, t.panicked);
            self.violation(format!("{how} of task {id} gave {outcome:?} (finished {finished}, panicked {panicked})"));
        }
    }
}

fn tag(id: Id) -> u64 {
    1000 + id as u64
}

fn panic_text(id: Id) -> String {
    format!("model: task {id} panics")
}

// Messages of the refusals (the crate docs' panics).
const CLOSED_SPAWN: &str = "create_task() on a closed event loop";
const CLOSED_RUN: &str = "this event loop is closed";
const NESTED_RUN: &str = "the event loop is already running";
const CLOSE_RUNNING: &str = "close() called while this event loop is running";
const NEW_LOOP_INSIDE: &str = "new_event_loop() called from inside a running event loop";
const CANCEL_SELF: &str = "can't cancel self";
const AWAITED_AGAIN: &str = "a Task was awaited again after it had returned its result";
const TWO_WAITERS: &str = "ThreadSafeFlag: another task is already waiting on this flag";
const TASK_DONE: &str = "task_done() called too many times";
const NOT_FINITE: &str = "a delay must be a finite number of seconds";
const DEADLOCK: &str = "uasyncio deadlock";
const MAIN_CANCELLED: &str = "uasyncio: the main task was cancelled";

const EXPECTED_PANICS: [&str; 11] = [
    CLOSED_SPAWN,
    CLOSED_RUN,
    NESTED_RUN,
    CLOSE_RUNNING,
    NEW_LOOP_INSIDE,
    CANCEL_SELF,
    AWAITED_AGAIN,
    TWO_WAITERS,
    TASK_DONE,
    NOT_FINITE,
    DEADLOCK,
];

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

const CASE_THREAD: &str = "model case";

/// The panics a case provokes on purpose are not printed.
fn quiet_expected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = panic_message(info.payload());
            let on_a_case = std::thread::current().name() == Some(CASE_THREAD);
            let expected = on_a_case
                && (message.starts_with("model: task ")
                    || message == MAIN_CANCELLED
                    || EXPECTED_PANICS.iter().any(|m| message.contains(m)));
            if !expected {
                default(info);
            }
        }));
    });
}

// ---------------------------------------------------------------------------
// What the cases did, summed (printed with MODEL_STATS=1): atomics, so
// counting allocates nothing.

const EVENTS: [&str; 14] = [
    "tasks",
    "linked awaits",
    "cross-loop awaits",
    "wait_for timeouts",
    "cancels that returned true",
    "cancels of a task running a nested loop",
    "nested runs",
    "refusals",
    "gathers",
    "locks taken",
    "queue items got",
    "threads",
    "tasks discarded by a loop's end",
    "exception handler reports",
];

static COUNTS: [std::sync::atomic::AtomicU64; EVENTS.len()] =
    [const { std::sync::atomic::AtomicU64::new(0) }; EVENTS.len()];

fn saw(event: &str) {
    let i = EVENTS.iter().position(|e| *e == event).expect("a known event");
    COUNTS[i].fetch_add(1, Ordering::Relaxed);
}

// ---------------------------------------------------------------------------
// The world a case runs in.

struct Env {
    model: RefCell<Model>,
    loops: RefCell<Vec<Option<EventLoop>>>,
    events: [Event; 2],
    locks: [Lock; 2],
    queues: [Queue<u64>; 2],
    /// The tasks running nested loops now, innermost last.
    outer_refs: RefCell<Vec<(Id, TaskRef)>>,
}

type Shared = Rc<Env>;

impl Env {
    fn m(&self) -> std::cell::RefMut<'_, Model> {
        self.model.borrow_mut()
    }

    fn violation(&self, what: String) {
        self.m().violation(what);
    }

    fn pick_loop(&self, k: u8) -> (usize, Option<EventLoop>) {
        let loops = self.loops.borrow();
        let k = k as usize % loops.len();
        (k, loops[k].clone())
    }

    /// Creates a loop on a virtual clock (replacing the thread's loop).
    fn new_loop(self: &Rc<Self>) {
        self.m().replacing_thread_loop();
        let event_loop = new_event_loop_with(VirtualClock::new());
        let weak = Rc::downgrade(self);
        event_loop.set_exception_handler(Some(Rc::new(move |_: &EventLoop, context: &ExceptionContext| {
            report(&weak, context)
        })));
        let id = {
            let mut m = self.m();
            let id = m.loops.len();
            m.loops.push(LoopModel { closed: false, running: false, run_by: None, gone: false });
            m.replaced_thread_loop(Some(id));
            id
        };
        self.loops.borrow_mut().push(Some(event_loop));
        debug_assert_eq!(self.loops.borrow().len(), id + 1);
    }
}

/// The exception handler: only tasks that panicked are reported.
fn report(env: &Weak<Env>, context: &ExceptionContext) {
    let Some(env) = env.upgrade() else { return };
    let mut m = env.m();
    let id = match &context.error {
        TaskError::Panicked(text) => text.strip_prefix("model: task ").and_then(|r| r.strip_suffix(" panics")),
        TaskError::Cancelled => None,
    }
    .and_then(|n| n.parse::<Id>().ok())
    .filter(|&id| id < m.tasks.len());
    match id {
        Some(id) if m.tasks[id].panicked && m.tasks[id].reported == 0 => {
            saw("exception handler reports");
            m.tasks[id].reported += 1;
        }
        _ => m.violation(format!("the exception handler heard of {:?} ({})", context.error, context.message)),
    }
}

/// Marks a task's future dropped (held by the future, so it goes whether
/// the future was ever polled or not).
struct Guard {
    env: Shared,
    id: Id,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let mut m = self.env.m();
        let t = &mut m.tasks[self.id];
        t.dropped += 1;
        t.polling = false;
        let cut_short = !t.finished && !t.panicked;
        let awaited = t.awaits;
        let gathered = std::mem::take(&mut t.gathered);
        if cut_short {
            // Dropped mid-await: the awaited task (linked) and the gather's
            // tasks are cancelled with it.
            if let Some(Awaits::Linked(inner)) = awaited {
                m.tasks[inner].reason = true;
            }
            if awaited == Some(Awaits::Gathered) {
                for g in gathered {
                    m.tasks[g].reason = true;
                }
            }
        }
    }
}

/// A task's future: the model sees each poll.
struct Tracked {
    guard: Guard,
    body: Pin<Box<dyn Future<Output = u64>>>,
}

impl Future for Tracked {
    type Output = u64;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        let (env, id) = (self.guard.env.clone(), self.guard.id);
        {
            let mut m = env.m();
            let t = &mut m.tasks[id];
            t.polls += 1;
            t.polling = true;
            if t.forbidden {
                m.violation(format!("task {id} was polled after it was cancelled or its loop went"));
            }
        }
        struct EndPoll<'a>(&'a Env, Id);
        impl Drop for EndPoll<'_> {
            fn drop(&mut self) {
                let mut m = self.0.m();
                let t = &mut m.tasks[self.1];
                t.polling = false;
            }
        }
        let end = EndPoll(&env, id);
        let out = self.body.as_mut().poll(cx);
        drop(end);
        if out.is_pending() {
            let mut m = env.m();
            let t = &mut m.tasks[id];
            if t.cancel_at_suspension {
                t.forbidden = true;
            }
        }
        out
    }
}

/// Registers a task of loop `loop_id` running `body`; returns its id and future.
fn task(env: &Shared, loop_id: usize, body: &Body) -> (Id, Tracked) {
    let id = {
        let mut m = env.m();
        m.tasks.push(TaskModel { loop_id, ..TaskModel::default() });
        saw("tasks");
        m.tasks.len() - 1
    };
    let body = Box::pin(run_body(env.clone(), id, loop_id, body.0.clone()));
    (id, Tracked { guard: Guard { env: env.clone(), id }, body })
}

/// A handle a body holds.
struct Handle {
    task: Option<Task<u64>>,
    r: TaskRef,
    id: Id,
    /// On the body's own loop (else awaits are not linked, and bounded).
    local: bool,
    retrieved: bool,
}

/// Joins a helper thread when dropped (also when the task that owns it is
/// cancelled), so every thread a case starts ends within it.
struct JoinOnDrop(Option<std::thread::JoinHandle<()>>);

impl Drop for JoinOnDrop {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            thread.join().expect("a helper thread panicked");
        }
    }
}

thread_local! {
    /// How many helper threads this case thread started.
    static HELPERS: Cell<isize> = const { Cell::new(0) };
}

/// Starts a helper thread, counted (it frees what the case allocated for it).
fn helper(f: impl FnOnce() + Send + 'static) -> JoinOnDrop {
    HELPERS.with(|n| n.set(n.get() + 1));
    saw("threads");
    JoinOnDrop(Some(std::thread::spawn(move || {
        count_this_thread();
        f();
    })))
}

/// Catches a panic expected to say `expected`.
fn expect_refusal<R>(env: &Env, what: &str, expected: &str, f: impl FnOnce() -> R) {
    saw("refusals");
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => env.violation(format!("{what} was accepted; expected the panic '{expected}'")),
        Err(payload) => {
            let message = panic_message(&*payload);
            if !message.contains(expected) {
                env.violation(format!("{what} panicked with '{message}'; expected '{expected}'"));
            }
        }
    }
}

/// Polls `fut` once, catching a panic of that poll.
async fn poll_once_catching<F: Future + Unpin>(fut: &mut F) -> Result<Poll<F::Output>, String> {
    poll_fn(|cx| {
        Poll::Ready(catch_unwind(AssertUnwindSafe(|| Pin::new(&mut *fut).poll(cx))).map_err(|p| panic_message(&*p)))
    })
    .await
}

/// Pending once (waking itself), so the task yields.
async fn yield_now() {
    let mut first = true;
    poll_fn(move |cx| {
        if std::mem::take(&mut first) {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
}

fn begin_await(env: &Env, me: Id, how: Option<Awaits>) {
    env.m().tasks[me].awaits = how;
}

fn end_await(env: &Env, me: Id) {
    let mut m = env.m();
    m.tasks[me].awaits = None;
    m.tasks[me].gathered.clear();
}

async fn run_body(env: Shared, me: Id, loop_id: usize, ops: Arc<[Op]>) -> u64 {
    let mut handles: Vec<Handle> = Vec::new();
    for op in ops.iter() {
        let pick = |h: &u8, handles: &Vec<Handle>| (!handles.is_empty()).then(|| *h as usize % handles.len());
        match op {
            Op::Sleep(t) => sleep_ms(*t).await,
            Op::Spawn(body) => {
                let (id, fut) = task(&env, loop_id, body);
                let t = create_task(fut);
                handles.push(Handle { r: t.task_ref(), task: Some(t), id, local: true, retrieved: false });
            }
            Op::SpawnOn(k, body) => {
                let (k, event_loop) = env.pick_loop(*k);
                let Some(event_loop) = event_loop else { continue };
                let (id, fut) = task(&env, k, body);
                if env.m().loops[k].closed {
                    env.m().tasks[id].refused = true;
                    expect_refusal(&env, "create_task on a closed loop", CLOSED_SPAWN, || event_loop.create_task(fut));
                } else {
                    let t = event_loop.create_task(fut);
                    handles.push(Handle { r: t.task_ref(), task: Some(t), id, local: k == loop_id, retrieved: false });
                }
            }
            Op::Await(h) | Op::AwaitMut(h) | Op::AwaitAgain(h) => {
                let Some(i) = pick(h, &handles) else { continue };
                let handle = &mut handles[i];
                let (id, local) = (handle.id, handle.local);
                let Some(mut task) = handle.task.take() else { continue };
                if handle.retrieved {
                    // Only `&mut` awaits leave a handle whose result is taken.
                    match poll_once_catching(&mut task).await {
                        Err(message) if message.contains(AWAITED_AGAIN) => {}
                        other => env.violation(format!("awaiting task {id} again gave {other:?}")),
                    }
                    handle.task = Some(task);
                    continue;
                }
                let by_value = matches!(op, Op::Await(_));
                if !local {
                    // Not linked, and its loop may not run: under a timeout.
                    saw("cross-loop awaits");
                    let (outcome, kept) = if by_value {
                        (wait_for_ms(task, 2).await, None)
                    } else {
                        (wait_for_ms(&mut task, 2).await, Some(task))
                    };
                    let retrieved = outcome.is_ok() && !by_value;
                    match outcome {
                        Ok(outcome) => env.m().check_outcome(id, &outcome, "a cross-loop await"),
                        Err(_) if env.m().done(id) && !by_value => {
                            env.violation(format!("a cross-loop wait_for(&mut) of finished task {id} timed out"))
                        }
                        Err(_) => {}
                    }
                    handles[i].task = kept;
                    handles[i].retrieved = retrieved;
                    continue;
                }
                begin_await(&env, me, Some(Awaits::Linked(id)));
                saw("linked awaits");
                let (outcome, kept) = if by_value { (task.await, None) } else { ((&mut task).await, Some(task)) };
                end_await(&env, me);
                env.m().check_outcome(id, &outcome, "an await");
                if !by_value {
                    let handle = &mut handles[i];
                    handle.task = kept;
                    handle.retrieved = true;
                }
            }
            Op::WaitForMut(h, t) | Op::WaitForVal(h, t) => {
                let Some(i) = pick(h, &handles) else { continue };
                let handle = &mut handles[i];
                let (id, local) = (handle.id, handle.local);
                if handle.retrieved {
                    continue;
                }
                let Some(mut task) = handle.task.take() else { continue };
                let by_value = matches!(op, Op::WaitForVal(..));
                begin_await(&env, me, local.then_some(Awaits::Linked(id)));
                let (outcome, kept) = if by_value {
                    (wait_for_ms(task, *t).await, None)
                } else {
                    (wait_for_ms(&mut task, *t).await, Some(task))
                };
                end_await(&env, me);
                match outcome {
                    Ok(outcome) => {
                        env.m().check_outcome(id, &outcome, "a wait_for");
                        if !by_value {
                            handles[i].retrieved = true;
                        }
                    }
                    Err(_) => {
                        saw("wait_for timeouts");
                        let mut m = env.m();
                        if by_value && local {
                            // The interrupted await cancelled it at once.
                            m.tasks[id].reason = true;
                            if m.tasks[id].dropped == 0 || m.tasks[id].finished {
                                m.violation(format!(
                                    "wait_for(task {id}, {t} ms) timed out, the task is not cancelled"
                                ));
                            }
                        }
                    }
                }
                handles[i].task = kept;
            }
            Op::Cancel(h) => {
                let Some(i) = pick(h, &handles) else { continue };
                let (id, r) = (handles[i].id, handles[i].r.clone());
                let done = env.m().done(id);
                if r.done() != done {
                    env.violation(format!("task {id}: done() = {}, model {done}", r.done()));
                }
                let cancelled = r.cancel();
                if cancelled == done {
                    env.violation(format!("cancel() of task {id} returned {cancelled}, done = {done}"));
                }
                if cancelled {
                    saw("cancels that returned true");
                    env.m().cancelled(id);
                }
            }
            Op::DropHandle(h) => {
                let Some(i) = pick(h, &handles) else { continue };
                drop(handles.swap_remove(i));
            }
            Op::CancelSelf => expect_refusal(&env, "cancelling oneself", CANCEL_SELF, || current_task().cancel()),
            Op::Panic => {
                env.m().tasks[me].panicked = true;
                panic!("{}", panic_text(me));
            }
            Op::EventSet(e) => {
                env.m().event_sets[*e as usize % 2] += 1;
                env.events[*e as usize % 2].set();
            }
            Op::EventClear(e) => env.events[*e as usize % 2].clear(),
            Op::EventWait(e, t) => {
                let e = *e as usize % 2;
                let (was_set, sets) = (env.events[e].is_set(), env.m().event_sets[e]);
                let r = wait_for_ms(env.events[e].wait(), *t).await;
                let sets_now = env.m().event_sets[e];
                if (was_set && r.is_err()) || (r.is_ok() && !was_set && sets_now == sets) {
                    env.violation(format!(
                        "event {e} wait gave {r:?}: set before {was_set}, sets {sets} -> {sets_now}"
                    ));
                }
            }
            Op::LockHold(l, wait, hold) => {
                let l = *l as usize % 2;
                if let Ok(guard) = wait_for_ms(env.locks[l].acquire(), *wait).await {
                    saw("locks taken");
                    let holder = env.m().lock_holders[l].replace(me);
                    if let Some(other) = holder {
                        env.violation(format!("task {me} got lock {l}, held by task {other}"));
                    }
                    struct Holding<'a>(&'a Env, usize);
                    impl Drop for Holding<'_> {
                        fn drop(&mut self) {
                            self.0.m().lock_holders[self.1] = None;
                        }
                    }
                    let holding = Holding(&env, l);
                    sleep_ms(*hold).await;
                    drop(holding);
                    drop(guard);
                }
            }
            Op::QueuePut(q, t) => {
                let item = put_item(&env);
                let _ = wait_for_ms(env.queues[*q as usize % 2].put(item), *t).await;
            }
            Op::QueuePutNowait(q) => {
                let item = put_item(&env);
                let _ = env.queues[*q as usize % 2].put_nowait(item);
            }
            Op::QueueGet(q, t) => {
                if let Ok(item) = wait_for_ms(env.queues[*q as usize % 2].get(), *t).await {
                    got_item(&env, item);
                }
            }
            Op::QueueGetNowait(q) => {
                if let Ok(item) = env.queues[*q as usize % 2].get_nowait() {
                    got_item(&env, item);
                }
            }
            Op::TaskDoneTooMany => {
                expect_refusal(&env, "task_done() on an empty queue", TASK_DONE, || Queue::<u8>::new(0).task_done())
            }
            Op::FlagFromThread(timeout) => {
                let flag = Arc::new(ThreadSafeFlag::new());
                let setter = flag.clone();
                let thread = helper(move || setter.set());
                match timeout {
                    None => flag.wait().await,
                    Some(t) => drop(wait_for_ms(flag.wait(), *t).await),
                }
                drop(thread);
            }
            Op::FlagDoubleWait => {
                let flag = ThreadSafeFlag::new();
                let mut first = flag.wait();
                let mut second = flag.wait();
                match poll_once_catching(&mut first).await {
                    Ok(Poll::Pending) => {}
                    other => env.violation(format!("a wait on a clear flag gave {other:?}")),
                }
                match poll_once_catching(&mut second).await {
                    Err(message) if message.contains(TWO_WAITERS) => {}
                    other => env.violation(format!("a second wait on a flag gave {other:?}")),
                }
                drop(second);
                flag.set();
                first.await;
            }
            Op::WakeFromThread => {
                let waker = poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
                drop(helper(move || waker.wake()));
                yield_now().await;
            }
            Op::Gather(bodies, return_exceptions) => {
                let children: Vec<(Id, Tracked)> = bodies.iter().map(|b| task(&env, loop_id, b)).collect();
                let ids: Vec<Id> = children.iter().map(|(id, _)| *id).collect();
                {
                    let mut m = env.m();
                    m.tasks[me].awaits = Some(Awaits::Gathered);
                    m.tasks[me].gathered = ids.clone();
                }
                let futs = children.into_iter().map(|(_, fut)| fut);
                saw("gathers");
                if *return_exceptions {
                    let outcomes = gather_return_exceptions(futs).await;
                    end_await(&env, me);
                    let mut m = env.m();
                    for (id, outcome) in ids.iter().zip(&outcomes) {
                        m.check_outcome(*id, outcome, "gather_return_exceptions");
                    }
                } else {
                    let outcome = gather(futs).await;
                    end_await(&env, me);
                    check_gather(&mut env.m(), &ids, &outcome);
                }
            }
            Op::RunLoop(k, body) => {
                let (k, event_loop) = env.pick_loop(*k);
                let Some(event_loop) = event_loop else { continue };
                run_nested(&env, me, k, &event_loop, body);
            }
            Op::CancelOuter => {
                let outer = env.m().loops[loop_id].run_by;
                let Some(outer) = outer else { continue };
                // The outer task is in the middle of its poll (it runs us).
                let r = outer_ref(&env, outer);
                if let Some(r) = r {
                    let cancelled = r.cancel();
                    if !cancelled {
                        env.violation(format!("cancel() of running task {outer} returned false"));
                    }
                    saw("cancels of a task running a nested loop");
                    env.m().cancelled(outer);
                }
            }
            Op::CloseLoop(k) => {
                let (k, event_loop) = env.pick_loop(*k);
                let Some(event_loop) = event_loop else { continue };
                if env.m().loops[k].running {
                    expect_refusal(&env, "close() of a running loop", CLOSE_RUNNING, || event_loop.close());
                } else {
                    env.m().discards(k);
                    event_loop.close();
                    let mut m = env.m();
                    m.loops[k].closed = true;
                    m.check_discarded(k, "close() from a task");
                }
            }
            Op::NewLoopInside => expect_refusal(&env, "new_event_loop_with inside a loop", NEW_LOOP_INSIDE, || {
                new_event_loop_with(VirtualClock::new())
            }),
            Op::SleepNan => expect_refusal(&env, "sleep(NaN)", NOT_FINITE, || sleep(f64::NAN)),
        }
    }
    drop(handles);
    env.m().tasks[me].finished = true;
    tag(me)
}

/// A reference to the task running a nested loop, kept while it runs it.
fn outer_ref(env: &Env, outer: Id) -> Option<TaskRef> {
    let found = env.outer_refs.borrow().iter().find(|(id, _)| *id == outer).map(|(_, r)| r.clone());
    if found.is_none() {
        env.violation(format!("no reference to the running task {outer}"));
    }
    found
}

fn put_item(env: &Env) -> u64 {
    let mut m = env.m();
    m.next_item += 1;
    let item = m.next_item;
    m.queue_items_put.insert(item);
    item
}

fn got_item(env: &Env, item: u64) {
    saw("queue items got");
    let mut m = env.m();
    if !m.queue_items_put.contains(&item) || !m.queue_items_got.insert(item) {
        m.violation(format!("a queue gave item {item}, not put or given before"));
    }
}

fn check_gather(m: &mut Model, ids: &[Id], outcome: &Result<Vec<u64>, TaskError>) {
    let ok = match outcome {
        Ok(values) => {
            values.len() == ids.len() && ids.iter().zip(values).all(|(id, v)| *v == tag(*id) && m.tasks[*id].finished)
        }
        Err(TaskError::Panicked(text)) => ids.iter().any(|id| m.tasks[*id].panicked && *text == panic_text(*id)),
        Err(TaskError::Cancelled) => ids.iter().any(|id| m.tasks[*id].dropped > 0 && !m.tasks[*id].finished),
    };
    if !ok {
        m.violation(format!("gather of tasks {ids:?} gave {outcome:?}"));
    }
}

/// `run_until_complete` of `body` on loop `k`, from task `me` (running).
fn run_nested(env: &Shared, me: Id, k: usize, event_loop: &EventLoop, body: &Body) {
    let (closed, running) = {
        let m = env.m();
        (m.loops[k].closed, m.loops[k].running)
    };
    let (main, fut) = task(env, k, body);
    if closed || running {
        env.m().tasks[main].refused = true;
        let expected = if closed { CLOSED_RUN } else { NESTED_RUN };
        expect_refusal(env, "a nested run", expected, || event_loop.run_until_complete(fut));
        return;
    }
    {
        let mut m = env.m();
        m.loops[k].running = true;
        m.loops[k].run_by = Some(me);
    }
    env.outer_refs.borrow_mut().push((me, current_task()));
    saw("nested runs");
    let result = catch_unwind(AssertUnwindSafe(|| event_loop.run_until_complete(fut)));
    env.outer_refs.borrow_mut().pop();
    let mut m = env.m();
    m.loops[k].running = false;
    m.loops[k].run_by = None;
    check_run(&mut m, main, result, "a nested run");
}

/// Checks what `run_until_complete(main)` gave.
fn check_run(m: &mut Model, main: Id, result: Result<u64, Box<dyn Any + Send>>, how: &str) {
    let t = &m.tasks[main];
    let expected = if t.panicked {
        Err(panic_text(main))
    } else if t.finished {
        Ok(tag(main))
    } else {
        Err(MAIN_CANCELLED.to_string())
    };
    let got = result.map_err(|p| panic_message(&*p));
    if got != expected || (got.is_err() && !t.panicked && !t.reason) {
        m.violation(format!("{how} of task {main} gave {got:?}, expected {expected:?}"));
    }
}

// ---------------------------------------------------------------------------
// A case.

/// Handles held by the script.
struct TopHandle {
    task: Option<Task<u64>>,
    r: TaskRef,
    id: Id,
}

fn run_case(program: &[Top]) -> Vec<String> {
    let env: Shared = Rc::new(Env {
        model: RefCell::default(),
        loops: RefCell::default(),
        events: [Event::new(), Event::new()],
        locks: [Lock::new(), Lock::new()],
        queues: [Queue::new(0), Queue::new(2)],
        outer_refs: RefCell::default(),
    });
    for _ in 0..START_LOOPS {
        env.new_loop();
    }
    let mut handles: Vec<TopHandle> = Vec::new();
    for step in program {
        run_top(&env, &mut handles, step);
    }
    // The end: every handle and loop goes, then the thread's loop is
    // replaced: nothing of the case is left.
    for h in &handles {
        let done = env.m().done(h.id);
        if h.r.done() != done {
            env.violation(format!("task {}: done() = {}, model {done}", h.id, h.r.done()));
        }
    }
    drop(handles);
    let loops = std::mem::take(&mut *env.loops.borrow_mut());
    for (k, event_loop) in loops.into_iter().enumerate() {
        drop_loop(&env, k, event_loop);
    }
    env.m().replacing_thread_loop();
    drop(new_event_loop_with(VirtualClock::new()));
    env.m().replaced_thread_loop(None);
    let mut m = env.m();
    for id in 0..m.tasks.len() {
        let t = &m.tasks[id];
        let problem = if t.dropped != 1 {
            Some(format!("task {id}'s future was dropped {} times", t.dropped))
        } else if t.refused && t.polls > 0 {
            Some(format!("task {id} was refused, and polled"))
        } else if !t.finished && !t.panicked && !t.reason && !t.refused {
            Some(format!("task {id} was cancelled for no reason"))
        } else if t.forbidden && t.finished && !t.cancel_at_suspension {
            Some(format!("task {id} finished after it was cancelled"))
        } else {
            None
        };
        if let Some(problem) = problem {
            m.violation(problem);
        }
    }
    std::mem::take(&mut m.violations)
}

fn drop_loop(env: &Shared, k: usize, event_loop: Option<EventLoop>) {
    let Some(event_loop) = event_loop else { return };
    let thread_loop = env.m().thread_loop == Some(k);
    if !thread_loop {
        env.m().discards(k);
    }
    drop(event_loop);
    if !thread_loop {
        let mut m = env.m();
        m.loops[k].gone = true;
        m.check_discarded(k, "dropping the last handle");
    }
}

fn run_top(env: &Shared, handles: &mut Vec<TopHandle>, step: &Top) {
    let pick = |h: &u8, handles: &Vec<TopHandle>| (!handles.is_empty()).then(|| *h as usize % handles.len());
    match step {
        Top::NewLoop => {
            if env.loops.borrow().len() < MAX_LOOPS {
                env.new_loop();
            }
        }
        Top::ReplaceReal => {
            env.m().replacing_thread_loop();
            drop(new_event_loop());
            env.m().replaced_thread_loop(None);
        }
        Top::Spawn(k, body) => {
            let (k, event_loop) = env.pick_loop(*k);
            let Some(event_loop) = event_loop else { return };
            let (id, fut) = task(env, k, body);
            if env.m().loops[k].closed {
                env.m().tasks[id].refused = true;
                expect_refusal(env, "create_task on a closed loop", CLOSED_SPAWN, || event_loop.create_task(fut));
            } else {
                let t = event_loop.create_task(fut);
                handles.push(TopHandle { r: t.task_ref(), task: Some(t), id });
            }
        }
        Top::Run(k, body) => {
            let (k, event_loop) = env.pick_loop(*k);
            let Some(event_loop) = event_loop else { return };
            let (main, fut) = task(env, k, body);
            if env.m().loops[k].closed {
                env.m().tasks[main].refused = true;
                expect_refusal(env, "run_until_complete on a closed loop", CLOSED_RUN, || {
                    event_loop.run_until_complete(fut)
                });
                return;
            }
            env.m().loops[k].running = true;
            let result = catch_unwind(AssertUnwindSafe(|| event_loop.run_until_complete(fut)));
            let mut m = env.m();
            m.loops[k].running = false;
            check_run(&mut m, main, result, "run_until_complete");
        }
        Top::RunDeadlock(k) => {
            let (k, event_loop) = env.pick_loop(*k);
            let Some(event_loop) = event_loop else { return };
            let (main, fut) = task(env, k, &Body(Arc::new([])));
            let closed = env.m().loops[k].closed;
            env.m().tasks[main].parked = true;
            let fut = async move {
                let _fut = fut;
                pending::<u64>().await
            };
            if closed {
                env.m().tasks[main].refused = true;
                expect_refusal(env, "run_until_complete on a closed loop", CLOSED_RUN, || {
                    event_loop.run_until_complete(fut)
                });
            } else {
                env.m().loops[k].running = true;
                expect_refusal(env, "a run that cannot finish", DEADLOCK, || event_loop.run_until_complete(fut));
                env.m().loops[k].running = false;
            }
        }
        Top::RunForever(k, stop_first) => {
            let (k, event_loop) = env.pick_loop(*k);
            let Some(event_loop) = event_loop else { return };
            if env.m().loops[k].closed {
                expect_refusal(env, "run_forever on a closed loop", CLOSED_RUN, || event_loop.run_forever());
                return;
            }
            if *stop_first {
                event_loop.stop();
            }
            env.m().loops[k].running = true;
            event_loop.run_forever();
            let mut m = env.m();
            m.loops[k].running = false;
            if !*stop_first {
                let left: Vec<Id> = (0..m.tasks.len())
                    .filter(|&i| {
                        let t = &m.tasks[i];
                        t.loop_id == k && !t.refused && !t.parked && t.dropped == 0
                    })
                    .collect();
                if !left.is_empty() {
                    m.violation(format!("run_forever on loop {k} returned with tasks {left:?} undone"));
                }
            }
        }
        Top::Close(k) => {
            let (k, event_loop) = env.pick_loop(*k);
            let Some(event_loop) = event_loop else { return };
            env.m().discards(k);
            event_loop.close();
            let mut m = env.m();
            m.loops[k].closed = true;
            m.check_discarded(k, "close()");
        }
        Top::DropLoop(k) => {
            let k = *k as usize % env.loops.borrow().len();
            let event_loop = env.loops.borrow_mut()[k].take();
            drop_loop(env, k, event_loop);
        }
        Top::Await(k, h) => {
            let Some(i) = pick(h, handles) else { return };
            let (k, event_loop) = env.pick_loop(*k);
            let Some(event_loop) = event_loop else { return };
            let Some(task) = handles[i].task.take() else { return };
            let id = handles[i].id;
            let (closed, done, same) = {
                let m = env.m();
                (m.loops[k].closed, m.done(id), m.tasks[id].loop_id == k)
            };
            if closed {
                expect_refusal(env, "run_until_complete on a closed loop", CLOSED_RUN, || {
                    event_loop.run_until_complete(task)
                });
            } else {
                // A pending task of another loop finishes only if a task
                // here runs that loop nested; else nothing can finish it.
                env.m().loops[k].running = true;
                let outcome = catch_unwind(AssertUnwindSafe(|| event_loop.run_until_complete(task)));
                let mut m = env.m();
                m.loops[k].running = false;
                match outcome {
                    Ok(outcome) => m.check_outcome(id, &outcome, "run_until_complete(task)"),
                    Err(p) => {
                        let message = panic_message(&*p);
                        if done || same || !message.contains(DEADLOCK) || m.done(id) {
                            m.violation(format!("run_until_complete(task {id}) panicked: {message}"));
                        }
                    }
                }
            }
        }
        Top::Cancel(h) => {
            let Some(i) = pick(h, handles) else { return };
            let id = handles[i].id;
            let done = env.m().done(id);
            if handles[i].r.done() != done {
                env.violation(format!("task {id}: done() = {}, model {done}", handles[i].r.done()));
            }
            let cancelled = handles[i].r.cancel();
            if cancelled == done {
                env.violation(format!("cancel() of task {id} returned {cancelled}, done = {done}"));
            }
            if cancelled {
                env.m().cancelled(id);
            }
        }
        Top::DropHandle(h) => {
            let Some(i) = pick(h, handles) else { return };
            drop(handles.swap_remove(i));
        }
    }
}

/// Runs a case on a thread of its own, counting its allocations: the
/// violations, or a failure if the case hangs, panics or leaks.
fn check_case(program: Vec<Top>) -> Result<(), TestCaseError> {
    quiet_expected_panics();
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name(CASE_THREAD.into())
        .spawn(move || {
            count_this_thread();
            // Starting a thread leaves a few bytes counted here that the
            // new thread frees before it can count itself (std's spawn
            // bookkeeping): measured once, allowed per helper thread.
            let before = live_bytes();
            drop(helper(|| {}));
            let per_helper = live_bytes() - before;
            // The thread's loop exists before and after (same size): a fresh one.
            drop(new_event_loop_with(VirtualClock::new()));
            let before = live_bytes();
            HELPERS.with(|n| n.set(0));
            let violations = run_case(&program);
            let leaked = live_bytes() - before - per_helper * HELPERS.with(Cell::get);
            let _ = tx.send((violations, leaked));
            drop(program);
        })
        .expect("a thread for the case");
    let secs = if cfg!(miri) { 120 } else { 20 };
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok((violations, leaked)) => {
            thread.join().map_err(|p| TestCaseError::fail(format!("the case panicked: {}", panic_message(&*p))))?;
            if !violations.is_empty() {
                return Err(TestCaseError::fail(violations.join("\n")));
            }
            if leaked != 0 {
                return Err(TestCaseError::fail(format!("{leaked} bytes left allocated after the case")));
            }
            Ok(())
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
            Err(p) => Err(TestCaseError::fail(format!("the case panicked: {}", panic_message(&*p)))),
            Ok(()) => unreachable!("the case returned without sending"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => Err(TestCaseError::fail(format!("no answer after {secs} s: it hangs"))),
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(if cfg!(miri) { 40 } else { 2000 })
}

#[test]
fn random_programs_agree_with_the_model() {
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: if cfg!(miri) { 50 } else { 2000 },
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&program(), check_case);
    if std::env::var_os("MODEL_STATS").is_some() {
        for (event, count) in EVENTS.iter().zip(&COUNTS) {
            eprintln!("{event}: {}", count.load(Ordering::Relaxed));
        }
    }
    if let Err(e) = result {
        panic!("{e}");
    }
}
