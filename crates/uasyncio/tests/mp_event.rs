//! MicroPython's own asyncio tests (`tests/extmod/asyncio_*.py`) restated as
//! Rust scenarios, `Event`: set/clear/wait, and fairness of its wakes.
//!
//! Each `#[test]` is named after the MicroPython test it ports; see
//! `tests/common/mp.rs` for how the port reads and how its expected lines
//! are checked against the real MicroPython.

use std::rc::Rc;

use uasyncio::{Event, create_task, run_virtual, sleep, wait_for};

mod common;
use common::Log;
use common::mp::*;

// ---------------------------------------------------------------------------
// event, event_fair

/// `asyncio_event`: set/clear/is_set with no waiter; two waiters woken in
/// order by one `set`; waiting on a set event returns at once; clear then set
/// again; a waiter cancelled after the set (or before it) never resumes;
/// `wait_for` on an event set in time, and one that times out (the event is
/// set later and awaited again).
#[test]
fn asyncio_event() {
    async fn waiter(log: Log, id: u32, ev: Rc<Event>) {
        log.p(format!("start {id}"));
        ev.wait().await;
        log.p("True");
        log.p(format!("end {id}"));
    }
    async fn delay_set(log: Log, secs: f64, ev: Rc<Event>) {
        sleep(secs).await;
        log.p("set event");
        ev.set();
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        let ev = Rc::new(Event::new());
        l.p(py(ev.is_set()));
        ev.set();
        l.p(py(ev.is_set()));
        ev.clear();
        l.p(py(ev.is_set()));

        l.p("----");
        let _w1 = create_task(waiter(l.clone(), 1, ev.clone()));
        let _w2 = create_task(waiter(l.clone(), 2, ev.clone()));
        l.p("yield");
        sleep(0).await;
        l.p("set event");
        ev.set();
        l.p("yield");
        sleep(0).await;

        l.p("----");
        let _w3 = create_task(waiter(l.clone(), 3, ev.clone()));
        l.p("yield");
        sleep(0).await;

        l.p("----");
        l.p("clear event");
        ev.clear();
        let _w4 = create_task(waiter(l.clone(), 4, ev.clone()));
        sleep(0).await;
        l.p("set event");
        ev.set();
        sleep(0).await;

        // Set, then cancel the woken waiter before it runs.
        l.p("----");
        let ev = Rc::new(Event::new());
        let t = create_task(waiter(l.clone(), 5, ev.clone()));
        sleep(0).await;
        ev.set();
        t.cancel();
        sleep(0.1).await;

        // Cancel the waiter, then set.
        l.p("----");
        let ev = Rc::new(Event::new());
        let t = create_task(waiter(l.clone(), 6, ev.clone()));
        sleep(0).await;
        t.cancel();
        ev.set();
        sleep(0.1).await;

        l.p("----");
        ev.clear();
        let _d = create_task(delay_set(l.clone(), 0.01, ev.clone()));
        assert!(wait_for(ev.wait(), 0.1).await.is_ok());
        sleep(0).await;

        l.p("----");
        ev.clear();
        let _d = create_task(delay_set(l.clone(), 0.1, ev.clone()));
        if wait_for(ev.wait(), 0.01).await.is_err() {
            l.p("TimeoutError");
        }
        ev.wait().await;
    });
    assert_printed(
        "asyncio_event",
        log.take(),
        &[
            "False",
            "True",
            "False",
            "----",
            "yield",
            "start 1",
            "start 2",
            "set event",
            "yield",
            "True",
            "end 1",
            "True",
            "end 2",
            "----",
            "yield",
            "start 3",
            "True",
            "end 3",
            "----",
            "clear event",
            "start 4",
            "set event",
            "True",
            "end 4",
            "----",
            "start 5",
            "----",
            "start 6",
            "----",
            "set event",
            "----",
            "TimeoutError",
            "set event",
        ],
    );
}

/// `asyncio_event_fair`: two tasks that set, clear and wait on the same
/// event in a loop must not starve two tasks that only yield.
#[test]
fn asyncio_event_fair() {
    async fn yielder(log: Log, id: u32) {
        for _ in 0..4 {
            log.p(format!("sleep {id}"));
            sleep(0).await;
        }
    }
    async fn pinger(log: Log, id: u32, ev: Rc<Event>) {
        for _ in 0..4 {
            ev.set();
            ev.clear();
            log.p(format!("wait {id}"));
            ev.wait().await;
        }
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        let ev = Rc::new(Event::new());
        let _t0 = create_task(yielder(l.clone(), 0));
        let t1 = create_task(pinger(l.clone(), 2, ev.clone()));
        let _t2 = create_task(yielder(l.clone(), 1));
        let _t3 = create_task(pinger(l.clone(), 3, ev.clone()));
        t1.await.unwrap();
        ev.set();
    });
    assert_printed(
        "asyncio_event_fair",
        log.take(),
        &[
            "sleep 0", "wait 2", "sleep 1", "wait 3", "sleep 0", "sleep 1", "wait 2", "sleep 0", "sleep 1", "wait 3",
            "sleep 0", "sleep 1", "wait 2", "wait 3", "wait 2", "wait 3",
        ],
    );
}
