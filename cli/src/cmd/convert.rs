//! `contactport convert`: a contact file from one format to another.

use super::convert_input;
use crate::args::{InputArgs, MappingArgs, OutputArgs};
use crate::entries::Entries;
use crate::files::{self, Output};
use crate::progress;
use clap::Args;
use contactport_core::Options;
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
    #[command(flatten)]
    pub out: OutputArgs,
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
    let opts = a.out.apply(Options {
        from: a.input_args.from,
        target: None,
        encoding: a.input_args.encoding,
        delimiter: a.input_args.delimiter,
        max_record_bytes: a.input_args.max_record_bytes,
        invalid_phone: a.input_args.invalid_phone,
        columns: a.input_args.columns()?,
        mapping: a.mapping.mapping()?,
        hints: crate::args::HINTS,
        ..Options::default()
    });
    let mut named = vec![("the input", a.input.as_deref())];
    named.extend(a.out.files());
    named.extend([
        ("--vendor-map", a.mapping.vendor_map.as_deref()),
        ("--map-file", a.input_args.map_file.as_deref()),
    ]);
    files::distinct(&named)?;
    let input = files::open_input(a.input.as_deref())?;
    let bar = progress::bytes_bar(input.len, quiet);
    let mut out = Output::create(a.out.output.as_deref())?;
    let mut rejects = Output::optional(a.out.rejects.as_deref())?;
    let mut no_rejects = std::io::sink();
    let rej: &mut dyn std::io::Write = match rejects.as_mut() {
        Some(r) => r,
        None => &mut no_rejects,
    };
    let mut entries = Entries::new(a.out.report.is_some())?;
    // Without a report only the first few entries are shown: the rest are only counted.
    let opts = Options {
        entries: entries.needed(),
        ..opts
    };
    let threads = a.threads.count();
    let report = convert_input(input, opts, threads, &mut out, rej, &mut entries, &bar)?;
    out.commit()?;
    if let Some(r) = rejects {
        r.commit()?;
    }
    if let Some(p) = &a.out.report {
        entries.write_report(p, &report)?;
    }
    if !quiet {
        entries.list(&report, 20)?;
        eprintln!("{}", crate::shown::shown(&report.summary()));
    }
    Ok(report.exit_code() as u8)
}
