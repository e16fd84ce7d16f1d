//! The Kojo contacts API client: a legacy API key or OAuth 2 client credentials (token cached,
//! renewed a minute before it expires), get by id or email, create, patch. As a [`Provider`] it
//! reads the contacts named by id or email (there is no list endpoint) and upserts by email.

use crate::endpoint::{Body, Endpoint, Reply, Retry, Tuning};
use crate::error::Error;
use crate::provider::{Change, Held, Planned, Provider, Writer};
use crate::registry::{Connect, Kind, Limits, Setting};
use crate::secret::Secret;
use crate::source::{Feed, Reading};
use crate::sync::Failure;
use contactport_core::kojo::to_kojo;
use contactport_core::{phone, Contact, Format, KojoContact, KojoPhone, Writing};
use futures::future::BoxFuture;
use futures::StreamExt;
use reqwest::Method;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Production base URL.
pub const DEFAULT_URL: &str = "https://api.kojo.tech";
/// The contacts path: the docs name `/contacts` while their examples say `/contact`.
pub const DEFAULT_PATH: &str = "/contacts";
const PROVIDER: &str = "Kojo";
/// Kojo's documented burst limit, per organisation: requests a second.
pub(crate) const RATE: f64 = 20.0;
/// Kojo's documented quota, per organisation: requests an hour.
pub(crate) const PER_HOUR: u32 = 3600;
const TOKEN: &str = "/oauth2/token";

/// Kojo's row of [`crate::PROVIDERS`].
pub(crate) const KIND: Kind = Kind {
    name: "kojo",
    about: "Kojo procurement",
    ids_only: Some("Kojo has no list endpoint"),
    settings: &[URL, PATH],
    credentials: "KOJO_API_KEY, or KOJO_CLIENT_ID and KOJO_CLIENT_SECRET (OAuth 2)",
    limits: Limits {
        rate: RATE,
        per_hour: PER_HOUR,
    },
    // Kojo paces reads too: its limit is per organisation, for all calls.
    open: |connect, _| Ok(Arc::new(Kojo::connect(connect)?)),
};

/// Where Kojo is.
const URL: Setting = Setting {
    flag: "kojo-url",
    env: "KOJO_URL",
    default: DEFAULT_URL,
    value_name: "URL",
    help: "Kojo base URL",
};

/// Its contacts path.
const PATH: Setting = Setting {
    flag: "kojo-path",
    env: "KOJO_CONTACTS_PATH",
    default: DEFAULT_PATH,
    value_name: "PATH",
    help: "Kojo contacts path (its docs say both /contacts and /contact)",
};

/// How to authenticate.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// `KOJO_API_KEY`: a legacy API key, sent as a bearer token.
    ApiKey(Secret),
    /// `KOJO_CLIENT_ID` + `KOJO_CLIENT_SECRET`: OAuth 2 client credentials.
    Client {
        /// Client id.
        id: String,
        /// Client secret.
        secret: Secret,
    },
}

impl Credentials {
    /// From the environment: `KOJO_API_KEY`, else `KOJO_CLIENT_ID` + `KOJO_CLIENT_SECRET`.
    pub fn from_env() -> Result<Credentials, Error> {
        if let Some(k) = Secret::from_env("KOJO_API_KEY") {
            return Ok(Credentials::ApiKey(k));
        }
        match crate::secret::pair_from_env("KOJO_CLIENT_ID", "KOJO_CLIENT_SECRET") {
            Some((id, secret)) => Ok(Credentials::Client { id, secret }),
            None => Err(Error::Config(
                "Kojo credentials missing: set KOJO_API_KEY, or KOJO_CLIENT_ID and KOJO_CLIENT_SECRET".into(),
            )),
        }
    }
}

impl Credentials {
    /// Who this is, for a journal's owner: the client id, or a fingerprint of the key.
    pub fn account(&self) -> String {
        match self {
            Credentials::ApiKey(k) => crate::journal::fingerprint(k.expose()),
            Credentials::Client { id, .. } => id.clone(),
        }
    }
}

/// A Kojo client.
#[derive(Debug)]
pub struct Kojo {
    api: Endpoint,
    path: String,
    creds: Credentials,
    token: Mutex<Option<(Secret, Instant)>>,
}

impl Kojo {
    /// The client `connect` describes. Reads are paced too: the limit is per organisation, for
    /// all calls.
    pub(crate) fn connect(connect: &Connect) -> Result<Kojo, Error> {
        let creds = Credentials::from_env()?;
        let link = &connect.link;
        let tuning = link.tuning(
            link.rate.unwrap_or(KIND.limits.rate),
            link.hourly_limit.unwrap_or(KIND.limits.per_hour),
        );
        Kojo::new(
            connect.values.get(&URL),
            connect.values.get(&PATH),
            creds,
            tuning,
        )
    }

    /// A client for `base`, contacts at `path`.
    pub fn new(base: &str, path: &str, creds: Credentials, tuning: Tuning) -> Result<Kojo, Error> {
        let api = Endpoint::new(PROVIDER, base, tuning)?.with_dialect(dialect);
        let path = format!("/{}", path.trim_matches('/'));
        // Checked here, before any request: a path naming another host would take the key there.
        api.url(&path)?;
        Ok(Kojo {
            api,
            path,
            creds,
            token: Mutex::new(None),
        })
    }

    async fn header(&self, renew: bool) -> Result<String, Error> {
        let (id, secret) = match &self.creds {
            Credentials::ApiKey(k) => return Ok(format!("Bearer {}", k.expose())),
            Credentials::Client { id, secret } => (id, secret),
        };
        let mut slot = self.token.lock().await;
        let fresh = matches!(&*slot, Some((_, exp)) if Instant::now() < *exp) && !renew;
        if !fresh {
            let form = vec![
                ("grant_type", "client_credentials".to_string()),
                ("client_id", id.clone()),
                ("client_secret", secret.expose().to_string()),
            ];
            #[derive(Deserialize)]
            struct Token {
                access_token: String,
                expires_in: Option<u64>,
            }
            let t: Token = match self.api.token(TOKEN, Body::Form(form)).await {
                Err(Error::Auth { message, .. }) => {
                    return Err(self.api.refuse(&format!(
                        "KOJO_CLIENT_ID and KOJO_CLIENT_SECRET were refused: {message}"
                    )))
                }
                r => r?,
            };
            // Renewed a minute early (or at half its life when short), so no request carries
            // a token that expires on the way.
            // A lifetime past a day is taken as a day: whatever the server says, no overflow.
            let life = Duration::from_secs(t.expires_in.unwrap_or(3600).min(86_400));
            let margin = Duration::from_secs(60).min(life / 2);
            *slot = Some((
                Secret::new(t.access_token),
                Instant::now() + (life - margin),
            ));
        }
        Ok(format!(
            "Bearer {}",
            slot.as_ref().expect("token").0.expose()
        ))
    }

    async fn call(
        &self,
        method: Method,
        url: url::Url,
        body: Body,
        retry: Retry,
    ) -> Result<Reply, Error> {
        let reply = self
            .api
            .send(
                method.clone(),
                url.clone(),
                Some(&self.header(false).await?),
                &body,
                retry,
            )
            .await?;
        if reply.status != 401 {
            return Ok(reply);
        }
        if let Credentials::ApiKey(_) = self.creds {
            return Err(self.api.refuse("the key in KOJO_API_KEY was refused"));
        }
        // An OAuth token may have expired early: one renewal, then the refusal is final.
        let header = self.header(true).await?;
        let reply = self
            .api
            .send(method, url, Some(&header), &body, retry)
            .await?;
        if reply.status == 401 {
            return Err(self
                .api
                .refuse("a fresh access token for KOJO_CLIENT_ID was refused"));
        }
        Ok(reply)
    }

    fn parse(&self, reply: Reply) -> Result<KojoContact, Error> {
        if !reply.ok() {
            return Err(self.api.api_error(reply.status, &reply.body));
        }
        serde_json::from_slice(&reply.body).map_err(|e| Error::Protocol {
            provider: PROVIDER,
            why: format!("not a contact: {e}"),
        })
    }

    /// `GET /contacts/:idOrEmail`; `None` on 404.
    pub async fn get(&self, id_or_email: &str) -> Result<Option<KojoContact>, Error> {
        Ok(self.get_raw(id_or_email).await?.map(|(c, _)| c))
    }

    /// Like [`Kojo::get`], with the answer's bytes (for exports).
    pub async fn get_raw(
        &self,
        id_or_email: &str,
    ) -> Result<Option<(KojoContact, bytes::Bytes)>, Error> {
        let url = self.api.url_segment(&self.path, id_or_email, false)?;
        let reply = self
            .call(Method::GET, url, Body::Empty, Retry::Idempotent)
            .await?;
        if reply.status == 404 {
            return Ok(None);
        }
        let body = reply.body.clone();
        self.parse(reply).map(|c| Some((c, body)))
    }

    /// `POST /contacts` with displayName, email, orgName, vendorId and phone. Returns
    /// [`Error::Ambiguous`] when the answer was lost.
    pub async fn create(&self, c: &KojoContact) -> Result<KojoContact, Error> {
        let body = serde_json::json!({
            "displayName": c.display_name,
            "email": c.email,
            "orgName": c.org_name,
            "vendorId": c.vendor_id,
            "phone": c.phone,
        });
        let mut body = body;
        if c.phone.is_none() {
            body.as_object_mut().expect("object").remove("phone");
        }
        let reply = self
            .call(
                Method::POST,
                self.api.url(&self.path)?,
                Body::Json(serde_json::to_vec(&body).expect("json")),
                Retry::Create,
            )
            .await?;
        self.parse(reply)
    }

    /// `PATCH /contacts/:id` with only `fields` (never orgName: Kojo cannot change it); `None`
    /// on 404 (the contact is gone).
    pub async fn patch(
        &self,
        id: &str,
        fields: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Option<KojoContact>, Error> {
        debug_assert!(!fields.contains_key("orgName"));
        let url = self.api.url_segment(&self.path, id, false)?;
        let reply = self
            .call(
                Method::PATCH,
                url,
                Body::Json(serde_json::to_vec(fields).expect("json")),
                Retry::Idempotent,
            )
            .await?;
        if reply.status == 404 {
            return Ok(None);
        }
        self.parse(reply).map(Some)
    }
}

impl Provider for Kojo {
    fn name(&self) -> &'static str {
        "kojo"
    }

    fn format(&self) -> Format {
        Format::Kojo
    }

    fn contacts_url(&self) -> String {
        self.api
            .url(&self.path)
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    fn account(&self) -> String {
        self.creds.account()
    }

    fn waiting_until(&self) -> Option<tokio::time::Instant> {
        self.api.waiting_until()
    }

    /// Fetches each contact named (in order, `concurrency` at a time) into `feed`.
    fn read(
        self: Arc<Self>,
        ids: Vec<String>,
        concurrency: usize,
        feed: Feed,
    ) -> BoxFuture<'static, Reading> {
        Box::pin(async move {
            let mut feed = feed.named("Kojo's contacts");
            let mut failures = Vec::new();
            feed.set_total(ids.len() as u64);
            let read = async {
                let mut fetched = futures::stream::iter(ids.into_iter().enumerate())
                    .map(|(i, id)| {
                        let client = self.clone();
                        async move { (i, client.get_raw(&id).await, id) }
                    })
                    .buffered(concurrency.max(1));
                while let Some((i, res, id)) = fetched.next().await {
                    let fail = |status, message: String, request_id| Failure {
                        record: i as u64 + 1,
                        line: i as u64 + 1,
                        email: id.clone(),
                        status,
                        message,
                        request_id,
                    };
                    match res {
                        Ok(Some((_, bytes))) => {
                            if !feed.push_element(&bytes).await? {
                                break;
                            }
                        }
                        Ok(None) => failures.push(fail(
                            Some(404),
                            format!("Kojo has no contact {id}"),
                            None,
                        )),
                        Err(e @ (Error::Auth { .. } | Error::Stopped)) => return Err(e),
                        Err(e) => {
                            let (s, m, r) = e.details();
                            failures.push(fail(s, m, r));
                        }
                    }
                }
                Ok(())
            }
            .await;
            feed.end(read, failures).await
        })
    }

    fn writer(
        self: Arc<Self>,
        writing: Writing,
    ) -> BoxFuture<'static, Result<Box<dyn Writer>, Error>> {
        Box::pin(async move {
            Ok(Box::new(KojoWriter {
                client: self,
                kojo_phone: writing.kojo_phone,
            }) as Box<dyn Writer>)
        })
    }

    fn plan_time(&self, n: u64) -> String {
        use crate::pacer::{duration_for, human, Quota};
        let q = Quota {
            requests: PER_HOUR,
            window: Duration::from_secs(3600),
        };
        let d = duration_for(n, RATE, Some(q));
        format!(
            "plan: the real run sends about {n} requests to Kojo: {} at its documented limits ({RATE} a second, {PER_HOUR} an hour)",
            human(d),
        )
    }
}

/// Writing to Kojo: found by `GET /contacts/{email}`, created by POST, updated by a PATCH of
/// the changed fields only, never orgName (Kojo cannot change it: a different one is a
/// conflict).
struct KojoWriter {
    client: Arc<Kojo>,
    kojo_phone: KojoPhone,
}

fn held(k: KojoContact) -> Held {
    Held::new(k.id.clone().unwrap_or_default(), k)
}

impl Writer for KojoWriter {
    fn label(&self) -> &'static str {
        PROVIDER
    }

    fn find<'a>(&'a self, email: &'a str) -> BoxFuture<'a, Result<Option<Held>, Error>> {
        Box::pin(async move { Ok(find(&self.client, email).await?.map(held)) })
    }

    fn changes(&self, want: &Contact, have: &Held) -> Change {
        let want = to_kojo(want, self.kojo_phone);
        let have: &KojoContact = have.record();
        let mut conflicts = vec![];
        if let (Some(w), Some(h)) = (&want.org_name, &have.org_name) {
            if w != h {
                conflicts.push(("orgName", h.clone(), w.clone()));
            }
        }
        let patch = patch(&want, have);
        Change {
            fields: FIELDS
                .into_iter()
                .filter(|f| patch.contains_key(*f))
                .collect(),
            conflicts,
        }
    }

    fn create<'a>(&'a self, want: &'a Contact) -> BoxFuture<'a, Result<String, Error>> {
        Box::pin(async move {
            let made = self.client.create(&to_kojo(want, self.kojo_phone)).await?;
            Ok(made.id.unwrap_or_default())
        })
    }

    fn values(&self, want: &Contact) -> Vec<(&'static str, String)> {
        let k = to_kojo(want, self.kojo_phone);
        let v = |x: Option<String>| x.unwrap_or_default();
        vec![
            ("displayName", v(k.display_name)),
            ("phone", v(k.phone)),
            ("vendorId", v(k.vendor_id)),
            ("orgName", v(k.org_name)),
        ]
    }

    fn fixed(&self) -> &'static [&'static str] {
        &["orgName"]
    }

    /// One PATCH of the fields asked for; against `have`, only those that differ from it.
    fn update<'a>(
        &'a self,
        id: &'a str,
        have: Option<&'a Held>,
        want: &'a Contact,
        fields: &'a [&'static str],
    ) -> BoxFuture<'a, Result<Option<bool>, Error>> {
        Box::pin(async move {
            let want = to_kojo(want, self.kojo_phone);
            let mut patch = patch(
                &want,
                have.map(Held::record).unwrap_or(&KojoContact::default()),
            );
            patch.retain(|k, _| fields.contains(&k.as_str()));
            if patch.is_empty() {
                return Ok(Some(false));
            }
            Ok(self.client.patch(id, &patch).await?.map(|_| true))
        })
    }

    /// A GET by email per contact looked for, a POST per create, a PATCH per update.
    fn planned_requests(&self, p: &Planned) -> u64 {
        p.finds + p.creates + p.updates
    }
}

/// The fields a PATCH may write, in the order a change lists them.
const FIELDS: [&str; 3] = ["displayName", "phone", "vendorId"];

/// Kojo's error body: `{"code", "error", "message"}`, said as `CODE: message`.
fn dialect(v: &serde_json::Value) -> (Option<String>, Option<String>) {
    let (message, _) = crate::endpoint::plain_dialect(v);
    let message = match (crate::endpoint::text(v, "code"), message) {
        (Some(code), Some(m)) => Some(format!("{code}: {m}")),
        (_, m) => m,
    };
    (message, None)
}

/// Looks a contact up by email. Our key is case-insensitive but Kojo's lookup may not be: an
/// address with capitals in its local part that is not found is looked up lower-cased too, so
/// a contact stored that way is not created a second time.
async fn find(client: &Kojo, email: &str) -> Result<Option<KojoContact>, Error> {
    // Kojo may match addresses as written: each spelling of this one (lower case, NFC,
    // punycode or Unicode domain) is looked for before a contact is said to be missing.
    for spelling in contactport_core::email::spellings(email) {
        if let Some(found) = client.get(&spelling).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// The fields of `want` that differ from `have`; empty values never erase, orgName never goes.
fn patch(want: &KojoContact, have: &KojoContact) -> serde_json::Map<String, serde_json::Value> {
    let mut patch = serde_json::Map::new();
    let differs = |w: &Option<String>, h: &Option<String>| matches!(w, Some(w) if !w.is_empty() && Some(w) != h.as_ref());
    if differs(&want.display_name, &have.display_name) {
        patch.insert("displayName".into(), want.display_name.clone().into());
    }
    // Compared as numbers: the provider may hold `+33 6 99…` for our `+33699…`.
    let same_phone = match (&want.phone, &have.phone) {
        (Some(w), Some(h)) => {
            phone::normalize(h, Default::default()).is_ok_and(|h| &h == w) || w == h
        }
        _ => false,
    };
    if want.phone.as_deref().is_some_and(|p| !p.is_empty()) && !same_phone {
        patch.insert("phone".into(), want.phone.clone().into());
    }
    if differs(&want.vendor_id, &have.vendor_id) {
        patch.insert("vendorId".into(), want.vendor_id.clone().into());
    }
    patch
}

#[cfg(test)]
mod upsert_tests {
    use super::*;

    fn k(name: &str, phone: Option<&str>, org: &str) -> KojoContact {
        KojoContact {
            display_name: Some(name.into()),
            email: Some("a@b.fr".into()),
            phone: phone.map(String::from),
            org_name: Some(org.into()),
            vendor_id: Some("v1".into()),
            ..Default::default()
        }
    }

    #[test]
    fn patch_has_only_changed_fields_and_never_org_name() {
        let want = k("John Doe", Some("+33699437892"), "New Org");
        let have = k("John Doe", Some("+33 6 99 43 78 92"), "Old Org");
        assert!(
            patch(&want, &have).is_empty(),
            "same number written differently"
        );
        let have = k("Jon Doe", Some("+33142845403"), "Old Org");
        let p = patch(&want, &have);
        assert_eq!(p.keys().collect::<Vec<_>>(), ["displayName", "phone"]);
    }

    #[test]
    fn patch_does_not_erase() {
        let want = k("John Doe", None, "Org");
        let have = k("John Doe", Some("+33142845403"), "Org");
        assert!(patch(&want, &have).is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scripted::{json, quick, Server};

    fn client() -> Credentials {
        Credentials::Client {
            id: "cid".into(),
            secret: Secret::new("s3cret"),
        }
    }

    /// A token server whose tokens live `ttl` seconds; tokens are `a1`, `a2`, …; `refuse`
    /// names a token the contacts endpoint answers 401 to.
    async fn server(ttl: u64, refuse: &'static str) -> Server {
        Server::start(move |seen| {
            let last = seen.last().unwrap();
            let tokens = seen.iter().filter(|s| s.path == TOKEN).count();
            if last.path == TOKEN {
                return json(
                    200,
                    serde_json::json!({"access_token": format!("a{tokens}"), "expires_in": ttl}),
                );
            }
            if last.auth.as_deref() == Some(refuse) {
                return json(
                    401,
                    serde_json::json!({"code": "UNAUTHORIZED", "message": "expired"}),
                );
            }
            json(200, serde_json::json!({"id": "k1", "email": "a@b.fr"}))
        })
        .await
    }

    fn calls(server: &Server) -> Vec<String> {
        server
            .seen()
            .into_iter()
            .map(|s| format!("{} {}", s.path, s.auth.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn its_error_bodies_say_the_code_and_the_message() {
        let api = Endpoint::new(PROVIDER, DEFAULT_URL, quick(1))
            .unwrap()
            .with_dialect(dialect);
        let e = api.api_error(
            400,
            br#"{"code":"BAD_REQUEST","error":"Bad Request","message":"orgName cannot be updated"}"#,
        );
        assert_eq!(
            e.details(),
            (
                Some(400),
                "BAD_REQUEST: orgName cannot be updated".into(),
                None
            )
        );
    }

    #[tokio::test]
    async fn the_access_token_is_cached_then_renewed_before_it_expires() {
        // A 2-second token is renewed at half its life.
        let server = server(2, "").await;
        let k = Kojo::new(&server.url, DEFAULT_PATH, client(), quick(3)).unwrap();
        k.get("a@b.fr").await.unwrap().unwrap();
        k.get("a@b.fr").await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        k.get("a@b.fr").await.unwrap().unwrap();
        assert_eq!(
            calls(&server),
            [
                "/oauth2/token ",
                "/contacts/a@b.fr Bearer a1",
                "/contacts/a@b.fr Bearer a1",
                "/oauth2/token ",
                "/contacts/a@b.fr Bearer a2",
            ]
        );
        // The secret went in the form body only.
        assert!(server.seen()[0].body.contains("client_secret=s3cret"));
    }

    #[tokio::test]
    async fn a_token_refused_early_is_renewed_once() {
        let server = server(3600, "Bearer a1").await;
        let k = Kojo::new(&server.url, DEFAULT_PATH, client(), quick(3)).unwrap();
        k.get("a@b.fr").await.unwrap().unwrap();
        assert_eq!(
            calls(&server),
            [
                "/oauth2/token ",
                "/contacts/a@b.fr Bearer a1",
                "/oauth2/token ",
                "/contacts/a@b.fr Bearer a2",
            ]
        );
        // A refusal of the fresh token is final.
        let server = Server::start(|seen| match seen.last().unwrap().path.as_str() {
            TOKEN => json(
                200,
                serde_json::json!({"access_token": "a", "expires_in": 3600}),
            ),
            _ => json(401, serde_json::json!({"message": "no"})),
        })
        .await;
        let k = Kojo::new(&server.url, DEFAULT_PATH, client(), quick(3)).unwrap();
        let e = k.get("a@b.fr").await.unwrap_err();
        assert!(
            e.to_string()
                .contains("fresh access token for KOJO_CLIENT_ID was refused"),
            "{e}"
        );
        assert_eq!(server.seen().len(), 4);
    }
}
