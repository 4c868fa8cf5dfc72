//! MicroPython's own asyncio tests (`tests/extmod/asyncio_*.py`) restated as
//! Rust scenarios, `Lock`: acquire/release, handover and cancellation of waiters.
//!
//! Each `#[test]` is named after the MicroPython test it ports; see
//! `tests/common/mp.rs` for how the port reads and how its expected lines
//! are checked against the real MicroPython.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use uasyncio::{Lock, TaskRef, create_task, run_virtual, sleep};

mod common;
use common::Log;
use common::mp::*;

// ---------------------------------------------------------------------------
// lock, lock_cancel

/// The `asyncio_lock` scenario: acquire/release and `locked()`; three tasks
/// taking the lock in turns get it in FIFO order; two tasks holding it across
/// a sleep (with `probe_handoff`, each reports `locked()` right after a release
/// that handed the lock to the waiting one); a waiter cancelled after being
/// handed the lock passes it on; waiters cancelled while queued, or while
/// holding the lock, leave it free.
fn lock_scenario(probe_handoff: bool) -> Vec<String> {
    async fn task_loop(log: Log, id: u32, lock: Rc<Lock>) {
        log.p(format!("task start {id}"));
        for i in 0..3 {
            let _held = lock.acquire().await;
            log.p(format!("task have {id} {i}"));
        }
        log.p(format!("task end {id}"));
    }
    async fn task_sleep(log: Log, lock: Rc<Lock>, probe_handoff: bool) {
        {
            let _held = lock.acquire().await;
            log.p(format!("task have {}", py(lock.locked())));
            sleep(0.2).await;
        }
        if probe_handoff {
            log.p(format!("task release {}", py(lock.locked())));
        } else {
            log.p("task release");
        }
        let held = lock.acquire().await;
        log.p("task have again");
        drop(held);
    }
    async fn task_cancel(log: Log, id: u32, lock: Rc<Lock>, to_cancel: Option<Rc<RefCell<Option<TaskRef>>>>) {
        let cancelled = OnCancel::new(&log, format!("task cancel {id}"));
        {
            let _held = lock.acquire().await;
            log.p(format!("task got {id}"));
            sleep(0.1).await;
        }
        log.p(format!("task release {id}"));
        if let Some(other) = to_cancel {
            other.borrow().as_ref().unwrap().cancel();
        }
        cancelled.disarm();
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        let lock = Rc::new(Lock::new());

        l.p(py(lock.locked()));
        let held = lock.acquire().await;
        l.p(py(lock.locked()));
        sleep(0).await;
        drop(held);
        l.p(py(lock.locked()));
        sleep(0).await;
        {
            let _held = lock.acquire().await;
            l.p("have lock");
        }

        l.p("----");
        let _t1 = create_task(task_loop(l.clone(), 1, lock.clone()));
        let _t2 = create_task(task_loop(l.clone(), 2, lock.clone()));
        let t3 = create_task(task_loop(l.clone(), 3, lock.clone()));
        let held = lock.acquire().await;
        sleep(0).await;
        drop(held);
        t3.await.unwrap();

        l.p("----");
        let _s = create_task(task_sleep(l.clone(), lock.clone(), probe_handoff));
        sleep(0.1).await;
        task_sleep(l.clone(), lock.clone(), probe_handoff).await;

        l.p("----");
        let victim: Rc<RefCell<Option<TaskRef>>> = Rc::default();
        let _c0 = create_task(task_cancel(l.clone(), 0, lock.clone(), Some(victim.clone())));
        let c1 = create_task(task_cancel(l.clone(), 1, lock.clone(), None));
        *victim.borrow_mut() = Some(c1.task_ref());
        let _c2 = create_task(task_cancel(l.clone(), 2, lock.clone(), None));
        sleep(0.3).await;
        l.p(py(lock.locked()));

        l.p("----");
        let _c0 = create_task(task_cancel(l.clone(), 0, lock.clone(), None));
        let c1 = create_task(task_cancel(l.clone(), 1, lock.clone(), None));
        let c2 = create_task(task_cancel(l.clone(), 2, lock.clone(), None));
        sleep(0.05).await;
        c1.cancel();
        sleep(0.1).await;
        c2.cancel();
        sleep(0.1).await;
        l.p(py(lock.locked()));
    });
    log.take()
}

/// What MicroPython prints for the `asyncio_lock` scenario.
const LOCK_LINES: &[&str] = &[
    "False",
    "True",
    "False",
    "have lock",
    "----",
    "task start 1",
    "task start 2",
    "task start 3",
    "task have 1 0",
    "task have 2 0",
    "task have 3 0",
    "task have 1 1",
    "task have 2 1",
    "task have 3 1",
    "task have 1 2",
    "task end 1",
    "task have 2 2",
    "task end 2",
    "task have 3 2",
    "task end 3",
    "----",
    "task have True",
    "task release False",
    "task have True",
    "task release False",
    "task have again",
    "task have again",
    "----",
    "task got 0",
    "task release 0",
    "task cancel 1",
    "task got 2",
    "task release 2",
    "False",
    "----",
    "task got 0",
    "task cancel 1",
    "task release 0",
    "task got 2",
    "task cancel 2",
    "False",
];

/// `asyncio_lock`, exactly: in MicroPython `locked()` reads false right after
/// a release that handed the lock to a waiter (the waiter owns it but has not
/// run yet; nobody else can take it).
#[test]
fn asyncio_lock() {
    assert_printed("asyncio_lock", lock_scenario(true), LOCK_LINES);
}

/// `asyncio_lock` without the `locked()` probe right after a hand-over
/// release: FIFO hand-over, cancellation of queued and handed-to waiters.
#[test]
fn asyncio_lock_handover_and_cancel() {
    let expected: Vec<String> = LOCK_LINES
        .iter()
        .map(|l| if l.starts_with("task release F") { "task release".to_string() } else { l.to_string() })
        .collect();
    assert_eq!(lock_scenario(false), expected);
    check_twin("asyncio_lock_handover_and_cancel", &expected);
}

/// `asyncio_lock_cancel`: four tasks wait on a held lock; two of them are
/// cancelled just before the lock is released: the two others get the lock
/// in turn, never both at once, and it ends up free.
#[test]
fn asyncio_lock_cancel() {
    async fn task(log: Log, i: u32, lock: Rc<Lock>, flag: Rc<Cell<bool>>) {
        log.p(format!("task {i} start"));
        let cancelled = OnCancel::new(&log, format!("task {i} cancel"));
        let held = lock.acquire().await;
        cancelled.disarm();
        log.p(format!("task {i} lock_flag {}", py(flag.get())));
        flag.set(true);
        sleep(0).await;
        drop(held);
        flag.set(false);
        log.p(format!("task {i} done"));
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        let lock = Rc::new(Lock::new());
        let held = lock.acquire().await;
        let flag = Rc::new(Cell::new(true));
        let ts: Vec<_> = (0..4).map(|i| create_task(task(l.clone(), i, lock.clone(), flag.clone()))).collect();
        sleep(0).await;
        ts[1].cancel();
        ts[2].cancel();
        drop(held);
        flag.set(false);
        for _ in 0..4 {
            sleep(0).await;
        }
        l.p(py(lock.locked()));
    });
    assert_printed(
        "asyncio_lock_cancel",
        log.take(),
        &[
            "task 0 start",
            "task 1 start",
            "task 2 start",
            "task 3 start",
            "task 1 cancel",
            "task 2 cancel",
            "task 0 lock_flag False",
            "task 0 done",
            "task 3 lock_flag False",
            "task 3 done",
            "False",
        ],
    );
}
