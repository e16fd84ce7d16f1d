//! End-to-end: `contactport convert` on the samples and on files as people really have them.

mod util;
use serde_json::Value;
use util::{golden, sample, Dir};

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn covage_sample_to_csv_matches_golden() {
    let d = Dir::new();
    let run = d
        .run(&["convert", s(&sample("covage-export.json")), "-o", "out.csv"])
        .expect(0);
    golden("covage-export.csv", &d.read("out.csv"));
    assert!(
        run.stderr().contains("read 30, written 30, rejected 0"),
        "{}",
        run.stderr()
    );
    assert_eq!(files_in(&d), ["out.csv"], "no temporary file left");
}

/// The names of the files in `d`.
fn files_in(d: &Dir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(d.path("."))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn stdin_to_stdout_detects_the_format() {
    let d = Dir::new();
    let input = std::fs::read(sample("covage-export.json")).unwrap();
    let run = d
        .run_stdin(&["convert", "--to", "ndjson", "-q"], &input)
        .expect(0);
    let lines: Vec<Value> = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 30);
    assert_eq!(lines[1]["phone"], "+33142845403");
    assert_eq!(lines[1]["mobile"], "+262692417900");
    assert_eq!(run.stderr(), "", "quiet means quiet");
}

#[test]
fn canonical_csv_to_kojo_with_report() {
    let d = Dir::new();
    d.run(&[
        "convert",
        s(&sample("contacts.csv")),
        "-o",
        "kojo.json",
        "--to",
        "kojo",
        "--report",
        "report.json",
    ])
    .expect(0);
    let kojo: Vec<Value> = serde_json::from_str(&d.read("kojo.json")).unwrap();
    assert_eq!(kojo.len(), 25);
    // Mobile first: Patrick's mobile, his fixed line counted as dropped.
    assert_eq!(kojo[0]["phone"], "+33699437892");
    assert_eq!(kojo[0]["displayName"], "Patrick Bousso");
    assert_eq!(kojo[0]["orgName"], "Colibrix SAS");
    // "Madonna": one word, a warning, still written (Kojo holds display names).
    assert_eq!(kojo[3]["displayName"], "Madonna");
    let report: Value = serde_json::from_str(&d.read("report.json")).unwrap();
    assert_eq!(report["read"], 25);
    assert_eq!(report["written"], 25);
    assert_eq!(report["rejected"], 0);
    assert_eq!(report["dropped_fields"]["phone"], 17);
    assert_eq!(report["warnings"][0]["field"], "display_name");
    assert_eq!(report["warnings"][0]["line"], 5);
}

#[test]
fn kojo_fixed_first_keeps_the_fixed_line() {
    let d = Dir::new();
    let run = d
        .run(&[
            "convert",
            s(&sample("contacts.csv")),
            "--to",
            "kojo",
            "--kojo-phone",
            "fixed-first",
            "-q",
        ])
        .expect(0);
    let kojo: Vec<Value> = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(kojo[0]["phone"], "+33130530396");
}

#[test]
fn kojo_needs_a_vendor_and_says_how_to_give_one() {
    let d = Dir::new();
    let covage = sample("covage-export.json");
    let run = d
        .run(&[
            "convert",
            s(&covage),
            "--to",
            "kojo",
            "-o",
            "k.json",
            "--rejects",
            "rej.csv",
            "--report",
            "r.json",
        ])
        .expect(1);
    assert!(
        run.stderr()
            .contains("field: org_name): required by Kojo: give --org-name or --vendor-map"),
        "{}",
        run.stderr()
    );
    let report: Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(report["rejected"], 30);
    // With the vendor map, the Colibrix contacts go through and the others still say why not.
    let run = d
        .run(&[
            "convert",
            s(&covage),
            "--to",
            "kojo",
            "--vendor-map",
            s(&sample("vendors.csv")),
            "-o",
            "k.json",
            "--report",
            "r.json",
        ])
        .expect(1);
    let kojo: Vec<Value> = serde_json::from_str(&d.read("k.json")).unwrap();
    assert!(kojo.iter().all(|k| k["vendorId"].is_string()));
    assert_eq!(kojo[0]["orgName"], "Colibrix SAS");
    assert!(run.stderr().contains("written 7"), "{}", run.stderr());
    // And with a default for everyone, all 30.
    d.run(&[
        "convert",
        s(&covage),
        "--to",
        "kojo",
        "--vendor-map",
        s(&sample("vendors.csv")),
        "--org-name",
        "Divers",
        "--vendor-id",
        "v-misc",
        "-o",
        "k.json",
    ])
    .expect(0);
}

#[test]
fn kojo_to_covage_splits_names_and_sorts_phones() {
    let d = Dir::new();
    let run = d
        .run(&[
            "convert",
            s(&sample("kojo-export.json")),
            "--to",
            "covage",
            "-o",
            "c.json",
            "--report",
            "r.json",
        ])
        .expect(1);
    let covage: Vec<Value> = serde_json::from_str(&d.read("c.json")).unwrap();
    let patrick = &covage[0];
    assert_eq!(patrick["first_name"], "Patrick");
    assert_eq!(patrick["cell_phone_number"], "0699437892");
    assert_eq!(patrick["phone_number"], "");
    let jp = covage
        .iter()
        .find(|c| c["email"] == "jp.delatour@colibrix.fr")
        .unwrap();
    assert_eq!(
        (jp["first_name"].as_str(), jp["last_name"].as_str()),
        (Some("Jean-Pierre"), Some("de la Tour"))
    );
    assert_eq!(jp["phone_number"], "0388142233");
    let quebec = covage
        .iter()
        .find(|c| c["email"] == "ma.levesque@quebec-telecom.ca")
        .unwrap();
    assert_eq!(
        quebec["phone_number"], "+15145550199",
        "foreign numbers stay E.164, as phone_number"
    );
    // "Cher" has one word: no first name, which Covage requires.
    assert!(
        run.stderr()
            .contains("record 8 (line 71, field: first_name): required by Covage"),
        "{}",
        run.stderr()
    );
    let report: Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(report["dropped_fields"]["org_name"], 19);
    assert_eq!(report["dropped_fields"]["display_name"], 19);
}

#[test]
fn bad_records_go_to_rejects_and_the_rest_goes_on() {
    let d = Dir::new();
    // A file backup keeps what the user had: bad phones and emails are kept as written, with
    // warnings; only records that are not contacts at all are rejected.
    let run = d
        .run(&[
            "convert",
            s(&sample("bad-records.csv")),
            "-o",
            "ok.csv",
            "--rejects",
            "rej.csv",
            "--report",
            "r.json",
        ])
        .expect(1);
    assert_eq!(d.read("ok.csv").lines().count(), 7, "header + six contacts");
    assert!(d.read("ok.csv").contains(",call me,06 12,"));
    let report: Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(report["read"], 8);
    assert_eq!(report["written"], 6);
    assert_eq!(report["rejected"], 2);
    assert_eq!(report["warnings"][0]["field"], "email");
    assert_eq!(report["warnings"][0]["value"], "marie@@colibrix.fr");
    // Issue 20: a nickname column is read now, not dropped as unknown.
    assert!(
        report["unknown_columns"]
            .as_array()
            .is_none_or(|u| u.is_empty()),
        "{report}"
    );
    assert!(run.stderr().contains(
        "rejected: record 7 (line 8, field: record): row has 7 fields but the header has 6"
    ));
    assert!(run
        .stderr()
        .contains("warning: record 3 (line 4, field: phone): not a phone number: kept as written"));

    // Strict about phones: those records go to the rejects, fixable and fed back.
    let run = d
        .run(&[
            "convert",
            s(&sample("bad-records.csv")),
            "-o",
            "strict.csv",
            "--rejects",
            "rej.csv",
            "--invalid-phone",
            "reject",
        ])
        .expect(1);
    assert_eq!(d.read("strict.csv").lines().count(), 4, "{}", run.stderr());
    let rej = d.read("rej.csv");
    assert!(rej.starts_with("record,line,errors,first_name,"));
    assert!(
        rej.contains("3,4,phone: not a phone number; mobile: not a valid phone number"),
        "{rej}"
    );
    // Dropped instead: the contact goes on without the number.
    d.run(&[
        "convert",
        s(&sample("bad-records.csv")),
        "-o",
        "drop.csv",
        "--invalid-phone",
        "drop",
    ])
    .expect(1);
    assert!(d
        .read("drop.csv")
        .contains("Paul,Martin,Paul Martin,paul.martin@colibrix.fr,,,"));
}

#[test]
fn french_excel_csv_windows_1252_semicolons_crlf() {
    let d = Dir::new();
    let mut bytes = b"first_name;last_name;email;phone\r\n".to_vec();
    bytes.extend_from_slice(b"Andr\xe9;L\xe9vesque;andre@exemple.fr;01 42 84 54 03\r\n");
    bytes.extend_from_slice(b"\"Fran\xe7ois; dit \"\"Fanfan\"\"\";Nguy;f@exemple.fr;\r\n");
    let input = d.write("excel.csv", bytes);
    d.run(&["convert", s(&input), "-o", "out.csv", "-q"])
        .expect(0);
    let out = d.read("out.csv");
    assert!(
        out.contains("André,Lévesque,André Lévesque,andre@exemple.fr,+33142845403"),
        "{out}"
    );
    assert!(
        out.contains("\"François; dit \"\"Fanfan\"\"\",Nguy,"),
        "{out}"
    );
}

#[test]
fn utf16_with_bom_and_bom_on_output() {
    let d = Dir::new();
    let text = "email,display_name\r\nzoe@exemple.fr,Zoé Bernard\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let input = d.write("u16.csv", bytes);
    d.run(&["convert", s(&input), "-o", "out.csv", "--bom", "-q"])
        .expect(0);
    let out = std::fs::read(d.path("out.csv")).unwrap();
    assert!(out.starts_with("\u{FEFF}first_name,".as_bytes()));
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("Zoé,Bernard,Zoé Bernard,zoe@exemple.fr"));
}

#[test]
fn wrong_encoding_is_named_with_the_record() {
    let d = Dir::new();
    let input = d.write("x.csv", b"email,display_name\nzoe@exemple.fr,Zo\xe9\n");
    // Forced UTF-8 on Windows-1252 bytes: the record is rejected, saying why.
    let run = d
        .run(&["convert", s(&input), "--encoding", "utf-8"])
        .expect(1);
    assert!(
        run.stderr()
            .contains("record 1 (line 2, field: record): column 2 is not valid UTF-8"),
        "{}",
        run.stderr()
    );
}

#[test]
fn google_and_outlook_round_trip() {
    let d = Dir::new();
    for (fmt, header) in [
        (
            "google-csv",
            "First Name,Middle Name,Last Name,Nickname,Birthday,Notes,E-mail 1 - Label",
        ),
        (
            "outlook-csv",
            "First Name,Middle Name,Last Name,Company,Department,Job Title",
        ),
    ] {
        let out = format!("{fmt}.csv");
        d.run(&[
            "convert",
            s(&sample("contacts.csv")),
            "--to",
            fmt,
            "-o",
            &out,
            "-q",
        ])
        .expect(0);
        assert!(d.read(&out).starts_with(header), "{fmt}");
        // And back: the layout is recognised from the header.
        let back = d.run(&["convert", &out, "--to", "ndjson", "-q"]).expect(0);
        let first: Value = serde_json::from_str(back.stdout().lines().next().unwrap()).unwrap();
        assert_eq!(first["mobile"], "+33699437892", "{fmt}");
        assert_eq!(first["phone"], "+33130530396", "{fmt}");
        assert_eq!(first["org_name"], "Colibrix SAS", "{fmt}");
    }
}

#[test]
fn failures_exit_2_and_leave_no_partial_output() {
    let d = Dir::new();
    let run = d
        .run(&["convert", "missing.csv", "-o", "out.csv"])
        .expect(2);
    assert!(
        run.stderr().contains("cannot open missing.csv"),
        "{}",
        run.stderr()
    );
    let run = d.run(&["convert", "--to", "xml", "missing.csv"]).expect(2);
    assert!(run.stderr().contains("unknown format"), "{}", run.stderr());
    d.write("broken.json", "[{\"email\": \"a@b.fr\"},\n{\"email\": ");
    let run = d
        .run(&["convert", "broken.json", "-o", "out.csv"])
        .expect(2);
    assert!(
        run.stderr()
            .contains("line 2 (record 2): the record starting here is cut off"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        files_in(&d),
        ["broken.json"],
        "no output, no temporary file"
    );
}

#[test]
fn help_shows_an_example() {
    let d = Dir::new();
    let run = d.run(&["convert", "--help"]).expect(0);
    assert!(run
        .stdout()
        .contains("contactport convert samples/covage-export.json -o contacts.csv"));
}

#[test]
fn no_progress_bar_without_a_terminal() {
    let d = Dir::new();
    let run = d
        .run(&["convert", s(&sample("covage-export.json")), "-o", "o.csv"])
        .expect(0);
    assert!(
        !run.stderr().contains('\x1b'),
        "no escape codes: {:?}",
        run.stderr()
    );
    assert_eq!(run.stderr().lines().count(), 1, "just the summary");
}

/// The CLI's output for each sample, kept as golden files; the browser package's tests compare
/// their own output with the same files, so both give byte-identical results.
#[test]
fn every_sample_matches_its_golden_output() {
    let d = Dir::new();
    for (input, to, out) in [
        ("contacts.csv", "kojo", "contacts.kojo.json"),
        ("kojo-export.json", "covage", "kojo-export.covage.json"),
        ("bad-records.csv", "csv", "bad-records.out.csv"),
        ("phone-export.vcf", "csv", "phone-export.csv"),
        ("contacts.csv", "vcard", "contacts.vcf"),
    ] {
        let rejects = format!("{out}.rejects.csv");
        let code = d
            .run(&[
                "convert",
                s(&sample(input)),
                "--to",
                to,
                "-o",
                out,
                "--rejects",
                &rejects,
                "--report",
                "r.json",
                "-q",
            ])
            .code();
        assert!(code <= 1);
        golden(out, &d.read(out));
        golden(&rejects, &d.read(&rejects));
    }
}

#[test]
fn a_reader_that_stops_early_is_not_a_failure() {
    // `contactport convert … | head -1`: the pipe closes while output is still coming.
    let d = Dir::new();
    let mut csv = String::from("first_name,last_name,email\n");
    for i in 0..50_000 {
        csv.push_str(&format!("A{i},B,u{i}@x.fr\n"));
    }
    d.write("in.csv", &csv);
    for args in [
        &["convert", "in.csv", "--to", "ndjson"][..],
        &["convert", "in.csv"],
    ] {
        let mut child = d
            .cmd(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 64];
        std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
        drop(child.stdout.take());
        // A hang is a failure, not a stuck test run.
        let start = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > std::time::Duration::from_secs(60) {
                let _ = child.kill();
                panic!("{args:?}: still running a minute after its reader stopped");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{stderr}");
    }
}

/// Issue 19: a CSV cell holding a newline and vCard lines does not inject a card: the `tel:`
/// form is for E.164 numbers only, and every other value is escaped.
#[test]
fn a_phone_cell_cannot_inject_a_vcard() {
    let d = Dir::new();
    d.write(
        "contacts.csv",
        "first_name,last_name,email,phone\nJean,Dupont,jean@exemple.fr,\"+1\nEND:VCARD\nBEGIN:VCARD\nFN:Injected\nEMAIL:attacker@evil.example\"\n",
    );
    for version in ["3", "4"] {
        let run = d.run(&[
            "convert",
            "contacts.csv",
            "--to",
            "vcard",
            "--vcard-version",
            version,
            "--invalid-phone",
            "keep",
        ]);
        let out = run.stdout();
        let begins = out.split("\r\n").filter(|l| *l == "BEGIN:VCARD").count();
        assert_eq!(begins, 1, "v{version}: {out}");
        assert!(!out.contains("\r\nFN:Injected"), "v{version}: {out}");
        assert!(!out.contains("\r\nEMAIL:attacker"), "v{version}: {out}");
        assert!(
            !out.replace("\r\n", "").contains('\n'),
            "v{version}: a raw LF: {out:?}"
        );
    }
}

/// Issue 19: an output the user made private stays private; the temporary file has a random
/// name, is created 0600 and never follows a link planted beside the output.
#[cfg(unix)]
#[test]
fn outputs_keep_their_mode_and_temporary_files_follow_no_link() {
    use std::os::unix::fs::PermissionsExt;
    let d = Dir::new();
    d.write("in.csv", "first_name,email\nJean,jean@exemple.fr\n");
    let out = d.write("out.csv", "old backup\n");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
    // The name the temporary file used to have, pointing at a file that must not change.
    let victim = d.write("victim.txt", "untouched\n");
    std::os::unix::fs::symlink(&victim, d.path("out.csv.partial")).unwrap();
    d.run(&["convert", "in.csv", "-o", "out.csv"]).expect(0);
    assert_eq!(d.read("victim.txt"), "untouched\n");
    assert!(d.read("out.csv").contains("jean@exemple.fr"));
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    // A new output is created private.
    d.run(&["convert", "in.csv", "-o", "new.csv"]).expect(0);
    let mode = std::fs::metadata(d.path("new.csv"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    assert_eq!(
        files_in(&d),
        [
            "in.csv",
            "new.csv",
            "out.csv",
            "out.csv.partial",
            "victim.txt"
        ],
        "no temporary file left"
    );
}

/// Issue 19: `-o vendors.csv --vendor-map vendors.csv` overwrote the vendor map; the files
/// a run reads join the same-file check, and nothing is touched.
#[test]
fn an_output_over_the_vendor_map_or_the_map_file_is_refused() {
    let d = Dir::new();
    d.write("in.csv", "first_name,email\nJean,jean@exemple.fr\n");
    d.write(
        "vendors.csv",
        "email_domain,vendor_id,org_name\nexemple.fr,v1,Colibrix\n",
    );
    d.write("map.txt", "first_name=first_name\n");
    for args in [
        [
            "convert",
            "in.csv",
            "--vendor-map",
            "vendors.csv",
            "-o",
            "vendors.csv",
        ],
        [
            "convert",
            "in.csv",
            "--map-file",
            "map.txt",
            "--rejects",
            "map.txt",
        ],
    ] {
        let run = d.run(&args).expect(2);
        assert!(run.stderr().contains("both name"), "{}", run.stderr());
    }
    assert_eq!(
        d.read("vendors.csv"),
        "email_domain,vendor_id,org_name\nexemple.fr,v1,Colibrix\n"
    );
    assert_eq!(d.read("map.txt"), "first_name=first_name\n");
}

/// Issue 19: Ctrl-C (or SIGTERM) in the middle of `convert -o` leaves no temporary file and
/// the output as it was.
#[cfg(unix)]
#[test]
fn a_stopped_conversion_leaves_no_temporary_file() {
    use std::io::Write;
    for sig in ["-INT", "-TERM"] {
        let d = Dir::new();
        d.write("out.csv", "the old backup\n");
        let mut child = d
            .cmd(&["convert", "-", "--from", "csv", "-o", "out.csv", "-q"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"first_name,email\n").unwrap();
        for i in 0..20_000 {
            writeln!(stdin, "Jean{i},jean{i}@exemple.fr").unwrap();
        }
        stdin.flush().unwrap();
        // The temporary file is there while the input is still open.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while files_in(&d).len() < 2 {
            assert!(
                std::time::Instant::now() < deadline,
                "no temporary file: {:?}",
                files_in(&d)
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        let pid = child.id().to_string();
        std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        drop(stdin);
        assert_eq!(status.code(), Some(130), "{sig}");
        assert_eq!(files_in(&d), ["out.csv"], "{sig}: no temporary file left");
        assert_eq!(d.read("out.csv"), "the old backup\n");
    }
}

/// Issue 20: a Thunderbird CSV saved in Shift_JIS (Japanese Windows) is read as Shift_JIS, not
/// as Windows-1252 mojibake, and the choice is said.
#[test]
fn a_shift_jis_export_keeps_its_names() {
    let d = Dir::new();
    let text = "First Name,Last Name,Display Name,Nickname,Primary Email\n\
        権兵衛,名無し,名無しの権兵衛,,nanashi@example.jp\n\
        太郎,山田,山田太郎,,taro@example.jp\n\
        花子,鈴木,鈴木花子,,hanako@example.jp\n";
    d.write("tb.csv", encoding_rs::SHIFT_JIS.encode(text).0);
    let run = d.run(&["convert", "tb.csv", "--to", "ndjson"]).expect(0);
    assert!(
        run.stdout().contains("\"display_name\":\"名無しの権兵衛\""),
        "{}",
        run.stdout()
    );
    assert!(run.stderr().contains("shift_jis"), "{}", run.stderr());
}

/// Issue 20: Outlook's "Unicode text" (UTF-16 without a BOM) is recognised by its zero bytes.
#[test]
fn utf16_without_a_bom_converts() {
    let d = Dir::new();
    let text = "First Name,Last Name,E-mail Address\r\nJürgen,Müller,j@example.de\r\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    d.write("outlook.csv", le);
    let run = d
        .run(&["convert", "outlook.csv", "--to", "ndjson"])
        .expect(0);
    assert!(
        run.stdout().contains("\"first_name\":\"Jürgen\""),
        "{}",
        run.stdout()
    );
}

/// Issue 20: a UTF-8 file with one stray Windows-1252 byte is UTF-8: that record is rejected
/// on its line and every other name kept, wherever the byte is (at the start, the middle, past
/// the first piece), on one thread or several.
#[test]
fn a_stray_byte_rejects_its_record_wherever_it_is() {
    let d = Dir::new();
    let mut rows = vec!["first_name,last_name,email".to_string()];
    for i in 0..12_000 {
        rows.push(format!("Élodie{i},Lefèvre,e{i}@exemple.fr"));
    }
    for at in [1usize, 300, 9_000] {
        let mut bytes = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            if i == at {
                bytes.extend_from_slice(b"Ren\xe9,Dupont,rene@exemple.fr\n");
            }
            bytes.extend_from_slice(r.as_bytes());
            bytes.push(b'\n');
        }
        d.write("in.csv", &bytes);
        let mut outs = vec![];
        for threads in ["1", "3"] {
            let run = d
                .run(&[
                    "convert",
                    "in.csv",
                    "--to",
                    "ndjson",
                    "-o",
                    "out.ndjson",
                    "--threads",
                    threads,
                    "--rejects",
                    "rej.csv",
                ])
                .expect(1);
            let out = d.read("out.ndjson");
            assert_eq!(out.lines().count(), 12_000, "at {at}");
            assert!(out.contains("\"first_name\":\"Élodie0\""), "at {at}");
            assert!(!out.contains('Ã'), "no mojibake, at {at}");
            let rej = d.read("rej.csv");
            assert!(
                rej.contains(&format!(",{},", at + 1)),
                "line {} named, at {at}: {rej}",
                at + 1
            );
            outs.push((out, rej, run.stderr()));
        }
        assert!(outs[0] == outs[1], "one thread and three agree, at {at}");
    }
}

/// Issue 20: vCards read as vCard means them: a UTF-8 file whose 75-octet folds split
/// characters (ownCloud) keeps its names, and a Japanese phone's vCard 2.1 in Shift_JIS (raw,
/// and quoted-printable with CHARSET=SHIFT_JIS) is decoded from Shift_JIS.
#[test]
fn vcards_are_unfolded_before_they_are_decoded() {
    let d = Dir::new();
    let mut folded = Vec::new();
    for (i, name) in [
        "Zoé Müller-Lefèvre",
        "Élodie Bérénice Château",
        "Jürgen Groß",
    ]
    .iter()
    .enumerate()
    {
        let line = format!("FN:{name}");
        let b = line.as_bytes();
        // Fold inside the first multi-byte character.
        let cut = b.iter().position(|&x| x >= 0xC0).unwrap() + 1;
        folded.extend_from_slice(b"BEGIN:VCARD\r\nVERSION:3.0\r\n");
        folded.extend_from_slice(&b[..cut]);
        folded.extend_from_slice(b"\r\n ");
        folded.extend_from_slice(&b[cut..]);
        folded.extend_from_slice(format!("\r\nEMAIL:p{i}@exemple.fr\r\nEND:VCARD\r\n").as_bytes());
    }
    d.write("owncloud.vcf", &folded);
    let run = d
        .run(&["convert", "owncloud.vcf", "--to", "ndjson"])
        .expect(0);
    for name in [
        "Zoé Müller-Lefèvre",
        "Élodie Bérénice Château",
        "Jürgen Groß",
    ] {
        assert!(run.stdout().contains(name), "{name}: {}", run.stdout());
    }

    let sjis = |s: &str| encoding_rs::SHIFT_JIS.encode(s).0.into_owned();
    let qp: String = sjis("山田太郎")
        .iter()
        .map(|b| format!("={b:02X}"))
        .collect();
    let mut phone = b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS:".to_vec();
    phone.extend(sjis("名無し;権兵衛;;;"));
    phone.extend_from_slice(b"\r\nFN;CHARSET=SHIFT_JIS:");
    phone.extend(sjis("名無しの権兵衛"));
    phone.extend_from_slice(
        b"\r\nEMAIL:nanashi@example.jp\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:2.1\r\n",
    );
    phone.extend_from_slice(
        format!("FN;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:{qp}\r\n").as_bytes(),
    );
    phone.extend_from_slice(b"EMAIL:taro@example.jp\r\nEND:VCARD\r\n");
    d.write("android.vcf", &phone);
    let run = d
        .run(&["convert", "android.vcf", "--to", "ndjson"])
        .expect(0);
    assert!(
        run.stdout().contains("\"display_name\":\"名無しの権兵衛\""),
        "{}",
        run.stdout()
    );
    assert!(
        run.stdout().contains("\"last_name\":\"名無し\""),
        "{}",
        run.stdout()
    );
    assert!(
        run.stdout().contains("\"display_name\":\"山田太郎\""),
        "{}",
        run.stdout()
    );
}

/// Issue 20: a phone's card goes to Google's CSV and back to a card with its title,
/// department, address, birthday, note, web page and nickname; a German Outlook export keeps
/// Position, Abteilung, Geburtstag and its addresses.
#[test]
fn the_fields_people_use_cross_flat_formats() {
    let d = Dir::new();
    d.write(
        "card.vcf",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Martin;Zoé;;;\r\nFN:Zoé Martin\r\nORG:Colibrix;Ventes\r\nTITLE:Directrice commerciale\r\nNICKNAME:Zozo\r\nBDAY:1980-03-15\r\nNOTE:Rappeler lundi\r\nURL:https://colibrix.example\r\nADR;TYPE=WORK:;Bât. B;12 rue de la Paix;Paris;Île-de-France;75002;France\r\nADR;TYPE=HOME:;;3 allée des Lilas;Lyon;;69003;France\r\nEMAIL;TYPE=INTERNET:zoe@exemple.fr\r\nEND:VCARD\r\n",
    );
    d.run(&[
        "convert",
        "card.vcf",
        "--to",
        "google-csv",
        "-o",
        "google.csv",
    ])
    .expect(0);
    let run = d
        .run(&[
            "convert",
            "google.csv",
            "--to",
            "vcard",
            "--from",
            "google-csv",
        ])
        .expect(0);
    let card = run.stdout();
    for line in [
        "ORG:Colibrix;Ventes",
        "TITLE:Directrice commerciale",
        "NICKNAME:Zozo",
        "BDAY:1980-03-15",
        "NOTE:Rappeler lundi",
        "URL:https://colibrix.example",
        "ADR;TYPE=WORK:;Bât. B;12 rue de la Paix;Paris;Île-de-France;75002;France",
        "ADR;TYPE=HOME:;;3 allée des Lilas;Lyon;;69003;France",
    ] {
        assert!(card.contains(line), "{line}: {card}");
    }
    assert!(
        !run.stderr().contains("dropped: "),
        "nothing dropped: {}",
        run.stderr()
    );

    d.write(
        "outlook-de.csv",
        "Vorname;Nachname;Firma;Abteilung;Position;Straße geschäftlich;Ort geschäftlich;Postleitzahl geschäftlich;Land/Region geschäftlich;E-Mail-Adresse;Geburtstag;Notizen\r\nJürgen;Groß;Glasfaser GmbH;Vertrieb;Leiter;Hauptstr. 1;Berlin;10115;Deutschland;j@glasfaser.de;15.3.1980;VIP\r\n",
    );
    let run = d
        .run(&["convert", "outlook-de.csv", "--to", "ndjson"])
        .expect(0);
    let out = run.stdout();
    for pair in [
        "\"department\":\"Vertrieb\"",
        "\"title\":\"Leiter\"",
        "\"work_street\":\"Hauptstr. 1\"",
        "\"work_city\":\"Berlin\"",
        "\"work_postal_code\":\"10115\"",
        "\"work_country\":\"Deutschland\"",
        "\"birthday\":\"1980-03-15\"",
        "\"notes\":\"VIP\"",
    ] {
        assert!(out.contains(pair), "{pair}: {out}");
    }
}

/// Without `--report` only the first problems are made and shown (a file of foreign numbers
/// has a warning a record); the rest are counted: the terminal says how many, on one thread
/// and on several, and a report written on another run lists every one.
#[test]
fn without_a_report_the_problems_not_shown_are_still_counted() {
    let d = Dir::new();
    let mut csv = String::from("first_name,last_name,email,phone\n");
    for i in 0..3000 {
        csv.push_str(&format!(
            "Jean{i},Dupont,jean{i}.exemple.fr,+1 415 555 {i:04}\n"
        ));
    }
    let input = d.write("in.csv", csv);
    let convert = |more: &[&str]| {
        let mut args = vec!["convert", s(&input), "--to", "covage", "-o", "out.json"];
        args.extend(more);
        d.run(&args).expect(1)
    };
    for threads in ["1", "2"] {
        let err = convert(&["--threads", threads]).stderr();
        assert_eq!(err.matches("rejected: record").count(), 20, "{err}");
        // A problem a record (the email; the number is valid): 3,000, 20 shown.
        assert!(err.contains("… and 2980 more problems"), "{threads}: {err}");
        assert!(err.contains("read 3000, written 0, rejected 3000"), "{err}");
    }
    convert(&["--report", "r.json"]);
    let r: Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(r["rejects"].as_array().unwrap().len(), 3000);
}
