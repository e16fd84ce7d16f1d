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

/// The longest wait a provider's answer can impose on one request: a bogus header never stalls
/// a run for days.
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

/// How long the provider asks to wait: `Retry-After` in seconds or as an HTTP date (RFC 9110),
/// else Kojo's `retryAfter` (seconds) or `resetAt` (ISO 8601) in its 429 body. Whatever the
/// server sends, the answer is a finite duration of at most [`MAX_WAIT`], or `None`.
pub fn retry_after(header: Option<&str>, body: &[u8]) -> Option<Duration> {
    let now = chrono::Utc::now();
    let until = |t: chrono::DateTime<chrono::FixedOffset>| {
        let ms = (t.with_timezone(&chrono::Utc) - now).num_milliseconds();
        Duration::from_millis(ms.max(0) as u64)
    };
    let secs = |s: f64| {
        s.is_finite()
            .then(|| Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(MAX_WAIT))
    };
    let from_header = header.map(str::trim).and_then(|h| {
        h.parse::<f64>()
            .ok()
            .and_then(secs)
            .or_else(|| chrono::DateTime::parse_from_rfc2822(h).ok().map(until))
    });
    let from_body = || {
        let v: serde_json::Value = serde_json::from_slice(body).ok()?;
        v.get("retryAfter")
            .and_then(|x| x.as_f64().or_else(|| x.as_str()?.trim().parse().ok()))
            .and_then(secs)
            .or_else(|| {
                let at = v.get("resetAt")?.as_str()?;
                chrono::DateTime::parse_from_rfc3339(at).ok().map(until)
            })
    };
    from_header.or_else(from_body).map(|d| d.min(MAX_WAIT))
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
        // An HTTP date, and Kojo's resetAt, both in the past: no wait.
        assert_eq!(
            retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT"), b""),
            Some(Duration::ZERO)
        );
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc3339();
        let body = format!(r#"{{"code":"RATE_LIMIT_EXCEEDED","resetAt":"{soon}"}}"#);
        let d = retry_after(None, body.as_bytes()).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
    }

    #[test]
    fn hostile_waits_are_bounded_and_never_panic() {
        for h in [
            "NaN",
            "inf",
            "-inf",
            "-5",
            "1e309",
            "99999999999999999999",
            "",
            "soon",
        ] {
            let d = retry_after(Some(h), b"");
            assert!(d.is_none_or(|d| d <= MAX_WAIT), "{h}: {d:?}");
        }
        assert_eq!(retry_after(Some("NaN"), b""), None);
        assert_eq!(
            retry_after(Some("1e309"), b""),
            None,
            "inf is no wait at all"
        );
        assert_eq!(retry_after(Some("1e12"), b""), Some(MAX_WAIT));
        assert_eq!(
            retry_after(None, br#"{"retryAfter":1e300}"#),
            Some(MAX_WAIT)
        );
        assert_eq!(
            retry_after(None, br#"{"resetAt":"9999-12-31T23:59:59Z"}"#),
            Some(MAX_WAIT)
        );
    }

    proptest::proptest! {
        #[test]
        fn any_header_or_body_gives_a_bounded_wait(h in ".{0,40}", body in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let d = retry_after(Some(&h), &body);
            proptest::prop_assert!(d.is_none_or(|d| d <= MAX_WAIT));
            let d = retry_after(None, &body);
            proptest::prop_assert!(d.is_none_or(|d| d <= MAX_WAIT));
        }
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
