//! A conversion's reject and warning entries, kept out of memory so it stays flat whatever the
//! input: the first few stay for the terminal, every one goes to an anonymous temporary file
//! (removed by the system even after a kill) when a report or a full listing will read them
//! back, in order.

use crate::shown::shown;
use anyhow::Context;
use contactport_core::{Entry, EntryStore, Report, Room};
use serde::ser::{Error as _, SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use std::cell::RefCell;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};
use std::path::Path;

/// Entries kept in memory for the terminal, of each kind.
const SHOWN: usize = 20;

/// One kind of entry (rejects or warnings).
#[derive(Default)]
struct Kind {
    shown: Vec<Entry>,
    count: u64,
    spill: Option<BufWriter<File>>,
}

impl Kind {
    fn add(&mut self, entries: Vec<Entry>) -> std::io::Result<()> {
        for e in entries {
            if let Some(w) = self.spill.as_mut() {
                serde_json::to_writer(&mut *w, &e)?;
                w.write_all(b"\n")?;
            }
            if self.shown.len() < SHOWN {
                self.shown.push(e);
            }
            self.count += 1;
        }
        Ok(())
    }

    /// Every entry, in order: read back from the spill, or the ones in memory (all of them
    /// when there is no spill and no more came).
    fn all(&mut self) -> anyhow::Result<Box<dyn Iterator<Item = anyhow::Result<Entry>>>> {
        let Some(w) = self.spill.as_mut() else {
            anyhow::ensure!(
                self.count == self.shown.len() as u64,
                "report entries were not kept"
            );
            return Ok(Box::new(self.shown.clone().into_iter().map(Ok)));
        };
        w.flush().context("cannot spill report entries")?;
        let mut f = w
            .get_ref()
            .try_clone()
            .context("cannot read spilled entries")?;
        f.rewind().context("cannot read spilled entries")?;
        Ok(Box::new(BufReader::new(f).lines().map(|l| {
            let l = l.context("cannot read spilled entries")?;
            serde_json::from_str(&l).context("cannot read spilled entries")
        })))
    }
}

impl EntryStore for Entries {
    fn keep(&mut self, report: &mut Report) -> std::io::Result<()> {
        self.rejects.add(std::mem::take(&mut report.rejects))?;
        self.warnings.add(std::mem::take(&mut report.warnings))?;
        // Those core only counted (past `Options::entries`).
        let omitted = std::mem::take(&mut report.omitted);
        self.rejects.count += omitted.rejects;
        self.warnings.count += omitted.warnings;
        Ok(())
    }
}

/// Entries shared between a source's reading thread and the command that writes the report.
pub type Shared = std::sync::Arc<std::sync::Mutex<Entries>>;

/// Reject and warning entries of one run.
pub struct Entries {
    rejects: Kind,
    warnings: Kind,
}

impl Entries {
    /// `keep_all`: every entry will be read back (a report, a full listing), so they are
    /// spilled to a temporary file; otherwise only the first few are kept.
    pub fn new(keep_all: bool) -> anyhow::Result<Entries> {
        let spill = || -> anyhow::Result<Option<BufWriter<File>>> {
            Ok(if keep_all {
                let f = tempfile::tempfile().context("cannot create a temporary file")?;
                Some(BufWriter::new(f))
            } else {
                None
            })
        };
        Ok(Entries {
            rejects: Kind {
                spill: spill()?,
                ..Kind::default()
            },
            warnings: Kind {
                spill: spill()?,
                ..Kind::default()
            },
        })
    }

    /// The entries of each kind core must make (its `Options::entries`): only the first few
    /// when nothing reads them all back, every one otherwise.
    pub fn needed(&self) -> Room {
        match self.rejects.spill {
            Some(_) => Room::ALL,
            None => Room::each(SHOWN),
        }
    }

    /// Takes `report`'s entries (in input order, after those already taken).
    pub fn take_from(&mut self, report: &mut Report) -> anyhow::Result<()> {
        self.keep(report).context("cannot spill report entries")
    }

    /// Prints the first `limit` problems on stderr, then how many more there are.
    pub fn list(&mut self, report: &Report, limit: usize) -> anyhow::Result<()> {
        let keep_all = self.rejects.spill.is_some();
        // One write per buffer, not per line: a list can hold a line for every record.
        let mut err = std::io::BufWriter::with_capacity(64 * 1024, std::io::stderr().lock());
        for (kind, label) in [
            (&mut self.rejects, "rejected"),
            (&mut self.warnings, "warning"),
        ] {
            let listed: Box<dyn Iterator<Item = anyhow::Result<Entry>>> = if keep_all {
                kind.all()?
            } else {
                Box::new(kind.shown.clone().into_iter().map(Ok))
            };
            for e in listed.take(limit) {
                writeln!(err, "{label}: {}", shown(&e?.to_string()))?;
            }
            if label == "rejected" && kind.count > limit as u64 {
                writeln!(
                    err,
                    "… and {} more problems (see --report)",
                    kind.count - limit as u64
                )?;
            }
        }
        err.flush()?;
        drop(err);
        if let Some(e) = &report.encoding {
            eprintln!(
                "warning: the input was read as {}; give --encoding to choose",
                shown(e)
            );
        }
        if let Some(program) = &report.headerless {
            eprintln!(
                "note: the file has no header row; its columns were read in {program}'s export order"
            );
        }
        if report.skipped_lines > 0 {
            eprintln!(
                "note: {} line(s) before the header skipped",
                report.skipped_lines
            );
        }
        if !report.mapping.is_empty() {
            let read: Vec<String> = report
                .mapping
                .iter()
                .filter_map(|m| m.field.as_ref().map(|f| format!("{} → {f}", m.column)))
                .collect();
            let dropped: Vec<&str> = report
                .mapping
                .iter()
                .filter(|m| m.field.is_none() && !m.column.is_empty())
                .map(|m| m.column.as_str())
                .collect();
            eprintln!("columns: {}", shown(&read.join(", ")));
            if !dropped.is_empty() {
                eprintln!(
                    "columns not read (values counted as dropped; --map to read them): {}",
                    shown(&dropped.join(", "))
                );
            }
        } else if !report.unknown_columns.is_empty() {
            eprintln!(
                "warning: unknown columns ignored (values counted as dropped): {}",
                shown(&report.unknown_columns.join(", "))
            );
        }
        Ok(())
    }

    /// Shared between threads.
    pub fn shared(self) -> Shared {
        std::sync::Arc::new(std::sync::Mutex::new(self))
    }

    /// Writes `fields` (a report serialised without its entries: an import's or an export's)
    /// as the `--report` JSON, `rejects` and `warnings` streamed back from the spill.
    pub fn write_merged(&mut self, path: &Path, fields: serde_json::Value) -> anyhow::Result<()> {
        let merged = Merged {
            fields,
            rejects: RefCell::new(Some(self.rejects.all()?)),
            warnings: RefCell::new(Some(self.warnings.all()?)),
            any_warnings: self.warnings.count > 0,
        };
        crate::files::write_json(path, &merged)
    }

    /// Writes `report` with every entry as the `--report` JSON, the entries streamed back
    /// from the spill.
    pub fn write_report(&mut self, path: &Path, report: &Report) -> anyhow::Result<()> {
        let full = WholeReport {
            report,
            rejects: RefCell::new(Some(self.rejects.all()?)),
            warnings: RefCell::new(Some(self.warnings.all()?)),
            any_warnings: self.warnings.count > 0,
        };
        crate::files::write_json(path, &full)
    }
}

type Stream = Box<dyn Iterator<Item = anyhow::Result<Entry>>>;

/// A [`Report`] as serde writes it, entries read as they are written.
struct WholeReport<'a> {
    report: &'a Report,
    rejects: RefCell<Option<Stream>>,
    warnings: RefCell<Option<Stream>>,
    any_warnings: bool,
}

/// A stream of entries serialised as a sequence, once.
struct EntryList<'a>(&'a RefCell<Option<Stream>>);

impl Serialize for EntryList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let stream = self
            .0
            .borrow_mut()
            .take()
            .ok_or_else(|| S::Error::custom("read twice"))?;
        let failed = RefCell::new(None);
        let entries = stream.map_while(|e| match e {
            Ok(e) => Some(e),
            Err(err) => {
                *failed.borrow_mut() = Some(err);
                None
            }
        });
        let ok = s.collect_seq(entries)?;
        match failed.into_inner() {
            Some(err) => Err(S::Error::custom(format!("{err:#}"))),
            None => Ok(ok),
        }
    }
}

/// A report's fields with the entries put in, streamed.
struct Merged {
    fields: serde_json::Value,
    rejects: RefCell<Option<Stream>>,
    warnings: RefCell<Option<Stream>>,
    any_warnings: bool,
}

impl Serialize for Merged {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let empty = serde_json::Map::new();
        let fields = self.fields.as_object().unwrap_or(&empty);
        let mut m = s.serialize_map(None)?;
        for (k, v) in fields {
            match k.as_str() {
                "rejects" => {
                    m.serialize_entry("rejects", &EntryList(&self.rejects))?;
                    if self.any_warnings {
                        m.serialize_entry("warnings", &EntryList(&self.warnings))?;
                    }
                }
                "warnings" => {}
                _ => m.serialize_entry(k, v)?,
            }
        }
        m.end()
    }
}

impl Serialize for WholeReport<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Field for field as `Report` derives it.
        let r = self.report;
        let mut st = s.serialize_struct("Report", 7)?;
        st.serialize_field("read", &r.read)?;
        st.serialize_field("written", &r.written)?;
        st.serialize_field("rejected", &r.rejected)?;
        st.serialize_field("dropped_fields", &r.dropped_fields)?;
        st.serialize_field("rejects", &EntryList(&self.rejects))?;
        if self.any_warnings {
            st.serialize_field("warnings", &EntryList(&self.warnings))?;
        }
        if let Some(e) = &r.encoding {
            st.serialize_field("encoding", e)?;
        }
        if !r.mapping.is_empty() {
            st.serialize_field("mapping", &r.mapping)?;
        }
        if r.skipped_lines > 0 {
            st.serialize_field("skipped_lines", &r.skipped_lines)?;
        }
        if !r.unknown_columns.is_empty() {
            st.serialize_field("unknown_columns", &r.unknown_columns)?;
        }
        if let Some(h) = &r.headerless {
            st.serialize_field("headerless", h)?;
        }
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contactport_core::{Position, Problem};

    fn report(n: u64) -> Report {
        let mut r = Report::default();
        for i in 0..n {
            let pos = Position {
                record: i + 1,
                line: i + 2,
            };
            r.reject(
                pos,
                [Problem::new("email", "not a valid email address", "x@")],
            );
            if i % 3 == 0 {
                r.warn(pos, Problem::new("display_name", "one-word name", "Cher"));
            }
        }
        r.read = n;
        r.encoding = Some("windows-1252 (guessed)".into());
        r.unknown_columns = vec!["fax".into()];
        r
    }

    #[test]
    fn the_report_file_is_the_report_as_serde_writes_it() {
        let dir = tempfile::tempdir().unwrap();
        let whole = report(100);
        let mut entries = Entries::new(true).unwrap();
        // Taken in three parts, as chunks or pushes would hand them over.
        for part in [0..30, 30..31, 31..100] {
            let mut r = Report {
                rejects: whole.rejects[part.clone()].to_vec(),
                warnings: whole
                    .warnings
                    .iter()
                    .filter(|w| part.contains(&(w.record as usize - 1)))
                    .cloned()
                    .collect(),
                ..Report::default()
            };
            entries.take_from(&mut r).unwrap();
            assert!(r.rejects.is_empty() && r.warnings.is_empty());
        }
        let counts = Report {
            rejects: vec![],
            warnings: vec![],
            ..whole.clone()
        };
        let path = dir.path().join("r.json");
        entries.write_report(&path, &counts).unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            written,
            serde_json::to_string_pretty(&whole).unwrap() + "\n"
        );
        assert_eq!(entries.rejects.count, 100);
        assert_eq!(entries.rejects.shown.len(), SHOWN);
        // Written twice (a second report path), the same again.
        entries.write_report(&path, &counts).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    }

    #[test]
    fn without_a_report_only_the_first_are_kept() {
        let mut entries = Entries::new(false).unwrap();
        entries.take_from(&mut report(10_000)).unwrap();
        assert_eq!(entries.rejects.count, 10_000);
        assert_eq!(entries.rejects.shown.len(), SHOWN);
        assert!(entries.rejects.all().is_err(), "cannot pretend to list all");
    }
}
