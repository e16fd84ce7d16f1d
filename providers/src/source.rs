//! Where records come from, pushed through core's [`Stream`] so validation, mapping and the
//! rejects file are the same as `convert`'s: a file (read on a blocking thread, [`file`]) or a
//! provider's contacts ([`crate::Provider::read`]). A [`Feed`] sends the records to the sync
//! engine, or writes them to an output file (an export).

use crate::error::Error;
use crate::provider::{Event, Events};
use contactport_core::{Contact, EntryStore, Options, Position, Report, Stream};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// A record and where it came from.
pub type Record = (Position, Contact);

/// An output file that takes its name only once complete (the CLI writes beside the name and
/// renames).
pub trait Destination: Write + Send {
    /// Flushes and gives the file its name.
    fn commit(self: Box<Self>) -> std::io::Result<()>;
}

/// What is not asked for (no output file: records go to the engine; no rejects file).
struct Discard;

impl Write for Discard {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Destination for Discard {
    fn commit(self: Box<Self>) -> std::io::Result<()> {
        Ok(())
    }
}

/// What reading a provider's contacts did ([`crate::Provider::read`]): the reading report, the
/// contacts that could not be fetched, and the error that stopped the reading, if one did. The
/// report then holds what was read before it: those records were sent, and the rejects file
/// is written, so a run that breaks off still reports what it did.
#[derive(Debug)]
pub struct Reading {
    /// Read, rejected, dropped fields.
    pub report: Report,
    /// Contacts named (`--ids`) that could not be fetched.
    pub failures: Vec<crate::sync::Failure>,
    /// What stopped the reading before the end.
    pub error: Option<Error>,
}

/// Where a converter's output goes: records to a channel (import, migrate) or bytes to a file
/// (export). Rejected records go to the rejects file in both cases; the report's entries go to
/// an [`EntryStore`] as they come, so memory stays flat.
pub struct Feed {
    stream: Stream,
    output: Box<dyn Destination>,
    rejects: Box<dyn Destination>,
    tx: Option<mpsc::Sender<Record>>,
    entries: Arc<Mutex<dyn EntryStore + Send>>,
    /// Where the total goes (exact, or estimated from the bytes read so far and the size).
    events: Option<(Events, Option<u64>)>,
    bytes: u64,
    name: String,
}

impl Feed {
    /// Records to `tx` (`opts.collect` is set here).
    pub fn records(
        mut opts: Options,
        tx: mpsc::Sender<Record>,
        rejects: Option<Box<dyn Destination>>,
        entries: Arc<Mutex<dyn EntryStore + Send>>,
    ) -> Feed {
        opts.collect = true;
        Feed::new(opts, None, rejects, Some(tx), entries)
    }

    /// Bytes to `output`.
    pub fn bytes(
        opts: Options,
        output: Box<dyn Destination>,
        rejects: Option<Box<dyn Destination>>,
        entries: Arc<Mutex<dyn EntryStore + Send>>,
    ) -> Feed {
        Feed::new(opts, Some(output), rejects, None, entries)
    }

    fn new(
        opts: Options,
        output: Option<Box<dyn Destination>>,
        rejects: Option<Box<dyn Destination>>,
        tx: Option<mpsc::Sender<Record>>,
        entries: Arc<Mutex<dyn EntryStore + Send>>,
    ) -> Feed {
        let or_discard = |d: Option<Box<dyn Destination>>| d.unwrap_or_else(|| Box::new(Discard));
        Feed {
            stream: Stream::new(opts),
            output: or_discard(output),
            rejects: or_discard(rejects),
            tx,
            entries,
            events: None,
            bytes: 0,
            name: String::new(),
        }
    }

    /// Sends [`Event::Total`] to `events`: for an input of `size` bytes, estimated from the
    /// records read so far; without a size, what the source says ([`Feed::set_total`]).
    pub fn with_total(mut self, events: Events, size: Option<u64>) -> Feed {
        self.events = Some((events, size));
        self
    }

    /// Names the input in error messages (`in contacts.csv: …`).
    pub fn named(mut self, name: &str) -> Feed {
        self.name = name.to_string();
        self
    }

    /// The total, when the source knows it (the Covage list's count, the ids given).
    pub fn set_total(&self, n: u64) {
        if let Some((events, _)) = &self.events {
            events(Event::Total(n));
        }
    }

    /// After a push of `n` bytes: the total estimated from the input's size.
    fn estimate(&mut self, n: usize) {
        self.bytes += n as u64;
        if let Some((events, Some(size))) = &self.events {
            let r = self.stream.report();
            let sent = r.read.saturating_sub(r.rejected);
            if self.bytes > 0 && sent > 0 {
                let est = (sent as f64 * (*size as f64 / self.bytes as f64)).round() as u64;
                events(Event::Total(est.max(sent)));
            }
        }
    }

    /// The report so far.
    pub fn report(&self) -> &Report {
        self.stream.report()
    }

    /// Converts `bytes`: output, rejects and report entries go out as they come.
    fn convert(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let mut entries = self.entries.lock().expect("entries lock");
        let (out, rejects) = (&mut *self.output, &mut *self.rejects);
        let pushed = self.stream.push(bytes, out, rejects, &mut *entries);
        drop(entries);
        pushed.map_err(|e| self.error(e))?;
        self.estimate(bytes.len());
        Ok(())
    }

    /// Core's failure as this crate's: a write's, or the input's.
    fn error(&self, e: contactport_core::Error) -> Error {
        match e {
            contactport_core::Error::Write(io) => Error::io("cannot write output", io),
            source => Error::Read {
                input: self.name.clone(),
                source,
            },
        }
    }

    /// Pushes input bytes; false when the receiving side has stopped.
    pub async fn push(&mut self, bytes: &[u8]) -> Result<bool, Error> {
        self.convert(bytes)?;
        if let Some(tx) = &self.tx {
            for rec in self.stream.converter().take_records() {
                if tx.send(rec).await.is_err() {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Pushes one JSON element as the provider sent it, on a line of its own: its newlines are
    /// whitespace between tokens (JSON strings cannot hold one raw), so each contact is one
    /// line of the input core reads, and a reject's line is its contact's number.
    pub async fn push_element(&mut self, json: &[u8]) -> Result<bool, Error> {
        let mut line: Vec<u8> = json
            .iter()
            .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
            .collect();
        line.push(b'\n');
        self.push(&line).await
    }

    /// Like [`Feed::push`], from a blocking thread.
    fn push_blocking(&mut self, bytes: &[u8]) -> Result<bool, Error> {
        self.convert(bytes)?;
        if let Some(tx) = &self.tx {
            for rec in self.stream.converter().take_records() {
                if tx.blocking_send(rec).is_err() {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Ends the input: the last records sent, the files committed, the report.
    pub async fn finish(self) -> Result<Report, Error> {
        let (report, records, tx) = self.close(true);
        if let Some(tx) = tx {
            for rec in records {
                if tx.send(rec).await.is_err() {
                    break;
                }
            }
        }
        report
    }

    /// Ends a provider's reading: [`Feed::finish`] when `read` went to the end, else what was
    /// read before the failure (its records sent, its rejects file written; an output file
    /// is not committed: it would be a partial export under the final name).
    pub async fn end(
        self,
        read: Result<(), Error>,
        failures: Vec<crate::sync::Failure>,
    ) -> Reading {
        let error = match read {
            Ok(()) => {
                let so_far = self.stream.report().clone();
                return match self.finish().await {
                    Ok(report) => Reading {
                        report,
                        failures,
                        error: None,
                    },
                    Err(e) => Reading {
                        report: so_far,
                        failures,
                        error: Some(e),
                    },
                };
            }
            Err(e) => e,
        };
        // What was pushed are whole contacts: the converter reads them to the end (it may
        // still hold them, waiting to see more of the input), its records are sent and the
        // rejects file is written; the output is not.
        let so_far = self.stream.report().clone();
        let (report, records, tx) = self.close(false);
        if let Some(tx) = tx {
            for rec in records {
                if tx.send(rec).await.is_err() {
                    break;
                }
            }
        }
        Reading {
            report: report.unwrap_or(so_far),
            failures,
            error: Some(error),
        }
    }

    /// Like [`Feed::finish`], from a blocking thread. On failure (the input's end is broken),
    /// the records read before it are still sent, and the report so far comes with the error.
    fn finish_blocking(self) -> Result<Report, Box<(Report, Error)>> {
        let so_far = self.stream.report().clone();
        let (report, records, tx) = self.close(true);
        if let Some(tx) = tx {
            for rec in records {
                if tx.blocking_send(rec).is_err() {
                    break;
                }
            }
        }
        report.map_err(|e| Box::new((so_far, e)))
    }

    /// Ends the converter, writes and commits the files; returns what is left to send (the
    /// records read before a failure too).
    #[allow(clippy::type_complexity)]
    fn close(
        mut self,
        commit_output: bool,
    ) -> (
        Result<Report, Error>,
        Vec<Record>,
        Option<mpsc::Sender<Record>>,
    ) {
        let mut entries = self.entries.lock().expect("entries lock");
        let (out, rejects) = (&mut *self.output, &mut *self.rejects);
        let finished = self.stream.finish(out, rejects, &mut *entries);
        drop(entries);
        let finished = finished.map_err(|e| self.error(e));
        if let (Some((events, _)), Ok(r)) = (&self.events, &finished) {
            // Now exact.
            events(Event::Total(r.read.saturating_sub(r.rejected)));
        }
        let records = self.stream.converter().take_records();
        let Feed {
            output,
            rejects,
            tx,
            ..
        } = self;
        let report = finished.and_then(|report| {
            if commit_output {
                output
                    .commit()
                    .map_err(|e| Error::io("cannot write output", e))?;
            }
            rejects
                .commit()
                .map_err(|e| Error::io("cannot write rejects", e))?;
            Ok(report)
        });
        (report, records, tx)
    }
}

/// Reads `input` on a blocking thread into `feed`; returns the reading report, and the error
/// that stopped the reading, if one did (with the report of what was read before it, so the
/// records already written are still reported).
pub fn file(
    mut input: Box<dyn Read + Send>,
    name: String,
    feed: Feed,
) -> tokio::task::JoinHandle<(Report, Option<Error>)> {
    let mut feed = feed.named(&name);
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; 256 * 1024];
        let failed = loop {
            let n = match input.read(&mut buf) {
                Ok(0) => break None,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => break Some(Error::io(format!("cannot read {name}"), e)),
            };
            match feed.push_blocking(&buf[..n]) {
                Ok(true) => {}
                Ok(false) => break None,
                Err(e) => break Some(e),
            }
        };
        if let Some(e) = failed {
            return (feed.report().clone(), Some(e));
        }
        match feed.finish_blocking() {
            Ok(r) => (r, None),
            Err(failed) => {
                let (so_far, e) = *failed;
                (so_far, Some(e))
            }
        }
    })
}
