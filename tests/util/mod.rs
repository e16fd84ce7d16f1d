//! Helpers for end-to-end tests: a fresh directory and the real binary run inside it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub mod sandbox;

/// The repository root (samples/, tests/golden/).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A sample file's path.
pub fn sample(name: &str) -> PathBuf {
    root().join("samples").join(name)
}

/// A fresh temporary directory the binary runs in.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name))
            .unwrap_or_else(|e| panic!("cannot read {name}: {e}"))
    }

    /// The binary with `args`, run in this directory.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_contactport"));
        c.args(args).current_dir(self.tmp.path());
        c
    }

    /// The binary with `args` and `env`, none of the caller's provider variables leaking in.
    pub fn cmd_env(&self, args: &[&str], env: &[(&str, String)]) -> Command {
        let mut c = self.cmd(args);
        for v in [
            "COVAGE_URL",
            "COVAGE_TOKEN",
            "COVAGE_EMAIL",
            "COVAGE_PASSWORD",
            "KOJO_URL",
            "KOJO_API_KEY",
            "KOJO_CLIENT_ID",
            "KOJO_CLIENT_SECRET",
            "KOJO_CONTACTS_PATH",
        ] {
            c.env_remove(v);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }

    /// Runs with `args` and `env`, stdin closed.
    pub fn run_env(&self, args: &[&str], env: &[(&str, String)]) -> Run {
        Run(self
            .cmd_env(args, env)
            .stdin(Stdio::null())
            .output()
            .unwrap())
    }

    /// Runs with `args`, stdin closed.
    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.cmd(args).stdin(Stdio::null()).output().unwrap())
    }

    /// Runs with `args` and `env`, stdin closed; killed (and the test failed) after `secs`
    /// seconds, so a hang is a failure, not a stuck test run.
    pub fn run_within(&self, secs: u64, args: &[&str], env: &[(&str, String)]) -> Run {
        let mut child = self
            .cmd_env(args, env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Drained as it comes, so a chatty child never blocks on a full pipe.
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let o = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = std::io::Read::read_to_end(&mut out, &mut v);
            v
        });
        let e = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = std::io::Read::read_to_end(&mut err, &mut v);
            v
        });
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait().unwrap() {
                break st;
            }
            if start.elapsed().as_secs() >= secs {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{args:?} did not end within {secs} s");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        Run(Output {
            status,
            stdout: o.join().unwrap(),
            stderr: e.join().unwrap(),
        })
    }

    /// Runs with `args`, feeding `stdin`.
    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        use std::io::Write;
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let data = stdin.to_vec();
        let feeder = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        let out = child.wait_with_output().unwrap();
        feeder.join().unwrap();
        Run(out)
    }
}

/// A finished run.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Asserts the exit code, showing stderr when it differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(self.code(), code, "exit code; stderr:\n{}", self.stderr());
        self
    }
}

/// Compares text to a golden file under tests/golden, with a line diff when it differs.
/// `BLESS=1` rewrites the golden file.
pub fn golden(name: &str, got: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("golden file {}: {e}", path.display()));
    if want != got {
        let mut diff = String::new();
        for (i, (w, g)) in want.lines().zip(got.lines()).enumerate() {
            if w != g {
                diff.push_str(&format!("line {}:\n  want: {w}\n  got:  {g}\n", i + 1));
            }
        }
        panic!(
            "{name} differs from its golden file ({} vs {} lines):\n{diff}",
            want.lines().count(),
            got.lines().count()
        );
    }
}
