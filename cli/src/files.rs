//! Opening inputs and outputs: a path, or `-` / nothing for stdin and stdout. Output files are
//! written beside their final name and renamed at the end, so a failed run leaves no half file.

use anyhow::Context;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// An input: its reader and, for a file, its size (for the progress bar).
pub struct Input {
    /// The bytes.
    pub reader: Box<dyn Read + Send>,
    /// Size in bytes when known.
    pub len: Option<u64>,
    /// Name for messages.
    pub name: String,
}

/// Opens `path`, or stdin for `None` or `-`.
pub fn open_input(path: Option<&Path>) -> anyhow::Result<Input> {
    match path {
        None => Ok(stdin()),
        Some(p) if p == Path::new("-") => Ok(stdin()),
        Some(p) => {
            let f = File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
            let len = f.metadata().ok().map(|m| m.len());
            Ok(Input {
                reader: Box::new(f),
                len,
                name: p.display().to_string(),
            })
        }
    }
}

impl Input {
    /// Reads the next chunk into `buf`; 0 at the end. Interrupted reads are retried.
    pub fn read_chunk(&mut self, buf: &mut [u8]) -> anyhow::Result<usize> {
        loop {
            match self.reader.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => return r.with_context(|| format!("cannot read {}", self.name)),
            }
        }
    }
}

fn stdin() -> Input {
    Input {
        reader: Box::new(io::stdin()),
        len: None,
        name: "<stdin>".into(),
    }
}

/// Temporary outputs not yet committed, for [`remove_on_signal`].
static PENDING: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes the temporary outputs not yet committed: before an exit that skips destructors.
pub fn remove_pending() {
    for p in pending().drain(..) {
        let _ = std::fs::remove_file(p);
    }
}

/// For the commands that only write files (`convert`, `export`): on Ctrl-C or SIGTERM, the
/// temporary outputs not yet committed are removed and the process exits 130, leaving the
/// outputs as they were. (A signal's default action ends the process without destructors.)
pub fn remove_on_signal() {
    std::thread::spawn(|| {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(crate::cmd::signal());
        remove_pending();
        eprintln!("contactport: stopped; no temporary file left");
        std::process::exit(130);
    });
}

/// An output being written: stdout, or a temporary file renamed into place by [`Output::commit`].
pub struct Output {
    writer: io::BufWriter<Box<dyn Write + Send>>,
    /// The temporary file (removed unless committed) and the name it takes.
    rename: Option<(tempfile::TempPath, PathBuf)>,
    /// The thread putting the temporary file on disk as it is written.
    syncer: Option<std::thread::JoinHandle<io::Result<()>>>,
}

/// How much is written between two syncs of a temporary file.
const SYNC_EVERY: u64 = 16 << 20;

/// A temporary file put on disk as it is written: every [`SYNC_EVERY`] bytes a thread syncs
/// what is there, while the conversion goes on. The sync before the rename then waits only for
/// the last of it, not for the whole file (on 200 MB, a tenth of a second more than the
/// conversion itself).
struct Syncing {
    file: File,
    unsynced: u64,
    every: u64,
    /// Asks the thread for a sync; holds one request at most (a request made while one is
    /// waiting is the same request). Dropped, it ends the thread.
    ask: std::sync::mpsc::SyncSender<()>,
}

impl Syncing {
    fn start(
        file: File,
        every: u64,
    ) -> io::Result<(Syncing, std::thread::JoinHandle<io::Result<()>>)> {
        let clone = file.try_clone()?;
        let (ask, asked) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("sync".into())
            .spawn(move || {
                for () in asked {
                    clone.sync_data()?;
                }
                Ok(())
            })?;
        let w = Syncing {
            file,
            unsynced: 0,
            every,
            ask,
        };
        Ok((w, thread))
    }
}

impl Write for Syncing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.unsynced += n as u64;
        if self.unsynced >= self.every {
            self.unsynced = 0;
            // Full: a sync is already asked for, which will take these bytes too. Gone: the
            // thread failed, and says why at the commit.
            let _ = self.ask.try_send(());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Output {
    /// Stdout for `None` or `-`, else a file.
    pub fn create(path: Option<&Path>) -> anyhow::Result<Output> {
        match path {
            None => Ok(Output::stdout()),
            Some(p) if p == Path::new("-") => Ok(Output::stdout()),
            // Not a regular file (`/dev/null`, a FIFO, a terminal): written as it is. A
            // temporary file renamed over it would replace the device itself.
            Some(p) if std::fs::metadata(p).is_ok_and(|m| !m.is_file()) => {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .with_context(|| format!("cannot open {}", p.display()))?;
                Ok(Output {
                    writer: io::BufWriter::with_capacity(256 * 1024, Box::new(f)),
                    rename: None,
                    syncer: None,
                })
            }
            Some(p) => {
                // Beside its name (the rename stays on one file system), under a random name,
                // created exclusively with mode 0600: no link planted there is followed, and
                // nobody else can read the contacts while they are written.
                let dir = match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                let tmp = tempfile::Builder::new()
                    .prefix(&format!(".{name}."))
                    .suffix(".partial")
                    .tempfile_in(dir)
                    .with_context(|| {
                        format!("cannot create a temporary file beside {}", p.display())
                    })?;
                let (f, tmp) = tmp.into_parts();
                pending().push(tmp.to_path_buf());
                let (f, syncer) = Syncing::start(f, SYNC_EVERY)
                    .with_context(|| format!("cannot write {}", tmp.display()))?;
                Ok(Output {
                    writer: io::BufWriter::with_capacity(256 * 1024, Box::new(f)),
                    rename: Some((tmp, p.to_path_buf())),
                    syncer: Some(syncer),
                })
            }
        }
    }

    /// A file for an optional path (`--rejects`, `--report`): `None` when not asked for.
    pub fn optional(path: Option<&Path>) -> anyhow::Result<Option<Output>> {
        path.map(|p| Output::create(Some(p))).transpose()
    }

    fn stdout() -> Output {
        Output {
            writer: io::BufWriter::with_capacity(256 * 1024, Box::new(io::stdout())),
            rename: None,
            syncer: None,
        }
    }

    /// Flushes and moves the file to its name.
    pub fn commit(mut self) -> anyhow::Result<()> {
        self.writer.flush().context("cannot write output")?;
        if let Some((tmp, dest)) = self.rename.take() {
            // The syncing thread ends once the file is dropped; a sync of its that failed
            // fails the output.
            drop(std::mem::replace(
                &mut self.writer,
                io::BufWriter::new(Box::new(io::sink())),
            ));
            if let Some(syncer) = self.syncer.take() {
                syncer
                    .join()
                    .map_err(|_| anyhow::anyhow!("the thread syncing {} failed", tmp.display()))?
                    .with_context(|| format!("cannot write {}", tmp.display()))?;
            }
            // On disk before it takes the name: a crash after the rename never leaves an
            // empty or half file under the final name.
            File::open(&tmp)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            // A file replaced keeps its mode (a backup made private stays private); a new
            // one stays 0600.
            if let Ok(m) = std::fs::metadata(&dest) {
                std::fs::set_permissions(&tmp, m.permissions())
                    .with_context(|| format!("cannot set the mode of {}", tmp.display()))?;
            }
            let name = tmp.to_path_buf();
            let persisted = tmp.persist(&dest);
            pending().retain(|p| *p != name);
            persisted.map_err(|e| {
                anyhow::Error::from(e.error).context(format!(
                    "cannot rename a temporary file to {}",
                    dest.display()
                ))
            })?;
            // The rename itself on disk too.
            #[cfg(unix)]
            if let Some(dir) = dest.parent() {
                let dir = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                File::open(dir)
                    .and_then(|d| d.sync_all())
                    .with_context(|| format!("cannot sync {}", dir.display()))?;
            }
        }
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        // Not committed: the temporary file goes (TempPath removes it) and is no longer pending.
        if let Some((tmp, _)) = &self.rename {
            let name = tmp.to_path_buf();
            pending().retain(|p| *p != name);
        }
    }
}

impl contactport_providers::Destination for Output {
    fn commit(self: Box<Self>) -> io::Result<()> {
        Output::commit(*self).map_err(|e| io::Error::other(format!("{e:#}")))
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// Refuses, before anything is opened, a run whose files name the same file twice: an output
/// that is the input (`-o contacts.csv` on `contacts.csv`), a `--journal` that is the input, two
/// outputs on one file. `files` are (flag, path) pairs; stdin / stdout (`-`, none) are skipped.
pub fn distinct(files: &[(&str, Option<&Path>)]) -> anyhow::Result<()> {
    let mut seen: Vec<(&str, PathBuf)> = Vec::new();
    for (flag, path) in files {
        let Some(p) = path.filter(|p| *p != Path::new("-")) else {
            continue;
        };
        let id = identity(p);
        if let Some((first, _)) = seen.iter().find(|(_, other)| *other == id) {
            anyhow::bail!(
                "{flag} and {first} both name {}: nothing was touched; give each its own file",
                p.display()
            );
        }
        seen.push((flag, id));
    }
    Ok(())
}

/// A path as one file: resolved through links, relative to the current directory, whether or
/// not it exists yet.
fn identity(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let dir = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
    dir.join(p.file_name().unwrap_or_default())
}

/// Writes `value` as pretty JSON to `path`.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let mut out = Output::create(Some(path))?;
    serde_json::to_writer_pretty(&mut out, value).context("cannot write report")?;
    out.write_all(b"\n")?;
    out.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_twice_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("contacts.csv");
        std::fs::write(&input, "email\n").unwrap();
        let via_dot = dir.path().join(".").join("contacts.csv");
        let e = distinct(&[("input", Some(&input)), ("--journal", Some(&via_dot))]).unwrap_err();
        assert!(e.to_string().contains("--journal and input"), "{e}");
        let new = dir.path().join("out.csv");
        assert!(distinct(&[("-o", Some(&new)), ("--report", Some(&new))]).is_err());
        let other = dir.path().join("report.json");
        let dash = Path::new("-");
        distinct(&[
            ("input", Some(&input)),
            ("-o", Some(&new)),
            ("--report", Some(&other)),
            ("--rejects", None),
            ("-o", Some(dash)),
            ("input", Some(dash)),
        ])
        .unwrap();
    }

    #[test]
    fn a_file_synced_as_it_is_written_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let (mut w, thread) = Syncing::start(File::create(&path).unwrap(), 1000).unwrap();
        let mut written = Vec::new();
        for i in 0..500u32 {
            let line = format!("{i:>7} contacts and more\n");
            w.write_all(line.as_bytes()).unwrap();
            written.extend_from_slice(line.as_bytes());
        }
        drop(w);
        // The thread ends with the writer, and every sync it made succeeded.
        thread.join().unwrap().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), written);
    }

    #[test]
    fn an_output_over_many_syncs_takes_its_name_whole_and_leaves_nothing_beside() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("contacts.ndjson");
        std::fs::write(&dest, "old\n").unwrap();
        let mut out = Output::create(Some(&dest)).unwrap();
        let block = vec![b'x'; 1 << 20];
        let n = (SYNC_EVERY >> 20) as usize * 2 + 3;
        for _ in 0..n {
            out.write_all(&block).unwrap();
        }
        out.commit().unwrap();
        assert_eq!(std::fs::metadata(&dest).unwrap().len(), (n << 20) as u64);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["contacts.ndjson"]);
    }

    #[test]
    fn an_output_not_committed_leaves_the_old_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("contacts.csv");
        std::fs::write(&dest, "old\n").unwrap();
        let mut out = Output::create(Some(&dest)).unwrap();
        out.write_all(&vec![b'y'; (SYNC_EVERY + 10) as usize])
            .unwrap();
        drop(out);
        assert_eq!(std::fs::read(&dest).unwrap(), b"old\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
