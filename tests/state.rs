//! End-to-end: `--state`, the nightly sync. The real binary against the real sandbox: a
//! second run with nothing changed sends the target no contact request; changes cost one or
//! two requests each and write only what changed; deletions in the target and contacts gone
//! from the source are reported, never acted on silently; a kill -9 midway loses and doubles
//! nothing; a state is refused against another account.

mod util;
use serde_json::{json, Value};
use std::collections::HashSet;
use util::sandbox::Sandbox;
use util::Dir;

/// `n` Covage contacts, with a landline each.
fn covage_seed(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({"first_name": format!("Prénom{i}"), "last_name": format!("Nom{i}"),
                   "email": format!("user{i}@exemple.fr"), "phone_number": format!("0142{:06}", i),
                   "cell_phone_number": ""})
        })
        .collect()
}

/// The API calls since the last reset made to `prefix` (`/contacts` is Kojo's, `/api/contacts`
/// Covage's): (method, path, body).
fn calls(sb: &Sandbox, prefix: &str) -> Vec<(String, String, Value)> {
    sb.requests()
        .into_iter()
        .filter(|r| r["path"].as_str().unwrap().starts_with(prefix))
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_string(),
                r["path"].as_str().unwrap().to_string(),
                r["body"].clone(),
            )
        })
        .collect()
}

/// Re-seeds the sandbox with its own contacts (ids kept) after `edit`: an edit made in the
/// providers, and the request log cleared.
fn edit(sb: &Sandbox, edit: impl FnOnce(&mut Vec<Value>, &mut Vec<Value>)) {
    let state = sb.state();
    let mut covage = state["covage"].as_array().unwrap().clone();
    let mut kojo = state["kojo"].as_array().unwrap().clone();
    edit(&mut covage, &mut kojo);
    sb.reset(json!(covage), json!(kojo));
}

fn by_email<'a>(list: &'a mut [Value], email: &str) -> &'a mut Value {
    list.iter_mut()
        .find(|c| c["email"] == email)
        .unwrap_or_else(|| panic!("{email} held"))
}

fn report(d: &Dir, name: &str) -> Value {
    serde_json::from_str(&d.read(name)).unwrap()
}

/// Exactly one contact per email, and `n` of them.
fn assert_exactly(list: &Value, n: usize) {
    let emails: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap().to_lowercase())
        .collect();
    let unique: HashSet<_> = emails.iter().collect();
    assert_eq!(unique.len(), emails.len(), "duplicate emails");
    assert_eq!(emails.len(), n, "contact count");
}

const MIGRATE: [&str; 12] = [
    "migrate",
    "covage",
    "kojo",
    "--state",
    "sync.state",
    "--org-name",
    "Acme",
    "--vendor-id",
    "v1",
    "--rate",
    "0",
    "--report",
];

#[test]
fn a_nightly_migration_costs_only_what_changed() {
    let sb = Sandbox::start(&[]);
    sb.reset(json!(covage_seed(40)), json!([]));
    let d = Dir::new();
    let env = sb.env();
    let run = |report: &str, extra: &[&str]| {
        let mut args = MIGRATE.to_vec();
        args.push(report);
        args.extend(extra);
        d.run_env(&args, &env)
    };

    // First run: 40 created, each found missing then created.
    run("r1.json", &[]).expect(0);
    assert_exactly(&sb.state()["kojo"], 40);
    assert_eq!(report(&d, "r1.json")["created"], 40);

    // Second run, nothing changed: not one request to Kojo's contacts.
    edit(&sb, |_, _| {});
    let second = run("r2.json", &[]).expect(0);
    assert_eq!(calls(&sb, "/contacts"), [], "no contact request");
    let r = report(&d, "r2.json");
    assert_eq!(
        (r["unchanged"].as_u64(), r["created"].as_u64()),
        (Some(40), Some(0))
    );
    assert!(
        second.stderr().contains("unchanged 40"),
        "{}",
        second.stderr()
    );

    // 10 changed at the source and 1 new. In Kojo, user0's phone was edited meanwhile: the
    // update of its name leaves it.
    edit(&sb, |covage, kojo| {
        for i in 0..10 {
            by_email(covage, &format!("user{i}@exemple.fr"))["first_name"] =
                json!(format!("Renamed{i}"));
        }
        covage.push(
            json!({"first_name": "Nouveau", "last_name": "Contact", "email": "new@exemple.fr",
                           "phone_number": "0142999999", "cell_phone_number": ""}),
        );
        by_email(kojo, "user0@exemple.fr")["phone"] = json!("+33999999999");
    });
    let plan = run("r3.json", &["--dry-run"]).expect(0);
    let stdout = plan.stdout();
    let mut lines: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with("unchanged"))
        .collect();
    lines.sort();
    assert_eq!(lines.len(), 11, "{}", plan.stdout());
    assert_eq!(lines[0], "create\tnew@exemple.fr");
    assert_eq!(lines[1], "update\tuser0@exemple.fr\tdisplayName");
    assert!(
        plan.stderr().contains("about 12 requests to Kojo"),
        "{}",
        plan.stderr()
    );
    assert_eq!(
        calls(&sb, "/contacts").len(),
        1,
        "a dry run only looks the new one up"
    );

    edit(&sb, |_, _| {});
    run("r3.json", &[]).expect(0);
    let r = report(&d, "r3.json");
    assert_eq!(
        (
            r["updated"].as_u64(),
            r["created"].as_u64(),
            r["unchanged"].as_u64()
        ),
        (Some(10), Some(1), Some(30))
    );
    let sent = calls(&sb, "/contacts");
    let patches: Vec<_> = sent.iter().filter(|(m, _, _)| m == "PATCH").collect();
    assert_eq!(patches.len(), 10);
    for (_, _, body) in &patches {
        assert_eq!(
            body.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["displayName"],
            "{body}"
        );
    }
    // The new contact: looked up, then created. 12 requests for 11 contacts.
    assert_eq!(sent.len(), 12, "{sent:?}");
    let kojo = sb.state()["kojo"].clone();
    assert_exactly(&kojo, 41);
    let user0 = kojo
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "user0@exemple.fr")
        .unwrap();
    assert_eq!(user0["displayName"], "Renamed0 Nom0");
    assert_eq!(user0["phone"], "+33999999999", "the target's edit survives");

    // user1 deleted in Kojo and changed at the source; user2 gone from the source.
    edit(&sb, |covage, kojo| {
        kojo.retain(|c| c["email"] != "user1@exemple.fr");
        by_email(covage, "user1@exemple.fr")["last_name"] = json!("Changed");
        covage.retain(|c| c["email"] != "user2@exemple.fr");
    });
    let plan = run("r4.json", &["--dry-run"]).expect(0);
    assert!(
        plan.stdout().contains("gone\tuser2@exemple.fr")
            && plan
                .stdout()
                .contains("update\tuser1@exemple.fr\tdisplayName"),
        "{}",
        plan.stdout()
    );
    let out = run("r4.json", &[]).expect(0);
    let r = report(&d, "r4.json");
    assert_eq!(
        r["deleted_in_target"][0]["email"], "user1@exemple.fr",
        "{r}"
    );
    assert_eq!(r["gone_from_source"], json!(["user2@exemple.fr"]));
    assert_eq!(r["created"], 0);
    assert!(
        out.stderr().contains("deleted in target: record"),
        "{}",
        out.stderr()
    );
    let kojo = sb.state()["kojo"].clone();
    assert_exactly(&kojo, 40);
    assert!(
        kojo.as_array()
            .unwrap()
            .iter()
            .any(|c| c["email"] == "user2@exemple.fr"),
        "never deleted"
    );

    // Known deleted: said again without a request; --recreate-deleted creates it, once.
    edit(&sb, |_, _| {});
    let plan = run("r5.json", &["--dry-run"]).expect(0);
    assert!(
        plan.stdout().contains("deleted\tuser1@exemple.fr"),
        "{}",
        plan.stdout()
    );
    assert!(
        !plan.stdout().contains("gone"),
        "said once: {}",
        plan.stdout()
    );
    assert_eq!(calls(&sb, "/contacts"), []);
    run("r6.json", &["--recreate-deleted"]).expect(0);
    assert_eq!(report(&d, "r6.json")["created"], 1);
    assert_exactly(&sb.state()["kojo"], 41);
    run("r7.json", &["--recreate-deleted"]).expect(0);
    assert_eq!(report(&d, "r7.json")["created"], 0);
    assert_exactly(&sb.state()["kojo"], 41);
}

#[test]
fn a_covage_target_with_a_state_reads_no_list_and_puts_what_changed() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    let env = sb.env();
    let mut csv = String::from("first_name,last_name,email,phone\n");
    for i in 0..20 {
        csv += &format!("Prénom{i},Nom{i},user{i}@exemple.fr,01 42 00 00 {i:02}\n");
    }
    d.write("in.csv", &csv);
    let import = [
        "import", "covage", "in.csv", "--state", "c.state", "--report", "r.json",
    ];
    d.run_env(&import, &env).expect(0);
    assert_exactly(&sb.state()["covage"], 20);

    edit(&sb, |_, _| {});
    d.run_env(&import, &env).expect(0);
    assert_eq!(calls(&sb, "/api/contacts"), [], "not even the list");

    // user3's last name changes in the file; its mobile was added in Covage meanwhile.
    edit(&sb, |covage, _| {
        by_email(covage, "user3@exemple.fr")["cell_phone_number"] = json!("0699000003");
    });
    d.write("in.csv", csv.replace("Nom3,", "Nouveau,"));
    d.run_env(&import, &env).expect(0);
    let sent = calls(&sb, "/api/contacts");
    let methods: Vec<&str> = sent.iter().map(|(m, _, _)| m.as_str()).collect();
    assert_eq!(methods, ["GET", "PUT"], "{sent:?}");
    assert_eq!(sent[1].2["last_name"], "Nouveau");
    assert_eq!(
        sent[1].2["cell_phone_number"], "0699000003",
        "the target's edit survives"
    );

    // user5 deleted in Covage and changed in the file: its GET answers 404, the list has it
    // not; reported (even with -q), not created again.
    edit(&sb, |covage, _| {
        covage.retain(|c| c["email"] != "user5@exemple.fr");
    });
    d.write(
        "in.csv",
        csv.replace("Nom3,", "Nouveau,").replace("Nom5,", "Autre,"),
    );
    let mut quiet = import.to_vec();
    quiet.push("-q");
    let run = d.run_env(&quiet, &env).expect(0);
    assert!(
        run.stderr().contains("note: 1 deleted in target"),
        "{}",
        run.stderr()
    );
    let r = report(&d, "r.json");
    assert_eq!(
        r["deleted_in_target"][0]["email"], "user5@exemple.fr",
        "{r}"
    );
    assert_exactly(&sb.state()["covage"], 19);
}

#[test]
fn kill_9_midway_with_a_state_then_again_is_exact() {
    let sb = Sandbox::start(&["--latency-ms", "15"]);
    let d = Dir::new();
    let mut csv = String::from("first_name,last_name,email,org_name,vendor_id\n");
    for i in 0..300 {
        csv += &format!("Prénom{i},Nom{i},user{i}@exemple.fr,Acme,v1\n");
    }
    d.write("in.csv", &csv);
    let env = sb.env();
    let args = [
        "import",
        "kojo",
        "in.csv",
        "--state",
        "s.state",
        "--concurrency",
        "4",
        "--rate",
        "0",
        "-q",
    ];
    let mut child = d
        .cmd_env(&args, &env)
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        let n = std::fs::read_to_string(d.path("s.state"))
            .map(|s| s.lines().count().saturating_sub(1))
            .unwrap_or(0);
        if n >= 60 || start.elapsed().as_secs() > 60 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let partial = sb.state()["kojo"].as_array().unwrap().len();
    assert!(partial > 0 && partial < 300, "killed midway: {partial}");

    d.run_env(&args, &env).expect(0);
    assert_exactly(&sb.state()["kojo"], 300);
    // And the state now knows them all: a third run costs nothing.
    edit(&sb, |_, _| {});
    d.run_env(&args, &env).expect(0);
    assert_eq!(calls(&sb, "/contacts"), []);
}

#[test]
fn a_state_is_refused_against_another_account_or_as_a_journal() {
    let sb = Sandbox::start(&[]);
    let d = Dir::new();
    d.write(
        "in.csv",
        "first_name,last_name,email,org_name,vendor_id\nAnn,Lee,ann@exemple.fr,Acme,v1\n",
    );
    let env = sb.env();
    let args = [
        "import", "kojo", "in.csv", "--state", "s.state", "--rate", "0",
    ];
    d.run_env(&args, &env).expect(0);
    let before = std::fs::read(d.path("s.state")).unwrap();

    let mut other = env.clone();
    other.retain(|(k, _)| *k != "KOJO_API_KEY");
    other.push(("KOJO_API_KEY", "another-organisation-key".into()));
    let run = d.run_env(&args, &other).expect(2);
    assert!(
        run.stderr().contains("belongs to another run") && run.stderr().contains("account"),
        "{}",
        run.stderr()
    );
    assert!(
        !run.stderr().contains("another-organisation-key"),
        "no secret shown"
    );

    let run = d
        .run_env(
            &[
                "import",
                "kojo",
                "in.csv",
                "--journal",
                "s.state",
                "--rate",
                "0",
            ],
            &env,
        )
        .expect(2);
    assert!(run.stderr().contains("is a sync state"), "{}", run.stderr());
    assert_eq!(
        std::fs::read(d.path("s.state")).unwrap(),
        before,
        "left untouched"
    );

    let run = d
        .run_env(&["import", "kojo", "in.csv", "--full"], &env)
        .expect(2);
    assert!(run.stderr().contains("--state"), "{}", run.stderr());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.path("s.state"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
