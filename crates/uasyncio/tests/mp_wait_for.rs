//! MicroPython's own asyncio tests (`tests/extmod/asyncio_*.py`) restated as
//! Rust scenarios, `wait_for`: timeouts, forwarding cancellation, linked tasks and waiting on tasks.
//!
//! Each `#[test]` is named after the MicroPython test it ports; see
//! `tests/common/mp.rs` for how the port reads and how its expected lines
//! are checked against the real MicroPython.

use std::rc::Rc;

use uasyncio::time::{ticks_diff, ticks_ms};
use uasyncio::{
    Event, EventLoop, TaskError, TaskRef, VirtualClock, create_task, get_event_loop, new_event_loop_with, run_virtual,
    sleep, wait_for,
};

mod common;
use common::mp::*;
use common::{Log, lines};

// ---------------------------------------------------------------------------
// wait_for, wait_for_fwd, wait_for_linked_task, wait_task

/// `asyncio_wait_for`: the value of an awaitable that beats the timeout; a
/// timeout cancels it; a failure inside it reaches the caller (here the
/// awaitable is a task, whose failure is a value); a task awaited under a
/// timeout and cancelled by a third task gives `Err(Cancelled)`; cancelling
/// the task blocked in `wait_for` cancels the awaitable too.
///
/// Left out: awaitables that ignore their cancellation (not expressible in
/// Rust), `timeout=None`, and the rounds where `wait_for` is cancelled while
/// its awaitable finishes (see CONFORMANCE.md: our `wait_for` polls the
/// awaitable inline instead of running it as a separate task).
#[test]
fn asyncio_wait_for() {
    async fn task(log: Log, id: u32, secs: f64) -> u32 {
        log.p(format!("task start {id}"));
        sleep(secs).await;
        log.p(format!("task end {id}"));
        id * 2
    }
    async fn task_raise(log: Log) {
        log.p("task start");
        panic!("ValueError");
    }
    async fn task_cancel_other(log: Log, secs: f64, other: TaskRef) {
        log.p("task_cancel_other start");
        sleep(secs).await;
        log.p("task_cancel_other cancel");
        other.cancel();
    }
    async fn task_wait_for_cancel(log: Log, id: u32, secs: f64, timeout: f64) {
        log.p("task_wait_for_cancel start");
        let cancelled = OnCancel::new(&log, "task_wait_for_cancel cancelled");
        let _ = wait_for(task(log.clone(), id, secs), timeout).await;
        cancelled.disarm();
    }
    let sep = "----------";
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        match wait_for(task(l.clone(), 1, 0.01), 10).await {
            Ok(v) => l.p(v.to_string()),
            Err(_) => l.p("timeout"),
        }
        l.p(sep);

        match wait_for(task(l.clone(), 2, 10.0), 0.01).await {
            Ok(v) => l.p(v.to_string()),
            Err(_) => l.p("timeout"),
        }
        l.p(sep);

        match wait_for(create_task(task_raise(l.clone())), 1).await {
            Ok(Err(TaskError::Panicked(_))) => l.p("ValueError"),
            other => l.p(format!("unexpected {other:?}")),
        }
        l.p(sep);

        let t = create_task(task(l.clone(), 4, 10.0));
        let _c = create_task(task_cancel_other(l.clone(), 0.01, t.task_ref()));
        match wait_for(t, 1).await {
            Ok(r) => l.p(show(&r)),
            Err(_) => l.p("timeout"),
        }
        l.p(sep);

        let t = create_task(task_wait_for_cancel(l.clone(), 4, 1.0, 2.0));
        sleep(0.01).await;
        t.cancel();
        sleep(0.01).await;
        l.p(sep);

        l.p("finish");
    });
    assert_printed(
        "asyncio_wait_for",
        log.take(),
        &[
            "task start 1",
            "task end 1",
            "2",
            "----------",
            "task start 2",
            "timeout",
            "----------",
            "task start",
            "ValueError",
            "----------",
            "task start 4",
            "task_cancel_other start",
            "task_cancel_other cancel",
            "CancelledError()",
            "----------",
            "task_wait_for_cancel start",
            "task start 4",
            "task_wait_for_cancel cancelled",
            "----------",
            "finish",
        ],
    );
}

/// `asyncio_wait_for_linked_task`: three tasks where each awaits the previous
/// one before working; the caller waits for the first, then the last, both
/// from a coroutine and from plain code with `run_until_complete`.
///
/// A typed task handle has one owner: the next task in the chain owns it, so
/// the caller waits for task 0 through an event task 0 sets when it is done.
#[test]
fn asyncio_wait_for_linked_task() {
    async fn job(log: Log, prerequisite: Option<uasyncio::Task<()>>, name: &'static str, done: Rc<Event>) {
        if let Some(p) = prerequisite {
            p.await.unwrap();
        }
        sleep(0.1).await;
        log.p(format!("{name} work completed"));
        done.set();
    }
    /// Starts the chain; gives task 0's "done" event and task 2's handle.
    fn plan(log: &Log, lp: &EventLoop) -> (Rc<Event>, uasyncio::Task<()>) {
        let done0 = Rc::new(Event::new());
        let t0 = lp.create_task(job(log.clone(), None, "task0", done0.clone()));
        let t1 = lp.create_task(job(log.clone(), Some(t0), "task1", Rc::new(Event::new())));
        let t2 = lp.create_task(job(log.clone(), Some(t1), "task2", Rc::new(Event::new())));
        (done0, t2)
    }
    let log = Log::new();
    let lp = new_event_loop_with(VirtualClock::new());

    let l = log.clone();
    lp.run_until_complete(async move {
        l.p("--- async test");
        let (done0, t2) = plan(&l, &get_event_loop());
        done0.wait().await;
        l.p("-> task0 done");
        t2.await.unwrap();
        l.p("-> task2 done");
    });

    log.p("--- sync test");
    let (done0, t2) = plan(&log, &lp);
    lp.run_until_complete(async move { done0.wait().await });
    log.p("-> task0 done");
    lp.run_until_complete(t2).unwrap();
    log.p("-> task2 done");

    assert_printed(
        "asyncio_wait_for_linked_task",
        log.take(),
        &[
            "--- async test",
            "task0 work completed",
            "-> task0 done",
            "task1 work completed",
            "task2 work completed",
            "-> task2 done",
            "--- sync test",
            "task0 work completed",
            "-> task0 done",
            "task1 work completed",
            "task2 work completed",
            "-> task2 done",
        ],
    );
}

/// `asyncio_wait_task`: await a task; await a task that already finished;
/// two tasks sleeping 0.2 s and 0.4 s run in parallel (awaiting them in turn
/// takes 0.2 s each); await a task that fails at once, and one whose failure
/// was reported to the (silenced) exception handler several rounds earlier:
/// the failure is still there.
///
/// Left out: awaiting the same task a second time (`Task<T>` is consumed by
/// awaiting it).
#[test]
fn asyncio_wait_task() {
    async fn task(log: Log, t: u32) {
        log.p(format!("task {t}"));
    }
    async fn task_raise(log: Log) {
        log.p("task_raise");
        panic!("ValueError");
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        l.p("start");
        create_task(task(l.clone(), 1)).await.unwrap();
        let t = create_task(task(l.clone(), 2));
        sleep(0.001).await;
        t.await.unwrap();
        l.p("----");

        let (l1, l2) = (l.clone(), l.clone());
        let ts1 = create_task(async move { delay_print(&l1, 0.2, "hello").await });
        let ts2 = create_task(async move { delay_print(&l2, 0.4, "world").await });
        l.p("start");
        let t0 = ticks_ms();
        ts1.await.unwrap();
        let t1 = ticks_ms();
        ts2.await.unwrap();
        let t2 = ticks_ms();
        l.p(format!("took {} {}", round100(ticks_diff(t1, t0)), round100(ticks_diff(t2, t1))));

        if create_task(task_raise(l.clone())).await.is_err() {
            l.p("ValueError");
        }

        get_event_loop().set_exception_handler(Some(silent_handler()));
        let t = create_task(task_raise(l.clone()));
        for _ in 0..5 {
            sleep(0).await;
        }
        if t.await.is_err() {
            l.p("ValueError");
        }
    });
    assert_printed(
        "asyncio_wait_task",
        log.take(),
        &[
            "start",
            "task 1",
            "task 2",
            "----",
            "start",
            "hello",
            "world",
            "took 200 200",
            "task_raise",
            "ValueError",
            "task_raise",
            "ValueError",
        ],
    );
}

/// `asyncio_wait_for_fwd`: a task blocked in `wait_for` on a coroutine
/// (sleeping 2 s under a 1 s timeout) is cancelled by another task after
/// 10 ms: both the task and the coroutine see the cancellation, and awaiting
/// the task gives `Err(Cancelled)`.
///
/// Ported: MicroPython's two runs where the task does not swallow the
/// cancellation (whether the coroutine "returns" on cancellation makes no
/// difference in Rust). Not portable: the two runs where the task catches its
/// own cancellation and returns normally. Two line orders differ from
/// MicroPython, by design: our `wait_for` polls the coroutine inline (it
/// prints "awaiting started" before the canceller starts, where MicroPython
/// first wraps it in a new task), and dropping the task drops the coroutine
/// inside it first ("awaiting canceled" before "Got canceled").
#[test]
fn asyncio_wait_for_fwd() {
    async fn awaiting(log: Log, secs: f64) {
        let cancelled = OnCancel::new(&log, "awaiting canceled");
        log.p("awaiting started");
        sleep(secs).await;
        cancelled.disarm();
    }
    async fn wait(log: Log) {
        let cancelled = OnCancel::new(&log, "Got canceled");
        if wait_for(awaiting(log.clone(), 2.0), 1).await.is_err() {
            log.p("Got timeout error");
        }
        cancelled.disarm();
    }
    async fn cancel(log: Log, t: TaskRef) {
        log.p("cancel started");
        sleep(0.01).await;
        log.p("cancel wait()");
        t.cancel();
    }
    let log = Log::new();
    for _ in 0..2 {
        let l = log.clone();
        run_virtual(async move {
            l.p("----------");
            let t = create_task(wait(l.clone()));
            let _k = create_task(cancel(l.clone(), t.task_ref()));
            if let Err(TaskError::Cancelled) = t.await {
                l.p("waiting got cancelled");
            }
        });
    }
    let run = [
        "----------",
        "awaiting started",
        "cancel started",
        "cancel wait()",
        "awaiting canceled",
        "Got canceled",
        "waiting got cancelled",
    ];
    assert_eq!(log.take(), lines(&[run, run].concat()));

    // What MicroPython prints for the twin: the same lines, with the two
    // orders described above the other way round.
    let micropython_run = [
        "----------",
        "cancel started",
        "awaiting started",
        "cancel wait()",
        "Got canceled",
        "awaiting canceled",
        "waiting got cancelled",
    ];
    check_twin("asyncio_wait_for_fwd", &lines(&[micropython_run, micropython_run].concat()));
    fn sorted<'a>(v: &[&'a str]) -> Vec<&'a str> {
        let mut v = v.to_vec();
        v.sort_unstable();
        v
    }
    assert_eq!(sorted(&run), sorted(&micropython_run), "only the order of two pairs of lines differs");
}
