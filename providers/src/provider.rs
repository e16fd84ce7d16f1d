//! The traits every provider implements, and the events a run reports.
//!
//! A provider offers primitives: [`Provider`] reads its contacts and says who it is; its
//! [`Writer`] finds, compares, creates and updates one contact. What to do with them (dry run,
//! skip, conflicts, lost creates, the journal) is the engine's, in [`crate::sync`]. A new
//! provider is a client module implementing both, with its row (`KIND`) in the registry's
//! `PROVIDERS` (`registry.rs`), beside its module in core.

use crate::error::Error;
use crate::source::{Feed, Reading};
use contactport_core::{Contact, Format, Writing};
use futures::future::BoxFuture;
use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

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

/// What a provider holds for one contact: its id, and its record as the provider sent it,
/// which only that provider reads (it compares and updates in its own terms).
pub struct Held {
    /// The provider's id.
    pub id: String,
    /// The provider's record (`CovageContact`, `KojoContact`, a test's own type).
    record: Box<dyn Any + Send + Sync>,
}

impl Held {
    /// Contact `id`, held as `record`.
    pub fn new<T: Any + Send + Sync>(id: String, record: T) -> Held {
        Held {
            id,
            record: Box::new(record),
        }
    }

    /// The record, as the writer that found it stored it.
    ///
    /// # Panics
    /// When `T` is another provider's record: a writer is only given what it found.
    pub fn record<T: Any>(&self) -> &T {
        self.record
            .downcast_ref()
            .expect("a contact this provider's writer found")
    }
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held").field("id", &self.id).finish()
    }
}

/// What writing a contact over the one held would change.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Change {
    /// The fields that would be written (the provider's names); empty: nothing to do.
    pub fields: Vec<&'static str>,
    /// Values that differ but that the provider cannot change: (field, held, wanted).
    pub conflicts: Vec<(&'static str, String, String)>,
}

/// The requests a dry run decided on, for [`Writer::planned_requests`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    /// Contacts looked for by email.
    pub finds: u64,
    /// Contacts created.
    pub creates: u64,
    /// Contacts updated (found by email, or known by id from a state).
    pub updates: u64,
}

/// What a provider can do with contacts it is written to: its primitives. The engine
/// ([`crate::sync`]) owns the policy: dry run, skip, conflicts, duplicate emails, and the one
/// protocol for creates whose answer was lost.
pub trait Writer: Send + Sync {
    /// The provider's name in messages: `Covage`, `Kojo`.
    fn label(&self) -> &'static str;

    /// The contact held under `email` (case, Unicode form and spelling of the domain aside).
    fn find<'a>(&'a self, email: &'a str) -> BoxFuture<'a, Result<Option<Held>, Error>>;

    /// Looks again for the contacts of `emails`, once creates whose answers were lost must
    /// have landed: by email key ([`contactport_core::email::key`]). One find each, unless the
    /// provider can do better (Covage reads its list once).
    fn find_again<'a>(
        &'a self,
        emails: &'a [String],
    ) -> BoxFuture<'a, Result<HashMap<String, Held>, Error>> {
        Box::pin(async move {
            let mut found = HashMap::new();
            for e in emails {
                if let Some(h) = self.find(e).await? {
                    found.insert(contactport_core::email::key(e), h);
                }
            }
            Ok(found)
        })
    }

    /// What writing `want` over `have` would change: values `want` lacks never erase.
    fn changes(&self, want: &Contact, have: &Held) -> Change;

    /// The values `want` gives this provider's fields (its names, in a fixed order): what a
    /// sync state remembers, to tell next time which fields changed at the source.
    fn values(&self, want: &Contact) -> Vec<(&'static str, String)>;

    /// Fields that cannot change once the contact exists (Kojo's orgName).
    fn fixed(&self) -> &'static [&'static str] {
        &[]
    }

    /// Creates `want`; its id. [`Error::Ambiguous`] when the answer was lost: the contact
    /// may exist now.
    fn create<'a>(&'a self, want: &'a Contact) -> BoxFuture<'a, Result<String, Error>>;

    /// Writes `fields` of `want` (values it lacks left out) onto the contact `id`, as `have`
    /// when it was just found, or unread when a state knows its id: every other field stays
    /// as the provider has it. `Some(true)` written, `Some(false)` when the provider already
    /// had those values, `None` when the contact is gone (deleted).
    fn update<'a>(
        &'a self,
        id: &'a str,
        have: Option<&'a Held>,
        want: &'a Contact,
        fields: &'a [&'static str],
    ) -> BoxFuture<'a, Result<Option<bool>, Error>>;

    /// For a dry run: the requests the real run would send, from what it decided.
    fn planned_requests(&self, planned: &Planned) -> u64;
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
    /// Gets ready to write (Covage reads its list: the only way to find a contact by email),
    /// records as `writing` says.
    fn writer(
        self: Arc<Self>,
        writing: Writing,
    ) -> BoxFuture<'static, Result<Box<dyn Writer>, Error>>;
    /// "the real run sends about N requests to P: …", for a dry run.
    fn plan_time(&self, requests: u64) -> String;
}
