//! Retries: what is transient and what is fatal is decided here, in one place, apart from how
//! long to wait (the backoff). A create whose answer was lost must not be resent blindly: the
//! verdict says so (`maybe_applied`) and the caller looks the contact up first.

use std::time::Duration;

/// What to do after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A final answer (2xx, or a 4xx the caller handles).
    Final,
    /// Try again. `after` is the provider's wait (429); `maybe_applied` is true when the
    /// server may have acted on the request before the failure.
    Retry {
        /// Wait asked for by the provider.
        after: Option<Duration>,
        /// The request may have taken effect.
        maybe_applied: bool,
    },
}

/// The verdict for an HTTP status. 5xx: the server may have acted; 429: it did not;
/// 408 (request timeout): it did not.
pub fn classify_status(status: u16) -> Verdict {
    match status {
        429 | 408 => Verdict::Retry {
            after: None,
            maybe_applied: false,
        },
        500..=599 => Verdict::Retry {
            after: None,
            maybe_applied: true,
        },
        _ => Verdict::Final,
    }
}

/// The verdict for a transport error: a refused connection never reached the server; a timeout
/// or a connection dropped mid-request may have.
pub fn classify_error(e: &reqwest::Error) -> Verdict {
    Verdict::Retry {
        after: None,
        maybe_applied: !e.is_connect(),
    }
}

/// `Retry-After` in seconds (the header), or Kojo's `retryAfter` in its 429 body.
pub fn retry_after(header: Option<&str>, body: &[u8]) -> Option<Duration> {
    if let Some(secs) = header.and_then(|h| h.trim().parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64(secs.clamp(0.0, 3600.0)));
    }
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let secs = v.get("retryAfter")?.as_f64()?;
    Some(Duration::from_secs_f64(secs.clamp(0.0, 3600.0)))
}

/// Exponential backoff with full jitter, bounded in attempts.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// First delay.
    pub base: Duration,
    /// Largest delay.
    pub max: Duration,
    /// Attempts in all (the first one included).
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(10),
            attempts: 8,
        }
    }
}

impl Backoff {
    /// The wait before attempt `n + 1` (n ≥ 1 failures so far): uniform in [0, base·2ⁿ⁻¹],
    /// capped at `max`, so clients that failed together do not retry together.
    pub fn delay(&self, failures: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << failures.saturating_sub(1).min(16));
        let cap = exp.min(self.max);
        cap.mul_f64(fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(classify_status(200), Verdict::Final);
        assert_eq!(classify_status(404), Verdict::Final);
        assert_eq!(
            classify_status(503),
            Verdict::Retry {
                after: None,
                maybe_applied: true
            }
        );
        assert_eq!(
            classify_status(429),
            Verdict::Retry {
                after: None,
                maybe_applied: false
            }
        );
    }

    #[test]
    fn retry_after_from_header_or_kojo_body() {
        assert_eq!(retry_after(Some("2"), b""), Some(Duration::from_secs(2)));
        let body = br#"{"code":"RATE_LIMIT_EXCEEDED","error":"Too many requests","message":"slow down","retryAfter":0.5,"resetAt":"2026-01-01T00:00:00Z"}"#;
        assert_eq!(retry_after(None, body), Some(Duration::from_millis(500)));
        assert_eq!(retry_after(None, b"not json"), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
            attempts: 5,
        };
        for _ in 0..100 {
            assert!(b.delay(1) <= Duration::from_millis(100));
            assert!(b.delay(3) <= Duration::from_millis(400));
            assert!(b.delay(30) <= Duration::from_secs(1));
        }
    }
}
