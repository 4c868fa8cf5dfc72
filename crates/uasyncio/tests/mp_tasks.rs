//! MicroPython's own asyncio tests (`tests/extmod/asyncio_*.py`) restated as
//! Rust scenarios, tasks: creating, awaiting, failing and finishing them, `current_task`, the `micropython` helpers and fairness.
//!
//! Each `#[test]` is named after the MicroPython test it ports; see
//! `tests/common/mp.rs` for how the port reads and how its expected lines
//! are checked against the real MicroPython.

use std::cell::RefCell;
use std::panic::catch_unwind;
use std::rc::Rc;

use uasyncio::time::{ticks_add, ticks_diff, ticks_ms};
use uasyncio::{TaskRef, create_task, current_task, run_virtual, sleep, sleep_ms, try_current_task, wait_for_ms};

mod common;
use common::Log;
use common::mp::*;

// ---------------------------------------------------------------------------
// basic, basic2, await_return

/// `asyncio_basic`: main sleeps 1 ms, then awaits coroutines sleeping 0.2 s,
/// 0.4 s and -1 s (negative = no delay), timing them with the wrap-safe ticks.
#[test]
fn asyncio_basic() {
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        l.p("start");
        sleep(0.001).await;
        l.p("after sleep");
        let t0 = ticks_ms();
        delay_print(&l, 0.2, "short").await;
        let t1 = ticks_ms();
        delay_print(&l, 0.4, "long").await;
        let t2 = ticks_ms();
        delay_print(&l, -1.0, "negative").await;
        let t3 = ticks_ms();
        l.p(format!(
            "took {} {} {}",
            round100(ticks_diff(t1, t0)),
            round100(ticks_diff(t2, t1)),
            round100(ticks_diff(t3, t2))
        ));
    });
    assert_printed(
        "asyncio_basic",
        log.take(),
        &["start", "after sleep", "short", "long", "negative", "took 200 400 0"],
    );
}

/// `asyncio_basic2`: `run` returns main's value as soon as main finishes,
/// while a task it started is still sleeping.
#[test]
fn asyncio_basic2() {
    let log = Log::new();
    let l = log.clone();
    let value = run_virtual(async move {
        l.p("main start");
        let l2 = l.clone();
        let _forever = create_task(async move {
            l2.p("forever start");
            sleep(10).await;
        });
        sleep(0.001).await;
        l.p("main done");
        42
    });
    log.p(value.to_string());
    assert_printed("asyncio_basic2", log.take(), &["main start", "forever start", "main done", "42"]);
}

/// `asyncio_await_return`: a coroutine's value reaches the caller both when
/// awaited directly and when run as a task whose handle is awaited.
#[test]
fn asyncio_await_return() {
    async fn foo() -> i32 {
        42
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        l.p(foo().await.to_string());
        let task = create_task(foo());
        l.p(show(&task.await));
    });
    assert_printed("asyncio_await_return", log.take(), &["42", "42"]);
}

// ---------------------------------------------------------------------------
// current_task

/// `asyncio_current_task`: outside a running loop there is no current task
/// (`current_task()` panics "no running event loop", the Rust spelling of
/// the RuntimeError); inside, a task sees itself.
#[test]
fn asyncio_current_task() {
    fn outside(log: &Log) {
        let panicked = catch_unwind(current_task).is_err();
        assert!(panicked, "current_task() outside a loop must panic");
        log.p(if try_current_task().is_none() { "RuntimeError" } else { "a current task" });
    }
    let log = Log::new();
    outside(&log);
    let l = log.clone();
    run_virtual(async move {
        let seen: Rc<RefCell<Option<TaskRef>>> = Rc::default();
        let seen2 = seen.clone();
        let t = create_task(async move {
            *seen2.borrow_mut() = Some(current_task());
        });
        sleep(0).await;
        sleep(0).await;
        let same = seen.borrow().as_ref().map(|r| r.id().0) == Some(t.id().0);
        l.p(py(same));
    });
    outside(&log);
    assert_printed("asyncio_current_task", log.take(), &["RuntimeError", "True", "RuntimeError"]);
}

// ---------------------------------------------------------------------------
// exception

/// `asyncio_exception`: a failure in main escapes `run`; a failure in a task
/// main awaits escapes `run` through main; a failure in main before a task it
/// created ever ran escapes `run`, and that task never runs.
#[test]
fn asyncio_exception() {
    let log = Log::new();

    let l = log.clone();
    let r = run_catching(async move {
        l.p("main start");
        panic!("ValueError 1");
    });
    log.p(r.unwrap_err());

    let l = log.clone();
    let r = run_catching(async move {
        l.p("main start");
        let l2 = l.clone();
        let t = create_task(async move {
            l2.p("task start");
            panic!("ValueError 2");
        });
        // Not caught: the task's failure propagates out of main and `run`.
        let e = t.await.unwrap_err();
        panic!("{}", repr(&e));
    });
    log.p(r.unwrap_err());

    let l = log.clone();
    let r = run_catching(async move {
        l.p("main start");
        let l2 = l.clone();
        let _t = create_task(async move { l2.p("task run") });
        panic!("ValueError 3");
    });
    log.p(r.unwrap_err());

    assert_printed(
        "asyncio_exception",
        log.take(),
        &["main start", "ValueError 1", "main start", "task start", "ValueError 2", "main start", "ValueError 3"],
    );
}

// ---------------------------------------------------------------------------
// micropython (sleep_ms / wait_for_ms)

/// `asyncio_micropython`: `sleep_ms` is short; a `ticks_add` of half the
/// ticks period is an overflow; `wait_for_ms` returns the value of a task
/// that beats the timeout and times out one that does not.
///
/// MicroPython's `sleep_ms(2**29)` raises OverflowError from its ticks
/// arithmetic; the Rust loop keeps a 64-bit clock, so the overflow is checked
/// on `ticks_add` itself.
#[test]
fn asyncio_micropython() {
    async fn task(log: Log, id: u32, ms: u32) -> u32 {
        log.p(format!("task start {id}"));
        sleep_ms(ms).await;
        log.p(format!("task end {id}"));
        id * 2
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        let t0 = ticks_ms();
        sleep_ms(1).await;
        l.p(py(ticks_diff(ticks_ms(), t0) < 100));

        let too_far = i64::from(ticks_add(0, -1)) / 2 + 1;
        if catch_unwind(|| ticks_add(0, too_far)).is_err() {
            l.p("OverflowError");
        }

        match wait_for_ms(task(l.clone(), 1, 5), 50).await {
            Ok(v) => l.p(v.to_string()),
            Err(_) => l.p("timeout"),
        }
        match wait_for_ms(task(l.clone(), 2, 50), 5).await {
            Ok(v) => l.p(v.to_string()),
            Err(_) => l.p("timeout"),
        }
        l.p("finish");
    });
    assert_printed(
        "asyncio_micropython",
        log.take(),
        &["True", "OverflowError", "task start 1", "task end 1", "2", "task start 2", "timeout", "finish"],
    );
}

// ---------------------------------------------------------------------------
// task_done

/// `asyncio_task_done`: `done()` before a task runs, after it finished at
/// once, while it sleeps, and after it failed (at once or after a sleep).
#[test]
fn asyncio_task_done() {
    async fn task(log: Log, secs: f64, fail: bool) {
        log.p("task start");
        if secs >= 0.0 {
            sleep(secs).await;
        }
        if fail {
            panic!("ValueError()");
        }
        log.p("task done");
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        for (secs, fail) in [(-1.0, false), (0.01, false), (-1.0, true), (0.01, true)] {
            l.p("==========");
            let t = create_task(task(l.clone(), secs, fail));
            let r = t.task_ref();
            l.p(py(t.done()));
            sleep(0).await;
            l.p(py(t.done()));
            if let Err(e) = t.await {
                l.p(repr(&e));
            }
            l.p(py(r.done()));
        }
    });
    assert_printed(
        "asyncio_task_done",
        log.take(),
        &[
            "==========",
            "False",
            "task start",
            "task done",
            "True",
            "True",
            "==========",
            "False",
            "task start",
            "False",
            "task done",
            "True",
            "==========",
            "False",
            "task start",
            "True",
            "ValueError()",
            "True",
            "==========",
            "False",
            "task start",
            "False",
            "ValueError()",
            "True",
        ],
    );
}

// ---------------------------------------------------------------------------
// fair

/// `asyncio_fair`: two tasks that only ever yield (`sleep` of a negative
/// time) must not starve two tasks sleeping 0.1 s and 0.18 s between prints:
/// in 0.45 s they print 5 and 3 times, in the order of their wake-up times.
#[test]
fn asyncio_fair() {
    async fn task(log: Log, id: u32, secs: f64) {
        log.p(format!("task start {id}"));
        loop {
            if secs > 0.0 {
                log.p(format!("task work {id}"));
            }
            sleep(secs).await;
        }
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        let ts = [
            create_task(task(l.clone(), 1, -0.01)),
            create_task(task(l.clone(), 2, 0.1)),
            create_task(task(l.clone(), 3, 0.18)),
            create_task(task(l.clone(), 4, -100.0)),
        ];
        sleep(0.45).await;
        for t in &ts {
            t.cancel();
        }
        l.p("finish");
    });
    assert_printed(
        "asyncio_fair",
        log.take(),
        &[
            "task start 1",
            "task start 2",
            "task work 2",
            "task start 3",
            "task work 3",
            "task start 4",
            "task work 2",
            "task work 3",
            "task work 2",
            "task work 2",
            "task work 3",
            "task work 2",
            "finish",
        ],
    );
}

/// Every ported test of the `mp_*.rs` files checks its expected lines
/// against the real MicroPython, through a twin of its own.
#[test]
fn every_port_checks_its_twin() {
    common::micropython::assert_every_port_has_a_twin();
}
