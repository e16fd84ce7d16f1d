//! The journal (`--journal FILE`): one JSON line per finished record, fsync'd, so a re-run after
//! a crash or a kill -9 skips what is done. Writes are group-committed by one thread: every line
//! waiting is written, one fsync covers them all, then their writers go on.
//!
//! The first line says whose journal it is ([`Owner`]: command, providers, the target's URL and
//! account fingerprint): a journal reused against another account or URL is refused, since
//! its "done" would silently skip contacts that were never written there. A file that is not a
//! journal is refused and left untouched. The file is locked while a run uses it.
//!
//! A torn last line (the kill came mid-write) is cut off when the journal is opened; a garbled
//! line elsewhere is skipped with a warning, and the lines after it still count.
//!
//! The same file, opened as a sync state (`--state FILE`, [`Use::State`]), also remembers
//! what was written: each line carries the values the source gave the target's fields, and
//! the last line of a contact wins. The next run compares a contact with them ([`Synced`])
//! and sends nothing for one that did not change. A state and a journal refuse each other:
//! a journal's "done" would skip a contact a state would update.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::Path;
use tokio::sync::{mpsc, oneshot};

/// What the journal's first line holds: whose it is. Never a secret: the account is an email,
/// a client id or a fingerprint of a key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Owner {
    /// The command (`import`, `migrate`).
    pub command: String,
    /// Where records come from (a provider, or `file`).
    pub source: String,
    /// Provider written to (`covage` or `kojo`).
    pub target: String,
    /// The contacts URL written to.
    pub url: String,
    /// The account written as: login email, client id, or a fingerprint of the token or key.
    pub account: String,
}

impl Owner {
    /// A run's owner: `command` reading from `source`, writing to `target` at `url` as
    /// `account`.
    pub fn new(command: &str, source: String, target: &str, url: String, account: String) -> Owner {
        Owner {
            command: command.into(),
            source,
            target: target.into(),
            url,
            account,
        }
    }
}

/// The journal's first line.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    /// "contactport journal" or "contactport state": what tells them from any other file
    /// and from each other (a build that knows no state refuses one as a journal).
    kind: String,
    version: u32,
    #[serde(flatten)]
    owner: Owner,
}

/// What a run uses the file for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// `--journal`: what one run finished, so its re-run skips it.
    Journal,
    /// `--state`: what was last written, so the next run writes only what changed.
    State,
}

impl Use {
    /// The header's kind.
    fn kind(self) -> &'static str {
        match self {
            Use::Journal => KIND,
            Use::State => STATE_KIND,
        }
    }

    /// The file's name in messages, and the flag that names it.
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Use::Journal => ("journal", "--journal"),
            Use::State => ("state", "--state"),
        }
    }
}

/// What the state remembers of one contact: the target's id, and the values last written
/// (as hashes: the file has the values, memory only what tells a change).
#[derive(Debug, Clone)]
pub struct Synced {
    /// The target's id.
    pub id: String,
    /// The contact was gone from the target when last written (deleted there).
    pub deleted: bool,
    /// (field, hash of its value) for each value written; `None`: the line had no values.
    fields: Option<Box<[(u8, u64)]>>,
}

const KIND: &str = "contactport journal";
const STATE_KIND: &str = "contactport state";

/// One finished record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Line {
    /// Provider written to (`covage` or `kojo`).
    pub target: String,
    /// The contact's email, lower-cased (the upsert key).
    pub email: String,
    /// created, updated, unchanged, skipped.
    pub outcome: String,
    /// The provider's id for the contact.
    #[serde(default)]
    pub id: String,
    /// For a state: the values the source gave the target's fields (empty ones left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<BTreeMap<String, String>>,
}

/// The hash a state compares a field's value by; recomputed from the file's values on every
/// open, so it need not be stable across builds.
fn value_hash(field: &str, value: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    (field, value).hash(&mut h);
    h.finish()
}

type Job = (Line, oneshot::Sender<std::io::Result<()>>);

/// An open journal.
pub struct Journal {
    /// By email key: the last line of each contact.
    done: HashMap<String, Synced>,
    /// The field names a state's lines use; [`Synced`] names them by index.
    names: Vec<String>,
    /// Journal or state.
    used: Use,
    tx: Option<mpsc::UnboundedSender<Job>>,
    /// The writer thread; it owns the file, so the lock lasts until it has ended.
    writer: Option<std::thread::JoinHandle<()>>,
    /// Lines skipped because they were garbled (not the torn tail).
    pub skipped_lines: Vec<u64>,
    /// Its path, as given: named in errors.
    path: std::path::PathBuf,
}

impl Journal {
    /// Opens (or creates) the journal at `path` for `owner`, keeping what it says is done.
    /// Refused, the file untouched: a file that is not a journal, another owner's journal, a
    /// journal another run has open.
    pub fn open(path: &Path, owner: &Owner) -> Result<Journal, Error> {
        Journal::open_as(path, owner, Use::Journal)
    }

    /// Opens (or creates) the file at `path` for `owner`, as a journal or as a sync state.
    /// Refused as [`Journal::open`] refuses, and a state used as a journal or the reverse.
    pub fn open_as(path: &Path, owner: &Owner, used: Use) -> Result<Journal, Error> {
        let shown = path.display();
        let (word, flag) = used.words();
        let failed = |what: &str| {
            let what = format!("{what} {word} {shown}");
            move |e: std::io::Error| Error::journal(what, Some(Box::new(e)))
        };
        let mut options = OpenOptions::new();
        options.create(true).read(true).append(true);
        // It names the contacts migrated: readable by its owner only, and a link planted at its
        // name is refused (ELOOP), not followed to overwrite what it points to.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        let mut file = options.open(path).map_err(failed("cannot open"))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(Error::journal(format!(
                "{word} {shown} is in use by another contactport run; wait for it to end, or use another {flag}"
            ), None)),
            Err(std::fs::TryLockError::Error(e)) => return Err(failed("cannot lock")(e)),
        }
        let mut done = HashMap::new();
        let mut names = Vec::new();
        let mut skipped_lines = Vec::new();
        let mut good_len;
        let len = file.metadata().map_err(failed("cannot read"))?.len();
        if len == 0 {
            let header = Header {
                kind: used.kind().into(),
                version: 1,
                owner: owner.clone(),
            };
            let mut first = serde_json::to_vec(&header).expect("json");
            first.push(b'\n');
            file.write_all(&first)
                .and_then(|_| file.sync_data())
                .map_err(failed("cannot write"))?;
            good_len = first.len() as u64;
        } else {
            let mut reader = BufReader::new(&file);
            let mut buf = Vec::new();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(failed("cannot read"))?;
            let header = serde_json::from_slice::<Header>(&buf)
                .ok()
                .filter(|h| (h.kind == KIND || h.kind == STATE_KIND) && buf.ends_with(b"\n"));
            let Some(header) = header else {
                return Err(Error::journal(
                    format!(
                    "{shown} is not a contactport {word} (its first line is not a {word} header); \
                     it was left untouched. Name a new file (or an existing {word}) with {flag}"
                ),
                    None,
                ));
            };
            if header.kind != used.kind() {
                let (was, was_flag) = if header.kind == STATE_KIND {
                    Use::State.words()
                } else {
                    Use::Journal.words()
                };
                return Err(Error::journal(format!(
                    "{shown} is a sync {was} (made with {was_flag}), not a {word}; it was left untouched. \
                     Use it with {was_flag}, or name another file with {flag}"
                ), None));
            }
            check_owner(&header.owner, owner).map_err(|why| {
                Error::journal(
                    format!("{word} {shown} belongs to another run; it was left untouched"),
                    Some(why.into()),
                )
            })?;
            good_len = n as u64;
            let mut line_no = 1u64;
            loop {
                buf.clear();
                let n = reader
                    .read_until(b'\n', &mut buf)
                    .map_err(failed("cannot read"))?;
                if n == 0 || !buf.ends_with(b"\n") {
                    // End, or a torn last line (cut below).
                    break;
                }
                line_no += 1;
                good_len += n as u64;
                match serde_json::from_slice::<Line>(&buf) {
                    // Reported gone from the source: forgotten.
                    Ok(l) if l.target == owner.target && l.outcome == "gone" => {
                        done.remove(&l.email);
                    }
                    Ok(l) if l.target == owner.target => {
                        let fields = l.values.map(|values| {
                            values
                                .iter()
                                .map(|(f, v)| (intern(&mut names, f), value_hash(f, v)))
                                .collect()
                        });
                        let synced = Synced {
                            deleted: l.outcome == "deleted",
                            id: l.id,
                            fields,
                        };
                        done.insert(l.email, synced);
                    }
                    Ok(_) => {}
                    Err(_) => skipped_lines.push(line_no),
                }
            }
        }
        let len = file.metadata().map_err(failed("cannot read"))?.len();
        if len > good_len {
            // A torn tail (no newline: the kill came mid-write): cut it so new lines start
            // clean. Only that last piece is cut.
            file.set_len(good_len)
                .and_then(|_| file.seek(SeekFrom::End(0)))
                .map_err(|e| Error::journal(format!("cannot repair {word}"), Some(Box::new(e))))?;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let writer = std::thread::spawn(move || writer(file, rx));
        Ok(Journal {
            done,
            names,
            used,
            tx: Some(tx),
            writer: Some(writer),
            skipped_lines,
            path: path.to_path_buf(),
        })
    }

    /// True when `email` (lower-cased) was finished by an earlier run.
    pub fn is_done(&self, email: &str) -> bool {
        self.done.contains_key(email)
    }

    /// True for a sync state (`--state`).
    pub fn is_state(&self) -> bool {
        self.used == Use::State
    }

    /// What the state remembers of the contact `key`.
    pub fn synced(&self, key: &str) -> Option<&Synced> {
        self.done.get(key)
    }

    /// The email keys it remembers, with what it remembers of each.
    pub fn contacts(&self) -> impl Iterator<Item = (&String, &Synced)> {
        self.done.iter()
    }

    /// The fields of `now` whose values differ from those last written for `s`, in `now`'s
    /// order; `None` when the state has no values for it (written by a journal's line).
    pub fn changed(&self, s: &Synced, now: &[(&'static str, String)]) -> Option<Vec<&'static str>> {
        let fields = s.fields.as_ref()?;
        let last = |f: &str| {
            let i = self.names.iter().position(|n| n == f)?;
            fields
                .iter()
                .find(|(n, _)| usize::from(*n) == i)
                .map(|(_, h)| *h)
        };
        Some(
            now.iter()
                .filter(|(f, v)| last(f).unwrap_or_else(|| value_hash(f, "")) != value_hash(f, v))
                .map(|(f, _)| *f)
                .collect(),
        )
    }

    /// How many records earlier runs finished.
    pub fn len(&self) -> usize {
        self.done.len()
    }

    /// True when no earlier run finished anything.
    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }

    /// Appends a line; returns once it is on disk.
    pub async fn record(&self, line: Line) -> Result<(), Error> {
        let (ack, wait) = oneshot::channel();
        let shown = self.path.display();
        let word = self.used.words().0;
        let stopped = || Error::journal(format!("{word} {shown}: its writer stopped"), None);
        self.tx
            .as_ref()
            .expect("open journal")
            .send((line, ack))
            .map_err(|_| stopped())?;
        wait.await
            .map_err(|_| stopped())?
            .map_err(|e| Error::journal(format!("cannot write {word} {shown}"), Some(Box::new(e))))
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // Closing the channel ends the writer once it has written what it was given; waiting
        // for it means the file is closed, and unlocked, when the journal is gone.
        self.tx.take();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

/// The index of field name `f` in `names`, added when new. A state names a handful of
/// fields, so a scan is enough.
fn intern(names: &mut Vec<String>, f: &str) -> u8 {
    let i = match names.iter().position(|n| n == f) {
        Some(i) => i,
        None => {
            names.push(f.to_string());
            names.len() - 1
        }
    };
    // (A state names its target's few fields; past 255 names the rest share the last index,
    // which only makes them look changed.)
    u8::try_from(i).unwrap_or(u8::MAX)
}

/// The first difference between the journal's owner and this run's, as a sentence.
fn check_owner(was: &Owner, now: &Owner) -> Result<(), String> {
    for (what, a, b) in [
        ("command", &was.command, &now.command),
        ("source", &was.source, &now.source),
        ("target provider", &was.target, &now.target),
        ("target URL", &was.url, &now.url),
        ("account", &was.account, &now.account),
    ] {
        if a != b {
            return Err(format!("its {what} is {a}, this run's is {b}"));
        }
    }
    Ok(())
}

/// A fingerprint of a secret for [`Owner::account`]: the first 12 hex digits of its SHA-256,
/// enough to tell two keys apart, useless to recover one.
pub fn fingerprint(secret: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, secret.as_bytes());
    let hex: String = d.as_ref()[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn writer(mut file: File, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut buf = Vec::new();
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        buf.clear();
        for (line, _) in &batch {
            serde_json::to_writer(&mut buf, line).expect("json");
            buf.push(b'\n');
        }
        let res = file.write_all(&buf).and_then(|_| file.sync_data());
        for (_, ack) in batch {
            let _ = ack.send(match &res {
                Ok(()) => Ok(()),
                Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Owner {
        Owner {
            command: "migrate".into(),
            source: "covage".into(),
            target: "kojo".into(),
            url: "http://127.0.0.1:8088/contacts".into(),
            account: fingerprint("k"),
        }
    }

    fn line(email: &str) -> Line {
        Line {
            target: "kojo".into(),
            email: email.into(),
            outcome: "created".into(),
            id: "k1".into(),
            values: None,
        }
    }

    #[tokio::test]
    async fn lines_survive_reopening_and_a_torn_tail_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.ndjson");
        {
            let j = Journal::open(&p, &owner()).unwrap();
            j.record(line("a@x.fr")).await.unwrap();
            j.record(line("b@x.fr")).await.unwrap();
        }
        // A kill mid-write leaves half a line.
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"target\":\"kojo\",\"email\":\"c@x")
            .unwrap();
        drop(f);
        let j = Journal::open(&p, &owner()).unwrap();
        assert!(j.is_done("a@x.fr") && j.is_done("b@x.fr") && !j.is_done("c@x.fr"));
        j.record(line("c@x.fr")).await.unwrap();
        drop(j);
        let j = Journal::open(&p, &owner()).unwrap();
        assert_eq!(j.len(), 3);
        assert!(j.skipped_lines.is_empty());
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        for text in [
            &b"[{\"email\": \"a@x.fr\"}]\n"[..],
            b"first_name,email\nA,a@x.fr\n",
            b"{\"target\":\"kojo\",\"email\":\"a@x.fr\",\"outcome\":\"created\"}\n",
            b"no newline at all",
        ] {
            let p = dir.path().join("contacts.json");
            std::fs::write(&p, text).unwrap();
            let e = Journal::open(&p, &owner()).err().expect("refused");
            assert!(
                format!("{e:#}").contains("not a contactport journal"),
                "{e:#}"
            );
            assert_eq!(std::fs::read(&p).unwrap(), text, "left byte-identical");
        }
    }

    #[tokio::test]
    async fn a_garbled_line_in_the_middle_keeps_the_lines_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j");
        {
            let j = Journal::open(&p, &owner()).unwrap();
            j.record(line("a@x.fr")).await.unwrap();
        }
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"garbage\n").unwrap();
        drop(f);
        {
            let j = Journal::open(&p, &owner()).unwrap();
            assert_eq!(j.skipped_lines, [3]);
            j.record(line("b@x.fr")).await.unwrap();
        }
        let j = Journal::open(&p, &owner()).unwrap();
        assert!(j.is_done("a@x.fr") && j.is_done("b@x.fr"));
        assert!(std::fs::read_to_string(&p).unwrap().contains("garbage\n"));
    }

    #[test]
    fn another_owner_or_a_second_run_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j");
        drop(Journal::open(&p, &owner()).unwrap());
        let before = std::fs::read(&p).unwrap();
        let elsewhere = Owner {
            url: "https://api.kojo.tech/contacts".into(),
            ..owner()
        };
        let e = Journal::open(&p, &elsewhere).err().expect("refused");
        let why = std::error::Error::source(&e).expect("why");
        let msg = format!("{e}: {why}");
        assert!(
            msg.contains("target URL") && msg.contains("api.kojo.tech"),
            "{msg}"
        );
        let other_key = Owner {
            account: fingerprint("another key"),
            ..owner()
        };
        assert!(Journal::open(&p, &other_key).is_err());
        assert_eq!(std::fs::read(&p).unwrap(), before);
        // While one run holds it, a second is refused.
        let held = Journal::open(&p, &owner()).unwrap();
        let e = Journal::open(&p, &owner()).err().expect("locked");
        assert!(format!("{e:#}").contains("in use"), "{e:#}");
        drop(held);
        assert!(Journal::open(&p, &owner()).is_ok());
    }

    #[test]
    fn fingerprints_tell_keys_apart_and_hide_them() {
        assert_ne!(fingerprint("a"), fingerprint("b"));
        assert!(!fingerprint("hunter2").contains("hunter2"));
        assert_eq!(fingerprint("a").len(), "sha256:".len() + 12);
    }

    /// Issue 19: the journal is created 0600 and a link planted at its name is not followed.
    #[cfg(unix)]
    #[test]
    fn the_journal_is_private_and_follows_no_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let owner = Owner::new(
            "import",
            "in.csv".into(),
            "kojo",
            "http://127.0.0.1/".into(),
            "me".into(),
        );
        let p = dir.path().join("j.jsonl");
        drop(Journal::open(&p, &owner).unwrap());
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "untouched").unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        assert!(Journal::open(&link, &owner).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
    }

    #[tokio::test]
    async fn a_state_remembers_values_and_refuses_to_be_a_journal() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        let now = |name: &str, phone: &str| {
            vec![
                ("displayName", name.to_string()),
                ("phone", phone.to_string()),
            ]
        };
        {
            let s = Journal::open_as(&p, &owner(), Use::State).unwrap();
            let mut l = line("a@x.fr");
            l.values = Some([("displayName".to_string(), "Ann".to_string())].into());
            s.record(l).await.unwrap();
        }
        let before = std::fs::read(&p).unwrap();
        let e = Journal::open(&p, &owner()).err().expect("refused");
        assert!(format!("{e:#}").contains("is a sync state"), "{e:#}");
        assert_eq!(std::fs::read(&p).unwrap(), before);
        let s = Journal::open_as(&p, &owner(), Use::State).unwrap();
        let a = s.synced("a@x.fr").unwrap();
        assert_eq!((a.id.as_str(), a.deleted), ("k1", false));
        assert_eq!(s.changed(a, &now("Ann", "")), Some(vec![]));
        assert_eq!(
            s.changed(a, &now("Ann Lee", "+331")),
            Some(vec!["displayName", "phone"])
        );
        drop(s);

        // And a journal is not a state.
        let j = dir.path().join("j");
        drop(Journal::open(&j, &owner()).unwrap());
        let e = Journal::open_as(&j, &owner(), Use::State)
            .err()
            .expect("refused");
        assert!(format!("{e:#}").contains("is a sync journal"), "{e:#}");
    }
}
