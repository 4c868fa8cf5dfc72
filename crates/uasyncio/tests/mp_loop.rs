//! MicroPython's own asyncio tests (`tests/extmod/asyncio_*.py`) restated as
//! Rust scenarios, the event loop: `get_event_loop`, `stop`, `new_event_loop` and the exception handler.
//!
//! Each `#[test]` is named after the MicroPython test it ports; see
//! `tests/common/mp.rs` for how the port reads and how its expected lines
//! are checked against the real MicroPython.

use std::rc::Rc;

use uasyncio::{
    EventLoop, ExceptionContext, ExceptionHandler, VirtualClock, create_task, get_event_loop, new_event_loop,
    new_event_loop_with, run_virtual, sleep,
};

mod common;
use common::Log;
use common::mp::*;

// ---------------------------------------------------------------------------
// get_event_loop, loop_stop, new_event_loop

/// `asyncio_get_event_loop`: the thread's loop runs a coroutine to completion
/// with `run_until_complete`.
#[test]
fn asyncio_get_event_loop() {
    let log = Log::new();
    let l = log.clone();
    // Make the thread's loop a virtual-clock one, then fetch it the usual way.
    new_event_loop_with(VirtualClock::new());
    let lp = get_event_loop();
    lp.run_until_complete(async move {
        l.p("start");
        sleep(0.01).await;
        l.p("end");
    });
    assert!(lp.time_us() >= 10_000);
    assert_printed("asyncio_get_event_loop", log.take(), &["start", "end"]);
}

/// `asyncio_loop_stop`: `stop()` makes `run_forever` return at main's next
/// yield (calling it twice is harmless); a task created just before a stop
/// runs in the next `run_forever`, and pending tasks resume there.
#[test]
fn asyncio_loop_stop() {
    let log = Log::new();
    let lp = new_event_loop_with(VirtualClock::new());
    let (l, lp2) = (log.clone(), lp.clone());
    let _main = lp.create_task(async move {
        l.p("start");
        lp2.stop();
        lp2.stop();
        l.p("sleep");
        sleep(0).await;

        lp2.stop();
        let l2 = l.clone();
        let _t = create_task(async move { l2.p("task") });
        sleep(0).await;

        l.p("end");
        lp2.stop();
    });
    for i in 0..3 {
        log.p(format!("run {i}"));
        lp.run_forever();
    }
    assert_printed("asyncio_loop_stop", log.take(), &["run 0", "start", "sleep", "run 1", "run 2", "task", "end"]);
}

/// `asyncio_new_event_loop`: a loop is stopped while one of its tasks is
/// half done, then closed; `new_event_loop()` gives a loop in which that task
/// never runs again.
#[test]
fn asyncio_new_event_loop() {
    async fn task(log: Log) {
        for i in 0..4 {
            log.p(format!("task {i}"));
            sleep(0).await;
            sleep(0).await;
        }
    }
    async fn main(log: Log, lp: EventLoop) {
        log.p("start");
        let _t = lp.create_task(task(log.clone()));
        sleep(0).await;
        log.p("stop");
        lp.stop();
    }
    let log = Log::new();
    let lp = get_event_loop();
    let _m = lp.create_task(main(log.clone(), lp.clone()));
    lp.run_forever();
    lp.close();

    let lp = new_event_loop();
    let _m = lp.create_task(main(log.clone(), lp.clone()));
    lp.run_forever();
    lp.close();
    assert_printed("asyncio_new_event_loop", log.take(), &["start", "task 0", "stop", "start", "task 0", "stop"]);
}

// ---------------------------------------------------------------------------
// set_exception_handler

/// `asyncio_set_exception_handler`: no handler at first; a handler that is
/// set is the one read back; a task failing unobserved reaches the handler
/// within main's next two yields; two such tasks reach it in order; a failed
/// task that main awaits never reaches it.
#[test]
fn asyncio_set_exception_handler() {
    async fn task(i: u32) {
        panic!("ValueError({}, {})", i, i + 1);
    }
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        let lp = get_event_loop();
        l.p(match lp.get_exception_handler() {
            None => "None",
            Some(_) => "a handler",
        });

        let l2 = l.clone();
        let handler: ExceptionHandler = Rc::new(move |_: &EventLoop, ctx: &ExceptionContext| {
            l2.p(format!("custom_handler {}", repr(&ctx.error)));
        });
        lp.set_exception_handler(Some(handler.clone()));
        let same = lp.get_exception_handler().is_some_and(|h| Rc::ptr_eq(&h, &handler));
        l.p(py(same));

        let _t0 = create_task(task(0));
        l.p("sleep");
        for _ in 0..2 {
            sleep(0).await;
        }

        let _t1 = create_task(task(1));
        let _t2 = create_task(task(2));
        l.p("sleep");
        for _ in 0..2 {
            sleep(0).await;
        }

        let t = create_task(task(3));
        sleep(0).await;
        if let Err(e) = t.await {
            l.p(repr(&e));
        }
        l.p("done");
    });
    assert_printed(
        "asyncio_set_exception_handler",
        log.take(),
        &[
            "None",
            "True",
            "sleep",
            "custom_handler ValueError(0, 1)",
            "sleep",
            "custom_handler ValueError(1, 2)",
            "custom_handler ValueError(2, 3)",
            "ValueError(3, 4)",
            "done",
        ],
    );
}
