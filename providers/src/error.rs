//! The providers library's one error type: what a provider call, a source or the journal can
//! end in. Messages never carry a URL with credentials, a token or a password.

/// Why a provider call, a read or the journal failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The provider refused the credentials (or none were given).
    #[error("{provider}: authentication failed: {message}")]
    Auth {
        /// Provider name.
        provider: &'static str,
        /// Why.
        message: String,
    },
    /// The provider answered with an error status.
    #[error("{provider} answered {status}: {message}{}", request_id.as_ref().map(|r| format!(" (request {r})")).unwrap_or_default())]
    Api {
        /// Provider name.
        provider: &'static str,
        /// HTTP status.
        status: u16,
        /// The provider's message.
        message: String,
        /// Covage's `apirequest_uuid`, for its support.
        request_id: Option<String>,
    },
    /// No answer after every attempt (connection refused, timeouts, 5xx, 429).
    #[error("{provider}: gave up after {attempts} attempts: {last}")]
    Exhausted {
        /// Provider name.
        provider: &'static str,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// A write may or may not have been applied (answer lost): the caller must look before
    /// sending it again.
    #[error("{provider}: the answer to a write was lost ({why})")]
    Ambiguous {
        /// Provider name.
        provider: &'static str,
        /// What happened.
        why: String,
        /// How long the write may still take to land: the request timeout when it timed out
        /// (the server may still be working on it), a moment otherwise. Look only after it.
        settle: std::time::Duration,
    },
    /// An answer that does not follow the provider's documentation.
    #[error("{provider}: unexpected answer: {why}")]
    Protocol {
        /// Provider name.
        provider: &'static str,
        /// Why.
        why: String,
    },
    /// Bad configuration (base URL, credentials missing).
    #[error("{0}")]
    Config(String),
    /// The records read could not be converted (core's message, with the input's name).
    #[error("in {input}")]
    Read {
        /// The input's name (a file, a provider).
        input: String,
        /// Core's error.
        #[source]
        source: contactport_core::Error,
    },
    /// A file or stream could not be written or read.
    #[error("{what}")]
    Io {
        /// What was being done.
        what: String,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// Contacts cannot be looked for at all (Covage's list cannot be read): every record
    /// would fail the same way, so the run stops.
    #[error("{provider}: its contacts cannot be read to find them by email: {source}")]
    Lookup {
        /// Provider name.
        provider: &'static str,
        /// Why.
        source: Box<Error>,
    },
    /// The run was stopped (Ctrl-C, SIGTERM) while this request waited or was in flight: the
    /// record is not done.
    #[error("stopped before an answer")]
    Stopped,
    /// The journal cannot be used: not a journal, another run's, in use, unwritable.
    #[error("{message}")]
    Journal {
        /// Why, naming the file.
        message: String,
        /// The cause, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl Error {
    /// True when no other record can go through either (refused credentials, contacts that
    /// cannot be looked for): the run stops.
    pub fn ends_run(&self) -> bool {
        matches!(self, Error::Auth { .. } | Error::Lookup { .. })
    }

    /// An I/O failure while doing `what`.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            what: what.into(),
            source,
        }
    }

    /// The journal refused: `message`, caused by `source`.
    pub(crate) fn journal(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::Journal {
            message: message.into(),
            source,
        }
    }

    /// The provider's message and request id, for the report.
    pub fn details(&self) -> (Option<u16>, String, Option<String>) {
        match self {
            Error::Api {
                status,
                message,
                request_id,
                ..
            } => (Some(*status), message.clone(), request_id.clone()),
            other => (None, other.to_string(), None),
        }
    }
}
