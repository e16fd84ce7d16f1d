//! The sandbox's Covage: `/api/account/token/` and `/api/contacts/…/`, slashes required.

use super::{random_id, Answer, Common, Ctx};
use contactport_core::CovageContact;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

fn error(status: u16, message: &str, details: Value) -> Answer {
    Answer::json(
        status,
        json!({"error": message, "details": details, "apirequest_uuid": format!("KOSC_{}", random_id(32))}),
    )
}

/// The fake Covage: what it holds (its contacts, the tokens it gave), its settings and its
/// faults.
#[derive(Debug, Default)]
pub(crate) struct Fake {
    pub contacts: Vec<CovageContact>,
    pub tokens: HashSet<String>,
    pub settings: Settings,
    pub faults: Faults,
}

/// The fake Covage's settings: its credentials (not secrets: printed to be pasted) and how
/// it lists. Any of them can be given by name in [`crate::Config::options`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The login's email.
    pub email: String,
    /// The login's password.
    pub password: String,
    /// A JWT accepted without login.
    pub token: String,
    /// List page size; 0 answers the whole list as a bare array (as the docs show).
    pub page_size: usize,
}

impl Default for Settings {
    /// Fixed credentials, the whole list at once.
    fn default() -> Settings {
        Settings {
            email: "sandbox@covage.test".into(),
            password: "sandbox-password".into(),
            token: "sandbox-covage-jwt".into(),
            page_size: 0,
        }
    }
}

impl Settings {
    /// The variables that reach it: the token, or (`# or:`) the login.
    pub(crate) fn credentials(&self) -> (crate::Exports, crate::Exports) {
        (
            vec![("COVAGE_TOKEN", self.token.clone())],
            vec![
                ("COVAGE_EMAIL", self.email.clone()),
                ("COVAGE_PASSWORD", self.password.clone()),
            ],
        )
    }
}

/// Covage's own faults.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// A broken page chain, to test the client: `loop` (the next link repeats the page),
    /// `bad-port` (a next link that is not a URL), `count` (a count the pages disagree with).
    /// None for a sane chain.
    pub next_link: Option<String>,
}

/// Covage's row of the sandbox's APIs: everything under `/api/`.
pub(crate) const API: crate::Api = crate::Api {
    name: "covage",
    serves: |p| p.starts_with("/api/"),
    new: |options| {
        Ok(Box::new(Fake {
            settings: crate::options(options)?,
            faults: crate::options(options)?,
            ..Fake::default()
        }))
    },
    flags: &[crate::Flag {
        long: "page-size",
        key: "page_size",
        help: "Covage list page size (Django envelope); 0 answers a bare array",
        default: "0",
    }],
    credentials: |options| Ok(crate::options::<Settings>(options)?.credentials()),
};

impl crate::Held for Fake {
    type Contact = CovageContact;
    type Faults = Faults;

    fn route(&mut self, common: &mut Common, ctx: &Ctx) -> (Answer, bool) {
        route(self, common, ctx)
    }

    fn contacts(&self) -> &[CovageContact] {
        &self.contacts
    }

    fn put(&mut self, seed: Vec<CovageContact>) {
        self.contacts = seed
            .into_iter()
            .map(|mut c| {
                c.contact_uuid.get_or_insert_with(|| random_id(8));
                c
            })
            .collect();
    }

    fn faults(&mut self) -> &mut Faults {
        &mut self.faults
    }
}

fn route(me: &mut Fake, common: &mut Common, ctx: &Ctx) -> (Answer, bool) {
    let p = ctx.path;
    // Django's APPEND_SLASH: a GET is redirected, any other method fails.
    if !p.ends_with('/') {
        if ctx.method == hyper::Method::GET {
            let mut a = Answer::json(301, Value::Null);
            a.location = Some(format!("{p}/"));
            return (a, false);
        }
        return (error(404, "URL must end with a slash", Value::Null), false);
    }
    if p == "/api/account/token/" {
        return (login(me, ctx), false);
    }
    let Some(rest) = p.strip_prefix("/api/contacts/") else {
        return (error(404, "Not found", Value::Null), false);
    };
    let token = ctx.auth.and_then(|a| a.strip_prefix("JWT "));
    match token {
        Some(t) if me.tokens.contains(t) || t == me.settings.token => {}
        _ => {
            return (
                error(
                    401,
                    "Authentication credentials were not provided or are invalid.",
                    Value::Null,
                ),
                false,
            )
        }
    }
    let (fail, drop) = common.fault();
    if let Some(status) = fail {
        return (error(status, "Internal server error", Value::Null), false);
    }
    let uuid = rest.trim_end_matches('/');
    let answer = match (ctx.method.as_str(), uuid.is_empty()) {
        ("GET", true) => list(me, ctx),
        ("POST", true) => create(me, ctx.body),
        ("GET", false) => match me
            .contacts
            .iter()
            .find(|c| c.contact_uuid.as_deref() == Some(uuid))
        {
            Some(c) => Answer::json(200, json!(c)),
            None => error(404, "Contact not found", Value::Null),
        },
        ("PUT", false) => update(me, uuid, ctx.body),
        ("DELETE", false) => {
            let before = me.contacts.len();
            me.contacts
                .retain(|c| c.contact_uuid.as_deref() != Some(uuid));
            if me.contacts.len() < before {
                Answer::json(204, Value::Null)
            } else {
                error(404, "Contact not found", Value::Null)
            }
        }
        _ => error(405, "Method not allowed", Value::Null),
    };
    (answer, drop)
}

fn login(me: &mut Fake, ctx: &Ctx) -> Answer {
    if ctx.method != hyper::Method::POST {
        return error(405, "Method not allowed", Value::Null);
    }
    let v: Value = serde_json::from_slice(ctx.body).unwrap_or_default();
    let ok = v["email"].as_str() == Some(me.settings.email.as_str())
        && v["password"].as_str() == Some(me.settings.password.as_str());
    if !ok {
        return error(
            400,
            "Unable to log in with provided credentials.",
            Value::Null,
        );
    }
    let token = format!("eyJ{}", random_id(40));
    me.tokens.insert(token.clone());
    Answer::json(
        200,
        json!({"token": token, "user": {"email": me.settings.email}}),
    )
}

fn list(me: &Fake, ctx: &Ctx) -> Answer {
    if me.settings.page_size == 0 {
        return Answer::json(200, json!(me.contacts));
    }
    let page: usize = ctx
        .query
        .split('&')
        .find_map(|kv| kv.strip_prefix("page="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
        .max(1);
    let size = me.settings.page_size;
    let results: Vec<_> = me
        .contacts
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .collect();
    let link = |n: usize| Value::String(format!("http://{}/api/contacts/?page={n}", ctx.host));
    let mut next = if page.saturating_mul(size) < me.contacts.len() {
        link(page + 1)
    } else {
        Value::Null
    };
    let mut count = me.contacts.len();
    match me.faults.next_link.as_deref() {
        Some("loop") if page == 2 => next = link(2),
        Some("bad-port") if !next.is_null() => {
            next = Value::String(format!(
                "http://{}:99999/api/contacts/?page=2",
                ctx.host.split(':').next().unwrap_or("127.0.0.1")
            ))
        }
        Some("count") => count += 1,
        _ => {}
    }
    let previous = if page > 1 {
        link(page - 1)
    } else {
        Value::Null
    };
    Answer::json(
        200,
        json!({"count": count, "next": next, "previous": previous, "results": results}),
    )
}

const FIELDS: [&str; 5] = [
    "first_name",
    "last_name",
    "phone_number",
    "cell_phone_number",
    "email",
];

/// Checks a body: an object whose fields are strings; `full` requires every field (PUT).
fn validate(body: &[u8], full: bool) -> Result<Map<String, Value>, Answer> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| error(400, "JSON parse error", json!(e.to_string())))?;
    let Value::Object(m) = v else {
        return Err(error(400, "Expected a JSON object", Value::Null));
    };
    let mut details = Map::new();
    for f in FIELDS {
        match m.get(f) {
            None if full => {
                details.insert(
                    f.into(),
                    json!(["The information in full has to be sent to the server."]),
                );
            }
            Some(Value::String(s))
                if s.is_empty() && matches!(f, "first_name" | "last_name" | "email") =>
            {
                details.insert(f.into(), json!(["This field may not be blank."]));
            }
            None if matches!(f, "first_name" | "last_name" | "email") => {
                details.insert(f.into(), json!(["This field is required."]));
            }
            Some(Value::String(_)) | None => {}
            Some(_) => {
                details.insert(f.into(), json!(["Not a valid string."]));
            }
        }
    }
    if details.is_empty() {
        Ok(m)
    } else {
        Err(error(400, "Invalid data", Value::Object(details)))
    }
}

fn contact(uuid: String, m: &Map<String, Value>) -> CovageContact {
    let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    CovageContact {
        contact_uuid: Some(uuid),
        first_name: s("first_name"),
        last_name: s("last_name"),
        phone_number: s("phone_number"),
        cell_phone_number: s("cell_phone_number"),
        email: s("email"),
    }
}

fn create(me: &mut Fake, body: &[u8]) -> Answer {
    match validate(body, false) {
        Ok(m) => {
            let c = contact(random_id(8), &m);
            me.contacts.push(c.clone());
            // The docs answer a create with 200 OK.
            Answer::json(200, json!(c))
        }
        Err(a) => a,
    }
}

fn update(me: &mut Fake, uuid: &str, body: &[u8]) -> Answer {
    let m = match validate(body, true) {
        Ok(m) => m,
        Err(a) => return a,
    };
    match me
        .contacts
        .iter_mut()
        .find(|c| c.contact_uuid.as_deref() == Some(uuid))
    {
        Some(c) => {
            *c = contact(uuid.to_string(), &m);
            Answer::json(200, json!(c))
        }
        None => error(404, "Contact not found", Value::Null),
    }
}
