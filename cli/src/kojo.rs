//! The Kojo contacts API client: a legacy API key or OAuth 2 client credentials (token cached,
//! renewed a minute before it expires), get by id or email, create, patch.

use crate::error::Error;
use crate::http::{Api, Body, Reply, Retry, Tuning};
use crate::secret::Secret;
use contactport_core::KojoContact;
use reqwest::Method;
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Production base URL.
pub const DEFAULT_URL: &str = "https://api.kojo.tech";
/// The contacts path: the docs name `/contacts` while their examples say `/contact`.
pub const DEFAULT_PATH: &str = "/contacts";
const PROVIDER: &str = "Kojo";
/// Kojo's documented burst limit, per organisation: requests a second.
pub const RATE: f64 = 20.0;
/// Kojo's documented quota, per organisation: requests an hour.
pub const PER_HOUR: u32 = 3600;
const TOKEN: &str = "/oauth2/token";

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
    api: Api,
    path: String,
    creds: Credentials,
    token: Mutex<Option<(Secret, Instant)>>,
}

impl Kojo {
    /// A client for `base`, contacts at `path`.
    pub fn new(base: &str, path: &str, creds: Credentials, tuning: Tuning) -> Result<Kojo, Error> {
        let api = Api::new(PROVIDER, base, tuning)?;
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

    /// The contacts URL (a journal's owner).
    pub fn contacts_url(&self) -> String {
        self.api
            .url(&self.path)
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// While requests wait for a quota or a pause the provider asked for: until when.
    pub fn waiting_until(&self) -> Option<tokio::time::Instant> {
        self.api.waiting_until()
    }

    /// The account, for a journal's owner.
    pub fn account(&self) -> String {
        self.creds.account()
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

    /// `PATCH /contacts/:id` with only `fields` (never orgName: Kojo cannot change it).
    pub async fn patch(
        &self,
        id: &str,
        fields: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<KojoContact, Error> {
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
        self.parse(reply)
    }
}
