//! `contactport migrate`: provider to provider, streamed: records flow from the source while
//! earlier ones are being written.

use super::{channel, finish_sync, open_journal, settings, upsert};
use crate::args::{MappingArgs, Provider, ProviderArgs, SyncArgs};
use crate::files::Output;
use crate::journal::Owner;
use crate::progress;
use crate::source::{self, Feed};
use crate::sync::Sink;
use clap::Args;
use contactport_core::Options;
use std::path::PathBuf;

/// Shown after `contactport migrate --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Every Covage contact into Kojo, vendor by email domain, resumable:
  contactport migrate covage kojo --vendor-map vendors.csv --journal move.journal --report report.json

  # Kojo has no list endpoint: name the contacts (ids or emails, one a line):
  contactport migrate kojo covage --ids kojo-ids.txt --dry-run

Exit status: 0 all went through, 1 some rejected or failed (see --report), 2 failure.";

/// `migrate` arguments.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Provider to read from.
    #[arg(value_enum)]
    pub from: Provider,
    /// Provider to write to.
    #[arg(value_enum)]
    pub to: Provider,
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

/// Runs `migrate`.
pub fn run(a: MigrateArgs, quiet: bool) -> anyhow::Result<u8> {
    anyhow::ensure!(a.from != a.to, "migrate needs two different providers");
    let ids = match (a.from, &a.ids) {
        (Provider::Kojo, Some(p)) => source::read_ids(p)?,
        (Provider::Kojo, None) => {
            anyhow::bail!("migrate kojo needs --ids FILE: Kojo has no list endpoint")
        }
        (Provider::Covage, _) => vec![],
    };
    crate::files::distinct(&[
        ("--ids", a.ids.as_deref()),
        ("--journal", a.sync.journal.as_deref()),
        ("--rejects", a.sync.rejects.as_deref()),
        ("--report", a.sync.report.as_deref()),
    ])?;
    let mapping = a.mapping.mapping()?;
    let settings = settings(&a.sync, mapping.kojo_phone, quiet);
    let opts = Options {
        from: Some(a.from.format()),
        to: Some(a.to.format()),
        mapping,
        ..Options::default()
    };
    let rejects = Output::optional(a.sync.rejects.as_deref())?;
    super::runtime()?.block_on(async {
        let bar = progress::records_bar(quiet);
        let (tx, rx) = channel();
        let entries = crate::entries::Entries::new(a.sync.report.is_some())?.shared();
        let feed = Feed::records(opts, tx, rejects, entries.clone()).with_total(bar.clone(), None);
        match a.from {
            Provider::Covage => {
                let from = a.providers.covage(false)?;
                let to = a.providers.kojo()?;
                let journal = open_journal(
                    &a.sync,
                    Owner::new(
                        "migrate",
                        format!("covage {} {}", from.contacts_url(), from.account()),
                        "kojo",
                        to.contacts_url(),
                        to.account(),
                    ),
                )?;
                let sink = Sink::kojo(to);
                let reading = tokio::spawn(source::covage(from, feed));
                let report = upsert(rx, sink, &a.sync, settings, journal, bar).await?;
                let read = reading.await??;
                finish_sync(report, read, &entries, &a.sync, quiet)
            }
            Provider::Kojo => {
                let from = a.providers.kojo()?;
                let to = a.providers.covage(true)?;
                let journal = open_journal(
                    &a.sync,
                    Owner::new(
                        "migrate",
                        format!("kojo {} {}", from.contacts_url(), from.account()),
                        "covage",
                        to.contacts_url(),
                        to.account(),
                    ),
                )?;
                let sink = Sink::covage(to).await?;
                let reading = tokio::spawn(source::kojo(from, ids, settings.concurrency, feed));
                let mut report = upsert(rx, sink, &a.sync, settings, journal, bar).await?;
                let (read, failures) = reading.await??;
                report.failed.extend(failures);
                finish_sync(report, read, &entries, &a.sync, quiet)
            }
        }
    })
}
