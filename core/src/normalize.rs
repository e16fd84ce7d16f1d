//! Normalisation: the same record whatever shape it came in. Phones to E.164, emails trimmed
//! with the domain lower-cased, names joined or split, timestamps to RFC 3339.
//!
//! A value that cannot be normalised is left exactly as read and reported as a [`Problem`]:
//! nothing is altered silently.

use crate::contact::{Contact, Field};
use crate::phone::{self, Region, Then};
use crate::problem::Problem;
use crate::{email, name, timestamp};

/// What normalisation did that the field-loss accounting needs to know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Origin {
    /// First and last name were made by splitting the display name.
    pub names_split: bool,
    /// The display name was made by joining first and last name.
    pub display_joined: bool,
}

/// What to do with a phone number that is not valid (`pager`, `+1-555-0123`, a German national
/// number read as French).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidPhone {
    /// Keep it as written, with a warning: a backup keeps what the user had.
    Keep,
    /// Leave the field empty, with a warning.
    Drop,
    /// Reject the record: the providers cannot store a number they cannot dial.
    Reject,
}

impl InvalidPhone {
    /// The default for a target: reject for Covage and Kojo, keep for flat files.
    pub fn default_for(target: crate::rules::Target) -> InvalidPhone {
        match target.is_any() {
            true => InvalidPhone::Keep,
            false => InvalidPhone::Reject,
        }
    }
}

impl std::str::FromStr for InvalidPhone {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        use crate::options::{expected, pick, INVALID_PHONE};
        match pick(&INVALID_PHONE, s) {
            Some("keep") => Ok(InvalidPhone::Keep),
            Some("drop") => Ok(InvalidPhone::Drop),
            Some("reject") => Ok(InvalidPhone::Reject),
            _ => Err(format!(
                "expected {}, got {:?}",
                expected(&INVALID_PHONE),
                s.trim().to_ascii_lowercase()
            )),
        }
    }
}

/// Normalises `c` in place. Invalid values are kept as read and reported in `problems` (an
/// invalid phone as `phones` says; an invalid email is only a warning for a `flat` file);
/// notes (a one-word name, a value kept as written) go to `warnings`.
pub fn normalize(
    c: &mut Contact,
    region: Region,
    phones: InvalidPhone,
    flat: bool,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Origin {
    let mut origin = Origin::default();
    for f in [Field::FirstName, Field::LastName, Field::DisplayName] {
        trim_in_place(c.get_mut(f));
    }

    // Reason `email`: "not a valid email address" (validator crate's HTML5 rules), e.g.
    // `patrick.bousso@` — both providers reject such a contact.
    // In a flat file (`flat`) it is kept as written, with a warning: a backup keeps what the
    // user had, and the address is the only way to reach some contacts.
    if !c.email.is_empty() && !email::normalize_in_place(&mut c.email) {
        if flat {
            warnings.push(Problem::new(
                "email",
                "not a valid email address: kept as written",
                &c.email,
            ));
        } else {
            problems.push(Problem::new("email", "not a valid email address", &c.email));
        }
    }

    for f in [Field::Phone, Field::Mobile] {
        let raw = c.get(f);
        if trim(raw).is_empty() {
            c.get_mut(f).clear();
            continue;
        }
        // Reason `phone`/`mobile`: not a number in libphonenumber's plan for the default
        // region, e.g. `0999999999`; Covage and Kojo store numbers they cannot dial otherwise.
        if let Err(e) = phone::normalize_in_place(c.get_mut(f), region) {
            match phones {
                InvalidPhone::Reject => {
                    problems.push(Problem::new(f.name(), e.reason(Then::Rejected), c.get(f)))
                }
                InvalidPhone::Keep => {
                    warnings.push(Problem::new(f.name(), e.reason(Then::Kept), c.get(f)))
                }
                InvalidPhone::Drop => {
                    warnings.push(Problem::new(f.name(), e.reason(Then::Dropped), c.get(f)));
                    c.get_mut(f).clear();
                }
            }
        }
    }

    // A birthday in the forms exports write it, as one date form (vCard's): `YYYY-MM-DD`, or
    // `--MM-DD` without a year. Outlook's empty date is no birthday; a form not known is kept
    // as written, with a warning.
    if !c.birthday.is_empty() {
        match birthday(&c.birthday) {
            Some(d) => c.birthday = d,
            None if matches!(c.birthday.trim(), "0/0/00" | "0.0.00" | "00.00.0000") => {
                c.birthday.clear()
            }
            None => warnings.push(Problem::new(
                "birthday",
                "not a date in a form contactport reads (YYYY-MM-DD, --MM-DD, DD.MM.YYYY): kept as written",
                &c.birthday,
            )),
        }
    }

    // The other e-mails and phones: each in canonical form when it can be, else as written
    // (said in a file, where they are kept; Covage and Kojo hold none of them).
    for (f, is_phone) in [(Field::OtherEmails, false), (Field::OtherPhones, true)] {
        if c.get(f).is_empty() {
            continue;
        }
        let mut parts: Vec<String> = Vec::new();
        for part in c.get(f).split(crate::contact::OTHER_SEP) {
            let mut v = part.trim().to_string();
            let ok = if is_phone {
                phone::normalize_in_place(&mut v, region).is_ok()
            } else {
                email::normalize_in_place(&mut v)
            };
            if !ok && flat {
                warnings.push(Problem::new(
                    f.name(),
                    if is_phone {
                        "not a valid phone number: kept as written"
                    } else {
                        "not a valid email address: kept as written"
                    },
                    part,
                ));
            }
            if !v.is_empty() && !parts.contains(&v) {
                parts.push(v);
            }
        }
        *c.get_mut(f) = parts.join(crate::contact::OTHER_SEP);
    }

    for f in [Field::CreatedAt, Field::UpdatedAt] {
        let raw = c.get(f);
        if raw.is_empty() {
            continue;
        }
        match timestamp::normalize(raw) {
            Some(t) => *c.get_mut(f) = t,
            None => problems.push(Problem::new(
                f.name(),
                "not a timestamp (expected RFC 3339, e.g. 2021-02-18T20:52:55.395Z)",
                raw,
            )),
        }
    }

    if c.first_name.is_empty() && c.last_name.is_empty() && !c.display_name.is_empty() {
        let s = name::split(&c.display_name);
        if s.one_word {
            warnings.push(Problem::new(
                "display_name",
                "one-word name: kept as the last name, first name left empty",
                &c.display_name,
            ));
        }
        c.first_name = s.first.to_string();
        c.last_name = s.last.to_string();
        origin.names_split = true;
    } else if c.display_name.is_empty() && !(c.first_name.is_empty() && c.last_name.is_empty()) {
        c.display_name = name::join(&c.first_name, &c.last_name);
        origin.display_joined = true;
    }
    origin
}

/// `s.trim()`, the common case (a printable ASCII byte at both ends, so no space to cut) decided
/// on two bytes instead of decoding characters: it runs on several fields of every record.
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if (b'!'..=b'~').contains(a) && (b'!'..=b'~').contains(z) => s,
        _ => s.trim(),
    }
}

fn trim_in_place(s: &mut String) {
    let t = trim(s);
    if t.len() != s.len() {
        *s = t.to_string();
    }
}

/// A birthday as `YYYY-MM-DD`, or `--MM-DD` when it has no year, from the forms exports write:
/// ISO 8601 (`1980-03-15`, `19800315`, a time after it), vCard's `--03-15` / `--0315`, and the
/// dotted day-first form of European Outlooks (`15.3.1980`). `None` for any other form
/// (`3/15/1980` could be either order).
pub fn birthday(s: &str) -> Option<String> {
    let s = s.trim();
    let date = |y: Option<&str>, m: &str, d: &str| {
        let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        Some(match y {
            Some(y) if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) => {
                format!("{y}-{m:02}-{d:02}")
            }
            Some(_) => return None,
            None => format!("--{m:02}-{d:02}"),
        })
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if let Some(md) = s.strip_prefix("--") {
        let md = md.replace('-', "");
        return (md.len() == 4 && digits(&md))
            .then(|| date(None, &md[..2], &md[2..]))
            .flatten();
    }
    let day = s.split(['T', ' ']).next().unwrap_or(s);
    if day.len() == 8 && digits(day) {
        return date(Some(&day[..4]), &day[4..6], &day[6..]);
    }
    let parts: Vec<&str> = day.split('-').collect();
    if let [y, m, d] = parts[..] {
        if y.len() == 4 && digits(m) && digits(d) {
            return date(Some(y), m, d);
        }
    }
    let parts: Vec<&str> = day.split('.').collect();
    if let [d, m, y] = parts[..] {
        if digits(d) && digits(m) && y.len() == 4 {
            return date(Some(y), m, d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mut c: Contact) -> (Contact, Origin, Vec<Problem>, Vec<Problem>) {
        let (mut p, mut w) = (vec![], vec![]);
        let o = normalize(
            &mut c,
            Region::FR,
            InvalidPhone::Reject,
            false,
            &mut p,
            &mut w,
        );
        (c, o, p, w)
    }

    #[test]
    fn trim_is_str_trim() {
        for s in [
            "",
            " ",
            "a",
            " a ",
            "\u{a0}é\u{a0}",
            "a\t",
            "\u{2003}x",
            "x\u{85}",
            "~",
            "é",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn display_name_is_first_space_last() {
        let (c, o, p, _) = run(Contact {
            first_name: "Élodie".into(),
            last_name: "Martin-Durand".into(),
            ..Default::default()
        });
        assert_eq!(c.display_name, "Élodie Martin-Durand");
        assert!(o.display_joined && p.is_empty());
    }

    #[test]
    fn display_name_is_split_when_names_are_missing() {
        let (c, o, _, w) = run(Contact {
            display_name: "Jean-Pierre de la Tour".into(),
            ..Default::default()
        });
        assert_eq!(
            (c.first_name.as_str(), c.last_name.as_str()),
            ("Jean-Pierre", "de la Tour")
        );
        assert!(o.names_split && w.is_empty());
    }

    #[test]
    fn one_word_name_warns() {
        let (c, _, p, w) = run(Contact {
            display_name: "Zoé".into(),
            ..Default::default()
        });
        assert_eq!(c.last_name, "Zoé");
        assert!(p.is_empty());
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].field, "display_name");
    }

    #[test]
    fn invalid_values_are_kept_and_every_problem_reported() {
        let (c, _, p, _) = run(Contact {
            email: "bad@".into(),
            phone: "12".into(),
            mobile: "not a phone".into(),
            created_at: "soon".into(),
            ..Default::default()
        });
        let fields: Vec<_> = p.iter().map(|p| &*p.field).collect();
        assert_eq!(fields, ["email", "phone", "mobile", "created_at"]);
        assert_eq!(c.phone, "12");
        assert_eq!(p[1].value, "12");
    }

    #[test]
    fn phones_and_email_normalise() {
        let (c, _, p, _) = run(Contact {
            email: " John@Doe.COM ".into(),
            phone: "01.42.84.54.03".into(),
            mobile: "06 99 43 78 92".into(),
            ..Default::default()
        });
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.email, "John@doe.com");
        assert_eq!(c.phone, "+33142845403");
        assert_eq!(c.mobile, "+33699437892");
    }

    #[test]
    fn birthdays_in_the_forms_exports_write() {
        for (given, want) in [
            ("1980-03-15", Some("1980-03-15")),
            ("19800315", Some("1980-03-15")),
            ("1980-03-15T00:00:00Z", Some("1980-03-15")),
            ("--03-15", Some("--03-15")),
            ("--0315", Some("--03-15")),
            ("15.3.1980", Some("1980-03-15")),
            ("3/15/1980", None),
            ("1980-13-01", None),
            ("soon", None),
        ] {
            assert_eq!(birthday(given).as_deref(), want, "{given}");
        }
    }
}
