//! `contactport export`: a provider's contacts to a file.

use crate::args::{provider_parser, MappingArgs, OutputArgs, ProviderArgs};
use crate::files::Output;
use clap::Args;
use contactport_core::Options;
use contactport_providers::{Destination, Feed, Kind, SyncReport};
use std::path::PathBuf;

/// Shown after `contactport export --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Back up every Covage contact to CSV:
  contactport export covage -o covage-backup.csv

  # Kojo has no list endpoint: name the contacts (ids or emails, one a line):
  contactport export kojo --ids kojo-ids.txt -o kojo.json --to kojo

Exit status: 0 all exported, 1 some rejected or not found (see --report), 2 failure.";

/// `export` arguments.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Provider to read from.
    #[arg(value_parser = provider_parser())]
    pub provider: Kind,
    /// Kojo ids or emails, one a line (Kojo has no list endpoint).
    #[arg(long, value_name = "FILE")]
    pub ids: Option<PathBuf>,
    /// Contacts fetched at once (Kojo).
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub mapping: MappingArgs,
    #[command(flatten)]
    pub providers: ProviderArgs,
}

/// Runs `export`.
pub fn run(a: ExportArgs, quiet: bool) -> anyhow::Result<u8> {
    crate::files::remove_on_signal();
    let mapping = a.mapping.mapping()?;
    let ids = super::ids("export", a.provider, a.ids.as_deref())?;
    let mut named = vec![("--ids", a.ids.as_deref())];
    named.extend(a.out.files());
    named.push(("--vendor-map", a.mapping.vendor_map.as_deref()));
    crate::files::distinct(&named)?;
    let output = Output::create(a.out.output.as_deref())?;
    let rejects = Output::optional(a.out.rejects.as_deref())?;
    // Without a report only the first problems are shown: core counts the rest.
    let entries = crate::entries::Entries::new(a.out.report.is_some())?;
    let room = entries.needed();
    let entries = entries.shared();
    let (read, failed) = super::runtime()?.block_on(async {
        let source = a.providers.open(a.provider, false)?;
        let opts = a.out.apply(Options {
            from: Some(source.format()),
            // JSON over HTTP is UTF-8 (RFC 8259): nothing to detect, nothing to wait for.
            encoding: Some(contactport_core::format::decode::Encoding::UTF8),
            mapping,
            hints: crate::args::HINTS,
            entries: room,
            ..Options::default()
        });
        let rejects = rejects.map(|r| Box::new(r) as Box<dyn Destination>);
        let feed = Feed::bytes(opts, Box::new(output), rejects, entries.clone());
        let reading = source.read(ids, a.concurrency, feed).await;
        match reading.error {
            Some(e) => Err(anyhow::Error::from(e)),
            None => anyhow::Ok((reading.report, reading.failures)),
        }
    })?;
    let report = SyncReport {
        read,
        failed,
        ..SyncReport::default()
    };
    let mut entries = entries.lock().expect("entries lock");
    if let Some(p) = &a.out.report {
        entries.write_merged(p, serde_json::to_value(&report)?)?;
    }
    if !quiet {
        entries.list(&report.read, 20)?;
        for f in report.failed.iter().take(20) {
            let line = format!("failed: {}: {}", f.email, f.message);
            eprintln!("{}", crate::shown::shown(&line));
        }
        eprintln!(
            "exported {}, rejected {}, failed {}",
            report.read.written,
            report.read.rejected,
            report.failed.len()
        );
    }
    Ok(report.exit_code())
}
