//! One provider's HTTP endpoint: base URL checks (HTTPS only, except loopback), pacing, retries
//! with backoff, and error bodies turned into [`Error`]s. Tokens go in headers only.

use crate::error::Error;
use crate::pacer::Pacer;
use crate::retry::{self, Backoff, Verdict};
use bytes::Bytes;
use reqwest::Method;
use std::time::Duration;
use url::Url;

/// A request body.
pub enum Body {
    /// None.
    Empty,
    /// JSON bytes.
    Json(Vec<u8>),
    /// `application/x-www-form-urlencoded` pairs (OAuth 2).
    Form(Vec<(&'static str, String)>),
}

/// How a request may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Reads, PUT, PATCH, DELETE: sending twice does no harm.
    Idempotent,
    /// A create: after a failure that may have been applied, stop and let the caller look.
    Create,
}

/// A final answer.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: Bytes,
}

impl Reply {
    /// True for 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Client settings shared by both providers.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Requests per second; 0 for no limit.
    pub rate: f64,
    /// Retry policy.
    pub backoff: Backoff,
    /// Per-request timeout.
    pub timeout: Duration,
    /// A quota over a window (Kojo: 3,600 an hour), paced as the rate is.
    pub quota: Option<crate::pacer::Quota>,
    /// The largest answer read ([`MAX_BODY`]).
    pub max_body: usize,
}

/// 429 answers one request may get before it counts them as failed attempts. A quota wait
/// (Kojo's hourly limit) is not a failure: each 429 waits as long as the provider asks, so this
/// only bounds a server that answers 429 for ever.
const MAX_THROTTLED: u32 = 10_000;

/// One provider's endpoint.
#[derive(Debug)]
pub struct Endpoint {
    /// Provider name, for messages.
    pub provider: &'static str,
    client: reqwest::Client,
    base: Url,
    pacer: Pacer,
    backoff: Backoff,
    timeout: Duration,
    max_body: usize,
    /// Set once the provider has refused the credentials: no request is sent after that, so a
    /// wrong key costs one refused request, not one per record.
    refused: std::sync::OnceLock<String>,
    /// How the provider words its errors.
    dialect: Dialect,
}

/// How a provider words its errors: from an error body (parsed JSON; `Null` when it is not
/// JSON), the message and the request id it gives, if any. Each client has its own.
pub type Dialect = fn(&serde_json::Value) -> (Option<String>, Option<String>);

/// A body's `message`, else its `error`: what most APIs say.
pub fn plain_dialect(v: &serde_json::Value) -> (Option<String>, Option<String>) {
    (text(v, "message").or_else(|| text(v, "error")), None)
}

/// Field `k` of `v`, when it is a string.
pub fn text(v: &serde_json::Value, k: &str) -> Option<String> {
    v.get(k).and_then(|x| x.as_str()).map(str::to_string)
}

impl Endpoint {
    /// An endpoint at `base`. Plain HTTP is refused except to loopback addresses.
    pub fn new(provider: &'static str, base: &str, tuning: Tuning) -> Result<Endpoint, Error> {
        // The URL is not echoed when it does not parse: it may hold a password.
        let mut base = Url::parse(base)
            .map_err(|e| Error::Config(format!("{provider}: bad base URL: {e}")))?;
        if !base.username().is_empty() || base.password().is_some() {
            return Err(Error::Config(format!(
                "{provider}: credentials do not belong in the URL; use the environment variables"
            )));
        }
        if base.cannot_be_a_base() || base.host().is_none() {
            return Err(Error::Config(format!(
                "{provider}: the base URL needs a host, like https://api.example.com"
            )));
        }
        match base.scheme() {
            "https" => {}
            "http" if is_loopback(&base) => {}
            _ => {
                return Err(Error::Config(format!(
                    "{provider}: {base} is not HTTPS (plain HTTP is only allowed to loopback addresses)"
                )))
            }
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let mut builder = reqwest::Client::builder();
        if is_loopback(&base) {
            // A proxy from HTTP(S)_PROXY would see loopback traffic (and its token) otherwise.
            builder = builder.no_proxy();
        }
        let client = builder
            .timeout(tuning.timeout)
            .connect_timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(64)
            .user_agent(concat!("contactport/", env!("CARGO_PKG_VERSION")))
            // A redirect could carry the Authorization header elsewhere; paths are exact.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("{provider}: {e}")))?;
        Ok(Endpoint {
            provider,
            client,
            base,
            pacer: Pacer::new(tuning.rate).with_quota(tuning.quota),
            backoff: tuning.backoff,
            timeout: tuning.timeout,
            max_body: tuning.max_body,
            refused: std::sync::OnceLock::new(),
            dialect: plain_dialect,
        })
    }

    /// This endpoint, reading error bodies in `dialect`.
    pub fn with_dialect(self, dialect: Dialect) -> Endpoint {
        Endpoint { dialect, ..self }
    }

    /// While requests wait for a quota (or a long pause the provider asked for): until when.
    pub fn waiting_until(&self) -> Option<tokio::time::Instant> {
        self.pacer.waiting_until()
    }

    /// Marks the credentials refused (`message` says which): every later request fails at once
    /// with [`Error::Auth`], without being sent. Returns that error.
    pub fn refuse(&self, message: &str) -> Error {
        let _ = self.refused.set(message.to_string());
        self.refused_error().expect("just set")
    }

    fn refused_error(&self) -> Option<Error> {
        self.refused.get().map(|m| Error::Auth {
            provider: self.provider,
            message: m.clone(),
        })
    }

    /// `base` + `path` (`path` without a leading slash keeps a base path prefix). A path that
    /// would leave the base (another host, `..` above it) is refused: the token must only go
    /// to the configured origin.
    pub fn url(&self, path: &str) -> Result<Url, Error> {
        let bad = |why: String| {
            Error::Config(format!(
                "{}: the path {path:?} {why}; give a path under {}",
                self.provider,
                self.base.path()
            ))
        };
        let u = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| bad(format!("is not a URL path ({e})")))?;
        if !self.same_origin(&u) {
            return Err(bad("leaves the configured host".into()));
        }
        if !u.path().starts_with(self.base.path()) {
            return Err(bad("leaves the base URL's path".into()));
        }
        Ok(u)
    }

    /// `base` + `prefix` + one percent-encoded path segment (an email, an id), and a trailing
    /// slash when the provider wants one.
    pub fn url_segment(&self, prefix: &str, segment: &str, slash: bool) -> Result<Url, Error> {
        check_segment(segment).map_err(|why| Error::Config(format!("{}: {why}", self.provider)))?;
        let mut u = self.url(prefix)?;
        {
            let mut segs = u.path_segments_mut().expect("http URL");
            segs.pop_if_empty().push(segment);
            if slash {
                segs.push("");
            }
        }
        Ok(u)
    }

    /// True when `u` is on the same scheme, host and port as the base (a `next` link).
    pub fn same_origin(&self, u: &Url) -> bool {
        u.origin() == self.base.origin()
    }

    /// True when `u` is under the base URL: its origin and its path (a gateway may serve
    /// other services beside the API on the same host).
    pub fn under_base(&self, u: &Url) -> bool {
        self.same_origin(u) && u.path().starts_with(self.base.path())
    }

    /// Sends a request, retrying what is transient. A final answer (2xx or 4xx) is returned as a
    /// [`Reply`]; the caller decides what a 4xx means.
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        auth: Option<&str>,
        body: &Body,
        retry: Retry,
    ) -> Result<Reply, Error> {
        let mut last = String::new();
        // 429s are the provider saying "later", not a failure: they have their own, larger
        // budget, so a burst of them does not fail records.
        let mut throttled = 0u32;
        let mut attempt = 0u32;
        while attempt < self.backoff.attempts {
            attempt += 1;
            self.pacer.wait().await;
            if crate::stop::stopped() {
                return Err(Error::Stopped);
            }
            if let Some(e) = self.refused_error() {
                return Err(e);
            }
            let mut req = self.client.request(method.clone(), url.clone());
            if let Some(a) = auth {
                let mut v = reqwest::header::HeaderValue::from_str(a).map_err(|_| {
                    Error::Config(format!("{}: token has invalid characters", self.provider))
                })?;
                v.set_sensitive(true);
                req = req.header(reqwest::header::AUTHORIZATION, v);
            }
            req = match body {
                Body::Empty => req,
                Body::Json(b) => req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.clone()),
                Body::Form(pairs) => {
                    let mut ser = url::form_urlencoded::Serializer::new(String::new());
                    for (k, v) in pairs {
                        ser.append_pair(k, v);
                    }
                    req.header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(ser.finish())
                }
            };
            // `may_land_late`: the request may still be under way at the server (a timeout, a
            // dropped connection, a gateway's 502/503/504 rather than the API's own answer).
            // A request in flight is given up at the stop: its answer will not be read.
            let Some(sent) = crate::stop::unless_stopped(req.send()).await else {
                return Err(Error::Stopped);
            };
            let (verdict, after, may_land_late) = match sent {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let header = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|h| h.to_str().ok())
                        .map(str::to_string);
                    let Some(body) =
                        crate::stop::unless_stopped(read_body(resp, self.max_body)).await
                    else {
                        return Err(Error::Stopped);
                    };
                    let body = match body {
                        Err(BodyError::TooLarge) => {
                            return Err(Error::Protocol {
                                provider: self.provider,
                                why: format!(
                                    "an answer larger than {} bytes (to {method} {}): refused, not read",
                                    self.max_body,
                                    url.path()
                                ),
                            })
                        }
                        Err(BodyError::Transport(e)) => Err(e),
                        Ok(body) => Ok(body),
                    };
                    match body {
                        Ok(body) => {
                            let verdict = retry::classify_status(status);
                            tracing::debug!(provider = self.provider, %method, path = url.path(), status, attempt);
                            if status != 429 {
                                self.pacer.answered();
                            }
                            if verdict == Verdict::Final {
                                return Ok(Reply { status, body });
                            }
                            let after = if status == 429 {
                                let d = retry::retry_after(header.as_deref(), &body)
                                    .unwrap_or(Duration::from_secs(1));
                                // Everyone waits, not just this request; a little jitter so
                                // the waiting requests do not all come back at once.
                                self.pacer.pause(d + d.mul_f64(fastrand::f64() * 0.2));
                                throttled += 1;
                                if throttled < MAX_THROTTLED {
                                    attempt -= 1;
                                }
                                Some(Duration::ZERO)
                            } else {
                                None
                            };
                            last = self.api_error(status, &body).to_string();
                            // A gateway gave up waiting (502, 503, 504), and the API behind it
                            // may still apply the request later, whatever body the gateway
                            // sent (AWS API Gateway's and Kong's are JSON too). A 500 is the
                            // API's own answer: what it did is done.
                            let gateway = matches!(status, 502..=504);
                            (verdict, after, gateway)
                        }
                        Err(e) => {
                            last = e.without_url().to_string();
                            (
                                Verdict::Retry {
                                    after: None,
                                    maybe_applied: true,
                                },
                                None,
                                true,
                            )
                        }
                    }
                }
                Err(e) => {
                    let (v, late) = (retry::classify_error(&e), !e.is_connect());
                    last = e.without_url().to_string();
                    tracing::debug!(provider = self.provider, %method, path = url.path(), error = %last, attempt);
                    (v, None, late)
                }
            };
            if let Verdict::Retry {
                maybe_applied: true,
                ..
            } = verdict
            {
                if retry == Retry::Create {
                    // A request that may still be under way can land up to a request
                    // timeout later: it is looked up only then, so a look that finds nothing
                    // means it did not land (issue 19: a gateway's immediate 504 while the
                    // backend applies the create later). Otherwise the server has answered.
                    let settle = if may_land_late {
                        self.timeout + self.backoff.base
                    } else {
                        self.backoff.base.max(Duration::from_millis(200))
                    };
                    return Err(Error::Ambiguous {
                        provider: self.provider,
                        why: last,
                        settle,
                    });
                }
            }
            if attempt < self.backoff.attempts {
                let backoff = after.unwrap_or_else(|| self.backoff.delay(attempt.max(1)));
                if crate::stop::unless_stopped(tokio::time::sleep(backoff))
                    .await
                    .is_none()
                {
                    return Err(Error::Stopped);
                }
            }
        }
        Err(Error::Exhausted {
            provider: self.provider,
            attempts: self.backoff.attempts,
            last,
        })
    }

    /// POSTs credentials to a token endpoint (`path`) and parses the answer: a refusal is
    /// [`Error::Auth`] with the provider's message (never the credentials).
    pub async fn token<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: Body,
    ) -> Result<T, Error> {
        let reply = self
            .send(
                Method::POST,
                self.url(path)?,
                None,
                &body,
                Retry::Idempotent,
            )
            .await?;
        if !reply.ok() {
            let (_, message, _) = self.api_error(reply.status, &reply.body).details();
            return Err(Error::Auth {
                provider: self.provider,
                message,
            });
        }
        serde_json::from_slice(&reply.body).map_err(|e| Error::Protocol {
            provider: self.provider,
            why: format!("token answer: {e}"),
        })
    }

    /// The error for a final non-2xx answer, read in the provider's [`Dialect`]; a body that
    /// says nothing readable is quoted (its first 200 bytes).
    pub fn api_error(&self, status: u16, body: &[u8]) -> Error {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let (message, request_id) = (self.dialect)(&v);
        let message = message
            .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
        Error::Api {
            provider: self.provider,
            status,
            message,
            request_id,
        }
    }
}

/// Whether an id or an email can stand as one path segment of a contact's URL: not empty,
/// not `.` or `..` (which a URL resolves to the parent: `GET /contacts//` or `GET /contacts`
/// instead of a contact), no control character. Anything else is percent-encoded.
pub fn check_segment(segment: &str) -> Result<(), String> {
    match segment {
        "" => Err("an empty id names no contact".into()),
        "." | ".." => Err(format!("{segment:?} is not an id: it names no contact")),
        s if s.chars().any(char::is_control) => {
            Err(format!("{s:?} is not an id: it holds a control character"))
        }
        _ => Ok(()),
    }
}

/// The largest answer read: a contacts page, a contact, an error. A bare-array Covage list is
/// read whole, and 128 MiB holds over 500,000 contacts; past it, or for a server that never
/// stops sending, the request fails with a clear error instead of filling memory.
pub const MAX_BODY: usize = 128 << 20;

enum BodyError {
    TooLarge,
    Transport(reqwest::Error),
}

/// An answer's body, read chunk by chunk up to `max` bytes.
async fn read_body(mut resp: reqwest::Response, max: usize) -> Result<bytes::Bytes, BodyError> {
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn is_loopback(u: &Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scripted::{json, quick, Server};
    use std::sync::Arc;

    fn tuning() -> Tuning {
        Tuning {
            rate: 0.0,
            backoff: Backoff::default(),
            timeout: Duration::from_secs(5),
            quota: None,
            max_body: MAX_BODY,
        }
    }

    async fn get(e: &Endpoint, retry: Retry) -> Result<Reply, Error> {
        let url = e.url("/api/contacts/").unwrap();
        let method = match retry {
            Retry::Create => Method::POST,
            Retry::Idempotent => Method::GET,
        };
        e.send(method, url, Some("JWT t"), &Body::Empty, retry)
            .await
    }

    #[tokio::test]
    async fn send_retries_what_is_transient_and_stops_at_a_final_answer() {
        let server = Server::start(|seen| match seen.len() {
            1 => json(503, serde_json::json!({"error": "busy"})),
            2 => json(500, serde_json::json!({"error": "oops"})),
            _ => json(404, serde_json::json!({"error": "no such contact"})),
        })
        .await;
        let e = Endpoint::new("Covage", &server.url, quick(8)).unwrap();
        let reply = get(&e, Retry::Idempotent).await.unwrap();
        // The 404 is final: the caller decides what it means; nothing is sent after it.
        assert_eq!(reply.status, 404);
        let seen = server.seen();
        assert_eq!(seen.len(), 3);
        assert!(seen.iter().all(|s| s.auth.as_deref() == Some("JWT t")));
    }

    #[tokio::test]
    async fn send_gives_up_after_its_attempts_with_the_last_failure() {
        let server =
            Server::start(|_| json(502, serde_json::json!({"error": "bad gateway"}))).await;
        let e = Endpoint::new("Kojo", &server.url, quick(3)).unwrap();
        match get(&e, Retry::Idempotent).await {
            Err(Error::Exhausted {
                attempts: 3, last, ..
            }) => {
                assert!(last.contains("bad gateway"), "{last}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(server.seen().len(), 3);
    }

    #[tokio::test]
    async fn a_create_that_may_have_landed_is_not_sent_again() {
        let server = Server::start(|_| json(502, serde_json::json!({}))).await;
        let e = Endpoint::new("Kojo", &server.url, quick(8)).unwrap();
        let r = get(&e, Retry::Create).await;
        assert!(matches!(r, Err(Error::Ambiguous { .. })), "{r:?}");
        assert_eq!(
            server.seen().len(),
            1,
            "the caller looks before sending it again"
        );
        // A 429 is not applied: a create is sent again after it.
        let server = Server::start(|seen| match seen.len() {
            1 => (429, vec![("retry-after", "0".into())], String::new()),
            _ => json(201, serde_json::json!({"id": "k1"})),
        })
        .await;
        let e = Endpoint::new("Kojo", &server.url, quick(8)).unwrap();
        assert_eq!(get(&e, Retry::Create).await.unwrap().status, 201);
        assert_eq!(server.seen().len(), 2);
    }

    /// Issue 19: a gateway's 504 says nothing of whether the backend applies the create later:
    /// it is looked up only once a request timeout has passed. A 500 is the API's own answer:
    /// a short wait.
    #[tokio::test]
    async fn a_gateway_504_is_looked_up_after_the_request_timeout() {
        let server = Server::start(|_| {
            (
                504,
                vec![("content-type", "text/html".into())],
                "<h1>504 Gateway Time-out</h1>".into(),
            )
        })
        .await;
        let e = Endpoint::new("Kojo", &server.url, quick(8)).unwrap();
        match get(&e, Retry::Create).await {
            Err(Error::Ambiguous { settle, .. }) => {
                assert!(settle >= Duration::from_secs(5), "{settle:?}")
            }
            r => panic!("{r:?}"),
        }
        let server = Server::start(|_| json(500, serde_json::json!({"error": "oops"}))).await;
        let e = Endpoint::new("Kojo", &server.url, quick(8)).unwrap();
        match get(&e, Retry::Create).await {
            Err(Error::Ambiguous { settle, .. }) => {
                assert!(settle < Duration::from_secs(1), "{settle:?}")
            }
            r => panic!("{r:?}"),
        }
    }

    /// Issue 19: an answer past the bound is refused with a clear error, not read into memory.
    #[tokio::test]
    async fn an_answer_past_the_bound_is_refused() {
        let server = Server::start(|_| json(200, serde_json::json!(["x".repeat(5000)]))).await;
        let e = Endpoint::new(
            "Covage",
            &server.url,
            Tuning {
                max_body: 1000,
                ..quick(3)
            },
        )
        .unwrap();
        let r = get(&e, Retry::Idempotent).await;
        match r {
            Err(e) => assert!(e.to_string().contains("larger than 1000 bytes"), "{e}"),
            r => panic!("{r:?}"),
        }
        assert_eq!(server.seen().len(), 1, "not retried");
    }

    #[tokio::test]
    async fn a_429_pauses_every_request_for_the_wait_asked_and_is_not_a_failed_attempt() {
        let server = Server::start(|seen| match seen.len() {
            1 => (429, vec![("retry-after", "1".into())], String::new()),
            _ => json(200, serde_json::json!([])),
        })
        .await;
        // One attempt only: a 429 does not use it up.
        let e = Arc::new(Endpoint::new("Kojo", &server.url, quick(1)).unwrap());
        let start = std::time::Instant::now();
        let first = tokio::spawn({
            let e = e.clone();
            async move { get(&e, Retry::Idempotent).await }
        });
        // Another request sent while the first waits waits too.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sent = std::time::Instant::now();
        let second = get(&e, Retry::Idempotent).await.unwrap();
        let waited = sent.elapsed();
        assert!(waited >= Duration::from_millis(600), "{waited:?}");
        assert_eq!(first.await.unwrap().unwrap().status, 200);
        assert_eq!(second.status, 200);
        let took = start.elapsed();
        // Retry-After: 1, plus up to 20% jitter so waiting requests do not all come back at once.
        assert!(took >= Duration::from_secs(1), "{took:?}");
        assert!(took < Duration::from_secs(3), "{took:?}");
        assert_eq!(server.seen().len(), 3);
    }

    #[tokio::test]
    async fn a_refusal_stops_every_later_request_before_it_is_sent() {
        let server = Server::start(|_| json(200, serde_json::json!([]))).await;
        let e = Endpoint::new("Kojo", &server.url, quick(8)).unwrap();
        let _ = e.refuse("the key in KOJO_API_KEY was refused");
        let r = get(&e, Retry::Idempotent).await;
        assert!(matches!(r, Err(Error::Auth { .. })), "{r:?}");
        assert_eq!(server.seen().len(), 0);
    }

    #[test]
    fn https_only_except_loopback() {
        assert!(Endpoint::new("Kojo", "https://api.kojo.tech", tuning()).is_ok());
        assert!(Endpoint::new("Kojo", "http://127.0.0.1:8080", tuning()).is_ok());
        assert!(Endpoint::new("Kojo", "http://localhost:8080", tuning()).is_ok());
        assert!(Endpoint::new("Kojo", "http://[::1]:8080", tuning()).is_ok());
        let e = Endpoint::new("Kojo", "http://api.kojo.tech", tuning()).unwrap_err();
        assert!(e.to_string().contains("not HTTPS"), "{e}");
        assert!(Endpoint::new("Kojo", "https://user:pw@api.kojo.tech", tuning()).is_err());
        // A URL that does not parse is not echoed: it may hold a password.
        let e = Endpoint::new("Kojo", "https://user:s3cret@[bad", tuning()).unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
        assert!(Endpoint::new("Kojo", "mailto:a@b.fr", tuning()).is_err());
    }

    #[test]
    fn paths_never_leave_the_base() {
        let api = Endpoint::new("Kojo", "https://api.kojo.tech/v1", tuning()).unwrap();
        for path in [
            "http://other.host/x",
            "https://other.host/contacts",
            "../admin",
            "/../../x",
        ] {
            match api.url(path) {
                Ok(u) => panic!("{path} gave {u}"),
                Err(e) => assert!(e.to_string().contains("give a path under"), "{e}"),
            }
        }
        assert!(api.url("contact").is_ok());
    }

    #[test]
    fn urls_keep_base_paths_and_encode_segments() {
        let api = Endpoint::new("Kojo", "https://api.kojo.tech/v1", tuning()).unwrap();
        assert_eq!(
            api.url("/contacts").unwrap().as_str(),
            "https://api.kojo.tech/v1/contacts"
        );
        assert_eq!(
            api.url_segment("/contacts", "a+b@x.fr", false)
                .unwrap()
                .as_str(),
            "https://api.kojo.tech/v1/contacts/a+b@x.fr"
        );
        let c = Endpoint::new("Covage", "https://extranet.kosc-telecom.fr", tuning()).unwrap();
        assert_eq!(
            c.url_segment("/api/contacts/", "i9usbs1j", true)
                .unwrap()
                .as_str(),
            "https://extranet.kosc-telecom.fr/api/contacts/i9usbs1j/"
        );
        assert!(c.same_origin(
            &Url::parse("https://extranet.kosc-telecom.fr/api/contacts/?page=2").unwrap()
        ));
        assert!(!c.same_origin(&Url::parse("https://evil.example/api/contacts/?page=2").unwrap()));
    }
}
