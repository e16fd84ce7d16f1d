//! The sync engine: records from any source upserted into any target ([`Upserts`]), keyed by
//! email (case-insensitive), exactly once.
//!
//! Values the source lacks never erase what the provider has (a Kojo contact has one phone; the
//! Covage mobile it does not carry stays). Two input records with one email: the second is
//! rejected, so concurrent workers never race to create the same contact. Creates whose answer
//! was lost are settled after the stream, by the target. Each finished record is journalled
//! before it counts, so a re-run after a crash skips it.

use crate::error::Error;
use crate::journal::{Journal, Line};
use crate::provider::{Action, Event, Events, Provider, Upserts};
use crate::source::Record;
use contactport_core::options::Choice;
use contactport_core::{email, Contact, KojoPhone, OnePerEmail, Position, Report};
use futures::StreamExt;
use serde::Serialize;
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
    /// Kojo's one phone.
    pub kojo_phone: KojoPhone,
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

/// Attempts at a create whose answer keeps getting lost, before the record is reported failed.
pub(crate) const CREATE_ROUNDS: u32 = 6;

/// The places a run reports to and records in.
pub struct Run {
    /// The target: who it is, and its quota waits.
    pub target: Arc<dyn Provider>,
    /// How records are written to it.
    pub upserts: Arc<dyn Upserts>,
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
        upserts,
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
    let journal_error: Mutex<Option<String>> = Mutex::new(None);
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
    let mut rejected = Vec::new();
    let mut uncertain: Vec<(Position, Contact, std::time::Duration)> = Vec::new();
    let name = target.name();

    let records = futures::stream::poll_fn(|cx| rx.poll_recv(cx)).take_until(Box::pin(stopped));
    let mut results = records
        .map(|(pos, c)| {
            let key = email::key(&c.email);
            // Core's rule, as `validate --for` applies it.
            let duplicate = seen
                .lock()
                .expect("lock")
                .check_key(key.clone(), &c.email, pos.record);
            let resumed = journal.as_ref().is_some_and(|j| j.is_done(&key));
            let upserts = &upserts;
            let conflicts = &conflicts;
            let journal = &journal;
            let (halt, journal_error) = (&halt, &journal_error);
            async move {
                if let Some(problem) = duplicate {
                    return Err((pos, problem));
                }
                if resumed {
                    return Ok((pos, c, None));
                }
                let action = upserts.upsert(&c, &settings, pos, conflicts).await;
                if let (Some(j), false) = (journal, settings.dry_run) {
                    if let Err(e) = journal_done(j, name, &key, &action).await {
                        // Not done until journalled: reported failed, with the whole cause.
                        let why = std::iter::successors(Some(&e as &dyn std::error::Error), |e| {
                            e.source()
                        })
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join(": ");
                        journal_error
                            .lock()
                            .expect("lock")
                            .get_or_insert(why.clone());
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
        let settled = match upserts.settle(pending, last).await {
            // Stopped while it looked: those creates stay unsettled (a later run finds them).
            Err(Error::Stopped) => break,
            r => r?,
        };
        let mut halted = false;
        for (pos, c, mut action) in settled {
            if let Action::Failed(e @ Error::Auth { .. }) = action {
                return Err(e);
            }
            if let (Some(j), Action::Created(_), false) = (&journal, &action, halted) {
                if let Err(e) = journal_done(j, name, &email::key(&c.email), &action).await {
                    // Not done until journalled: failed, and nothing more is settled.
                    let why = e.to_string();
                    journal_error
                        .lock()
                        .expect("lock")
                        .get_or_insert(why.clone());
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
    report.error = journal_error.into_inner().expect("lock");
    if settings.dry_run {
        report.planned_requests = Some(upserts.planned_requests(&report));
    }
    watcher.abort();
    report.conflicts = conflicts.into_inner().expect("lock");
    Ok(report)
}

/// Journals a finished record (created, updated, unchanged, skipped); others are not done.
async fn journal_done(j: &Journal, target: &str, key: &str, action: &Action) -> Result<(), Error> {
    let (outcome, id) = match action {
        Action::Created(id) => ("created", id),
        Action::Updated(id, _) => ("updated", id),
        Action::Unchanged(id) => ("unchanged", id),
        Action::Skipped(id) => ("skipped", id),
        _ => return Ok(()),
    };
    j.record(Line {
        target: target.into(),
        email: key.into(),
        outcome: outcome.into(),
        id: id.clone(),
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
        Some(Action::Unchanged(_)) => {
            report.unchanged += 1;
            say(format!("unchanged\t{}", c.email));
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
