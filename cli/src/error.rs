//! The CLI library's error type: what a provider call can end in. Messages never carry a URL
//! with credentials, a token or a password.

/// A failed provider call.
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
}

impl Error {
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
