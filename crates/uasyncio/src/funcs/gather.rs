//! `gather`: run several futures as tasks and collect their results in order.

use alloc::vec::Vec;
use core::future::{Future, poll_fn};
use core::task::{Context, Poll};

use crate::runtime::task::{Task, TaskError};

/// One sub-task of a gather and, once finished, its outcome.
#[doc(hidden)]
pub struct Slot<T> {
    task: Option<Task<T>>,
    outcome: Option<Result<T, TaskError>>,
}

impl<T> Slot<T> {
    #[doc(hidden)]
    pub fn new(task: Task<T>) -> Self {
        Slot { task: Some(task), outcome: None }
    }

    /// Polls the sub-task; returns its failure when it just failed.
    fn poll(&mut self, cx: &mut Context<'_>) -> (bool, Option<TaskError>) {
        if let Some(task) = &mut self.task {
            // Not linked: cancelling the gathering task must reach the gather
            // itself (which cancels every sub-task), not one sub-task.
            match task.poll_outcome(cx, false) {
                Poll::Pending => return (false, None),
                Poll::Ready(outcome) => {
                    let failure = outcome.as_ref().err().cloned();
                    self.outcome = Some(outcome);
                    self.task = None;
                    return (true, failure);
                }
            }
        }
        (true, None)
    }

    fn cancel(&self) {
        if let Some(task) = &self.task {
            task.cancel();
        }
    }

    fn take(&mut self) -> Result<T, TaskError> {
        self.outcome.take().expect("gather slot read before its task finished")
    }
}

/// Cancels the sub-tasks still running if the gather is dropped unfinished.
struct CancelOnDrop<'a, S: Slots + ?Sized> {
    slots: &'a mut S,
    finished: bool,
}

impl<S: Slots + ?Sized> Drop for CancelOnDrop<'_, S> {
    fn drop(&mut self) {
        if !self.finished {
            self.slots.cancel_all();
        }
    }
}

/// A set of gather slots: a `Vec` of one type, or a tuple of several.
#[doc(hidden)]
pub trait Slots {
    /// Polls every unfinished slot: (all finished, first failure seen in this round).
    fn poll_all(&mut self, cx: &mut Context<'_>) -> (bool, Option<TaskError>);
    fn cancel_all(&self);
}

impl<T> Slots for Vec<Slot<T>> {
    fn poll_all(&mut self, cx: &mut Context<'_>) -> (bool, Option<TaskError>) {
        let mut all = true;
        let mut first_failure = None;
        for slot in self.iter_mut() {
            let (done, failure) = slot.poll(cx);
            first_failure = first_failure.or(failure);
            all &= done;
        }
        (all, first_failure)
    }

    fn cancel_all(&self) {
        self.iter().for_each(Slot::cancel);
    }
}

/// Waits for every slot; with `fail_fast`, returns the first failure at once
/// (the other sub-tasks keep running, as in MicroPython).
#[doc(hidden)]
pub async fn drive<S: Slots + ?Sized>(slots: &mut S, fail_fast: bool) -> Result<(), TaskError> {
    let mut guard = CancelOnDrop { slots, finished: false };
    let result = poll_fn(|cx| match guard.slots.poll_all(cx) {
        (_, Some(failure)) if fail_fast => Poll::Ready(Err(failure)),
        (true, _) => Poll::Ready(Ok(())),
        _ => Poll::Pending,
    })
    .await;
    guard.finished = true;
    result
}

/// Runs each future as a task and returns their values in argument order
/// (MicroPython's `gather`). The first failure (a panic or a cancellation of
/// a sub-task) is returned at once, and the other sub-tasks keep running.
/// Cancelling the gather cancels every sub-task still running. `gather` of
/// nothing returns an empty `Vec` at once.
///
/// For futures of different types, use the [`gather!`](crate::gather!) macro.
///
/// ```
/// uasyncio::run_virtual(async {
///     let delays = [30, 10, 20];
///     let values = uasyncio::gather(delays.map(|ms| async move {
///         uasyncio::sleep_ms(ms).await;
///         ms
///     }))
///     .await;
///     assert_eq!(values, Ok(vec![30, 10, 20]));
///     assert_eq!(uasyncio::time::ticks_ms(), 30);
/// });
/// ```
pub async fn gather<I>(futs: I) -> Result<Vec<<I::Item as Future>::Output>, TaskError>
where
    I: IntoIterator,
    I::Item: Future + 'static,
{
    gather_tasks(futs.into_iter().map(crate::create_task)).await
}

/// Like [`gather()`], but every outcome sits in its slot, failures included
/// (MicroPython's `return_exceptions=True`).
///
/// ```
/// uasyncio::run_virtual(async {
///     let results = uasyncio::gather_return_exceptions([
///         Box::pin(async { 1 }) as std::pin::Pin<Box<dyn std::future::Future<Output = i32>>>,
///         Box::pin(async { panic!("two failed") }),
///         Box::pin(async { 3 }),
///     ])
///     .await;
///     assert_eq!(results[0], Ok(1));
///     assert_eq!(results[1], Err(uasyncio::TaskError::Panicked("two failed".into())));
///     assert_eq!(results[2], Ok(3));
/// });
/// ```
pub async fn gather_return_exceptions<I>(futs: I) -> Vec<Result<<I::Item as Future>::Output, TaskError>>
where
    I: IntoIterator,
    I::Item: Future + 'static,
{
    gather_tasks_return_exceptions(futs.into_iter().map(crate::create_task)).await
}

/// [`gather()`] for tasks that already exist: awaits each [`Task`] and
/// returns their values in order, failing fast with the first task that
/// panics or is cancelled (the others keep running). Cancelling the gather
/// cancels the tasks still running.
///
/// ```
/// uasyncio::run_virtual(async {
///     let tasks = vec![uasyncio::create_task(async { 1 }), uasyncio::create_task(async { 2 })];
///     assert_eq!(uasyncio::funcs::gather_tasks(tasks).await, Ok(vec![1, 2]));
///     let failing = vec![
///         uasyncio::create_task(async { panic!("first") }),
///         uasyncio::create_task(std::future::pending::<()>()),
///     ];
///     let err = uasyncio::funcs::gather_tasks(failing).await.unwrap_err();
///     assert_eq!(err, uasyncio::TaskError::Panicked("first".into()));
/// });
/// ```
pub async fn gather_tasks<T>(tasks: impl IntoIterator<Item = Task<T>>) -> Result<Vec<T>, TaskError> {
    let mut slots: Vec<Slot<T>> = tasks.into_iter().map(Slot::new).collect();
    drive(&mut slots, true).await?;
    slots.iter_mut().map(Slot::take).collect()
}

/// [`gather_return_exceptions`] for tasks that already exist.
///
/// ```
/// uasyncio::run_virtual(async {
///     let tasks = vec![uasyncio::create_task(async { 1 }), uasyncio::create_task(async { panic!("no") })];
///     let results = uasyncio::funcs::gather_tasks_return_exceptions(tasks).await;
///     assert_eq!(results[0], Ok(1));
///     assert!(results[1].as_ref().unwrap_err().is_panic());
/// });
/// ```
pub async fn gather_tasks_return_exceptions<T>(tasks: impl IntoIterator<Item = Task<T>>) -> Vec<Result<T, TaskError>> {
    let mut slots: Vec<Slot<T>> = tasks.into_iter().map(Slot::new).collect();
    let _ = drive(&mut slots, false).await;
    slots.iter_mut().map(Slot::take).collect()
}

/// Tuples of slots for the `gather!` macro, up to 12 futures.
#[doc(hidden)]
pub trait TupleSlots: Slots + Sized {
    type Values;
    type Outcomes;
    fn values(self) -> Result<Self::Values, TaskError>;
    fn outcomes(self) -> Self::Outcomes;
}

macro_rules! tuple_slots {
    ($($T:ident $i:tt),+) => {
        impl<$($T),+> Slots for ($(Slot<$T>,)+) {
            fn poll_all(&mut self, cx: &mut Context<'_>) -> (bool, Option<TaskError>) {
                let mut all = true;
                let mut first_failure = None;
                $(
                    let (done, failure) = self.$i.poll(cx);
                    first_failure = first_failure.or(failure);
                    all &= done;
                )+
                (all, first_failure)
            }
            fn cancel_all(&self) {
                $( self.$i.cancel(); )+
            }
        }
        impl<$($T),+> TupleSlots for ($(Slot<$T>,)+) {
            type Values = ($($T,)+);
            type Outcomes = ($(Result<$T, TaskError>,)+);
            fn values(mut self) -> Result<Self::Values, TaskError> {
                Ok(($(self.$i.take()?,)+))
            }
            fn outcomes(mut self) -> Self::Outcomes {
                ($(self.$i.take(),)+)
            }
        }
    };
}

tuple_slots!(A 0);
tuple_slots!(A 0, B 1);
tuple_slots!(A 0, B 1, C 2);
tuple_slots!(A 0, B 1, C 2, D 3);
tuple_slots!(A 0, B 1, C 2, D 3, E 4);
tuple_slots!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_slots!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_slots!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_slots!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_slots!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_slots!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_slots!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

#[doc(hidden)]
pub async fn gather_tuple<S: TupleSlots>(mut slots: S) -> Result<S::Values, TaskError> {
    drive(&mut slots, true).await?;
    slots.values()
}

#[doc(hidden)]
pub async fn gather_tuple_all<S: TupleSlots>(mut slots: S) -> S::Outcomes {
    let _ = drive(&mut slots, false).await;
    slots.outcomes()
}

/// Gathers futures of different types (up to 12): each runs as a task, and
/// the values come back as a tuple in argument order.
///
/// `gather!(a, b).await` is `Result<(A, B), TaskError>` and fails fast;
/// `gather!(return_exceptions: a, b).await` is
/// `(Result<A, TaskError>, Result<B, TaskError>)`.
///
/// ```
/// uasyncio::run_virtual(async {
///     let (n, s) = uasyncio::gather!(async { 1 }, async { "two" }).await.unwrap();
///     assert_eq!((n, s), (1, "two"));
///     let (ok, failed) = uasyncio::gather!(return_exceptions: async { 1 }, async { panic!("no") }).await;
///     assert_eq!(ok, Ok(1));
///     assert!(failed.unwrap_err().is_panic());
/// });
/// ```
#[macro_export]
macro_rules! gather {
    (return_exceptions: $($fut:expr),+ $(,)?) => {
        $crate::funcs::gather_tuple_all(($($crate::funcs::Slot::new($crate::create_task($fut)),)+))
    };
    ($($fut:expr),+ $(,)?) => {
        $crate::funcs::gather_tuple(($($crate::funcs::Slot::new($crate::create_task($fut)),)+))
    };
}
