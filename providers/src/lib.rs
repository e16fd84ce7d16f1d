//! contactport-providers: the API side of contactport, as a library.
//!
//! # Map
//!
//! - [`Provider`] (in `provider`): what every provider offers: read its contacts into a [`Feed`],
//!   say who it is (name, contacts URL, account) for the journal, and a [`Writer`]: the
//!   primitives of writing (find by email, compare, create, update). [`PROVIDERS`] has a row
//!   per provider (its name, its settings, how to build its client: a [`Kind`], defined in
//!   the provider's module); [`open`] builds one by name from a [`Connect`]ion (both in
//!   `registry`).
//!   - `covage`: JWT auth, the list (bare array or Django page chain), full-object PUT.
//!   - `kojo`: API key or OAuth client credentials, lookup by id or email, PATCH.
//! - `endpoint`: one provider's HTTP origin: HTTPS only (loopback aside), paths that never
//!   leave the base, retries (`retry`: verdicts, backoff, `Retry-After`) and pacing (`pacer`:
//!   rate and hourly quota). `secret`: credentials from the environment, never shown.
//! - [`Feed`] (in `source`): records read from a provider (or a file) go through core's
//!   converter, to a channel of records or to an output file.
//! - [`sync::run`]: the engine and its policy (dry run, skip, conflicts, duplicate emails, lost
//!   creates, a sync state's three-way merge): records from any source upserted into any
//!   target, keyed by email, exactly once, with the [`Journal`] making a run resumable after a
//!   crash, or, opened as a state ([`Use::State`]), the next run send requests only for what
//!   changed. It reports
//!   progress as [`Event`]s: this crate never touches the terminal.
//!
//! Every failure is an [`Error`].

#![forbid(unsafe_code)]

mod covage;
mod endpoint;
mod error;
#[cfg(test)]
mod fake;
mod journal;
mod kojo;
mod pacer;
mod provider;
mod registry;
mod retry;
#[cfg(test)]
mod scripted;
mod secret;
mod source;
pub mod stop;
pub mod sync;

pub use endpoint::check_segment;
pub use error::Error;
pub use journal::{Journal, Owner, Use};
pub use provider::{Change, Event, Events, Held, Planned, Provider, Writer};
pub use registry::{kind, open, Connect, Kind, Limits, Link, Setting, Values, PROVIDERS};

pub use source::{file as feed_file, Destination, Feed, Reading, Record};
pub use sync::{Conflict, Failure, OnExisting, Run, Settings, SyncReport};
