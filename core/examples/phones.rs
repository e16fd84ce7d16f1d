//! Reads `raw<TAB>region` lines on stdin and prints `raw<TAB>region<TAB>answer<TAB>library` for
//! each, where an answer is the E.164 form or `invalid`: contactport's phone normalisation, then
//! `rlibphonenumber`'s own answer without the tables, for the differential tests against Google's
//! libphonenumber and between the two (`tests/phones/differential.py`).

use contactport_core::phone::{library_answer, normalize, Region};
use std::io::{BufRead, Write};

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        let Some((raw, region)) = line.split_once('\t') else {
            continue;
        };
        let (answer, library) = match region.parse::<Region>() {
            Ok(r) => (
                normalize(raw, r).unwrap_or_else(|_| "invalid".into()),
                library_answer(raw, r).unwrap_or_else(|_| "invalid".into()),
            ),
            Err(_) => ("no-region".into(), "no-region".into()),
        };
        writeln!(out, "{raw}\t{region}\t{answer}\t{library}").expect("stdout");
    }
}
