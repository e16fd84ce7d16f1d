//! The providers by name: what is known of each before connecting ([`Kind`], [`PROVIDERS`]),
//! where they are and how to talk to them ([`Connect`]), and [`open`], which builds one. Apart
//! from the traits (`provider.rs`): a new provider is one row here and one arm in [`open`].

use crate::error::Error;
use crate::provider::Provider;
use std::sync::Arc;
use std::time::Duration;

/// What is known of a provider before connecting to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// The name the command line and journals use.
    pub name: &'static str,
    /// What it is, for a completion or a menu.
    pub about: &'static str,
    /// When its contacts can only be read by id or email: why (no list endpoint).
    pub ids_only: Option<&'static str>,
}

/// The providers.
pub const PROVIDERS: [Kind; 2] = [
    Kind {
        name: "covage",
        about: "Covage's extranet (formerly Kosc)",
        ids_only: None,
    },
    Kind {
        name: "kojo",
        about: "Kojo procurement",
        ids_only: Some("Kojo has no list endpoint"),
    },
];

/// The provider called `name`, if there is one.
pub fn kind(name: &str) -> Option<Kind> {
    PROVIDERS.into_iter().find(|k| k.name == name)
}

/// Where the providers are and how to talk to them (the command line's provider options).
#[derive(Debug, Clone)]
pub struct Connect {
    /// Where Covage is.
    pub covage: crate::covage::Config,
    /// Where Kojo is.
    pub kojo: crate::kojo::Config,
    /// How to talk to the provider: pacing, timeouts, attempts.
    pub link: Link,
}

/// How to talk to a provider, whichever it is (the command line's `--rate`, `--timeout`…).
#[derive(Debug, Clone)]
pub struct Link {
    /// Requests a second to the provider written to (default: its documented limit).
    pub rate: Option<f64>,
    /// Requests an hour to the provider written to (default: its documented quota).
    pub hourly_limit: Option<u32>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Attempts per request.
    pub attempts: u32,
}

impl Link {
    pub(crate) fn tuning(&self, rate: f64, per_hour: u32) -> crate::endpoint::Tuning {
        crate::endpoint::Tuning {
            rate,
            quota: (per_hour > 0).then_some(crate::pacer::Quota {
                requests: per_hour,
                window: Duration::from_secs(3600),
            }),
            backoff: crate::retry::Backoff {
                attempts: self.attempts.max(1),
                ..Default::default()
            },
            timeout: self.timeout.max(Duration::from_secs(1)),
            max_body: crate::endpoint::MAX_BODY,
        }
    }
}

/// The provider called `name` (one of [`PROVIDERS`]), credentials from the environment. `writing`:
/// this run writes to it, so `rate` and `hourly_limit` apply (Kojo paces reads too: its limit
/// is per organisation, for all calls).
pub fn open(name: &str, connect: &Connect, writing: bool) -> Result<Arc<dyn Provider>, Error> {
    match name {
        "covage" => Ok(Arc::new(crate::covage::Covage::connect(connect, writing)?)),
        "kojo" => Ok(Arc::new(crate::kojo::Kojo::connect(connect)?)),
        other => Err(Error::Config(format!("unknown provider {other:?}"))),
    }
}
