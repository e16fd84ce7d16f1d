//! The real `contactport sandbox` in a child process, and its test endpoints.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Sandbox {
    child: Child,
    pub url: String,
    http: reqwest::blocking::Client,
}

impl Sandbox {
    /// Starts a sandbox on a free port with extra flags.
    pub fn start(flags: &[&str]) -> Sandbox {
        let mut child = Command::new(env!("CARGO_BIN_EXE_contactport"))
            .args(["sandbox", "--port", "0"])
            .args(flags)
            // Fixed fault draws: a failure replays with the same seed.
            .args(if flags.contains(&"--seed") {
                &[][..]
            } else {
                &["--seed", "20261201"][..]
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut first = String::new();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut first).unwrap();
        // Keep reading what else it prints, so its stdout never hits a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let url = first
            .trim()
            .rsplit(' ')
            .next()
            .filter(|u| u.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("sandbox said {first:?}"))
            .to_string();
        Sandbox {
            child,
            url,
            http: reqwest::blocking::Client::new(),
        }
    }

    /// The environment a user would export (sandbox URLs and rehearsal credentials).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("COVAGE_URL", self.url.clone()),
            ("KOJO_URL", self.url.clone()),
            ("COVAGE_TOKEN", "sandbox-covage-jwt".into()),
            ("KOJO_API_KEY", "sandbox-kojo-key".into()),
        ]
    }

    pub fn state(&self) -> Value {
        self.http
            .get(format!("{}/_sandbox/state", self.url))
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    pub fn requests(&self) -> Vec<Value> {
        let v: Value = self
            .http
            .get(format!("{}/_sandbox/requests", self.url))
            .send()
            .unwrap()
            .json()
            .unwrap();
        v.as_array().unwrap().clone()
    }

    pub fn reset(&self, covage: Value, kojo: Value) {
        let r = self
            .http
            .post(format!("{}/_sandbox/reset", self.url))
            .json(&json!({"covage": covage, "kojo": kojo}))
            .send()
            .unwrap();
        assert!(r.status().is_success());
    }

    pub fn faults(&self, f: Value) {
        let r = self
            .http
            .post(format!("{}/_sandbox/faults", self.url))
            .json(&f)
            .send()
            .unwrap();
        assert!(r.status().is_success(), "{:?}", r.text());
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
