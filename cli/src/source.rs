//! Where records come from: a file (read on a blocking thread), the Covage list, or Kojo
//! contacts fetched by id or email. Each source pushes what it reads through a core
//! [`Converter`], so validation, mapping and the rejects file are the same as `convert`'s.

use crate::covage::Covage;
use crate::files::{Input, Output};
use crate::kojo::Kojo;
use crate::sync::Failure;
use anyhow::Context;
use contactport_core::{Contact, Converter, Options, Position, Report};
use futures::StreamExt;
use std::io::Write;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Where a converter's output goes: records to a channel (import, migrate) or bytes to a file
/// (export). Rejected records go to the rejects file in both cases.
pub struct Feed {
    conv: Converter,
    out: Vec<u8>,
    rej: Vec<u8>,
    output: Option<Output>,
    rejects: Option<Output>,
    tx: Option<mpsc::Sender<(Position, Contact)>>,
    /// Where the report's entries go as they come, so memory stays flat.
    entries: crate::entries::Shared,
    /// The records bar, whose total this source sets (exact, or estimated from the bytes read
    /// so far and the file's size), and that size.
    total: Option<(indicatif::ProgressBar, Option<u64>)>,
    bytes: u64,
}

impl Feed {
    /// Records to `tx` (`opts.collect` is set here).
    pub fn records(
        mut opts: Options,
        tx: mpsc::Sender<(Position, Contact)>,
        rejects: Option<Output>,
        entries: crate::entries::Shared,
    ) -> Feed {
        opts.collect = true;
        Feed {
            conv: Converter::new(opts),
            out: vec![],
            rej: vec![],
            output: None,
            rejects,
            tx: Some(tx),
            entries,
            total: None,
            bytes: 0,
        }
    }

    /// Bytes to `output`.
    pub fn bytes(
        opts: Options,
        output: Output,
        rejects: Option<Output>,
        entries: crate::entries::Shared,
    ) -> Feed {
        Feed {
            conv: Converter::new(opts),
            out: vec![],
            rej: vec![],
            output: Some(output),
            rejects,
            tx: None,
            entries,
            total: None,
            bytes: 0,
        }
    }

    /// Sets the total on `bar`: records of a file of `size` bytes are estimated from those read
    /// so far; without a size, the total is what the source says ([`Feed::set_total`]).
    pub fn with_total(mut self, bar: indicatif::ProgressBar, size: Option<u64>) -> Feed {
        self.total = Some((bar, size));
        self
    }

    /// The total, when the source knows it (the Covage list's count, the ids given).
    pub fn set_total(&self, n: u64) {
        if let Some((bar, _)) = &self.total {
            bar.set_length(n);
        }
    }

    /// After a push of `n` bytes: the total estimated from the file's size.
    fn estimate(&mut self, n: usize) {
        self.bytes += n as u64;
        if let Some((bar, Some(size))) = &self.total {
            let r = self.conv.report();
            let sent = r.read.saturating_sub(r.rejected);
            if self.bytes > 0 && sent > 0 {
                let est = (sent as f64 * (*size as f64 / self.bytes as f64)).round() as u64;
                bar.set_length(est.max(sent));
            }
        }
    }

    /// The report so far.
    pub fn report(&self) -> &Report {
        self.conv.report()
    }

    /// Pushes input bytes; false when the receiving side has stopped.
    pub async fn push(&mut self, bytes: &[u8]) -> anyhow::Result<bool> {
        self.conv.push(bytes, &mut self.out, &mut self.rej)?;
        self.estimate(bytes.len());
        self.flush().await
    }

    /// Like [`Feed::push`], from a blocking thread.
    pub fn push_blocking(&mut self, bytes: &[u8]) -> anyhow::Result<bool> {
        self.conv.push(bytes, &mut self.out, &mut self.rej)?;
        self.estimate(bytes.len());
        self.write_bytes()?;
        for rec in self.conv.take_records() {
            if self
                .tx
                .as_ref()
                .expect("records feed")
                .blocking_send(rec)
                .is_err()
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Moves the converter's entries so far to the shared [`crate::entries::Entries`].
    fn drain_entries(&mut self) -> anyhow::Result<()> {
        let mut e = self.conv.take_entries();
        if !e.rejects.is_empty() || !e.warnings.is_empty() {
            self.entries
                .lock()
                .expect("entries lock")
                .take_from(&mut e)?;
        }
        Ok(())
    }

    fn write_bytes(&mut self) -> anyhow::Result<()> {
        self.drain_entries()?;
        if let Some(o) = self.output.as_mut() {
            o.write_all(&self.out)?;
        }
        if let Some(r) = self.rejects.as_mut() {
            r.write_all(&self.rej)?;
        }
        self.out.clear();
        self.rej.clear();
        Ok(())
    }

    async fn flush(&mut self) -> anyhow::Result<bool> {
        self.write_bytes()?;
        if let Some(tx) = &self.tx {
            for rec in self.conv.take_records() {
                if tx.send(rec).await.is_err() {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Ends the input: the last records sent, the files committed, the report.
    pub async fn finish(self) -> anyhow::Result<Report> {
        let (report, records, tx) = self.close();
        if let Some(tx) = tx {
            for rec in records {
                if tx.send(rec).await.is_err() {
                    break;
                }
            }
        }
        report
    }

    /// Like [`Feed::finish`], from a blocking thread. On failure (the input's end is broken),
    /// the records read before it are still sent, and the report so far comes with the error.
    pub fn finish_blocking(self) -> Result<Report, Box<(Report, anyhow::Error)>> {
        let so_far = self.conv.report().clone();
        let (report, records, tx) = self.close();
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
        self,
    ) -> (
        anyhow::Result<Report>,
        Vec<(Position, Contact)>,
        Option<mpsc::Sender<(Position, Contact)>>,
    ) {
        let Feed {
            mut conv,
            mut out,
            mut rej,
            output,
            rejects,
            tx,
            entries,
            total,
            bytes: _,
        } = self;
        // `finish` hands back the report with the entries still in the converter.
        let finished = conv.finish(&mut out, &mut rej).map(|mut report| {
            let taken = entries.lock().expect("entries lock").take_from(&mut report);
            (report, taken)
        });
        if let (Some((bar, _)), Ok((r, _))) = (&total, &finished) {
            // Now exact.
            bar.set_length(r.read.saturating_sub(r.rejected));
        }
        let finished = match finished {
            Ok((report, Ok(()))) => Ok(report),
            Ok((_, Err(e))) => Err(e),
            Err(e) => Err(e.into()),
        };
        let records = conv.take_records();
        let report = finished.and_then(|report| {
            if let Some(mut o) = output {
                o.write_all(&out)?;
                o.commit()?;
            }
            if let Some(mut r) = rejects {
                r.write_all(&rej)?;
                r.commit()?;
            }
            Ok(report)
        });
        (report, records, tx)
    }
}

/// Reads a file on a blocking thread into `feed`; returns the reading report, and the error
/// that stopped the reading, if one did (with the report of what was read before it, so the
/// records already written are still reported).
pub fn file(
    mut input: Input,
    mut feed: Feed,
    bar: indicatif::ProgressBar,
) -> tokio::task::JoinHandle<(Report, Option<anyhow::Error>)> {
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; 256 * 1024];
        let failed = loop {
            let n = match input.read_chunk(&mut buf) {
                Ok(0) => break None,
                Ok(n) => n,
                Err(e) => break Some(e),
            };
            bar.inc(n as u64);
            match feed
                .push_blocking(&buf[..n])
                .with_context(|| format!("in {}", input.name))
            {
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
                (so_far, Some(e.context(format!("in {}", input.name))))
            }
        }
    })
}

/// Streams the whole Covage list into `feed`, page by page.
pub async fn covage(client: Arc<Covage>, mut feed: Feed) -> anyhow::Result<Report> {
    let mut check = crate::covage::PageCheck::default();
    let mut page = client.first_page().await?;
    if let Some(n) = page.count {
        feed.set_total(n);
    } else if page.next.is_none() {
        feed.set_total(page.items.len() as u64);
    }
    loop {
        check.page(&page)?;
        for item in &page.items {
            let mut bytes = serde_json::to_vec(item)?;
            bytes.push(b'\n');
            if !feed.push(&bytes).await? {
                return feed.finish().await;
            }
        }
        match page.next {
            Some(u) => page = client.next_page(u).await?,
            None => break,
        }
    }
    feed.finish().await
}

/// Reads ids or emails (one a line; blank lines and `#` comments skipped).
pub fn read_ids(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect())
}

/// Fetches each Kojo contact (in order, `concurrency` at a time) into `feed`. Ids or emails
/// Kojo does not know are returned as failures.
pub async fn kojo(
    client: Arc<Kojo>,
    ids: Vec<String>,
    concurrency: usize,
    mut feed: Feed,
) -> anyhow::Result<(Report, Vec<Failure>)> {
    let mut failures = Vec::new();
    feed.set_total(ids.len() as u64);
    let mut fetched = futures::stream::iter(ids.into_iter().enumerate())
        .map(|(i, id)| {
            let client = client.clone();
            async move { (i, client.get_raw(&id).await, id) }
        })
        .buffered(concurrency.max(1));
    while let Some((i, res, id)) = fetched.next().await {
        let fail = |status, message: String, request_id| Failure {
            record: i as u64 + 1,
            line: i as u64 + 1,
            email: id.clone(),
            status,
            message,
            request_id,
        };
        match res {
            Ok(Some((_, bytes))) => {
                let mut b = bytes.to_vec();
                b.push(b'\n');
                if !feed.push(&b).await? {
                    break;
                }
            }
            Ok(None) => failures.push(fail(Some(404), format!("Kojo has no contact {id}"), None)),
            Err(e @ crate::error::Error::Auth { .. }) => return Err(e.into()),
            Err(e) => {
                let (s, m, r) = e.details();
                failures.push(fail(s, m, r));
            }
        }
    }
    Ok((feed.finish().await?, failures))
}
