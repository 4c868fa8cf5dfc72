//! MicroPython's own asyncio tests (`tests/extmod/asyncio_*.py`) restated as
//! Rust scenarios, cancellation: fairness under cancels, self-cancel, cancelling tasks and waiting on finished ones.
//!
//! Each `#[test]` is named after the MicroPython test it ports; see
//! `tests/common/mp.rs` for how the port reads and how its expected lines
//! are checked against the real MicroPython.

use std::cell::RefCell;
use std::rc::Rc;

use uasyncio::{TaskError, TaskRef, create_task, run_virtual, sleep};

mod common;
use common::Log;
use common::mp::*;

// ---------------------------------------------------------------------------
// cancel_fair, cancel_fair2, cancel_self, cancel_task, cancel_wait_on_finished

/// `asyncio_cancel_fair`: tasks 0 and 1 yield in a loop and cancel each
/// other after every turn while task 2 only yields; the cancellations must not
/// starve task 2. MicroPython's tasks catch the cancellation and go on with
/// their loop; a Rust task dies at its first cancellation, so this is the
/// scenario where the cancellation is not caught (printed, then re-raised),
/// with the lines MicroPython prints for that variant (see CONFORMANCE.md).
#[test]
fn asyncio_cancel_fair() {
    async fn task(log: Log, id: usize, other: Option<usize>, tasks: Rc<RefCell<Vec<TaskRef>>>) {
        let cancelled = OnCancel::new(&log, format!("cancelled {id}"));
        for _ in 0..3 {
            log.p(format!("start {id}"));
            sleep(0).await;
            log.p(format!("done {id}"));
            if let Some(other) = other {
                log.p(format!("{id} cancels {other}"));
                tasks.borrow()[other].cancel();
            }
        }
        cancelled.disarm();
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        let refs = Rc::new(RefCell::new(Vec::new()));
        let t0 = create_task(task(l.clone(), 0, Some(1), refs.clone()));
        let t1 = create_task(task(l.clone(), 1, Some(0), refs.clone()));
        let t2 = create_task(task(l.clone(), 2, None, refs.clone()));
        refs.borrow_mut().extend([t0.task_ref(), t1.task_ref(), t2.task_ref()]);
        t2.await.unwrap();
        l.p(format!("{} {}", py(t0.done()), py(t1.done())));
    });
    assert_printed(
        "asyncio_cancel_fair",
        log.take(),
        &[
            "start 0",
            "start 1",
            "start 2",
            "done 0",
            "0 cancels 1",
            "start 0",
            "cancelled 1",
            "done 2",
            "start 2",
            "done 0",
            "0 cancels 1",
            "start 0",
            "done 2",
            "start 2",
            "done 0",
            "0 cancels 1",
            "done 2",
            "True True",
        ],
    );
}

/// `asyncio_cancel_fair2`: task a yields forever; three tasks keep cancelling
/// it (`cancel()` is true while a has not finished, however many times it is
/// called) and each yields; a must get its turn to die, after which every
/// `cancel()` is false. In MicroPython a catches the cancellation and returns
/// normally; in Rust it is dropped, so awaiting it gives `Err(Cancelled)`.
#[test]
fn asyncio_cancel_fair2() {
    async fn task_a(log: Log) {
        let _cancelled = OnCancel::new(&log, "cancelled a");
        loop {
            log.p("sleep a");
            sleep(0).await;
        }
    }
    async fn task_b(log: Log, id: u32, other: TaskRef) {
        while other.cancel() {
            log.p(format!("sleep b {id}"));
            sleep(0).await;
        }
        log.p(format!("done b {id}"));
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        let a = create_task(task_a(l.clone()));
        let _bs: Vec<_> = (0..3).map(|i| create_task(task_b(l.clone(), i, a.task_ref()))).collect();
        assert!(matches!(a.await, Err(TaskError::Cancelled)));
    });
    assert_printed(
        "asyncio_cancel_fair2",
        log.take(),
        &["sleep a", "sleep b 0", "sleep b 1", "sleep b 2", "cancelled a", "done b 0", "done b 1", "done b 2"],
    );
}

/// `asyncio_cancel_self`: a task cancelling itself fails with "can't cancel
/// self"; main awaits it, so the failure escapes `run`.
#[test]
fn asyncio_cancel_self() {
    let log = Log::new();
    let l = log.clone();
    let outcome = run_catching(async move {
        let me: Rc<RefCell<Option<TaskRef>>> = Rc::default();
        let (l2, me2) = (l.clone(), me.clone());
        let t = create_task(async move {
            l2.p("task start");
            let me = me2.borrow().clone().unwrap();
            me.cancel();
        });
        *me.borrow_mut() = Some(t.task_ref());
        match t.await {
            Err(TaskError::Cancelled) => l.p("main cancel"),
            // Not caught in MicroPython either: it propagates out of `run`.
            Err(TaskError::Panicked(msg)) => panic!("{msg}"),
            Ok(()) => {}
        }
        l.p("main done");
    });
    // Our message goes on with a hint; MicroPython's is exactly this.
    let message = outcome.unwrap_err();
    assert!(message.starts_with("can't cancel self"), "{message}");
    log.p("can't cancel self");
    assert_printed("asyncio_cancel_self", log.take(), &["task start", "can't cancel self"]);
}

/// `asyncio_cancel_task`: cancel a task before it starts (its body never
/// runs), while it sleeps (it dies when next scheduled, after the canceller
/// yields), several times (each `cancel()` is true until it is done), await a
/// cancelled task (`Err(Cancelled)`), cancel a finished task (false), and
/// cancel a task awaiting another task: the inner task is cancelled first,
/// then the outer one (each prints its `except CancelledError` line).
///
/// Left out: the variant where the inner task ignores the cancellation and
/// the outer carries on (a cancelled Rust future cannot carry on).
#[test]
fn asyncio_cancel_task() {
    async fn task(log: Log, secs: f64) {
        let cancelled = OnCancel::new(&log, "task cancel");
        log.p("task start");
        sleep(secs).await;
        log.p("task done");
        cancelled.disarm();
    }
    async fn task2(log: Log) {
        log.p("task 2");
        let cancelled = OnCancel::new(&log, "task 2 cancel");
        if let Err(TaskError::Cancelled) = create_task(task(log.clone(), 0.05)).await {
            return; // re-raise: end as cancelled, the guard prints
        }
        cancelled.disarm();
        log.p("task 2 done");
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        // Cancel a task before it ever ran.
        let t = create_task(task(l.clone(), 2.0));
        l.p(py(t.cancel()));

        // Cancel a task after it started.
        let t = create_task(task(l.clone(), 2.0));
        sleep(0.01).await;
        l.p(py(t.cancel()));
        l.p("main sleep");
        sleep(0.01).await;

        // Cancel a task several times.
        let t = create_task(task(l.clone(), 2.0));
        sleep(0.01).await;
        for _ in 0..4 {
            l.p(py(t.cancel()));
        }
        l.p("main sleep");
        sleep(0.01).await;

        // Await a cancelled task.
        l.p("main wait");
        if let Err(TaskError::Cancelled) = t.await {
            l.p("main got CancelledError");
        }

        // Cancel a task that has finished.
        let t = create_task(task(l.clone(), 0.01));
        sleep(0.05).await;
        l.p(py(t.cancel()));

        // task2 awaits task; cancelling task2 cancels task, then task2.
        l.p("----");
        let t = create_task(task2(l.clone()));
        sleep(0.01).await;
        l.p("main cancel");
        t.cancel();
        l.p("main sleep");
        sleep(0.1).await;
    });
    assert_printed(
        "asyncio_cancel_task",
        log.take(),
        &[
            "True",
            "task start",
            "True",
            "main sleep",
            "task cancel",
            "task start",
            "True",
            "True",
            "True",
            "True",
            "main sleep",
            "task cancel",
            "main wait",
            "main got CancelledError",
            "task start",
            "task done",
            "False",
            "----",
            "task 2",
            "task start",
            "main cancel",
            "main sleep",
            "task cancel",
            "task 2 cancel",
        ],
    );
}

/// `asyncio_cancel_wait_on_finished`: a task awaiting another task is
/// cancelled in the round where the awaited task has just finished (the
/// waiter is woken but has not run yet): the waiter must not resume, and
/// awaiting it gives `Err(Cancelled)`.
#[test]
fn asyncio_cancel_wait_on_finished() {
    async fn sleep_task(log: Log) {
        log.p("sleep_task sleep");
        sleep(0).await;
        log.p("sleep_task wake");
    }
    async fn wait_task(log: Log, t: uasyncio::Task<()>) {
        log.p("wait_task wait");
        let _ = t.await;
        log.p("wait_task wake");
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        let sleeper = create_task(sleep_task(l.clone()));
        let waiting = create_task(wait_task(l.clone(), sleeper));
        l.p("main sleep");
        sleep(0).await;
        l.p("main sleep");
        sleep(0).await;
        waiting.cancel();
        l.p("main wait");
        if let Err(e) = waiting.await {
            l.p(repr(&e));
        }
    });
    assert_printed(
        "asyncio_cancel_wait_on_finished",
        log.take(),
        &[
            "main sleep",
            "sleep_task sleep",
            "wait_task wait",
            "main sleep",
            "sleep_task wake",
            "main wait",
            "CancelledError()",
        ],
    );
}
