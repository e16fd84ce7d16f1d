//! `contactport sandbox`: both APIs on loopback, from memory.

use clap::Args;
use contactport_sandbox::{self as sandbox, Config};
use std::io::Write;

/// Shown after `contactport sandbox --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Serve both APIs on port 8088, the Covage list in pages of 50, with faults:
  contactport sandbox --port 8088 --page-size 50 --fail-rate 0.1 --drop-rate 0.05 --kojo-rps 20

  # Then, in another terminal, rehearse against it:
  export COVAGE_URL=http://127.0.0.1:8088 KOJO_URL=http://127.0.0.1:8088
  export COVAGE_TOKEN=sandbox-covage-jwt KOJO_API_KEY=sandbox-kojo-key
  contactport import covage samples/contacts.csv
  contactport migrate covage kojo --vendor-map samples/vendors.csv
  curl -s http://127.0.0.1:8088/_sandbox/state

State is in memory only and gone when the sandbox stops (Ctrl-C).";

/// `sandbox` arguments.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0 picks a free one; the address is printed).
    #[arg(long, default_value_t = 8088)]
    pub port: u16,
    /// Share of contact requests answered 500/502/503, not applied.
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Share of contact requests applied, then dropped without an answer.
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Share of writes a gateway answers 504 at once while the backend applies them
    /// --late-write-ms later.
    #[arg(long, default_value_t = 0.0)]
    pub late_write_rate: f64,
    /// How long after its 504 a late write is applied, in milliseconds.
    #[arg(long, default_value_t = 1500)]
    pub late_write_ms: u64,
    /// Delay before each API answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Seed of the random faults, so a failing run can be replayed (default: random, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Each provider's flags (`--page-size`, `--kojo-rps`…), from the sandbox's rows.
    #[command(flatten)]
    pub providers: ProviderFlags,
}

/// The flags of the providers' fakes, made from [`sandbox::flags`]: the option each sets,
/// by name, and the value typed ([`typed`]). The fake the option is its says whether it
/// takes the value ([`sandbox::Config::check`]), naming the option if not.
#[derive(Debug, Clone, Default)]
pub struct ProviderFlags(serde_json::Map<String, serde_json::Value>);

impl clap::FromArgMatches for ProviderFlags {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = ProviderFlags::default();
        flags.update_from_arg_matches(m)?;
        Ok(flags)
    }

    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        for f in sandbox::flags() {
            if let Some(typed) = m.get_one::<String>(f.key) {
                self.0.insert(f.key.to_string(), self::typed(typed));
            }
        }
        Ok(())
    }
}

/// A flag's value as a number when it reads as one (as Rust reads `007`, `+5`, `.5`, `5.`),
/// `true` or `false`, else as text.
fn typed(v: &str) -> serde_json::Value {
    use serde_json::Value;
    if let Ok(n) = v.parse::<u64>() {
        return Value::from(n);
    }
    if let Ok(n) = v.parse::<i64>() {
        return Value::from(n);
    }
    if let Some(n) = v.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
        return Value::Number(n);
    }
    match v.parse::<bool>() {
        Ok(b) => Value::Bool(b),
        Err(_) => Value::String(v.to_string()),
    }
}

impl clap::Args for ProviderFlags {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        sandbox::flags().fold(cmd, |cmd, f| {
            cmd.arg(
                clap::Arg::new(f.key)
                    .long(f.long)
                    .help(f.help)
                    .value_name(f.key.to_ascii_uppercase())
                    .default_value(f.default),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// Runs the sandbox until stopped.
pub fn run(a: SandboxArgs) -> anyhow::Result<u8> {
    let seed = a.seed.unwrap_or_else(|| fastrand::u64(..));
    let mut cfg = Config::rehearsal(seed);
    cfg.faults.fail_rate = a.fail_rate;
    cfg.faults.drop_rate = a.drop_rate;
    cfg.faults.latency_ms = a.latency_ms;
    cfg.faults.late_write_rate = a.late_write_rate;
    cfg.faults.late_write_ms = a.late_write_ms;
    cfg.options = a.providers.0;
    // A value a fake cannot take (`--page-size=-1`, `--kojo-rps fast`) fails here, naming
    // the option.
    cfg.check()?;
    super::server_runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", a.port)).await?;
        let addr = listener.local_addr()?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "contactport sandbox listening on http://{addr}")?;
        writeln!(out, "# faults seeded with --seed {seed}")?;
        // Every provider's URL setting, from the providers' table.
        let urls: Vec<String> = contactport_providers::PROVIDERS
            .iter()
            .flat_map(|k| k.settings)
            .filter(|s| s.value_name == "URL")
            .map(|s| format!("{}=http://{addr}", s.env))
            .collect();
        writeln!(out, "export {}", urls.join(" "))?;
        // Each provider's credentials in the sandbox: the first way, then the others.
        let (first, others) = cfg.credentials()?;
        let pairs = |v: &[(&str, String)]| {
            v.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        writeln!(out, "export {}", pairs(&first))?;
        writeln!(out, "# or: {}", pairs(&others))?;
        out.flush()?;
        drop(out);
        tokio::select! {
            r = sandbox::serve(listener, cfg) => r.map(|_| 0).map_err(Into::into),
            _ = tokio::signal::ctrl_c() => Ok(0),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_flag_value_is_a_number_as_rust_reads_one_else_text() {
        assert_eq!(typed("50"), json!(50));
        assert_eq!(typed("007"), json!(7));
        assert_eq!(typed("+5"), json!(5));
        assert_eq!(typed("-3"), json!(-3));
        assert_eq!(typed(".5"), json!(0.5));
        assert_eq!(typed("5."), json!(5.0));
        assert_eq!(typed("true"), json!(true));
        assert_eq!(typed("fast"), json!("fast"));
        assert_eq!(
            typed("inf"),
            json!("inf"),
            "not a JSON number: refused by the fake"
        );
    }

    #[test]
    fn the_provider_flags_reach_the_config_as_options() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            sandbox: SandboxArgs,
        }
        let cli = Cli::parse_from(["x", "--page-size", "50", "--kojo-rps", ".5"]);
        let options = cli.sandbox.providers.0;
        assert_eq!(options["page_size"], json!(50));
        assert_eq!(options["kojo_rps"], json!(0.5));
        // Every flag is there with its default.
        assert_eq!(options["kojo_token_ttl"], json!(3600));
        assert_eq!(options.len(), sandbox::flags().count());
    }
}
