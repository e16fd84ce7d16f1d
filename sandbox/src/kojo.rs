//! The sandbox's Kojo: `/oauth2/token` and `/contacts` (also `/contact`, as its examples say).

use super::{random_id, Answer, Common, Ctx};
use contactport_core::KojoContact;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

fn error(status: u16, code: &str, message: &str) -> Answer {
    let reason = hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    Answer::json(
        status,
        json!({"code": code, "error": reason, "message": message}),
    )
}

/// Kojo shows timestamps in two forms; the sandbox answers with both, alternately.
fn now(seq: u64) -> String {
    let t = chrono::Utc::now();
    if seq.is_multiple_of(2) {
        t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S%.3fZ").to_string()
    }
}

/// The fake Kojo's settings: its credentials (not secrets: printed to be pasted) and how long
/// its tokens live. Any of them can be given by name in [`crate::Config::options`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The legacy API key.
    pub api_key: String,
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret.
    pub client_secret: String,
    /// Access token lifetime in seconds (3600 in production).
    #[serde(rename = "kojo_token_ttl")]
    pub token_ttl: u64,
}

impl Default for Settings {
    /// Fixed credentials, tokens living an hour.
    fn default() -> Settings {
        Settings {
            api_key: "sandbox-kojo-key".into(),
            client_id: "sandbox-client".into(),
            client_secret: "sandbox-client-secret".into(),
            token_ttl: 3600,
        }
    }
}

impl Settings {
    /// The variables that reach it: the API key, or (`# or:`) the OAuth client.
    pub(crate) fn credentials(&self) -> (crate::Exports, crate::Exports) {
        (
            vec![("KOJO_API_KEY", self.api_key.clone())],
            vec![
                ("KOJO_CLIENT_ID", self.client_id.clone()),
                ("KOJO_CLIENT_SECRET", self.client_secret.clone()),
            ],
        )
    }
}

/// Kojo's own faults and limits (their names in `/_sandbox/faults` say whose they are).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Requests a second (burst as large); past it, 429. 0 for no limit.
    pub kojo_rps: f64,
    /// The hourly quota (3,600 documented); past it, 429 until the window's end. 0 for none.
    pub kojo_per_hour: u32,
    /// The quota's window in seconds: 3600 as documented, shorter to test.
    pub kojo_hour_secs: f64,
    /// The lookup by email matches the exact case only (an API may; the client must not
    /// create a contact twice because of it).
    pub kojo_exact_email: bool,
}

impl Default for Faults {
    /// No limits, the hour an hour.
    fn default() -> Faults {
        Faults {
            kojo_rps: 0.0,
            kojo_per_hour: 0,
            kojo_hour_secs: 3600.0,
            kojo_exact_email: false,
        }
    }
}

/// The fake Kojo: what it holds (its contacts with their index, the tokens it gave, its
/// organisation's rate limit and hourly quota), its settings and its faults.
#[derive(Debug)]
pub(crate) struct Fake {
    pub settings: Settings,
    pub faults: Faults,
    pub contacts: Vec<KojoContact>,
    /// `id:<id>` and `email:<lower-case email>` to the first contact holding them.
    pub index: HashMap<String, usize>,
    pub tokens: HashMap<String, Instant>,
    /// The rate limit's token bucket: tokens left, when counted.
    bucket: (f64, Instant),
    /// Requests counted in the current hourly window, and when it started.
    quota: (u32, Instant),
}

impl Fake {
    /// An empty Kojo whose bucket is full for `faults`.
    pub fn new(settings: Settings, faults: Faults) -> Fake {
        let mut fake = Fake {
            settings,
            faults,
            contacts: vec![],
            index: HashMap::new(),
            tokens: HashMap::new(),
            bucket: (0.0, Instant::now()),
            quota: (0, Instant::now()),
        };
        fake.limits_changed();
        fake
    }

    /// The limits start again (under new faults).
    fn limits_changed(&mut self) {
        self.bucket = (self.faults.kojo_rps, Instant::now());
        self.quota = (0, Instant::now());
    }

    /// Kojo's per-organisation limit: a token bucket of `kojo_rps` with as large a burst.
    fn rate_limited(&mut self) -> Option<f64> {
        let rps = self.faults.kojo_rps;
        if rps <= 0.0 {
            return None;
        }
        let (tokens, at) = self.bucket;
        let now = Instant::now();
        let tokens = (tokens + now.duration_since(at).as_secs_f64() * rps).min(rps);
        if tokens >= 1.0 {
            self.bucket = (tokens - 1.0, now);
            None
        } else {
            self.bucket = (tokens, now);
            Some((1.0 - tokens) / rps)
        }
    }

    /// Kojo's hourly quota: `kojo_per_hour` requests a window; past it, the seconds left in
    /// the window.
    fn quota_spent(&mut self) -> Option<f64> {
        let per_hour = self.faults.kojo_per_hour;
        if per_hour == 0 {
            return None;
        }
        let window = Duration::from_secs_f64(self.faults.kojo_hour_secs.clamp(0.001, 86_400.0));
        let now = Instant::now();
        if now.duration_since(self.quota.1) >= window {
            self.quota = (0, now);
        }
        if self.quota.0 < per_hour {
            self.quota.0 += 1;
            None
        } else {
            Some((self.quota.1 + window - now).as_secs_f64())
        }
    }

    /// Indexes the contact at `i` (its id, its email) unless an earlier one holds the key.
    fn index(&mut self, i: usize) {
        let c = &self.contacts[i];
        let mut keys = vec![];
        if let Some(id) = &c.id {
            keys.push(index_key("id", id));
        }
        if let Some(e) = &c.email {
            keys.push(index_key("email", &e.to_ascii_lowercase()));
        }
        for k in keys {
            self.index.entry(k).or_insert(i);
        }
    }

    /// Builds the index again (after a seed, or an email changed by a PATCH).
    fn reindex(&mut self) {
        self.index.clear();
        for i in 0..self.contacts.len() {
            self.index(i);
        }
    }
}

/// Kojo's row of the sandbox's APIs: its token endpoint and both spellings of its contacts.
pub(crate) const API: crate::Api = crate::Api {
    name: "kojo",
    serves: |p| {
        p == "/oauth2/token"
            || p.starts_with("/contacts")
            || p.starts_with("/contact/")
            || p == "/contact"
    },
    new: |options| {
        let (settings, faults) = (crate::options(options)?, crate::options(options)?);
        Ok(Box::new(Fake::new(settings, faults)))
    },
    flags: &[
        crate::Flag {
            long: "kojo-rps",
            key: "kojo_rps",
            help: "Kojo's rate limit in requests a second (429 past it); 0 for none",
            default: "0",
        },
        crate::Flag {
            long: "kojo-per-hour",
            key: "kojo_per_hour",
            help: "Kojo's hourly quota in requests (3,600 documented); 429 past it. 0 for none",
            default: "0",
        },
        crate::Flag {
            long: "kojo-hour-secs",
            key: "kojo_hour_secs",
            help: "The hourly quota's window in seconds (shorter to rehearse)",
            default: "3600",
        },
        crate::Flag {
            long: "kojo-token-ttl",
            key: "kojo_token_ttl",
            help: "Kojo access token lifetime, in seconds",
            default: "3600",
        },
    ],
    credentials: |options| Ok(crate::options::<Settings>(options)?.credentials()),
};

impl crate::Held for Fake {
    type Contact = KojoContact;
    type Faults = Faults;

    fn route(&mut self, common: &mut Common, ctx: &Ctx) -> (Answer, bool) {
        route(self, common, ctx)
    }

    fn contacts(&self) -> &[KojoContact] {
        &self.contacts
    }

    fn put(&mut self, seed: Vec<KojoContact>) {
        self.contacts = seed
            .into_iter()
            .map(|mut c| {
                c.id.get_or_insert_with(|| format!("c{}", random_id(24)));
                c
            })
            .collect();
        self.reindex();
    }

    fn faults(&mut self) -> &mut Faults {
        &mut self.faults
    }

    fn faults_changed(&mut self) {
        self.limits_changed();
    }
}

fn route(me: &mut Fake, common: &mut Common, ctx: &Ctx) -> (Answer, bool) {
    if ctx.path == "/oauth2/token" {
        return (token(me, ctx), false);
    }
    let bearer = ctx.auth.and_then(|a| a.strip_prefix("Bearer "));
    let now_i = Instant::now();
    let ok = match bearer {
        Some(t) if t == me.settings.api_key => true,
        Some(t) => me.tokens.get(t).is_some_and(|exp| *exp > now_i),
        None => false,
    };
    if !ok {
        return (
            error(401, "UNAUTHORIZED", "Invalid or expired token"),
            false,
        );
    }
    let limited = me
        .quota_spent()
        .map(|w| (w, "Rate limit exceeded: hourly quota spent"))
        .or_else(|| {
            me.rate_limited()
                .map(|w| (w, "Rate limit exceeded: 20 requests per second"))
        });
    if let Some((wait, message)) = limited {
        // A wait past a day (a rate near zero) is said as a day: the clock cannot overflow.
        let wait = wait.min(86_400.0);
        let reset = chrono::Utc::now() + chrono::Duration::milliseconds((wait * 1000.0) as i64);
        return (
            Answer::json(
                429,
                json!({
                    "code": "RATE_LIMIT_EXCEEDED",
                    "error": "Too many requests",
                    "message": message,
                    "retryAfter": (wait * 1000.0).ceil() / 1000.0,
                    "resetAt": reset.to_rfc3339(),
                }),
            ),
            false,
        );
    }
    let (fail, drop) = common.fault();
    if let Some(status) = fail {
        return (
            error(status, "INTERNAL_ERROR", "Something went wrong"),
            false,
        );
    }
    let rest = ctx
        .path
        .strip_prefix("/contacts")
        .or_else(|| ctx.path.strip_prefix("/contact"))
        .unwrap_or("")
        .trim_start_matches('/');
    let key = percent_decode(rest);
    let answer = match (ctx.method.as_str(), key.is_empty()) {
        ("POST", true) => create(me, common, ctx.body),
        ("GET", false) => match find(me, &key) {
            Some(i) => Answer::json(200, json!(me.contacts[i])),
            None => error(404, "NOT_FOUND", "Contact not found"),
        },
        ("PATCH", false) => patch(me, common, &key, ctx.body),
        _ => error(405, "METHOD_NOT_ALLOWED", "Method not allowed"),
    };
    (answer, drop)
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("k={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The first contact whose id is `key` or whose email is `key` (any case), through the index:
/// a scan of every contact a request made the sandbox, not the client, the benchmark's limit.
fn find(me: &Fake, key: &str) -> Option<usize> {
    let by_id = me.index.get(&index_key("id", key));
    let by_email = me
        .index
        .get(&index_key("email", &key.to_ascii_lowercase()))
        .filter(|&&i| !me.faults.kojo_exact_email || me.contacts[i].email.as_deref() == Some(key));
    by_id.into_iter().chain(by_email).copied().min()
}

fn index_key(kind: &str, value: &str) -> String {
    format!("{kind}:{value}")
}

fn token(me: &mut Fake, ctx: &Ctx) -> Answer {
    if ctx.method != hyper::Method::POST
        || ctx.content_type != Some("application/x-www-form-urlencoded")
    {
        return error(
            400,
            "INVALID_REQUEST",
            "POST a form-encoded client_credentials grant",
        );
    }
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(ctx.body).into_owned().collect();
    let ok = form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("client_id") == Some(&me.settings.client_id)
        && form.get("client_secret") == Some(&me.settings.client_secret);
    if !ok {
        return error(401, "INVALID_CLIENT", "Client authentication failed");
    }
    let t = random_id(48);
    let ttl = me.settings.token_ttl;
    // A lifetime past what the clock holds never expires.
    let expires = Instant::now().checked_add(Duration::from_secs(ttl));
    let expires =
        expires.unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365 * 100));
    me.tokens.insert(t.clone(), expires);
    Answer::json(
        200,
        json!({"access_token": t, "token_type": "bearer", "expires_in": ttl}),
    )
}

fn create(me: &mut Fake, common: &mut Common, body: &[u8]) -> Answer {
    let v: Value = serde_json::from_slice(body).unwrap_or_default();
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    for k in ["displayName", "email", "orgName", "vendorId"] {
        if s(k).is_none() {
            return error(400, "VALIDATION_ERROR", &format!("{k} is required"));
        }
    }
    let seq = common.next_seq();
    let ts = now(seq);
    let c = KojoContact {
        id: Some(format!("c{}", random_id(24))),
        display_name: s("displayName"),
        email: s("email"),
        phone: s("phone"),
        org_name: s("orgName"),
        vendor_id: s("vendorId"),
        created_at: Some(ts.clone()),
        updated_at: Some(ts),
    };
    me.contacts.push(c.clone());
    let last = me.contacts.len() - 1;
    me.index(last);
    Answer::json(200, json!(c))
}

fn patch(me: &mut Fake, common: &mut Common, id: &str, body: &[u8]) -> Answer {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) else {
        return error(400, "VALIDATION_ERROR", "Expected a JSON object");
    };
    if m.contains_key("orgName") {
        return error(
            400,
            "VALIDATION_ERROR",
            "orgName can not be updated after the contact creation",
        );
    }
    let Some(i) = me.index.get(&index_key("id", id)).copied() else {
        return error(404, "NOT_FOUND", "Contact not found");
    };
    let seq = common.next_seq();
    let c = &mut me.contacts[i];
    for (k, v) in &m {
        let v = v.as_str().map(String::from);
        match k.as_str() {
            "displayName" => c.display_name = v,
            "email" => c.email = v,
            "phone" => c.phone = v,
            "vendorId" => c.vendor_id = v,
            other => return error(400, "VALIDATION_ERROR", &format!("unknown field {other}")),
        }
    }
    c.updated_at = Some(now(seq));
    let answer = Answer::json(200, json!(c));
    if m.contains_key("email") {
        me.reindex();
    }
    answer
}
