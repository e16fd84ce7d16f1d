//! End-to-end: `contactport completions` and `contactport man`, as the README installs them.

mod util;
use std::process::Command;
use util::Dir;

/// Every command and every format name, from the tables the binary reads.
fn names() -> Vec<String> {
    let mut names: Vec<String> = [
        "convert", "validate", "export", "import", "migrate", "sandbox",
    ]
    .map(String::from)
    .into();
    names.extend(
        contactport_core::options::formats()
            .into_iter()
            .map(|c| c.name.to_string()),
    );
    names
}

#[test]
fn completions_offer_every_command_and_format_in_each_shell() {
    let d = Dir::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = d.run(&["completions", shell]).expect(0);
        let script = run.stdout();
        // PowerShell's and Elvish's scripts complete commands and flags, not values.
        let values = matches!(shell, "bash" | "zsh" | "fish");
        for n in names()
            .into_iter()
            .take(if values { usize::MAX } else { 6 })
        {
            assert!(script.contains(&n), "{shell}: {n} missing");
        }
        assert!(script.contains("vcard-version"), "{shell}");
    }
    // The bash script loads, and completes a format after --to.
    let script = d.write(
        "contactport.bash",
        d.run(&["completions", "bash"]).expect(0).stdout(),
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(contactport convert --to o); COMP_CWORD=3; \
             _contactport contactport o --to; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "outlook-csv");
    d.run(&["completions", "tcsh"]).expect(2);
}

#[test]
fn man_pages_cover_every_command() {
    let d = Dir::new();
    let page = d.run(&["man"]).expect(0).stdout();
    assert!(
        page.starts_with(".ie") || page.contains(".TH contactport 1"),
        "{page}"
    );
    d.run(&["man", "--dir", "pages"]).expect(0);
    for cmd in [
        "convert", "validate", "export", "import", "migrate", "sandbox",
    ] {
        let page = d.read(&format!("pages/contactport-{cmd}.1"));
        assert!(page.contains(&format!(".TH contactport-{cmd} 1")), "{cmd}");
    }
    // roff writes a hyphen as `\-`.
    let convert = d.read("pages/contactport-convert.1").replace("\\-", "-");
    for n in names().iter().skip(6) {
        assert!(
            convert.contains(n.as_str()),
            "{n} missing from convert's page"
        );
    }
}

#[test]
fn the_help_names_every_field_and_format_from_the_tables() {
    let d = Dir::new();
    let help = d.run(&["convert", "--help"]).expect(0).stdout();
    // Joined: the terminal width folds the lists.
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for f in contactport_core::Field::ALL {
        assert!(flat.contains(f.name()), "{} missing", f.name());
    }
    for c in contactport_core::options::formats() {
        assert!(flat.contains(c.name), "{} missing", c.name);
    }
}

#[test]
fn the_provider_commands_help_names_every_provider_from_its_row() {
    let d = Dir::new();
    for cmd in ["export", "import", "migrate"] {
        let help = d.run(&[cmd, "--help"]).expect(0).stdout();
        let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for k in contactport_providers::PROVIDERS {
            // Its name among the values, where its credentials come from, and its limits
            // as `--rate` and `--hourly-limit` default to them.
            assert!(
                flat.contains(&format!("{}: {}", k.name, k.about)),
                "{cmd}: {}",
                k.name
            );
            assert!(
                flat.contains(&format!("{}: {}", k.name, k.credentials)),
                "{cmd}: {}",
                k.name
            );
            let rate = match k.limits.rate {
                r if r > 0.0 => format!("{r} for {}", k.name),
                _ => format!("none for {}", k.name),
            };
            assert!(flat.contains(&rate), "{cmd}: {rate} missing");
            let hour = match k.limits.per_hour {
                0 => format!("none for {}", k.name),
                n => format!("{n} for {}", k.name),
            };
            assert!(flat.contains(&hour), "{cmd}: {hour} missing");
        }
    }
    // A provider's own variables, as its client reads them.
    let import = d.run(&["import", "--help"]).expect(0).stdout();
    for var in [
        "COVAGE_TOKEN",
        "COVAGE_PASSWORD",
        "KOJO_API_KEY",
        "KOJO_CLIENT_SECRET",
    ] {
        assert!(import.contains(var), "{var} missing");
    }
}
