//! The Covage contacts API client: JWT auth, list (bare array or Django page chain), get,
//! create, full-object update; as a [`Provider`] it reads the list and upserts by email. Every URL ends with a slash: the service is Django-style
//! and answers a missing one with a redirect (GET) or an error.

use crate::endpoint::{Body, Endpoint, Retry, Tuning};
use crate::error::Error;
use crate::provider::{Change, Held, Planned, Provider, Writer};
use crate::registry::{Connect, Kind, Limits, Setting};
use crate::secret::Secret;
use crate::source::{Feed, Reading};
use contactport_core::covage::to_covage;
use contactport_core::{email, Contact, CovageContact, Format, Writing};
use futures::future::BoxFuture;
use reqwest::Method;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::RwLock;

/// Production base URL.
pub const DEFAULT_URL: &str = "https://extranet.kosc-telecom.fr";
const PROVIDER: &str = "Covage";
const LOGIN: &str = "/api/account/token/";
const CONTACTS: &str = "/api/contacts/";

/// Covage's row of [`crate::PROVIDERS`].
pub(crate) const KIND: Kind = Kind {
    name: "covage",
    about: "Covage's extranet (formerly Kosc)",
    ids_only: None,
    settings: &[URL],
    credentials: "COVAGE_TOKEN, or COVAGE_EMAIL and COVAGE_PASSWORD (JWT login)",
    limits: Limits {
        rate: 0.0,
        per_hour: 0,
    },
    open: |connect, writing| Ok(Arc::new(Covage::connect(connect, writing)?)),
};

/// Where Covage is.
const URL: Setting = Setting {
    flag: "covage-url",
    env: "COVAGE_URL",
    default: DEFAULT_URL,
    value_name: "URL",
    help: "Covage base URL",
};

/// How to authenticate.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// `COVAGE_TOKEN`: a JWT obtained elsewhere.
    Token(Secret),
    /// `COVAGE_EMAIL` + `COVAGE_PASSWORD`: logged in at `POST /api/account/token/`.
    Login {
        /// Account email.
        email: String,
        /// Password.
        password: Secret,
    },
}

impl Credentials {
    /// From the environment: `COVAGE_TOKEN`, else `COVAGE_EMAIL` + `COVAGE_PASSWORD`.
    pub fn from_env() -> Result<Credentials, Error> {
        if let Some(t) = Secret::from_env("COVAGE_TOKEN") {
            return Ok(Credentials::Token(t));
        }
        match crate::secret::pair_from_env("COVAGE_EMAIL", "COVAGE_PASSWORD") {
            Some((email, password)) => Ok(Credentials::Login { email, password }),
            None => Err(Error::Config(
                "Covage credentials missing: set COVAGE_TOKEN, or COVAGE_EMAIL and COVAGE_PASSWORD"
                    .into(),
            )),
        }
    }
}

impl Credentials {
    /// Who this is, for a journal's owner: the login email, or a fingerprint of the token.
    pub fn account(&self) -> String {
        match self {
            // The user the token names, so a journal outlives the token (it lives 24 hours):
            // the same account as a login with that user's email.
            Credentials::Token(t) => {
                jwt_user(t.expose()).unwrap_or_else(|| crate::journal::fingerprint(t.expose()))
            }
            Credentials::Login { email, .. } => email.to_lowercase(),
        }
    }
}

/// The user a JWT names, from its payload (not checked: only the server can, and it is only
/// used to tell accounts apart): its `email` (lower case, as a login's), else `username`, else
/// `user_id` or `sub`. `None` for a token that is not a JWT or names nobody.
fn jwt_user(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&bytes).ok()?;
    let text = |k: &str| match claims.get(k)? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Some(email) = text("email") {
        return Some(email.to_lowercase());
    }
    ["username", "user_id", "sub"]
        .iter()
        .find_map(|k| text(k).map(|v| format!("{k}:{v}")))
}

/// A Covage client.
#[derive(Debug)]
pub struct Covage {
    api: Endpoint,
    creds: Credentials,
    token: RwLock<Option<Secret>>,
}

/// A contact as the server sent it: its JSON text, not parsed until core reads it.
pub type Raw = Box<serde_json::value::RawValue>;

#[derive(Deserialize)]
struct Page {
    results: Vec<Raw>,
    next: Option<String>,
    count: Option<u64>,
}

/// One page of the list: its contacts, the next page's URL, and the total the page announces.
pub struct ListPage {
    /// The contacts, as the server sent them.
    pub items: Vec<Raw>,
    /// The next page, on the same origin.
    pub next: Option<url::Url>,
    /// Django's `count`: every contact in the list.
    pub count: Option<u64>,
}

/// Follows a paged list and checks it: a `next` link seen before (a loop) or a total that
/// disagrees with `count` is an error, never a silent skip or an endless run.
#[derive(Default)]
pub struct PageCheck {
    seen: std::collections::HashSet<String>,
    got: u64,
    count: Option<u64>,
}

impl PageCheck {
    /// Takes a page in; an error when it breaks the chain.
    pub fn page(&mut self, p: &ListPage) -> Result<(), Error> {
        self.got += p.items.len() as u64;
        if self.count.is_none() {
            self.count = p.count;
        } else if p.count.is_some() && p.count != self.count {
            // The list changed while it was read: contacts may have moved between pages.
            return Err(protocol(format!(
                "the list's count changed while it was read ({} then {}); run again",
                self.count.unwrap_or_default(),
                p.count.unwrap_or_default()
            )));
        }
        if let Some(n) = &p.next {
            if !self.seen.insert(n.to_string()) {
                return Err(protocol(format!(
                    "the next link repeats a page already read ({})",
                    n.path()
                )));
            }
        } else if let Some(c) = self.count {
            if c != self.got {
                return Err(protocol(format!(
                    "the list announced {c} contacts but its pages held {}",
                    self.got
                )));
            }
        }
        Ok(())
    }
}

/// Covage's error body: `{"error", "details", "apirequest_uuid"}` (the request id is for its
/// support).
fn dialect(v: &serde_json::Value) -> (Option<String>, Option<String>) {
    let (message, _) = crate::endpoint::plain_dialect(v);
    let details = v.get("details").filter(|d| !d.is_null());
    let message = match (message, details) {
        (Some(m), Some(d)) => Some(format!("{m} ({d})")),
        (m, _) => m,
    };
    (message, crate::endpoint::text(v, "apirequest_uuid"))
}

fn protocol(why: String) -> Error {
    Error::Protocol {
        provider: PROVIDER,
        why,
    }
}

impl Covage {
    /// The client `connect` describes (`writing`: this run writes to it, so `--rate` and
    /// `--hourly-limit` apply; Covage documents no limit).
    pub(crate) fn connect(connect: &Connect, writing: bool) -> Result<Covage, Error> {
        let link = &connect.link;
        let (rate, per_hour) = match writing {
            true => (
                link.rate.unwrap_or(KIND.limits.rate),
                link.hourly_limit.unwrap_or(KIND.limits.per_hour),
            ),
            false => (0.0, 0),
        };
        let creds = Credentials::from_env()?;
        Covage::new(connect.values.get(&URL), creds, link.tuning(rate, per_hour))
    }

    /// A client for `base`.
    pub fn new(base: &str, creds: Credentials, tuning: Tuning) -> Result<Covage, Error> {
        let token = match &creds {
            Credentials::Token(t) => Some(t.clone()),
            Credentials::Login { .. } => None,
        };
        Ok(Covage {
            api: Endpoint::new(PROVIDER, base, tuning)?.with_dialect(dialect),
            creds,
            token: RwLock::new(token),
        })
    }

    async fn header(&self) -> Result<String, Error> {
        if let Some(t) = self.token.read().await.as_ref() {
            return Ok(format!("JWT {}", t.expose()));
        }
        let mut slot = self.token.write().await;
        if slot.is_none() {
            *slot = Some(self.login().await?);
        }
        Ok(format!("JWT {}", slot.as_ref().expect("token").expose()))
    }

    async fn login(&self) -> Result<Secret, Error> {
        let Credentials::Login { email, password } = &self.creds else {
            return Err(self.api.refuse("the token in COVAGE_TOKEN was refused"));
        };
        let body =
            serde_json::to_vec(&serde_json::json!({"email": email, "password": password.expose()}))
                .expect("json");
        #[derive(Deserialize)]
        struct Token {
            token: String,
        }
        let t: Token = match self.api.token(LOGIN, Body::Json(body)).await {
            Err(Error::Auth { message, .. }) => {
                return Err(self.api.refuse(&format!(
                    "COVAGE_EMAIL and COVAGE_PASSWORD were refused: {message}"
                )))
            }
            r => r?,
        };
        Ok(Secret::new(t.token))
    }

    /// Sends with the JWT; on 401 logs in again once (a token lives 24 hours).
    async fn call(
        &self,
        method: Method,
        url: url::Url,
        body: Body,
        retry: Retry,
    ) -> Result<crate::endpoint::Reply, Error> {
        let header = self.header().await?;
        let reply = self
            .api
            .send(method.clone(), url.clone(), Some(&header), &body, retry)
            .await?;
        if reply.status != 401 || matches!(self.creds, Credentials::Token(_)) {
            if reply.status == 401 {
                return Err(self.api.refuse("the token in COVAGE_TOKEN was refused"));
            }
            return Ok(reply);
        }
        // A JWT lives 24 hours: log in again once; a refusal after that is final.
        let fresh = self.login().await?;
        let header = format!("JWT {}", fresh.expose());
        *self.token.write().await = Some(fresh);
        let reply = self
            .api
            .send(method, url, Some(&header), &body, retry)
            .await?;
        if reply.status == 401 {
            return Err(self
                .api
                .refuse("a fresh token for COVAGE_EMAIL was refused"));
        }
        Ok(reply)
    }

    fn check(&self, reply: crate::endpoint::Reply) -> Result<crate::endpoint::Reply, Error> {
        if reply.ok() {
            Ok(reply)
        } else {
            Err(self.api.api_error(reply.status, &reply.body))
        }
    }

    /// The first page of the list; see [`Covage::next_page`].
    pub async fn first_page(&self) -> Result<ListPage, Error> {
        self.page(self.api.url(CONTACTS)?).await
    }

    /// A further page of the list.
    pub async fn next_page(&self, url: url::Url) -> Result<ListPage, Error> {
        self.page(url).await
    }

    /// One page: a bare array (what the docs show) is the whole list; a Django REST envelope
    /// `{count, next, previous, results}` links to the next page.
    async fn page(&self, url: url::Url) -> Result<ListPage, Error> {
        let here = url.clone();
        let reply = self.check(
            self.call(Method::GET, url, Body::Empty, Retry::Idempotent)
                .await?,
        )?;
        // The contacts are kept as the server wrote them: core parses each one once.
        let not_json = |e: serde_json::Error| protocol(format!("contact list is not JSON: {e}"));
        if reply.body.trim_ascii_start().first() == Some(&b'[') {
            let items: Vec<Raw> = serde_json::from_slice(&reply.body).map_err(not_json)?;
            return Ok(ListPage {
                items,
                next: None,
                count: None,
            });
        }
        let page: Page = serde_json::from_slice(&reply.body).map_err(|e| {
            match serde_json::from_slice::<serde::de::IgnoredAny>(&reply.body) {
                Err(e) => not_json(e),
                Ok(_) => protocol(format!("contact list is neither an array nor a page: {e}")),
            }
        })?;
        let next = match page.next {
            None => None,
            Some(n) => {
                // Absolute or relative, resolved as a browser would (RFC 3986) against the
                // page that gave it.
                let u = here
                    .join(&n)
                    .map_err(|e| protocol(format!("bad next link: {e}")))?;
                // The JWT must not follow a link to another host, nor out of the base URL's
                // path on the same host.
                if !self.api.same_origin(&u) {
                    return Err(protocol(
                        "the next page is on another host; refusing to send the token there".into(),
                    ));
                }
                if !self.api.under_base(&u) {
                    return Err(protocol(format!(
                        "the next page ({}) is outside the base URL's path; refusing to send the token there",
                        u.path()
                    )));
                }
                Some(u)
            }
        };
        Ok(ListPage {
            items: page.results,
            next,
            count: page.count,
        })
    }

    /// Every contact, following the pages to the end.
    pub async fn list(&self) -> Result<Vec<CovageContact>, Error> {
        let mut all = Vec::new();
        let mut check = PageCheck::default();
        let mut page = self.first_page().await?;
        loop {
            check.page(&page)?;
            for v in page.items {
                all.push(
                    serde_json::from_str(v.get())
                        .map_err(|e| protocol(format!("not a contact: {e}")))?,
                );
            }
            match page.next {
                Some(u) => page = self.next_page(u).await?,
                None => return Ok(all),
            }
        }
    }

    /// `GET /api/contacts/{uuid}/`.
    pub async fn get(&self, uuid: &str) -> Result<Option<CovageContact>, Error> {
        let url = self.api.url_segment(CONTACTS, uuid, true)?;
        let reply = self
            .call(Method::GET, url, Body::Empty, Retry::Idempotent)
            .await?;
        if reply.status == 404 {
            return Ok(None);
        }
        let reply = self.check(reply)?;
        self.parse(&reply.body).map(Some)
    }

    /// `POST /api/contacts/`. Returns [`Error::Ambiguous`] when the answer was lost: the
    /// contact may exist now, so the caller looks before sending it again.
    pub async fn create(&self, c: &CovageContact) -> Result<CovageContact, Error> {
        let mut body = c.clone();
        body.contact_uuid = None;
        let json = serde_json::to_vec(&body).expect("json");
        let reply = self
            .call(
                Method::POST,
                self.api.url(CONTACTS)?,
                Body::Json(json),
                Retry::Create,
            )
            .await?;
        let reply = self.check(reply)?;
        self.parse(&reply.body)
    }

    /// `PUT /api/contacts/{uuid}/` with the full object ("the information in full has to be
    /// sent to the server").
    pub async fn update(&self, c: &CovageContact) -> Result<CovageContact, Error> {
        let uuid = c
            .contact_uuid
            .as_deref()
            .ok_or_else(|| Error::Config("update without contact_uuid".into()))?;
        let url = self.api.url_segment(CONTACTS, uuid, true)?;
        let json = serde_json::to_vec(c).expect("json");
        let reply = self.check(
            self.call(Method::PUT, url, Body::Json(json), Retry::Idempotent)
                .await?,
        )?;
        self.parse(&reply.body)
    }

    fn parse(&self, body: &[u8]) -> Result<CovageContact, Error> {
        serde_json::from_slice(body).map_err(|e| Error::Protocol {
            provider: PROVIDER,
            why: format!("not a contact: {e}"),
        })
    }
}

impl Provider for Covage {
    fn name(&self) -> &'static str {
        "covage"
    }

    fn format(&self) -> Format {
        Format::Covage
    }

    fn contacts_url(&self) -> String {
        self.api
            .url(CONTACTS)
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    fn account(&self) -> String {
        self.creds.account()
    }

    fn waiting_until(&self) -> Option<tokio::time::Instant> {
        self.api.waiting_until()
    }

    /// Streams the whole list into `feed`, page by page.
    fn read(
        self: Arc<Self>,
        _ids: Vec<String>,
        _concurrency: usize,
        feed: Feed,
    ) -> BoxFuture<'static, Reading> {
        Box::pin(async move {
            let mut feed = feed.named("Covage's contacts");
            let read = async {
                let mut check = PageCheck::default();
                let mut page = self.first_page().await?;
                if let Some(n) = page.count {
                    feed.set_total(n);
                } else if page.next.is_none() {
                    feed.set_total(page.items.len() as u64);
                }
                loop {
                    check.page(&page)?;
                    for item in &page.items {
                        if !feed.push_element(item.get().as_bytes()).await? {
                            return Ok(());
                        }
                    }
                    match page.next {
                        Some(u) => page = self.next_page(u).await?,
                        None => return Ok(()),
                    }
                }
            }
            .await;
            feed.end(read, vec![]).await
        })
    }

    fn writer(
        self: Arc<Self>,
        _writing: Writing,
    ) -> BoxFuture<'static, Result<Box<dyn Writer>, Error>> {
        Box::pin(async move {
            Ok(Box::new(CovageWriter {
                client: self,
                existing: tokio::sync::OnceCell::new(),
            }) as Box<dyn Writer>)
        })
    }

    fn plan_time(&self, n: u64) -> String {
        format!("plan: the real run sends about {n} requests to Covage (no documented rate limit)")
    }
}

/// Writing to Covage: the list is read once, at the first contact looked for by email (the
/// only way to find one: a run whose state knows every id reads none); new contacts are
/// POSTed, changed ones PUT in full. Creates whose answers were lost are looked for by reading
/// the list again, once for all of them.
struct CovageWriter {
    client: Arc<Covage>,
    /// Existing contacts by email key, once read.
    existing: tokio::sync::OnceCell<HashMap<String, CovageContact>>,
}

fn index(list: Vec<CovageContact>) -> HashMap<String, CovageContact> {
    let mut map = HashMap::with_capacity(list.len());
    for c in list {
        map.entry(email::key(&c.email)).or_insert(c);
    }
    map
}

fn held(c: CovageContact) -> Held {
    Held::new(c.contact_uuid.clone().unwrap_or_default(), c)
}

/// The fields a change may write, in the order it lists them.
const FIELDS: [&str; 5] = [
    "first_name",
    "last_name",
    "phone_number",
    "cell_phone_number",
    "email",
];

/// `c` as Covage would hold it written over `have`: what the source lacks, the provider keeps.
fn wanted(c: &Contact, have: &CovageContact) -> CovageContact {
    let mut want = to_covage(c);
    for (w, h) in [
        (&mut want.first_name, &have.first_name),
        (&mut want.last_name, &have.last_name),
        (&mut want.phone_number, &have.phone_number),
        (&mut want.cell_phone_number, &have.cell_phone_number),
    ] {
        if w.is_empty() {
            w.clone_from(h);
        }
    }
    want.contact_uuid = have.contact_uuid.clone();
    want
}

/// The values of `c`, in [`FIELDS`]' order.
fn values(c: &CovageContact) -> [&String; 5] {
    [
        &c.first_name,
        &c.last_name,
        &c.phone_number,
        &c.cell_phone_number,
        &c.email,
    ]
}

impl Writer for CovageWriter {
    fn label(&self) -> &'static str {
        PROVIDER
    }

    fn find<'a>(&'a self, email: &'a str) -> BoxFuture<'a, Result<Option<Held>, Error>> {
        Box::pin(async move {
            let list = || async {
                match self.client.list().await {
                    Ok(list) => Ok(index(list)),
                    Err(e @ (Error::Stopped | Error::Auth { .. })) => Err(e),
                    Err(e) => Err(Error::Lookup {
                        provider: PROVIDER,
                        source: Box::new(e),
                    }),
                }
            };
            let existing = self.existing.get_or_try_init(list).await?;
            Ok(existing.get(&email::key(email)).cloned().map(held))
        })
    }

    /// The list read again, once for all of them.
    fn find_again<'a>(
        &'a self,
        emails: &'a [String],
    ) -> BoxFuture<'a, Result<HashMap<String, Held>, Error>> {
        Box::pin(async move {
            let mut now = index(self.client.list().await?);
            Ok(emails
                .iter()
                .filter_map(|e| {
                    let key = email::key(e);
                    now.remove(&key).map(|c| (key, held(c)))
                })
                .collect())
        })
    }

    fn changes(&self, want: &Contact, have: &Held) -> Change {
        let have: &CovageContact = have.record();
        let want = wanted(want, have);
        let (w, h) = (values(&want), values(have));
        Change {
            fields: (0..FIELDS.len())
                .filter(|&i| w[i] != h[i])
                .map(|i| FIELDS[i])
                .collect(),
            conflicts: vec![],
        }
    }

    fn create<'a>(&'a self, want: &'a Contact) -> BoxFuture<'a, Result<String, Error>> {
        Box::pin(async move {
            // (The client sends it without an id.)
            let made = self.client.create(&to_covage(want)).await?;
            Ok(made.contact_uuid.unwrap_or_default())
        })
    }

    fn values(&self, want: &Contact) -> Vec<(&'static str, String)> {
        let c = to_covage(want);
        let [first, last, phone, cell, email] = [
            c.first_name,
            c.last_name,
            c.phone_number,
            c.cell_phone_number,
            c.email,
        ];
        FIELDS
            .into_iter()
            .zip([first, last, phone, cell, email])
            .collect()
    }

    /// The contact may have been edited since it was listed (or a state remembers only its
    /// id). PUT replaces the whole object, so it is read now and only `fields` are applied to
    /// what the server has: an edit made meanwhile to another field is kept.
    fn update<'a>(
        &'a self,
        id: &'a str,
        _have: Option<&'a Held>,
        want: &'a Contact,
        fields: &'a [&'static str],
    ) -> BoxFuture<'a, Result<Option<bool>, Error>> {
        Box::pin(async move {
            let Some(now) = self.client.get(id).await? else {
                return Ok(None);
            };
            let want = wanted(want, &now);
            // What the server has now, with this run's fields taken from `want`.
            let take = |i: usize| {
                let v = if fields.contains(&FIELDS[i]) {
                    &want
                } else {
                    &now
                };
                values(v)[i].clone()
            };
            let next = CovageContact {
                contact_uuid: Some(id.to_string()),
                first_name: take(0),
                last_name: take(1),
                phone_number: take(2),
                cell_phone_number: take(3),
                email: take(4),
            };
            if values(&next) == values(&now) {
                return Ok(Some(false));
            }
            self.client.update(&next).await?;
            Ok(Some(true))
        })
    }

    /// The list (pages of 100) when a contact is looked for, then a POST per create and a GET
    /// and a PUT per update.
    fn planned_requests(&self, p: &Planned) -> u64 {
        let pages = match self.existing.get() {
            Some(existing) if p.finds > 0 => (existing.len() as u64).div_ceil(100).max(1),
            _ => u64::from(p.finds > 0),
        };
        pages + p.creates + 2 * p.updates
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scripted::{json, quick, Server};

    fn login() -> Credentials {
        Credentials::Login {
            email: "me@example.fr".into(),
            password: Secret::new("pw"),
        }
    }

    #[tokio::test]
    async fn an_expired_jwt_is_renewed_by_logging_in_again_once() {
        // Tokens t1, t2, …: the first one is refused (it expired), the second is taken.
        let server = Server::start(|seen| {
            let last = seen.last().unwrap();
            let logins = seen.iter().filter(|s| s.path == LOGIN).count();
            match (last.path.as_str(), last.auth.as_deref()) {
                (LOGIN, _) => json(200, serde_json::json!({ "token": format!("t{logins}") })),
                (_, Some("JWT t1")) => json(401, serde_json::json!({"detail": "expired"})),
                _ => json(
                    200,
                    serde_json::json!([{"first_name": "A", "last_name": "B", "email": "a@b.fr"}]),
                ),
            }
        })
        .await;
        let c = Covage::new(&server.url, login(), quick(3)).unwrap();
        assert_eq!(c.list().await.unwrap().len(), 1);
        assert_eq!(c.list().await.unwrap().len(), 1);
        let seen: Vec<_> = server
            .seen()
            .into_iter()
            .map(|s| format!("{} {} {}", s.method, s.path, s.auth.unwrap_or_default()))
            .collect();
        assert_eq!(
            seen,
            [
                "POST /api/account/token/ ",
                "GET /api/contacts/ JWT t1",
                "POST /api/account/token/ ",
                "GET /api/contacts/ JWT t2",
                "GET /api/contacts/ JWT t2",
            ]
        );
        // The password went in the login body only.
        assert!(server.seen()[0].body.contains("\"password\":\"pw\""));
    }

    #[tokio::test]
    async fn a_refused_login_or_token_is_final_and_costs_one_request() {
        let server = Server::start(|_| json(401, serde_json::json!({"detail": "no"}))).await;
        let c = Covage::new(&server.url, login(), quick(3)).unwrap();
        for _ in 0..3 {
            let e = c.list().await.unwrap_err();
            assert!(
                e.to_string()
                    .contains("COVAGE_EMAIL and COVAGE_PASSWORD were refused"),
                "{e}"
            );
        }
        assert_eq!(server.seen().len(), 1, "{:?}", server.seen());
        let c = Covage::new(
            &server.url,
            Credentials::Token(Secret::new("jwt")),
            quick(3),
        )
        .unwrap();
        for _ in 0..3 {
            let e = c.list().await.unwrap_err();
            assert!(e.to_string().contains("COVAGE_TOKEN was refused"), "{e}");
        }
        assert_eq!(server.seen().len(), 2);
    }

    /// Issue 19: a `next` link on the same host but outside the base URL's path is refused
    /// before the token is sent there.
    #[tokio::test]
    async fn a_next_link_outside_the_base_path_is_refused() {
        let server = Server::start(|_| {
            let next = "/other/api/contacts/?page=2";
            json(
                200,
                serde_json::json!({"count": 2, "next": next, "previous": null,
                    "results": [{"first_name": "A", "last_name": "B", "email": "a@b.fr"}]}),
            )
        })
        .await;
        let base = format!("{}/covage/", server.url);
        let c = Covage::new(&base, Credentials::Token(Secret::new("jwt")), quick(3)).unwrap();
        let e = c.list().await.unwrap_err();
        assert!(e.to_string().contains("outside the base URL's path"), "{e}");
        let paths: Vec<_> = server.seen().into_iter().map(|s| s.path).collect();
        assert_eq!(paths, ["/covage/api/contacts/"]);
    }

    /// Each contact goes to core as the server wrote it, one line each, however the page is
    /// laid out: a reject's line is its contact's number.
    #[tokio::test]
    async fn a_pretty_printed_page_is_read_contact_by_contact() {
        let page = "[\n  {\n    \"first_name\": \"Ann\",\n    \"last_name\": \"Lee\",\n    \"email\": \"ann@x.fr\"\n  },\n  {\n    \"first_name\": \"Bob\",\n    \"last_name\": \"Ray\",\n    \"email\": \"bob@@x.fr\",\n    \"phone_number\": \"01 42 84 54 03\"\n  }\n]";
        let server = Server::start(move |_| (200, vec![], page.to_string())).await;
        let c = Arc::new(
            Covage::new(
                &server.url,
                Credentials::Token(Secret::new("jwt")),
                quick(3),
            )
            .unwrap(),
        );
        let out = SharedBuf::default();
        let entries: Arc<std::sync::Mutex<contactport_core::Report>> = Arc::default();
        let feed = Feed::bytes(
            contactport_core::Options {
                from: Some(Format::Covage),
                to: Some(Format::Covage),
                encoding: Some(contactport_core::format::decode::Encoding::UTF8),
                ..Default::default()
            },
            Box::new(out.clone()),
            None,
            entries.clone(),
        );
        let reading = c.read(vec![], 1, feed).await;
        assert!(reading.error.is_none(), "{:?}", reading.error);
        assert_eq!((reading.report.read, reading.report.rejected), (2, 1));
        let entries = entries.lock().unwrap();
        let reject = &entries.rejects[0];
        assert_eq!(
            (reject.record, reject.line, &*reject.field),
            (2, 2, "email")
        );
        let json = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(
            json.contains("\"ann@x.fr\"") && !json.contains("bob"),
            "{json}"
        );
    }

    /// An output kept in memory, for a feed's bytes.
    #[derive(Clone, Default)]
    struct SharedBuf(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for SharedBuf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl crate::source::Destination for SharedBuf {
        fn commit(self: Box<Self>) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn its_error_bodies_give_the_message_its_details_and_the_request_id() {
        let api = Endpoint::new(PROVIDER, DEFAULT_URL, quick(1))
            .unwrap()
            .with_dialect(dialect);
        let e = api.api_error(
            400,
            br#"{"error":"Invalid email","details":null,"apirequest_uuid":"KOSC_123"}"#,
        );
        assert_eq!(
            e.details(),
            (Some(400), "Invalid email".into(), Some("KOSC_123".into()))
        );
        let e = api.api_error(400, br#"{"error":"Invalid","details":{"email":"bad"}}"#);
        assert_eq!(e.details().1, r#"Invalid ({"email":"bad"})"#);
        // Not JSON: quoted.
        assert_eq!(
            api.api_error(502, b"Bad Gateway").details().1,
            "Bad Gateway"
        );
    }

    /// Issue 19: a journal made with COVAGE_TOKEN resumes after the token is renewed: the
    /// account is the user the token names, not a hash of the whole token.
    #[test]
    fn the_account_is_the_user_a_token_names() {
        use base64::Engine;
        let jwt = |claims: serde_json::Value| {
            let b = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
            format!(
                "{}.{}.sig",
                b(br#"{"alg":"HS256"}"#),
                b(claims.to_string().as_bytes())
            )
        };
        let t1 = jwt(serde_json::json!({"user_id": 7, "email": "Me@Example.fr", "exp": 1}));
        let t2 = jwt(serde_json::json!({"user_id": 7, "email": "me@example.fr", "exp": 2}));
        let account = |t: &str| Credentials::Token(Secret::new(t)).account();
        assert_eq!(account(&t1), account(&t2));
        assert_eq!(
            account(&t1),
            login().account(),
            "the same account as a login"
        );
        assert_eq!(
            account(&jwt(serde_json::json!({"user_id": 7}))),
            "user_id:7"
        );
        // Not a JWT: a fingerprint, never the token itself.
        let opaque = account("not-a-jwt");
        assert!(
            opaque.starts_with("sha256:") && !opaque.contains("not-a-jwt"),
            "{opaque}"
        );
    }
}
