//! `contactport validate`: check a file against a provider's rules; nothing is written.

use super::convert_input;
use crate::args::{target_parser, InputArgs, MappingArgs};
use crate::entries::Entries;
use crate::files;
use crate::progress;
use clap::Args;
use contactport_core::{Options, Target};
use std::path::PathBuf;

/// Shown after `contactport validate --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Is this spreadsheet ready for Covage? Every problem of every record is listed:
  contactport validate contacts.csv --for covage

  # For Kojo, with the vendor of each email domain, and a JSON report:
  contactport validate contacts.csv --for kojo --vendor-map vendors.csv --report report.json

Exit status: 0 every record valid, 1 some invalid (listed on stderr), 2 failure.";

/// `validate` arguments.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Input file; `-` or nothing reads stdin.
    pub input: Option<PathBuf>,
    /// Whose rules: a provider's, or any (flat files). For a provider, what an import would
    /// reject, one contact per email included (read on one thread: the rule sees every record
    /// in order).
    #[arg(long = "for", value_name = "PROVIDER", default_value = "any", value_parser = target_parser())]
    pub target: Target,
    /// Write the JSON report here.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub input_args: InputArgs,
    #[command(flatten)]
    pub threads: crate::args::ThreadArgs,
    #[command(flatten)]
    pub mapping: MappingArgs,
}

/// Runs `validate`.
pub fn run(a: ValidateArgs, quiet: bool) -> anyhow::Result<u8> {
    let opts = Options {
        from: a.input_args.from,
        to: None,
        target: Some(a.target),
        encoding: a.input_args.encoding,
        delimiter: a.input_args.delimiter,
        max_record_bytes: a.input_args.max_record_bytes,
        invalid_phone: a.input_args.invalid_phone,
        columns: a.input_args.columns()?,
        bom: false,
        mapping: a.mapping.mapping()?,
        hints: crate::args::HINTS,
        ..Options::default()
    };
    files::distinct(&[
        ("the input", a.input.as_deref()),
        ("--report", a.report.as_deref()),
        ("--vendor-map", a.mapping.vendor_map.as_deref()),
        ("--map-file", a.input_args.map_file.as_deref()),
    ])?;
    let input = files::open_input(a.input.as_deref())?;
    let bar = progress::bytes_bar(input.len, quiet);
    // Every entry is listed, so every entry is kept (on disk, not in memory).
    let mut entries = Entries::new(true)?;
    let report = convert_input(
        input,
        opts,
        a.threads.count(),
        &mut std::io::sink(),
        &mut std::io::sink(),
        &mut entries,
        &bar,
    )?;
    if let Some(p) = &a.report {
        entries.write_report(p, &report)?;
    }
    // The listing is what this command is for: it is printed even with --quiet.
    entries.list(&report, usize::MAX)?;
    if !quiet {
        eprintln!(
            "{} valid, {} invalid of {} records",
            report.written, report.rejected, report.read
        );
    }
    Ok(report.exit_code() as u8)
}
