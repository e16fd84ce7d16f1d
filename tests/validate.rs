//! End-to-end: `contactport validate`.

mod util;
use serde_json::Value;
use util::{sample, Dir};

#[test]
fn lists_every_problem_of_every_record() {
    let d = Dir::new();
    let run = d
        .run(&[
            "validate",
            sample("bad-records.csv").to_str().unwrap(),
            "--for",
            "covage",
            "--report",
            "r.json",
        ])
        .expect(1);
    let err = run.stderr();
    assert!(
        err.contains("record 2 (line 3, field: last_name): required by Covage"),
        "{err}"
    );
    assert!(err.contains("record 2 (line 3, field: email): not a valid email address [value: \"marie@@colibrix.fr\"]"), "{err}");
    assert!(
        err.contains("record 3 (line 4, field: phone): not a phone number"),
        "{err}"
    );
    assert!(err.contains("record 3 (line 4, field: mobile)"), "{err}");
    assert!(err.contains("1 valid, 7 invalid of 8 records"), "{err}");
    assert_eq!(run.stdout(), "", "validate writes no records");
    let report: Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(report["rejected"], 7);
}

#[test]
fn valid_file_exits_0() {
    let d = Dir::new();
    d.run(&[
        "validate",
        sample("covage-export.json").to_str().unwrap(),
        "--for",
        "covage",
    ])
    .expect(0);
}

#[test]
fn kojo_rules_need_a_vendor() {
    let d = Dir::new();
    let covage = sample("covage-export.json");
    let run = d
        .run(&["validate", covage.to_str().unwrap(), "--for", "kojo"])
        .expect(1);
    assert!(run
        .stderr()
        .contains("field: vendor_id): required by Kojo: give --vendor-id or --vendor-map"));
    d.run(&[
        "validate",
        covage.to_str().unwrap(),
        "--for",
        "kojo",
        "--org-name",
        "X",
        "--vendor-id",
        "v1",
    ])
    .expect(0);
}
