//! The run's report: counts, dropped fields and every rejected record's problems.

use crate::problem::{Entry, Position, Problem};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a run's reject and warning entries go as they come, so memory stays flat whatever
/// the input: the CLI spills them to a temporary file, the page keeps the first thousand.
pub trait EntryStore {
    /// Moves `report`'s rejects and warnings in, leaving them empty, with the count of those
    /// it only counted ([`Report::omitted`]).
    fn keep(&mut self, report: &mut Report) -> std::io::Result<()>;
}

/// A report keeps every entry, in memory: for a whole input returned at once.
impl EntryStore for Report {
    fn keep(&mut self, report: &mut Report) -> std::io::Result<()> {
        self.rejects.append(&mut report.rejects);
        self.warnings.append(&mut report.warnings);
        self.omitted += std::mem::take(&mut report.omitted);
        Ok(())
    }
}

/// What a conversion or validation did. Serialised as the `--report` JSON:
/// `{"read","written","rejected","dropped_fields":{field:count},"rejects":[{"record","line","field","reason","value"}]}`
/// plus `warnings` and `unknown_columns`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Records read.
    pub read: u64,
    /// Records written (for `validate`: records that passed).
    pub written: u64,
    /// Records rejected.
    pub rejected: u64,
    /// For each field, how many values the mapping dropped or changed.
    pub dropped_fields: BTreeMap<String, u64>,
    /// One entry per problem of each rejected record.
    pub rejects: Vec<Entry>,
    /// Records that went through with something worth knowing (a one-word name, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Entry>,
    /// The input's encoding when it was guessed (a CSV that is not valid UTF-8, read as
    /// Windows-1252); absent when the input was UTF-8 or the encoding was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// How the CSV header was read, when it was not canonical: each column and the field it
    /// feeds (none: its values are dropped, counted in `dropped_fields`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mapping: Vec<ColumnUse>,
    /// Lines skipped before the header (LinkedIn's notes).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped_lines: u64,
    /// Input columns (or JSON keys) that map to no field, listed once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_columns: Vec<String>,
    /// A CSV without a header row whose columns were read in a known program's order
    /// (`Thunderbird`): its first line was a contact, read as one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headerless: Option<String>,
    /// Entries not made, only counted, past the first ones a caller asked for
    /// ([`crate::Options::entries`]). Not in the JSON: whoever asked adds them to its counts.
    #[serde(skip)]
    pub omitted: Omitted,
}

/// Report entries counted but not made, of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Omitted {
    /// Problems of rejected records.
    pub rejects: u64,
    /// Warnings.
    pub warnings: u64,
}

/// How many report entries of each kind a run makes, the first in input order, before it only
/// counts them ([`crate::Options::entries`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    /// Problems of rejected records.
    pub rejects: usize,
    /// Warnings.
    pub warnings: usize,
}

impl Room {
    /// Every entry.
    pub const ALL: Room = Room::each(usize::MAX);

    /// `n` of each kind.
    pub const fn each(n: usize) -> Room {
        Room {
            rejects: n,
            warnings: n,
        }
    }
}

impl Omitted {
    /// Both kinds.
    pub fn total(&self) -> u64 {
        self.rejects + self.warnings
    }
}

impl std::ops::AddAssign for Omitted {
    fn add_assign(&mut self, other: Omitted) {
        self.rejects += other.rejects;
        self.warnings += other.warnings;
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One column of a CSV header and the field it feeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnUse {
    /// The column's name as written.
    pub column: String,
    /// The canonical field, or none when the column is dropped.
    pub field: Option<String>,
}

impl Report {
    /// Counts one dropped or changed value of `field`.
    pub fn drop_field(&mut self, field: &str) {
        match self.dropped_fields.get_mut(field) {
            Some(n) => *n += 1,
            None => {
                self.dropped_fields.insert(field.to_string(), 1);
            }
        }
    }

    /// Records a rejected record and all its problems.
    pub fn reject(&mut self, pos: Position, problems: impl IntoIterator<Item = Problem>) {
        self.rejected += 1;
        self.rejects
            .extend(problems.into_iter().map(|p| Entry::new(pos, p)));
    }

    /// Records a warning.
    pub fn warn(&mut self, pos: Position, problem: Problem) {
        self.warnings.push(Entry::new(pos, problem));
    }

    /// Exit status: 0 when every record went through, 1 when some were rejected.
    pub fn exit_code(&self) -> i32 {
        if self.rejected > 0 {
            1
        } else {
            0
        }
    }

    /// One summary line: `read 40, written 38, rejected 2, dropped: mobile 3`.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "read {}, written {}, rejected {}",
            self.read, self.written, self.rejected
        );
        if !self.dropped_fields.is_empty() {
            s.push_str(", dropped:");
            for (i, (f, n)) in self.dropped_fields.iter().enumerate() {
                s.push_str(if i == 0 { " " } else { ", " });
                s.push_str(&format!("{f} {n}"));
            }
        }
        s
    }
}
