//! `contactport convert`: a contact file from one format to another.

use super::convert_input;
use crate::args::{InputArgs, MappingArgs};
use crate::entries::Entries;
use crate::files::{self, Output};
use crate::progress;
use clap::Args;
use contactport_core::{Format, Options};
use std::path::PathBuf;

/// Shown after `contactport convert --help`.
pub const EXAMPLES: &str = "\
Examples:
  # A Covage export to a CSV backup (formats from the content and the extension):
  contactport convert samples/covage-export.json -o contacts.csv

  # A spreadsheet saved by French Excel (semicolons, Windows-1252) to Kojo's JSON:
  contactport convert contacts.csv --to kojo --vendor-map vendors.csv -o kojo.json \\
      --rejects rejects.csv --report report.json

  # From stdin to stdout:
  cat contacts.csv | contactport convert --to ndjson

Exit status: 0 every record converted, 1 some rejected (see --rejects / --report), 2 failure.";

/// `convert` arguments.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input file; `-` or nothing reads stdin.
    pub input: Option<PathBuf>,
    /// Output file; `-` or nothing writes stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format: csv, json, ndjson, covage, kojo, google-csv, outlook-csv, vcard.
    /// Default: from the output's extension, else csv.
    #[arg(long, value_name = "FORMAT")]
    pub to: Option<Format>,
    /// Write rejected records here (canonical CSV with record, line and errors in front).
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
    pub input_args: InputArgs,
    #[command(flatten)]
    pub threads: crate::args::ThreadArgs,
    #[command(flatten)]
    pub mapping: MappingArgs,
}

/// Runs `convert`.
pub fn run(a: ConvertArgs, quiet: bool) -> anyhow::Result<u8> {
    crate::files::remove_on_signal();
    let to = crate::args::output_format(a.to, a.output.as_deref());
    let opts = Options {
        from: a.input_args.from,
        to: Some(to),
        target: None,
        encoding: a.input_args.encoding,
        delimiter: a.input_args.delimiter,
        max_record_bytes: a.input_args.max_record_bytes,
        invalid_phone: a.input_args.invalid_phone,
        columns: a.input_args.columns()?,
        bom: a.bom,
        excel_safe: a.excel_safe.unwrap_or(a.bom),
        rejects_excel_safe: a.excel_safe.unwrap_or(true),
        vcard_version: a.vcard_version,
        mapping: a.mapping.mapping()?,
        hints: crate::args::HINTS,
        ..Options::default()
    };
    files::distinct(&[
        ("the input", a.input.as_deref()),
        ("-o", a.output.as_deref()),
        ("--rejects", a.rejects.as_deref()),
        ("--report", a.report.as_deref()),
        ("--vendor-map", a.mapping.vendor_map.as_deref()),
        ("--map-file", a.input_args.map_file.as_deref()),
    ])?;
    let input = files::open_input(a.input.as_deref())?;
    let bar = progress::bytes_bar(input.len, quiet);
    let mut out = Output::create(a.output.as_deref())?;
    let mut rejects = Output::optional(a.rejects.as_deref())?;
    let mut no_rejects = std::io::sink();
    let rej: &mut dyn std::io::Write = match rejects.as_mut() {
        Some(r) => r,
        None => &mut no_rejects,
    };
    let mut entries = Entries::new(a.report.is_some())?;
    let threads = a.threads.count();
    let report = convert_input(input, opts, threads, &mut out, rej, &mut entries, &bar)?;
    out.commit()?;
    if let Some(r) = rejects {
        r.commit()?;
    }
    if let Some(p) = &a.report {
        entries.write_report(p, &report)?;
    }
    if !quiet {
        entries.list(&report, 20)?;
        eprintln!("{}", crate::shown::shown(&report.summary()));
    }
    Ok(report.exit_code() as u8)
}
