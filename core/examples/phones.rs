//! Reads `raw<TAB>region` lines on stdin and prints `raw<TAB>region<TAB>answer` for each, where
//! the answer is the E.164 form or `invalid`: contactport's phone normalisation, for the
//! differential test against Google's libphonenumber (`tests/phones/differential.py`).

use contactport_core::phone::{normalize, Region};
use std::io::{BufRead, Write};

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        let Some((raw, region)) = line.split_once('\t') else {
            continue;
        };
        let answer = match region.parse::<Region>() {
            Ok(r) => normalize(raw, r).unwrap_or_else(|_| "invalid".into()),
            Err(_) => "no-region".into(),
        };
        writeln!(out, "{raw}\t{region}\t{answer}").expect("stdout");
    }
}
