//! The providers by name: what is known of each before connecting, its settings and how to
//! build its client ([`Kind`], one row of [`PROVIDERS`] each, defined in the provider's
//! module), the settings' values and the link ([`Connect`]), and [`open`], which builds one.
//! Apart from the traits (`provider.rs`): a new provider is its module and one row here.

use crate::error::Error;
use crate::provider::Provider;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// What is known of a provider before connecting to it, and how to connect.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// The name the command line and journals use.
    pub name: &'static str,
    /// What it is, for a completion or a menu.
    pub about: &'static str,
    /// When its contacts can only be read by id or email: why (no list endpoint).
    pub ids_only: Option<&'static str>,
    /// Where it is: its settings (the command line's `--covage-url`…).
    pub settings: &'static [Setting],
    /// The environment variables its credentials are read from, for the help
    /// (`KOJO_API_KEY, or KOJO_CLIENT_ID and KOJO_CLIENT_SECRET`).
    pub credentials: &'static str,
    /// Its documented limits: what `--rate` and `--hourly-limit` default to.
    pub limits: Limits,
    /// Builds its client from the settings' values, credentials from the environment.
    /// `writing`: this run writes to it.
    pub open: Open,
}

/// A provider's documented limits (0: none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Requests a second.
    pub rate: f64,
    /// Requests an hour.
    pub per_hour: u32,
}

/// How a [`Kind`] builds its client.
pub type Open = fn(&Connect, bool) -> Result<Arc<dyn Provider>, Error>;

impl PartialEq for Kind {
    fn eq(&self, other: &Kind) -> bool {
        self.name == other.name
    }
}

impl Eq for Kind {}

/// A setting of a provider, given by a flag or an environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// Its flag, without the dashes (`kojo-url`).
    pub flag: &'static str,
    /// The environment variable read when the flag is not given (`KOJO_URL`).
    pub env: &'static str,
    /// The value when neither is given: the production address.
    pub default: &'static str,
    /// What its value is, for the help (`URL`).
    pub value_name: &'static str,
    /// What it is, for the help.
    pub help: &'static str,
}

/// The providers, one row each, in the order menus list them.
pub const PROVIDERS: [Kind; 2] = [crate::covage::KIND, crate::kojo::KIND];

/// The provider called `name`, if there is one.
pub fn kind(name: &str) -> Option<Kind> {
    PROVIDERS.into_iter().find(|k| k.name == name)
}

/// The settings given, by flag; a setting not given takes its default.
#[derive(Debug, Clone, Default)]
pub struct Values(BTreeMap<&'static str, String>);

impl Values {
    /// Gives `setting` the value `value`.
    pub fn set(&mut self, setting: &Setting, value: String) {
        self.0.insert(setting.flag, value);
    }

    /// The value of `setting`: as given, else its default.
    pub fn get(&self, setting: &Setting) -> &str {
        self.0
            .get(setting.flag)
            .map_or(setting.default, String::as_str)
    }
}

/// Where the providers are and how to talk to them (the command line's provider options).
#[derive(Debug, Clone)]
pub struct Connect {
    /// The providers' settings.
    pub values: Values,
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
    match kind(name) {
        Some(k) => (k.open)(connect, writing),
        None => Err(Error::Config(format!("unknown provider {name:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_flags_and_variables_are_unique() {
        let mut names: Vec<&str> = PROVIDERS.iter().map(|k| k.name).collect();
        let mut flags: Vec<&str> = PROVIDERS
            .iter()
            .flat_map(|k| k.settings)
            .map(|s| s.flag)
            .collect();
        let mut envs: Vec<&str> = PROVIDERS
            .iter()
            .flat_map(|k| k.settings)
            .map(|s| s.env)
            .collect();
        for list in [&mut names, &mut flags, &mut envs] {
            let n = list.len();
            list.sort();
            list.dedup();
            assert_eq!(list.len(), n, "{list:?}");
        }
        for s in PROVIDERS.iter().flat_map(|k| k.settings) {
            assert!(
                !s.flag.starts_with('-') && s.env == s.env.to_ascii_uppercase(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn a_setting_not_given_is_its_default() {
        let url = &crate::kojo::KIND.settings[0];
        let mut v = Values::default();
        assert_eq!(v.get(url), "https://api.kojo.tech");
        v.set(url, "http://127.0.0.1:9".into());
        assert_eq!(v.get(url), "http://127.0.0.1:9");
        assert!(matches!(
            open("nope", &Connect { values: v, link: Link { rate: None, hourly_limit: None, timeout: Duration::from_secs(30), attempts: 1 } }, false),
            Err(Error::Config(m)) if m == "unknown provider \"nope\""
        ));
    }
}
