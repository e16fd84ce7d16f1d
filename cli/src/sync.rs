//! Upserts into a provider, keyed by email (case-insensitive), exactly once.
//!
//! - Covage: the list is read once; new contacts are POSTed, changed ones PUT in full,
//!   unchanged ones left alone. A create whose answer was lost is set aside; when the stream
//!   ends the list is read again and each one is either found (it was created) or sent again.
//! - Kojo: `GET /contacts/{email}`: 404 → POST; found → PATCH of the changed fields only, never
//!   orgName (a different orgName is reported as a conflict). A create whose answer was lost is
//!   looked up by email before it is sent again.
//!
//! Values the source lacks never erase what the provider has (a Kojo contact has one phone; the
//! Covage mobile it does not carry stays). Two input records with one email: the second is
//! rejected, so concurrent workers never race to create the same contact.

use crate::covage::Covage;
use crate::error::Error;
use crate::journal::{Journal, Line};
use crate::kojo::Kojo;
use contactport_core::mapping::{self, KojoPhone};
use contactport_core::{
    email, phone, Contact, CovageContact, KojoContact, Position, Problem, Report,
};
use futures::StreamExt;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// What to do with a contact the provider already has (`--on-existing`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OnExisting {
    /// Write the changed fields.
    #[default]
    Update,
    /// Leave it as it is.
    Skip,
}

/// Run settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Records in flight at once.
    pub concurrency: usize,
    /// Existing contacts: update or skip.
    pub on_existing: OnExisting,
    /// Decide, print the plan, write nothing.
    pub dry_run: bool,
    /// Kojo's one phone.
    pub kojo_phone: KojoPhone,
    /// Say nothing on stderr (waits for the provider's quota included).
    pub quiet: bool,
}

/// A record the provider did not take.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// Record number in the source.
    pub record: u64,
    /// Source line.
    pub line: u64,
    /// The contact's email.
    pub email: String,
    /// HTTP status, when the provider answered.
    pub status: Option<u16>,
    /// The provider's message.
    pub message: String,
    /// Covage's `apirequest_uuid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// A value the provider holds that cannot be changed (Kojo's orgName).
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    /// Record number.
    pub record: u64,
    /// The contact's email.
    pub email: String,
    /// Field (provider's name).
    pub field: String,
    /// What the provider has.
    pub provider: String,
    /// What the source says.
    pub source: String,
}

/// The report of an import or migration: the reading report plus what the provider did.
#[derive(Debug, Default, Serialize)]
pub struct SyncReport {
    /// Reading: read, rejected, dropped fields, rejects.
    #[serde(flatten)]
    pub read: Report,
    /// Contacts created.
    pub created: u64,
    /// Contacts updated.
    pub updated: u64,
    /// Contacts already as wanted.
    pub unchanged: u64,
    /// Existing contacts left alone (`--on-existing skip`).
    pub skipped: u64,
    /// Records an earlier run finished (from `--journal`).
    pub resumed: u64,
    /// Records the provider did not take, with its message and request id.
    pub failed: Vec<Failure>,
    /// Values that differ but cannot be changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    /// True for `--dry-run`: the counts are what would have been done.
    pub dry_run: bool,
    /// The provider written to.
    #[serde(skip)]
    pub target: &'static str,
    /// For `--dry-run`: the requests the real run would send to the provider written to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_requests: Option<u64>,
    /// What stopped the run before the end of its input (a read error), when something did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// True when the run was stopped (Ctrl-C, SIGTERM) before the end of its input: what is
    /// counted was done; the rest was not attempted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

impl SyncReport {
    /// 0 when every record went through, 1 when some were rejected or failed, 130 (as a
    /// shell says of SIGINT) when the run was stopped.
    pub fn exit_code(&self) -> u8 {
        if self.interrupted {
            return 130;
        }
        u8::from(self.read.rejected > 0 || !self.failed.is_empty())
    }

    /// One line.
    pub fn summary(&self) -> String {
        format!(
            "{}{}read {}, rejected {}, created {}, updated {}, unchanged {}, skipped {}, resumed {}, failed {}",
            if self.interrupted { "interrupted: " } else { "" },
            if self.dry_run { "dry run: " } else { "" },
            self.read.read,
            self.read.rejected,
            self.created,
            self.updated,
            self.unchanged,
            self.skipped,
            self.resumed,
            self.failed.len()
        )
    }
}

/// What happened to one record.
#[derive(Debug)]
enum Action {
    Created(String),
    Updated(String, Vec<&'static str>),
    Unchanged(String),
    Skipped(String),
    /// A Covage create whose answer was lost, settled after the stream (once the write must
    /// have landed: the duration).
    Uncertain(std::time::Duration),
    Failed(Error),
}

/// A provider to write to.
pub enum Sink {
    /// Covage, with the list read at the start.
    Covage {
        /// Client.
        client: Arc<Covage>,
        /// Existing contacts by email key.
        existing: HashMap<String, CovageContact>,
    },
    /// Kojo.
    Kojo {
        /// Client.
        client: Arc<Kojo>,
    },
}

impl Sink {
    /// Covage: reads the whole list first (it is the only way to find a contact by email).
    pub async fn covage(client: Arc<Covage>) -> Result<Sink, Error> {
        let existing = index(client.list().await?);
        Ok(Sink::Covage { client, existing })
    }

    /// Kojo.
    pub fn kojo(client: Arc<Kojo>) -> Sink {
        Sink::Kojo { client }
    }

    /// While requests wait for the provider's quota: until when.
    fn waiting_until(&self) -> Option<tokio::time::Instant> {
        match self {
            Sink::Covage { client, .. } => client.waiting_until(),
            Sink::Kojo { client } => client.waiting_until(),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Sink::Covage { .. } => "covage",
            Sink::Kojo { .. } => "kojo",
        }
    }

    async fn upsert(
        &self,
        c: &Contact,
        s: &Settings,
        conflicts: &Mutex<Vec<Conflict>>,
        pos: Position,
    ) -> Action {
        match self {
            Sink::Covage { client, existing } => covage_upsert(client, existing, c, s).await,
            Sink::Kojo { client } => kojo_upsert(client, c, s, conflicts, pos).await,
        }
    }
}

fn index(list: Vec<CovageContact>) -> HashMap<String, CovageContact> {
    let mut map = HashMap::with_capacity(list.len());
    for c in list {
        map.entry(email::key(&c.email)).or_insert(c);
    }
    map
}

async fn covage_upsert(
    client: &Covage,
    existing: &HashMap<String, CovageContact>,
    c: &Contact,
    s: &Settings,
) -> Action {
    let mut want = mapping::to_covage(c);
    let Some(have) = existing.get(&email::key(&c.email)) else {
        if s.dry_run {
            return Action::Created(String::new());
        }
        want.contact_uuid = None;
        return match client.create(&want).await {
            Ok(made) => Action::Created(made.contact_uuid.unwrap_or_default()),
            Err(Error::Ambiguous { settle, .. }) => Action::Uncertain(settle),
            Err(e) => Action::Failed(e),
        };
    };
    let id = have.contact_uuid.clone().unwrap_or_default();
    // What the source lacks, the provider keeps.
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
    let mut changed = vec![];
    for (name, w, h) in [
        ("first_name", &want.first_name, &have.first_name),
        ("last_name", &want.last_name, &have.last_name),
        ("phone_number", &want.phone_number, &have.phone_number),
        (
            "cell_phone_number",
            &want.cell_phone_number,
            &have.cell_phone_number,
        ),
        ("email", &want.email, &have.email),
    ] {
        if w != h {
            changed.push(name);
        }
    }
    if changed.is_empty() {
        return Action::Unchanged(id);
    }
    if s.on_existing == OnExisting::Skip {
        return Action::Skipped(id);
    }
    if s.dry_run {
        return Action::Updated(id, changed);
    }
    // The list was read at the start; the contact may have been edited since. PUT replaces the
    // whole object, so it is read again now and only the fields this run changes are applied
    // to what the server has: an edit made meanwhile to another field is kept.
    let mut now = match client.get(&id).await {
        Ok(Some(now)) => now,
        // Deleted meanwhile: it is created again, as any contact the provider lacks.
        Ok(None) => {
            want.contact_uuid = None;
            return match client.create(&want).await {
                Ok(made) => Action::Created(made.contact_uuid.unwrap_or_default()),
                Err(Error::Ambiguous { settle, .. }) => Action::Uncertain(settle),
                Err(e) => Action::Failed(e),
            };
        }
        Err(e) => return Action::Failed(e),
    };
    let before = now.clone();
    for name in &changed {
        match *name {
            "first_name" => now.first_name.clone_from(&want.first_name),
            "last_name" => now.last_name.clone_from(&want.last_name),
            "phone_number" => now.phone_number.clone_from(&want.phone_number),
            "cell_phone_number" => now.cell_phone_number.clone_from(&want.cell_phone_number),
            "email" => now.email.clone_from(&want.email),
            _ => {}
        }
    }
    if now == before {
        return Action::Unchanged(id);
    }
    now.contact_uuid = Some(id.clone());
    match client.update(&now).await {
        Ok(_) => Action::Updated(id, changed),
        Err(e) => Action::Failed(e),
    }
}

/// Attempts at a create whose answer keeps getting lost, before the record is reported failed.
const CREATE_ROUNDS: u32 = 6;

async fn kojo_upsert(
    client: &Kojo,
    c: &Contact,
    s: &Settings,
    conflicts: &Mutex<Vec<Conflict>>,
    pos: Position,
) -> Action {
    let want = mapping::to_kojo(c, s.kojo_phone);
    let have = match kojo_find(client, &c.email).await {
        Ok(h) => h,
        Err(e) => return Action::Failed(e),
    };
    let Some(have) = have else {
        if s.dry_run {
            return Action::Created(String::new());
        }
        for _ in 0..CREATE_ROUNDS {
            match client.create(&want).await {
                Ok(made) => return Action::Created(made.id.unwrap_or_default()),
                // The answer was lost: the contact may exist now. Look before sending again.
                Err(Error::Ambiguous { settle, .. }) => {
                    // A create still on its way would be missed by a look right now, and
                    // then sent twice: wait until it must have landed, then look.
                    tokio::time::sleep(settle).await;
                    match kojo_find(client, &c.email).await {
                        Ok(Some(found)) => return Action::Created(found.id.unwrap_or_default()),
                        Ok(None) => continue,
                        Err(e) => return Action::Failed(e),
                    }
                }
                Err(e) => return Action::Failed(e),
            }
        }
        return Action::Failed(Error::Exhausted {
            provider: "Kojo",
            attempts: CREATE_ROUNDS,
            last: "every answer to the create was lost, and the contact was not found".into(),
        });
    };
    let id = have.id.clone().unwrap_or_default();
    if let (Some(w), Some(h)) = (&want.org_name, &have.org_name) {
        if w != h {
            conflicts.lock().expect("lock").push(Conflict {
                record: pos.record,
                email: c.email.clone(),
                field: "orgName".into(),
                provider: h.clone(),
                source: w.clone(),
            });
        }
    }
    let patch = kojo_patch(&want, &have);
    if patch.is_empty() {
        return Action::Unchanged(id);
    }
    if s.on_existing == OnExisting::Skip {
        return Action::Skipped(id);
    }
    let fields: Vec<&'static str> = ["displayName", "phone", "vendorId"]
        .into_iter()
        .filter(|f| patch.contains_key(*f))
        .collect();
    if s.dry_run {
        return Action::Updated(id, fields);
    }
    match client.patch(&id, &patch).await {
        Ok(_) => Action::Updated(id, fields),
        Err(e) => Action::Failed(e),
    }
}

/// Looks a Kojo contact up by email. Our key is case-insensitive but Kojo's lookup may not be:
/// an address with capitals in its local part that is not found is looked up lower-cased too,
/// so a contact stored that way is not created a second time.
async fn kojo_find(client: &Kojo, email: &str) -> Result<Option<KojoContact>, Error> {
    let found = client.get(email).await?;
    let lower = email.to_lowercase();
    if found.is_some() || lower == email {
        return Ok(found);
    }
    client.get(&lower).await
}

/// The fields of `want` that differ from `have`; empty values never erase, orgName never goes.
fn kojo_patch(
    want: &KojoContact,
    have: &KojoContact,
) -> serde_json::Map<String, serde_json::Value> {
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

/// Pulls records from `rx` and upserts them into `sink`, `concurrency` at a time. Returns the
/// provider side of the report; `plan` receives one line per decision in a dry run.
pub async fn run(
    mut rx: mpsc::Receiver<(Position, Contact)>,
    sink: Arc<Sink>,
    settings: Settings,
    journal: Option<Arc<Journal>>,
    bar: indicatif::ProgressBar,
    plan: Option<mpsc::UnboundedSender<String>>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<SyncReport> {
    let mut report = SyncReport {
        target: sink.name(),
        dry_run: settings.dry_run,
        ..SyncReport::default()
    };
    // Once `stop` turns true (Ctrl-C, SIGTERM) no new record is taken; the ones in flight
    // finish (each is journalled as it does), then the run ends with what it has.
    let stopped = {
        let mut stop = stop.clone();
        async move {
            let _ = stop.wait_for(|s| *s).await;
        }
    };
    let watcher = tokio::spawn(say_quota_waits(sink.clone(), bar.clone(), settings.quiet));
    let seen: Mutex<HashMap<String, u64>> = Mutex::new(HashMap::new());
    let conflicts = Mutex::new(Vec::new());
    let mut rejected = Vec::new();
    let mut uncertain: Vec<(Position, Contact, std::time::Duration)> = Vec::new();
    let target = sink.name();

    let records = futures::stream::poll_fn(|cx| rx.poll_recv(cx)).take_until(Box::pin(stopped));
    let mut results = records
        .filter_map(|(pos, c)| {
            let key = email::key(&c.email);
            let verdict = {
                let mut seen = seen.lock().expect("lock");
                match seen.get(&key) {
                    Some(&first) => Err(first),
                    None => {
                        seen.insert(key.clone(), pos.record);
                        Ok(())
                    }
                }
            };
            let resumed = journal.as_ref().is_some_and(|j| j.is_done(&key));
            let out = match verdict {
                Err(first) => Some(Err((pos, c, first))),
                Ok(()) if resumed => Some(Ok((pos, c, key, None))),
                Ok(()) => Some(Ok((pos, c, key, Some(())))),
            };
            futures::future::ready(out)
        })
        .map(|item| {
            let sink = &sink;
            let conflicts = &conflicts;
            let journal = &journal;
            async move {
                let (pos, c, key, work) = match item {
                    Err(dup) => return Err(dup),
                    Ok(x) => x,
                };
                if work.is_none() {
                    return Ok((pos, c, None));
                }
                let action = sink.upsert(&c, &settings, conflicts, pos).await;
                if let (Some(j), false) = (journal, settings.dry_run) {
                    let done = match &action {
                        Action::Created(id) => Some(("created", id)),
                        Action::Updated(id, _) => Some(("updated", id)),
                        Action::Unchanged(id) => Some(("unchanged", id)),
                        Action::Skipped(id) => Some(("skipped", id)),
                        _ => None,
                    };
                    if let Some((outcome, id)) = done {
                        let line = Line {
                            target: target.into(),
                            email: key,
                            outcome: outcome.into(),
                            id: id.clone(),
                        };
                        if let Err(e) = j.record(line).await {
                            return Ok((
                                pos,
                                c,
                                Some(Action::Failed(Error::Config(format!("{e:#}")))),
                            ));
                        }
                    }
                }
                Ok((pos, c, Some(action)))
            }
        })
        .buffer_unordered(settings.concurrency.max(1));

    while let Some(r) = results.next().await {
        match r {
            Err((pos, c, first)) => {
                rejected.push((
                    pos,
                    Problem::new(
                        "email",
                        format!("same email as record {first}: one contact per email"),
                        &c.email,
                    ),
                ));
            }
            // Refused credentials stop the run: every other record would be refused too.
            Ok((_, _, Some(Action::Failed(e @ Error::Auth { .. })))) => return Err(e.into()),
            Ok((pos, c, action)) => {
                tally(&mut report, pos, &c, action, &mut uncertain, plan.as_ref());
            }
        }
        bar.inc(1);
        bar.set_message(format!(
            "created {} updated {} unchanged {} failed {}",
            report.created,
            report.updated,
            report.unchanged,
            report.failed.len()
        ));
    }
    drop(results);

    // Covage creates whose answers were lost: read the list again; each one is either there
    // (created) or sent again.
    if let Sink::Covage { client, .. } = &*sink {
        let mut round = 0;
        while !uncertain.is_empty() {
            round += 1;
            // A create still on its way would be missed by the list: wait until each must
            // have landed.
            if let Some(settle) = uncertain.iter().map(|u| u.2).max() {
                tokio::time::sleep(settle).await;
            }
            let now = index(client.list().await.map_err(anyhow::Error::from)?);
            let mut again = Vec::new();
            for (pos, c, _) in std::mem::take(&mut uncertain) {
                let action = if let Some(found) = now.get(&email::key(&c.email)) {
                    Action::Created(found.contact_uuid.clone().unwrap_or_default())
                } else if round > CREATE_ROUNDS as usize {
                    Action::Failed(Error::Exhausted {
                        provider: "Covage",
                        attempts: CREATE_ROUNDS,
                        last: "every answer to the create was lost, and the contact was not in the list".into(),
                    })
                } else {
                    let mut want = mapping::to_covage(&c);
                    want.contact_uuid = None;
                    match client.create(&want).await {
                        Ok(made) => Action::Created(made.contact_uuid.unwrap_or_default()),
                        Err(Error::Ambiguous { settle, .. }) => Action::Uncertain(settle),
                        Err(e @ Error::Auth { .. }) => return Err(e.into()),
                        Err(e) => Action::Failed(e),
                    }
                };
                if let (Some(j), Action::Created(id)) = (&journal, &action) {
                    j.record(Line {
                        target: target.into(),
                        email: email::key(&c.email),
                        outcome: "created".into(),
                        id: id.clone(),
                    })
                    .await?;
                }
                tally(
                    &mut report,
                    pos,
                    &c,
                    Some(action),
                    &mut again,
                    plan.as_ref(),
                );
            }
            uncertain = again;
        }
    }
    for (pos, p) in rejected {
        report.read.reject(pos, [p]);
    }
    report.interrupted = *stop.borrow();
    if settings.dry_run {
        // Each record looked up (Kojo: GET by email; Covage: the list, read once), then a
        // POST per create; an update is a PATCH (Kojo) or a GET and a PUT (Covage).
        let looked = report.created + report.updated + report.unchanged + report.skipped;
        report.planned_requests = Some(match &*sink {
            Sink::Kojo { .. } => looked + report.created + report.updated,
            Sink::Covage { existing, .. } => {
                let pages = (existing.len() as u64).div_ceil(100).max(1);
                pages + report.created + 2 * report.updated
            }
        });
    }
    watcher.abort();
    report.conflicts = conflicts.into_inner().expect("lock");
    bar.finish_and_clear();
    Ok(report)
}

/// Says when requests wait for the provider's quota (Kojo: 3,600 an hour), on the progress line
/// and, once a wait, on stderr: a run that waits an hour in silence looks hung.
async fn say_quota_waits(sink: Arc<Sink>, bar: indicatif::ProgressBar, quiet: bool) {
    let mut said: Option<tokio::time::Instant> = None;
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let Some(until) = sink.waiting_until() else {
            continue;
        };
        let left = until - tokio::time::Instant::now();
        let at = chrono::Local::now()
            + chrono::Duration::from_std(left).unwrap_or_else(|_| chrono::Duration::zero());
        let msg = format!(
            "waiting for {}'s quota until {}",
            sink.name(),
            at.format("%H:%M:%S")
        );
        bar.set_message(msg.clone());
        if said != Some(until) && left > std::time::Duration::from_secs(1) {
            said = Some(until);
            if !quiet && bar.is_hidden() {
                eprintln!("{msg}");
            }
        }
    }
}

fn tally(
    report: &mut SyncReport,
    pos: Position,
    c: &Contact,
    action: Option<Action>,
    uncertain: &mut Vec<(Position, Contact, std::time::Duration)>,
    plan: Option<&mpsc::UnboundedSender<String>>,
) {
    let say = |s: String| {
        if let Some(p) = plan {
            let _ = p.send(s);
        }
    };
    match action {
        None => report.resumed += 1,
        Some(Action::Created(_)) => {
            report.created += 1;
            say(format!("create\t{}", c.email));
        }
        Some(Action::Updated(_, fields)) => {
            report.updated += 1;
            say(format!("update\t{}\t{}", c.email, fields.join(",")));
        }
        Some(Action::Unchanged(_)) => {
            report.unchanged += 1;
            say(format!("unchanged\t{}", c.email));
        }
        Some(Action::Skipped(_)) => {
            report.skipped += 1;
            say(format!("skip\t{}", c.email));
        }
        Some(Action::Uncertain(settle)) => uncertain.push((pos, c.clone(), settle)),
        Some(Action::Failed(e)) => {
            let (status, message, request_id) = e.details();
            say(format!("fail\t{}\t{}", c.email, message));
            report.failed.push(Failure {
                record: pos.record,
                line: pos.line,
                email: c.email.clone(),
                status,
                message,
                request_id,
            });
        }
    }
}

#[cfg(test)]
mod tests {
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
    fn kojo_patch_has_only_changed_fields_and_never_org_name() {
        let want = k("John Doe", Some("+33699437892"), "New Org");
        let have = k("John Doe", Some("+33 6 99 43 78 92"), "Old Org");
        assert!(
            kojo_patch(&want, &have).is_empty(),
            "same number written differently"
        );
        let have = k("Jon Doe", Some("+33142845403"), "Old Org");
        let p = kojo_patch(&want, &have);
        assert_eq!(p.keys().collect::<Vec<_>>(), ["displayName", "phone"]);
    }

    #[test]
    fn kojo_patch_does_not_erase() {
        let want = k("John Doe", None, "Org");
        let have = k("John Doe", Some("+33142845403"), "Org");
        assert!(kojo_patch(&want, &have).is_empty());
    }
}
