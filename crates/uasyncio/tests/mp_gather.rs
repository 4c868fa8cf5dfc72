//! MicroPython's own asyncio tests (`tests/extmod/asyncio_*.py`) restated as
//! Rust scenarios, `gather`: values, failures, cancellation and tasks that finish early.
//!
//! Each `#[test]` is named after the MicroPython test it ports; see
//! `tests/common/mp.rs` for how the port reads and how its expected lines
//! are checked against the real MicroPython.

use std::future::Future;
use std::rc::Rc;

use uasyncio::{
    Event, TaskError, TaskRef, create_task, gather, gather_return_exceptions, get_event_loop, run_virtual, sleep,
};

mod common;
use common::Log;
use common::mp::*;

// ---------------------------------------------------------------------------
// gather, gather_finished_early

/// `asyncio_gather`'s `task`: prints, sleeps, prints, returns its id.
async fn gather_member(log: Log, id: u32, secs: f64) -> u32 {
    log.p(format!("start {id}"));
    sleep(secs).await;
    log.p(format!("end {id}"));
    id
}

/// A task blocked in `gather` of two coroutines, printing before and after.
async fn gather_task<F: Future<Output = u32> + 'static>(log: Log, a: F, b: F) {
    log.p("gather_task");
    let _ = gather([a, b]).await;
    log.p("gather_task2");
}

/// `asyncio_gather`: results in argument order; `gather` of nothing; with
/// `return_exceptions` a cancelled task and a failed task each fill their
/// slot; without it the first failure is raised at once while the other
/// task keeps running; two failures raise the first; cancelling a task
/// blocked in `gather` cancels the sub-tasks. The rounds where the gather is
/// cancelled while its sub-tasks are being created and finishing are in
/// [`asyncio_gather_cancel_edges`].
#[test]
fn asyncio_gather() {
    async fn factorial(log: Log, name: &'static str, number: u64) -> u64 {
        let mut f = 1;
        for i in 2..=number {
            log.p(format!("Task {name}: Compute factorial({i})..."));
            sleep(0.01).await;
            f *= i;
        }
        log.p(format!("Task {name}: factorial({number}) = {f}"));
        f
    }
    async fn task_loop(log: Log, id: u32) -> u32 {
        log.p(format!("task_loop start {id}"));
        loop {
            sleep(0.1).await;
            log.p(format!("task_loop loop {id}"));
        }
    }
    async fn task_raise(log: Log, id: u32, secs: f64) -> u32 {
        log.p(format!("task_raise start {id}"));
        sleep(secs).await;
        log.p(format!("task_raise raise {id}"));
        panic!("ValueError({id},)");
    }
    /// Python's `print(list)` of gathered task outcomes.
    fn show_list(rs: &[Result<u32, TaskError>]) -> String {
        let items: Vec<String> = rs.iter().map(show).collect();
        format!("[{}]", items.join(", "))
    }

    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        let fs = [factorial(l.clone(), "A", 2), factorial(l.clone(), "B", 3), factorial(l.clone(), "C", 4)];
        l.p(format!("{:?}", gather(fs).await.unwrap()));

        l.p("====");
        let none: Vec<std::future::Ready<u32>> = Vec::new();
        l.p(format!("{:?}", gather(none).await.unwrap()));

        l.p("====");
        let tasks = [create_task(gather_member(l.clone(), 1, 0.1)), create_task(gather_member(l.clone(), 2, 0.1))];
        tasks[0].cancel();
        let rs: Vec<_> = gather_return_exceptions(tasks).await.into_iter().map(|r| r.and_then(|inner| inner)).collect();
        l.p(show_list(&rs));

        l.p("====");
        let tasks = [create_task(gather_member(l.clone(), 1, 0.1)), create_task(task_raise(l.clone(), 2, 0.1))];
        let rs: Vec<_> = gather_return_exceptions(tasks).await.into_iter().map(|r| r.and_then(|inner| inner)).collect();
        l.p(show_list(&rs));

        l.p("====");
        let tasks = [create_task(task_loop(l.clone(), 1)), create_task(task_raise(l.clone(), 2, 0.1))];
        let refs: Vec<TaskRef> = tasks.iter().map(|t| t.task_ref()).collect();
        if let Err(e) = gather(tasks.map(reraise)).await {
            l.p(repr(&e));
        }
        l.p(format!("{} {}", py(refs[0].done()), py(refs[1].done())));
        for r in &refs {
            r.cancel();
        }
        sleep(0.2).await;

        l.p("====");
        let tasks = [create_task(task_raise(l.clone(), 1, 0.0)), create_task(task_raise(l.clone(), 2, 0.0))];
        let refs: Vec<TaskRef> = tasks.iter().map(|t| t.task_ref()).collect();
        if let Err(e) = gather(tasks.map(reraise)).await {
            l.p(repr(&e));
        }
        l.p(format!("{} {}", py(refs[0].done()), py(refs[1].done())));

        l.p("====");
        let t = create_task(gather_task(l.clone(), gather_member(l.clone(), 1, 0.1), gather_member(l.clone(), 2, 0.1)));
        sleep(0.05).await;
        t.cancel();
        sleep(0.2).await;
    });
    assert_printed(
        "asyncio_gather",
        log.take(),
        &[
            "Task A: Compute factorial(2)...",
            "Task B: Compute factorial(2)...",
            "Task C: Compute factorial(2)...",
            "Task A: factorial(2) = 2",
            "Task B: Compute factorial(3)...",
            "Task C: Compute factorial(3)...",
            "Task B: factorial(3) = 6",
            "Task C: Compute factorial(4)...",
            "Task C: factorial(4) = 24",
            "[2, 6, 24]",
            "====",
            "[]",
            "====",
            "start 2",
            "end 2",
            "[CancelledError(), 2]",
            "====",
            "start 1",
            "task_raise start 2",
            "end 1",
            "task_raise raise 2",
            "[1, ValueError(2,)]",
            "====",
            "task_loop start 1",
            "task_raise start 2",
            "task_loop loop 1",
            "task_raise raise 2",
            "ValueError(2,)",
            "False True",
            "====",
            "task_raise start 1",
            "task_raise start 2",
            "task_raise raise 1",
            "task_raise raise 2",
            "ValueError(1,)",
            "True True",
            "====",
            "gather_task",
            "start 1",
            "start 2",
        ],
    );
}

/// `asyncio_gather`, last part: a task blocked in `gather` of two coroutines
/// (each yielding once) is cancelled after main yielded 1, 2 or 3 times,
/// i.e. while the sub-tasks are being created, running, and finishing.
/// MicroPython cancels the gather task itself, which then cancels every
/// sub-task still running.
#[test]
fn asyncio_gather_cancel_edges() {
    let log = Log::new();
    let l = log.clone();
    run_virtual(async move {
        for i in 1..4 {
            l.p("====");
            let t =
                create_task(gather_task(l.clone(), gather_member(l.clone(), 1, 0.0), gather_member(l.clone(), 2, 0.0)));
            for _ in 0..i {
                sleep(0).await;
            }
            t.cancel();
            sleep(0.2).await;
        }
    });
    assert_printed(
        "asyncio_gather_cancel_edges",
        log.take(),
        &[
            "====",
            "gather_task",
            "start 1",
            "start 2",
            "====",
            "gather_task",
            "start 1",
            "start 2",
            "end 1",
            "end 2",
            "====",
            "gather_task",
            "start 1",
            "start 2",
            "end 1",
            "end 2",
        ],
    );
}

/// `asyncio_gather_finished_early`: `gather` over tasks that have all
/// finished (successfully or failing) before it starts, with and without a
/// task still running alongside, with and without `return_exceptions` (8
/// runs). Failures are already retrieved by the gather; an empty exception
/// handler keeps the transcript clean as in MicroPython.
#[test]
fn asyncio_gather_finished_early() {
    async fn finishes_early(log: Log, id: &'static str, ev: Rc<Event>, fail: bool) {
        log.p(format!("task_that_finishes_early {id}"));
        ev.set();
        if fail {
            panic!("ValueError('intentional exception', '{id}')");
        }
    }
    async fn keeps_running(log: Log) {
        for i in 0..5 {
            log.p(format!("task_that_runs {i}"));
            sleep(0).await;
        }
    }
    fn slot(r: &Result<(), TaskError>) -> String {
        match r {
            Ok(()) => "None".to_string(),
            Err(e) => repr(e),
        }
    }
    async fn scenario(log: Log, with_runner: bool, fail: bool, return_exceptions: bool) {
        log.p(format!("== start {} {} {}", py(with_runner), py(fail), py(return_exceptions)));
        get_event_loop().set_exception_handler(Some(silent_handler()));
        let (ev_a, ev_b) = (Rc::new(Event::new()), Rc::new(Event::new()));
        let mut tasks = Vec::new();
        if with_runner {
            tasks.push(create_task(keeps_running(log.clone())));
        }
        tasks.push(create_task(finishes_early(log.clone(), "a", ev_a.clone(), fail)));
        tasks.push(create_task(finishes_early(log.clone(), "b", ev_b.clone(), fail)));
        let first = tasks[0].task_ref();
        ev_a.wait().await;
        ev_b.wait().await;

        let result = if return_exceptions {
            let rs: Vec<String> =
                gather_return_exceptions(tasks).await.into_iter().map(|r| slot(&r.and_then(|inner| inner))).collect();
            format!("('complete', [{}])", rs.join(", "))
        } else {
            match gather(tasks.into_iter().map(reraise)).await {
                Ok(rs) => {
                    let rs: Vec<String> = rs.iter().map(|_| "None".to_string()).collect();
                    format!("('complete', [{}])", rs.join(", "))
                }
                Err(e) => format!("('exception', {}, {})", repr(&e), py(with_runner && first.done())),
            }
        };
        // MicroPython awaits tasks[0] here; its typed handle went into the
        // gather, so wait for it through its untyped reference.
        if with_runner {
            while !first.done() {
                sleep(0).await;
            }
        }
        log.p(result);
    }

    let log = Log::new();
    for i in 0..8 {
        run_virtual(scenario(log.clone(), i & 4 != 0, i & 2 != 0, i & 1 != 0));
    }
    assert_printed(
        "asyncio_gather_finished_early",
        log.take(),
        &[
            "== start False False False",
            "task_that_finishes_early a",
            "task_that_finishes_early b",
            "('complete', [None, None])",
            "== start False False True",
            "task_that_finishes_early a",
            "task_that_finishes_early b",
            "('complete', [None, None])",
            "== start False True False",
            "task_that_finishes_early a",
            "task_that_finishes_early b",
            "('exception', ValueError('intentional exception', 'a'), False)",
            "== start False True True",
            "task_that_finishes_early a",
            "task_that_finishes_early b",
            "('complete', [ValueError('intentional exception', 'a'), ValueError('intentional exception', 'b')])",
            "== start True False False",
            "task_that_runs 0",
            "task_that_finishes_early a",
            "task_that_finishes_early b",
            "task_that_runs 1",
            "task_that_runs 2",
            "task_that_runs 3",
            "task_that_runs 4",
            "('complete', [None, None, None])",
            "== start True False True",
            "task_that_runs 0",
            "task_that_finishes_early a",
            "task_that_finishes_early b",
            "task_that_runs 1",
            "task_that_runs 2",
            "task_that_runs 3",
            "task_that_runs 4",
            "('complete', [None, None, None])",
            "== start True True False",
            "task_that_runs 0",
            "task_that_finishes_early a",
            "task_that_finishes_early b",
            "task_that_runs 1",
            "task_that_runs 2",
            "task_that_runs 3",
            "task_that_runs 4",
            "('exception', ValueError('intentional exception', 'a'), False)",
            "== start True True True",
            "task_that_runs 0",
            "task_that_finishes_early a",
            "task_that_finishes_early b",
            "task_that_runs 1",
            "task_that_runs 2",
            "task_that_runs 3",
            "task_that_runs 4",
            "('complete', [None, ValueError('intentional exception', 'a'), ValueError('intentional exception', 'b')])",
        ],
    );
}

/// MicroPython's `gather(*tasks)` raises as soon as one of the tasks fails,
/// while the others keep running (`asyncio_gather`, `asyncio_gather_finished_early`
/// rely on it). For `Task` handles that already exist, that is
/// `funcs::gather_tasks` (plain `gather` runs futures as new tasks, so a
/// handle's `Err` would be an `Ok(Err(..))` value to it).
#[test]
fn gather_of_tasks_fails_fast() {
    async fn slow() -> u32 {
        sleep(1).await;
        1
    }
    async fn fail_soon() -> u32 {
        sleep(0.1).await;
        panic!("ValueError(2,)");
    }
    run_virtual(async {
        let tasks = [create_task(slow()), create_task(fail_soon())];
        let slow_task = tasks[0].task_ref();
        let outcome = uasyncio::funcs::gather_tasks(tasks).await;
        assert!(!slow_task.done(), "gather waited for the slow task to finish");
        assert_eq!(outcome, Err(TaskError::Panicked("ValueError(2,)".to_string())));
        assert_eq!(uasyncio::time::ticks_ms(), 100);
    });
}
