//! How a task ended without a value: its outcome type, kept in its cell.

use alloc::string::String;
use core::fmt;

/// Why a task produced no value.
#[derive(Clone, PartialEq, Eq)]
pub enum TaskError {
    /// The task was cancelled (MicroPython's `CancelledError`).
    Cancelled,
    /// The task panicked (MicroPython: an exception escaped the coroutine);
    /// holds the panic message.
    Panicked(String),
}

impl TaskError {
    /// True for [`TaskError::Cancelled`].
    ///
    /// ```
    /// assert!(uasyncio::TaskError::Cancelled.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TaskError::Cancelled)
    }

    /// True for [`TaskError::Panicked`].
    ///
    /// ```
    /// assert!(uasyncio::TaskError::Panicked("boom".into()).is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskError::Panicked(_))
    }
}

/// As derived for messages of printable characters: `Cancelled`,
/// `Panicked("boom")`. Written by hand because the derived form escapes the
/// message with `str`'s `Debug`, which links Unicode tables and escaping code
/// (about 8 KB on a Cortex-M) into every firmware that unwraps a task's
/// result; here only `"`, `\`, and the newline, return and tab are escaped.
///
/// ```
/// use uasyncio::TaskError;
/// assert_eq!(format!("{:?}", TaskError::Cancelled), "Cancelled");
/// let error = TaskError::Panicked("say \"hi\"\n".into());
/// assert_eq!(format!("{error:?}"), r#"Panicked("say \"hi\"\n")"#);
/// ```
impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        match self {
            TaskError::Cancelled => f.write_str("Cancelled"),
            TaskError::Panicked(message) => {
                f.write_str("Panicked(\"")?;
                for c in message.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\r' => f.write_str("\\r")?,
                        '\t' => f.write_str("\\t")?,
                        c => f.write_char(c)?,
                    }
                }
                f.write_str("\")")
            }
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => f.write_str("task was cancelled"),
            TaskError::Panicked(message) => write!(f, "task panicked: {message}"),
        }
    }
}

impl core::error::Error for TaskError {}
