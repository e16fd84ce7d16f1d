//! One module per command.

pub mod convert;
pub mod validate;

use crate::files::Input;
use anyhow::Context;
use contactport_core::{Converter, Options, Report};
use indicatif::ProgressBar;
use std::io::{Read, Write};

/// Streams `input` through a [`Converter`] into `out` and `rejects`, moving the bar.
pub fn pump(
    mut input: Input,
    opts: Options,
    out: &mut dyn Write,
    rejects: &mut dyn Write,
    bar: &ProgressBar,
) -> anyhow::Result<Report> {
    let mut conv = Converter::new(opts);
    let mut buf = vec![0u8; 256 * 1024];
    let (mut o, mut r) = (Vec::with_capacity(512 * 1024), Vec::new());
    loop {
        let n = match input.reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", input.name)),
        };
        conv.push(&buf[..n], &mut o, &mut r)
            .with_context(|| format!("in {}", input.name))?;
        out.write_all(&o)?;
        rejects.write_all(&r)?;
        o.clear();
        r.clear();
        bar.inc(n as u64);
        let rep = conv.report();
        bar.set_message(format!("{} records, {} rejected", rep.read, rep.rejected));
    }
    let report = conv
        .finish(&mut o, &mut r)
        .with_context(|| format!("in {}", input.name))?;
    out.write_all(&o)?;
    rejects.write_all(&r)?;
    bar.finish_and_clear();
    Ok(report)
}

/// Prints the first `limit` problems of `report` on stderr, then how many more there are.
pub fn list_rejects(report: &Report, limit: usize) {
    for e in report.rejects.iter().take(limit) {
        eprintln!("rejected: {e}");
    }
    if report.rejects.len() > limit {
        eprintln!(
            "… and {} more problems (see --report)",
            report.rejects.len() - limit
        );
    }
    for w in report.warnings.iter().take(limit) {
        eprintln!("warning: {w}");
    }
    if !report.unknown_columns.is_empty() {
        eprintln!(
            "warning: unknown columns ignored (values counted as dropped): {}",
            report.unknown_columns.join(", ")
        );
    }
}
