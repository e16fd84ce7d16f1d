//! The sync engine: records from any source upserted into any target's [`Writer`], keyed by
//! email (case-insensitive), exactly once. The engine owns the policy; a provider offers
//! primitives (find, compare, create, update).
//!
//! For each record: found → compared (values the source lacks never erase what the provider
//! has; values it cannot change are conflicts) → unchanged, skipped (`--on-existing skip`) or
//! updated; not found → created. A dry run decides the same and writes nothing. Two input
//! records with one email: the second is rejected (core's [`OnePerEmail`]), so concurrent
//! workers never race to create the same contact. A create whose answer was lost is set
//! aside; after the stream, once it must have landed, it is looked for ([`Writer::find_again`])
//! and either found (created) or sent again, for [`CREATE_ROUNDS`] rounds. Each finished
//! record is journalled before it counts, so a re-run after a crash skips it.
//!
//! With a sync state (`--state`), a contact the state remembers is compared with what was
//! last written instead of being looked for: unchanged, it costs no request; changed, only
//! the fields that changed at the source are written, by id (a three-way merge: an edit made
//! in the target to another field stays); gone from the target, it is reported, not created
//! again (unless `recreate_deleted`). Contacts the state remembers that the source no longer
//! has are reported, never deleted.

use crate::error::Error;
use crate::journal::{Journal, Line};
use crate::provider::{Event, Events, Held, Planned, Provider, Writer};
use crate::source::Record;
use contactport_core::options::Choice;
use contactport_core::{email, Contact, OnePerEmail, Position, Report};
use futures::StreamExt;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// What to do with a contact the provider already has (`--on-existing`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnExisting {
    /// Write the changed fields.
    #[default]
    Update,
    /// Leave it as it is.
    Skip,
}

impl OnExisting {
    /// Its names (`--on-existing`).
    pub const CHOICES: [Choice; 2] = [
        Choice {
            name: "update",
            aliases: &[],
            help: "write the fields that changed",
        },
        Choice {
            name: "skip",
            aliases: &[],
            help: "leave it as it is",
        },
    ];
}

impl std::str::FromStr for OnExisting {
    type Err = String;
    fn from_str(s: &str) -> Result<OnExisting, String> {
        use contactport_core::options::{expected, pick};
        match pick(&OnExisting::CHOICES, s) {
            Some("update") => Ok(OnExisting::Update),
            Some("skip") => Ok(OnExisting::Skip),
            _ => Err(format!(
                "expected {}, got {s:?}",
                expected(&OnExisting::CHOICES)
            )),
        }
    }
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
    /// With a state: look every contact for as if the state were empty (one it knows and the
    /// target lacks is still reported deleted), and remember what is found.
    pub full: bool,
    /// With a state: create again a contact deleted in the target since it was written.
    pub recreate_deleted: bool,
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

/// A contact a state remembers that is gone from the target (deleted there since).
#[derive(Debug, Clone, Serialize)]
pub struct Deleted {
    /// Record number in the source.
    pub record: u64,
    /// The contact's email.
    pub email: String,
    /// The target's id it had.
    pub id: String,
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
    /// With a state: contacts written before and deleted in the target since; not created
    /// again (unless `--recreate-deleted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_in_target: Option<Vec<Deleted>>,
    /// With a state: the email keys of contacts written before that are not among this run's
    /// records (removed at the source, or rejected this run); left as they are in the target.
    /// Said once: the state then forgets them. Not known when the run was interrupted or its
    /// source broke off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gone_from_source: Option<Vec<String>>,
    /// True for `--dry-run`: the counts are what would have been done.
    pub dry_run: bool,
    /// For `--dry-run`: the requests the real run would send to the provider written to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_requests: Option<u64>,
    /// What stopped the run before the end of its input (a read error, a journal that
    /// cannot be written), when something did.
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
        let mut state = String::new();
        if let Some(d) = &self.deleted_in_target {
            state += &format!(", deleted in target {}", d.len());
        }
        if let Some(g) = &self.gone_from_source {
            state += &format!(", gone from source {}", g.len());
        }
        format!(
            "{}{}read {}, rejected {}, created {}, updated {}, unchanged {}, skipped {}, resumed {}, failed {}{state}",
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

/// Attempts at a create whose answer keeps getting lost, before the record is reported failed.
pub const CREATE_ROUNDS: u32 = 6;

/// What happened to one record written.
#[derive(Debug)]
enum Action {
    /// Created, with the provider's id.
    Created(String),
    /// Updated: the id and the fields changed.
    Updated(String, Vec<&'static str>),
    /// Already as wanted.
    Unchanged(String),
    /// As the state remembers it: no request, nothing to remember.
    Same,
    /// Existing, left alone (`--on-existing skip`).
    Skipped(String),
    /// Gone from the target since the state's last write; `known`: the state knew already.
    Deleted { id: String, known: bool },
    /// A create whose answer was lost, looked for after the stream once it must have landed
    /// (the duration).
    Uncertain(std::time::Duration),
    /// Not taken.
    Failed(Error),
}

/// What one record is written with.
struct Ctx<'a> {
    w: &'a dyn Writer,
    s: Settings,
    conflicts: &'a Mutex<Vec<Conflict>>,
    /// Contacts looked for by email (a dry run's plan counts them).
    finds: &'a AtomicU64,
}

/// What the state remembers of a record's contact, compared with the record.
struct Last {
    id: String,
    deleted: bool,
    /// The fields whose values changed since written; `None`: the state has no values.
    changed: Option<Vec<&'static str>>,
}

/// A contact not found by email: created, or (a state's contact) reported deleted.
enum Missing {
    Create,
    Deleted(String),
}

/// Writes one record the state remembers: the fields that changed at the source since the
/// last write, by id, and nothing else (a three-way merge: what the target changed in other
/// fields stays). Fields it could not write (conflicts) go to `unwritten`.
async fn known(
    cx: &Ctx<'_>,
    c: &Contact,
    now: &[(&'static str, String)],
    pos: Position,
    last: Last,
    unwritten: &mut Vec<&'static str>,
) -> Action {
    let Last {
        id,
        deleted,
        changed,
    } = last;
    let missing = |id| Missing::known(&cx.s, id);
    // A line without values (a journal's): compared with the target, as a new record is.
    let Some(changed) = changed else {
        return upsert(cx, c, pos, None, missing(id), unwritten).await;
    };
    if deleted {
        // Deleted in the target when last written: said again without a request, unless the
        // source changed (then looked for: it may have been created there again) or it is to
        // be created again.
        return match changed.is_empty() && !cx.s.recreate_deleted {
            true => Action::Deleted { id, known: true },
            false => upsert(cx, c, pos, Some(&changed), missing(id), unwritten).await,
        };
    }
    // Values the source lost never erase what the target has.
    let write: Vec<&'static str> = changed
        .iter()
        .copied()
        .filter(|f| now.iter().any(|(n, v)| n == f && !v.is_empty()))
        .collect();
    if write.is_empty() {
        return match changed.is_empty() {
            true => Action::Same,
            false => Action::Unchanged(id),
        };
    }
    // A field that cannot change: compared with the target, which says the conflict.
    if write.iter().any(|f| cx.w.fixed().contains(f)) {
        return upsert(cx, c, pos, Some(&write), missing(id), unwritten).await;
    }
    if cx.s.on_existing == OnExisting::Skip {
        return Action::Skipped(id);
    }
    if cx.s.dry_run {
        return Action::Updated(id, write);
    }
    match cx.w.update(&id, None, c, &write).await {
        Ok(Some(true)) => Action::Updated(id, write),
        Ok(Some(false)) => Action::Unchanged(id),
        // Gone: deleted in the target, or created there again under another id (found by
        // email, then the same fields written).
        Ok(None) => upsert(cx, c, pos, Some(&write), missing(id), unwritten).await,
        Err(e) => Action::Failed(e),
    }
}

/// Writes one record: the engine's policy over the provider's primitives. `only`: the fields
/// it may write (a state's changed fields), all when `None`; `missing`: what a contact not
/// found is. Fields it could not write (conflicts) go to `unwritten`.
async fn upsert(
    cx: &Ctx<'_>,
    c: &Contact,
    pos: Position,
    only: Option<&[&'static str]>,
    missing: Missing,
    unwritten: &mut Vec<&'static str>,
) -> Action {
    cx.finds.fetch_add(1, Ordering::Relaxed);
    let have = match cx.w.find(&c.email).await {
        Ok(Some(have)) => have,
        Ok(None) => return missing.act(cx, c).await,
        Err(e) => return Action::Failed(e),
    };
    let mut change = cx.w.changes(c, &have);
    if let Some(only) = only {
        change.fields.retain(|f| only.contains(f));
        change.conflicts.retain(|(f, _, _)| only.contains(f));
    }
    if !change.conflicts.is_empty() {
        let mut all = cx.conflicts.lock().expect("lock");
        for (field, held, wanted) in change.conflicts {
            unwritten.push(field);
            all.push(Conflict {
                record: pos.record,
                email: c.email.clone(),
                field: field.into(),
                provider: held,
                source: wanted,
            });
        }
    }
    write_over(cx, c, have, change.fields, missing).await
}

impl Missing {
    /// For a contact the state knows as `id`: created again only with `recreate_deleted`,
    /// else reported deleted.
    fn known(s: &Settings, id: String) -> Missing {
        match s.recreate_deleted {
            true => Missing::Create,
            false => Missing::Deleted(id),
        }
    }

    /// What becomes of a contact not found.
    async fn act(self, cx: &Ctx<'_>, c: &Contact) -> Action {
        match self {
            Missing::Create => create(cx, c).await,
            Missing::Deleted(id) => Action::Deleted { id, known: false },
        }
    }
}

/// Writes `fields` of `c` over the contact found, `have`.
async fn write_over(
    cx: &Ctx<'_>,
    c: &Contact,
    have: Held,
    fields: Vec<&'static str>,
    missing: Missing,
) -> Action {
    let id = have.id.clone();
    if fields.is_empty() {
        return Action::Unchanged(id);
    }
    if cx.s.on_existing == OnExisting::Skip {
        return Action::Skipped(id);
    }
    if cx.s.dry_run {
        return Action::Updated(id, fields);
    }
    match cx.w.update(&id, Some(&have), c, &fields).await {
        Ok(Some(true)) => Action::Updated(id, fields),
        Ok(Some(false)) => Action::Unchanged(id),
        // Deleted meanwhile: as any contact the provider lacks.
        Ok(None) => missing.act(cx, c).await,
        Err(e) => Action::Failed(e),
    }
}

/// Creates one record (a dry run only says it would).
async fn create(cx: &Ctx<'_>, c: &Contact) -> Action {
    if cx.s.dry_run {
        return Action::Created(String::new());
    }
    match cx.w.create(c).await {
        Ok(id) => Action::Created(id),
        Err(Error::Ambiguous { settle, .. }) => Action::Uncertain(settle),
        Err(e) => Action::Failed(e),
    }
}

/// Creates whose answers were lost, once they must have landed: each is found (it was
/// created) or sent again; on the `last` round, one not found fails. Stops at a refusal of
/// the credentials (the rest would be refused too).
async fn settle(
    cx: &Ctx<'_>,
    pending: Vec<(Position, Contact)>,
    last: bool,
) -> Result<Vec<(Position, Contact, Action)>, Error> {
    let w = cx.w;
    let emails: Vec<String> = pending.iter().map(|(_, c)| c.email.clone()).collect();
    let found = match w.find_again(&emails).await {
        Ok(found) => found,
        Err(e) if e.ends_run() || matches!(e, Error::Stopped) => return Err(e),
        // Not known whether they were created: failed, and a later run finds each by email.
        Err(e) => {
            let why = format!("the answer to its create was lost, and looking for it failed: {e}");
            return Ok(pending
                .into_iter()
                .map(|(p, c)| (p, c, Action::Failed(Error::Config(why.clone()))))
                .collect());
        }
    };
    let mut settled = Vec::with_capacity(pending.len());
    for (pos, c) in pending {
        let action = if let Some(h) = found.get(&email::key(&c.email)) {
            Action::Created(h.id.clone())
        } else if last {
            Action::Failed(Error::Exhausted {
                provider: w.label(),
                attempts: CREATE_ROUNDS,
                last: "every answer to the create was lost, and the contact was not found".into(),
            })
        } else {
            create(cx, &c).await
        };
        let refused = matches!(&action, Action::Failed(e) if e.ends_run());
        settled.push((pos, c, action));
        if refused {
            break;
        }
    }
    Ok(settled)
}

/// The places a run reports to and records in.
pub struct Run {
    /// The target: who it is, and its quota waits.
    pub target: Arc<dyn Provider>,
    /// How records are written to it.
    pub writer: Arc<dyn Writer>,
    /// Run settings.
    pub settings: Settings,
    /// Finished records, for a re-run to skip.
    pub journal: Option<Arc<Journal>>,
    /// Progress, quota waits and a dry run's plan.
    pub events: Events,
    /// Turns true to stop taking records (Ctrl-C, SIGTERM): the ones in flight finish (each
    /// is journalled as it does), then the run ends with what it has.
    pub stop: tokio::sync::watch::Receiver<bool>,
}

/// Pulls records from `rx` and upserts them, `concurrency` at a time. Returns the provider
/// side of the report.
pub async fn run(mut rx: mpsc::Receiver<Record>, run: Run) -> Result<SyncReport, Error> {
    let Run {
        target,
        writer,
        settings,
        journal,
        events,
        stop,
    } = run;
    let mut report = SyncReport {
        dry_run: settings.dry_run,
        ..SyncReport::default()
    };
    // A journal that cannot be written stops the run as Ctrl-C does: a record sent but not
    // journalled is not done, and every later one would be the same (issue 19).
    let (halt, mut halted) = tokio::sync::watch::channel(false);
    let run_error: Mutex<Option<String>> = Mutex::new(None);
    let stopped = {
        let mut stop = stop.clone();
        async move {
            tokio::select! {
                _ = stop.wait_for(|s| *s) => {}
                _ = halted.wait_for(|h| *h) => {}
            }
        }
    };
    let watcher = tokio::spawn(quota_waits(target.clone(), events.clone()));
    let plan = settings.dry_run.then_some(&events);
    let seen: Mutex<OnePerEmail> = Mutex::default();
    let conflicts = Mutex::new(Vec::new());
    let finds = AtomicU64::new(0);
    let cx = Ctx {
        w: &*writer,
        s: settings,
        conflicts: &conflicts,
        finds: &finds,
    };
    let mut rejected = Vec::new();
    let mut uncertain: Vec<(Position, Contact, std::time::Duration)> = Vec::new();
    let name = target.name();
    let state = journal.as_deref().filter(|j| j.is_state());

    let records = futures::stream::poll_fn(|cx| rx.poll_recv(cx)).take_until(Box::pin(stopped));
    let mut results = records
        .map(|(pos, c)| {
            let key = email::key(&c.email);
            // Core's rule, as `validate --for` applies it.
            let duplicate = seen
                .lock()
                .expect("lock")
                .check_key(key.clone(), &c.email, pos.record);
            let resumed = journal
                .as_ref()
                .is_some_and(|j| !j.is_state() && j.is_done(&key));
            // With a state: what this record gives the target's fields, and what changed.
            let now = state.map(|_| writer.values(&c));
            let last = state.zip(now.as_deref()).and_then(|(j, now)| {
                let s = j.synced(&key)?;
                Some(Last {
                    id: s.id.clone(),
                    deleted: s.deleted,
                    changed: j.changed(s, now),
                })
            });
            let cx = &cx;
            let journal = &journal;
            let (halt, run_error) = (&halt, &run_error);
            async move {
                if let Some(problem) = duplicate {
                    return Err((pos, problem));
                }
                if resumed {
                    return Ok((pos, c, None));
                }
                let mut unwritten = Vec::new();
                let action = match (last, &now) {
                    // --full: looked for as if new; one the state knows and the target no
                    // longer has is still a contact deleted there.
                    (Some(last), Some(_)) if settings.full => {
                        let missing = Missing::known(&settings, last.id);
                        upsert(cx, &c, pos, None, missing, &mut unwritten).await
                    }
                    (Some(last), Some(now)) => known(cx, &c, now, pos, last, &mut unwritten).await,
                    _ => upsert(cx, &c, pos, None, Missing::Create, &mut unwritten).await,
                };
                // A value it could not write is not remembered as written: next time it is
                // compared (and its conflict said) again.
                let now = now.map(|mut now| {
                    now.retain(|(f, _)| !unwritten.contains(f));
                    now
                });
                if let (Some(j), false) = (journal, settings.dry_run) {
                    if let Err(e) = journal_done(j, name, &key, &action, now).await {
                        // Not done until journalled: reported failed, with the whole cause.
                        let why = std::iter::successors(Some(&e as &dyn std::error::Error), |e| {
                            e.source()
                        })
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join(": ");
                        run_error.lock().expect("lock").get_or_insert(why.clone());
                        let _ = halt.send(true);
                        return Ok((pos, c, Some(Action::Failed(Error::Config(why)))));
                    }
                }
                Ok((pos, c, Some(action)))
            }
        })
        .buffer_unordered(settings.concurrency.max(1));

    while let Some(r) = results.next().await {
        match r {
            Err((pos, problem)) => rejected.push((pos, problem)),
            // Refused credentials stop the run: every other record would be refused too.
            Ok((_, _, Some(Action::Failed(e @ Error::Auth { .. })))) => return Err(e),
            // Contacts that cannot be looked for: no more records are taken (each would fail
            // the same way); what was done is reported, and the run fails.
            Ok((pos, c, Some(Action::Failed(e)))) if e.ends_run() => {
                run_error
                    .lock()
                    .expect("lock")
                    .get_or_insert_with(|| e.to_string());
                let _ = halt.send(true);
                tally(
                    &mut report,
                    pos,
                    &c,
                    Some(Action::Failed(e)),
                    &mut uncertain,
                    plan,
                );
            }
            Ok((pos, c, action)) => {
                tally(&mut report, pos, &c, action, &mut uncertain, plan);
            }
        }
        events(Event::Done {
            created: report.created,
            updated: report.updated,
            unchanged: report.unchanged,
            failed: report.failed.len() as u64,
        });
    }
    drop(results);

    // Creates whose answers were lost: the target looks for each one (it was created) or
    // sends it again.
    let mut round = 0;
    while !uncertain.is_empty() {
        round += 1;
        // A create still on its way would be missed by a look: wait until each must have
        // landed.
        if let Some(settle) = uncertain.iter().map(|u| u.2).max() {
            // Stopped: those creates stay unsettled, not journalled; a later run finds each
            // by email before writing it.
            if crate::stop::unless_stopped(tokio::time::sleep(settle))
                .await
                .is_none()
            {
                break;
            }
        }
        let pending = std::mem::take(&mut uncertain)
            .into_iter()
            .map(|(p, c, _)| (p, c))
            .collect();
        let mut again = Vec::new();
        let last = round > CREATE_ROUNDS as usize;
        let settled = match settle(&cx, pending, last).await {
            // Stopped while it looked: those creates stay unsettled (a later run finds them).
            Err(Error::Stopped) => break,
            r => r?,
        };
        let mut halted = false;
        for (pos, c, mut action) in settled {
            if let Action::Failed(e) = action {
                if e.ends_run() {
                    return Err(e);
                }
                tally(
                    &mut report,
                    pos,
                    &c,
                    Some(Action::Failed(e)),
                    &mut again,
                    plan,
                );
                continue;
            }
            if let (Some(j), Action::Created(_), false) = (&journal, &action, halted) {
                let now = state.map(|_| writer.values(&c));
                if let Err(e) = journal_done(j, name, &email::key(&c.email), &action, now).await {
                    // Not done until journalled: failed, and nothing more is settled.
                    let why = e.to_string();
                    run_error.lock().expect("lock").get_or_insert(why.clone());
                    action = Action::Failed(Error::Config(why));
                    halted = true;
                }
            }
            tally(&mut report, pos, &c, Some(action), &mut again, plan);
        }
        if halted {
            break;
        }
        uncertain = again;
    }
    for (pos, p) in rejected {
        report.read.reject(pos, [p]);
    }
    report.interrupted = *stop.borrow() || crate::stop::stopped();
    report.error = run_error.into_inner().expect("lock");
    if let Some(j) = state {
        report.deleted_in_target.get_or_insert_with(Vec::new);
        // Only a whole stream tells what the source no longer has.
        if !report.interrupted && report.error.is_none() {
            let mut gone: Vec<(String, String)> = {
                let seen = seen.lock().expect("lock");
                j.contacts()
                    .filter(|(key, s)| !s.deleted && !seen.contains(key))
                    .map(|(key, s)| (key.clone(), s.id.clone()))
                    .collect()
            };
            gone.sort_unstable();
            if !settings.dry_run {
                // Said once: the state forgets them (one back in the source is looked for by
                // email, as a new one). All sent at once: one fsync covers them.
                let lines = gone.iter().map(|(key, id)| {
                    j.record(Line {
                        target: name.into(),
                        email: key.clone(),
                        outcome: "gone".into(),
                        id: id.clone(),
                        values: None,
                    })
                });
                if let Some(Err(e)) = futures::future::join_all(lines)
                    .await
                    .into_iter()
                    .find(Result::is_err)
                {
                    report.error.get_or_insert(e.to_string());
                }
            }
            report.gone_from_source = Some(gone.into_iter().map(|(key, _)| key).collect());
        }
    }
    if settings.dry_run {
        report.planned_requests = Some(writer.planned_requests(&Planned {
            finds: finds.load(Ordering::Relaxed),
            creates: report.created,
            updates: report.updated,
        }));
    }
    watcher.abort();
    report.conflicts = conflicts.into_inner().expect("lock");
    Ok(report)
}

/// Journals a finished record (created, updated, unchanged, skipped; for a state, also one
/// found deleted), with `now`, the values written, for a state; others are not done, and a
/// state's unchanged contact has nothing new to remember.
async fn journal_done(
    j: &Journal,
    target: &str,
    key: &str,
    action: &Action,
    now: Option<Vec<(&'static str, String)>>,
) -> Result<(), Error> {
    let (outcome, id) = match action {
        Action::Created(id) => ("created", id),
        Action::Updated(id, _) => ("updated", id),
        Action::Unchanged(id) => ("unchanged", id),
        // A state remembers what was written: nothing was (what it had stays).
        Action::Skipped(_) if j.is_state() => return Ok(()),
        Action::Skipped(id) => ("skipped", id),
        Action::Deleted { id, known: false } => ("deleted", id),
        _ => return Ok(()),
    };
    let values = now.map(|now| {
        now.into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(f, v)| (f.to_string(), v))
            .collect()
    });
    j.record(Line {
        target: target.into(),
        email: key.into(),
        outcome: outcome.into(),
        id: id.clone(),
        values,
    })
    .await
}

/// Says when requests wait for the provider's quota (Kojo: 3,600 an hour): a run that waits an
/// hour in silence looks hung.
async fn quota_waits(target: Arc<dyn Provider>, events: Events) {
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        if let Some(until) = target.waiting_until() {
            events(Event::Waiting {
                provider: target.name(),
                until,
            });
        }
    }
}

fn tally(
    report: &mut SyncReport,
    pos: Position,
    c: &Contact,
    action: Option<Action>,
    uncertain: &mut Vec<(Position, Contact, std::time::Duration)>,
    plan: Option<&Events>,
) {
    let say = |s: String| {
        if let Some(p) = plan {
            p(Event::Plan(s));
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
        Some(Action::Unchanged(_) | Action::Same) => {
            report.unchanged += 1;
            say(format!("unchanged\t{}", c.email));
        }
        Some(Action::Deleted { id, .. }) => {
            say(format!("deleted\t{}", c.email));
            report
                .deleted_in_target
                .get_or_insert_with(Vec::new)
                .push(Deleted {
                    record: pos.record,
                    email: c.email.clone(),
                    id,
                });
        }
        Some(Action::Skipped(_)) => {
            report.skipped += 1;
            say(format!("skip\t{}", c.email));
        }
        Some(Action::Uncertain(settle)) => uncertain.push((pos, c.clone(), settle)),
        // Stopped while it waited or was in flight: not done, not failed; the run says it
        // was interrupted and a later run does it.
        Some(Action::Failed(Error::Stopped)) => {}
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
    use crate::fake::{Fake, Fault};
    use contactport_core::Position;

    fn contact(name: &str, email: &str, phone: &str, org: &str) -> Contact {
        Contact {
            display_name: name.into(),
            email: email.into(),
            phone: phone.into(),
            org_name: org.into(),
            ..Default::default()
        }
    }

    fn settings() -> Settings {
        Settings {
            concurrency: 4,
            on_existing: OnExisting::Update,
            dry_run: false,
            full: false,
            recreate_deleted: false,
        }
    }

    struct Outcome {
        report: Result<SyncReport, Error>,
        plan: Vec<String>,
    }

    /// Runs the engine over `records` into `fake`; `stopped`: the stop signal is already given.
    async fn sync(
        fake: &Arc<Fake>,
        records: &[Contact],
        settings: Settings,
        journal: Option<Arc<Journal>>,
        stopped: bool,
    ) -> Outcome {
        let (tx, rx) = mpsc::channel(records.len() + 1);
        for (i, c) in records.iter().enumerate() {
            let pos = Position {
                record: i as u64 + 1,
                line: i as u64 + 2,
            };
            tx.send((pos, c.clone())).await.unwrap();
        }
        drop(tx);
        let plan: Arc<Mutex<Vec<String>>> = Arc::default();
        let said = plan.clone();
        let (_stop_tx, stop) = tokio::sync::watch::channel(stopped);
        let report = run(
            rx,
            Run {
                target: fake.clone(),
                writer: Arc::new(fake.clone()),
                settings,
                journal,
                events: Arc::new(move |e| {
                    if let Event::Plan(p) = e {
                        said.lock().unwrap().push(p);
                    }
                }),
                stop,
            },
        )
        .await;
        let plan = plan.lock().unwrap().clone();
        Outcome { report, plan }
    }

    #[tokio::test]
    async fn found_by_email_updated_left_alone_or_created_and_a_second_email_rejected() {
        let fake = Fake::holding(&[
            contact("Ann Lee", "ann@x.fr", "+33142845403", "Acme"),
            contact("Bob Ray", "bob@x.fr", "+33142845404", "Acme"),
        ]);
        let records = [
            // A new name; no phone (it stays); another org (a conflict, not written).
            contact("Ann Lee-Roy", "ANN@x.fr", "", "Other"),
            contact("Bob Ray", "bob@x.fr", "+33142845404", "Acme"),
            contact("Cid Poe", "cid@x.fr", "", "Acme"),
            contact("Cid Again", "Cid@X.fr", "", "Acme"),
        ];
        let r = sync(&fake, &records, settings(), None, false).await;
        let r = r.report.unwrap();
        assert_eq!(
            (r.created, r.updated, r.unchanged, r.failed.len()),
            (1, 1, 1, 0)
        );
        let ann = fake.contact("ann@x.fr").unwrap();
        assert_eq!(ann.display_name, "Ann Lee-Roy");
        assert_eq!(ann.phone, "+33142845403", "a value the source lacks stays");
        assert_eq!(ann.org_name, "Acme", "a value that cannot change stays");
        assert_eq!(r.conflicts.len(), 1);
        assert_eq!(
            (
                r.conflicts[0].record,
                r.conflicts[0].provider.as_str(),
                r.conflicts[0].source.as_str()
            ),
            (1, "Acme", "Other")
        );
        assert_eq!(fake.calls("update"), ["update ANN@x.fr display_name"]);
        assert_eq!(fake.calls("create"), ["create cid@x.fr"]);
        // The second record with cid's email: rejected with core's words, never sent.
        assert_eq!(r.read.rejected, 1);
        let rejects = &r.read.rejects;
        assert_eq!(rejects[0].record, 4);
        assert_eq!(
            rejects[0].reason,
            "same email as record 3: one contact per email"
        );
        assert_eq!(fake.calls("find").len(), 3);
    }

    #[tokio::test]
    async fn skip_and_dry_run_decide_as_a_real_run_and_write_nothing() {
        let held = [contact("Ann Lee", "ann@x.fr", "", "Acme")];
        let records = [
            contact("Ann Lee-Roy", "ann@x.fr", "", ""),
            contact("Cid Poe", "cid@x.fr", "", ""),
        ];
        let fake = Fake::holding(&held);
        let skip = Settings {
            on_existing: OnExisting::Skip,
            ..settings()
        };
        let r = sync(&fake, &records, skip, None, false)
            .await
            .report
            .unwrap();
        assert_eq!((r.skipped, r.created, r.updated), (1, 1, 0));
        assert!(fake.calls("update").is_empty());
        assert_eq!(fake.contact("ann@x.fr").unwrap().display_name, "Ann Lee");

        let fake = Fake::holding(&held);
        let dry = Settings {
            dry_run: true,
            ..settings()
        };
        let out = sync(&fake, &records, dry, None, false).await;
        let r = out.report.unwrap();
        assert!(r.dry_run);
        assert_eq!((r.created, r.updated), (1, 1));
        assert!(fake.calls("create").is_empty() && fake.calls("update").is_empty());
        assert!(fake.contact("cid@x.fr").is_none());
        let mut plan = out.plan;
        plan.sort();
        assert_eq!(plan, ["create\tcid@x.fr", "update\tann@x.fr\tdisplay_name"]);
        // Two finds, a create and an update.
        assert_eq!(r.planned_requests, Some(4));
    }

    #[tokio::test]
    async fn a_create_whose_answer_was_lost_is_found_or_sent_again_never_doubled() {
        let fake = Fake::holding(&[]);
        // ann's create lands but its answer is lost; bob's is lost before it lands.
        fake.lose
            .lock()
            .unwrap()
            .insert("ann@x.fr".into(), (1, true));
        fake.lose
            .lock()
            .unwrap()
            .insert("bob@x.fr".into(), (1, false));
        let records = [
            contact("Ann", "ann@x.fr", "", ""),
            contact("Bob", "bob@x.fr", "", ""),
        ];
        let r = sync(&fake, &records, settings(), None, false).await;
        let r = r.report.unwrap();
        assert_eq!((r.created, r.failed.len()), (2, 0));
        assert_eq!(fake.held.lock().unwrap().len(), 2);
        // One look for both, after the stream; bob's sent again, ann's not.
        assert_eq!(fake.calls("find_again"), ["find_again 2"]);
        assert_eq!(
            fake.calls("create"),
            ["create ann@x.fr", "create bob@x.fr", "create bob@x.fr"]
        );
    }

    #[tokio::test]
    async fn a_create_lost_every_time_fails_after_the_rounds() {
        let fake = Fake::holding(&[]);
        fake.lose
            .lock()
            .unwrap()
            .insert("ann@x.fr".into(), (100, false));
        let records = [contact("Ann", "ann@x.fr", "", "")];
        let r = sync(&fake, &records, settings(), None, false).await;
        let r = r.report.unwrap();
        assert_eq!((r.created, r.failed.len()), (0, 1));
        assert!(
            r.failed[0].message.contains("gave up after 6 attempts")
                && r.failed[0].message.contains("the contact was not found"),
            "{}",
            r.failed[0].message
        );
        assert_eq!(fake.calls("create").len(), CREATE_ROUNDS as usize + 1);
        assert!(fake.held.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_provider_error_fails_its_record_and_the_others_go_on() {
        let fake = Fake::holding(&[]);
        fake.faults
            .lock()
            .unwrap()
            .insert("bob@x.fr".into(), Fault::Unavailable);
        let records = [
            contact("Ann", "ann@x.fr", "", ""),
            contact("Bob", "bob@x.fr", "", ""),
            contact("Cid", "cid@x.fr", "", ""),
        ];
        let r = sync(&fake, &records, settings(), None, false).await;
        let r = r.report.unwrap();
        assert_eq!(r.created, 2);
        assert_eq!(r.failed.len(), 1);
        let f = &r.failed[0];
        assert_eq!(
            (f.record, f.status, f.email.as_str()),
            (2, Some(503), "bob@x.fr")
        );
        assert_eq!(r.exit_code(), 1);
    }

    #[tokio::test]
    async fn refused_credentials_stop_the_run() {
        let fake = Fake::holding(&[]);
        fake.faults
            .lock()
            .unwrap()
            .insert("ann@x.fr".into(), Fault::Refused);
        let records = [contact("Ann", "ann@x.fr", "", "")];
        let r = sync(&fake, &records, settings(), None, false).await;
        assert!(matches!(r.report, Err(Error::Auth { .. })));
    }

    #[tokio::test]
    async fn a_contact_deleted_meanwhile_is_created_again() {
        let fake = Fake::holding(&[contact("Ann", "ann@x.fr", "", "")]);
        fake.gone.lock().unwrap().insert("ann@x.fr".into());
        let records = [contact("Ann Lee", "ann@x.fr", "", "")];
        let r = sync(&fake, &records, settings(), None, false).await;
        let r = r.report.unwrap();
        assert_eq!((r.created, r.updated), (1, 0));
        assert_eq!(fake.contact("ann@x.fr").unwrap().display_name, "Ann Lee");
    }

    #[tokio::test]
    async fn a_stop_signal_takes_no_more_records() {
        let fake = Fake::holding(&[]);
        let records = [contact("Ann", "ann@x.fr", "", "")];
        let r = sync(&fake, &records, settings(), None, true).await;
        let r = r.report.unwrap();
        assert!(r.interrupted);
        assert_eq!(r.exit_code(), 130);
        assert!(fake.log.lock().unwrap().is_empty(), "no request");
    }

    #[tokio::test]
    async fn a_journalled_record_is_not_sent_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.journal");
        let owner = || {
            crate::journal::Owner::new(
                "import",
                "file".into(),
                "fake",
                "memory:contacts".into(),
                "tester".into(),
            )
        };
        let fake = Fake::holding(&[]);
        let records = [
            contact("Ann", "ann@x.fr", "", ""),
            contact("Bob", "bob@x.fr", "", ""),
        ];
        let journal = Arc::new(Journal::open(&path, &owner()).unwrap());
        let r = sync(&fake, &records, settings(), Some(journal), false).await;
        assert_eq!(r.report.unwrap().created, 2);
        drop(fake.log.lock().unwrap().drain(..));
        let journal = Arc::new(Journal::open(&path, &owner()).unwrap());
        let r = sync(&fake, &records, settings(), Some(journal), false).await;
        let r = r.report.unwrap();
        assert_eq!((r.resumed, r.created), (2, 0));
        assert!(fake.log.lock().unwrap().is_empty(), "no request");
    }

    /// A state in `dir`, for the fake's runs.
    fn state(dir: &std::path::Path) -> Arc<Journal> {
        let owner = crate::journal::Owner::new(
            "import",
            "file".into(),
            "fake",
            "memory:contacts".into(),
            "tester".into(),
        );
        let path = dir.join("sync.state");
        Arc::new(Journal::open_as(&path, &owner, crate::journal::Use::State).unwrap())
    }

    #[tokio::test]
    async fn a_state_sends_nothing_for_what_did_not_change_and_only_what_did() {
        let dir = tempfile::tempdir().unwrap();
        let fake = Fake::holding(&[]);
        let mut records = vec![
            contact("Ann", "ann@x.fr", "+33142845403", "Acme"),
            contact("Bob", "bob@x.fr", "+33142845404", "Acme"),
            contact("Cid", "cid@x.fr", "", "Acme"),
        ];
        let r = sync(&fake, &records, settings(), Some(state(dir.path())), false).await;
        assert_eq!(r.report.unwrap().created, 3);

        // Nothing changed: not one call.
        drop(fake.log.lock().unwrap().drain(..));
        let r = sync(&fake, &records, settings(), Some(state(dir.path())), false).await;
        let r = r.report.unwrap();
        assert_eq!((r.unchanged, r.created, r.updated), (3, 0, 0));
        assert!(fake.log.lock().unwrap().is_empty(), "no request");
        assert_eq!(r.gone_from_source, Some(vec![]));

        // Ann's name changed at the source, her phone in the target: one update, by id, of
        // the name only; the target's phone stays. Bob's phone emptied at the source: never
        // erased, nothing sent. Dan is new.
        fake.edit("ann@x.fr", |c| c.phone = "+33999999999".into());
        records[0].display_name = "Ann Lee".into();
        records[1].phone = String::new();
        records.push(contact("Dan", "dan@x.fr", "", "Acme"));
        let r = sync(&fake, &records, settings(), Some(state(dir.path())), false).await;
        let r = r.report.unwrap();
        assert_eq!((r.updated, r.created, r.unchanged), (1, 1, 2));
        let log = fake.log.lock().unwrap().clone();
        assert_eq!(
            log,
            [
                "update ann@x.fr display_name",
                "find dan@x.fr",
                "create dan@x.fr"
            ]
        );
        let ann = fake.contact("ann@x.fr").unwrap();
        assert_eq!(
            (ann.display_name.as_str(), ann.phone.as_str()),
            ("Ann Lee", "+33999999999")
        );
        assert_eq!(fake.contact("bob@x.fr").unwrap().phone, "+33142845404");

        // Bob's phone comes back as it was: changed since the last write (empty), written.
        drop(fake.log.lock().unwrap().drain(..));
        records[1].phone = "+33142845405".into();
        let r = sync(&fake, &records, settings(), Some(state(dir.path())), false).await;
        assert_eq!(r.report.unwrap().updated, 1);
        assert_eq!(fake.calls("update"), ["update bob@x.fr phone"]);
        assert!(fake.calls("find").is_empty());
    }

    #[tokio::test]
    async fn a_state_reports_deleted_and_gone_contacts_and_deletes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let fake = Fake::holding(&[]);
        let mut records = vec![
            contact("Ann", "ann@x.fr", "", "Acme"),
            contact("Bob", "bob@x.fr", "", "Acme"),
            contact("Cid", "cid@x.fr", "", "Acme"),
        ];
        sync(&fake, &records, settings(), Some(state(dir.path())), false)
            .await
            .report
            .unwrap();
        // Ann deleted in the target and changed at the source; Cid gone from the source.
        fake.delete("ann@x.fr");
        records[0].display_name = "Ann Lee".into();
        records.pop();
        let r = sync(&fake, &records, settings(), Some(state(dir.path())), false).await;
        let r = r.report.unwrap();
        let deleted = r.deleted_in_target.as_deref().unwrap();
        assert_eq!(
            (deleted[0].record, deleted[0].email.as_str()),
            (1, "ann@x.fr")
        );
        assert_eq!(
            r.gone_from_source.as_deref(),
            Some(&["cid@x.fr".to_string()][..])
        );
        assert_eq!(r.created, 0);
        assert!(fake.contact("ann@x.fr").is_none(), "not created again");
        assert!(fake.contact("cid@x.fr").is_some(), "never deleted");
        assert_eq!(r.exit_code(), 0);

        // Known deleted now: no request; gone said once; --recreate-deleted creates it
        // (after a look).
        drop(fake.log.lock().unwrap().drain(..));
        let r = sync(&fake, &records, settings(), Some(state(dir.path())), false).await;
        let r = r.report.unwrap();
        assert_eq!(r.deleted_in_target.unwrap().len(), 1);
        assert_eq!(r.gone_from_source, Some(vec![]));
        assert!(fake.log.lock().unwrap().is_empty());
        // --full looks it up, and still does not create it.
        let full = Settings {
            full: true,
            ..settings()
        };
        let r = sync(&fake, &records, full, Some(state(dir.path())), false).await;
        let r = r.report.unwrap();
        assert_eq!((r.created, r.deleted_in_target.unwrap().len()), (0, 1));
        assert!(fake.contact("ann@x.fr").is_none());
        let again = Settings {
            recreate_deleted: true,
            ..settings()
        };
        let r = sync(&fake, &records, again, Some(state(dir.path())), false).await;
        assert_eq!(r.report.unwrap().created, 1);
        assert_eq!(fake.calls("create"), ["create ann@x.fr"]);
        assert_eq!(fake.contact("ann@x.fr").unwrap().display_name, "Ann Lee");
    }

    #[tokio::test]
    async fn a_state_dry_run_plans_by_id_and_full_looks_everything_up() {
        let dir = tempfile::tempdir().unwrap();
        let fake = Fake::holding(&[]);
        let mut records = vec![
            contact("Ann", "ann@x.fr", "", "Acme"),
            contact("Bob", "bob@x.fr", "", "Acme"),
        ];
        sync(&fake, &records, settings(), Some(state(dir.path())), false)
            .await
            .report
            .unwrap();
        records[0].display_name = "Ann Lee".into();
        // The org name cannot change: compared with the target, which says the conflict.
        records[1].org_name = "Other".into();
        records.push(contact("Cid", "cid@x.fr", "", "Acme"));
        drop(fake.log.lock().unwrap().drain(..));
        let dry = Settings {
            dry_run: true,
            ..settings()
        };
        let out = sync(&fake, &records, dry, Some(state(dir.path())), false).await;
        let r = out.report.unwrap();
        let mut plan = out.plan;
        plan.sort();
        assert_eq!(
            plan,
            [
                "create\tcid@x.fr",
                "unchanged\tbob@x.fr",
                "update\tann@x.fr\tdisplay_name"
            ]
        );
        assert_eq!(r.conflicts.len(), 1);
        // Bob and Cid looked up, Ann's update and Cid's create.
        assert_eq!(r.planned_requests, Some(4));
        assert_eq!(fake.calls("find"), ["find bob@x.fr", "find cid@x.fr"]);

        drop(fake.log.lock().unwrap().drain(..));
        let full = Settings {
            full: true,
            ..settings()
        };
        let r = sync(&fake, &records, full, Some(state(dir.path())), false).await;
        assert_eq!(r.report.unwrap().created, 1);
        assert_eq!(fake.calls("find").len(), 3, "every contact looked up");
    }

    #[tokio::test]
    async fn a_state_remembers_only_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let fake = Fake::holding(&[contact("Ann", "ann@x.fr", "", "Acme")]);
        // A create whose answer was lost, settled after the stream: remembered all the same.
        fake.lose
            .lock()
            .unwrap()
            .insert("bob@x.fr".into(), (1, true));
        let mut records = vec![
            contact("Ann", "ann@x.fr", "", "Acme"),
            contact("Bob", "bob@x.fr", "", "Acme"),
        ];
        let r = sync(&fake, &records, settings(), Some(state(dir.path())), false).await;
        assert_eq!(r.report.unwrap().created, 1);
        drop(fake.log.lock().unwrap().drain(..));
        let r = sync(&fake, &records, settings(), Some(state(dir.path())), false).await;
        assert_eq!(r.report.unwrap().unchanged, 2);
        assert!(fake.log.lock().unwrap().is_empty(), "no request");

        // Skipped: nothing written, nothing remembered: a later update run writes it.
        records[0].display_name = "Ann Lee".into();
        let skip = Settings {
            on_existing: OnExisting::Skip,
            ..settings()
        };
        let r = sync(&fake, &records, skip, Some(state(dir.path())), false).await;
        assert_eq!(r.report.unwrap().skipped, 1);
        let r = sync(&fake, &records, settings(), Some(state(dir.path())), false).await;
        assert_eq!(r.report.unwrap().updated, 1);
        assert_eq!(fake.contact("ann@x.fr").unwrap().display_name, "Ann Lee");

        // An org name the target cannot take: a conflict, said again on the next run.
        records[1].org_name = "Other".into();
        for _ in 0..2 {
            let r = sync(&fake, &records, settings(), Some(state(dir.path())), false).await;
            let r = r.report.unwrap();
            assert_eq!(r.conflicts.len(), 1);
            assert_eq!(r.conflicts[0].email, "bob@x.fr");
        }
        assert_eq!(fake.contact("bob@x.fr").unwrap().org_name, "Acme");
    }

    #[tokio::test]
    async fn a_contact_deleted_then_created_again_in_the_target_is_found_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let fake = Fake::holding(&[]);
        let mut records = vec![contact("Ann", "ann@x.fr", "+33142845403", "Acme")];
        sync(&fake, &records, settings(), Some(state(dir.path())), false)
            .await
            .report
            .unwrap();
        fake.delete("ann@x.fr");
        records[0].display_name = "Ann Lee".into();
        let r = sync(&fake, &records, settings(), Some(state(dir.path())), false).await;
        assert_eq!(r.report.unwrap().deleted_in_target.unwrap().len(), 1);
        // Created again by hand, with another phone; the source's name changes again: found
        // by email, and only the name written.
        fake.insert(
            "by-hand".into(),
            contact("Ann", "ann@x.fr", "+33999999999", "Acme"),
        );
        records[0].display_name = "Ann Lee-Roy".into();
        let r = sync(&fake, &records, settings(), Some(state(dir.path())), false).await;
        let r = r.report.unwrap();
        assert_eq!((r.updated, r.created), (1, 0));
        assert_eq!(r.deleted_in_target.unwrap().len(), 0);
        let ann = fake.contact("ann@x.fr").unwrap();
        assert_eq!(
            (ann.display_name.as_str(), ann.phone.as_str()),
            ("Ann Lee-Roy", "+33999999999")
        );
        // Remembered under its new id: the next change goes straight to it.
        drop(fake.log.lock().unwrap().drain(..));
        records[0].display_name = "Ann".into();
        sync(&fake, &records, settings(), Some(state(dir.path())), false)
            .await
            .report
            .unwrap();
        assert_eq!(fake.calls("update"), ["update ann@x.fr display_name"]);
        assert!(fake.calls("find").is_empty());
    }
}
