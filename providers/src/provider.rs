//! The one trait every provider implements, and the table that builds them by name.
//!
//! A new provider is a client file implementing [`Provider`] (and [`Upserts`] for writing), its
//! record mapping in core, and one entry in [`PROVIDERS`] and [`open`].

use crate::error::Error;
use crate::source::{Feed, Reading};
use crate::sync::{Conflict, Settings, SyncReport};
use contactport_core::{Contact, Format, Position};
use futures::future::BoxFuture;
use std::sync::{Arc, Mutex};
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

/// What a run reports as it goes; the CLI draws it (progress bar, stderr, the dry-run plan on
/// stdout), a test can collect it.
#[derive(Debug, Clone)]
pub enum Event {
    /// The records the source will send: exact, or estimated from the bytes read so far.
    Total(u64),
    /// One more record finished; the counts so far.
    Done {
        /// Created so far.
        created: u64,
        /// Updated so far.
        updated: u64,
        /// Unchanged so far.
        unchanged: u64,
        /// Failed so far.
        failed: u64,
    },
    /// Requests wait for the provider's quota (or a long pause it asked for) until `until`.
    /// Sent every half second while the wait lasts.
    Waiting {
        /// The provider's name.
        provider: &'static str,
        /// When the wait ends.
        until: tokio::time::Instant,
    },
    /// A dry run's decision for one contact: `create\temail`, `update\temail\tfields`, ….
    Plan(String),
}

/// Where [`Event`]s go.
pub type Events = Arc<dyn Fn(Event) + Send + Sync>;

/// What happened to one record written.
#[derive(Debug)]
pub enum Action {
    /// Created, with the provider's id.
    Created(String),
    /// Updated: the id and the fields changed.
    Updated(String, Vec<&'static str>),
    /// Already as wanted.
    Unchanged(String),
    /// Existing, left alone (`--on-existing skip`).
    Skipped(String),
    /// A create whose answer was lost, settled after the stream by [`Upserts::settle`] once the
    /// write must have landed (the duration).
    Uncertain(Duration),
    /// Not taken.
    Failed(Error),
}

/// A provider's contacts, read and written.
pub trait Provider: Send + Sync + 'static {
    /// The name on the command line and in journals: `covage`, `kojo`.
    fn name(&self) -> &'static str;
    /// Its records' format in core.
    fn format(&self) -> Format;
    /// The contacts URL (a journal's owner).
    fn contacts_url(&self) -> String;
    /// The account, for a journal's owner: never a secret.
    fn account(&self) -> String;
    /// While requests wait for a quota or a pause the provider asked for: until when.
    fn waiting_until(&self) -> Option<tokio::time::Instant>;
    /// Reads its contacts (every one, or those `ids` names, `concurrency` at a time) into
    /// `feed`; ids it does not know are returned as failures.
    fn read(
        self: Arc<Self>,
        ids: Vec<String>,
        concurrency: usize,
        feed: Feed,
    ) -> BoxFuture<'static, Reading>;
    /// Gets ready to write (Covage reads its list: the only way to find a contact by email).
    fn upserts(self: Arc<Self>) -> BoxFuture<'static, Result<Box<dyn Upserts>, Error>>;
    /// "the real run sends about N requests to P: …", for a dry run.
    fn plan_time(&self, requests: u64) -> String;
}

/// Records settled after the stream, each with what happened to it.
pub type Settled = Vec<(Position, Contact, Action)>;

/// Contacts written into a provider, keyed by email.
pub trait Upserts: Send + Sync {
    /// Creates, updates or leaves `c` alone. A value the provider holds and cannot change goes
    /// to `conflicts`.
    fn upsert<'a>(
        &'a self,
        c: &'a Contact,
        s: &'a Settings,
        pos: Position,
        conflicts: &'a Mutex<Vec<Conflict>>,
    ) -> BoxFuture<'a, Action>;

    /// Creates whose answers were lost ([`Action::Uncertain`]), once they must have landed:
    /// each is found (created) or sent again; on the `last` round, one not found fails. A
    /// provider that settles its creates itself never returns `Uncertain` and keeps this.
    fn settle(
        &self,
        pending: Vec<(Position, Contact)>,
        _last: bool,
    ) -> BoxFuture<'_, Result<Settled, Error>> {
        Box::pin(async move {
            Ok(pending
                .into_iter()
                .map(|(p, c)| {
                    let why = "the answer to a create was lost".to_string();
                    (p, c, Action::Failed(Error::Config(why)))
                })
                .collect())
        })
    }

    /// For a dry run: the requests the real run would send, from the counts decided.
    fn planned_requests(&self, report: &SyncReport) -> u64;
}

/// Where the providers are and how to talk to them (the command line's provider options).
#[derive(Debug, Clone)]
pub struct Connect {
    /// Covage base URL.
    pub covage_url: String,
    /// Kojo base URL.
    pub kojo_url: String,
    /// Kojo contacts path.
    pub kojo_path: String,
    /// Requests a second to the provider written to (default: its documented limit).
    pub rate: Option<f64>,
    /// Requests an hour to the provider written to (default: its documented quota).
    pub hourly_limit: Option<u32>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Attempts per request.
    pub attempts: u32,
}

impl Connect {
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
