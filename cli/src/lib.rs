//! contactport-cli: the `contactport` command over [`contactport_core`].
//!
//! # Brief overview
//!
//! - [`args`]: the command line (clap derive; doc comments are the help).
//! - [`cmd`]: one module per command: `convert`, `validate`, `export`, `import`, `migrate`,
//!   `sandbox`; `docs` for `completions` and `man`, generated from [`args`].
//! - [`parallel`]: UTF-8 CSV and JSON converted on every core, in order, as core plans it.
//! - [`entries`]: a run's reject and warning entries, spilled to a temporary file so memory
//!   stays flat.
//! - [`files`]: opening a path or stdin / stdout, atomic output files.
//! - [`progress`]: indicatif bars on a terminal, nothing otherwise; draws the providers'
//!   progress events.
//! - [`shown`]: text from files and providers with its control characters escaped, for the
//!   terminal.
//!
//! The providers' side (clients, journal, sync engine) is `contactport_providers`; the fake
//! APIs are `contactport_sandbox`; records, formats and conversion are `contactport_core`.
//!
//! `main` only calls [`run`], which returns the exit code: 0 every record went through, 1 some
//! records were rejected or failed, and an error (exit 2) when the command itself failed.

#![forbid(unsafe_code)]

mod args;
mod cmd;
mod entries;
mod files;
mod parallel;
mod progress;
pub mod shown;

use clap::Parser;

/// Runs the command line `argv`; returns the exit code, or the error that stopped the command.
pub fn run<I, T>(argv: I) -> anyhow::Result<u8>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match args::Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return Ok(code);
        }
    };
    let quiet = cli.quiet;
    match cli.command {
        args::Command::Convert(a) => cmd::convert::run(a, quiet),
        args::Command::Validate(a) => cmd::validate::run(a, quiet),
        args::Command::Export(a) => cmd::export::run(a, quiet),
        args::Command::Import(a) => cmd::import::run(a, quiet),
        args::Command::Migrate(a) => cmd::migrate::run(a, quiet),
        args::Command::Sandbox(a) => cmd::sandbox::run(a),
        args::Command::Completions(a) => cmd::docs::completions(a),
        args::Command::Man(a) => cmd::docs::man(a),
    }
}
