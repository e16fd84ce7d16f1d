//! `contactport completions` and `contactport man`: generated from the command line's own
//! definition (clap_complete, clap_mangen), so they offer exactly the flags and values the
//! binary takes: formats, providers and policies come from the tables that define them.

use crate::args::Cli;
use anyhow::Context;
use clap::{Args, CommandFactory};
use std::io::Write;
use std::path::PathBuf;

/// Shown after `contactport completions --help`.
pub const COMPLETIONS: &str = "\
Examples:
  # bash (per user; bash-completion loads it on demand):
  contactport completions bash > ~/.local/share/bash-completion/completions/contactport
  # zsh (a directory on $fpath):
  contactport completions zsh > ~/.zfunc/_contactport
  # fish:
  contactport completions fish > ~/.config/fish/completions/contactport.fish
  # PowerShell (in $PROFILE):
  contactport completions powershell | Out-String | Invoke-Expression";

/// Shown after `contactport man --help`.
pub const MAN: &str = "\
Examples:
  # Every page (contactport.1, contactport-convert.1, …) where man finds them:
  contactport man --dir ~/.local/share/man/man1
  man contactport-migrate

  # Read the main page without installing it:
  contactport man | man -l -";

/// `completions` arguments.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `man` arguments.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write every page here (contactport.1 and one a command) instead of contactport.1 on
    /// stdout. Created if missing.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Prints the completion script of `a.shell`.
pub fn completions(a: CompletionsArgs) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    clap_complete::generate(a.shell, &mut Cli::command(), "contactport", &mut out);
    out.flush()?;
    Ok(0)
}

/// Writes the manual pages.
pub fn man(a: ManArgs) -> anyhow::Result<u8> {
    let cmd = Cli::command();
    match a.dir {
        None => {
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            out.flush()?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("cannot write the pages into {}", dir.display()))?;
        }
    }
    Ok(0)
}
