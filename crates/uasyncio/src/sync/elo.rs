//! `Elo`: a task seen as an event, set when the task ends (peterhinch's
//! `primitives.ELO`, "event-like object").

use alloc::rc::Rc;
use core::cell::RefCell;
use core::fmt;
use core::future::Future;

use super::event::{Event, EventWait};
use super::wait_any::Waitable;
use crate::task::{Task, TaskError, TaskRef};

/// A task as an event-like object (peterhinch's `ELO`): it is *set* when
/// the task ends, however it ends (value, cancellation, panic), so it can
/// go into [`WaitAny`](crate::WaitAny) / [`WaitAll`](crate::WaitAll) with
/// events. [`result`](Self::result) then gives the task's outcome.
///
/// Single-threaded: bound to its task when made, it holds an `Rc`. For a
/// `static`, waited on and cancelled from other threads, see
/// [`cs::Elo`](crate::sync::cs::Elo) (made unbound, started later).
///
/// ```
/// uasyncio::run_virtual(async {
///     let stop = uasyncio::Event::new();
///     let job = uasyncio::Elo::new(async {
///         uasyncio::sleep_ms(30).await;
///         42
///     });
///     let any = uasyncio::WaitAny::new((&stop, &job));
///     assert_eq!(any.wait().await, 1, "the job ended first");
///     assert_eq!(job.result().await, Ok(42));
/// });
/// ```
pub struct Elo<T> {
    outcome: Rc<Outcome<T>>,
    task: TaskRef,
}

struct Outcome<T> {
    done: Event,
    result: RefCell<Option<Result<T, TaskError>>>,
}

/// Records a cancellation if the watcher's future is dropped before it
/// stored a result, and sets `done` either way.
struct Finish<T>(Rc<Outcome<T>>);

impl<T> Drop for Finish<T> {
    fn drop(&mut self) {
        let mut result = self.0.result.borrow_mut();
        if result.is_none() {
            *result = Some(Err(TaskError::Cancelled));
        }
        drop(result);
        self.0.done.set();
    }
}

impl<T: 'static> Elo<T> {
    /// Starts `future` as a task (peterhinch's `ELO(coro, *args)`).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let elo = uasyncio::Elo::new(async { "done" });
    ///     assert_eq!(elo.result().await, Ok("done"));
    /// });
    /// ```
    pub fn new(future: impl Future<Output = T> + 'static) -> Self {
        let outcome = Rc::new(Outcome { done: Event::new(), result: RefCell::new(None) });
        let finish = Finish(outcome.clone());
        let task = crate::create_task(async move {
            let finish = finish;
            let value = future.await;
            *finish.0.result.borrow_mut() = Some(Ok(value));
        });
        Elo { outcome, task: task.task_ref() }
    }

    /// Watches a task already running (peterhinch's `ELO(task)`):
    /// [`task`](Self::task) and [`cancel`](Self::cancel) act on it.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let running = uasyncio::create_task(async { 99 });
    ///     let elo = uasyncio::Elo::from_task(running);
    ///     assert_eq!(elo.result().await, Ok(99));
    /// });
    /// ```
    pub fn from_task(task: Task<T>) -> Self {
        let outcome = Rc::new(Outcome { done: Event::new(), result: RefCell::new(None) });
        let finish = Finish(outcome.clone());
        let watched = task.task_ref();
        crate::create_task(async move {
            let finish = finish;
            let result = task.await;
            *finish.0.result.borrow_mut() = Some(result);
        });
        Elo { outcome, task: watched }
    }
}

impl<T> Elo<T> {
    /// The task (to cancel it, or ask whether it is done).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let elo = uasyncio::Elo::new(async {});
    ///     assert!(!elo.task().done());
    /// });
    /// ```
    pub fn task(&self) -> &TaskRef {
        &self.task
    }

    /// Cancels the task; the `Elo` is then set, with
    /// `Err(TaskError::Cancelled)` as result.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let elo = uasyncio::Elo::new(uasyncio::sleep(10));
    ///     elo.cancel();
    ///     assert_eq!(elo.result().await, Err(uasyncio::TaskError::Cancelled));
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        self.task.cancel()
    }

    /// True once the task has ended and the `Elo` is set.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let elo = uasyncio::Elo::new(async {});
    ///     elo.wait().await;
    ///     assert!(elo.is_set());
    /// });
    /// ```
    pub fn is_set(&self) -> bool {
        self.outcome.done.is_set()
    }

    /// Waits until the task has ended.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let elo = uasyncio::Elo::new(uasyncio::sleep_ms(5));
    ///     elo.wait().await;
    ///     assert_eq!(uasyncio::time::ticks_ms(), 5);
    /// });
    /// ```
    pub fn wait(&self) -> EventWait<'_> {
        self.outcome.done.wait()
    }

    /// Waits until the task has ended and takes its outcome (Python's
    /// `await elo()`).
    ///
    /// # Panics
    /// If the outcome was already taken by an earlier `result`.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let elo = uasyncio::Elo::new(async { 1 + 1 });
    ///     assert_eq!(elo.result().await, Ok(2));
    /// });
    /// ```
    pub async fn result(&self) -> Result<T, TaskError> {
        self.outcome.done.wait().await;
        self.outcome
            .result
            .borrow_mut()
            .take()
            .expect("Elo::result: the outcome was already taken by an earlier call to result()")
    }
}

impl<T> fmt::Debug for Elo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Elo").field("task", &self.task).field("set", &self.is_set()).finish()
    }
}

impl<T> Waitable for Elo<T> {
    type Wait<'a>
        = EventWait<'a>
    where
        T: 'a;

    fn wait(&self) -> EventWait<'_> {
        Elo::wait(self)
    }
}

/// Why [`cs::Elo::start`](crate::sync::cs::Elo::start) or
/// [`watch`](crate::sync::cs::Elo::watch) refused: the `Elo` already
/// watches a task (it watches one in its life). Nothing was started; a
/// task given to `watch` was dropped, so it runs on, detached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlreadyWatching;

impl fmt::Display for AlreadyWatching {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cs::Elo: already watching a task (an Elo watches one task in its life)")
    }
}

impl core::error::Error for AlreadyWatching {}

/// Why [`cs::Elo::cancel`](crate::sync::cs::Elo::cancel) did nothing: the
/// `Elo` watches no task yet (the request is not kept for a later start).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotWatching;

impl fmt::Display for NotWatching {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cs::Elo::cancel: no task to cancel (the Elo was not started yet)")
    }
}

impl core::error::Error for NotWatching {}

/// The `static` `Elo` (`sync::cs::Elo`), apart from the plain one: that one
/// is bound to its task when made and shares its outcome with its watcher
/// through an `Rc`; this one is made unbound (`const`), is its own storage
/// (the watcher holds `&'static` of it) and binds once, from a task.
pub(crate) mod cs {
    use core::cell::{Cell, RefCell};
    use core::fmt;
    use core::future::{Future, poll_fn};
    use core::pin::Pin;
    use core::task::Poll;

    use super::{AlreadyWatching, NotWatching};
    use crate::raw::mutex::{CriticalSectionRawMutex, Mutex};
    use crate::sync::event::{Event, EventWait};
    use crate::sync::flag::ThreadSafeFlag;
    use crate::sync::wait_any::Waitable;
    use crate::task::{Task, TaskError, TaskRef};

    /// A task as an event-like object, for a `static` (peterhinch's `ELO`;
    /// see [`Elo`](crate::Elo)): made unbound with the `const`
    /// [`new`](Self::new), bound once by [`start`](Self::start) (a future,
    /// as a new task) or [`watch`](Self::watch) (a task already running),
    /// called by a task of the loop that is to own the task. From then on
    /// tasks of any loop, on any thread, may [`wait`](Self::wait) for it
    /// to end, ask [`is_set`](Self::is_set) and take its
    /// [`result`](Self::result), and any thread may [`cancel`](Self::cancel)
    /// it. `Sync` for `T: Send`.
    ///
    /// Tasks are not `Send`, so a cancel never touches the task itself: it
    /// is a request, carried out by the `Elo`'s watcher, a task of the
    /// owning loop that awaits the task and the request, at that loop's
    /// next step. The watcher waits on the outside world meanwhile, so the
    /// owning loop idles for a request rather than report a deadlock while
    /// the task runs. Should the owning loop be closed first, the task and
    /// the watcher are cancelled with it and the `Elo` is set with
    /// `Err(TaskError::Cancelled)`.
    ///
    /// | call | not bound yet | bound, task running | task ended (set) |
    /// |---|---|---|---|
    /// | `start` / `watch` | binds: `Ok(TaskRef)` | `Err(AlreadyWatching)` | `Err(AlreadyWatching)` |
    /// | `cancel` | `Err(NotWatching)` (nothing kept) | `Ok(true)` (requested) | `Ok(false)` |
    /// | `is_set` | false | false | true |
    /// | `wait` / `result` | wait for a start, then the end | wait for the end | at once |
    ///
    /// ```
    /// use uasyncio::sync::cs;
    /// static JOB: cs::Elo<()> = cs::Elo::new();
    /// // A loop on another thread starts the job and owns its task...
    /// let owner = std::thread::spawn(|| {
    ///     uasyncio::new_event_loop().run_until_complete(async {
    ///         JOB.start(uasyncio::sleep_ms(10)).unwrap();
    ///         JOB.wait().await;
    ///     })
    /// });
    /// // ...while a task of this thread's loop waits for its outcome.
    /// let outcome = uasyncio::new_event_loop().run_until_complete(async { JOB.result().await });
    /// owner.join().unwrap();
    /// assert_eq!(outcome, Ok(()));
    /// ```
    pub struct Elo<T> {
        state: Mutex<CriticalSectionRawMutex, State<T>>,
        /// Set once the outcome is stored.
        done: Event<CriticalSectionRawMutex>,
        /// Set by a cancel request; only the watcher waits on it.
        cancel_requested: ThreadSafeFlag,
    }

    struct State<T> {
        phase: Cell<Phase>,
        outcome: RefCell<Option<Result<T, TaskError>>>,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Phase {
        Unbound,
        Running,
        CancelRequested,
        Ended,
    }

    impl<T> Default for Elo<T> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<T> Elo<T> {
        /// An `Elo` watching no task yet: a `static`.
        ///
        /// ```
        /// static JOB: uasyncio::sync::cs::Elo<()> = uasyncio::sync::cs::Elo::new();
        /// assert!(!JOB.watching() && !JOB.is_set());
        /// ```
        #[cfg(not(loom))]
        pub const fn new() -> Self {
            Elo {
                state: Mutex::new(State { phase: Cell::new(Phase::Unbound), outcome: RefCell::new(None) }),
                done: Event::new(),
                cancel_requested: ThreadSafeFlag::new(),
            }
        }

        /// An `Elo` watching no task yet (not `const` under `--cfg loom`,
        /// as its `ThreadSafeFlag`'s `new` is not).
        #[cfg(loom)]
        pub fn new() -> Self {
            Elo {
                state: Mutex::new(State { phase: Cell::new(Phase::Unbound), outcome: RefCell::new(None) }),
                done: Event::new(),
                cancel_requested: ThreadSafeFlag::new(),
            }
        }

        /// True once [`start`](Self::start) or [`watch`](Self::watch) bound
        /// it to a task (and ever after).
        ///
        /// ```
        /// static JOB: uasyncio::sync::cs::Elo<()> = uasyncio::sync::cs::Elo::new();
        /// uasyncio::run_virtual(async {
        ///     JOB.start(async {}).unwrap();
        ///     assert!(JOB.watching());
        /// });
        /// ```
        pub fn watching(&self) -> bool {
            self.state.lock(|s| s.phase.get() != Phase::Unbound)
        }

        /// Asks for the task's cancellation, from any thread or interrupt
        /// handler: the `Elo`'s watcher cancels the task at its loop's next
        /// step, and the `Elo` is then set with `Err(TaskError::Cancelled)`
        /// (or with the task's own outcome, if it ended first).
        ///
        /// # Errors
        /// [`NotWatching`] before a start: nothing happens, and a later
        /// start is not cancelled.
        ///
        /// `Ok(true)` if the task had not ended (asking again before it
        /// ends gives `true` again), `Ok(false)` if it had.
        ///
        /// ```
        /// use uasyncio::sync::cs;
        /// static JOB: cs::Elo<()> = cs::Elo::new();
        /// assert_eq!(JOB.cancel(), Err(uasyncio::sync::NotWatching));
        /// uasyncio::run_virtual(async {
        ///     JOB.start(uasyncio::sleep(10)).unwrap();
        ///     std::thread::spawn(|| JOB.cancel()).join().unwrap().unwrap();
        ///     assert_eq!(JOB.result().await, Err(uasyncio::TaskError::Cancelled));
        /// });
        /// assert_eq!(JOB.cancel(), Ok(false), "ended");
        /// ```
        pub fn cancel(&self) -> Result<bool, NotWatching> {
            let (answer, request) = self.state.lock(|s| match s.phase.get() {
                Phase::Unbound => (Err(NotWatching), false),
                Phase::Running => {
                    s.phase.set(Phase::CancelRequested);
                    (Ok(true), true)
                }
                Phase::CancelRequested => (Ok(true), false),
                Phase::Ended => (Ok(false), false),
            });
            if request {
                self.cancel_requested.set();
            }
            answer
        }

        /// True once the task has ended and its outcome is stored.
        ///
        /// ```
        /// static JOB: uasyncio::sync::cs::Elo<()> = uasyncio::sync::cs::Elo::new();
        /// uasyncio::run_virtual(async {
        ///     JOB.start(async {}).unwrap();
        ///     assert!(!JOB.is_set());
        ///     JOB.wait().await;
        ///     assert!(JOB.is_set());
        /// });
        /// ```
        pub fn is_set(&self) -> bool {
            self.done.is_set()
        }

        /// Waits until the task has ended, from a task of any loop (before a
        /// start, until it is started and has ended).
        ///
        /// ```
        /// static JOB: uasyncio::sync::cs::Elo<()> = uasyncio::sync::cs::Elo::new();
        /// uasyncio::run_virtual(async {
        ///     JOB.start(uasyncio::sleep_ms(5)).unwrap();
        ///     JOB.wait().await;
        ///     assert_eq!(uasyncio::time::ticks_ms(), 5);
        /// });
        /// ```
        pub fn wait(&self) -> EventWait<'_, CriticalSectionRawMutex> {
            self.done.wait()
        }

        /// Waits until the task has ended and takes its outcome (Python's
        /// `await elo()`).
        ///
        /// # Panics
        /// If the outcome was already taken by an earlier `result`.
        ///
        /// ```
        /// static JOB: uasyncio::sync::cs::Elo<u32> = uasyncio::sync::cs::Elo::new();
        /// uasyncio::run_virtual(async {
        ///     JOB.start(async { 1 + 1 }).unwrap();
        ///     assert_eq!(JOB.result().await, Ok(2));
        /// });
        /// ```
        pub async fn result(&self) -> Result<T, TaskError> {
            self.done.wait().await;
            self.state
                .lock(|s| s.outcome.borrow_mut().take())
                .expect("cs::Elo::result: the outcome was already taken by an earlier call to result()")
        }

        /// Moves an unbound `Elo` to running; refuses otherwise.
        fn bind(&self) -> Result<(), AlreadyWatching> {
            self.state.lock(|s| {
                if s.phase.get() != Phase::Unbound {
                    return Err(AlreadyWatching);
                }
                s.phase.set(Phase::Running);
                Ok(())
            })
        }
    }

    impl<T: 'static> Elo<T> {
        /// Starts `future` as a task of the running loop, and watches it
        /// (peterhinch's `ELO(coro, *args)`). Gives the task's handle, for
        /// the owning side's own use.
        ///
        /// # Errors
        /// [`AlreadyWatching`] if it was bound before (`future` is dropped,
        /// not run).
        ///
        /// # Panics
        /// Outside a running loop (as [`create_task`](crate::create_task)
        /// does); the `Elo` is then left unbound.
        ///
        /// ```
        /// static JOB: uasyncio::sync::cs::Elo<&str> = uasyncio::sync::cs::Elo::new();
        /// uasyncio::run_virtual(async {
        ///     let task = JOB.start(async { "done" }).unwrap();
        ///     assert_eq!(JOB.start(async { "again" }), Err(uasyncio::sync::AlreadyWatching));
        ///     assert_eq!(JOB.result().await, Ok("done"));
        ///     assert!(task.done());
        /// });
        /// ```
        pub fn start(&'static self, future: impl Future<Output = T> + 'static) -> Result<TaskRef, AlreadyWatching> {
            self.bind()?;
            let unbind = Unbind(Some(self));
            let task = crate::create_task(future);
            Ok(unbind.watch(task))
        }

        /// Watches `task`, already running on the running loop
        /// (peterhinch's `ELO(task)`). Gives its handle.
        ///
        /// # Errors
        /// [`AlreadyWatching`] if it was bound before (`task` is dropped:
        /// it runs on, detached).
        ///
        /// # Panics
        /// Outside a running loop (its watcher is a task); the `Elo` is
        /// then left unbound.
        ///
        /// ```
        /// static JOB: uasyncio::sync::cs::Elo<u32> = uasyncio::sync::cs::Elo::new();
        /// uasyncio::run_virtual(async {
        ///     JOB.watch(uasyncio::create_task(async { 99 })).unwrap();
        ///     assert_eq!(JOB.result().await, Ok(99));
        /// });
        /// ```
        pub fn watch(&'static self, task: Task<T>) -> Result<TaskRef, AlreadyWatching> {
            self.bind()?;
            Ok(Unbind(Some(self)).watch(task))
        }
    }

    /// Puts a just-bound `Elo` back to unbound if creating its tasks
    /// panics (no loop runs), so no waiter waits for a task that never was.
    struct Unbind<T: 'static>(Option<&'static Elo<T>>);

    impl<T: 'static> Unbind<T> {
        /// Spawns the watcher of `task`; the `Elo` stays bound.
        fn watch(mut self, task: Task<T>) -> TaskRef {
            let elo = self.0.expect("bound just before");
            let task_ref = task.task_ref();
            crate::create_task(watch_until_done(elo, task));
            self.0 = None;
            task_ref
        }
    }

    impl<T: 'static> Drop for Unbind<T> {
        fn drop(&mut self) {
            if let Some(elo) = self.0 {
                elo.state.lock(|s| s.phase.set(Phase::Unbound));
            }
        }
    }

    /// The watcher: awaits the task or a cancel request (then cancels the
    /// task, on this, its loop, and awaits it), stores the outcome and sets
    /// the `Elo`.
    async fn watch_until_done<T: 'static>(elo: &'static Elo<T>, mut task: Task<T>) {
        let finish = Finish(elo);
        let mut request = elo.cancel_requested.wait();
        let ended = poll_fn(|cx| {
            if let Poll::Ready(outcome) = Pin::new(&mut task).poll(cx) {
                return Poll::Ready(Some(outcome));
            }
            Pin::new(&mut request).poll(cx).map(|()| None)
        })
        .await;
        drop(request);
        let outcome = match ended {
            Some(outcome) => outcome,
            None => {
                task.cancel();
                task.await
            }
        };
        elo.state.lock(|s| *s.outcome.borrow_mut() = Some(outcome));
        drop(finish);
    }

    /// Ends the `Elo` however the watcher ends: with `Err(Cancelled)` if it
    /// is dropped (its loop closed) before it stored an outcome.
    struct Finish<T: 'static>(&'static Elo<T>);

    impl<T: 'static> Drop for Finish<T> {
        fn drop(&mut self) {
            self.0.state.lock(|s| {
                let mut outcome = s.outcome.borrow_mut();
                if outcome.is_none() {
                    *outcome = Some(Err(TaskError::Cancelled));
                }
                s.phase.set(Phase::Ended);
            });
            self.0.done.set();
        }
    }

    impl<T> fmt::Debug for Elo<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let phase = self.state.lock(|s| s.phase.get());
            f.debug_struct("cs::Elo").field("phase", &phase).field("set", &self.is_set()).finish()
        }
    }

    impl<T> Waitable for Elo<T> {
        type Wait<'a>
            = EventWait<'a, CriticalSectionRawMutex>
        where
            T: 'a;

        fn wait(&self) -> Self::Wait<'_> {
            Elo::wait(self)
        }
    }
}
