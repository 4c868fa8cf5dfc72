//! The scheduling model (SPEC §2) and the loop's life cycle, on the virtual clock.

use std::rc::Rc;

use uasyncio::{
    EventLoop, ExceptionContext, TaskError, VirtualClock, create_task, create_task_named, current_task,
    new_event_loop_with, run, sleep, sleep_ms, time,
};

mod common;
use common::Log;

fn log() -> Log {
    Log::new()
}

fn push(log: &Log, line: impl Into<String>) {
    log.p(line);
}

fn lines(log: &Log) -> Vec<String> {
    log.lines()
}

fn virtual_loop() -> EventLoop {
    new_event_loop_with(VirtualClock::new())
}

/// A task created now runs only after its creator yields; tasks created
/// together run in creation order.
#[test]
fn create_task_runs_after_the_creator_yields_in_creation_order() {
    let out = log();
    let l = out.clone();
    virtual_loop().run_until_complete(async move {
        for name in ["a", "b", "c"] {
            let l = l.clone();
            create_task(async move { push(&l, format!("{name} runs")) });
        }
        push(&l, "main still running");
        sleep(0).await;
        push(&l, "main resumed");
    });
    assert_eq!(lines(&out), ["main still running", "a runs", "b runs", "c runs", "main resumed"]);
}

/// `sleep(0)` goes to the back of the tasks that are due: three tasks
/// yielding in a loop interleave round-robin.
#[test]
fn sleep_zero_is_round_robin() {
    let out = log();
    let l = out.clone();
    virtual_loop().run_until_complete(async move {
        let tasks: Vec<_> = ["x", "y", "z"]
            .into_iter()
            .map(|name| {
                let l = l.clone();
                create_task(async move {
                    for i in 0..3 {
                        push(&l, format!("{name}{i}"));
                        sleep_ms(0).await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(lines(&out), ["x0", "y0", "z0", "x1", "y1", "z1", "x2", "y2", "z2"]);
}

/// Sleepers wake in deadline order; equal deadlines wake in the order the
/// sleeps started (FIFO).
#[test]
fn timers_fire_by_deadline_then_fifo() {
    let out = log();
    let l = out.clone();
    virtual_loop().run_until_complete(async move {
        let mut tasks = Vec::new();
        for (name, ms) in [("slow", 300), ("tie-1", 100), ("fast", 50), ("tie-2", 100), ("tie-3", 100)] {
            let l = l.clone();
            tasks.push(create_task(async move {
                sleep_ms(ms).await;
                push(&l, format!("{name} at {}", time::ticks_ms()));
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(lines(&out), ["fast at 50", "tie-1 at 100", "tie-2 at 100", "tie-3 at 100", "slow at 300"]);
}

/// One order by due time: a timer that expired before a task was woken runs
/// before that task, even though the wake happened first in real order.
#[test]
fn an_expired_timer_runs_before_a_task_woken_later() {
    let out = log();
    let l = out.clone();
    let event = Rc::new(uasyncio::Event::new());
    virtual_loop().run_until_complete(async move {
        let (l1, e1) = (l.clone(), event.clone());
        let waiter = create_task(async move {
            e1.wait().await;
            push(&l1, "event waiter");
        });
        let l2 = l.clone();
        let sleeper = create_task(async move {
            sleep_ms(10).await;
            push(&l2, "timer (due at 10 ms)");
        });
        let (l3, e3) = (l.clone(), event.clone());
        let setter = create_task(async move {
            sleep_ms(10).await;
            // Both this task and the sleeper became due at 10 ms; the
            // sleeper's timer was armed first, so it runs first. The waiter
            // is woken now, and runs after both.
            push(&l3, "setter sets the event");
            e3.set();
        });
        for t in [waiter, sleeper, setter] {
            t.await.unwrap();
        }
    });
    assert_eq!(lines(&out), ["timer (due at 10 ms)", "setter sets the event", "event waiter"]);
}

/// A clock the test moves by hand (a slow step on a real clock); the
/// loop's waits jump it to their deadline.
struct HandClock(std::sync::atomic::AtomicU64);

impl uasyncio::Platform for HandClock {
    fn now_us(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
    fn wait(&self, deadline_us: Option<u64>) {
        let deadline = deadline_us.expect("the test waits only for timers");
        self.0.fetch_max(deadline, std::sync::atomic::Ordering::Relaxed);
    }
    fn notify(&self) {}
}

/// One order by due time, the other way round: a task queued while no
/// timer was pending became due before any timer armed later, so it runs
/// first even when the step that armed the timer took longer than the
/// timer's delay (MicroPython's queue: the task's key is older).
#[test]
fn a_task_queued_before_a_timer_was_armed_runs_before_it_after_a_slow_step() {
    use std::future::{Future, poll_fn};
    use std::sync::Arc;
    use std::task::Poll;

    let clock = Arc::new(HandClock(std::sync::atomic::AtomicU64::new(0)));
    let event_loop = new_event_loop_with(ArcPlatform(clock.clone()));
    let out = log();
    let l = out.clone();
    event_loop.run_until_complete(async move {
        let (l1, clock) = (l.clone(), clock.clone());
        let slow = create_task(async move {
            // Arms a 1 ms timer, then takes 5 ms before its step ends.
            let mut nap = std::pin::pin!(sleep_ms(1));
            poll_fn(|cx| {
                assert!(nap.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            clock.0.fetch_add(5_000, std::sync::atomic::Ordering::Relaxed);
            push(&l1, "slow: timer armed, step over at 5 ms");
            // Suspended until the timer wakes it.
            let mut first = true;
            poll_fn(|_| if std::mem::take(&mut first) { Poll::Pending } else { Poll::Ready(()) }).await;
            push(&l1, format!("slow: woken by its timer at {} ms", time::ticks_ms()));
            nap.await;
        });
        let l2 = l.clone();
        let queued =
            create_task(async move { push(&l2, format!("queued before the timer: runs at {} ms", time::ticks_ms())) });
        slow.await.unwrap();
        queued.await.unwrap();
    });
    assert_eq!(
        lines(&out),
        [
            "slow: timer armed, step over at 5 ms",
            "queued before the timer: runs at 5 ms",
            "slow: woken by its timer at 5 ms",
        ]
    );
}

/// A platform shared with the test.
struct ArcPlatform<P>(std::sync::Arc<P>);

impl<P: uasyncio::Platform> uasyncio::Platform for ArcPlatform<P> {
    fn now_us(&self) -> u64 {
        self.0.now_us()
    }
    fn wait(&self, deadline_us: Option<u64>) {
        self.0.wait(deadline_us)
    }
    fn notify(&self) {
        self.0.notify()
    }
}

/// `run(main)` returns when main finishes; other tasks stay queued and
/// resume on the next run of the same loop.
#[test]
fn run_returns_when_main_finishes_and_leaves_other_tasks_queued() {
    let out = log();
    let event_loop = virtual_loop();
    let l = out.clone();
    event_loop.run_until_complete(async move {
        let l = l.clone();
        create_task(async move {
            for i in 0..3 {
                push(&l, format!("background {i} at {}", time::ticks_ms()));
                sleep_ms(100).await;
            }
        });
        sleep_ms(150).await;
    });
    assert_eq!(lines(&out), ["background 0 at 0", "background 1 at 100"]);
    event_loop.run_until_complete(sleep_ms(1000));
    assert_eq!(lines(&out), ["background 0 at 0", "background 1 at 100", "background 2 at 200"]);
}

/// `new_event_loop()` discards the old loop's tasks: their destructors run
/// and they never resume.
#[test]
fn new_event_loop_discards_pending_tasks() {
    struct Finally(Log);
    impl Drop for Finally {
        fn drop(&mut self) {
            push(&self.0, "finally");
        }
    }
    let out = log();
    let l = out.clone();
    let old = virtual_loop();
    let task = old.create_task(async move {
        let _f = Finally(l.clone());
        push(&l, "started");
        sleep(10).await;
        push(&l, "never printed");
    });
    old.run_until_complete(sleep(1));
    assert_eq!(lines(&out), ["started"]);
    let fresh = virtual_loop();
    assert_eq!(lines(&out), ["started", "finally"]);
    assert!(task.done());
    fresh.run_until_complete(sleep(20));
    assert_eq!(lines(&out), ["started", "finally"]);
}

/// Sleeps are minimum delays on the real clock too: never early.
#[test]
fn sleeps_never_wake_early_on_the_real_clock() {
    let event_loop = uasyncio::new_event_loop();
    event_loop.run_until_complete(async {
        for ms in [1, 3, 7, 12] {
            let before = uasyncio::now_us();
            sleep_ms(ms).await;
            let slept = uasyncio::now_us() - before;
            assert!(slept >= ms * 1000, "sleep_ms({ms}) returned after {slept} µs");
        }
    });
}

/// `stop()` makes `run_forever` return after the tasks due now have run.
#[test]
fn stop_ends_run_forever_after_the_tasks_already_due() {
    let out = log();
    let event_loop = virtual_loop();
    let (l, el) = (out.clone(), event_loop.clone());
    event_loop.create_task(async move {
        let l2 = l.clone();
        create_task(async move { push(&l2, "queued before stop") });
        el.stop();
        el.stop();
        push(&l, "stop called");
        sleep(0).await;
        push(&l, "resumed on the next run");
    });
    event_loop.run_forever();
    assert_eq!(lines(&out), ["stop called", "queued before stop"]);
    event_loop.run_forever();
    assert_eq!(lines(&out), ["stop called", "queued before stop", "resumed on the next run"]);
}

/// A failure nobody awaits reaches the handler one round later, with the
/// task's name; a task that awaits it in the meantime gets it instead; a
/// cancelled task never reaches the handler; `None` restores the default.
#[test]
fn unretrieved_failures_reach_the_exception_handler() {
    let out = log();
    let event_loop = virtual_loop();
    let l = out.clone();
    event_loop.set_exception_handler(Some(Rc::new(move |_: &EventLoop, ctx: &ExceptionContext| {
        let task = ctx.task.as_ref().map(ToString::to_string).unwrap_or_default();
        push(&l, format!("handler: {} | {} | {}", ctx.message, task, ctx.error));
    })));
    let l = out.clone();
    event_loop.run_until_complete(async move {
        create_task_named("lonely", async { panic!("nobody listens") });
        let awaited = create_task_named("awaited", async { panic!("caught by awaiter") });
        let cancelled = create_task(sleep(5));
        sleep(0).await;
        cancelled.cancel();
        push(&l, format!("awaiter got: {}", awaited.await.unwrap_err()));
        sleep(1).await;
    });
    assert_eq!(
        lines(&out),
        [
            "awaiter got: task panicked: caught by awaiter",
            "handler: Task exception wasn't retrieved | Task(lonely) | task panicked: nobody listens",
        ]
    );
    assert!(event_loop.get_exception_handler().is_some());
    event_loop.set_exception_handler(None);
    assert!(event_loop.get_exception_handler().is_none());
}

/// A panic in the main task propagates out of `run` with its message, and the
/// loop stays usable.
#[test]
fn a_panic_in_main_propagates_out_of_run() {
    let event_loop = virtual_loop();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        event_loop.run_until_complete(async {
            sleep(1).await;
            panic!("main failed");
        })
    }));
    let message = caught.unwrap_err().downcast::<String>().map(|s| *s).unwrap();
    assert_eq!(message, "main failed");
    assert_eq!(event_loop.run_until_complete(async { 5 }), 5);
}

/// Waiting for something nothing can trigger is a clear panic, not a hang.
#[test]
fn a_deadlocked_main_task_panics_instead_of_hanging() {
    let caught = std::panic::catch_unwind(|| {
        virtual_loop().run_until_complete(async {
            let never = uasyncio::Event::new();
            never.wait().await;
        })
    });
    let message = caught.unwrap_err().downcast::<&str>().map(|s| *s).unwrap();
    assert!(message.starts_with("uasyncio deadlock: the main task is waiting"), "{message}");
}

/// Nesting `run` inside a task is refused with a message.
#[test]
fn nested_run_is_refused() {
    let event_loop = virtual_loop();
    let result = event_loop.run_until_complete(async { create_task(async { run(async {}) }).await.unwrap_err() });
    let TaskError::Panicked(message) = result else { panic!("expected a panic, got {result:?}") };
    assert!(message.starts_with("the event loop is already running"), "{message}");
}

/// Cancelling a task that awaits another task forwards the cancellation to
/// the innermost one; both end cancelled, innermost first.
#[test]
fn cancel_is_forwarded_to_the_awaited_task() {
    struct Finally(Log, &'static str);
    impl Drop for Finally {
        fn drop(&mut self) {
            push(&self.0, format!("{} dropped", self.1));
        }
    }
    let out = log();
    let l = out.clone();
    virtual_loop().run_until_complete(async move {
        let l_inner = l.clone();
        let inner = create_task(async move {
            let _f = Finally(l_inner, "inner");
            sleep(10).await;
        });
        let inner_ref = inner.task_ref();
        let l_outer = l.clone();
        let outer = create_task(async move {
            let _f = Finally(l_outer, "outer");
            inner.await
        });
        sleep(1).await;
        assert!(outer.cancel());
        assert_eq!(outer.await, Err(TaskError::Cancelled));
        assert!(inner_ref.done());
        push(&l, format!("at {} ms", time::ticks_ms()));
    });
    assert_eq!(lines(&out), ["inner dropped", "outer dropped", "at 1000 ms"]);
}

/// A task cancelled before its first run never executes its body.
#[test]
fn a_task_cancelled_before_it_runs_never_starts() {
    let out = log();
    let l = out.clone();
    virtual_loop().run_until_complete(async move {
        let l2 = l.clone();
        let t = create_task(async move { push(&l2, "body ran") });
        assert!(t.cancel());
        assert!(t.cancel(), "cancel() is true again while not done");
        assert_eq!(t.await, Err(TaskError::Cancelled));
    });
    assert!(lines(&out).is_empty());
}

/// A task cannot cancel itself: MicroPython's "can't cancel self".
#[test]
fn self_cancel_is_an_error() {
    let result = virtual_loop().run_until_complete(async {
        create_task(async {
            current_task().cancel();
        })
        .await
    });
    let Err(TaskError::Panicked(message)) = result else { panic!("expected a panic, got {result:?}") };
    assert!(message.starts_with("can't cancel self"), "{message}");
}

/// `close()` cancels what is queued; `get_event_loop()` then gives a fresh loop.
#[test]
fn close_discards_tasks_and_get_event_loop_starts_over() {
    let event_loop = virtual_loop();
    let t = event_loop.create_task(sleep(1));
    event_loop.close();
    assert!(t.done());
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| event_loop.run_until_complete(async {})));
    let message = caught.unwrap_err().downcast::<&str>().map(|s| *s).unwrap();
    assert!(message.starts_with("this event loop is closed"), "{message}");
    assert_eq!(uasyncio::get_event_loop().run_until_complete(async { 3 }), 3);
}

/// A destructor run while a loop discards its tasks (here: a new loop
/// replaces it) cannot run that loop, whose tasks are half torn down:
/// `run_until_complete` refuses, saying the loop is running.
#[test]
fn a_destructor_run_while_tasks_are_discarded_cannot_run_the_loop() {
    struct RunsTheLoop(EventLoop, Log);
    impl Drop for RunsTheLoop {
        fn drop(&mut self) {
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.0.run_until_complete(async {})));
            let line = match caught {
                Ok(()) => "the loop ran".to_string(),
                Err(payload) => match payload.downcast::<&str>() {
                    Ok(message) => message.to_string(),
                    Err(payload) => *payload.downcast::<String>().unwrap(),
                },
            };
            push(&self.1, line);
        }
    }
    let out = log();
    let event_loop = virtual_loop();
    let guard = RunsTheLoop(event_loop.clone(), out.clone());
    event_loop.create_task(async move {
        let _guard = guard;
        sleep(1).await;
    });
    let _fresh = virtual_loop();
    let lines = lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("the event loop is already running"), "{lines:?}");
}

/// `run_forever` with nothing left to run returns (MicroPython would idle forever).
#[test]
fn run_forever_returns_when_nothing_can_run() {
    let event_loop = virtual_loop();
    event_loop.create_task(sleep(2));
    event_loop.run_forever();
    assert_eq!(event_loop.time_us(), 2_000_000);
}

/// The MicroPython idiom `while not done: await sleep(0)` waiting for a timer
/// does not livelock under virtual time: a full round of pure yields lets the
/// clock reach the next deadline, as real time would have passed meanwhile.
#[test]
fn polling_with_sleep_zero_lets_virtual_time_reach_the_next_timer() {
    let done = Rc::new(std::cell::Cell::new(false));
    let d = done.clone();
    let (spins, at) = virtual_loop().run_until_complete(async move {
        create_task(async move {
            sleep_ms(40).await;
            d.set(true);
        });
        let mut spins = 0;
        while !done.get() {
            spins += 1;
            sleep(0).await;
        }
        (spins, time::ticks_ms())
    });
    assert_eq!(at, 40);
    // A handful of rounds (the timer must be armed first), not an endless spin.
    assert!(spins <= 5, "took {spins} spins");
}
