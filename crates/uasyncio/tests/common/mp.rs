//! Helpers for the ports of MicroPython's own asyncio test suite (`tests/extmod/asyncio_*.py`), restated
//! as Rust scenarios.
//!
//! Each `#[test]` is named after the MicroPython test it ports. The scenario is
//! rewritten in Rust (never copied); the lines each test collects are the lines
//! MicroPython 1.29 prints for the same scenario, so a test compares the whole
//! printed transcript at once. Where Rust semantics force a difference (a
//! cancelled Rust future cannot catch its cancellation, a typed task handle has
//! one owner, ...) the test says so and CONFORMANCE.md at the workspace root
//! lists what was left out and why.
//!
//! Rust spellings of Python idioms used throughout:
//! - `except CancelledError: print(...); raise` is an [`OnCancel`] guard: it
//!   prints when the future is dropped (cancelled) before it was disarmed;
//! - a raised `ValueError` is a panic whose message is the exception's repr,
//!   and awaiting the task gives `Err(TaskError::Panicked(repr))`;
//! - time is virtual (`run_virtual`), so sleeps take no wall-clock time and
//!   measured durations are exact.
//!
//! Every expected transcript is also checked against the real MicroPython:
//! `tests/mp_twins/<test>.py` is our own Python statement of the same
//! scenario (never the upstream file), and [`check_twin`] runs it and
//! compares what it prints with the Rust test's expected lines.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use uasyncio::{EventLoop, ExceptionContext, ExceptionHandler, Task, TaskError, run_virtual};

use super::Log;
#[allow(unused_imports)]
pub use super::micropython::check_twin;

/// Python's `print(bool)`.
pub fn py(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// Python's `repr()` of the exception a failed task raised.
pub fn repr(e: &TaskError) -> String {
    match e {
        TaskError::Cancelled => "CancelledError()".to_string(),
        TaskError::Panicked(msg) => msg.clone(),
    }
}

/// The outcome of an awaited task as Python would print it in a list:
/// the value, or the exception's repr.
pub fn show<T: std::fmt::Display>(r: &Result<T, TaskError>) -> String {
    match r {
        Ok(v) => v.to_string(),
        Err(e) => repr(e),
    }
}

/// MicroPython's `await task` re-raises the task's exception in the awaiting
/// coroutine; a `Task<T>` gives the failure as a value instead. This turns it
/// back into a failure of the awaiting future, so that `gather` over tasks
/// fails fast on it as MicroPython's does.
pub async fn reraise<T>(task: Task<T>) -> T {
    match task.await {
        Ok(v) => v,
        Err(e) => panic!("{}", repr(&e)),
    }
}

/// The message of a panic caught with `catch_unwind`.
pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic>".to_string()
    }
}

/// Runs `fut` on a fresh virtual-clock loop; a panic escaping `run` (an
/// exception escaping `asyncio.run`) comes back as its message.
pub fn run_catching<F: Future + 'static>(fut: F) -> Result<F::Output, String> {
    catch_unwind(AssertUnwindSafe(|| run_virtual(fut))).map_err(panic_message)
}

/// `try: ... except CancelledError: print(line)`: logs `line` when dropped
/// before [`OnCancel::disarm`], i.e. when the future holding it is cancelled.
pub struct OnCancel {
    log: Log,
    line: Option<String>,
}

impl OnCancel {
    pub fn new(log: &Log, line: impl Into<String>) -> Self {
        Self { log: log.clone(), line: Some(line.into()) }
    }

    /// The guarded block finished normally.
    pub fn disarm(mut self) {
        self.line = None;
    }
}

impl Drop for OnCancel {
    fn drop(&mut self) {
        if let Some(line) = self.line.take() {
            self.log.p(line);
        }
    }
}

/// An exception handler that drops every report (MicroPython's tests install
/// one to keep "Task exception wasn't retrieved" out of their output).
pub fn silent_handler() -> ExceptionHandler {
    Rc::new(|_: &EventLoop, _: &ExceptionContext| {})
}

/// Python's `round(ms, -2)` for the durations of the timing tests.
pub fn round100(ms: i32) -> i32 {
    (ms + 50).div_euclid(100) * 100
}

/// `async def delay_print(t, s): await asyncio.sleep(t); print(s)`.
pub async fn delay_print(log: &Log, secs: f64, s: &str) {
    uasyncio::sleep(secs).await;
    log.p(s);
}

/// Asserts a ported test printed `expected`, line for line, and that the
/// real MicroPython prints the same lines for the test's Python twin
/// (`tests/mp_twins/<name>.py`, see [`check_twin`]).
pub fn assert_printed(name: &str, printed: Vec<String>, expected: &[&str]) {
    let expected = super::lines(expected);
    assert_eq!(printed, expected, "{name}: what the Rust scenario printed");
    check_twin(name, &expected);
}
