//! Every value a user gives a conversion, with its names and its parser: the CLI's flags and
//! the page's fields both parse through here, so the two accept the same spellings and say
//! the same thing about a wrong one. A choice's names come from the table that defines it
//! ([`crate::format::FORMATS`], the enums' `NAMES`), so help, menus, shell completions and
//! error messages cannot go stale. Messages name no flag: the caller says which one.

use crate::contact::Field;
use crate::format::vcard::Version;
use crate::format::FORMATS;

/// A name a user may give for a choice, and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The name.
    pub name: &'static str,
    /// Other spellings taken for it (not offered).
    pub aliases: &'static [&'static str],
    /// What it means, for a menu or a completion.
    pub help: &'static str,
}

/// The formats, from [`FORMATS`].
pub fn formats() -> Vec<Choice> {
    FORMATS
        .iter()
        .map(|f| Choice {
            name: f.name,
            aliases: f.aliases,
            help: f.label,
        })
        .collect()
}

/// Whose rules `validate` checks (`crate::Target`): flat files', then each provider's, from
/// the rows of [`FORMATS`] that name a provider's rules.
pub fn targets() -> Vec<Choice> {
    let mut all = vec![choice(
        "any",
        "flat files: a name, an email, a company or a phone",
    )];
    for rules in FORMATS.iter().filter_map(|f| f.target.rules()) {
        if !all.iter().any(|c| c.name == rules.name) {
            all.push(choice(rules.name, rules.help));
        }
    }
    all
}

/// Which number Kojo's one phone takes (`crate::KojoPhone`).
pub const KOJO_PHONE: [Choice; 2] = [
    choice("mobile-first", "the mobile, else the fixed line"),
    choice("fixed-first", "the fixed line, else the mobile"),
];

/// What becomes of an invalid phone number (`crate::normalize::InvalidPhone`).
pub const INVALID_PHONE: [Choice; 3] = [
    choice("keep", "kept as written, with a warning"),
    choice("drop", "left out, with a warning"),
    choice("reject", "the record rejected"),
];

/// The vCard versions written.
pub const VCARD_VERSIONS: [Choice; 2] = [
    Choice {
        name: "3",
        aliases: &["3.0"],
        help: "vCard 3.0, what phones import",
    },
    Choice {
        name: "4",
        aliases: &["4.0"],
        help: "vCard 4.0",
    },
];

const fn choice(name: &'static str, help: &'static str) -> Choice {
    Choice {
        name,
        aliases: &[],
        help,
    }
}

/// "a, b or c": the names of `choices`, for a message.
pub fn expected(choices: &[Choice]) -> String {
    let names: Vec<&str> = choices.iter().map(|c| c.name).collect();
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The choice `s` names (case and surrounding spaces aside), by name or alias.
pub fn pick(choices: &[Choice], s: &str) -> Option<&'static str> {
    let s = s.trim();
    choices
        .iter()
        .find(|c| {
            c.name.eq_ignore_ascii_case(s) || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(s))
        })
        .map(|c| c.name)
}

/// A CSV delimiter: one ASCII character, or `tab` / `\t`.
pub fn delimiter(s: &str) -> Result<u8, String> {
    match s {
        "\\t" | "tab" | "TAB" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!("expected one ASCII character, got {s:?}")),
    }
}

/// The bounds of the largest record read, in bytes.
pub const RECORD_BYTES: std::ops::RangeInclusive<usize> = 64..=1 << 30;

/// The largest record read, in bytes ([`RECORD_BYTES`]).
pub fn record_bytes(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if RECORD_BYTES.contains(&n) => Ok(n),
        Ok(_) => Err(format!(
            "expected a number of bytes from {} to {}",
            RECORD_BYTES.start(),
            RECORD_BYTES.end()
        )),
        Err(e) => Err(format!("not a number: {e}")),
    }
}

/// The vCard version written ([`VCARD_VERSIONS`]).
pub fn vcard_version(s: &str) -> Result<Version, String> {
    match pick(&VCARD_VERSIONS, s) {
        Some("3") => Ok(Version::V3),
        Some(_) => Ok(Version::V4),
        None => Err(format!(
            "expected {}, got {:?}",
            expected(&VCARD_VERSIONS),
            s.trim()
        )),
    }
}

/// The field a user's column is mapped to: a field's name, or `-` (or nothing) to drop the
/// column. The message of a name that is none lists every field.
pub fn mapped_field(name: &str) -> Result<Option<Field>, String> {
    match name.trim() {
        "-" | "" => Ok(None),
        f => Field::from_name(f).map(Some).ok_or_else(|| {
            // The list is the record's own: it cannot go stale.
            let all: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
            format!("{f:?} is not a field ({}, or - to drop)", all.join(", "))
        }),
    }
}

/// One `COLUMN=FIELD` pair of a column mapping (the last `=` splits: a column's name may hold
/// one).
pub fn column_pair(pair: &str) -> Result<(String, Option<Field>), String> {
    let (column, field) = pair
        .rsplit_once('=')
        .ok_or_else(|| format!("{pair:?}: expected COLUMN=FIELD"))?;
    let field = mapped_field(field).map_err(|e| format!("{pair:?}: {e}"))?;
    Ok((column.trim().to_string(), field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_a_table_offers_parses_back_to_it() {
        for c in formats() {
            let f: crate::Format = c.name.parse().unwrap();
            assert_eq!(f.name(), c.name);
            for a in c.aliases {
                assert_eq!(a.parse::<crate::Format>().unwrap(), f);
            }
        }
        for c in targets() {
            c.name.parse::<crate::Target>().unwrap();
        }
        for c in KOJO_PHONE {
            c.name.parse::<crate::KojoPhone>().unwrap();
        }
        for c in INVALID_PHONE {
            c.name.parse::<crate::normalize::InvalidPhone>().unwrap();
        }
        for c in VCARD_VERSIONS {
            vcard_version(c.name).unwrap();
        }
    }

    #[test]
    fn wrong_values_are_told_what_is_expected() {
        assert_eq!(
            "xml".parse::<crate::Format>().unwrap_err().to_string(),
            "unknown format \"xml\": expected csv, json, ndjson, covage, kojo, google-csv, outlook-csv or vcard"
        );
        assert_eq!(
            vcard_version("2.1").unwrap_err(),
            "expected 3 or 4, got \"2.1\""
        );
        assert_eq!(vcard_version(" 4.0 ").unwrap(), Version::V4);
        assert_eq!(delimiter("tab").unwrap(), b'\t');
        assert!(delimiter(";;").is_err());
        assert!(record_bytes("63")
            .unwrap_err()
            .contains("from 64 to 1073741824"));
        let e = column_pair("Tel=telephone").unwrap_err();
        assert!(
            e.starts_with("\"Tel=telephone\": \"telephone\" is not a field (first_name,"),
            "{e}"
        );
        assert!(e.contains("other_phones"), "every field listed: {e}");
        assert_eq!(
            column_pair("A=B = email ").unwrap(),
            ("A=B".to_string(), Some(Field::Email))
        );
        assert_eq!(column_pair("Notes=-").unwrap(), ("Notes".into(), None));
    }
}
