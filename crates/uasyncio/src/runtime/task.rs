//! Task handles: the typed, awaitable [`Task`] and the clonable [`TaskRef`].

use alloc::string::String;
use core::cell::Cell;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::scheduler::Core;
use super::{context, get_event_loop};
use crate::raw::{JoinHandle, TaskPtr, state};
use alloc::boxed::Box;

pub use crate::raw::TaskError;

/// Creates a task on the running loop (or the thread's loop): it first runs
/// once the current task yields. Dropping the returned [`Task`] detaches it.
///
/// ```
/// let out = uasyncio::run_virtual(async {
///     let task = uasyncio::create_task(async { 21 * 2 });
///     task.await
/// });
/// assert_eq!(out, Ok(42));
/// ```
pub fn create_task<F>(fut: F) -> Task<F::Output>
where
    F: Future + 'static,
{
    spawn_named(fut, None)
}

/// Like [`create_task`], with a name shown by the task's `Display` and the
/// exception handler.
///
/// ```
/// uasyncio::run_virtual(async {
///     let task = uasyncio::create_task_named("blink", async {});
///     assert_eq!(task.name().as_deref(), Some("blink"));
/// });
/// ```
pub fn create_task_named<F>(name: impl Into<String>, fut: F) -> Task<F::Output>
where
    F: Future + 'static,
{
    spawn_named(fut, Some(name.into().into_boxed_str()))
}

fn spawn_named<F>(fut: F, name: Option<Box<str>>) -> Task<F::Output>
where
    F: Future + 'static,
{
    let mut fut = Some(fut);
    let mut name = Some(name);
    if let Some(handle) = context::with_running(|core| core.spawn(fut.take().unwrap(), name.take().unwrap())) {
        return Task::from_raw(handle);
    }
    Task::from_raw(get_event_loop().core.spawn(fut.take().unwrap(), name.take().unwrap()))
}

/// The task running now (MicroPython's `current_task()`).
///
/// ```
/// uasyncio::run_virtual(async {
///     let me = uasyncio::current_task();
///     assert!(!me.done());
/// });
/// ```
///
/// # Panics
/// Outside a task: "no running event loop". See [`try_current_task`].
pub fn current_task() -> TaskRef {
    try_current_task().expect("no running event loop: current_task() must be called from inside a task")
}

/// The task running now, or `None` outside a task.
///
/// ```
/// assert!(uasyncio::try_current_task().is_none());
/// ```
pub fn try_current_task() -> Option<TaskRef> {
    context::with_running(|core| core.current.get()).flatten().map(|ptr| TaskRef::new(ptr.counted()))
}

/// A task's id: in creation order from 1 within its loop (32-bit, so unique
/// among the last 4 billion tasks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u64);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A running task (MicroPython's `Task`), returned by [`create_task`].
///
/// Awaiting it gives `Ok(value)`, or `Err(TaskError)` if it was cancelled or
/// panicked. Dropping a handle that is not being awaited detaches the task: it
/// keeps running. Dropping it in the middle of an `await` — because the
/// awaiting task was cancelled, or a [`wait_for`](crate::wait_for) timed out
/// — cancels the task at once (its destructors run before the drop returns),
/// as interrupting `await task` does in MicroPython (await `&mut task`
/// instead to keep it running). A handle is "being awaited" from the moment
/// a task polls it until that task is resumed for any reason: once a
/// `wait_for(&mut task, t)` has returned, dropping `task` detaches it.
/// Awaiting a task of another loop works, but is not linked: cancelling the
/// awaiting task is not forwarded to it, and dropping its handle mid-await
/// detaches it. The handle is
/// single-owner; give others a [`TaskRef`] (from [`task_ref`](Self::task_ref)).
///
/// ```
/// uasyncio::run_virtual(async {
///     let task = uasyncio::create_task(async {
///         uasyncio::sleep(1).await;
///         "slept"
///     });
///     assert!(!task.done());
///     assert_eq!(task.await, Ok("slept"));
/// });
/// ```
pub struct Task<T> {
    raw: JoinHandle<T>,
    /// The task awaiting this handle, linked for cancel forwarding.
    linked: Cell<Option<TaskPtr>>,
    _not_send: PhantomData<*const ()>,
}

impl<T> Task<T> {
    pub(crate) fn from_raw(raw: JoinHandle<T>) -> Self {
        Task { raw, linked: Cell::new(None), _not_send: PhantomData }
    }

    pub(crate) fn raw(&self) -> &JoinHandle<T> {
        &self.raw
    }

    /// Requests cancellation; returns false if the task had already finished.
    ///
    /// The task's future is dropped at its current await point the next time
    /// the loop reaches it (its destructors run then, like `finally`). If the
    /// task is awaiting another task, the cancellation is forwarded to that
    /// innermost task, as MicroPython does.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let task = uasyncio::create_task(uasyncio::sleep(10));
    ///     uasyncio::sleep(1).await;
    ///     assert!(task.cancel());
    ///     assert_eq!(task.await, Err(uasyncio::TaskError::Cancelled));
    /// });
    /// ```
    ///
    /// # Panics
    /// "can't cancel self" when a task cancels itself.
    pub fn cancel(&self) -> bool {
        cancel(self.raw.task())
    }

    /// True once the task has finished (value, panic or cancellation).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let task = uasyncio::create_task(async {});
    ///     assert!(!task.done());
    ///     uasyncio::sleep(0).await;
    ///     assert!(task.done());
    /// });
    /// ```
    pub fn done(&self) -> bool {
        self.raw.task().header().has(state::DONE)
    }

    /// The task's id.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let a = uasyncio::create_task(async {});
    ///     let b = uasyncio::create_task(async {});
    ///     assert!(a.id() < b.id());
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        TaskId(u64::from(self.raw.task().header().id))
    }

    /// The name given to [`create_task_named`], if any.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     assert_eq!(uasyncio::create_task(async {}).name(), None);
    /// });
    /// ```
    pub fn name(&self) -> Option<String> {
        self.raw.task().header().name()
    }

    /// A clonable, untyped reference to this task (cancel, done, id, name).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let task = uasyncio::create_task(uasyncio::sleep(5));
    ///     let other = task.task_ref();
    ///     uasyncio::sleep(0).await;
    ///     assert!(other.cancel());
    ///     assert!(task.await.unwrap_err().is_cancelled());
    ///     assert!(other.done());
    /// });
    /// ```
    pub fn task_ref(&self) -> TaskRef {
        TaskRef::new(self.raw.task().clone())
    }

    /// Undoes the link to the task awaiting this handle; returns whether it
    /// was still live: that task is suspended in an await on this handle
    /// (its `awaiting` still names this task: a link ends when the awaiting
    /// task is polled again, see `Core::run_entry`).
    fn unlink(&self) -> bool {
        let Some(awaiter) = self.linked.take() else { return false };
        let h = awaiter.header();
        let live = h.awaiting.get() == Some(self.raw.task().as_raw());
        if live {
            h.awaiting.set(None);
        }
        live
    }
}

impl<T> Task<T> {
    /// Polls for the outcome; with `link`, records the running task as
    /// awaiting this one (so cancelling it is forwarded here, and dropping
    /// this handle mid-await cancels this task).
    pub(crate) fn poll_outcome(&mut self, cx: &mut Context<'_>, link: bool) -> Poll<Result<T, TaskError>> {
        let h = self.raw.task().header();
        if h.has(state::DONE) {
            h.state.take_unretrieved();
            self.unlink();
            return match self.raw.take_output() {
                Some(outcome) => Poll::Ready(outcome),
                None => panic!("a Task was awaited again after it had returned its result"),
            };
        }
        h.awaiter.register(cx.waker());
        if link {
            self.link_current();
        }
        Poll::Pending
    }

    /// Links the running task as the one awaiting this handle: both ends
    /// know (`awaiting` in the running task, `linked` here), and the handle
    /// holds a counted reference to the awaiting task. Only tasks of one
    /// loop are linked: awaiting a task of another loop works, but neither
    /// forwards a cancellation nor cancels it when the await is interrupted.
    fn link_current(&mut self) {
        let Some(current) = context::with_running(|core| core.current.get()).flatten() else { return };
        let me = self.raw.task().as_raw();
        if current == me {
            return;
        }
        match self.linked.take() {
            Some(l) if l.as_raw() == current => self.linked.set(Some(l)),
            previous => {
                // Another task awaited this handle before (it was handed
                // over): its link ends, so no link outlives this handle.
                self.linked.set(previous);
                self.unlink();
                let current = current.counted();
                if !current.as_raw().same_loop(self.raw.task().as_raw()) {
                    return;
                }
                self.linked.set(Some(current));
            }
        }
        current.header().awaiting.set(Some(me));
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().poll_outcome(cx, true)
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        let interrupted = self.unlink();
        let h = self.raw.task().header();
        drop(h.awaiter.take());
        h.state.drop_handle();
        if h.has(state::DONE) {
            if !h.has(state::REGISTERED) {
                self.raw.task().as_raw().drop_output();
            }
        } else if interrupted {
            // An `await task` was interrupted (the awaiting task was cancelled,
            // or a wait_for timed out): as in MicroPython, the task is
            // cancelled, and has finished by the time the await is gone.
            if let Some(core) = Core::of(self.raw.task()) {
                core.cancel_now(self.raw.task().as_raw());
            }
        }
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        describe(self.raw.task(), f)
    }
}

impl<T> fmt::Display for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        describe(self.raw.task(), f)
    }
}

/// A clonable, untyped reference to a task: cancel it, ask whether it is
/// done, read its id and name. Displays as `Task(name)` or `Task#id`.
///
/// ```
/// uasyncio::run_virtual(async {
///     let me = uasyncio::current_task();
///     assert_eq!(me.to_string(), format!("Task#{}", me.id()));
/// });
/// ```
#[derive(Clone)]
pub struct TaskRef {
    task: TaskPtr,
    _not_send: PhantomData<*const ()>,
}

impl TaskRef {
    pub(crate) fn new(task: TaskPtr) -> Self {
        TaskRef { task, _not_send: PhantomData }
    }

    /// See [`Task::cancel`].
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let t = uasyncio::create_task(async {}).task_ref();
    ///     assert!(t.cancel());
    ///     assert!(t.cancel(), "true again while not yet done");
    ///     uasyncio::sleep(0).await;
    ///     assert!(!t.cancel(), "false once done");
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        cancel(&self.task)
    }

    /// See [`Task::done`].
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     assert!(!uasyncio::current_task().done());
    /// });
    /// ```
    pub fn done(&self) -> bool {
        self.task.header().has(state::DONE)
    }

    /// See [`Task::id`].
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let t = uasyncio::create_task(async {});
    ///     assert_eq!(t.task_ref().id(), t.id());
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        TaskId(u64::from(self.task.header().id))
    }

    /// See [`Task::name`].
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let t = uasyncio::create_task_named("worker", async {});
    ///     assert_eq!(t.task_ref().name().as_deref(), Some("worker"));
    /// });
    /// ```
    pub fn name(&self) -> Option<String> {
        self.task.header().name()
    }
}

impl PartialEq for TaskRef {
    fn eq(&self, other: &Self) -> bool {
        self.task.as_raw() == other.task.as_raw()
    }
}

impl Eq for TaskRef {}

impl fmt::Debug for TaskRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        describe(&self.task, f)
    }
}

impl fmt::Display for TaskRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        describe(&self.task, f)
    }
}

/// Ends the running task's await on a task handle, if it is in one: the
/// future that awaited it was abandoned (`wait_for` timed out), so neither a
/// cancellation of the running task nor a later drop of the handle reaches
/// the awaited task through this link.
pub(crate) fn end_current_await() {
    if let Some(current) = context::with_running(|core| core.current.get()).flatten() {
        current.header().awaiting.set(None);
    }
}

fn describe(task: &TaskPtr, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let h = task.header();
    match h.name() {
        Some(name) => write!(f, "Task({name})"),
        None => write!(f, "Task#{}", h.id),
    }
}

fn cancel(task: &TaskPtr) -> bool {
    match Core::of(task) {
        Some(core) => core.cancel(task.as_raw()),
        None => false,
    }
}
