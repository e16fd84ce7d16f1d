//! `contactport migrate`: provider to provider, streamed: records flow from the source while
//! earlier ones are being written.

use super::{channel, finish_sync, open_journal, settings, upsert};
use crate::args::{provider_parser, MappingArgs, ProviderArgs, SyncArgs};
use crate::files::Output;
use crate::progress;
use clap::Args;
use contactport_core::Options;
use contactport_providers::{Destination, Feed, Kind};
use std::path::PathBuf;

/// Shown after `contactport migrate --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Every Covage contact into Kojo, vendor by email domain, resumable:
  contactport migrate covage kojo --vendor-map vendors.csv --journal move.journal --report report.json

  # Kojo has no list endpoint: name the contacts (ids or emails, one a line):
  contactport migrate kojo covage --ids kojo-ids.txt --dry-run

  # Every night, requests only for what changed since the last run (see the README's
  # \"Keep two systems in step\"):
  contactport migrate covage kojo --vendor-map vendors.csv --state kojo.state --report last.json -q

Exit status: 0 all went through, 1 some rejected or failed (see --report), 2 failure.";

/// `migrate` arguments.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Provider to read from.
    #[arg(value_parser = provider_parser())]
    pub from: Kind,
    /// Provider to write to.
    #[arg(value_parser = provider_parser())]
    pub to: Kind,
    /// Kojo ids or emails to read, one a line (Kojo has no list endpoint).
    #[arg(long, value_name = "FILE")]
    pub ids: Option<PathBuf>,
    #[command(flatten)]
    pub sync: SyncArgs,
    #[command(flatten)]
    pub mapping: MappingArgs,
    #[command(flatten)]
    pub providers: ProviderArgs,
}

/// Runs `migrate`: any source into any other target, streamed.
pub fn run(a: MigrateArgs, quiet: bool) -> anyhow::Result<u8> {
    anyhow::ensure!(a.from != a.to, "migrate needs two different providers");
    let ids = super::ids("migrate", a.from, a.ids.as_deref())?;
    crate::files::distinct(&[
        ("--ids", a.ids.as_deref()),
        ("--journal", a.sync.journal.as_deref()),
        ("--state", a.sync.state.as_deref()),
        ("--rejects", a.sync.rejects.as_deref()),
        ("--report", a.sync.report.as_deref()),
        ("--vendor-map", a.mapping.vendor_map.as_deref()),
    ])?;
    let mapping = a.mapping.mapping()?;
    let (settings, writing) = (settings(&a.sync), mapping.writing);
    let rejects = Output::optional(a.sync.rejects.as_deref())?;
    super::runtime()?.block_on(async {
        let from = a.providers.open(a.from, false)?;
        let to = a.providers.open(a.to, true)?;
        // Without a report only the first problems are shown: core counts the rest.
        let entries = crate::entries::Entries::new(a.sync.report.is_some())?;
        let opts = Options {
            from: Some(from.format()),
            // JSON over HTTP is UTF-8 (RFC 8259): nothing to detect, nothing to wait for.
            encoding: Some(contactport_core::format::decode::Encoding::UTF8),
            to: Some(to.format()),
            mapping,
            hints: crate::args::HINTS,
            rejects_excel_safe: a.sync.excel_safe.unwrap_or(true),
            entries: entries.needed(),
            ..Options::default()
        };
        let bar = progress::records_bar(quiet);
        let (tx, rx) = channel();
        let entries = entries.shared();
        let rejects = rejects.map(|r| Box::new(r) as Box<dyn Destination>);
        let events = progress::events(&bar, quiet);
        let feed =
            Feed::records(opts, tx, rejects, entries.clone()).with_total(events.clone(), None);
        let source = format!("{} {} {}", from.name(), from.contacts_url(), from.account());
        let journal = open_journal(&a.sync, "migrate", source, &*to)?;
        let writer = to.clone().writer(writing).await?;
        let reading = tokio::spawn(from.read(ids, settings.concurrency, feed));
        let mut report = upsert(rx, to.clone(), writer, settings, journal, events, &bar).await?;
        let reading = reading.await?;
        if !reading.failures.is_empty() || reading.error.is_some() {
            // Not known: some of the source's contacts were not read.
            report.gone_from_source = None;
        }
        report.failed.extend(reading.failures);
        // The source broke off (the list changed while it was read): what was done is still
        // reported, its rejects written, then the run fails.
        // (Stopped by Ctrl-C: the run says it was interrupted, and how to go on.)
        if let Some(e) = reading
            .error
            .filter(|e| !matches!(e, contactport_providers::Error::Stopped))
        {
            let e = format!("{:#}", anyhow::Error::from(e));
            // The journal's failure, if any, is said too.
            report.error = Some(match report.error.take() {
                Some(j) => format!("{e}; {j}"),
                None => e,
            });
        }
        finish_sync(report, reading.report, &entries, &a.sync, &*to, quiet)
    })
}
