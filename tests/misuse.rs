//! End-to-end: what a user gets wrong, and what a server answers strangely (issue 11). Each
//! test failed on the main branch before the fix: a hang, an emptied input file, a migration
//! that silently did nothing, a wrong key answered by one request per record.

mod util;
use serde_json::json;
use util::sandbox::Sandbox;
use util::Dir;

/// `import kojo in.csv` with a vendor for every record, then `extra`.
fn kojo_import<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "import",
        "kojo",
        "in.csv",
        "--org-name",
        "O",
        "--vendor-id",
        "v",
    ];
    args.extend_from_slice(extra);
    args
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// A CSV of `n` contacts under `header`, several parallel chunks long.
fn csv(header: &str, n: usize) -> String {
    let mut t = format!("{header}\n");
    for i in 0..n {
        t.push_str(&format!("Prénom{i},Nom{i},user{i}@exemple.fr\n"));
    }
    t
}

#[test]
fn a_large_csv_with_no_known_column_exits_2_instead_of_hanging() {
    let d = Dir::new();
    let input = d.write("big.csv", csv("foo,bar,baz", 200_000));
    assert!(std::fs::metadata(&input).unwrap().len() > 2_000_000);
    let run = d
        .run_within(60, &["convert", s(&input), "-o", "out.ndjson"], &[])
        .expect(2);
    assert!(run.stderr().contains("foo"), "{}", run.stderr());
    assert!(!d.path("out.ndjson").exists());
    // The one-thread path (stdin is not cut in parallel below 64 KiB, so a small file) says
    // the same thing.
    let small = d.write("small.csv", csv("foo,bar,baz", 10));
    let serial = d.run(&["convert", s(&small)]).expect(2);
    let first_line = |t: String| t.lines().next().unwrap_or_default().to_string();
    assert_eq!(
        first_line(run.stderr()).replace("big.csv", "X"),
        first_line(serial.stderr()).replace("small.csv", "X")
    );
}

#[test]
fn an_output_naming_the_input_is_refused_and_the_input_kept() {
    let d = Dir::new();
    let text = csv("first_name,last_name,email", 5);
    let input = d.write("contacts.csv", &text);
    for args in [
        vec!["convert", "contacts.csv", "-o", "contacts.csv"],
        vec!["convert", "contacts.csv", "--rejects", "./contacts.csv"],
        vec![
            "convert",
            "contacts.csv",
            "-o",
            "a.csv",
            "--report",
            "a.csv",
        ],
        vec!["validate", "contacts.csv", "--report", "contacts.csv"],
    ] {
        let run = d.run(&args).expect(2);
        assert!(run.stderr().contains("both name"), "{}", run.stderr());
        assert_eq!(std::fs::read_to_string(&input).unwrap(), text, "{args:?}");
        assert!(!d.path("a.csv").exists());
    }
}

#[test]
fn a_journal_path_typed_by_mistake_never_empties_a_file() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    let json = std::fs::read(util::sample("covage-export.json")).unwrap();
    d.write("contacts.json", &json);
    d.write("notes.csv", "email\na@b.fr\n");
    let env = sb.env();
    // The journal is the input itself.
    let run = d
        .run_env(
            &[
                "import",
                "covage",
                "contacts.json",
                "--journal",
                "contacts.json",
                "--dry-run",
            ],
            &env,
        )
        .expect(2);
    assert!(run.stderr().contains("both name"), "{}", run.stderr());
    // The journal is some other file that is not a journal.
    let run = d
        .run_env(
            &[
                "import",
                "covage",
                "contacts.json",
                "--journal",
                "notes.csv",
                "--dry-run",
            ],
            &env,
        )
        .expect(2);
    assert!(
        run.stderr().contains("not a contactport journal"),
        "{}",
        run.stderr()
    );
    assert_eq!(std::fs::read(d.path("contacts.json")).unwrap(), json);
    assert_eq!(d.read("notes.csv"), "email\na@b.fr\n");
    assert!(sb.state()["covage"].as_array().unwrap().is_empty());
}

#[test]
fn a_journal_from_another_provider_account_is_refused() {
    let (first, second) = (Sandbox::start(&[]), Sandbox::start(&[]));
    let d = Dir::new();
    d.write("in.csv", csv("first_name,last_name,email", 20));
    let args = ["import", "covage", "in.csv", "--journal", "move.journal"];
    d.run_env(&args, &first.env()).expect(0);
    assert_eq!(first.state()["covage"].as_array().unwrap().len(), 20);
    let before = d.read("move.journal");
    // Another Covage (another URL): refused, not 20 "resumed" and nothing written.
    let run = d.run_env(&args, &second.env()).expect(2);
    assert!(
        run.stderr().contains("belongs to another run") && run.stderr().contains("target URL"),
        "{}",
        run.stderr()
    );
    assert!(second.state()["covage"].as_array().unwrap().is_empty());
    // The same URL with another account (a login instead of the token): refused too, and no
    // secret is printed.
    let env = vec![
        ("COVAGE_URL", first.url.clone()),
        ("COVAGE_EMAIL", "sandbox@covage.test".to_string()),
        ("COVAGE_PASSWORD", "sandbox-password".to_string()),
    ];
    let run = d.run_env(&args, &env).expect(2);
    assert!(run.stderr().contains("account"), "{}", run.stderr());
    assert!(!run.stderr().contains("covage-jwt"), "{}", run.stderr());
    assert!(
        !run.stderr().contains("sandbox-password"),
        "{}",
        run.stderr()
    );
    assert_eq!(d.read("move.journal"), before);
    // The journal's owner line holds no secret.
    assert!(!before.contains("sandbox-covage-jwt"));
    // The right place again: everything resumed.
    d.run_env(&args, &first.env()).expect(0);
}

#[test]
fn two_runs_on_one_journal_the_second_is_refused() {
    let sb = Sandbox::start(&["--latency-ms", "50"]);
    let d = Dir::new();
    d.write("in.csv", csv("first_name,last_name,email", 200));
    let env = sb.env();
    let args = kojo_import(&["--journal", "j", "--concurrency", "1", "-q"]);
    let mut first = d.cmd_env(&args, &env).spawn().unwrap();
    // Wait until the first run holds the journal (its owner line is written).
    let start = std::time::Instant::now();
    while d.path("j").metadata().map(|m| m.len()).unwrap_or(0) == 0 {
        assert!(start.elapsed().as_secs() < 30);
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let run = d.run_env(&args, &env);
    let _ = first.kill();
    let _ = first.wait();
    let run = run.expect(2);
    assert!(run.stderr().contains("in use"), "{}", run.stderr());
}

#[test]
fn a_refused_kojo_key_stops_at_once() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    d.write("in.csv", csv("first_name,last_name,email", 300));
    let mut env = sb.env();
    env[3].1 = "wrong-kojo-key".into();
    let run = d.run_within(60, &kojo_import(&[]), &env).expect(2);
    assert!(
        run.stderr().contains("the key in KOJO_API_KEY was refused"),
        "{}",
        run.stderr()
    );
    assert!(!run.stderr().contains("wrong-kojo-key"));
    // One request answered 401, then none: not one a record. (Requests already on the wire
    // when the first answer came back may be answered too: at most the concurrency.)
    let sent = sb.requests().len();
    assert!(
        (1..=8).contains(&sent),
        "{sent} requests with a refused key"
    );
}

#[test]
fn a_kojo_path_naming_another_host_is_refused_before_any_request() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    d.write("in.csv", csv("first_name,last_name,email", 3));
    for path in ["http://evil.example/contacts", "https://evil.example/x"] {
        let run = d
            .run_env(&kojo_import(&["--kojo-path", path]), &sb.env())
            .expect(2);
        assert!(
            run.stderr().contains("give a path under"),
            "{}",
            run.stderr()
        );
    }
    assert!(sb.requests().is_empty());
}

#[test]
fn absurd_flags_are_refused_not_panicked_on() {
    let d = Dir::new();
    d.write("in.csv", csv("first_name,last_name,email", 3));
    for flags in [
        ["--rate", "1e-300"],
        ["--rate", "NaN"],
        ["--rate=-1", "--quiet"],
        ["--timeout", "0"],
        ["--timeout", "99999999999"],
    ] {
        let mut args = vec!["import", "kojo", "in.csv"];
        args.extend(flags);
        let run = d.run(&args).expect(2);
        assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
        assert!(run.stderr().contains("--"), "{}", run.stderr());
    }
}

#[test]
fn a_covage_next_link_that_loops_or_breaks_is_an_error_not_a_panic() {
    let sb = Sandbox::start(&["--page-size", "2"]);
    sb.reset(
        json!((0..5)
            .map(|i| json!({"first_name": "A", "last_name": "B", "email": format!("u{i}@x.fr")}))
            .collect::<Vec<_>>()),
        json!([]),
    );
    let d = Dir::new();
    // A sane chain first.
    d.run_env(&["export", "covage", "-o", "all.csv"], &sb.env())
        .expect(0);
    assert_eq!(d.read("all.csv").lines().count(), 6);
    for (fault, says) in [
        ("loop", "repeats a page"),
        ("bad-port", "bad next link"),
        ("count", "announced"),
    ] {
        sb.faults(json!({"next_link": fault}));
        let run = d
            .run_within(60, &["export", "covage", "-o", "x.csv"], &sb.env())
            .expect(2);
        assert!(run.stderr().contains(says), "{fault}: {}", run.stderr());
        assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
    }
}

#[test]
fn json_that_is_not_utf8_is_an_error_naming_its_line_not_mojibake() {
    let d = Dir::new();
    let small =
        b"[\n{\"first_name\": \"Ren\xE9e\", \"last_name\": \"X\", \"email\": \"a@b.fr\"}\n]\n";
    d.write("small.json", small);
    let run = d
        .run(&["convert", "small.json", "--to", "ndjson"])
        .expect(2);
    assert!(
        run.stderr()
            .contains("line 2 (record 1): not valid UTF-8 (byte 0xE9"),
        "{}",
        run.stderr()
    );
    assert!(!run.stdout().contains("RenÃ"), "{}", run.stdout());
    // Given its encoding, the same file converts.
    let run = d
        .run(&[
            "convert",
            "small.json",
            "--to",
            "ndjson",
            "--encoding",
            "windows-1252",
        ])
        .expect(0);
    assert!(run.stdout().contains("Renée"), "{}", run.stdout());
    // A large array (cut into parallel chunks) with the bad byte far into it: the same error,
    // at once, with the line counted from the file's start.
    let mut big = b"[\n".to_vec();
    for i in 0..40_000 {
        let first: &[u8] = if i == 30_000 { b"Ren\xE9e" } else { b"Renee" };
        big.extend_from_slice(b"{\"first_name\": \"");
        big.extend_from_slice(first);
        big.extend_from_slice(
            format!("\", \"last_name\": \"X\", \"email\": \"u{i}@b.fr\"}},\n").as_bytes(),
        );
    }
    big.extend_from_slice(b"{\"email\": \"last@b.fr\"}\n]\n");
    d.write("big.json", &big);
    let run = d
        .run_within(60, &["convert", "big.json", "-o", "out.ndjson"], &[])
        .expect(2);
    assert!(
        run.stderr()
            .contains("line 30002 (record 30001): not valid UTF-8"),
        "{}",
        run.stderr()
    );
    assert!(!d.path("out.ndjson").exists());
}

#[test]
fn a_csv_read_as_windows_1252_says_so() {
    let d = Dir::new();
    d.write(
        "excel.csv",
        b"first_name;last_name;email\nRen\xE9e;Dupr\xE9;a@b.fr\n",
    );
    let run = d
        .run(&[
            "convert",
            "excel.csv",
            "--report",
            "r.json",
            "--to",
            "ndjson",
        ])
        .expect(0);
    assert!(run.stdout().contains("Dupré"), "{}", run.stdout());
    assert!(
        run.stderr().contains("read as windows-1252"),
        "{}",
        run.stderr()
    );
    let r: serde_json::Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert!(
        r["encoding"].as_str().unwrap().starts_with("windows-1252"),
        "{r}"
    );
    // UTF-8 input, or an encoding given: nothing to say.
    d.write(
        "utf8.csv",
        "first_name;last_name;email\nRenée;Dupré;a@b.fr\n",
    );
    let run = d
        .run(&["convert", "utf8.csv", "--report", "r2.json"])
        .expect(0);
    assert!(!run.stderr().contains("windows-1252"), "{}", run.stderr());
    assert!(!d.read("r2.json").contains("encoding"));
}

/// Sends `sig` (`INT`, `TERM`) to a child.
fn kill(child: &std::process::Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([format!("-{sig}"), child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig}");
}

/// Waits for `child` to exit, at most `secs` seconds.
fn wait_within(child: &mut std::process::Child, secs: u64) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if start.elapsed().as_secs() >= secs {
            let _ = child.kill();
            panic!("did not exit within {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Lines in the journal past its owner line.
fn journalled(d: &Dir, name: &str) -> usize {
    std::fs::read_to_string(d.path(name))
        .map(|s| s.lines().count().saturating_sub(1))
        .unwrap_or(0)
}

#[test]
fn ctrl_c_or_sigterm_stops_cleanly_and_the_rerun_ends_with_exactly_every_contact() {
    for sig in ["INT", "TERM"] {
        let sb = Sandbox::start(&["--latency-ms", "20"]);
        let d = Dir::new();
        d.write("in.csv", csv("first_name,last_name,email", 400));
        let env = sb.env();
        let args = kojo_import(&[
            "--journal",
            "j",
            "--report",
            "r.json",
            "--rejects",
            "rej.csv",
            "--rate",
            "0",
            "--concurrency",
            "4",
        ]);
        let mut child = d
            .cmd_env(&args, &env)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while journalled(&d, "j") < 40 {
            assert!(start.elapsed().as_secs() < 60, "no progress");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        kill(&child, sig);
        let stopped_at = std::time::Instant::now();
        let status = wait_within(&mut child, 30);
        let waited = stopped_at.elapsed();
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(130), "{sig}: {stderr}");
        assert!(stderr.contains("--journal j"), "{sig}: {stderr}");
        // The report was written, and says what was done.
        let r: serde_json::Value = serde_json::from_str(&d.read("r.json")).unwrap();
        assert_eq!(r["interrupted"], true, "{r}");
        let created = r["created"].as_u64().unwrap() as usize;
        assert!(created > 0 && created < 400, "{r}");
        assert_eq!(
            created,
            journalled(&d, "j"),
            "every write is in the journal"
        );
        assert_eq!(sb.state()["kojo"].as_array().unwrap().len(), created);
        eprintln!("{sig}: exited {waited:?} after the signal, {created} created");
        // The re-run goes on and ends with exactly the 400 contacts, none twice.
        d.run_env(&args, &env).expect(0);
        let r: serde_json::Value = serde_json::from_str(&d.read("r.json")).unwrap();
        assert_eq!(r["resumed"].as_u64().unwrap() as usize, created, "{r}");
        let mut emails: Vec<String> = sb.state()["kojo"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["email"].as_str().unwrap().to_string())
            .collect();
        emails.sort();
        emails.dedup();
        assert_eq!(emails.len(), 400);
        assert_eq!(sb.state()["kojo"].as_array().unwrap().len(), 400);
    }
}

#[test]
fn kojo_hourly_quota_waits_are_not_failures_and_are_said() {
    // The sandbox's "hour" is 3 s long and holds 30 requests; the client, told the same quota
    // is an hour, would wait an hour: it paces by the answers instead (429 with resetAt).
    let sb = Sandbox::start(&["--kojo-per-hour", "30", "--kojo-hour-secs", "3"]);
    let d = Dir::new();
    d.write("in.csv", csv("first_name,last_name,email", 40));
    let run = d
        .run_within(
            120,
            &kojo_import(&["--hourly-limit", "0", "--rate", "0", "--report", "r.json"]),
            &sb.env(),
        )
        .expect(0);
    let r: serde_json::Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(r["created"], 40, "{r}");
    assert_eq!(r["failed"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(sb.state()["kojo"].as_array().unwrap().len(), 40);
    // 80 requests through a quota of 30 every 3 s: at least two waits of the quota.
    let throttled = sb.requests().iter().filter(|r| r["status"] == 429).count();
    assert!(throttled >= 2, "{throttled} answered 429");
    // Said on stderr (no terminal here, so no progress line): a long wait is not a hang.
    assert!(
        run.stderr().contains("waiting for kojo's quota until"),
        "{}",
        run.stderr()
    );
}

#[test]
fn dry_run_says_how_many_requests_and_how_long_at_kojo_limits() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    d.write("in.csv", csv("first_name,last_name,email", 10));
    let run = d.run_env(&kojo_import(&["--dry-run"]), &sb.env()).expect(0);
    // 10 lookups, then 10 creates.
    assert!(
        run.stderr()
            .contains("plan: the real run sends about 20 requests to Kojo: 0 s at its documented limits (20 a second, 3600 an hour)"),
        "{}",
        run.stderr()
    );
    assert!(sb.state()["kojo"].as_array().unwrap().is_empty());
}

#[test]
fn an_input_that_breaks_off_still_reports_what_was_written() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    let mut text = String::from("[\n");
    for i in 0..50 {
        text.push_str(&format!(
            "{{\"first_name\": \"A\", \"last_name\": \"B{i}\", \"email\": \"u{i}@x.fr\"}},\n"
        ));
    }
    // Cut off: no closing bracket, as a download that broke.
    text.push_str("{\"first_name\": \"A\", \"last_na");
    d.write("cut.json", text);
    let run = d
        .run_env(
            &[
                "import",
                "covage",
                "cut.json",
                "--report",
                "r.json",
                "--journal",
                "j",
            ],
            &sb.env(),
        )
        .expect(2);
    assert!(run.stderr().contains("in cut.json"), "{}", run.stderr());
    let r: serde_json::Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(r["created"], 50, "{r}");
    assert!(r["error"].as_str().unwrap().contains("line 52"), "{r}");
    assert_eq!(sb.state()["covage"].as_array().unwrap().len(), 50);
}

#[test]
fn a_record_over_the_bound_is_rejected_with_its_line_and_the_run_goes_on() {
    let d = Dir::new();
    let field = "z".repeat(3 << 20);
    let mut text = String::from("first_name,last_name,email\n");
    for i in 0..20_000 {
        text.push_str(&format!("A{i},B,u{i}@x.fr\n"));
        if i == 10 {
            text.push_str(&format!("\"{field}\",B,big@x.fr\n"));
        }
    }
    d.write("big.csv", &text);
    // Through the parallel path, then the one-thread path (Windows-1252 is never cut in
    // parallel; the text is ASCII, so the same bytes).
    let run = d
        .run_within(
            60,
            &[
                "convert",
                "big.csv",
                "-o",
                "out.csv",
                "--rejects",
                "rej.csv",
            ],
            &[],
        )
        .expect(1);
    assert!(
        run.stderr()
            .contains("read 20001, written 20000, rejected 1"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("line 13, field: record): longer than 1048576 bytes"),
        "{}",
        run.stderr()
    );
    let serial = d
        .run(&[
            "convert",
            "big.csv",
            "--rejects",
            "rej2.csv",
            "--encoding",
            "windows-1252",
        ])
        .expect(1);
    assert_eq!(serial.stdout(), d.read("out.csv"));
    assert_eq!(d.read("rej.csv"), d.read("rej2.csv"));
    // Raised, the same record is read.
    d.run(&[
        "convert",
        "big.csv",
        "-o",
        "all.csv",
        "--max-record-bytes",
        "4194304",
    ])
    .expect(0);
    assert!(d.read("all.csv").contains(&field));
}

#[test]
fn csv_for_excel_guards_formula_cells_and_reads_them_back() {
    let d = Dir::new();
    d.write(
        "in.csv",
        "first_name,last_name,email,phone,org_name\n\
         \"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",@SUM(A1),a@x.fr,+33 1 42 84 54 03,-2+3\n\
         Anne,Dupont,b@x.fr,,Colibrix\n",
    );
    // --bom (Excel) turns it on.
    d.run(&["convert", "in.csv", "-o", "excel.csv", "--bom"])
        .expect(0);
    let excel = d.read("excel.csv");
    assert!(excel.contains("\"'=HYPERLINK("), "{excel}");
    assert!(excel.contains(",'@SUM(A1),"), "{excel}");
    assert!(excel.contains(",'-2+3,"), "{excel}");
    assert!(
        excel.contains(",+33142845403,"),
        "a phone is not a formula: {excel}"
    );
    assert!(excel.contains("Anne,Dupont,Anne Dupont,b@x.fr"), "{excel}");
    // Read back: the values as they were.
    let back = d.run(&["convert", "excel.csv", "--to", "ndjson"]).expect(0);
    let first: serde_json::Value =
        serde_json::from_str(back.stdout().lines().next().unwrap()).unwrap();
    assert_eq!(first["first_name"], "=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(first["last_name"], "@SUM(A1)");
    assert_eq!(first["org_name"], "-2+3");
    // Without --bom it is off, and it can be asked for or refused.
    d.run(&["convert", "in.csv", "-o", "plain.csv"]).expect(0);
    assert!(!d.read("plain.csv").contains("'@SUM"));
    d.run(&["convert", "in.csv", "-o", "safe.csv", "--excel-safe"])
        .expect(0);
    assert!(d.read("safe.csv").contains("'@SUM"));
    d.run(&[
        "convert",
        "in.csv",
        "-o",
        "raw.csv",
        "--bom",
        "--excel-safe=false",
    ])
    .expect(0);
    assert!(!d.read("raw.csv").contains("'@SUM"));
}

#[test]
fn a_kojo_create_that_lands_after_the_timeout_is_not_created_twice() {
    let sb = Sandbox::start(&[]);
    sb.faults(json!({"slow_write_ms": 1500}));
    let d = Dir::new();
    d.write("in.csv", csv("first_name,last_name,email", 3));
    let run = d
        .run_within(
            120,
            &kojo_import(&["--timeout", "1", "--report", "r.json"]),
            &sb.env(),
        )
        .expect(0);
    let kojo = sb.state()["kojo"].as_array().unwrap().clone();
    assert_eq!(
        kojo.len(),
        3,
        "each created once: {kojo:?}\n{}",
        run.stderr()
    );
    let r: serde_json::Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(r["created"], 3, "{r}");
}

#[test]
fn a_kojo_lookup_that_is_case_sensitive_does_not_make_a_second_contact() {
    let sb = Sandbox::start(&[]);
    sb.reset(
        json!([]),
        json!([{"id": "k1", "displayName": "John Doe", "email": "john.doe@x.fr",
                "orgName": "O", "vendorId": "v"}]),
    );
    sb.faults(json!({"kojo_exact_email": true}));
    let d = Dir::new();
    d.write(
        "in.csv",
        "first_name,last_name,email\nJohn,Doe,John.Doe@x.fr\n",
    );
    d.run_env(&kojo_import(&["--report", "r.json"]), &sb.env())
        .expect(0);
    assert_eq!(sb.state()["kojo"].as_array().unwrap().len(), 1);
    let r: serde_json::Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(r["unchanged"], 1, "{r}");
}

#[test]
fn a_covage_edit_made_during_the_run_is_kept() {
    let sb = Sandbox::start(&["--latency-ms", "30"]);
    let mut seed: Vec<serde_json::Value> = (0..60)
        .map(|i| json!({"first_name": "A", "last_name": "Old", "email": format!("u{i}@x.fr"), "phone_number": "0142845403"}))
        .collect();
    seed.push(json!({"first_name": "Zoé", "last_name": "Old", "email": "zoe@x.fr", "phone_number": "0142845403"}));
    sb.reset(json!(seed), json!([]));
    let zoe = sb.state()["covage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "zoe@x.fr")
        .unwrap()["contact_uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let d = Dir::new();
    // Every last name changes; Zoé comes last.
    let mut text = String::from("first_name,last_name,email\n");
    for i in 0..60 {
        text.push_str(&format!("A,New,u{i}@x.fr\n"));
    }
    text.push_str("Zoé,New,zoe@x.fr\n");
    d.write("in.csv", text);
    let mut child = d
        .cmd_env(
            &[
                "import",
                "covage",
                "in.csv",
                "--concurrency",
                "1",
                "--journal",
                "j",
            ],
            &sb.env(),
        )
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Once the run has read the list and is writing, someone edits Zoé's phone.
    let start = std::time::Instant::now();
    while journalled(&d, "j") < 3 {
        assert!(start.elapsed().as_secs() < 60);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let edit = reqwest::blocking::Client::new()
        .put(format!("{}/api/contacts/{zoe}/", sb.url))
        .header("Authorization", "JWT sandbox-covage-jwt")
        .json(
            &json!({"contact_uuid": zoe, "first_name": "Zoé", "last_name": "Old",
                      "email": "zoe@x.fr", "phone_number": "0299999999", "cell_phone_number": ""}),
        )
        .send()
        .unwrap();
    assert!(edit.status().is_success());
    assert!(journalled(&d, "j") < 61, "the edit came before Zoé's turn");
    assert_eq!(wait_within(&mut child, 60).code(), Some(0));
    let now = sb.state()["covage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "zoe@x.fr")
        .unwrap()
        .clone();
    assert_eq!(now["last_name"], "New", "{now}");
    assert_eq!(now["phone_number"], "0299999999", "the edit is kept: {now}");
}

#[test]
fn loopback_requests_never_go_through_a_proxy() {
    // A proxy that refuses everything: had the token gone to it, the run would fail.
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    d.write("in.csv", csv("first_name,last_name,email", 2));
    let mut env = sb.env();
    for v in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
    ] {
        env.push((v, "http://127.0.0.1:9".to_string()));
    }
    d.run_env(&["import", "covage", "in.csv"], &env).expect(0);
    assert_eq!(sb.state()["covage"].as_array().unwrap().len(), 2);
}

#[test]
#[cfg(unix)]
fn output_to_dev_null_leaves_the_device_alone() {
    // An output is written beside its name and renamed over it: over /dev/null that replaced
    // the device with a regular file, which every later program then read garbage from.
    use std::os::unix::fs::FileTypeExt;
    let d = Dir::new();
    d.write("in.csv", csv("first_name,last_name,email", 3));
    d.run(&[
        "convert",
        "in.csv",
        "-o",
        "/dev/null",
        "--report",
        "/dev/null",
    ])
    .expect(2); // the same file twice
    d.run(&["convert", "in.csv", "-o", "/dev/null"]).expect(0);
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "/dev/null is still a device"
    );
}

/// Issue 19: a gateway answers 504 at once while the backend applies the create 1.5 s later.
/// Looking the contact up right away finds nothing, and sending it again made it twice (Kojo
/// held 80 contacts for 60). Imports into both providers, and migrations both ways, end with
/// every contact exactly once.
#[test]
fn a_create_a_gateway_answered_504_but_applied_later_is_made_once() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    d.write("in.csv", csv("first_name,last_name,email", 60));
    sb.faults(json!({"late_write_rate": 0.3, "late_write_ms": 1500}));
    d.run_within(
        180,
        &kojo_import(&["--timeout", "2", "--report", "k.json"]),
        &sb.env(),
    )
    .expect(0);
    d.run_within(
        180,
        &["import", "covage", "in.csv", "--timeout", "2"],
        &sb.env(),
    )
    .expect(0);
    // Let every late write land before counting.
    std::thread::sleep(std::time::Duration::from_millis(1700));
    let state = sb.state();
    for p in ["kojo", "covage"] {
        let emails: Vec<String> = state[p]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["email"].as_str().unwrap_or_default().to_lowercase())
            .collect();
        let unique: std::collections::HashSet<_> = emails.iter().collect();
        assert_eq!(
            (emails.len(), unique.len()),
            (60, 60),
            "{p}: each contact once"
        );
    }
    let r: serde_json::Value = serde_json::from_str(&d.read("k.json")).unwrap();
    assert_eq!(r["created"], 60, "{r}");

    // Migrations both ways, with new contacts on each side, under the same fault.
    sb.faults(json!({}));
    sb.reset(
        json!((0..20).map(|i| json!({"first_name": "A", "last_name": format!("C{i}"), "email": format!("c{i}@exemple.fr"), "phone_number": "0142845403"})).collect::<Vec<_>>()),
        json!((0..20).map(|i| json!({"displayName": format!("K {i}"), "email": format!("k{i}@exemple.fr"), "orgName": "O", "vendorId": "v"})).collect::<Vec<_>>()),
    );
    sb.faults(json!({"late_write_rate": 0.3, "late_write_ms": 1500}));
    d.run_within(
        180,
        &[
            "migrate",
            "covage",
            "kojo",
            "--org-name",
            "O",
            "--vendor-id",
            "v",
            "--timeout",
            "2",
        ],
        &sb.env(),
    )
    .expect(0);
    let ids: String = (0..20)
        .map(|i| format!("c{i}@exemple.fr\nk{i}@exemple.fr\n"))
        .collect();
    d.write("ids.txt", ids);
    d.run_within(
        180,
        &[
            "migrate",
            "kojo",
            "covage",
            "--ids",
            "ids.txt",
            "--timeout",
            "2",
        ],
        &sb.env(),
    )
    .expect(0);
    std::thread::sleep(std::time::Duration::from_millis(1700));
    let state = sb.state();
    for p in ["kojo", "covage"] {
        let mut emails: Vec<String> = state[p]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["email"].as_str().unwrap_or_default().to_lowercase())
            .collect();
        emails.sort();
        let n = emails.len();
        emails.dedup();
        assert_eq!(
            (n, emails.len()),
            (40, 40),
            "{p}: each contact once: {emails:?}"
        );
    }
}

/// Issue 19: ids that are not one plain path segment never reach a URL. An `--ids` line `..`
/// became `GET /contacts`; a Covage contact listed with an empty `contact_uuid` became
/// `PUT /api/contacts//`, answered 404, taken for deleted and created again.
#[test]
fn odd_ids_are_refused_with_their_line_and_never_reach_a_url() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    d.write("ids.txt", "# Kojo ids\nk1\n..\n");
    let run = d
        .run_within(
            60,
            &["migrate", "kojo", "covage", "--ids", "ids.txt"],
            &sb.env(),
        )
        .expect(2);
    assert!(run.stderr().contains("ids.txt line 3"), "{}", run.stderr());
    let requests = sb.requests();
    assert!(
        requests.iter().all(|r| r["path"] != "/contacts"),
        "{requests:?}"
    );

    sb.reset(
        json!([{"contact_uuid": "", "first_name": "Jean", "last_name": "Dupont", "email": "jean@exemple.fr", "phone_number": "0142845403"}]),
        json!([]),
    );
    d.write(
        "in.csv",
        "first_name,last_name,email\nJean,Durand,jean@exemple.fr\n",
    );
    let run = d
        .run_within(60, &["import", "covage", "in.csv"], &sb.env())
        .expect(1);
    assert!(run.stderr().contains("empty id"), "{}", run.stderr());
    let covage = sb.state()["covage"].clone();
    assert_eq!(
        covage.as_array().unwrap().len(),
        1,
        "not created again: {covage}"
    );
    let requests = sb.requests();
    assert!(
        requests
            .iter()
            .all(|r| !r["path"].as_str().unwrap().contains("//")),
        "{requests:?}"
    );
}

/// Issue 19: the sandbox answers loopback names only, so a web page on a name rebound to
/// 127.0.0.1 (DNS rebinding) cannot read `/_sandbox/state` or the contacts.
#[test]
fn the_sandbox_refuses_other_host_names() {
    use std::io::{Read, Write};
    let sb = Sandbox::start(&[]);
    let addr = sb.url.trim_start_matches("http://").to_string();
    let ask = |host: &str| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "GET /_sandbox/state HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        answer
    };
    assert!(
        ask("evil.example").starts_with("HTTP/1.1 421"),
        "{}",
        ask("evil.example")
    );
    assert!(ask("evil.example:8088").starts_with("HTTP/1.1 421"));
    assert!(ask(&addr).starts_with("HTTP/1.1 200"), "{}", ask(&addr));
    let port = addr.rsplit(':').next().unwrap();
    assert!(ask(&format!("localhost:{port}")).starts_with("HTTP/1.1 200"));
}

/// Issue 19: every rejects CSV is guarded for Excel by default (it holds what a file or a
/// provider sent): import's, migrate's and convert's; --excel-safe=false turns it off.
#[test]
fn rejects_files_are_formula_guarded_by_default() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    d.write(
        "in.csv",
        "first_name,last_name,email,phone\n=HYPERLINK(\"http://evil.example\"),Nom,a@exemple.fr,pager\n",
    );
    d.run_within(
        60,
        &["import", "covage", "in.csv", "--rejects", "r1.csv"],
        &sb.env(),
    )
    .expect(1);
    // convert guards by default; --excel-safe=false keeps the cell as it was.
    for (rejects, extra) in [("r2.csv", None), ("r3.csv", Some("--excel-safe=false"))] {
        let mut args = vec!["convert", "in.csv", "--to", "covage", "-o", "out.json"];
        args.extend(["--rejects", rejects]);
        args.extend(extra);
        d.run(&args).expect(1);
    }
    for (rejects, guarded) in [("r1.csv", true), ("r2.csv", true), ("r3.csv", false)] {
        assert_eq!(
            d.read(rejects).contains("'=HYPERLINK"),
            guarded,
            "{rejects}: {}",
            d.read(rejects)
        );
    }
    // What a provider sent: a Covage contact Kojo cannot take (no org name), named like a formula.
    sb.reset(
        json!([{"first_name": "@SUM(A1)", "last_name": "Nom", "email": "x@exemple.fr"}]),
        json!([]),
    );
    d.run_within(
        60,
        &["migrate", "covage", "kojo", "--rejects", "r4.csv"],
        &sb.env(),
    )
    .expect(1);
    assert!(
        d.read("r4.csv").contains("'@SUM(A1)"),
        "{}",
        d.read("r4.csv")
    );
}

/// Issue 19: header names and values reach the terminal with their control characters
/// escaped: a file cannot clear the screen or fake a line of contactport's own.
#[test]
fn control_characters_from_a_file_are_escaped_on_the_terminal() {
    let d = Dir::new();
    d.write(
        "in.csv",
        "first_name,email,\"Notes\x1b[2J\nfake: all good\"\nJean,jean@exemple.fr,x\n",
    );
    let run = d.run(&["convert", "in.csv", "-o", "out.csv"]);
    let err = run.stderr();
    assert!(!err.contains('\x1b'), "{err:?}");
    assert!(err.contains("\\u{1b}[2J"), "{err:?}");
    assert!(!err.lines().any(|l| l.starts_with("fake:")), "{err:?}");
}

/// Issue 19: `migrate` keeps its report and rejects when the source breaks off mid-run (the
/// Covage list changing while it is read), as `import` does: what was done is reported, then
/// the run fails (exit 2) with the reason.
#[test]
fn migrate_reports_what_it_did_when_the_source_breaks_off() {
    let sb = Sandbox::start(&["--page-size", "10"]);
    let mut covage: Vec<serde_json::Value> = (0..50)
        .map(|i| json!({"first_name": "A", "last_name": format!("C{i}"), "email": format!("c{i}@exemple.fr")}))
        .collect();
    covage[3]["email"] = json!("not-an-email");
    sb.reset(json!(covage), json!([]));
    sb.faults(json!({"next_link": "loop"}));
    let d = Dir::new();
    let run = d
        .run_within(
            60,
            &[
                "migrate",
                "covage",
                "kojo",
                "--org-name",
                "O",
                "--vendor-id",
                "v",
                "--report",
                "r.json",
                "--rejects",
                "rej.csv",
            ],
            &sb.env(),
        )
        .expect(2);
    assert!(run.stderr().contains("repeats a page"), "{}", run.stderr());
    let r: serde_json::Value = serde_json::from_str(&d.read("r.json")).unwrap();
    // The first page (10 contacts, one rejected) was read before the loop showed.
    assert_eq!(
        (r["created"].as_u64(), r["rejected"].as_u64()),
        (Some(9), Some(1)),
        "{r}"
    );
    assert!(
        r["error"].as_str().unwrap().contains("repeats a page"),
        "{r}"
    );
    assert!(
        d.read("rej.csv").contains("not-an-email"),
        "{}",
        d.read("rej.csv")
    );
}

/// Issue 19: a journal that cannot be written (here: past the file size limit, as on a full
/// disk) stops the run at the first failure, as Ctrl-C does, instead of sending every record
/// and reporting each failed; exit 2 names the journal and the error.
#[cfg(unix)]
#[test]
fn a_journal_that_cannot_be_written_stops_the_run() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    d.write("in.csv", csv("first_name,last_name,email", 300));
    let bin = env!("CARGO_BIN_EXE_contactport");
    let script = format!(
        "trap '' XFSZ; ulimit -f 4; exec {bin} import kojo in.csv --org-name O --vendor-id v --journal j.jsonl -q"
    );
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["-c", &script]).current_dir(d.path("."));
    for (k, v) in sb.env() {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("journal") && stderr.contains("j.jsonl"),
        "{stderr}"
    );
    let posts = sb
        .requests()
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/contacts")
        .count();
    assert!(posts < 100, "stopped taking records: {posts} creates sent");
}

/// Issue 19: Ctrl-C while the run waits for Kojo's hourly quota stops it within a second or
/// two (it did nothing until the hour ended): report written, the way to go on printed, exit
/// 130; a second run completes it, every contact once.
#[cfg(unix)]
#[test]
fn ctrl_c_during_the_hourly_wait_stops_at_once() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    d.write("in.csv", csv("first_name,last_name,email", 30));
    let mut cmd = d.cmd_env(
        &kojo_import(&[
            "--hourly-limit",
            "20",
            "--report",
            "r.json",
            "--journal",
            "j.jsonl",
        ]),
        &sb.env(),
    );
    let mut child = cmd.stderr(std::process::Stdio::piped()).spawn().unwrap();
    // 20 requests (10 contacts) go, then the quota's wait: an hour.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while sb.requests().len() < 20 {
        assert!(std::time::Instant::now() < deadline, "the first requests");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    let asked = std::time::Instant::now();
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let took = asked.elapsed();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        took < std::time::Duration::from_secs(10),
        "stopped after {took:?}"
    );
    assert!(stderr.contains("--journal j.jsonl"), "{stderr}");
    let r: serde_json::Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(r["interrupted"], true, "{r}");
    assert_eq!(r["failed"].as_array().map_or(0, |f| f.len()), 0, "{r}");
    d.run_within(
        120,
        &kojo_import(&["--hourly-limit", "0", "--journal", "j.jsonl"]),
        &sb.env(),
    )
    .expect(0);
    let kojo = sb.state()["kojo"].as_array().unwrap().clone();
    assert_eq!(kojo.len(), 30, "each contact once");
}

/// Issue 19: the NFC, NFD and punycode spellings of one address are one contact: an input
/// spelling it twice has the second rejected as a duplicate, and a provider holding it in
/// punycode is updated, not given a second contact.
#[test]
fn every_spelling_of_an_address_is_one_contact() {
    let sb = Sandbox::start(&[]);
    sb.reset(
        json!([{"first_name": "Jean", "last_name": "Dupont", "email": "x@xn--socit-esab.fr", "phone_number": "0142845403"}]),
        json!([]),
    );
    let d = Dir::new();
    d.write(
        "in.csv",
        "first_name,last_name,email\nJean,Durand,x@soci\u{e9}t\u{e9}.fr\nJean,Durand,x@socie\u{301}te\u{301}.fr\n",
    );
    let run = d
        .run_within(
            60,
            &["import", "covage", "in.csv", "--report", "r.json"],
            &sb.env(),
        )
        .expect(1);
    let r: serde_json::Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(
        (r["created"].as_u64(), r["updated"].as_u64()),
        (Some(0), Some(1)),
        "{r}\n{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("same email as record 1"),
        "{}",
        run.stderr()
    );
    assert_eq!(sb.state()["covage"].as_array().unwrap().len(), 1);
}
