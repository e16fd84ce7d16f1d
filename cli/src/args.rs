//! The command line. Doc comments here are the `--help` text.

use clap::{Args, Parser, Subcommand};
use contactport_core::format::decode::Encoding;
use contactport_core::phone::Region;
use contactport_core::{Format, KojoPhone, Mapping, Target, VendorMap};
use std::path::PathBuf;

/// Move company contacts between Covage, Kojo and flat files.
#[derive(Debug, Parser)]
#[command(name = "contactport", version, about, max_term_width = 100)]
pub struct Cli {
    /// No progress bar and no summary on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert a contact file from one format to another, validating every record.
    #[command(after_help = crate::cmd::convert::EXAMPLES)]
    Convert(crate::cmd::convert::ConvertArgs),
    /// Check a contact file against Covage's or Kojo's rules without writing it.
    #[command(after_help = crate::cmd::validate::EXAMPLES)]
    Validate(crate::cmd::validate::ValidateArgs),
}

/// How the input is read.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Input format: csv, json, ndjson, covage, kojo, google-csv, outlook-csv.
    /// Default: detected from the content (JSON or CSV; Covage, Kojo or canonical keys;
    /// Google or Outlook headers).
    #[arg(long, value_name = "FORMAT")]
    pub from: Option<Format>,
    /// Input encoding: utf-8, utf-16le, utf-16be, windows-1252. Default: detected
    /// (BOM, else UTF-8 when valid, else Windows-1252).
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<Encoding>,
    /// CSV delimiter (one character). Default: sniffed among , ; TAB |.
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "\\t" | "tab" | "TAB" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!("expected one ASCII character, got {s:?}")),
    }
}

/// How records map between formats and providers.
#[derive(Debug, Clone, Args)]
pub struct MappingArgs {
    /// Region for phone numbers written without a country code (ISO 3166, e.g. FR, BE).
    #[arg(long, value_name = "REGION", default_value = "FR")]
    pub default_region: Region,
    /// Which number Kojo's single phone takes: mobile-first or fixed-first.
    #[arg(long, value_name = "ORDER", default_value = "mobile-first")]
    pub kojo_phone: KojoPhone,
    /// Org name for Kojo records that have none.
    #[arg(long, value_name = "NAME")]
    pub org_name: Option<String>,
    /// Vendor id for Kojo records that have none.
    #[arg(long, value_name = "ID")]
    pub vendor_id: Option<String>,
    /// CSV `email_domain,vendor_id,org_name`: vendor per email domain (wins over the two above).
    #[arg(long, value_name = "FILE")]
    pub vendor_map: Option<PathBuf>,
}

impl MappingArgs {
    /// The core mapping options (reads the vendor map).
    pub fn mapping(&self) -> anyhow::Result<Mapping> {
        use anyhow::Context;
        let vendor_map = match &self.vendor_map {
            Some(p) => {
                let f = std::fs::File::open(p)
                    .with_context(|| format!("cannot open vendor map {}", p.display()))?;
                VendorMap::read(std::io::BufReader::new(f))
                    .with_context(|| format!("in {}", p.display()))?
            }
            None => VendorMap::default(),
        };
        Ok(Mapping {
            region: self.default_region,
            kojo_phone: self.kojo_phone,
            org_name: self.org_name.clone(),
            vendor_id: self.vendor_id.clone(),
            vendor_map,
        })
    }
}

/// Parses `--for`.
pub fn parse_target(s: &str) -> Result<Target, String> {
    s.parse()
}
