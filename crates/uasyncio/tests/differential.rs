//! Differential tests against the real MicroPython.
//!
//! Every scenario is written twice: in Python (`tests/differential/<name>.py`,
//! run by MicroPython's own `asyncio`) and in Rust (the function `<name>` below,
//! run on the virtual clock, except `timer_before_woken`, which blocks the loop
//! and so needs the real one). Both print lines; the lines must be equal.
//!
//! Each scenario has two tests:
//! - `<name>::matches_expected` compares the Rust lines with
//!   `tests/differential/<name>.exp`, MicroPython's output stored in the repo,
//!   so the behaviour stays pinned where MicroPython is not installed;
//! - `<name>::matches_micropython` runs the Python twin with MicroPython
//!   (found, or installed into `<repo>/.venv` on first use, by the
//!   `micropython-oracle` crate) and compares its output with the Rust lines
//!   and with the `.exp` file. `UASYNCIO_SKIP_DIFFERENTIAL=1` skips this half,
//!   loudly.
//!
//! Every scenario matches MicroPython except the ones declared with
//! `differs = "why"` in [`scenarios!`]: deliberate design differences (listed
//! in CONFORMANCE.md), whose Rust output is pinned in `<name>.rust.exp` while
//! MicroPython's is still checked against `<name>.exp`. A runtime bug found
//! here is fixed in the runtime, not declared.
//!
//! Mapping: a Python exception is a Rust panic (`TaskError::Panicked`), a
//! `CancelledError` is the task being dropped, and a `finally:` block is a
//! [`Finally`] guard whose drop prints what the block prints. Python's `True`
//! and `False` are printed by [`py`]. A `RuntimeError` raised by asyncio is the
//! runtime's panic, whose message starts with MicroPython's text
//! ([`runtime_error_message`]). Times are ms since the scenario's main started,
//! truncated to 10 ms, exactly as the Python twins print them.
//!
//! To add a scenario: write `<name>.py`, record `<name>.exp` with
//! `.venv/bin/micropython <name>.py > <name>.exp`, write `fn <name>()` here and
//! list it in [`scenarios!`].

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

mod common;
use common::micropython::{self, line_diff, oracle};

use uasyncio::{
    Event, EventLoop, ExceptionHandler, Lock, Queue, TaskError, TaskRef, ThreadSafeFlag, VirtualClock, create_task,
    current_task, gather_return_exceptions, get_event_loop, new_event_loop, new_event_loop_with, now_us, run,
    run_virtual, sleep, sleep_ms, wait_for_ms,
};

// ---------------------------------------------------------------------------
// What the scenarios print with

thread_local! {
    static LINES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static START_US: Cell<u64> = const { Cell::new(0) };
}

/// The Rust twin of Python's `print(...)`: records one output line.
macro_rules! say {
    ($($arg:tt)*) => {{
        let line = format!($($arg)*);
        LINES.with(|lines| lines.borrow_mut().push(line));
    }};
}

/// Runs a scenario and returns the lines it printed.
fn record(scenario: fn()) -> Vec<String> {
    LINES.with(|lines| lines.borrow_mut().clear());
    scenario();
    LINES.with(|lines| std::mem::take(&mut *lines.borrow_mut()))
}

/// Python's spelling of a bool.
fn py(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// What Python's `str(exception)` prints for the failure.
fn error_text(error: &TaskError) -> String {
    match error {
        TaskError::Cancelled => "CancelledError".to_string(),
        TaskError::Panicked(message) => message.clone(),
    }
}

/// Marks "now" as time zero for [`now`] (the Python twins' `t0 = ticks_ms()`).
fn start_clock() {
    START_US.with(|start| start.set(now_us()));
}

/// Ms since [`start_clock`], truncated to 10 ms (the Python twins' `now()`).
fn now() -> u64 {
    let elapsed_us = now_us() - START_US.with(Cell::get);
    elapsed_us / 1000 / 10 * 10
}

/// The Rust twin of a `finally:` block: runs its closure when dropped, that is
/// when the code around it completes or its task is cancelled.
struct Finally<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> Drop for Finally<F> {
    fn drop(&mut self) {
        if let Some(block) = self.0.take() {
            block();
        }
    }
}

/// The text of a panic, as Python prints an exception.
fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "<non-text panic>".to_owned()
    }
}

/// A runtime error's message as MicroPython words it: the runtime's panics
/// start with MicroPython's text, then add a Rust hint after `": "`.
fn runtime_error_message(payload: &(dyn Any + Send)) -> String {
    let text = panic_text(payload);
    text.split(": ").next().unwrap_or(&text).to_owned()
}

fn finally<F: FnOnce()>(block: F) -> Finally<F> {
    Finally(Some(block))
}

// ---------------------------------------------------------------------------
// Scenarios (each mirrors tests/differential/<name>.py; read them side by side)

fn task_order() {
    async fn worker(name: &'static str, steps: u32) -> String {
        say!("{name} start");
        for i in 0..steps {
            sleep(0).await;
            say!("{name} step {i}");
        }
        say!("{name} end");
        format!("{name} done")
    }

    let returned = run_virtual(async {
        say!("main start");
        let a = create_task(worker("A", 2));
        let b = create_task(worker("B", 1));
        say!("main created A and B");
        let c = create_task(worker("C", 0));
        say!("main before yield");
        sleep(0).await;
        say!("main after yield");
        say!("main got {}", a.await.unwrap());
        let b_ref = b.task_ref();
        say!("main got {}", b.await.unwrap());
        say!("B done: {}", py(b_ref.done()));
        say!("main got {}", c.await.unwrap());
        7
    });
    say!("run returned {returned}");
}

fn sleep_order() {
    async fn sleeper(name: &'static str, delays_ms: &'static [i64]) -> &'static str {
        for &d in delays_ms {
            sleep_ms(d).await;
            say!("{} {name} woke after {d}", now());
        }
        name
    }

    run_virtual(async {
        start_clock();
        say!("{} main start", now());
        let tasks = vec![
            create_task(sleeper("slow", &[100])),
            create_task(sleeper("ticker", &[40, 40, 40])),
            create_task(sleeper("quick", &[20, 40])),
            create_task(sleeper("late", &[140, -5, 0])),
        ];
        for t in tasks {
            let name = t.await.unwrap();
            say!("{} main awaited {name}", now());
        }
        sleep(0.04).await;
        say!("{} main slept 0.04 s", now());
    });
}

fn sleep0_fair() {
    async fn spinner(name: &'static str, rounds: u32) {
        for i in 0..rounds {
            say!("{name} {i}");
            if name == "a" && i == 1 {
                say!("a creates d");
                // Detached, like the Python task nobody keeps.
                drop(create_task(Box::pin(spinner("d", 2))));
            }
            sleep(0).await;
        }
        say!("{name} finished");
    }

    run_virtual(async {
        let tasks: Vec<_> = ["a", "b", "c"].into_iter().map(|name| create_task(spinner(name, 3))).collect();
        say!("main yields");
        sleep(0).await;
        say!("main runs again");
        for t in tasks {
            t.await.unwrap();
        }
        say!("main done");
    });
}

fn cancel_before_run() {
    run_virtual(async {
        let t = create_task(async {
            say!("body runs");
            1
        });
        say!("done before cancel: {}", py(t.done()));
        say!("cancel: {}", py(t.cancel()));
        say!("cancel again: {}", py(t.cancel()));
        say!("done after cancel: {}", py(t.done()));
        let t_ref = t.task_ref();
        match t.await {
            Ok(value) => say!("await gave {value}"),
            Err(TaskError::Cancelled) => say!("await: cancelled"),
            Err(e) => say!("await failed: {}", error_text(&e)),
        }
        say!("done after await: {}", py(t_ref.done()));
        say!("cancel when done: {}", py(t_ref.cancel()));
    });
}

fn cancel_sleeping() {
    async fn inner() {
        let _finally = finally(|| say!("{} inner finally", now()));
        say!("{} inner sleeps", now());
        sleep_ms(1000).await;
        say!("{} inner woke", now());
    }

    async fn outer() {
        let _finally = finally(|| say!("{} outer finally", now()));
        say!("{} outer start", now());
        inner().await;
        say!("{} outer after inner", now());
    }

    run_virtual(async {
        start_clock();
        let t = create_task(outer());
        let b = create_task(async {
            sleep_ms(60).await;
            say!("{} bystander woke", now());
        });
        sleep_ms(20).await;
        say!("{} main cancels", now());
        say!("{} cancel: {}", now(), py(t.cancel()));
        say!("{} done: {}", now(), py(t.done()));
        let t_ref = t.task_ref();
        match t.await {
            Err(TaskError::Cancelled) => say!("{} main: outer cancelled", now()),
            other => say!("{} main: outer ended with {other:?}", now()),
        }
        say!("{} done: {}", now(), py(t_ref.done()));
        b.await.unwrap();
        say!("{} main done", now());
    });
}

fn cancel_forward() {
    async fn leaf() -> &'static str {
        {
            let _finally = finally(|| say!("leaf finally"));
            say!("leaf sleeps");
            sleep_ms(1000).await;
            say!("leaf woke");
        }
        "leaf result"
    }

    async fn middle() {
        let child = create_task(leaf());
        let child_ref = child.task_ref();
        let _finally = finally(move || say!("middle finally, leaf done: {}", py(child_ref.done())));
        say!("middle awaits leaf");
        // In Python the leaf's CancelledError propagates out of this await.
        if let Ok(result) = child.await {
            say!("middle got {result}");
        }
    }

    run_virtual(async {
        let m = create_task(middle());
        sleep_ms(20).await;
        say!("cancel middle: {}", py(m.cancel()));
        say!("middle done: {}", py(m.done()));
        let m_ref = m.task_ref();
        match m.await {
            Err(TaskError::Cancelled) => say!("main: middle cancelled"),
            other => say!("main: middle ended with {other:?}"),
        }
        say!("middle done: {}", py(m_ref.done()));
    });
}

fn event_wake_all() {
    async fn waiter(name: &'static str, ev: Rc<Event>) {
        say!("{name} waits");
        ev.wait().await;
        say!("{name} woke, is_set: {}", py(ev.is_set()));
    }

    run_virtual(async {
        let ev = Rc::new(Event::new());
        say!("is_set: {}", py(ev.is_set()));
        let tasks: Vec<_> = ["w1", "w2", "w3"].into_iter().map(|name| create_task(waiter(name, ev.clone()))).collect();
        sleep_ms(20).await;
        say!("main sets");
        ev.set();
        say!("main after set");
        sleep(0).await;
        say!("main after yield, all done: {}", py(tasks.iter().all(|t| t.done())));
        ev.clear();
        say!("cleared, is_set: {}", py(ev.is_set()));
        let late = create_task(waiter("late", ev.clone()));
        sleep_ms(20).await;
        say!("late done before set: {}", py(late.done()));
        ev.set();
        ev.set();
        late.await.unwrap();
        ev.wait().await;
        say!("wait on a set event returned at once");
        say!("is_set: {}", py(ev.is_set()));
    });
}

fn lock_fifo() {
    async fn worker(name: &'static str, lock: Rc<Lock>, hold_ms: u64) {
        say!("{name} wants lock, locked: {}", py(lock.locked()));
        {
            let _guard = lock.acquire().await;
            say!("{name} has lock");
            sleep_ms(hold_ms).await;
            say!("{name} releases");
        }
        say!("{name} released");
    }

    async fn newcomer(lock: Rc<Lock>) {
        say!("newcomer wants lock, locked: {}", py(lock.locked()));
        let _guard = lock.acquire().await;
        say!("newcomer has lock");
    }

    run_virtual(async {
        let lock = Rc::new(Lock::new());
        drop(create_task(async { say!("other task runs") }));
        {
            let _guard = lock.acquire().await;
            say!("main has lock without yielding");
        }
        say!("main released, locked: {}", py(lock.locked()));
        let mut tasks: Vec<_> =
            ["A", "B", "C"].into_iter().map(|name| create_task(worker(name, lock.clone(), 20))).collect();
        sleep_ms(30).await;
        tasks.push(create_task(newcomer(lock.clone())));
        for t in tasks {
            t.await.unwrap();
        }
        say!("final locked: {}", py(lock.locked()));
    });
}

fn lock_handoff_locked() {
    async fn waiter(lock: Rc<Lock>) {
        let _guard = lock.acquire().await;
        say!("waiter has lock, locked: {}", py(lock.locked()));
    }

    run_virtual(async {
        let lock = Rc::new(Lock::new());
        let guard = lock.acquire().await;
        let t = create_task(waiter(lock.clone()));
        sleep(0).await;
        say!("main releases with a waiter queued");
        drop(guard);
        say!("during hand-off, locked: {}", py(lock.locked()));
        t.await.unwrap();
        say!("after waiter, locked: {}", py(lock.locked()));
    });
}

fn lock_cancel() {
    type Registry = Rc<RefCell<HashMap<&'static str, TaskRef>>>;

    async fn holder(
        name: &'static str,
        lock: Rc<Lock>,
        hold_ms: u64,
        cancel_after_release: &'static str,
        tasks: Registry,
    ) {
        {
            let _guard = lock.acquire().await;
            say!("{name} has lock");
            sleep_ms(hold_ms).await;
            say!("{name} releases");
        }
        let victim = tasks.borrow()[cancel_after_release].clone();
        say!("{name} cancels {cancel_after_release} {}", py(victim.cancel()));
    }

    async fn waiter(name: &'static str, lock: Rc<Lock>) {
        let _finally = finally(move || say!("{name} finally"));
        say!("{name} waits");
        {
            let _guard = lock.acquire().await;
            say!("{name} has lock");
        }
        say!("{name} released");
    }

    run_virtual(async {
        let lock = Rc::new(Lock::new());
        let registry: Registry = Rc::default();
        let mut tasks = vec![("A", create_task(holder("A", lock.clone(), 40, "C", registry.clone())))];
        for name in ["B", "C", "D", "E"] {
            tasks.push((name, create_task(waiter(name, lock.clone()))));
        }
        for (name, t) in &tasks {
            registry.borrow_mut().insert(name, t.task_ref());
        }
        sleep_ms(20).await;
        let b = registry.borrow()["B"].clone();
        say!("main cancels B {}", py(b.cancel()));
        for (name, t) in tasks {
            match t.await {
                Ok(()) => say!("main: {name} finished"),
                Err(TaskError::Cancelled) => say!("main: {name} cancelled"),
                Err(e) => say!("main: {name} failed: {}", error_text(&e)),
            }
        }
        say!("locked: {}", py(lock.locked()));
    });
}

fn queue_bounded() {
    async fn producer(q: Rc<Queue<String>>, n: u32) {
        for i in 1..=n {
            q.put(i.to_string()).await;
            say!("put {i} qsize {}", q.qsize());
        }
        say!("producer done");
    }

    async fn consumer(q: Rc<Queue<String>>) {
        loop {
            let item = q.get().await;
            say!("got {item} qsize {}", q.qsize());
            sleep_ms(20).await;
            q.task_done();
        }
    }

    run_virtual(async {
        let q = Rc::new(Queue::<String>::new(2));
        say!("maxsize {} empty {} full {}", q.maxsize(), py(q.empty()), py(q.full()));
        q.put_nowait("x".to_string()).unwrap();
        q.put_nowait("y".to_string()).unwrap();
        say!("qsize {} full {}", q.qsize(), py(q.full()));
        if q.put_nowait("z".to_string()).is_err() {
            say!("put_nowait: QueueFull");
        }
        say!("get_nowait {}", q.get_nowait().unwrap());
        say!("get_nowait {}", q.get_nowait().unwrap());
        if q.get_nowait().is_err() {
            say!("get_nowait: QueueEmpty");
        }
        q.task_done();
        q.task_done();
        q.join().await;
        say!("join with nothing pending returned");
        let c = create_task(consumer(q.clone()));
        let p = create_task(producer(q.clone(), 5));
        p.await.unwrap();
        say!("main: producer finished, qsize {}", q.qsize());
        q.join().await;
        say!("main: joined, empty {}", py(q.empty()));
        c.cancel();
    });
}

fn wait_for() {
    async fn job(name: &'static str, ms: u64, result: i32, fail: bool) -> i32 {
        let _finally = finally(move || say!("{} {name} finally", now()));
        say!("{} {name} starts", now());
        sleep_ms(ms).await;
        if fail {
            panic!("{name} failed");
        }
        say!("{} {name} finishes", now());
        result
    }

    run_virtual(async {
        start_clock();
        let r = wait_for_ms(job("fast", 20, 1, false), 40).await;
        say!("{} fast -> {}", now(), r.unwrap());
        match wait_for_ms(job("slow", 60, 2, false), 40).await {
            Ok(_) => say!("slow returned"),
            Err(_timeout) => say!("{} slow -> TimeoutError", now()),
        }
        // A panic is caught at a task boundary, so the failing job runs as a task.
        match uasyncio::wait_for(create_task(job("bad", 20, 3, true)), 0.1).await {
            Ok(Err(e)) => say!("{} bad -> {}", now(), error_text(&e)),
            Ok(Ok(value)) => say!("bad returned {value}"),
            Err(_timeout) => say!("bad -> TimeoutError"),
        }
        let r = uasyncio::wait_for(job("secs", 20, 4, false), 1).await;
        say!("{} secs -> {}", now(), r.unwrap());
        sleep_ms(60).await;
        say!("{} main done", now());
    });
}

fn gather() {
    async fn part(name: &'static str, ms: u64, fail: bool) -> String {
        sleep_ms(ms).await;
        if fail {
            say!("{} {name} fails", now());
            panic!("{name} failed");
        }
        say!("{} {name} done", now());
        name.to_uppercase()
    }

    run_virtual(async {
        start_clock();
        let res =
            uasyncio::gather(vec![part("a", 60, false), part("b", 20, false), part("c", 40, false)]).await.unwrap();
        say!("{} results {}", now(), res.join(" "));
        let empty = uasyncio::gather(Vec::<std::future::Ready<()>>::new()).await.unwrap();
        say!("{} empty gather {}", now(), empty.len());
        match uasyncio::gather(vec![part("d", 20, false), part("e", 40, true), part("f", 60, false)]).await {
            Ok(_) => say!("gather returned"),
            Err(e) => say!("{} gather raised: {}", now(), error_text(&e)),
        }
        sleep_ms(40).await;
        say!("{} main woke", now());
        let res = gather_return_exceptions(vec![part("g", 20, true), part("h", 40, false)]).await;
        for r in res {
            match r {
                Ok(value) => say!("{} slot: ok {value}", now()),
                Err(e) => say!("{} slot: error {}", now(), error_text(&e)),
            }
        }
    });
}

fn exception_handler() {
    async fn fail_now(msg: &'static str) {
        say!("raising {msg}");
        panic!("{msg}");
    }

    async fn fail_later(msg: &'static str, ms: u64) {
        sleep_ms(ms).await;
        say!("raising {msg}");
        panic!("{msg}");
    }

    run_virtual(async {
        let lp = get_event_loop();
        say!("default handler: {}", py(lp.get_exception_handler().is_none()));
        let handler: ExceptionHandler = Rc::new(|_lp, context| {
            say!("handler: {} | {}", context.message, error_text(&context.error));
        });
        lp.set_exception_handler(Some(handler.clone()));
        let installed = lp.get_exception_handler().is_some_and(|h| Rc::ptr_eq(&h, &handler));
        say!("handler installed: {}", py(installed));

        drop(create_task(fail_now("unobserved")));
        sleep(0).await;
        say!("main round 1");
        sleep(0).await;
        say!("main round 2");

        let t = create_task(fail_now("observed"));
        sleep(0).await;
        say!("main awaits observed");
        if let Err(e) = t.await {
            say!("main caught {}", error_text(&e));
        }
        sleep(0).await;
        say!("main round 3");

        drop(create_task(fail_later("timed", 20)));
        drop(create_task(async { 5 }));
        let c = create_task(sleep_ms(1000));
        sleep_ms(40).await;
        say!("main woke");
        c.cancel();
        sleep_ms(20).await;
        say!("main woke again");

        lp.set_exception_handler(None);
        say!("default handler restored: {}", py(lp.get_exception_handler().is_none()));
    });
}

fn run_returns_early() {
    async fn background(name: &'static str) {
        for i in 0..4 {
            sleep_ms(40).await;
            say!("{name} tick {i}");
        }
    }

    async fn first() -> &'static str {
        drop(create_task(background("bg")));
        sleep_ms(60).await;
        say!("first returns");
        "one"
    }

    async fn second() -> &'static str {
        say!("second starts");
        sleep_ms(130).await;
        say!("second returns");
        "two"
    }

    async fn third() -> &'static str {
        drop(create_task(background("doomed")));
        sleep_ms(20).await;
        say!("third returns");
        "three"
    }

    async fn fourth() -> &'static str {
        say!("fourth starts");
        sleep_ms(100).await;
        say!("fourth returns");
        "four"
    }

    new_event_loop_with(VirtualClock::new());
    say!("run 1 -> {}", run(first()));
    say!("run 2 -> {}", run(second()));
    say!("run 3 -> {}", run(third()));
    new_event_loop_with(VirtualClock::new());
    say!("run 4 -> {}", run(fourth()));
}

fn wait_for_cancel() {
    async fn inner() {
        let _finally = finally(|| say!("inner finally"));
        say!("inner sleeps");
        sleep_ms(1000).await;
        say!("inner woke");
    }

    async fn waiting() {
        let _finally = finally(|| say!("waiting finally"));
        say!("waiting calls wait_for");
        let _ = wait_for_ms(inner(), 500).await;
        say!("waiting: wait_for returned");
    }

    run_virtual(async {
        let t = create_task(waiting());
        sleep_ms(20).await;
        say!("main cancels waiting {}", py(t.cancel()));
        match t.await {
            Err(TaskError::Cancelled) => say!("main: waiting cancelled"),
            other => say!("main: waiting ended with {other:?}"),
        }
        sleep_ms(20).await;
        say!("main done");
    });
}

fn gather_cancel() {
    async fn part(name: &'static str, ms: u64) -> &'static str {
        let _finally = finally(move || say!("{name} finally"));
        sleep_ms(ms).await;
        say!("{name} done");
        name
    }

    async fn gatherer() {
        let _finally = finally(|| say!("gatherer finally"));
        let res = uasyncio::gather(vec![part("a", 20), part("b", 60), part("c", 80)]).await;
        say!("gather returned {}", res.map_or(0, |r| r.len()));
    }

    run_virtual(async {
        let g = create_task(gatherer());
        sleep_ms(40).await;
        say!("main cancels gatherer {}", py(g.cancel()));
        match g.await {
            Err(TaskError::Cancelled) => say!("main: gatherer cancelled"),
            other => say!("main: gatherer ended with {other:?}"),
        }
        sleep_ms(60).await;
        say!("main done");
    });
}

fn loop_stop() {
    async fn ticker(lp: EventLoop) {
        for i in 0..3 {
            sleep_ms(20).await;
            say!("tick {i}");
        }
        say!("ticker stops the loop");
        lp.stop();
        lp.stop();
        say!("ticker after stop");
        sleep_ms(20).await;
        say!("ticker resumes");
    }

    async fn later() -> i32 {
        say!("later starts");
        sleep_ms(40).await;
        say!("later ends");
        42
    }

    let lp = new_event_loop_with(VirtualClock::new());
    drop(lp.create_task(ticker(lp.clone())));
    say!("run_forever");
    lp.run_forever();
    say!("run_forever returned");
    say!("run_until_complete -> {}", lp.run_until_complete(later()));
}

fn cancel_self() {
    async fn selfish() -> &'static str {
        let me = current_task();
        // Python's `except RuntimeError` around `me.cancel()`.
        match catch_unwind(AssertUnwindSafe(|| me.cancel())) {
            Ok(_) => say!("cancelled self"),
            Err(payload) => say!("cancel self: {}", runtime_error_message(payload.as_ref())),
        }
        say!("selfish done: {}", py(me.done()));
        sleep(0).await;
        "still running"
    }

    match catch_unwind(current_task) {
        Ok(task) => say!("outside a task: got {task}"),
        Err(payload) => say!("outside a task: {}", runtime_error_message(payload.as_ref())),
    }
    run_virtual(async {
        let t = create_task(selfish());
        say!("main awaits");
        let t_ref = t.task_ref();
        say!("main got {}", t.await.unwrap());
        say!("done: {}", py(t_ref.done()));
    });
}

fn thread_safe_flag() {
    run_virtual(async {
        let flag = Arc::new(ThreadSafeFlag::new());
        flag.set();
        flag.wait().await;
        say!("wait returned at once");
        match wait_for_ms(flag.wait(), 40).await {
            Ok(()) => say!("second wait returned"),
            Err(_timeout) => say!("second wait timed out: wait() cleared the flag"),
        }
        let setter = {
            let flag = flag.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                flag.set();
            })
        };
        say!("waiting for the thread");
        flag.wait().await;
        say!("woken by the thread");
        setter.join().unwrap();
    });
}

fn wait_for_task() {
    async fn job(name: &'static str, ms: u64) -> &'static str {
        let _finally = finally(move || say!("{name} finally"));
        say!("{name} starts");
        sleep_ms(ms).await;
        say!("{name} finishes");
        name
    }

    run_virtual(async {
        let quick = create_task(job("quick", 20));
        say!("quick -> {}", wait_for_ms(quick, 40).await.unwrap().unwrap());
        let slow = create_task(job("slow", 60));
        let slow_ref = slow.task_ref();
        if wait_for_ms(slow, 40).await.is_err() {
            say!("slow -> TimeoutError, done: {}", py(slow_ref.done()));
        }
        sleep_ms(40).await;
        say!("main done");
    });
}

fn main_failure() {
    async fn background() {
        for i in 0..3 {
            sleep_ms(40).await;
            say!("background {i}");
        }
    }

    async fn failing_main() {
        drop(create_task(background()));
        sleep_ms(60).await;
        say!("main raises");
        panic!("main failed");
    }

    async fn next_main() {
        sleep_ms(100).await;
        say!("next main returns");
    }

    new_event_loop_with(VirtualClock::new());
    if let Err(payload) = catch_unwind(|| run(failing_main())) {
        say!("run raised: {}", panic_text(payload.as_ref()));
    }
    run(next_main());
}

fn event_cancel() {
    async fn waiter(name: &'static str, ev: Rc<Event>) {
        let _finally = finally(move || say!("{name} finally"));
        say!("{name} waits");
        ev.wait().await;
        say!("{name} woke");
    }

    run_virtual(async {
        let ev = Rc::new(Event::new());
        let tasks: Vec<_> = ["w1", "w2", "w3"].into_iter().map(|name| create_task(waiter(name, ev.clone()))).collect();
        sleep_ms(20).await;
        say!("main cancels w2 {}", py(tasks[1].cancel()));
        ev.set();
        say!("main set the event");
        sleep(0).await;
        say!("main: done {}", tasks.iter().filter(|t| t.done()).count());
    });
}

fn gather_tasks() {
    async fn value(name: &'static str, ms: u64) -> &'static str {
        sleep_ms(ms).await;
        say!("{name} finishes");
        name
    }

    run_virtual(async {
        let early = create_task(value("early", 0));
        let running = create_task(value("running", 60));
        sleep_ms(20).await;
        say!("early done: {} running done: {}", py(early.done()), py(running.done()));
        // MicroPython turns the coroutine into a task when gather starts; so do we.
        let res = uasyncio::gather(vec![running, create_task(value("coro", 20)), early]).await.unwrap();
        let res: Vec<&str> = res.into_iter().map(Result::unwrap).collect();
        say!("results {}", res.join(" "));
    });
}

fn timer_before_woken() {
    async fn timed() {
        sleep_ms(20).await;
        say!("timer task runs");
    }

    async fn woken(ev: Rc<Event>) {
        ev.wait().await;
        say!("woken task runs");
    }

    // The real clock: blocking the thread must move the loop's time.
    new_event_loop();
    run(async {
        let ev = Rc::new(Event::new());
        drop(create_task(timed()));
        drop(create_task(woken(ev.clone())));
        sleep(0).await;
        say!("main blocks the loop for 60 ms");
        std::thread::sleep(Duration::from_millis(60));
        ev.set();
        say!("main yields");
        sleep(0).await;
        say!("main runs again");
    });
}

// ---------------------------------------------------------------------------
// Stream scenarios: loopback TCP on the real loop. The Python twins listen
// on fixed ports (MicroPython's `Server` does not tell its port); the Rust
// twins take a free one, since both halves of a scenario may run at once.

/// Python's `repr` of a bytes object.
fn pyb(bytes: &[u8]) -> String {
    let mut out = String::from("b'");
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    out
}

type Reader = uasyncio::StreamReader;
type Writer = uasyncio::StreamWriter;

fn stream_echo() {
    new_event_loop().run_until_complete(async {
        let done = Rc::new(Event::new());
        let d = done.clone();
        let server = uasyncio::start_server(
            move |mut reader: Reader, mut writer: Writer| {
                let done = d.clone();
                async move {
                    say!("handler started");
                    loop {
                        let line = reader.readline().await.unwrap();
                        if line.is_empty() {
                            break;
                        }
                        say!("handler got {}", pyb(&line));
                        writer.write(&line);
                        writer.drain().await.unwrap();
                    }
                    say!("handler saw EOF");
                    writer.close();
                    writer.wait_closed().await.unwrap();
                    done.set();
                }
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        say!("server started");
        let (mut reader, mut writer) =
            uasyncio::open_connection("127.0.0.1", server.local_addr().port()).await.unwrap();
        say!("client connected");
        for line in [&b"one\n"[..], b"two\n", b"three\n"] {
            writer.write(line);
            writer.drain().await.unwrap();
            say!("client got {}", pyb(&reader.readline().await.unwrap()));
        }
        writer.close();
        writer.wait_closed().await.unwrap();
        say!("client closed");
        done.wait().await;
        server.close();
        server.wait_closed().await;
        say!("server closed");
    });
}

fn stream_many_clients() {
    new_event_loop().run_until_complete(async {
        let server = uasyncio::start_server(
            |mut reader: Reader, mut writer: Writer| async move {
                let data = reader.readexactly(2).await.unwrap();
                let n: u64 = std::str::from_utf8(&data).unwrap().parse().unwrap();
                sleep_ms(20 * (5 - n)).await; // the first to ask is the last answered
                writer.write(b"re:");
                writer.write(&data);
                writer.drain().await.unwrap();
                writer.close();
                writer.wait_closed().await.unwrap();
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addr().port();
        let clients: Vec<_> = (0..5)
            .map(|n| {
                create_task(async move {
                    let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
                    writer.write(format!("{n:02}").as_bytes());
                    writer.drain().await.unwrap();
                    let reply = reader.read(100).await.unwrap();
                    say!("client {n} got {}", pyb(&reply));
                    writer.close();
                    writer.wait_closed().await.unwrap();
                    reply
                })
            })
            .collect();
        let replies = uasyncio::funcs::gather_tasks(clients).await.unwrap();
        let replies: Vec<String> = replies.iter().map(|r| pyb(r)).collect();
        say!("replies [{}]", replies.join(", "));
        server.close();
        server.wait_closed().await;
        say!("done");
    });
}

fn stream_readline_eof() {
    new_event_loop().run_until_complete(async {
        let server = uasyncio::start_server(
            |mut reader: Reader, mut writer: Writer| async move {
                let what = reader.readline().await.unwrap();
                writer.write(if what == b"lines\n" { b"line1\nline2\npartial" } else { b"abc" });
                writer.drain().await.unwrap();
                writer.close();
                writer.wait_closed().await.unwrap();
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addr().port();
        let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
        writer.write(b"lines\n");
        writer.drain().await.unwrap();
        for _ in 0..4 {
            say!("readline {}", pyb(&reader.readline().await.unwrap()));
        }
        writer.close();
        writer.wait_closed().await.unwrap();
        let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
        writer.write(b"bytes\n");
        writer.drain().await.unwrap();
        say!("readexactly {}", pyb(&reader.readexactly(2).await.unwrap()));
        match reader.readexactly(5).await {
            Ok(data) => say!("readexactly {}", pyb(&data)),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => say!("EOFError"),
            Err(e) => say!("{e}"),
        }
        writer.close();
        writer.wait_closed().await.unwrap();
        server.close();
        server.wait_closed().await;
        say!("done");
    });
}

// The reader is shared with a task, as the Python twin shares its stream:
// a borrow held across an await is released when that task is cancelled.
#[allow(clippy::await_holding_refcell_ref)]
fn stream_cancel_read() {
    new_event_loop().run_until_complete(async {
        let server = uasyncio::start_server(
            |mut reader: Reader, mut writer: Writer| async move {
                loop {
                    let line = reader.readline().await.unwrap();
                    if line.is_empty() {
                        break;
                    }
                    writer.write(b"after ");
                    writer.write(&line);
                    writer.drain().await.unwrap();
                }
                writer.close();
                writer.wait_closed().await.unwrap();
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let (reader, mut writer) = uasyncio::open_connection("127.0.0.1", server.local_addr().port()).await.unwrap();
        // Shared with the task below, as the Python twin shares its stream.
        let reader = Rc::new(RefCell::new(reader));
        if wait_for_ms(async { reader.borrow_mut().read(10).await }, 50).await.is_err() {
            say!("read timed out");
        }
        writer.write(b"timeout\n");
        writer.drain().await.unwrap();
        let line = reader.borrow_mut().readline().await.unwrap();
        say!("then read {}", pyb(&line));
        let r = reader.clone();
        let blocked = create_task(async move {
            let _finally = finally(|| say!("blocked read finally"));
            let _ = r.borrow_mut().readline().await;
        });
        sleep_ms(50).await;
        blocked.cancel();
        if let Err(TaskError::Cancelled) = blocked.await {
            say!("CancelledError");
        }
        writer.write(b"cancel\n");
        writer.drain().await.unwrap();
        let line = reader.borrow_mut().readline().await.unwrap();
        say!("then read {}", pyb(&line));
        writer.close();
        writer.wait_closed().await.unwrap();
        server.close();
        server.wait_closed().await;
        say!("done");
    });
}

fn stream_peer_reset() {
    new_event_loop().run_until_complete(async {
        let server = uasyncio::start_server(
            |mut reader: Reader, mut writer: Writer| async move {
                let data = reader.read(5).await.unwrap();
                say!("handler read {}", pyb(&data));
                if data == b"reset" {
                    sleep_ms(200).await; // the peer resets meanwhile
                    match reader.read(100).await {
                        Ok(data) => say!("handler read {}", pyb(&data)),
                        Err(e) => say!("handler OSError {}", e.raw_os_error().unwrap_or(-1)),
                    }
                } else {
                    writer.write(b"fine");
                    writer.drain().await.unwrap();
                }
                writer.close();
                let _ = writer.wait_closed().await;
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addr().port();
        std::thread::spawn(move || {
            let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            s.connect(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into()).unwrap();
            s.set_linger(Some(Duration::ZERO)).unwrap();
            s.send(b"reset, then more").unwrap();
            std::thread::sleep(Duration::from_millis(100));
            drop(s); // a TCP RST: linger on, zero timeout
        });
        sleep_ms(400).await;
        let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
        writer.write(b"hello");
        writer.drain().await.unwrap();
        say!("next client got {}", pyb(&reader.read(100).await.unwrap()));
        writer.close();
        writer.wait_closed().await.unwrap();
        server.close();
        server.wait_closed().await;
        say!("done");
    });
}

fn stream_server_close() {
    new_event_loop().run_until_complete(async {
        let server = uasyncio::start_server(
            |mut reader: Reader, mut writer: Writer| async move {
                loop {
                    let line = reader.readline().await.unwrap();
                    if line.is_empty() {
                        break;
                    }
                    writer.write(&line);
                    writer.drain().await.unwrap();
                }
                writer.close();
                writer.wait_closed().await.unwrap();
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addr().port();
        let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
        writer.write(b"before\n");
        writer.drain().await.unwrap();
        say!("echo {}", pyb(&reader.readline().await.unwrap()));
        server.close();
        server.wait_closed().await;
        say!("server closed");
        server.wait_closed().await;
        say!("second wait_closed returned");
        match uasyncio::open_connection("127.0.0.1", port).await {
            Ok((mut r2, _w2)) => say!("new connection read {}", pyb(&r2.read(10).await.unwrap())),
            Err(e) => say!("new connection OSError {}", e.raw_os_error().unwrap_or(-1)),
        }
        writer.write(b"after\n");
        writer.drain().await.unwrap();
        say!("echo {}", pyb(&reader.readline().await.unwrap()));
        writer.close();
        writer.wait_closed().await.unwrap();
        say!("done");
    });
}

// ---------------------------------------------------------------------------
// The tests

/// Declares both tests for a scenario. A scenario where Rust deliberately
/// differs from MicroPython (a design difference documented in
/// CONFORMANCE.md, never a bug) is declared with `differs = "why"`: its Rust
/// output is pinned in `<name>.rust.exp`, MicroPython's still in `<name>.exp`,
/// and the test checks both, and that they do differ.
macro_rules! scenarios {
    ($($name:ident $(, differs = $reason:literal)?;)*) => {
        const SCENARIOS: &[&str] = &[$(stringify!($name)),*];
        const DIFFERS: &[&str] = &[$($({
            let _why: &str = $reason;
            stringify!($name)
        },)?)*];
        $(
            mod $name {
                fn differs() -> Option<&'static str> {
                    None $(.or(Some($reason)))?
                }

                #[test]
                fn matches_expected() {
                    super::check_expected(stringify!($name), super::$name, differs());
                }

                #[test]
                fn matches_micropython() {
                    super::check_micropython(stringify!($name), super::$name, differs());
                }
            }
        )*
    };
}

scenarios! {
    task_order;
    sleep_order;
    sleep0_fair;
    cancel_before_run;
    cancel_sleeping;
    cancel_forward;
    event_wake_all;
    lock_fifo;
    lock_handoff_locked;
    lock_cancel;
    queue_bounded;
    wait_for;
    gather;
    exception_handler;
    run_returns_early;
    wait_for_cancel, differs = "wait_for polls its future inline (no task, no allocation), so when the caller \
        is cancelled the inner future is dropped first ('inner finally' before 'waiting finally'); MicroPython \
        runs the awaitable as a task, cancelled after the caller's finally";
    gather_cancel;
    loop_stop;
    cancel_self;
    thread_safe_flag;
    wait_for_task;
    main_failure;
    event_cancel;
    gather_tasks;
    timer_before_woken;
    stream_echo;
    stream_many_clients;
    stream_readline_eof;
    stream_cancel_read;
    stream_peer_reset;
    stream_server_close;
}

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential")
}

fn read_lines(file: &str) -> Vec<String> {
    let path = scenario_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines().map(str::to_owned).collect()
}

/// MicroPython's recorded output.
fn expected_lines(name: &str) -> Vec<String> {
    read_lines(&format!("{name}.exp"))
}

/// What the Rust twin must print: MicroPython's output, or for a declared
/// design difference, `<name>.rust.exp`.
fn rust_expected(name: &str, differs: Option<&str>) -> (Vec<String>, String) {
    match differs {
        None => (expected_lines(name), format!("expected ({name}.exp, MicroPython's output)")),
        Some(why) => (read_lines(&format!("{name}.rust.exp")), format!("expected ({name}.rust.exp: {why})")),
    }
}

fn check_expected(name: &str, scenario: fn(), differs: Option<&str>) {
    let ours = record(scenario);
    let (expected, label) = rust_expected(name, differs);
    assert_same(name, &label, &expected, &ours);
}

fn check_micropython(name: &str, scenario: fn(), differs: Option<&str>) {
    let Some(micropython) = oracle(&format!("differential test {name}")) else { return };
    let script = scenario_dir().join(format!("{name}.py"));
    let expected = expected_lines(name);
    // MicroPython runs on the real clock: on a loaded machine a timed run can
    // come out late, so a run that differs from the pinned output is retried.
    let mut theirs = micropython::run(&micropython, &script);
    for _ in 1..MICROPYTHON_ATTEMPTS {
        if theirs == expected {
            break;
        }
        theirs = micropython::run(&micropython, &script);
    }
    let ours = record(scenario);
    match differs {
        None => assert_same(name, &format!("MicroPython ({name}.py)"), &theirs, &ours),
        Some(why) => {
            let (rust, label) = rust_expected(name, differs);
            assert_same(name, &label, &rust, &ours);
            assert_ne!(theirs, ours, "{name} is declared as differing from MicroPython ({why}), but it matches now");
        }
    }
    assert_eq!(
        theirs, expected,
        "{name}.exp is stale: regenerate it from MicroPython \
         (.venv/bin/micropython {name}.py > {name}.exp)"
    );
}

/// How many times a MicroPython run that differs from the `.exp` file is tried.
const MICROPYTHON_ATTEMPTS: usize = 3;

/// Asserts two outputs are equal line by line; on mismatch, panics with a
/// unified-style diff (`-` only in `reference`, `+` only in the Rust output).
fn assert_same(name: &str, reference_label: &str, reference: &[String], ours: &[String]) {
    if reference == ours {
        return;
    }
    panic!(
        "scenario {name}: the Rust output differs from {reference_label}\n\
         --- {reference_label}\n+++ Rust (tests/differential.rs, fn {name})\n{}",
        line_diff(reference, ours)
    );
}

#[test]
fn every_python_scenario_has_a_rust_twin_and_expected_output() {
    let mut on_disk: Vec<String> = std::fs::read_dir(scenario_dir())
        .expect("tests/differential exists")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "py").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    on_disk.sort();
    let mut declared: Vec<String> = SCENARIOS.iter().map(|s| s.to_string()).collect();
    declared.sort();
    assert_eq!(on_disk, declared, "every .py scenario needs a Rust twin, and back");
    for name in SCENARIOS {
        assert!(!expected_lines(name).is_empty(), "{name}.exp must hold MicroPython's output");
        let rust_exp = scenario_dir().join(format!("{name}.rust.exp")).is_file();
        assert_eq!(rust_exp, DIFFERS.contains(name), "{name}.rust.exp exists exactly for declared differences");
    }
    assert!(SCENARIOS.len() >= 12);
}

#[test]
fn line_diff_marks_missing_and_extra_lines() {
    let lines = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(line_diff(&lines("a b c"), &lines("a c d")), "  a\n- b\n  c\n+ d\n");
}
