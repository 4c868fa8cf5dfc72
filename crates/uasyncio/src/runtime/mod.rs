//! The event loop: `run`, `create_task`, `get_event_loop` and friends.

pub(crate) mod context;
mod scheduler;

use crate::raw::sync::Arc;
use alloc::rc::Rc;
use alloc::string::String;
use core::fmt;
use core::future::Future;

pub(crate) use crate::raw::Remote;
pub(crate) use crate::raw::timers::TimerKey;
pub(crate) use scheduler::Core;
use scheduler::RunEnd;

pub(crate) mod task;

pub use task::{create_task, create_task_named, current_task, try_current_task};

use crate::platform::Platform;
use task::{Task, TaskError, TaskRef};

pub(crate) use crate::raw::push_sparingly;

/// A handle to an event loop (MicroPython's `Loop`).
///
/// Cheap to clone; it is `!Send` because the loop belongs to one thread.
/// [`get_event_loop`] returns the thread's loop, [`new_event_loop`] replaces
/// it with a fresh one. When the last handle goes (the thread's own loop
/// counts as one until it is replaced or the thread ends), every task still
/// on the loop is cancelled (destructors run) and released, as by
/// [`close`](Self::close).
///
/// ```
/// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
/// let task = event_loop.create_task(async { 6 * 7 });
/// assert_eq!(event_loop.run_until_complete(task), Ok(42));
/// ```
#[derive(Clone)]
pub struct EventLoop {
    pub(crate) core: Rc<Core>,
}

/// An exception handler: called with the loop and the context of a failure
/// that no task retrieved. See [`EventLoop::set_exception_handler`].
pub type ExceptionHandler = Rc<dyn Fn(&EventLoop, &ExceptionContext)>;

/// What the loop knows about a failure it reports (MicroPython's `context` dict).
#[derive(Clone, Debug)]
pub struct ExceptionContext {
    /// `"Task exception wasn't retrieved"` for unawaited task failures.
    pub message: String,
    /// The failure (`context["exception"]`).
    pub error: TaskError,
    /// The task that failed (`context["future"]`).
    pub task: Option<TaskRef>,
}

impl EventLoop {
    /// Runs the loop until [`stop`](Self::stop) is called, or until nothing
    /// can ever run again (no task is due, no timer is pending and nothing
    /// outside the loop can wake a task). MicroPython would idle forever in
    /// that last case; returning is the useful thing to do on a host.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    /// let l = event_loop.clone();
    /// event_loop.create_task(async move {
    ///     uasyncio::sleep(5).await;
    ///     l.stop();
    /// });
    /// event_loop.run_forever();
    /// assert_eq!(event_loop.time_us(), 5_000_000);
    /// ```
    pub fn run_forever(&self) {
        self.check_open();
        // Stopped or exhausted: either way the run is over.
        self.core.drive(None);
    }

    /// Runs `fut` as the main task until it completes and returns its output.
    ///
    /// Other tasks that are still pending stay queued for the next run. A
    /// panic in `fut` propagates out of this call.
    ///
    /// # Panics
    /// If the main task panics or is cancelled, if it can never finish
    /// (a deadlock: nothing is ready, no timer is pending and nothing outside
    /// the loop can wake it), or if the loop is already running.
    ///
    /// ```
    /// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    /// let answer = event_loop.run_until_complete(async {
    ///     uasyncio::sleep_ms(20).await;
    ///     42
    /// });
    /// assert_eq!(answer, 42);
    /// ```
    pub fn run_until_complete<F>(&self, fut: F) -> F::Output
    where
        F: Future + 'static,
    {
        self.check_open();
        self.core.refuse_if_running();
        let main = self.create_task(fut);
        main.raw().task().header().state.observe();
        match self.core.drive(Some(main.raw().task().as_raw())) {
            RunEnd::MainDone => {}
            RunEnd::Stopped | RunEnd::Exhausted => {
                misuse!(
                    "uasyncio deadlock: the main task is waiting, but no task is ready, no timer is \
                     pending and nothing outside the loop (a ThreadSafeFlag, I/O) can wake it",
                    "uasyncio deadlock: the main task waits and nothing can wake it",
                )
            }
        }
        match main.raw().take_output() {
            Some(Ok(value)) => value,
            Some(Err(TaskError::Panicked(message))) => resume_panic(message),
            Some(Err(TaskError::Cancelled)) => panic!("uasyncio: the main task was cancelled"),
            None => unreachable!("the main task's outcome is taken once"),
        }
    }

    /// Makes [`run_forever`](Self::run_forever) return once the tasks that are
    /// due now have run. Calling it again before that is harmless.
    ///
    /// A `stop()` made while the loop is not in `run_forever` (before it, or
    /// while [`run_until_complete`](Self::run_until_complete) runs) is kept
    /// for the next `run_forever`, which then runs the tasks due at its
    /// start and returns (CPython's rule; MicroPython ignores such a stop).
    /// `run_until_complete` itself is not ended by it.
    ///
    /// ```
    /// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    /// event_loop.stop();
    /// event_loop.stop();
    /// event_loop.run_forever(); // returns at once
    /// ```
    pub fn stop(&self) {
        self.core.queue_stop();
    }

    /// Closes the loop: every task still queued is cancelled (destructors
    /// run) and dropped. [`get_event_loop`] then hands out a fresh loop.
    ///
    /// # Panics
    /// If called while the loop is running.
    ///
    /// ```
    /// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    /// let task = event_loop.create_task(async {});
    /// event_loop.close();
    /// assert!(task.done());
    /// ```
    pub fn close(&self) {
        // `running` covers a loop run further out too (this loop's task runs
        // another loop, whose task calls this), and a loop discarding its tasks.
        assert!(
            !self.core.is_running(),
            "close() called while this event loop is running (or discarding its tasks); call it after \
             run*() returns"
        );
        self.core.set_closed();
        self.core.discard_all();
    }

    /// Creates a task on this loop; it first runs when the current task yields.
    ///
    /// # Panics
    /// If the loop is closed, or is discarding its tasks (`close`,
    /// `new_event_loop` or the last handle's drop, from a destructor of one
    /// of its tasks): such a task would never run.
    ///
    /// ```
    /// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    /// let task = event_loop.create_task(async { "done" });
    /// assert!(!task.done());
    /// assert_eq!(event_loop.run_until_complete(task), Ok("done"));
    /// ```
    pub fn create_task<F>(&self, fut: F) -> Task<F::Output>
    where
        F: Future + 'static,
    {
        Task::from_raw(self.core.spawn(fut, None))
    }

    /// Sets the handler for failures nobody retrieved; `None` restores the default.
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    /// let seen = Rc::new(RefCell::new(Vec::new()));
    /// let log = seen.clone();
    /// event_loop.set_exception_handler(Some(Rc::new(move |_, ctx: &uasyncio::ExceptionContext| {
    ///     log.borrow_mut().push(format!("{}: {}", ctx.message, ctx.error));
    /// })));
    /// event_loop.run_until_complete(async {
    ///     uasyncio::create_task(async { panic!("boom") });
    ///     uasyncio::sleep_ms(10).await;
    /// });
    /// assert_eq!(*seen.borrow(), ["Task exception wasn't retrieved: task panicked: boom"]);
    /// event_loop.set_exception_handler(None);
    /// assert!(event_loop.get_exception_handler().is_none());
    /// ```
    pub fn set_exception_handler(&self, handler: Option<ExceptionHandler>) {
        *self.core.handler.borrow_mut() = handler;
    }

    /// The handler set by [`set_exception_handler`](Self::set_exception_handler), if any.
    ///
    /// ```
    /// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    /// assert!(event_loop.get_exception_handler().is_none());
    /// ```
    pub fn get_exception_handler(&self) -> Option<ExceptionHandler> {
        self.core.handler.borrow().clone()
    }

    /// The default handler: prints the message, the task and the error to
    /// stderr (with `std`; without it, it does nothing).
    ///
    /// ```
    /// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    /// event_loop.default_exception_handler(&uasyncio::ExceptionContext {
    ///     message: "Task exception wasn't retrieved".into(),
    ///     error: uasyncio::TaskError::Panicked("boom".into()),
    ///     task: None,
    /// });
    /// ```
    pub fn default_exception_handler(&self, context: &ExceptionContext) {
        #[cfg(feature = "std")]
        {
            let task = match &context.task {
                Some(task) => alloc::format!("{task}"),
                None => String::from("None"),
            };
            std::eprintln!("{}\nfuture: {}\n{}", context.message, task, context.error);
        }
        #[cfg(not(feature = "std"))]
        let _ = context;
    }

    /// Calls the handler that is set, or the default one.
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    /// let calls = Rc::new(Cell::new(0));
    /// let c = calls.clone();
    /// event_loop.set_exception_handler(Some(Rc::new(move |_, _| c.set(c.get() + 1))));
    /// event_loop.call_exception_handler(&uasyncio::ExceptionContext {
    ///     message: "custom".into(),
    ///     error: uasyncio::TaskError::Cancelled,
    ///     task: None,
    /// });
    /// assert_eq!(calls.get(), 1);
    /// ```
    pub fn call_exception_handler(&self, context: &ExceptionContext) {
        let handler = self.get_exception_handler();
        match handler {
            Some(handler) => handler(self, context),
            None => self.default_exception_handler(context),
        }
    }

    /// The loop's clock in microseconds (virtual or real).
    ///
    /// ```
    /// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    /// event_loop.run_until_complete(uasyncio::sleep(1.5));
    /// assert_eq!(event_loop.time_us(), 1_500_000);
    /// ```
    pub fn time_us(&self) -> u64 {
        self.core.refresh_now()
    }

    fn check_open(&self) {
        if self.core.is_closed() {
            misuse!(
                "this event loop is closed; get a new one with new_event_loop() or get_event_loop()",
                "this event loop is closed",
            );
        }
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        // The last handle: discard every task here, while the loop is still
        // shared (`&Core`), so the destructors that run may reach the loop.
        // A destructor that takes a new handle (`get_event_loop()` inside a
        // task's drop) keeps the loop alive, empty; its own drop comes back here.
        if Rc::strong_count(&self.core) == 1 {
            self.core.discard_all();
        }
    }
}

impl fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLoop").field("time_us", &self.core.now()).finish_non_exhaustive()
    }
}

#[cfg(feature = "std")]
fn resume_panic(message: String) -> ! {
    std::panic::resume_unwind(alloc::boxed::Box::new(message))
}

#[cfg(not(feature = "std"))]
fn resume_panic(message: String) -> ! {
    panic!("{message}")
}

/// The thread's event loop (created with the default clock if there is none,
/// or if the last one was closed). Inside a running loop, that loop.
///
/// ```
/// let event_loop = uasyncio::get_event_loop();
/// assert_eq!(event_loop.run_until_complete(async { 1 + 1 }), 2);
/// ```
///
/// # Panics
/// Without `std` there is no default clock: install a loop first with
/// [`new_event_loop_with`].
pub fn get_event_loop() -> EventLoop {
    if let Some(running) = context::with_running(Core::handle) {
        return running;
    }
    let (current, replaced) = context::with_thread_loop(|slot| match slot {
        Some(event_loop) if !event_loop.core.is_closed() => (event_loop.clone(), None),
        _ => {
            let event_loop = EventLoop { core: Core::new(default_platform()) };
            (event_loop.clone(), slot.replace(event_loop))
        }
    });
    // Dropped outside the slot's borrow: its drop may discard tasks.
    drop(replaced);
    current
}

/// Replaces the thread's event loop with a fresh one on the default clock
/// (the real clock), discarding every task of the old one.
///
/// ```
/// let event_loop = uasyncio::new_event_loop();
/// assert_eq!(event_loop.run_until_complete(async { 7 }), 7);
/// ```
pub fn new_event_loop() -> EventLoop {
    new_event_loop_with_arc(default_platform())
}

/// Replaces the thread's event loop with a fresh one driven by `platform`
/// (a [`VirtualClock`](crate::VirtualClock), the [`SystemClock`](crate::SystemClock),
/// or a board's own), discarding every task of the old one.
///
/// ```
/// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
/// event_loop.run_until_complete(uasyncio::sleep(3600)); // an hour, at once
/// assert_eq!(uasyncio::get_event_loop().time_us(), 3_600_000_000);
/// ```
///
/// # Panics
/// If called from inside a running loop.
pub fn new_event_loop_with(platform: impl Platform) -> EventLoop {
    // Without compare-and-swap the `Arc` is portable-atomic-util's, which
    // cannot coerce to `dyn` itself: it goes through a `Box`.
    #[cfg(target_has_atomic = "ptr")]
    let platform: Arc<dyn Platform> = Arc::new(platform);
    #[cfg(not(target_has_atomic = "ptr"))]
    let platform: Arc<dyn Platform> = Arc::from(alloc::boxed::Box::new(platform) as alloc::boxed::Box<dyn Platform>);
    new_event_loop_with_arc(platform)
}

fn new_event_loop_with_arc(platform: Arc<dyn Platform>) -> EventLoop {
    if context::is_any_running() {
        misuse!(
            "new_event_loop() called from inside a running event loop; call it before run*()",
            "new_event_loop() inside a running event loop",
        );
    }
    let event_loop = EventLoop { core: Core::new(platform) };
    let old = context::with_thread_loop(|slot| slot.replace(event_loop.clone()));
    if let Some(old) = old {
        old.core.discard_all();
    }
    event_loop
}

#[cfg(feature = "std")]
fn default_platform() -> Arc<dyn Platform> {
    Arc::new(crate::platform::SystemClock::new())
}

#[cfg(not(feature = "std"))]
fn default_platform() -> Arc<dyn Platform> {
    panic!("no event loop: without the `std` feature, install one with new_event_loop_with(platform)")
}

/// Runs `fut` on the thread's event loop until it completes (MicroPython's
/// `asyncio.run`). Other tasks still pending stay queued for the next run.
///
/// ```
/// async fn answer() -> u32 {
///     42
/// }
/// assert_eq!(uasyncio::run(answer()), 42);
/// ```
///
/// # Panics
/// See [`EventLoop::run_until_complete`].
pub fn run<F>(fut: F) -> F::Output
where
    F: Future + 'static,
{
    get_event_loop().run_until_complete(fut)
}

/// Installs a fresh loop on a new [`VirtualClock`](crate::VirtualClock) and
/// runs `fut` on it: deterministic, and sleeps take no real time.
///
/// ```
/// let out = uasyncio::run_virtual(async {
///     uasyncio::sleep(10).await;
///     uasyncio::time::ticks_ms()
/// });
/// assert_eq!(out, 10_000);
/// ```
pub fn run_virtual<F>(fut: F) -> F::Output
where
    F: Future + 'static,
{
    new_event_loop_with(crate::platform::VirtualClock::new()).run_until_complete(fut)
}
