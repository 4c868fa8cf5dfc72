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
