//! The command line. Doc comments here are the `--help` text.

use clap::{Args, Parser, Subcommand};
use contactport_core::format::decode::Encoding;
use contactport_core::options::{self, Choice};
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
    /// Write a provider's contacts to a file (a CSV backup by default).
    #[command(after_help = credentials_help(crate::cmd::export::EXAMPLES))]
    Export(crate::cmd::export::ExportArgs),
    /// Load a contact file into a provider: create new contacts, update changed ones.
    #[command(after_help = credentials_help(crate::cmd::import::EXAMPLES))]
    Import(crate::cmd::import::ImportArgs),
    /// Move contacts from one provider to the other, streamed.
    #[command(after_help = credentials_help(crate::cmd::migrate::EXAMPLES))]
    Migrate(crate::cmd::migrate::MigrateArgs),
    /// Serve both providers' APIs on loopback from memory, to rehearse a migration.
    #[command(after_help = crate::cmd::sandbox::EXAMPLES)]
    Sandbox(crate::cmd::sandbox::SandboxArgs),
    /// Print the completion script of a shell (bash, zsh, fish, powershell, elvish).
    #[command(after_help = crate::cmd::docs::COMPLETIONS)]
    Completions(crate::cmd::docs::CompletionsArgs),
    /// Write the manual pages: contactport(1) on stdout, or every page into a directory.
    #[command(after_help = crate::cmd::docs::MAN)]
    Man(crate::cmd::docs::ManArgs),
}

/// How core's messages name what supplies a missing piece: this command line's flags.
pub const HINTS: contactport_core::Hints = contactport_core::Hints {
    org_name: "--org-name",
    vendor_id: "--vendor-id",
    vendor_map: "--vendor-map",
    encoding: "--encoding",
    map: "--map",
    map_example: "--map 'Column=email,Other=phone'",
};

/// How many threads a file conversion runs on.
#[derive(Debug, Clone, Args)]
pub struct ThreadArgs {
    /// Threads to convert on (a large UTF-8 CSV or JSON is cut in pieces). Default: one per
    /// core. 1 reads the file on one thread; the result is the same either way.
    #[arg(long, short = 'j', value_name = "N", env = "CONTACTPORT_THREADS")]
    pub threads: Option<std::num::NonZeroUsize>,
}

impl ThreadArgs {
    /// The threads to use.
    pub fn count(&self) -> usize {
        self.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            |n| n.get(),
        )
    }
}

/// How the input is read.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Input format. Default: detected from the content (JSON or CSV; Covage, Kojo or
    /// canonical keys; Google or Outlook headers; vCard).
    #[arg(long, value_name = "FORMAT", value_parser = format_parser())]
    pub from: Option<Format>,
    /// Input encoding: any WHATWG label (utf-8, utf-16le, windows-1252, windows-1251,
    /// shift_jis, gbk…). Default: detected (a BOM, else UTF-16 by its zero bytes, else UTF-8
    /// when it is, or mostly is, else guessed by chardetng).
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<Encoding>,
    /// CSV delimiter (one character). Default: sniffed among , ; TAB |.
    #[arg(long, value_name = "CHAR", value_parser = options::delimiter)]
    pub delimiter: Option<u8>,
    /// The largest record (CSV row, JSON element) read, in bytes: a longer one is rejected
    /// with its line, so memory stays flat whatever the file.
    #[arg(long, value_name = "BYTES", default_value_t = contactport_core::format::csv_read::MAX_RECORD,
          value_parser = options::record_bytes)]
    pub max_record_bytes: usize,
    /// Map CSV columns to fields, for headers nobody would guess: 'Courriel=email,Tél.
    /// bureau=phone,Notes=-' (`-` drops a column). Repeatable. Fields: the canonical CSV's
    /// columns (`--help` lists them).
    #[arg(long, value_name = "COLUMN=FIELD,…", long_help = map_help())]
    pub map: Vec<String>,
    /// The same mapping from a file: one `column=field` a line (`#` comments).
    #[arg(long, value_name = "FILE")]
    pub map_file: Option<PathBuf>,
    /// An invalid phone number (`pager`, `+1-555-0123`): keep it as written, drop it, or reject
    /// the record. Default: keep (with a warning) for files, reject for Covage and Kojo.
    #[arg(long, value_name = "POLICY", value_parser = invalid_phone_parser())]
    pub invalid_phone: Option<contactport_core::normalize::InvalidPhone>,
}

impl InputArgs {
    /// The column mapping of `--map` and `--map-file`.
    pub fn columns(&self) -> anyhow::Result<Vec<(String, Option<contactport_core::Field>)>> {
        use anyhow::Context;
        let mut pairs: Vec<String> = self
            .map
            .iter()
            .flat_map(|m| m.split(',').map(str::to_string).collect::<Vec<_>>())
            .collect();
        if let Some(p) = &self.map_file {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            pairs.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(String::from),
            );
        }
        pairs
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| options::column_pair(p).map_err(|e| anyhow::anyhow!("--map {e}")))
            .collect()
    }
}

/// `--map`'s long help, naming every field of the record (from `Field::ALL`: never stale).
fn map_help() -> String {
    let fields: Vec<&str> = contactport_core::Field::ALL
        .iter()
        .map(|f| f.name())
        .collect();
    format!(
        "Map CSV columns to fields, for headers nobody would guess: 'Courriel=email,Tél. \
         bureau=phone,Notes=-' (`-` drops a column). Repeatable. Fields: {}.",
        fields.join(", ")
    )
}

/// A value parser whose names come from a table: clap offers them (help, completions) and
/// core's parser reads the value and words the error.
#[derive(Clone)]
pub struct Table<T> {
    parse: fn(&str) -> Result<T, String>,
    choices: fn() -> Vec<Choice>,
}

impl<T: Clone + Send + Sync + 'static> clap::builder::TypedValueParser for Table<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        self.parse.parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new((self.choices)().into_iter().map(|c| {
            clap::builder::PossibleValue::new(c.name)
                .help(c.help)
                .aliases(c.aliases.iter().copied())
        })))
    }
}

/// `--from` / `--to`: a format of core's table.
pub fn format_parser() -> Table<Format> {
    Table {
        parse: |s| {
            s.parse()
                .map_err(|e: contactport_core::Error| e.to_string())
        },
        choices: options::formats,
    }
}

/// `--vcard-version`.
pub fn vcard_parser() -> Table<contactport_core::format::vcard::Version> {
    Table {
        parse: options::vcard_version,
        choices: || options::VCARD_VERSIONS.to_vec(),
    }
}

fn kojo_phone_parser() -> Table<KojoPhone> {
    Table {
        parse: str::parse,
        choices: || options::KOJO_PHONE.to_vec(),
    }
}

fn invalid_phone_parser() -> Table<contactport_core::normalize::InvalidPhone> {
    Table {
        parse: str::parse,
        choices: || options::INVALID_PHONE.to_vec(),
    }
}

/// `--for`.
pub fn target_parser() -> Table<Target> {
    Table {
        parse: str::parse,
        choices: options::targets,
    }
}

/// A provider's name, from the providers library's table.
pub fn provider_parser() -> Table<contactport_providers::Kind> {
    fn choices() -> Vec<Choice> {
        contactport_providers::PROVIDERS
            .iter()
            .map(|k| Choice {
                name: k.name,
                aliases: &[],
                help: k.about,
            })
            .collect()
    }
    Table {
        parse: |s| {
            contactport_providers::kind(s)
                .ok_or_else(|| format!("expected {}, got {s:?}", options::expected(&choices())))
        },
        choices,
    }
}

fn on_existing_parser() -> Table<contactport_providers::OnExisting> {
    Table {
        parse: str::parse,
        choices: || contactport_providers::OnExisting::CHOICES.to_vec(),
    }
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(r) if r == 0.0 || (0.001..=100_000.0).contains(&r) => Ok(r),
        Ok(_) => Err(
            "expected 0 (no limit) or a number of requests a second from 0.001 to 100000".into(),
        ),
        Err(e) => Err(format!("not a number: {e}")),
    }
}

/// How records map between formats and providers.
#[derive(Debug, Clone, Args)]
pub struct MappingArgs {
    /// Region for phone numbers written without a country code (ISO 3166, e.g. FR, BE).
    #[arg(long, value_name = "REGION", default_value = "FR")]
    pub default_region: Region,
    /// Which number Kojo's single phone takes: mobile-first or fixed-first.
    #[arg(long, value_name = "ORDER", default_value = "mobile-first", value_parser = kojo_phone_parser())]
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
            writing: contactport_core::Writing {
                kojo_phone: self.kojo_phone,
            },
            org_name: self.org_name.clone(),
            vendor_id: self.vendor_id.clone(),
            vendor_map,
        })
    }
}

/// Where the commands that write a file write it, and how (`convert`, `export`).
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output file; `-` or nothing writes stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format. Default: from the output's extension, else csv.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser())]
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
    #[arg(long, value_name = "3|4", default_value = "3", value_parser = vcard_parser())]
    pub vcard_version: contactport_core::format::vcard::Version,
}

impl OutputArgs {
    /// The output format: `--to`, else the output file's extension, else csv.
    pub fn format(&self) -> Format {
        self.to
            .or_else(|| {
                let o = self.output.as_deref()?;
                Format::from_extension(&o.to_string_lossy())
            })
            .unwrap_or(Format::Csv)
    }

    /// `opts` writing what these options say.
    pub fn apply(&self, opts: contactport_core::Options) -> contactport_core::Options {
        contactport_core::Options {
            to: Some(self.format()),
            bom: self.bom,
            excel_safe: self.excel_safe.unwrap_or(self.bom),
            rejects_excel_safe: self.excel_safe.unwrap_or(true),
            vcard_version: self.vcard_version,
            ..opts
        }
    }

    /// The files named, for [`crate::files::distinct`].
    pub fn files(&self) -> [(&'static str, Option<&std::path::Path>); 3] {
        [
            ("-o", self.output.as_deref()),
            ("--rejects", self.rejects.as_deref()),
            ("--report", self.report.as_deref()),
        ]
    }
}

/// Where the providers are and how to talk to them. Credentials come from the environment
/// only, as each provider's row says ([`credentials_help`]).
#[derive(Debug, Clone, Args)]
pub struct ProviderArgs {
    /// Each provider's settings, from the providers' table (`--covage-url`, `--kojo-url`…).
    #[command(flatten)]
    pub settings: Settings,
    /// Requests per second to the provider written to (default: its documented limit). 0 for
    /// no limit.
    #[arg(long, value_name = "R", value_parser = parse_rate, help = limits_help(
        "Requests per second to the provider written to",
        |l| (l.rate > 0.0).then(|| l.rate.to_string()),
        "",
    ))]
    pub rate: Option<f64>,
    /// Requests an hour to the provider (default: its documented quota). 0 for no limit.
    #[arg(long, value_name = "N", help = limits_help(
        "Requests an hour to the provider written to",
        |l| (l.per_hour > 0).then(|| l.per_hour.to_string()),
        " Past it, requests wait for the hour to roll on.",
    ))]
    pub hourly_limit: Option<u32>,
    /// Seconds before a request is given up (and retried), 1 to 3600.
    #[arg(long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Attempts per request before the record is reported failed.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub attempts: u32,
}

impl ProviderArgs {
    /// The provider called `name`; `writing`: this run writes to it (`--rate` applies).
    pub fn open(
        &self,
        provider: contactport_providers::Kind,
        writing: bool,
    ) -> anyhow::Result<std::sync::Arc<dyn contactport_providers::Provider>> {
        let connect = contactport_providers::Connect {
            values: self.settings.0.clone(),
            link: contactport_providers::Link {
                rate: self.rate,
                hourly_limit: self.hourly_limit,
                timeout: std::time::Duration::from_secs(self.timeout.max(1)),
                attempts: self.attempts,
            },
        };
        Ok(contactport_providers::open(
            provider.name,
            &connect,
            writing,
        )?)
    }
}

/// A limit flag's help: what it is, then each provider's default from its row
/// (`20 for kojo; none for covage`), then `more`.
fn limits_help(
    what: &str,
    default: fn(&contactport_providers::Limits) -> Option<String>,
    more: &str,
) -> String {
    let defaults: Vec<String> = contactport_providers::PROVIDERS
        .iter()
        .map(|k| match default(&k.limits) {
            Some(v) => format!("{v} for {}", k.name),
            None => format!("none for {}", k.name),
        })
        .collect();
    format!(
        "{what} (default: its documented limit: {}). 0 for no limit.{more}",
        defaults.join("; ")
    )
}

/// What `import`, `export` and `migrate` say after their examples: each provider's credential
/// variables, from its row.
pub fn credentials_help(examples: &str) -> String {
    let mut s = format!("{examples}\n\nCredentials, from the environment only:");
    for k in contactport_providers::PROVIDERS {
        s.push_str(&format!("\n  {}: {}", k.name, k.credentials));
    }
    s
}

/// Each provider's settings (where it is), as flags made from the providers' table: a new
/// provider's flags, help, completions and man page come with its row.
#[derive(Debug, Clone, Default)]
pub struct Settings(pub contactport_providers::Values);

fn settings() -> impl Iterator<Item = &'static contactport_providers::Setting> {
    contactport_providers::PROVIDERS
        .iter()
        .flat_map(|k| k.settings.iter())
}

impl clap::FromArgMatches for Settings {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut values = contactport_providers::Values::default();
        for s in settings() {
            if let Some(v) = m.get_one::<String>(s.flag) {
                values.set(s, v.clone());
            }
        }
        Ok(Settings(values))
    }

    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Settings::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for Settings {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        settings().fold(cmd, |cmd, s| {
            cmd.arg(
                clap::Arg::new(s.flag)
                    .long(s.flag)
                    .env(s.env)
                    .default_value(s.default)
                    .value_name(s.value_name)
                    .help(s.help),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Settings::augment_args(cmd)
    }
}

/// Options of the commands that write to a provider.
#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    /// Print the plan (create / update / unchanged / reject per contact) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Records in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,
    /// Append each finished record here; a re-run with the same journal skips them.
    #[arg(long, value_name = "FILE", conflicts_with = "state")]
    pub journal: Option<PathBuf>,
    /// Remember what was written here, to keep two systems in step: the next run with the
    /// same state sends nothing for a contact that did not change, and writes only the fields
    /// that changed at the source (by id: edits made in the target to other fields stay).
    /// A contact deleted in the target is reported, not created again; one gone from the
    /// source is reported, never deleted. It also resumes a run stopped midway.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// With --state: look every contact up by email as if the state were empty (finds what
    /// was deleted in the target while unchanged at the source), and remember what it finds.
    #[arg(long, requires = "state")]
    pub full: bool,
    /// With --state: create again the contacts deleted in the target since they were written.
    #[arg(long, requires = "state")]
    pub recreate_deleted: bool,
    /// Write rejected records here (canonical CSV with record, line and errors).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// The rejects file for Excel: cells Excel would run as formulas (= + - @, a tab or a CR)
    /// get a leading ' (they hold what a file or a provider sent). On by default;
    /// --excel-safe=false turns it off. contactport reads such files back as they were.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub excel_safe: Option<bool>,
    /// Write the JSON report here.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// A contact the provider already has (same email): update it, or skip it.
    #[arg(long, value_name = "update|skip", default_value = "update", value_parser = on_existing_parser())]
    pub on_existing: contactport_providers::OnExisting,
}
