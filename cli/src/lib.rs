//! contactport-cli: the `contactport` command over [`contactport_core`].
//!
//! # Brief overview
//!
//! - [`args`]: the command line (clap derive; doc comments are the help).
//! - [`cmd`]: one module per command: `convert`, `validate`.
//! - [`files`]: opening a path or stdin / stdout, atomic output files.
//! - [`progress`]: indicatif bars on a terminal, nothing otherwise.
//!
//! `main` only calls [`run`], which returns the exit code: 0 every record went through, 1 some
//! records were rejected or failed, and an error (exit 2) when the command itself failed.

pub mod args;
pub mod cmd;
pub mod files;
pub mod progress;

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
    }
}
