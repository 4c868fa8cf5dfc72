//! Every combination of how a task ends, how its handle goes and how it is
//! awaited, each checked line by line against the outcome the rules give.
//!
//! The task sleeps 1 s, then returns 7 — or panics while running, or its
//! future panics while being dropped. Its handle is dropped before anyone
//! awaits it, during an await (the awaiting task is cancelled at 0.25 s),
//! or after the await returned. The task itself is cancelled before it
//! starts, while it sleeps (0.5 s), or after it finished (2 s). It is
//! awaited directly, through `gather_tasks`, or through `wait_for`.
//! 3 × 3 × 3 × 3 = 81 programs, each run on a fresh virtual-time loop; the
//! task's future holds a guard whose drop is logged, so every program also
//! shows that the future is dropped exactly once. Run under Miri too.

use std::cell::RefCell;
use std::fmt::Debug;
use std::rc::Rc;

use uasyncio::{TaskError, create_task, funcs::gather_tasks, sleep, time::ticks_ms, wait_for};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Panic {
    Never,
    WhileRunning,
    WhileDropped,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum HandleDropped {
    BeforeAwaiting,
    DuringAwait,
    AfterAwaiting,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Cancelled {
    BeforeStart,
    WhileSleeping,
    AfterFinishing,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Awaited {
    Directly,
    ThroughGather,
    ThroughWaitFor,
}

type Log = Rc<RefCell<Vec<String>>>;

fn push(log: &Log, line: impl Into<String>) {
    log.borrow_mut().push(line.into());
}

/// Logs its drop with the virtual time, and panics there if told to.
struct Guard {
    log: Log,
    panic: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        push(&self.log, format!("task dropped at {}", ticks_ms()));
        if self.panic {
            panic!("drop boom");
        }
    }
}

fn shown<T: Debug>(outcome: &Result<T, TaskError>) -> String {
    match outcome {
        Ok(v) => format!("Ok({v:?})"),
        Err(e) => format!("Err({e})"),
    }
}

/// Runs one combination and returns its log.
fn run(panic: Panic, handle: HandleDropped, cancel: Cancelled, awaited: Awaited) -> Vec<String> {
    let log: Log = Rc::default();
    let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    let handler_log = log.clone();
    event_loop.set_exception_handler(Some(Rc::new(move |_, ctx: &uasyncio::ExceptionContext| {
        push(&handler_log, format!("handler: {}: {} at {}", ctx.message, ctx.error, ticks_ms()));
    })));
    let main_log = log.clone();
    event_loop.run_until_complete(async move {
        let log = main_log;
        let guard = Guard { log: log.clone(), panic: panic == Panic::WhileDropped };
        let task_log = log.clone();
        let task = create_task(async move {
            let _guard = guard;
            push(&task_log, format!("task started at {}", ticks_ms()));
            sleep(1).await;
            push(&task_log, format!("task woke at {}", ticks_ms()));
            if panic == Panic::WhileRunning {
                panic!("boom");
            }
            7
        });
        let task_ref = task.task_ref();
        let awaiter = if handle == HandleDropped::BeforeAwaiting {
            drop(task);
            None
        } else {
            let log = log.clone();
            Some(create_task(async move {
                let outcome = match awaited {
                    Awaited::Directly => task.await,
                    Awaited::ThroughGather => gather_tasks([task]).await.map(|values| values[0]),
                    Awaited::ThroughWaitFor => wait_for(task, 10).await.expect("no timeout within 10 s"),
                };
                push(&log, format!("awaiter got {} at {}", shown(&outcome), ticks_ms()));
            }))
        };
        let log_cancel = |log: &Log| push(log, format!("cancel() -> {} at {}", task_ref.cancel(), ticks_ms()));
        if cancel == Cancelled::BeforeStart {
            log_cancel(&log);
        }
        sleep(0.25).await;
        if handle == HandleDropped::DuringAwait {
            awaiter.as_ref().expect("an awaiter").cancel();
        }
        sleep(0.25).await;
        if cancel == Cancelled::WhileSleeping {
            log_cancel(&log);
        }
        sleep(1.5).await;
        if cancel == Cancelled::AfterFinishing {
            log_cancel(&log);
        }
        sleep(1).await;
        push(&log, format!("task done: {} at {}", task_ref.done(), ticks_ms()));
        drop(awaiter);
    });
    log.take()
}

/// What the rules say each combination logs.
fn expected(panic: Panic, handle: HandleDropped, cancel: Cancelled) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = |s: String| lines.push(s);
    // When the task ends, and how.
    let (end, outcome) = if cancel == Cancelled::BeforeStart {
        line("cancel() -> true at 0".into());
        (0, "Err(task was cancelled)".to_string())
    } else {
        line("task started at 0".into());
        if handle == HandleDropped::DuringAwait {
            // The interrupted await cancels the task at once (directly or
            // through wait_for), or the gather's end cancels it.
            (250, "Err(task was cancelled)".into())
        } else if cancel == Cancelled::WhileSleeping {
            line("cancel() -> true at 500".into());
            (500, "Err(task was cancelled)".into())
        } else {
            line("task woke at 1000".into());
            match panic {
                Panic::Never => (1000, "Ok(7)".into()),
                Panic::WhileRunning => (1000, "Err(task panicked: boom)".into()),
                Panic::WhileDropped => (1000, "Err(task panicked: drop boom)".into()),
            }
        }
    };
    line(format!("task dropped at {end}"));
    match handle {
        HandleDropped::BeforeAwaiting => {
            if outcome.contains("panicked") {
                line(format!("handler: Task exception wasn't retrieved: {} at {end}", &outcome[4..outcome.len() - 1]));
            }
        }
        // The awaiter was cancelled while it awaited, unless the task had
        // already ended (cancelled before it started).
        HandleDropped::DuringAwait if end > 0 => {}
        _ => line(format!("awaiter got {outcome} at {end}")),
    }
    if handle == HandleDropped::DuringAwait && cancel == Cancelled::WhileSleeping {
        line("cancel() -> false at 500".into());
    }
    if cancel == Cancelled::AfterFinishing {
        line("cancel() -> false at 2000".into());
    }
    line("task done: true at 3000".into());
    lines
}

/// All 81 combinations: the log of each is exactly what the rules give.
#[test]
fn every_combination_ends_as_the_rules_say() {
    let mut failures = Vec::new();
    for panic in [Panic::Never, Panic::WhileRunning, Panic::WhileDropped] {
        for handle in [HandleDropped::BeforeAwaiting, HandleDropped::DuringAwait, HandleDropped::AfterAwaiting] {
            for cancel in [Cancelled::BeforeStart, Cancelled::WhileSleeping, Cancelled::AfterFinishing] {
                for awaited in [Awaited::Directly, Awaited::ThroughGather, Awaited::ThroughWaitFor] {
                    let got = run(panic, handle, cancel, awaited);
                    let want = expected(panic, handle, cancel);
                    if got != want {
                        failures.push(format!(
                            "{panic:?} {handle:?} {cancel:?} {awaited:?}:\n  got  {got:?}\n  want {want:?}"
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of 81 combinations differ:\n{}", failures.len(), failures.join("\n"));
}
