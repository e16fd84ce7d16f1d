//! contactport-sandbox: both providers' APIs served from memory on loopback, following their
//! docs and NOTES.md (auth flows, trailing slashes, full-object PUT, immutable orgName, Kojo's
//! 429 body, error bodies), with faults on demand. The `contactport sandbox` command and the
//! tests start it; the migration code never uses it.
//!
//! - this file: [`Config`] (the common [`Faults`], every provider's options by name, the
//!   seed), the server ([`serve`]), its state (what every fake shares, and the fakes) and
//!   the test endpoints, which go through the providers' rows and their `FakeApi`;
//! - [`covage`] and [`kojo`]: each provider's fake API, with its row of `APIS` (its name,
//!   the paths it serves, how its fake is made, its flags, its credentials) and its `Fake`
//!   (what it holds: contacts, tokens, Kojo's limits; its `Settings` and its `Faults`),
//!   which answers its calls and the test endpoints.
//!
//! Test endpoints: `GET /_sandbox/state` (all contacts), `POST /_sandbox/reset` (optional body
//! `{"covage": [...], "kojo": [...]}` to seed), `GET /_sandbox/requests` (method, path, auth
//! scheme, body and status of each API call; never a token), `POST /_sandbox/faults` (change
//! `fail_rate`, `drop_rate`, `latency_ms`, `kojo_rps` while running: an object of the faults
//! to change; anything else, or a value a fake cannot take, is a 400 and changes nothing).

#![forbid(unsafe_code)]

pub mod covage;
pub mod kojo;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The faults every fake shares, changeable while running. Each provider's own faults are
/// its fake's, flat beside these in `/_sandbox/faults`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Share of contact requests answered 500/502/503 without being applied.
    pub fail_rate: f64,
    /// Share of contact requests applied, then left without an answer (connection dropped).
    pub drop_rate: f64,
    /// Delay before each API answer.
    pub latency_ms: u64,
    /// Writes (POST, PUT, PATCH of a contact) are applied this long after they arrive, even
    /// when the client has given up waiting: a write that lands after the client's timeout.
    pub slow_write_ms: u64,
    /// Share of writes (POST, PUT, PATCH of a contact) a gateway answers 504 at once, without a
    /// body from the API, while the backend applies them `late_write_ms` later: the answer a
    /// client gets says nothing of whether the write landed.
    pub late_write_rate: f64,
    /// How long after its 504 a late write is applied.
    pub late_write_ms: u64,
}

/// Why the sandbox stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The listening socket failed.
    #[error("sandbox: {0}")]
    Io(#[from] std::io::Error),
    /// A provider's option has a value its fake cannot take.
    #[error("sandbox: {0}")]
    Options(String),
}

/// Sandbox settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The faults every fake shares.
    pub faults: Faults,
    /// The providers' own settings and faults by name (`page_size`, `kojo_rps`,
    /// `kojo_token_ttl`…, as [`flags`] and `/_sandbox/faults` name them): each fake takes
    /// its own; what none names is left.
    pub options: Options,
    /// Seed of the fault draws: the same seed and the same requests give the same faults.
    pub seed: u64,
}

impl Config {
    /// Rehearsal settings: no faults, each fake as it comes (fixed credentials, not secrets:
    /// they are printed so they can be pasted), fault draws from `seed`.
    pub fn rehearsal(seed: u64) -> Config {
        Config {
            faults: Faults::default(),
            options: Options::new(),
            seed,
        }
    }

    /// Whether every fake takes its options (the first that does not says why).
    pub fn check(&self) -> Result<(), Error> {
        State::new(self.clone()).map(drop)
    }

    /// The variables a user exports to reach the sandbox's providers with its credentials
    /// (as the options give them): each provider's first way to authenticate, then the
    /// others (`# or:`).
    pub fn credentials(&self) -> Result<(crate::Exports, crate::Exports), Error> {
        let (mut first, mut others) = (vec![], vec![]);
        for api in &APIS {
            let (f, o) = (api.credentials)(&self.options)
                .map_err(|e| Error::Options(format!("{}: {e}", api.name)))?;
            first.extend(f);
            others.extend(o);
        }
        Ok((first, others))
    }
}

/// A command-line flag of a provider's fake: its `--long` name, the option it sets, its help
/// and default. The CLI makes its flags from [`flags`].
#[derive(Debug, Clone, Copy)]
pub struct Flag {
    /// The flag, without `--`.
    pub long: &'static str,
    /// The option it sets ([`Config::options`]).
    pub key: &'static str,
    /// What it does.
    pub help: &'static str,
    /// Its default value, as typed.
    pub default: &'static str,
}

/// Every provider's flags, from the providers' rows.
pub fn flags() -> impl Iterator<Item = &'static Flag> {
    APIS.iter().flat_map(|api| api.flags)
}

/// A fake's options read from `options`: the keys it names, its defaults for the rest.
pub(crate) fn options<T: serde::de::DeserializeOwned>(options: &Options) -> Result<T, String> {
    serde_json::from_value(Value::Object(options.clone())).map_err(|e| {
        // Serde does not say which key: the first that fails alone is it.
        let key = options.iter().find(|(k, v)| {
            let one = serde_json::Map::from_iter([((*k).clone(), (*v).clone())]);
            serde_json::from_value::<T>(Value::Object(one)).is_err()
        });
        match key {
            Some((k, _)) => format!("{k}: {e}"),
            None => e.to_string(),
        }
    })
}

/// Providers' settings and faults by name ([`Config::options`]).
pub type Options = serde_json::Map<String, Value>;

/// Environment variables and their values, as a shell's `export` takes them.
pub type Exports = Vec<(&'static str, String)>;

/// One API call, as `/_sandbox/requests` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Logged {
    method: String,
    path: String,
    /// `JWT`, `Bearer`, or null: the scheme only, never the token.
    authorization: Option<String>,
    content_type: Option<String>,
    body: Value,
    status: u16,
}

/// What every fake shares: the common faults, the fault draws, the request log.
pub(crate) struct Common {
    faults: Faults,
    log: Vec<Logged>,
    seq: u64,
    /// Fault draws, seeded (`--seed`), under the state's lock so their order is the requests'.
    rng: fastrand::Rng,
}

struct State {
    common: Common,
    /// Each provider's fake, in [`APIS`]' order.
    fakes: Vec<Box<dyn FakeApi>>,
}

type Shared = Arc<Mutex<State>>;

/// A dropped connection: hyper closes it without an answer.
#[derive(Debug)]
struct Dropped;
impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sandbox fault: connection dropped after the write")
    }
}
impl std::error::Error for Dropped {}

/// An answer.
pub(crate) struct Answer {
    status: StatusCode,
    body: Value,
    location: Option<String>,
}

impl Answer {
    pub(crate) fn json(status: u16, body: Value) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).expect("status"),
            body,
            location: None,
        }
    }
}

/// A random id of `n` lower-case letters and digits.
pub(crate) fn random_id(n: usize) -> String {
    (0..n)
        .map(|_| {
            let c = fastrand::usize(..36);
            if c < 10 {
                (b'0' + c as u8) as char
            } else {
                (b'a' + (c - 10) as u8) as char
            }
        })
        .collect()
}

/// Serves until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, cfg: Config) -> Result<(), Error> {
    let state: Shared = Arc::new(Mutex::new(State::new(cfg)?));
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(state.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                .await;
        });
    }
}

async fn handle(
    state: Shared,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let header = |n: hyper::header::HeaderName| {
        parts
            .headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let auth = header(hyper::header::AUTHORIZATION);
    let host = header(hyper::header::HOST).unwrap_or_default();
    let content_type = header(hyper::header::CONTENT_TYPE);
    let method = parts.method.clone();

    // Loopback names only: a web page on another name resolving to 127.0.0.1 (DNS
    // rebinding) must not read the sandbox's contacts or change its faults.
    if !is_loopback_host(&host) {
        return Ok(respond(Answer::json(
            421,
            json!({"error": "the sandbox answers on 127.0.0.1, [::1] or localhost only", "details": null}),
        )));
    }
    if let Some(admin) = path.strip_prefix("/_sandbox/") {
        return Ok(respond(admin_route(&state, &method, admin, &body)));
    }
    let latency = state.lock().expect("lock").common.faults.latency_ms;
    if latency > 0 {
        simulate_latency(Duration::from_millis(latency)).await;
    }
    let is_auth = path.starts_with("/api/account/token") || path.starts_with("/oauth2/token");
    let slow = state.lock().expect("lock").common.faults.slow_write_ms;
    let is_write = !is_auth && matches!(method.as_str(), "POST" | "PUT" | "PATCH");
    let slow = if is_write { slow } else { 0 };
    let state_for_late = state.clone();
    let work = async move {
        if slow > 0 {
            tokio::time::sleep(Duration::from_millis(slow)).await;
        }
        let mut st = state.lock().expect("lock");
        let ctx = Ctx {
            method: &method,
            path: &path,
            query: &query,
            auth: auth.as_deref(),
            host: &host,
            body: &body,
            content_type: content_type.as_deref(),
        };
        let (answer, drop) = route(&mut st, &ctx);
        let logged_body = if is_auth {
            Value::String("(credentials, not logged)".into())
        } else {
            serde_json::from_slice(&body).unwrap_or(Value::Null)
        };
        st.common.log.push(Logged {
            method: method.to_string(),
            path: if query.is_empty() {
                path.clone()
            } else {
                format!("{path}?{query}")
            },
            authorization: auth
                .as_deref()
                .and_then(|a| a.split_whitespace().next())
                .map(str::to_string),
            content_type,
            body: logged_body,
            status: if drop { 0 } else { answer.status.as_u16() },
        });
        (answer, drop)
    };
    let late = {
        let mut st = state_for_late.lock().expect("lock");
        let c = &mut st.common;
        let (rate, ms) = (c.faults.late_write_rate, c.faults.late_write_ms);
        (is_write && rate > 0.0 && c.rng.f64() < rate).then_some(ms)
    };
    if let Some(ms) = late {
        // The gateway gives up at once; the backend applies the write later, on its own.
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            work.await
        });
        let mut resp = Response::new(Full::new(Bytes::from_static(
            b"<html><body><h1>504 Gateway Time-out</h1></body></html>\n",
        )));
        *resp.status_mut() = StatusCode::GATEWAY_TIMEOUT;
        resp.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("text/html"),
        );
        return Ok(resp);
    }
    // A slow write runs on its own task: it lands even if the client hangs up first.
    let (answer, drop) = if slow > 0 {
        tokio::spawn(work).await.map_err(|_| Dropped)?
    } else {
        work.await
    };
    if drop {
        return Err(Dropped);
    }
    Ok(respond(answer))
}

/// Whether a Host header names this machine's loopback: `127.0.0.1`, `[::1]` or `localhost`,
/// with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(n, _)| n),
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "::1" | "localhost"
    )
}

pub(crate) struct Ctx<'a> {
    pub method: &'a hyper::Method,
    pub path: &'a str,
    pub query: &'a str,
    pub auth: Option<&'a str>,
    pub host: &'a str,
    pub body: &'a [u8],
    pub content_type: Option<&'a str>,
}

/// A provider's fake API: its name, which paths are its, how it is made, its flags and its
/// credentials. What it does is its fake's ([`FakeApi`]).
pub(crate) struct Api {
    /// Its key in `/_sandbox/state` and `/_sandbox/reset`.
    pub name: &'static str,
    /// True for a path of its.
    pub serves: fn(&str) -> bool,
    /// Its fake, empty, with its settings and faults read from [`Config::options`].
    pub new: fn(&Options) -> Result<Box<dyn FakeApi>, String>,
    /// Its command-line flags.
    pub flags: &'static [Flag],
    /// The variables that reach it, as the options set its credentials: the first way to
    /// authenticate, then the others.
    pub credentials: fn(&Options) -> Result<(Exports, Exports), String>,
}

/// A provider's fake: how it answers, and what the test endpoints do with it.
pub(crate) trait FakeApi: Send {
    /// Answers an API call; the bool is "drop the connection instead of answering".
    fn route(&mut self, common: &mut Common, ctx: &Ctx) -> (Answer, bool);
    /// Its contacts, as `/_sandbox/state` shows them.
    fn contacts(&self) -> Value;
    /// Reads the contacts `/_sandbox/reset` seeds it with (none: empty) and, if `apply`,
    /// puts them in; says how many it holds.
    fn seed(&mut self, seed: Option<&Value>, apply: bool) -> Result<usize, String>;
    /// Its own faults, as an object of `/_sandbox/faults`.
    fn faults(&mut self) -> Value;
    /// Reads its faults from `all` (every fault, flat) and, if `apply`, takes them.
    fn set_faults(&mut self, all: &Value, apply: bool) -> Result<(), String>;
}

/// What a provider's fake holds and how it answers, typed: every such fake is a [`FakeApi`].
pub(crate) trait Held: Send {
    /// Its contact, as its API writes it.
    type Contact: Serialize + serde::de::DeserializeOwned;
    /// Its own faults (flat in `/_sandbox/faults`).
    type Faults: Serialize + serde::de::DeserializeOwned;
    /// Answers an API call; the bool is "drop the connection instead of answering".
    fn route(&mut self, common: &mut Common, ctx: &Ctx) -> (Answer, bool);
    /// Its contacts.
    fn contacts(&self) -> &[Self::Contact];
    /// Its contacts replaced by a seed's, each given an id if it has none.
    fn put(&mut self, seed: Vec<Self::Contact>);
    /// Its faults.
    fn faults(&mut self) -> &mut Self::Faults;
    /// Its faults were changed.
    fn faults_changed(&mut self) {}
}

impl<H: Held> FakeApi for H {
    fn route(&mut self, common: &mut Common, ctx: &Ctx) -> (Answer, bool) {
        Held::route(self, common, ctx)
    }

    fn contacts(&self) -> Value {
        json!(Held::contacts(self))
    }

    fn seed(&mut self, seed: Option<&Value>, apply: bool) -> Result<usize, String> {
        let seed: Vec<H::Contact> = match seed {
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| e.to_string())?,
            None => vec![],
        };
        if apply {
            self.put(seed);
        }
        Ok(Held::contacts(self).len())
    }

    fn faults(&mut self) -> Value {
        json!(Held::faults(self))
    }

    fn set_faults(&mut self, all: &Value, apply: bool) -> Result<(), String> {
        let faults = H::Faults::deserialize(all).map_err(|e| e.to_string())?;
        if apply {
            *Held::faults(self) = faults;
            self.faults_changed();
        }
        Ok(())
    }
}

/// The providers' fake APIs, one row each (defined in each provider's module).
const APIS: [Api; 2] = [covage::API, kojo::API];

/// Routes an API call; the bool is "drop the connection instead of answering".
fn route(st: &mut State, ctx: &Ctx) -> (Answer, bool) {
    if let Some(i) = APIS.iter().position(|api| (api.serves)(ctx.path)) {
        return st.fakes[i].route(&mut st.common, ctx);
    }
    (
        Answer::json(404, json!({"error": "Not found", "details": null})),
        false,
    )
}

impl State {
    /// Every fake empty, under `cfg`.
    fn new(cfg: Config) -> Result<State, Error> {
        let fakes = APIS
            .iter()
            .map(|api| (api.new)(&cfg.options).map_err(|e| format!("{}: {e}", api.name)))
            .collect::<Result<_, _>>()
            .map_err(Error::Options)?;
        Ok(State {
            common: Common {
                rng: fastrand::Rng::with_seed(cfg.seed),
                faults: cfg.faults,
                log: vec![],
                seq: 0,
            },
            fakes,
        })
    }

    /// Every fault, flat: the common ones and each fake's.
    fn faults(&mut self) -> Value {
        let mut all = serde_json::to_value(&self.common.faults).expect("json");
        let map = all.as_object_mut().expect("an object");
        for fake in &mut self.fakes {
            if let Value::Object(own) = fake.faults() {
                map.extend(own);
            }
        }
        all
    }
}

impl Common {
    /// Fault injection for a contact call, after auth: maybe a 5xx (nothing applied), and whether
    /// to drop the answer after applying.
    pub(crate) fn fault(&mut self) -> (Option<u16>, bool) {
        let f = &self.faults;
        if f.fail_rate > 0.0 && self.rng.f64() < f.fail_rate {
            return (Some([500, 502, 503][self.rng.usize(..3)]), false);
        }
        (None, f.drop_rate > 0.0 && self.rng.f64() < f.drop_rate)
    }

    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}

fn respond(a: Answer) -> Response<Full<Bytes>> {
    let body = if a.status == StatusCode::NO_CONTENT {
        Bytes::new()
    } else {
        Bytes::from(serde_json::to_vec(&a.body).expect("json"))
    };
    let mut r = Response::builder().status(a.status);
    if !body.is_empty() {
        r = r.header(hyper::header::CONTENT_TYPE, "application/json");
    }
    if let Some(l) = a.location {
        r = r.header(hyper::header::LOCATION, l);
    }
    r.body(Full::new(body)).expect("response")
}

fn admin_route(state: &Shared, method: &hyper::Method, what: &str, body: &[u8]) -> Answer {
    let mut guard = state.lock().expect("lock");
    let st = &mut *guard;
    let bad = |e: String| Answer::json(400, json!({ "error": e }));
    match (method.as_str(), what) {
        ("GET", "state") => Answer::json(
            200,
            Value::Object(
                APIS.iter()
                    .zip(&st.fakes)
                    .map(|(api, fake)| (api.name.to_string(), fake.contacts()))
                    .collect(),
            ),
        ),
        ("GET", "requests") => Answer::json(200, json!(st.common.log)),
        ("POST", "reset") => {
            let body: Value = if body.is_empty() {
                json!({})
            } else {
                match serde_json::from_slice(body) {
                    Ok(v @ Value::Object(_)) => v,
                    Ok(_) => return bad("expected an object".into()),
                    Err(e) => return bad(e.to_string()),
                }
            };
            // Every seed read before any is put in: a bad one changes nothing.
            let mut counts = serde_json::Map::new();
            for apply in [false, true] {
                for (api, fake) in APIS.iter().zip(&mut st.fakes) {
                    match fake.seed(body.get(api.name), apply) {
                        Ok(n) => counts.insert(api.name.to_string(), json!(n)),
                        Err(e) => return bad(format!("{}: {e}", api.name)),
                    };
                }
            }
            st.common.log.clear();
            Answer::json(200, Value::Object(counts))
        }
        ("POST", "faults") => {
            let changes = match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(v)) => v,
                Ok(_) => return bad("expected an object".into()),
                Err(e) => return bad(e.to_string()),
            };
            let mut all = st.faults();
            all.as_object_mut().expect("an object").extend(changes);
            // Every fake reads its faults before any takes them: a bad one changes nothing.
            let common = match serde_json::from_value::<Faults>(all.clone()) {
                Ok(f) => f,
                Err(e) => return bad(e.to_string()),
            };
            for apply in [false, true] {
                for fake in &mut st.fakes {
                    if let Err(e) = fake.set_faults(&all, apply) {
                        return bad(e);
                    }
                }
            }
            st.common.faults = common;
            Answer::json(200, st.faults())
        }
        _ => Answer::json(404, json!({"error": "unknown sandbox endpoint"})),
    }
}

/// Waits `latency`, to within a tenth of a millisecond. Tokio's timer rounds every sleep up to
/// the next millisecond tick (10 ms took 11-12 ms), which would make the benchmark measure the
/// timer rather than the client; a blocking thread's sleep is precise.
async fn simulate_latency(latency: Duration) {
    let _ = tokio::task::spawn_blocking(move || std::thread::sleep(latency)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(state: &Shared, method: &str, what: &str, body: &str) -> (u16, Value) {
        let method = hyper::Method::from_bytes(method.as_bytes()).unwrap();
        let a = admin_route(state, &method, what, body.as_bytes());
        (a.status.as_u16(), a.body)
    }

    #[test]
    fn reset_and_state_go_through_every_provider_by_name() {
        let state: Shared = Arc::new(Mutex::new(State::new(Config::rehearsal(1)).unwrap()));
        let seed = r#"{"covage": [{"first_name": "A", "last_name": "B", "email": "a@x.fr",
            "phone_number": "", "cell_phone_number": ""}], "kojo": [{"email": "k@x.fr"}, {"email": "l@x.fr"}]}"#;
        assert_eq!(
            admin(&state, "POST", "reset", seed),
            (200, json!({"covage": 1, "kojo": 2}))
        );
        let (status, all) = admin(&state, "GET", "state", "");
        assert_eq!(status, 200);
        assert_eq!(all["covage"][0]["email"], "a@x.fr");
        assert!(all["covage"][0]["contact_uuid"].is_string(), "a uuid given");
        assert_eq!(all["kojo"][1]["email"], "l@x.fr");
        // A bad seed for one provider says whose, and changes nothing for any.
        let (status, e) = admin(&state, "POST", "reset", r#"{"covage": [], "kojo": 3}"#);
        assert_eq!(status, 400);
        assert!(e["error"].as_str().unwrap().starts_with("kojo: "), "{e}");
        let (_, after) = admin(&state, "GET", "state", "");
        assert_eq!(after, all);
        // No body: every provider empty.
        assert_eq!(
            admin(&state, "POST", "reset", ""),
            (200, json!({"covage": 0, "kojo": 0}))
        );
    }

    #[test]
    fn faults_stay_flat_and_reach_the_provider_whose_they_are() {
        let state: Shared = Arc::new(Mutex::new(State::new(Config::rehearsal(1)).unwrap()));
        let (status, f) = admin(
            &state,
            "POST",
            "faults",
            r#"{"fail_rate": 0.5, "kojo_rps": 7, "next_link": "loop"}"#,
        );
        assert_eq!(status, 200);
        assert_eq!(
            (f["fail_rate"].as_f64(), f["kojo_rps"].as_f64()),
            (Some(0.5), Some(7.0))
        );
        assert_eq!(f["kojo_hour_secs"].as_f64(), Some(3600.0), "the rest kept");
        {
            let mut st = state.lock().unwrap();
            assert_eq!(st.fakes[0].faults()["next_link"], "loop");
            assert_eq!(st.fakes[1].faults()["kojo_rps"].as_f64(), Some(7.0));
            assert_eq!(st.common.faults.fail_rate, 0.5);
        }
        // A value one fake cannot take changes nothing, for any.
        let (status, e) = admin(
            &state,
            "POST",
            "faults",
            r#"{"fail_rate": 0.1, "next_link": null, "kojo_rps": "fast"}"#,
        );
        assert_eq!(status, 400, "{e}");
        let (_, after) = admin(&state, "POST", "faults", "{}");
        assert_eq!(after, f);
    }

    #[test]
    fn no_two_fakes_and_no_fake_and_the_common_faults_share_a_name() {
        let mut st = State::new(Config::rehearsal(1)).unwrap();
        let names = |v: Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
        let mut all = names(serde_json::to_value(Faults::default()).unwrap());
        let mut settings = vec![];
        for fake in &mut st.fakes {
            all.extend(names(fake.faults()));
        }
        settings.extend(names(
            serde_json::to_value(covage::Settings::default()).unwrap(),
        ));
        settings.extend(names(
            serde_json::to_value(kojo::Settings::default()).unwrap(),
        ));
        all.extend(settings);
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(
            all.len(),
            n,
            "an option or fault name is used twice: {all:?}"
        );
        for f in flags() {
            assert!(all.iter().any(|k| k == f.key), "{}", f.key);
        }
    }

    #[test]
    fn credentials_are_the_ones_the_fakes_take() {
        let mut cfg = Config::rehearsal(1);
        cfg.options.insert("api_key".into(), json!("other-key"));
        let (first, _) = cfg.credentials().unwrap();
        assert!(
            first.contains(&("KOJO_API_KEY", "other-key".into())),
            "{first:?}"
        );
        assert!(first.contains(&("COVAGE_TOKEN", "sandbox-covage-jwt".into())));
        cfg.options.insert("token".into(), json!(5));
        assert!(cfg
            .credentials()
            .unwrap_err()
            .to_string()
            .contains("covage: token"));
    }

    #[test]
    fn options_reach_the_fake_whose_they_are_and_a_bad_one_is_named() {
        let mut cfg = Config::rehearsal(1);
        for (k, v) in [("page_size", json!(50)), ("kojo_token_ttl", json!(5))] {
            cfg.options.insert(k.into(), v);
        }
        let mut st = State::new(cfg.clone()).unwrap();
        assert_eq!(
            st.faults()["kojo_hour_secs"].as_f64(),
            Some(3600.0),
            "defaults kept"
        );
        cfg.options.insert("kojo_rps".into(), json!("fast"));
        let e = cfg.check().unwrap_err().to_string();
        assert!(e.contains("kojo: kojo_rps: invalid type"), "{e}");
        // Every flag's default is taken, and every flag sets an option some fake reads: a
        // value no option takes (an array) is refused under its name.
        let mut defaults = Config::rehearsal(1);
        for f in flags() {
            let v: Value = serde_json::from_str(f.default).unwrap();
            defaults.options.insert(f.key.into(), v);
            let mut bad = Config::rehearsal(1);
            bad.options.insert(f.key.into(), json!([]));
            let e = bad.check().unwrap_err().to_string();
            assert!(e.contains(&format!("{}: invalid type", f.key)), "{e}");
        }
        defaults.check().unwrap();
        let keys: Vec<&str> = flags().map(|f| f.key).collect();
        assert!(keys.contains(&"page_size") && keys.contains(&"kojo_token_ttl"));
    }
}
