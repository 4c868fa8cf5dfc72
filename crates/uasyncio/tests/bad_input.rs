//! Bad input gets a clear message, and time helpers keep MicroPython's rules.

use std::rc::Rc;

use uasyncio::time::{TICKS_MAX, TICKS_PERIOD, ticks_add, ticks_diff, try_ticks_add};
use uasyncio::{create_task, run_virtual, sleep, sleep_ms, time};

fn panic_message(result: std::thread::Result<impl Sized>) -> String {
    let payload = match result {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => payload,
    };
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        panic!("non-string panic payload")
    }
}

/// NaN or infinite seconds are refused, naming the value.
#[test]
fn nan_and_infinite_delays_are_refused() {
    for (secs, shown) in [(f64::NAN, "NaN"), (f64::INFINITY, "inf"), (f64::NEG_INFINITY, "-inf")] {
        let message = panic_message(std::panic::catch_unwind(|| sleep(secs)));
        assert_eq!(message, format!("sleep/wait_for got {shown} seconds: a delay must be a finite number of seconds"));
    }
}

/// Negative delays mean zero (a yield), as in MicroPython: no time passes.
#[test]
fn negative_delays_mean_zero() {
    let elapsed = run_virtual(async {
        sleep(-1.5).await;
        sleep_ms(-20).await;
        uasyncio::time::sleep_us(-7).await;
        time::now_us()
    });
    assert_eq!(elapsed, 0);
}

/// Awaiting a sleep with no loop running names the mistake.
#[test]
fn sleeping_outside_a_loop_is_refused() {
    let message = panic_message(std::panic::catch_unwind(|| {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut s = std::pin::pin!(sleep(1));
        let _ = s.as_mut().poll(&mut cx);
    }));
    assert_eq!(message, "sleep() must be awaited inside a task run by a uasyncio event loop (uasyncio::run)");
}

/// `current_task()` outside a task: MicroPython's "no running event loop".
#[test]
fn current_task_outside_a_loop_is_refused() {
    let message = panic_message(std::panic::catch_unwind(uasyncio::current_task));
    assert_eq!(message, "no running event loop: current_task() must be called from inside a task");
}

/// `ticks_add`/`ticks_diff` wrap at 2^30 like MicroPython's; an interval of
/// half the period or more is an overflow.
#[test]
fn ticks_wrap_at_the_period_boundary() {
    assert_eq!(TICKS_PERIOD, 1 << 30);
    assert_eq!(ticks_add(TICKS_MAX, 1), 0);
    assert_eq!(ticks_add(0, -1), TICKS_MAX);
    assert_eq!(ticks_add(TICKS_MAX - 5, 10), 4);
    assert_eq!(ticks_diff(4, TICKS_MAX - 5), 10);
    assert_eq!(ticks_diff(TICKS_MAX - 5, 4), -10);
    let half = i64::from(TICKS_PERIOD / 2);
    assert_eq!(ticks_add(0, half - 1), (TICKS_PERIOD / 2) - 1);
    assert_eq!(ticks_diff((TICKS_PERIOD / 2) - 1, 0), (TICKS_PERIOD / 2 - 1) as i32);
    assert_eq!(ticks_diff(TICKS_PERIOD / 2, 0), -((TICKS_PERIOD / 2) as i32));
    assert!(try_ticks_add(0, half).is_err());
    assert!(try_ticks_add(0, -half).is_err());
    let message = panic_message(std::panic::catch_unwind(|| ticks_add(5, half)));
    assert_eq!(message, "ticks interval overflow: 536870912 is not within ±536870911 (half the ticks period)");
}

/// `ticks_ms` wraps with the loop clock: just past 2^30 ms of virtual time
/// it starts again from 0, and `ticks_diff` still measures the step.
#[test]
fn ticks_ms_wraps_on_the_loop_clock() {
    let (before, after) = run_virtual(async {
        sleep_ms(u64::from(TICKS_MAX)).await;
        let before = time::ticks_ms();
        sleep_ms(3).await;
        (before, time::ticks_ms())
    });
    assert_eq!(before, TICKS_MAX);
    assert_eq!(after, 2);
    assert_eq!(ticks_diff(after, before), 3);
}

/// A getter that gives up leaves the queue's wait list; one that was
/// already handed the wake-up for an item and is then cancelled before it
/// runs passes that wake-up on, so the next getter receives the item.
#[test]
fn cancelled_queue_getters_do_not_swallow_items() {
    let got = run_virtual(async {
        let q = Rc::new(uasyncio::Queue::new(0));
        let (q1, q2, q3) = (q.clone(), q.clone(), q.clone());
        let timed_out = create_task(async move { uasyncio::wait_for_ms(q1.get(), 10).await });
        let notified_then_cancelled = create_task(async move { q2.get().await });
        let patient = create_task(async move { q3.get().await });
        sleep_ms(20).await;
        q.put_nowait("item").unwrap(); // wakes the first getter still waiting...
        notified_then_cancelled.cancel(); // ...which is cancelled before it runs
        (timed_out.await.unwrap(), notified_then_cancelled.await.unwrap_err().is_cancelled(), patient.await.unwrap())
    });
    assert_eq!(got, (Err(uasyncio::TimeoutError), true, "item"));
}

/// The default exception handler prints MicroPython's three parts to stderr:
/// the message, the task, the error. Checked by running this test binary
/// again as a child process and reading its stderr.
#[test]
fn the_default_exception_handler_prints_to_stderr() {
    if std::env::var_os("UASYNCIO_CHILD_DEFAULT_HANDLER").is_some() {
        let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
        event_loop.set_exception_handler(Some(Rc::new(|_, _| unreachable!())));
        event_loop.set_exception_handler(None); // restores the default
        event_loop.run_until_complete(async {
            uasyncio::create_task_named("blinker", async { panic!("LED burnt out") });
            sleep(1).await;
        });
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "the_default_exception_handler_prints_to_stderr", "--nocapture", "--test-threads=1"])
        .env("UASYNCIO_CHILD_DEFAULT_HANDLER", "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(output.status.success(), "child failed: {}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = "Task exception wasn't retrieved\nfuture: Task(blinker)\ntask panicked: LED burnt out\n";
    assert!(stderr.contains(report), "stderr was:\n{stderr}");
}
