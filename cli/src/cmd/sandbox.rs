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
    #[command(flatten)]
    pub covage: CovageArgs,
    #[command(flatten)]
    pub kojo: KojoArgs,
}

/// The fake Covage's flags.
#[derive(Debug, Args)]
pub struct CovageArgs {
    /// Covage list page size (Django envelope); 0 answers a bare array.
    #[arg(long, default_value_t = 0)]
    pub page_size: usize,
}

impl CovageArgs {
    fn apply(&self, cfg: &mut Config) {
        cfg.covage.page_size = self.page_size;
    }
}

/// The fake Kojo's flags.
#[derive(Debug, Args)]
pub struct KojoArgs {
    /// Kojo's rate limit in requests a second (429 past it); 0 for none.
    #[arg(long, default_value_t = 0.0)]
    pub kojo_rps: f64,
    /// Kojo's hourly quota in requests (3,600 documented); 429 past it. 0 for none.
    #[arg(long, default_value_t = 0)]
    pub kojo_per_hour: u32,
    /// The hourly quota's window in seconds (shorter to rehearse).
    #[arg(long, default_value_t = 3600.0)]
    pub kojo_hour_secs: f64,
    /// Kojo access token lifetime, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub kojo_token_ttl: u64,
}

impl KojoArgs {
    fn apply(&self, cfg: &mut Config) {
        let f = &mut cfg.faults.kojo;
        f.kojo_rps = self.kojo_rps;
        f.kojo_per_hour = self.kojo_per_hour;
        f.kojo_hour_secs = self.kojo_hour_secs;
        cfg.kojo.token_ttl = self.kojo_token_ttl;
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
    a.covage.apply(&mut cfg);
    a.kojo.apply(&mut cfg);
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
        let (first, others) = cfg.credentials();
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
