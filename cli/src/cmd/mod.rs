//! One module per command.

pub mod convert;
pub mod docs;
pub mod validate;

use crate::entries::Entries;
use crate::files::Input;
use anyhow::Context;
use contactport_core::{Options, Report, Stream};
use indicatif::ProgressBar;
use std::io::Write;

/// Converts `input` into `out` and `rejects`, moving the bar: on `threads` threads when core's
/// plan allows, else through one [`Stream`]. The report's entries go to `entries` as they come, so
/// memory stays flat.
pub fn convert_input(
    input: Input,
    opts: Options,
    threads: usize,
    out: &mut dyn Write,
    rejects: &mut dyn Write,
    entries: &mut Entries,
    bar: &ProgressBar,
) -> anyhow::Result<Report> {
    let name = input.name.clone();
    let parallel = crate::parallel::convert(input, &opts, threads, out, rejects, entries, bar)
        .with_context(|| format!("in {name}"))?;
    let mut input = match parallel {
        Ok(report) => {
            bar.finish_and_clear();
            return Ok(report);
        }
        Err(input) => input,
    };
    let mut stream = Stream::new(opts);
    // A failure to write is the output's (a closed pipe), not the input's.
    let context = |e: contactport_core::Error| match e {
        contactport_core::Error::Write(io) => anyhow::Error::from(io),
        e => anyhow::Error::from(e).context(format!("in {name}")),
    };
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = input.read_chunk(&mut buf)?;
        if n == 0 {
            break;
        }
        stream
            .push(&buf[..n], out, rejects, entries)
            .map_err(context)?;
        bar.inc(n as u64);
        let rep = stream.report();
        bar.set_message(format!("{} records, {} rejected", rep.read, rep.rejected));
    }
    let report = stream.finish(out, rejects, entries).map_err(context)?;
    bar.finish_and_clear();
    Ok(report)
}

pub mod export;
pub mod import;
pub mod migrate;
pub mod sandbox;

use crate::args::SyncArgs;
use contactport_providers::sync::{self, Run};
use contactport_providers::{Journal, Owner, Provider, Record, Settings, SyncReport, Use};
use std::sync::Arc;
use tokio::sync::mpsc;

/// A tokio runtime for the commands that talk to providers: one thread. Their work is waiting
/// on the network, and one thread does it with fewer context switches than a pool (files are
/// read on the blocking pool, the journal is written by its own thread).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// A runtime on every core, for the sandbox server.
pub fn server_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// The sync settings of `a`.
pub fn settings(a: &SyncArgs) -> Settings {
    Settings {
        concurrency: a.concurrency.max(1),
        on_existing: a.on_existing,
        dry_run: a.dry_run,
        full: a.full,
        recreate_deleted: a.recreate_deleted,
    }
}

/// Opens `--journal` or `--state` for a run of `command` from `source` into `target` (before
/// any request: a file that is not one, or another run's, stops the run before it starts).
pub fn open_journal(
    a: &SyncArgs,
    command: &str,
    source: String,
    target: &dyn Provider,
) -> anyhow::Result<Option<Arc<Journal>>> {
    let (p, used) = match (&a.journal, &a.state) {
        (Some(p), _) => (p, Use::Journal),
        (None, Some(p)) => (p, Use::State),
        (None, None) => return Ok(None),
    };
    let owner = Owner::new(
        command,
        source,
        target.name(),
        target.contacts_url(),
        target.account(),
    );
    let j = Journal::open_as(p, &owner, used)?;
    if !j.skipped_lines.is_empty() {
        eprintln!(
            "warning: {} {}: garbled lines skipped: {:?}",
            if j.is_state() { "state" } else { "journal" },
            p.display(),
            j.skipped_lines
        );
    }
    Ok(Some(Arc::new(j)))
}

/// Upserts what arrives on `rx` into `target`, reporting to `events` (the source's too: one
/// progress line), then clears `bar`; stops taking records at Ctrl-C or SIGTERM.
pub async fn upsert(
    rx: mpsc::Receiver<Record>,
    target: Arc<dyn Provider>,
    writer: Box<dyn contactport_providers::Writer>,
    settings: Settings,
    journal: Option<Arc<Journal>>,
    events: contactport_providers::Events,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<SyncReport> {
    let run = Run {
        target,
        writer: writer.into(),
        settings,
        journal,
        events,
        stop: stop_on_signal(),
    };
    let report = sync::run(rx, run).await;
    bar.finish_and_clear();
    Ok(report?)
}

/// A flag that turns true at the first Ctrl-C or SIGTERM: the run stops taking records, gives
/// up every wait and request in flight (those records are not done, nor journalled) and writes
/// its report. A second one exits at once with 130 (the journal
/// stays consistent: each group of lines is fsync'd, and a torn last line is cut on reopening).
fn stop_on_signal() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        signal().await;
        eprintln!("\nstopping: no new records; the report is being written");
        // Every wait (pacing, the hourly quota, a 429, a backoff, a request in flight) ends.
        contactport_providers::stop::stop();
        let _ = tx.send(true);
        signal().await;
        eprintln!("stopped at once");
        // (exit skips destructors: the rejects' temporary file goes here.)
        crate::files::remove_pending();
        std::process::exit(130);
    });
    rx
}

/// The next SIGINT or SIGTERM.
pub(crate) async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Merges the reading report into the sync report, writes `--report`, prints the summary;
/// returns the exit code.
pub fn finish_sync(
    mut report: SyncReport,
    read: contactport_core::Report,
    entries: &crate::entries::Shared,
    a: &SyncArgs,
    target: &dyn Provider,
    quiet: bool,
) -> anyhow::Result<u8> {
    let mut dup_rejects = std::mem::take(&mut report.read);
    report.read = read;
    report.read.rejected += dup_rejects.rejected;
    report.read.written = report.created + report.updated;
    let mut entries = entries.lock().expect("entries lock");
    // Reading's entries first, then the duplicates the sync found: input order.
    entries.take_from(&mut report.read)?;
    entries.take_from(&mut dup_rejects)?;
    if let Some(p) = &a.report {
        entries.write_merged(p, serde_json::to_value(&report)?)?;
    }
    if !quiet {
        entries.list(&report.read, 20)?;
        for f in report.failed.iter().take(20) {
            let line = format!(
                "failed: record {} (line {}, {}): {}{}",
                f.record,
                f.line,
                f.email,
                f.message,
                f.request_id
                    .as_ref()
                    .map(|r| format!(" (request {r})"))
                    .unwrap_or_default()
            );
            eprintln!("{}", crate::shown::shown(&line));
        }
        for d in report.deleted_in_target.iter().flatten().take(20) {
            let line = format!(
                "deleted in target: record {} ({}): written before as {}, gone from the target since; not created again (--recreate-deleted creates it; created there again by hand, it is found when its source changes, or with --full)",
                d.record, d.email, d.id
            );
            eprintln!("{}", crate::shown::shown(&line));
        }
        for g in report.gone_from_source.iter().flatten().take(20) {
            let line = format!(
                "gone from source: {g}: written before, not among this run's records (removed at the source, or rejected); left as it is in the target"
            );
            eprintln!("{}", crate::shown::shown(&line));
        }
        for c in report.conflicts.iter().take(20) {
            let line = format!(
                "conflict: record {} ({}): {} is {:?} at the provider, {:?} in the source; it cannot be changed",
                c.record, c.email, c.field, c.provider, c.source
            );
            eprintln!("{}", crate::shown::shown(&line));
        }
        eprintln!("{}", crate::shown::shown(&report.summary()));
    }
    if report.dry_run {
        // The plan's last lines: what the state remembers that the source no longer has.
        for g in report.gone_from_source.iter().flatten() {
            println!("gone\t{}", crate::shown::shown(g));
        }
    }
    let notices = [
        (
            report.deleted_in_target.as_ref().map_or(0, Vec::len),
            "deleted in target",
        ),
        (
            report.gone_from_source.as_ref().map_or(0, Vec::len),
            "gone from source",
        ),
        (report.conflicts.len(), "conflicts"),
    ];
    if quiet && notices.iter().any(|(n, _)| *n > 0) {
        // Said even with --quiet (a nightly run's mail): what needs a look.
        let said: Vec<String> = notices
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        eprintln!(
            "note: {} (see {})",
            said.join(", "),
            a.report
                .as_ref()
                .map_or("the report: --report FILE".to_string(), |p| p
                    .display()
                    .to_string())
        );
    }
    if let (Some(n), false) = (report.planned_requests, quiet) {
        eprintln!("{}", target.plan_time(n));
    }
    if report.interrupted {
        // Said even with --quiet: the run did not do all it was asked.
        let resume = match (&a.journal, &a.state) {
            (Some(j), _) => Some(("--journal", j)),
            (None, Some(s)) => Some(("--state", s)),
            (None, None) => None,
        };
        match resume {
            Some((flag, j)) => eprintln!(
                "interrupted: run the same command again with {flag} {} to go on where it stopped",
                j.display()
            ),
            None => eprintln!(
                "interrupted: run the same command again to go on (contacts already written are found by email, not created twice)"
            ),
        }
    }
    // What stopped the run (the source broke off, the journal cannot be written): said last,
    // after the report of what was done, and the run fails (exit 2).
    if let Some(e) = &report.error {
        anyhow::bail!("{e}");
    }
    Ok(report.exit_code())
}

/// The channel between a source and the upserts: bounded, so a fast source waits for the
/// provider instead of filling memory.
pub fn channel() -> (mpsc::Sender<Record>, mpsc::Receiver<Record>) {
    mpsc::channel(1024)
}

/// Reads `--ids`, when the source needs them (Kojo has no list endpoint).
pub fn ids(
    command: &str,
    source: contactport_providers::Kind,
    path: Option<&std::path::Path>,
) -> anyhow::Result<Vec<String>> {
    use anyhow::Context;
    match (source.ids_only, path) {
        (Some(why), None) => {
            anyhow::bail!("{command} {} needs --ids FILE: {why}", source.name)
        }
        (Some(_), Some(p)) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            let mut ids = vec![];
            for (n, l) in text.lines().enumerate() {
                let l = l.trim();
                if l.is_empty() || l.starts_with('#') {
                    continue;
                }
                // One plain path segment: `..` or `.` would name another URL than a contact's.
                if let Err(why) = contactport_providers::check_segment(l) {
                    anyhow::bail!("{} line {}: {why}", p.display(), n + 1);
                }
                ids.push(l.to_string());
            }
            Ok(ids)
        }
        (None, _) => Ok(vec![]),
    }
}
