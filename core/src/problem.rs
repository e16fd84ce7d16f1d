//! What is wrong with a record: one [`Problem`] per field and reason. A record with problems is
//! rejected (data, not an error): it goes to the rejects file and the report, and the run goes on.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One problem of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Canonical field name, or `record` for the record as a whole.
    pub field: Cow<'static, str>,
    /// Why, in words a user can act on.
    pub reason: Cow<'static, str>,
    /// The offending value as read (empty when missing).
    pub value: String,
}

impl Problem {
    /// A problem of `field`. A fixed reason costs no allocation: a file of foreign numbers
    /// warns on many of its rows.
    pub fn new(field: &'static str, reason: impl Into<Cow<'static, str>>, value: &str) -> Problem {
        Problem {
            field: Cow::Borrowed(field),
            reason: reason.into(),
            value: value.to_string(),
        }
    }
}

/// Where a record came from: its number among the input's records (1-based) and the source
/// line it starts on (1-based; for CSV the header is line 1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Record number, 1-based, header excluded.
    pub record: u64,
    /// Line the record starts on, 1-based.
    pub line: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "record {} (line {})", self.record, self.line)
    }
}

/// A report entry: one problem at one position (the report's `rejects` and `warnings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Record number.
    pub record: u64,
    /// Source line.
    pub line: u64,
    /// Field.
    pub field: Cow<'static, str>,
    /// Why.
    pub reason: Cow<'static, str>,
    /// Value.
    pub value: String,
}

impl Entry {
    /// The entry for `problem` at `pos`.
    pub fn new(pos: Position, problem: Problem) -> Entry {
        Entry {
            record: pos.record,
            line: pos.line,
            field: problem.field,
            reason: problem.reason,
            value: problem.value,
        }
    }
}

impl std::fmt::Display for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "record {} (line {}, field: {}): {}",
            self.record, self.line, self.field, self.reason
        )?;
        if !self.value.is_empty() {
            write!(f, " [value: {:?}]", self.value)?;
        }
        Ok(())
    }
}
