//! A provider in memory for the engine's tests: contacts by email key, every call logged, and
//! a script of faults per email (answers lost, errors, contacts deleted meanwhile). It compares
//! as a provider does: values the source lacks never erase, and the org name cannot change
//! (a conflict), as Kojo's.

use crate::error::Error;
use crate::provider::{Change, Held, Planned, Provider, Writer};
use crate::source::{Feed, Reading};
use contactport_core::{email, Contact, Format, Writing};
use futures::future::BoxFuture;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a call to `find` of an email ends in.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// The provider answers 503 every time.
    Unavailable,
    /// The credentials are refused.
    Refused,
}

/// The fake provider.
#[derive(Default)]
pub struct Fake {
    /// The contacts held, by email key: (id, contact).
    pub held: Mutex<HashMap<String, (String, Contact)>>,
    /// Every call: `find a@x`, `create a@x`, `update a@x display_name`, `find_again 2`.
    pub log: Mutex<Vec<String>>,
    /// Creates of these email keys lose their answer this many more times; `true`: the
    /// contact is created all the same (a gateway's 504 after the write).
    pub lose: Mutex<HashMap<String, (u32, bool)>>,
    /// Calls to find these email keys fail so.
    pub faults: Mutex<HashMap<String, Fault>>,
    /// Contacts deleted between the find and the update (by email key).
    pub gone: Mutex<HashSet<String>>,
}

impl Fake {
    /// Deletes the contact held under `email`, as a user would in the provider.
    pub fn delete(&self, email: &str) {
        self.held.lock().unwrap().remove(&email::key(email));
    }

    /// Edits the contact held under `email` in place, as a user would in the provider.
    pub fn edit(&self, email: &str, f: impl FnOnce(&mut Contact)) {
        let mut held = self.held.lock().unwrap();
        f(&mut held.get_mut(&email::key(email)).expect("held").1);
    }
}

/// The fields the fake compares and writes.
const FIELDS: [&str; 3] = ["display_name", "phone", "org_name"];

fn get<'a>(c: &'a Contact, f: &str) -> &'a str {
    match f {
        "display_name" => &c.display_name,
        "phone" => &c.phone,
        _ => &c.org_name,
    }
}

impl Fake {
    /// A fake holding `contacts`.
    pub fn holding(contacts: &[Contact]) -> Arc<Fake> {
        let fake = Fake::default();
        for (i, c) in contacts.iter().enumerate() {
            fake.insert(format!("held-{i}"), c.clone());
        }
        Arc::new(fake)
    }

    /// Holds `c` under `id`, as if created in the provider by hand.
    pub fn insert(&self, id: String, c: Contact) {
        let key = email::key(&c.email);
        self.held.lock().unwrap().insert(key, (id, c));
    }

    fn note(&self, s: String) {
        self.log.lock().unwrap().push(s);
    }

    /// The calls logged so far that start with `what`.
    pub fn calls(&self, what: &str) -> Vec<String> {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|l| l.starts_with(what))
            .cloned()
            .collect()
    }

    /// The contact held under `email`.
    pub fn contact(&self, email: &str) -> Option<Contact> {
        let held = self.held.lock().unwrap();
        held.get(&email::key(email)).map(|(_, c)| c.clone())
    }
}

fn held(id: &str, c: &Contact) -> Held {
    Held::new(id.to_string(), c.clone())
}

impl Writer for Arc<Fake> {
    fn label(&self) -> &'static str {
        "Fake"
    }

    fn find<'a>(&'a self, email: &'a str) -> BoxFuture<'a, Result<Option<Held>, Error>> {
        Box::pin(async move {
            self.note(format!("find {email}"));
            let key = email::key(email);
            match self.faults.lock().unwrap().get(&key) {
                Some(Fault::Unavailable) => {
                    return Err(Error::Api {
                        provider: "Fake",
                        status: 503,
                        message: "unavailable".into(),
                        request_id: None,
                    })
                }
                Some(Fault::Refused) => {
                    return Err(Error::Auth {
                        provider: "Fake",
                        message: "refused".into(),
                    })
                }
                None => {}
            }
            let held_now = self.held.lock().unwrap();
            Ok(held_now.get(&key).map(|(id, c)| held(id, c)))
        })
    }

    fn find_again<'a>(
        &'a self,
        emails: &'a [String],
    ) -> BoxFuture<'a, Result<HashMap<String, Held>, Error>> {
        Box::pin(async move {
            self.note(format!("find_again {}", emails.len()));
            let held_now = self.held.lock().unwrap();
            Ok(emails
                .iter()
                .filter_map(|e| {
                    let key = email::key(e);
                    held_now.get(&key).map(|(id, c)| (key, held(id, c)))
                })
                .collect())
        })
    }

    fn changes(&self, want: &Contact, have: &Held) -> Change {
        let have: &Contact = have.record();
        let differs = |f| !get(want, f).is_empty() && get(want, f) != get(have, f);
        let mut change = Change::default();
        for f in FIELDS {
            if !differs(f) {
                continue;
            }
            if f == "org_name" && !have.org_name.is_empty() {
                change
                    .conflicts
                    .push(("org_name", have.org_name.clone(), want.org_name.clone()));
            } else {
                change.fields.push(f);
            }
        }
        change
    }

    fn create<'a>(&'a self, want: &'a Contact) -> BoxFuture<'a, Result<String, Error>> {
        Box::pin(async move {
            self.note(format!("create {}", want.email));
            let key = email::key(&want.email);
            let n = self.log.lock().unwrap().len();
            let id = format!("new-{n}");
            let lost = match self.lose.lock().unwrap().get_mut(&key) {
                Some((times, lands)) if *times > 0 => {
                    *times -= 1;
                    Some(*lands)
                }
                _ => None,
            };
            if lost != Some(false) {
                self.insert(id.clone(), want.clone());
            }
            match lost {
                Some(_) => Err(Error::Ambiguous {
                    provider: "Fake",
                    why: "504".into(),
                    settle: Duration::from_millis(1),
                }),
                None => Ok(id),
            }
        })
    }

    fn values(&self, want: &Contact) -> Vec<(&'static str, String)> {
        FIELDS
            .into_iter()
            .map(|f| (f, get(want, f).to_string()))
            .collect()
    }

    fn fixed(&self) -> &'static [&'static str] {
        &["org_name"]
    }

    /// By id, as a provider does: a contact deleted (or never held) is gone.
    fn update<'a>(
        &'a self,
        id: &'a str,
        _have: Option<&'a Held>,
        want: &'a Contact,
        fields: &'a [&'static str],
    ) -> BoxFuture<'a, Result<Option<bool>, Error>> {
        Box::pin(async move {
            self.note(format!("update {} {}", want.email, fields.join(",")));
            let key = email::key(&want.email);
            if self.gone.lock().unwrap().remove(&key) {
                self.held.lock().unwrap().remove(&key);
                return Ok(None);
            }
            let mut held_now = self.held.lock().unwrap();
            let Some((_, c)) = held_now.values_mut().find(|(i, _)| i == id) else {
                return Ok(None);
            };
            for f in fields {
                match *f {
                    "display_name" => c.display_name.clone_from(&want.display_name),
                    "phone" => c.phone.clone_from(&want.phone),
                    _ => c.org_name.clone_from(&want.org_name),
                }
            }
            Ok(Some(true))
        })
    }

    /// One request a find, a create or an update.
    fn planned_requests(&self, p: &Planned) -> u64 {
        p.finds + p.creates + p.updates
    }
}

impl Provider for Fake {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn format(&self) -> Format {
        Format::Csv
    }

    fn contacts_url(&self) -> String {
        "memory:contacts".into()
    }

    fn account(&self) -> String {
        "tester".into()
    }

    fn waiting_until(&self) -> Option<tokio::time::Instant> {
        None
    }

    /// Its contacts, as canonical NDJSON, into `feed`.
    fn read(
        self: Arc<Self>,
        _ids: Vec<String>,
        _concurrency: usize,
        mut feed: Feed,
    ) -> BoxFuture<'static, Reading> {
        Box::pin(async move {
            let lines: Vec<String> = {
                let held_now = self.held.lock().unwrap();
                held_now
                    .values()
                    .map(|(_, c)| {
                        serde_json::json!({"display_name": c.display_name, "email": c.email})
                            .to_string()
                            + "\n"
                    })
                    .collect()
            };
            let mut read = Ok(());
            for l in lines {
                if let Err(e) = feed.push(l.as_bytes()).await {
                    read = Err(e);
                    break;
                }
            }
            feed.end(read, vec![]).await
        })
    }

    fn writer(
        self: Arc<Self>,
        _writing: Writing,
    ) -> BoxFuture<'static, Result<Box<dyn Writer>, Error>> {
        Box::pin(async move { Ok(Box::new(self) as Box<dyn Writer>) })
    }

    fn plan_time(&self, requests: u64) -> String {
        format!("plan: {requests} requests")
    }
}
