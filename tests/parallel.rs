//! The parallel conversion through the real binary: inputs of many chunks, with errors in the
//! middle, give exactly what core's one-thread converter gives (output, rejects, report), or
//! fail with its message. On a machine with one core the binary takes the one-thread path and
//! the comparison still holds.

mod util;
use contactport_core::{Format, Hints, Options};

/// The CLI's words in core's messages: its flags.
const CLI_HINTS: Hints = Hints {
    org_name: "--org-name",
    vendor_id: "--vendor-id",
    vendor_map: "--vendor-map",
    encoding: "--encoding",
    map: "--map",
    map_example: "--map 'Column=email,Other=phone'",
};
use serde_json::Value;
use util::Dir;

/// Core's one-thread conversion: output, rejects, and the report as JSON; or the error's
/// messages, outermost first.
fn one_thread(input: &[u8], opts: &Options) -> Result<(Vec<u8>, Vec<u8>, Value), Vec<String>> {
    let (mut o, mut r) = (vec![], vec![]);
    match contactport_core::convert::convert(input, &mut o, &mut r, opts.clone()) {
        Ok(rep) => Ok((o, r, serde_json::to_value(rep).unwrap())),
        Err(e) => {
            let mut chain = vec![e.to_string()];
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                chain.push(c.to_string());
                cause = c.source();
            }
            Err(chain)
        }
    }
}

/// The binary on `input` with `flags`; asserts it took the parallel path when it could.
fn binary(
    dir: &Dir,
    input: &[u8],
    flags: &[&str],
) -> (i32, Vec<u8>, Vec<u8>, Option<Value>, String) {
    let _ = std::fs::remove_file(dir.path("report.json"));
    let path = dir.write("in.txt", input);
    let mut args = vec![
        "convert",
        path.to_str().unwrap(),
        "-o",
        "out",
        "--rejects",
        "rej",
    ];
    args.extend(["--report", "report.json", "-q"]);
    args.extend(flags);
    let run = dir
        .cmd(&args)
        .env("CONTACTPORT_LOG", "debug")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(
        stderr.contains("converting in parallel"),
        cores > 1,
        "{cores} cores: {stderr}"
    );
    let read = |n: &str| std::fs::read(dir.path(n)).unwrap_or_default();
    let report = std::fs::read(dir.path("report.json"))
        .ok()
        .map(|b| serde_json::from_slice(&b).unwrap());
    (
        run.status.code().unwrap(),
        read("out"),
        read("rej"),
        report,
        stderr,
    )
}

/// The binary and core agree on `input` converted to `to` (with `max` as the record bound).
fn agree(input: &[u8], to: Format, max: Option<usize>) -> Result<Value, Vec<String>> {
    let dir = Dir::new();
    let mut opts = Options {
        to: Some(to),
        hints: CLI_HINTS,
        ..Options::default()
    };
    let max_flag;
    let mut flags = vec!["--to", to.name()];
    if let Some(m) = max {
        opts.max_record_bytes = m;
        max_flag = m.to_string();
        flags.extend(["--max-record-bytes", &max_flag]);
    }
    let (code, out, rej, report, stderr) = binary(&dir, input, &flags);
    match one_thread(input, &opts) {
        Ok((o, r, rep)) => {
            assert!(out == o, "{to}: output differs");
            assert!(
                rej == r,
                "{to}: rejects differ:\n{}\n{}",
                String::from_utf8_lossy(&rej),
                String::from_utf8_lossy(&r)
            );
            assert_eq!(report.as_ref(), Some(&rep), "{to}: report differs");
            assert_eq!(
                code,
                i32::from(rep["rejected"].as_u64() > Some(0)),
                "{stderr}"
            );
            Ok(rep)
        }
        Err(chain) => {
            assert_eq!(code, 2, "{to}: {stderr}");
            for message in &chain {
                assert!(
                    stderr.contains(message.as_str()),
                    "{to}: {message:?} not in {stderr}"
                );
            }
            Err(chain)
        }
    }
}

#[test]
fn csv_in_parallel_equals_the_one_thread_output() {
    // Several chunks, with quoted newlines, blank lines, CRLF and bad rows.
    let mut text = String::from("\u{FEFF}first_name;last_name;email;phone;org_name\r\n");
    for i in 0..60_000 {
        let org = if i % 20 == 0 {
            "\"Marseille Connect\n(siège)\""
        } else {
            "Colibrix"
        };
        let email = if i % 97 == 0 {
            "bad@".to_string()
        } else {
            format!("u{i}@exemple.fr")
        };
        text.push_str(&format!(
            "Élodie{i};Martin;{email};01 42 84 {:02} 03;{org}\r\n",
            i % 100
        ));
        if i % 1000 == 0 {
            text.push_str("\r\n");
        }
    }
    for to in [Format::Ndjson, Format::Covage, Format::Csv, Format::Kojo] {
        let rep = agree(text.as_bytes(), to, None).expect("converts");
        assert!(rep["read"].as_u64() >= Some(60_000), "{to}");
    }
}

fn covage_array(n: usize) -> String {
    let mut text = String::from("\u{FEFF}[\n");
    for i in 0..n {
        let email = if i % 97 == 0 {
            "bad@".to_string()
        } else {
            format!("u{i}@exemple.fr")
        };
        let first = if i % 50 == 0 {
            r#"\"Élo\\die\" ]},{"#
        } else {
            "Élodie"
        };
        if i % 333 == 5 {
            // Not a contact at all: a rejected record, counted like the others.
            text.push_str("  42,\n");
        }
        text.push_str(&format!(
            "  {{\"contact_uuid\": \"u-{i}\", \"first_name\": \"{first}\", \"last_name\": \"Martin\",\n   \"email\": \"{email}\", \"phone_number\": \"01428454{:02}\", \"cell_phone_number\": null}}{}\n",
            i % 100,
            if i % 7 == 0 { ",  " } else { "," }
        ));
    }
    text.push_str("]\n");
    text
}

#[test]
fn json_in_parallel_equals_the_one_thread_output() {
    // Several chunks; escaped quotes and brackets in strings, a trailing comma, scalars.
    let text = covage_array(40_000);
    let ndjson: String = (0..40_000)
        .map(|i| format!("{{\"email\":\"n{i}@exemple.fr\",\"phone\":\"+33 1 42 84 54 {:02}\",\"last_name\":\"L\"}}\n", i % 100))
        .collect();
    for (input, to) in [
        (&text, Format::Csv),
        (&text, Format::Kojo),
        (&text, Format::Ndjson),
        (&ndjson, Format::Covage),
    ] {
        let rep = agree(input.as_bytes(), to, None).expect("converts");
        assert!(
            rep["read"].as_u64() >= Some(40_000) && rep["rejected"].as_u64() > Some(100),
            "{to}"
        );
    }
}

#[test]
fn broken_input_fails_as_in_the_one_thread_path() {
    let whole = covage_array(20_000);
    let cut_off = &whole[..whole.len() - 3]; // no closing `]`
    let mut garbage = whole.clone();
    let at = garbage.len() * 2 / 3;
    let at = at + garbage[at..].find("},\n").unwrap() + 2;
    garbage.insert_str(at, " oops,");
    let mut bad_utf8 = covage_array(20_000).into_bytes();
    let at = bad_utf8.len() / 2;
    let at = at + bad_utf8[at..].iter().position(|&b| b == b'M').unwrap();
    bad_utf8[at] = 0xFF;
    let mut csv = String::from("email,phone\n");
    for i in 0..20_000 {
        csv.push_str(&format!("u{i}@exemple.fr,0142845403\n"));
    }
    let mut csv = csv.into_bytes();
    let at = csv.len() * 3 / 4;
    csv[at] = 0xC3;
    let inputs = [
        cut_off.as_bytes().to_vec(),
        garbage.into_bytes(),
        bad_utf8,
        csv,
    ];
    for (i, input) in inputs.into_iter().enumerate() {
        let res = agree(&input, Format::Csv, None);
        // A cut-off array and bytes that are not UTF-8 stop the run; the rest only reject
        // their record.
        assert_eq!(res.is_err(), i == 0 || i == 2, "{i}: {res:?}");
    }
}

#[test]
fn records_over_the_bound_are_rejected_as_in_the_one_thread_path() {
    let huge = "y".repeat(300_000);
    let mut csv = String::from("first_name,last_name,email\n");
    csv.push_str(&format!("\"{huge}\nstill {huge}\",B,first@x.fr\n"));
    for i in 0..30_000 {
        csv.push_str(&format!("A{i},B,u{i}@x.fr\n"));
        if i == 15_000 {
            csv.push_str(&format!("{huge},B,mid@x.fr\n"));
        }
    }
    let cut_off = format!("{csv}\"{huge}");
    // (The first element decides the flavour, so it must be whole in the sample.)
    let mut json = String::from("[\n{\"email\": \"first@x.fr\"},\n");
    json.push_str(&format!(
        "{{\"first_name\": \"{huge}\", \"email\": \"a@x.fr\"}},\n"
    ));
    let mut ndjson = String::new();
    for i in 0..20_000 {
        let el =
            format!("{{\"first_name\": \"A{i}\", \"last_name\": \"B\", \"email\": \"u{i}@x.fr\"}}");
        json.push_str(&el);
        json.push_str(",\n");
        ndjson.push_str(&el);
        ndjson.push('\n');
        if i == 9_000 {
            json.push_str(&format!(
                "{{\"first_name\": \"{huge}\",\n \"email\": \"m@x.fr\"}},\n"
            ));
            ndjson.push_str(&format!("{{\"first_name\": \"{huge}\"}}\n"));
        }
    }
    json.push_str("{\"email\": \"z@x.fr\"}\n]\n");
    let json_cut_off = format!("{ndjson}{{\"first_name\": \"{huge}");
    for (i, input) in [csv, cut_off, json, ndjson, json_cut_off]
        .into_iter()
        .enumerate()
    {
        match agree(input.as_bytes(), Format::Ndjson, Some(64 * 1024)) {
            Ok(rep) => {
                let reason = rep["rejects"][0]["reason"].as_str().unwrap_or_default();
                assert!(reason.contains("longer than 65536 bytes"), "{i}: {reason}");
                assert!(i != 4, "the cut-off JSON element fails");
            }
            Err(chain) => assert_eq!(i, 4, "{i}: only the cut-off JSON element fails: {chain:?}"),
        }
    }
}

#[test]
fn small_inputs_take_the_one_thread_path_whole() {
    let dir = Dir::new();
    let path = dir.write("small.csv", "email\na@b.fr\n");
    let run = dir
        .cmd(&["convert", path.to_str().unwrap(), "--to", "ndjson"])
        .env("CONTACTPORT_LOG", "debug")
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(!String::from_utf8_lossy(&run.stderr).contains("converting in parallel"));
    // The sample read to decide is put back: the record is there.
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "{\"email\":\"a@b.fr\"}\n"
    );
}
