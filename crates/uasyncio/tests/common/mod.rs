//! Helpers shared by the integration tests (`mod common;` in each).
//!
//! - [`Log`]: the lines a scenario prints, for comparing whole transcripts;
//! - [`micropython`]: running the real MicroPython (the differential
//!   scenarios, and the twins that check the ported tests' expected lines);
//! - [`mp`]: the Rust spellings of Python idioms the ported tests use.

// Each test binary uses a part of these.
#![allow(dead_code)]

pub mod micropython;
pub mod mp;

use std::cell::RefCell;
use std::rc::Rc;

/// The transcript of a scenario: the lines it prints, in order.
#[derive(Clone, Default)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    /// Prints a line.
    pub fn p(&self, line: impl Into<String>) {
        self.0.borrow_mut().push(line.into());
    }

    /// The lines so far, leaving the transcript empty.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }

    /// A copy of the lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

/// Expected lines, as owned strings for `assert_eq!`.
pub fn lines(expected: &[&str]) -> Vec<String> {
    expected.iter().map(|s| s.to_string()).collect()
}
