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
    /// Kojo's rate limit in requests a second (429 past it); 0 for none.
    #[arg(long, default_value_t = 0.0)]
    pub kojo_rps: f64,
    /// Kojo's hourly quota in requests (3,600 documented); 429 past it. 0 for none.
    #[arg(long, default_value_t = 0)]
    pub kojo_per_hour: u32,
    /// The hourly quota's window in seconds (shorter to rehearse).
    #[arg(long, default_value_t = 3600.0)]
    pub kojo_hour_secs: f64,
    /// Seed of the random faults, so a failing run can be replayed (default: random, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Covage list page size (Django envelope); 0 answers a bare array.
    #[arg(long, default_value_t = 0)]
    pub page_size: usize,
    /// Kojo access token lifetime, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub kojo_token_ttl: u64,
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
    cfg.faults.kojo_rps = a.kojo_rps;
    cfg.faults.kojo_per_hour = a.kojo_per_hour;
    cfg.faults.kojo_hour_secs = a.kojo_hour_secs;
    cfg.page_size = a.page_size;
    cfg.kojo_token_ttl = a.kojo_token_ttl;
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
        writeln!(
            out,
            "export COVAGE_TOKEN={} KOJO_API_KEY={}",
            cfg.covage_token, cfg.kojo_api_key
        )?;
        writeln!(
            out,
            "# or: COVAGE_EMAIL={} COVAGE_PASSWORD={} KOJO_CLIENT_ID={} KOJO_CLIENT_SECRET={}",
            cfg.covage_email, cfg.covage_password, cfg.kojo_client_id, cfg.kojo_client_secret
        )?;
        out.flush()?;
        drop(out);
        tokio::select! {
            r = sandbox::serve(listener, cfg) => r.map(|_| 0).map_err(Into::into),
            _ = tokio::signal::ctrl_c() => Ok(0),
        }
    })
}
