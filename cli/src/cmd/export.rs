//! `contactport export`: a provider's contacts to a file.

use crate::args::{parse_provider, MappingArgs, ProviderArgs};
use crate::files::Output;
use clap::Args;
use contactport_core::{Format, Options};
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
    /// Provider to read from: covage or kojo.
    #[arg(value_parser = parse_provider)]
    pub provider: Kind,
    /// Output file; `-` or nothing writes stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format (default: from the output's extension, else csv).
    #[arg(long, value_name = "FORMAT")]
    pub to: Option<Format>,
    /// Kojo ids or emails, one a line (Kojo has no list endpoint).
    #[arg(long, value_name = "FILE")]
    pub ids: Option<PathBuf>,
    /// Contacts fetched at once (Kojo).
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,
    /// Write records that fail validation here.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Write the JSON report here.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Start CSV output with a UTF-8 BOM (for Excel).
    #[arg(long)]
    pub bom: bool,
    /// CSV for Excel: cells Excel would run as formulas (starting with = + - @, a tab or a
    /// CR; not signed numbers) get a leading '. On by default with --bom, and always for the
    /// rejects file; --excel-safe=false turns it off for both. contactport reads such files
    /// back as they were.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub excel_safe: Option<bool>,
    /// vCard output version: 3 (what phones import) or 4.
    #[arg(long, value_name = "3|4", default_value = "3", value_parser = crate::args::parse_vcard_version)]
    pub vcard_version: contactport_core::format::vcard::Version,
    #[command(flatten)]
    pub mapping: MappingArgs,
    #[command(flatten)]
    pub providers: ProviderArgs,
}

/// Runs `export`.
pub fn run(a: ExportArgs, quiet: bool) -> anyhow::Result<u8> {
    crate::files::remove_on_signal();
    let to = crate::args::output_format(a.to, a.output.as_deref());
    let mapping = a.mapping.mapping()?;
    let ids = super::ids("export", a.provider, a.ids.as_deref())?;
    crate::files::distinct(&[
        ("--ids", a.ids.as_deref()),
        ("-o", a.output.as_deref()),
        ("--rejects", a.rejects.as_deref()),
        ("--report", a.report.as_deref()),
        ("--vendor-map", a.mapping.vendor_map.as_deref()),
    ])?;
    let output = Output::create(a.output.as_deref())?;
    let rejects = Output::optional(a.rejects.as_deref())?;
    let entries = crate::entries::Entries::new(a.report.is_some())?.shared();
    let (read, failed) = super::runtime()?.block_on(async {
        let source = a.providers.open(a.provider, false)?;
        let opts = Options {
            from: Some(source.format()),
            to: Some(to),
            bom: a.bom,
            excel_safe: a.excel_safe.unwrap_or(a.bom),
            rejects_excel_safe: a.excel_safe.unwrap_or(true),
            vcard_version: a.vcard_version,
            mapping,
            hints: crate::args::HINTS,
            ..Options::default()
        };
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
    if let Some(p) = &a.report {
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
