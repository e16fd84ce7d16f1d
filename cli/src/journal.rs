//! The journal (`--journal FILE`): one JSON line per finished record, fsync'd, so a re-run after
//! a crash or a kill -9 skips what is done. Writes are group-committed by one thread: every line
//! waiting is written, one fsync covers them all, then their writers go on.
//!
//! A torn last line (the kill came mid-write) is cut off when the journal is opened.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::Path;
use tokio::sync::{mpsc, oneshot};

/// One finished record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Line {
    /// Provider written to (`covage` or `kojo`).
    pub target: String,
    /// The contact's email, lower-cased (the upsert key).
    pub email: String,
    /// created, updated, unchanged, skipped.
    pub outcome: String,
    /// The provider's id for the contact.
    #[serde(default)]
    pub id: String,
}

type Job = (Line, oneshot::Sender<std::io::Result<()>>);

/// An open journal.
pub struct Journal {
    done: HashSet<String>,
    tx: mpsc::UnboundedSender<Job>,
}

impl Journal {
    /// Opens (or creates) the journal at `path`, keeping what it says is done for `target`.
    pub fn open(path: &Path, target: &str) -> anyhow::Result<Journal> {
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open journal {}", path.display()))?;
        let mut done = HashSet::new();
        let mut good_len = 0u64;
        {
            let mut reader = BufReader::new(&file);
            let mut buf = String::new();
            loop {
                buf.clear();
                let n = reader.read_line(&mut buf).context("cannot read journal")?;
                if n == 0 || !buf.ends_with('\n') {
                    break;
                }
                match serde_json::from_str::<Line>(&buf) {
                    Ok(l) => {
                        if l.target == target {
                            done.insert(l.email);
                        }
                        good_len += n as u64;
                    }
                    Err(_) => break,
                }
            }
        }
        let len = file.metadata()?.len();
        if len != good_len {
            // The rest is a torn or garbled tail: cut it so new lines start clean.
            file.set_len(good_len).context("cannot repair journal")?;
            file.seek(SeekFrom::End(0))?;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        std::thread::spawn(move || writer(file, rx));
        Ok(Journal { done, tx })
    }

    /// True when `email` (lower-cased) was finished by an earlier run.
    pub fn is_done(&self, email: &str) -> bool {
        self.done.contains(email)
    }

    /// How many records earlier runs finished.
    pub fn len(&self) -> usize {
        self.done.len()
    }

    /// True when no earlier run finished anything.
    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }

    /// Appends a line; returns once it is on disk.
    pub async fn record(&self, line: Line) -> anyhow::Result<()> {
        let (ack, wait) = oneshot::channel();
        self.tx
            .send((line, ack))
            .map_err(|_| anyhow::anyhow!("journal writer stopped"))?;
        wait.await
            .map_err(|_| anyhow::anyhow!("journal writer stopped"))?
            .context("cannot write journal")
    }
}

fn writer(mut file: File, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut buf = Vec::new();
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        buf.clear();
        for (line, _) in &batch {
            serde_json::to_writer(&mut buf, line).expect("json");
            buf.push(b'\n');
        }
        let res = file.write_all(&buf).and_then(|_| file.sync_data());
        for (_, ack) in batch {
            let _ = ack.send(match &res {
                Ok(()) => Ok(()),
                Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(email: &str) -> Line {
        Line {
            target: "kojo".into(),
            email: email.into(),
            outcome: "created".into(),
            id: "k1".into(),
        }
    }

    #[tokio::test]
    async fn lines_survive_reopening_and_a_torn_tail_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.ndjson");
        {
            let j = Journal::open(&p, "kojo").unwrap();
            j.record(line("a@x.fr")).await.unwrap();
            j.record(line("b@x.fr")).await.unwrap();
        }
        // A kill mid-write leaves half a line.
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"target\":\"kojo\",\"email\":\"c@x")
            .unwrap();
        drop(f);
        let j = Journal::open(&p, "kojo").unwrap();
        assert!(j.is_done("a@x.fr") && j.is_done("b@x.fr") && !j.is_done("c@x.fr"));
        j.record(line("c@x.fr")).await.unwrap();
        drop(j);
        let j = Journal::open(&p, "kojo").unwrap();
        assert_eq!(j.len(), 3);
        // Another target's lines do not count.
        assert!(Journal::open(&p, "covage").unwrap().is_empty());
    }
}
