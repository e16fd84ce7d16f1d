//! End-to-end: export / import / migrate with the real binary against the real sandbox,
//! with faults injected. Nothing may be lost or duplicated.

mod util;
use serde_json::{json, Value};
use std::collections::HashSet;
use util::sandbox::Sandbox;
use util::{sample, Dir};

/// `n` valid canonical contacts as CSV.
fn contacts_csv(n: usize) -> String {
    let mut s = String::from("first_name,last_name,email,phone,mobile,org_name,vendor_id\n");
    for i in 0..n {
        s.push_str(&format!(
            "Prénom{i},Nom-{i},user{i}@exemple.fr,01 42 84 {:02} {:02},06 99 {:02} {:02} {:02},Org {},v{}\n",
            i / 100,
            i % 100,
            i / 100,
            (i / 10) % 10,
            i % 10,
            i % 7,
            i % 7
        ));
    }
    s
}

fn emails(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap().to_lowercase())
        .collect()
}

fn assert_exactly(list: &Value, n: usize) {
    let e = emails(list);
    let unique: HashSet<_> = e.iter().collect();
    assert_eq!(unique.len(), e.len(), "duplicate emails");
    assert_eq!(e.len(), n, "contact count");
    for i in 0..n {
        assert!(
            unique.contains(&format!("user{i}@exemple.fr")),
            "user{i} missing"
        );
    }
}

fn report(d: &Dir, name: &str) -> Value {
    serde_json::from_str(&d.read(name)).unwrap()
}

#[test]
fn backup_then_restore_covage_in_pages_of_50() {
    let sb = Sandbox::start(&["--page-size", "50"]);
    let seed: Vec<Value> = (0..250)
        .map(|i| json!({"first_name": format!("Prénom{i}"), "last_name": format!("Nom {i}"), "email": format!("user{i}@exemple.fr"),
                        "phone_number": format!("0142{:06}", i), "cell_phone_number": if i % 3 == 0 { String::new() } else { format!("0699{:06}", i) }}))
        .collect();
    sb.reset(json!(seed), json!([]));
    let before = sb.state()["covage"].clone();
    let d = Dir::new();
    let env = sb.env();
    d.run_env(&["export", "covage", "-o", "backup.csv"], &env)
        .expect(0);
    assert_eq!(d.read("backup.csv").lines().count(), 251);
    // Five pages were followed.
    let pages = sb
        .requests()
        .iter()
        .filter(|r| r["path"].as_str().unwrap().starts_with("/api/contacts/"))
        .count();
    assert_eq!(pages, 5);

    sb.reset(json!([]), json!([]));
    d.run_env(
        &["import", "covage", "backup.csv", "--report", "r.json"],
        &env,
    )
    .expect(0);
    let after = sb.state()["covage"].clone();
    let strip = |v: &Value| {
        let mut v: Vec<Value> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let mut c = c.clone();
                c.as_object_mut().unwrap().remove("contact_uuid");
                c
            })
            .collect();
        v.sort_by_key(|c| c["email"].as_str().unwrap().to_string());
        v
    };
    assert_eq!(
        strip(&after),
        strip(&before),
        "restored contacts equal the backed-up ones"
    );
    assert_eq!(report(&d, "r.json")["created"], 250);
}

#[test]
fn faults_into_covage_lose_and_duplicate_nothing() {
    let sb = Sandbox::start(&[
        "--page-size",
        "100",
        "--fail-rate",
        "0.1",
        "--drop-rate",
        "0.05",
    ]);
    let d = Dir::new();
    d.write("in.csv", contacts_csv(500));
    let env = sb.env();
    d.run_env(
        &[
            "import",
            "covage",
            "in.csv",
            "--concurrency",
            "16",
            // A create whose answer was dropped is looked up a request timeout later.
            "--timeout",
            "3",
            "--report",
            "r.json",
        ],
        &env,
    )
    .expect(0);
    assert_exactly(&sb.state()["covage"], 500);
    let r = report(&d, "r.json");
    assert_eq!(r["created"], 500);
    assert_eq!(r["failed"].as_array().unwrap().len(), 0);
    // The faults really happened: 5xx answers and dropped answers (status 0 in the log).
    let log = sb.requests();
    assert!(log.iter().any(|r| r["status"].as_u64().unwrap() >= 500));
    assert!(log.iter().any(|r| r["status"] == 0));

    // A second identical run creates nothing.
    d.run_env(
        &[
            "import",
            "covage",
            "in.csv",
            "--concurrency",
            "16",
            // A create whose answer was dropped is looked up a request timeout later.
            "--timeout",
            "3",
            "--report",
            "r2.json",
        ],
        &env,
    )
    .expect(0);
    let r = report(&d, "r2.json");
    assert_eq!(
        (r["created"].as_u64(), r["unchanged"].as_u64()),
        (Some(0), Some(500))
    );
    assert_exactly(&sb.state()["covage"], 500);
}

#[test]
fn faults_and_429s_into_kojo_lose_and_duplicate_nothing() {
    let sb = Sandbox::start(&[
        "--fail-rate",
        "0.1",
        "--drop-rate",
        "0.05",
        "--kojo-rps",
        "150",
    ]);
    let d = Dir::new();
    d.write("in.csv", contacts_csv(500));
    let env = sb.env();
    // No client-side limit, so the sandbox's limit is hit and its 429s are honoured.
    d.run_env(
        &[
            "import",
            "kojo",
            "in.csv",
            "--concurrency",
            "16",
            // A create whose answer was dropped is looked up a request timeout later.
            "--timeout",
            "3",
            "--rate",
            "0",
            "--report",
            "r.json",
        ],
        &env,
    )
    .expect(0);
    assert_exactly(&sb.state()["kojo"], 500);
    let log = sb.requests();
    assert!(
        log.iter().any(|r| r["status"] == 429),
        "the rate limit was hit"
    );
    assert!(log.iter().any(|r| r["status"] == 0), "answers were dropped");
    assert_eq!(report(&d, "r.json")["created"], 500);

    d.run_env(
        &[
            "import",
            "kojo",
            "in.csv",
            "--concurrency",
            "16",
            // A create whose answer was dropped is looked up a request timeout later.
            "--timeout",
            "3",
            "--rate",
            "0",
            "--report",
            "r2.json",
        ],
        &env,
    )
    .expect(0);
    let r = report(&d, "r2.json");
    assert_eq!(
        (r["created"].as_u64(), r["unchanged"].as_u64()),
        (Some(0), Some(500))
    );
    assert_exactly(&sb.state()["kojo"], 500);
}

#[test]
fn kill_9_halfway_then_resume_with_the_journal() {
    let sb = Sandbox::start(&["--latency-ms", "15"]);
    let d = Dir::new();
    d.write("in.csv", contacts_csv(500));
    let env = sb.env();
    let mut child = d
        .cmd_env(
            &[
                "import",
                "kojo",
                "in.csv",
                "--journal",
                "j.ndjson",
                "--concurrency",
                "4",
                "--rate",
                "0",
                "-q",
            ],
            &env,
        )
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some records are done, then kill -9.
    let start = std::time::Instant::now();
    loop {
        let n = std::fs::read_to_string(d.path("j.ndjson"))
            // Past the journal's owner line.
            .map(|s| s.lines().count().saturating_sub(1))
            .unwrap_or(0);
        if n >= 100 || start.elapsed().as_secs() > 60 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let partial = emails(&sb.state()["kojo"]).len();
    assert!(partial > 0 && partial < 500, "killed halfway: {partial}");

    d.run_env(
        &[
            "import",
            "kojo",
            "in.csv",
            "--journal",
            "j.ndjson",
            "--concurrency",
            "8",
            "--rate",
            "0",
            "--report",
            "r.json",
        ],
        &env,
    )
    .expect(0);
    assert_exactly(&sb.state()["kojo"], 500);
    let r = report(&d, "r.json");
    assert!(r["resumed"].as_u64().unwrap() >= 100, "{r}");
    assert_eq!(
        r["created"].as_u64().unwrap()
            + r["resumed"].as_u64().unwrap()
            + r["unchanged"].as_u64().unwrap(),
        500
    );
}

#[test]
fn migrate_covage_to_kojo_and_back() {
    let sb = Sandbox::start(&[]);
    let covage: Value =
        serde_json::from_str(&std::fs::read_to_string(sample("covage-export.json")).unwrap())
            .unwrap();
    sb.reset(covage.clone(), json!([]));
    let d = Dir::new();
    let env = sb.env();
    let vendors = sample("vendors.csv");
    d.run_env(
        &[
            "migrate",
            "covage",
            "kojo",
            "--vendor-map",
            vendors.to_str().unwrap(),
            "--org-name",
            "Divers",
            "--vendor-id",
            "v-misc",
            "--report",
            "r.json",
        ],
        &env,
    )
    .expect(0);
    let kojo = sb.state()["kojo"].clone();
    assert_eq!(kojo.as_array().unwrap().len(), 30);
    let john = kojo
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["email"] == "john@doe.com")
        .unwrap();
    assert_eq!(john["displayName"], "John Doe");
    assert_eq!(john["phone"], "+262692417900", "mobile first, E.164");
    assert_eq!(john["orgName"], "Divers");
    let r = report(&d, "r.json");
    // John's fixed line (and every fixed line beside a mobile) cannot go to Kojo: counted.
    assert!(r["dropped_fields"]["phone"].as_u64().unwrap() >= 20, "{r}");
    assert_eq!(r["dropped_fields"]["covage_uuid"], 30);

    // And back into an empty Covage, by email.
    let ids: String = emails(&kojo).join("\n");
    d.write("ids.txt", ids);
    sb.reset(json!([]), kojo.clone());
    d.run_env(
        &[
            "migrate",
            "kojo",
            "covage",
            "--ids",
            "ids.txt",
            "--report",
            "back.json",
        ],
        &env,
    )
    .expect(0);
    let back = sb.state()["covage"].clone();
    let john = back
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "john@doe.com")
        .unwrap();
    assert_eq!(
        (john["first_name"].as_str(), john["last_name"].as_str()),
        (Some("John"), Some("Doe"))
    );
    assert_eq!(
        john["cell_phone_number"], "0692417900",
        "a French mobile comes back as the cell, national form"
    );
    assert_eq!(
        john["phone_number"], "",
        "the fixed line was dropped on the way (and counted)"
    );
    let jp = back
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "jp.delatour@alsace-fibre.fr")
        .unwrap();
    assert_eq!(
        jp["phone_number"], "0388142233",
        "a fixed line comes back as the phone"
    );
    assert_eq!(
        (jp["first_name"].as_str(), jp["last_name"].as_str()),
        (Some("Jean-Pierre"), Some("de la Tour"))
    );
    let r = report(&d, "back.json");
    assert_eq!(r["dropped_fields"]["org_name"], 30);
    assert_eq!(r["dropped_fields"]["display_name"], 30);
}

#[test]
fn foreign_numbers_migrate_covage_to_kojo_and_back() {
    // Issue 13: an Italian fixed line (a zero after the country code) was refused, so the
    // contact could be neither backed up nor migrated. Covage holds foreign numbers in E.164
    // (shapes as people type them here); each reaches Kojo and comes back unchanged.
    let numbers = [
        ("it-rome", "+39 06 1234 5678", "+390612345678"),
        ("it-milan", "0039 02 1234 5678", "+390212345678"),
        ("ci", "+225 07 01 23 45 67", "+2250701234567"),
        ("sm", "+378 0549 886377", "+3780549886377"),
        ("gb", "+44 20 7946 0958", "+442079460958"),
        ("fi", "+358 13 3131270", "+358133131270"),
    ];
    let sb = Sandbox::start(&[]);
    let seed: Vec<Value> = numbers
        .iter()
        .map(|(who, raw, _)| {
            json!({"first_name": "Gianni", "last_name": who, "email": format!("{who}@esempio.it"),
                                    "phone_number": raw, "cell_phone_number": ""})
        })
        .collect();
    sb.reset(json!(seed), json!([]));
    let d = Dir::new();
    let env = sb.env();
    let to_kojo = [
        "migrate",
        "covage",
        "kojo",
        "--org-name",
        "Esteri",
        "--vendor-id",
        "v-it",
        "--report",
        "r.json",
    ];
    d.run_env(&to_kojo, &env).expect(0);
    let r = report(&d, "r.json");
    assert_eq!(r["rejected"], 0, "{r}");
    let kojo = sb.state()["kojo"].clone();
    let kojo = kojo.as_array().unwrap();
    assert_eq!(kojo.len(), numbers.len());
    for (who, _, e164) in numbers {
        let k = kojo
            .iter()
            .find(|k| k["email"] == format!("{who}@esempio.it"))
            .unwrap();
        assert_eq!(k["phone"], e164, "{who}");
    }

    let ids: Vec<String> = numbers
        .iter()
        .map(|(who, _, _)| format!("{who}@esempio.it"))
        .collect();
    d.write("ids.txt", ids.join("\n"));
    sb.reset(json!([]), json!(kojo));
    d.run_env(&["migrate", "kojo", "covage", "--ids", "ids.txt"], &env)
        .expect(0);
    let back = sb.state()["covage"].clone();
    for (who, _, e164) in numbers {
        let c = back
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["email"] == format!("{who}@esempio.it"))
            .unwrap();
        assert_eq!(
            c["phone_number"], e164,
            "{who}: a foreign number comes back in E.164"
        );
    }
}

#[test]
fn the_wire_follows_the_docs_and_secrets_stay_secret() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    // Log in with email + password (Covage) and client credentials (Kojo).
    let env = vec![
        ("COVAGE_URL", sb.url.clone()),
        ("KOJO_URL", sb.url.clone()),
        ("COVAGE_EMAIL", "sandbox@covage.test".to_string()),
        ("COVAGE_PASSWORD", "sandbox-password".to_string()),
        ("KOJO_CLIENT_ID", "sandbox-client".to_string()),
        ("KOJO_CLIENT_SECRET", "sandbox-client-secret".to_string()),
    ];
    let vendors = sample("vendors.csv");
    let mut outputs = String::new();
    let contacts = sample("contacts.csv");
    let runs: Vec<Vec<&str>> = vec![
        vec![
            "import",
            "covage",
            contacts.to_str().unwrap(),
            "--report",
            "a.json",
        ],
        vec![
            "import",
            "kojo",
            contacts.to_str().unwrap(),
            "--report",
            "b.json",
        ],
        vec![
            "migrate",
            "covage",
            "kojo",
            "--vendor-map",
            vendors.to_str().unwrap(),
            "--report",
            "c.json",
            "--journal",
            "j",
        ],
    ];
    for args in &runs {
        let run = d.run_env(args, &env);
        assert!(run.code() <= 1, "{}", run.stderr());
        outputs.push_str(&run.stdout());
        outputs.push_str(&run.stderr());
    }
    // Change a Covage contact's phone through a second import: a full PUT.
    let changed = std::fs::read_to_string(&contacts)
        .unwrap()
        .replace("01 30 53 03 96", "01 30 53 03 97");
    d.write("changed.csv", changed);
    d.run_env(
        &["import", "covage", "changed.csv", "--report", "d.json"],
        &env,
    );
    // And a Kojo contact's org name and phone: a PATCH without orgName, a conflict reported.
    let kchanged = std::fs::read_to_string(&contacts)
        .unwrap()
        .replace("Colibrix SAS", "Colibrix Group")
        .replace("06 99 43 78 92", "06 99 43 78 93");
    d.write("kchanged.csv", kchanged);
    let run = d.run_env(
        &["import", "kojo", "kchanged.csv", "--report", "e.json"],
        &env,
    );
    outputs.push_str(&run.stderr());
    for f in ["a.json", "b.json", "c.json", "d.json", "e.json", "j"] {
        outputs.push_str(&d.read(f));
    }
    for secret in ["sandbox-password", "sandbox-client-secret", "eyJ"] {
        assert!(!outputs.contains(secret), "{secret} leaked");
    }
    let e = report(&d, "e.json");
    assert_eq!(e["conflicts"][0]["field"], "orgName", "{e}");

    let log = sb.requests();
    for r in &log {
        let path = r["path"].as_str().unwrap();
        if path.starts_with("/api/") {
            assert!(
                path.split('?').next().unwrap().ends_with('/'),
                "Covage URL without trailing slash: {path}"
            );
            if path != "/api/account/token/" {
                assert_eq!(r["authorization"], "JWT", "{path}");
            }
        } else if path.starts_with("/contacts") {
            assert_eq!(r["authorization"], "Bearer", "{path}");
        }
        assert!(
            !path.contains("token=") && !path.contains("jwt="),
            "no credentials in URLs: {path}"
        );
        if r["method"] == "PUT" {
            let body = r["body"].as_object().unwrap();
            for k in [
                "contact_uuid",
                "first_name",
                "last_name",
                "phone_number",
                "cell_phone_number",
                "email",
            ] {
                assert!(body.contains_key(k), "PUT without {k}");
            }
        }
        if r["method"] == "PATCH" {
            assert!(
                !r["body"].as_object().unwrap().contains_key("orgName"),
                "orgName in a PATCH"
            );
        }
    }
    assert!(log
        .iter()
        .any(|r| r["method"] == "PUT" && r["body"]["phone_number"] == "0130530397"));
    assert!(log
        .iter()
        .any(|r| r["method"] == "PATCH" && r["body"]["phone"] == "+33699437893"));
    assert!(log.iter().any(|r| r["path"] == "/oauth2/token"
        && r["content_type"] == "application/x-www-form-urlencoded"));
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let sb = Sandbox::start(&[]);
    let covage: Value =
        serde_json::from_str(&std::fs::read_to_string(sample("covage-export.json")).unwrap())
            .unwrap();
    sb.reset(json!([covage[0]]), json!([]));
    let d = Dir::new();
    let run = d
        .run_env(
            &[
                "import",
                "covage",
                sample("contacts.csv").to_str().unwrap(),
                "--dry-run",
            ],
            &sb.env(),
        )
        .expect(1);
    let plan = run.stdout();
    assert!(
        plan.contains("create\telodie.martin-durand@orange-business.fr")
            || plan.contains("create\tElodie.Martin-Durand@orange-business.fr"),
        "{plan}"
    );
    assert!(
        plan.contains("unchanged\tpatrick.bousso@colibrix.fr"),
        "{plan}"
    );
    assert!(
        run.stderr()
            .contains("dry run: read 25, rejected 1, created 23, updated 0, unchanged 1"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        sb.state()["covage"].as_array().unwrap().len(),
        1,
        "nothing written"
    );
    assert!(sb.requests().iter().all(|r| r["method"] == "GET"));
}

#[test]
fn unreachable_api_or_bad_credentials_exit_2() {
    let d = Dir::new();
    let env = vec![
        ("COVAGE_URL", "http://127.0.0.1:1".to_string()),
        ("COVAGE_TOKEN", "x".to_string()),
    ];
    let run = d
        .run_env(
            &[
                "import",
                "covage",
                sample("contacts.csv").to_str().unwrap(),
                "--attempts",
                "2",
            ],
            &env,
        )
        .expect(2);
    assert!(
        run.stderr().contains("gave up after 2 attempts"),
        "{}",
        run.stderr()
    );
    let run = d
        .run_env(
            &["export", "covage"],
            &[
                ("COVAGE_URL", "http://example.com".to_string()),
                ("COVAGE_TOKEN", "x".to_string()),
            ],
        )
        .expect(2);
    assert!(run.stderr().contains("not HTTPS"), "{}", run.stderr());
    let sb = Sandbox::start(&[]);
    let mut env = sb.env();
    env[2].1 = "wrong-token".into();
    let run = d.run_env(&["export", "covage"], &env).expect(2);
    assert!(
        run.stderr().contains("authentication failed"),
        "{}",
        run.stderr()
    );
    assert!(!run.stderr().contains("wrong-token"));
    let run = d.run_env(&["export", "covage"], &[]).expect(2);
    assert!(
        run.stderr()
            .contains("set COVAGE_TOKEN, or COVAGE_EMAIL and COVAGE_PASSWORD"),
        "{}",
        run.stderr()
    );
}

#[test]
fn on_existing_skip_leaves_existing_contacts_alone() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    let env = sb.env();
    d.write(
        "in.csv",
        "first_name,last_name,email,phone,org_name,vendor_id\n\
         Ana,Renamed,ana@x.fr,+33142845403,Org,v1\n\
         Bo,New,bo@x.fr,+33142845404,Org,v1\n",
    );
    // Kojo: the existing contact would be PATCHed; with skip it is left as it is.
    sb.reset(
        json!([]),
        json!([{"id": "k1", "displayName": "Ana Old", "email": "ana@x.fr", "orgName": "Org", "vendorId": "v1"}]),
    );
    let args = ["import", "kojo", "in.csv", "--on-existing", "skip"];
    d.run_env(&[&args[..], &["--report", "k.json"]].concat(), &env)
        .expect(0);
    let r = report(&d, "k.json");
    assert_eq!(
        (r["created"].as_u64(), r["skipped"].as_u64()),
        (Some(1), Some(1))
    );
    let kojo = sb.state()["kojo"].clone();
    let ana = kojo
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "ana@x.fr")
        .unwrap();
    assert_eq!(ana["displayName"], "Ana Old");
    assert!(sb.requests().iter().all(|r| r["method"] != "PATCH"));
    // Covage: no PUT either; without skip the same run updates.
    sb.reset(
        json!([{"contact_uuid": "c1", "first_name": "Ana", "last_name": "Old", "email": "ana@x.fr",
                "phone_number": "+33142845403", "cell_phone_number": ""}]),
        json!([]),
    );
    let args = ["import", "covage", "in.csv", "--on-existing", "skip"];
    d.run_env(&[&args[..], &["--report", "c.json"]].concat(), &env)
        .expect(0);
    let r = report(&d, "c.json");
    assert_eq!(
        (r["created"].as_u64(), r["skipped"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(sb.requests().iter().all(|r| r["method"] != "PUT"));
    assert_eq!(sb.state()["covage"][0]["last_name"], "Old");
    d.run_env(&["import", "covage", "in.csv", "--report", "u.json"], &env)
        .expect(0);
    assert_eq!(report(&d, "u.json")["updated"], 1);
    assert_eq!(sb.state()["covage"][0]["last_name"], "Renamed");
}

#[test]
fn export_kojo_by_ids_and_emails() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    let env = sb.env();
    sb.reset(
        json!([]),
        json!([
            {"id": "k1", "displayName": "Ana A", "email": "ana@x.fr", "orgName": "Org", "vendorId": "v1"},
            {"id": "k2", "displayName": "Bo B", "email": "bo@x.fr", "orgName": "Org", "vendorId": "v1"},
            {"id": "k3", "displayName": "Cy C", "email": "cy@x.fr", "orgName": "Org", "vendorId": "v1"}
        ]),
    );
    // Without --ids: Kojo has no list endpoint, and nothing is sent.
    let run = d
        .run_env(&["export", "kojo", "-o", "k.csv"], &env)
        .expect(2);
    assert!(
        run.stderr().contains("export kojo needs --ids FILE"),
        "{}",
        run.stderr()
    );
    assert!(sb.requests().is_empty());
    // An id, an email, one Kojo does not know; comments and blank lines skipped.
    d.write("ids.txt", "# to back up\nk2\n\nana@x.fr\nnobody@x.fr\n");
    let args = ["export", "kojo", "--ids", "ids.txt", "-o", "k.csv"];
    let run = d
        .run_env(&[&args[..], &["--report", "r.json"]].concat(), &env)
        .expect(1);
    let csv = d.read("k.csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    // In the order named.
    assert!(
        lines[1].contains("bo@x.fr") && lines[2].contains("ana@x.fr"),
        "{csv}"
    );
    let r = report(&d, "r.json");
    assert_eq!(r["failed"][0]["email"], "nobody@x.fr");
    assert_eq!(r["failed"][0]["status"], 404);
    assert!(
        run.stderr().contains("exported 2, rejected 0, failed 1"),
        "{}",
        run.stderr()
    );
}

/// Issue 23: `validate --for kojo` rejects exactly what `import kojo` rejects, the rule across
/// records (one contact per email) included, whatever the threads: a file large enough to be
/// cut, with its duplicates in different pieces.
#[test]
fn validate_for_a_provider_rejects_what_import_would() {
    let mut csv = contacts_csv(3000);
    // Record 3001 repeats record 1 in other capitals; 3002 repeats 2999, far from it.
    csv.push_str("Prénom0,Nom-0,USER0@Exemple.FR,,,Org 0,v0\n");
    csv.push_str("Autre,Nom,user2999@exemple.fr,,,Org 1,v1\n");
    let d = Dir::new();
    let file = d.write("contacts.csv", &csv);
    assert!(csv.len() > 2 * 64 * 1024, "large enough to be cut");
    let entries = |name: &str| -> Vec<String> {
        report(&d, name)["rejects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {} {} {}",
                    e["record"], e["line"], e["field"], e["reason"]
                )
            })
            .collect()
    };
    let want = [
        "3001 3002 \"email\" \"same email as record 1: one contact per email\"",
        "3002 3003 \"email\" \"same email as record 3000: one contact per email\"",
    ];
    for threads in ["1", "2"] {
        let run = d
            .run(&[
                "validate",
                file.to_str().unwrap(),
                "--for",
                "kojo",
                "--threads",
                threads,
                "--report",
                "validate.json",
            ])
            .expect(1);
        assert!(
            run.stderr()
                .contains("3000 valid, 2 invalid of 3002 records"),
            "{}",
            run.stderr()
        );
        assert_eq!(entries("validate.json"), want, "--threads {threads}");
    }
    // A flat file may hold two rows with one email: without a provider's rules, all valid.
    d.run(&["validate", file.to_str().unwrap()]).expect(0);

    let sb = Sandbox::start(&[]);
    d.run_env(
        &[
            "import",
            "kojo",
            file.to_str().unwrap(),
            "--report",
            "import.json",
            "--rate",
            "0",
            "--hourly-limit",
            "0",
            "--concurrency",
            "16",
        ],
        &sb.env(),
    )
    .expect(1);
    assert_eq!(entries("import.json"), want);
    assert_exactly(&sb.state()["kojo"], 3000);
}

#[test]
fn without_a_report_an_import_counts_the_problems_it_does_not_show() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    let mut csv = String::from("first_name,last_name,email\n");
    for i in 0..300 {
        csv.push_str(&format!("Jean{i},Dupont,jean{i}.exemple.fr\n"));
    }
    d.write("in.csv", csv);
    let import = |more: &[&str]| {
        let mut args = vec!["import", "covage", "in.csv", "--dry-run"];
        args.extend(more);
        d.run_env(&args, &sb.env()).expect(1)
    };
    let err = import(&[]).stderr();
    assert_eq!(err.matches("rejected: record").count(), 20, "{err}");
    assert!(err.contains("… and 280 more problems"), "{err}");
    assert!(err.contains("read 300, rejected 300"), "{err}");
    import(&["--report", "r.json"]);
    let r: Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(r["rejects"].as_array().unwrap().len(), 300, "{r}");
}
