//! `contactport import`: a contact file into a provider.

use super::{channel, finish_sync, open_journal, settings, upsert};
use crate::args::{provider_parser, InputArgs, MappingArgs, ProviderArgs, SyncArgs};
use crate::files::{self, Output};
use crate::progress;
use clap::Args;
use contactport_core::Options;
use contactport_providers::{Destination, Feed, Kind};
use std::path::PathBuf;

/// Shown after `contactport import --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Restore a CSV backup into Covage (credentials from the environment):
  export COVAGE_EMAIL=me@example.fr COVAGE_PASSWORD=…
  contactport import covage contacts.csv --journal restore.journal --report report.json

  # See what a spreadsheet would do to Kojo, without writing:
  export KOJO_API_KEY=…
  contactport import kojo contacts.csv --vendor-map vendors.csv --dry-run

  # Keep Kojo in step with a file exported every day (requests only for what changed):
  contactport import kojo export.csv --vendor-map vendors.csv --state kojo.state -q

Contacts are matched by email (case-insensitive): new ones are created, changed ones updated,
the rest left alone. Re-running with the same --journal after a crash skips what was done;
with --state, a re-run also skips what did not change since.
Exit status: 0 all went through, 1 some rejected or failed (see --report), 2 failure.";

/// `import` arguments.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Provider to write to.
    #[arg(value_parser = provider_parser())]
    pub provider: Kind,
    /// Input file; `-` or nothing reads stdin.
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub input_args: InputArgs,
    #[command(flatten)]
    pub sync: SyncArgs,
    #[command(flatten)]
    pub mapping: MappingArgs,
    #[command(flatten)]
    pub providers: ProviderArgs,
}

/// Runs `import`.
pub fn run(a: ImportArgs, quiet: bool) -> anyhow::Result<u8> {
    let mapping = a.mapping.mapping()?;
    let (settings, writing) = (settings(&a.sync), mapping.writing);
    let opts = Options {
        from: a.input_args.from,
        encoding: a.input_args.encoding,
        delimiter: a.input_args.delimiter,
        max_record_bytes: a.input_args.max_record_bytes,
        invalid_phone: a.input_args.invalid_phone,
        columns: a.input_args.columns()?,
        mapping,
        hints: crate::args::HINTS,
        rejects_excel_safe: a.sync.excel_safe.unwrap_or(true),
        ..Options::default()
    };
    files::distinct(&[
        ("the input", a.input.as_deref()),
        ("--journal", a.sync.journal.as_deref()),
        ("--state", a.sync.state.as_deref()),
        ("--rejects", a.sync.rejects.as_deref()),
        ("--report", a.sync.report.as_deref()),
        ("--vendor-map", a.mapping.vendor_map.as_deref()),
        ("--map-file", a.input_args.map_file.as_deref()),
    ])?;
    let input = files::open_input(a.input.as_deref())?;
    let rejects = Output::optional(a.sync.rejects.as_deref())?;
    super::runtime()?.block_on(async {
        let target = a.providers.open(a.provider, true)?;
        // Without a report only the first problems are shown: core counts the rest.
        let entries = crate::entries::Entries::new(a.sync.report.is_some())?;
        let opts = Options {
            to: Some(target.format()),
            entries: entries.needed(),
            ..opts
        };
        let journal = open_journal(&a.sync, "import", "file".into(), &*target)?;
        let writer = target.clone().writer(writing).await?;
        let bar = progress::records_bar(quiet);
        let (tx, rx) = channel();
        let entries = entries.shared();
        let rejects = rejects.map(|r| Box::new(r) as Box<dyn Destination>);
        let events = progress::events(&bar, quiet);
        let feed =
            Feed::records(opts, tx, rejects, entries.clone()).with_total(events.clone(), input.len);
        let reading = contactport_providers::feed_file(input.reader, input.name, feed);
        let report = upsert(rx, target.clone(), writer, settings, journal, events, &bar).await?;
        let (read, failed) = reading.await?;
        let sync = &a.sync;
        match failed {
            None => finish_sync(report, read, &entries, sync, &*target, quiet),
            // The input broke off: what was written before is still reported (and journalled),
            // then the run fails.
            Some(e) => {
                let e = anyhow::Error::from(e);
                // The journal's failure, if any, is said too.
                let error = match report.error {
                    Some(ref j) => format!("{e:#}; {j}"),
                    None => format!("{e:#}"),
                };
                let report = contactport_providers::SyncReport {
                    error: Some(error),
                    // Not known: the source was not read to its end.
                    gone_from_source: None,
                    ..report
                };
                finish_sync(report, read, &entries, sync, &*target, quiet)
            }
        }
    })
}
