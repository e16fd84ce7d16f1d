//! Validation rules per target. Every problem of a record is reported, not just the first.
//! [`check`] looks at one record; [`OnePerEmail`] is the rule across records a provider keeps
//! (one contact per email), used by `validate --for` and by the sync engine alike, so the two
//! reject the same records with the same words.

use crate::contact::{Contact, Field};
use crate::hints::Hints;
use crate::problem::Problem;
use std::collections::HashMap;

/// A provider's rules: what a record it takes must have. Each provider's module holds its
/// own, named in its format's row of [`crate::format::FORMATS`], so `validate --for` and the
/// page's menu list every provider without a list of their own.
#[derive(Debug)]
pub struct Rules {
    /// Its name for `validate --for`.
    pub name: &'static str,
    /// What it checks, for a menu or a completion.
    pub help: &'static str,
    /// The fields a record must have.
    pub required: &'static [Field],
    /// The reason given for an empty required field (`required by Kojo`).
    pub why: &'static str,
    /// True when its records need a vendor: the org name and vendor id are filled from the
    /// vendor map and the defaults before the rules are checked.
    pub fills_vendor: bool,
}

/// Whose rules a record is checked against (`validate --for`, or the output format): flat
/// files' ([`Target::ANY`]) or a provider's [`Rules`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Target(Option<&'static Rules>);

impl Target {
    /// Flat files: some name, email, company or phone; valid values where present.
    pub const ANY: Target = Target(None);

    /// A provider's rules.
    pub const fn of(rules: &'static Rules) -> Target {
        Target(Some(rules))
    }

    /// The provider's rules, `None` for flat files.
    pub fn rules(self) -> Option<&'static Rules> {
        self.0
    }

    /// True for flat files' rules.
    pub fn is_any(self) -> bool {
        self.0.is_none()
    }

    /// Its name for `validate --for` (`any`, `covage`, `kojo`).
    pub fn name(self) -> &'static str {
        self.0.map_or("any", |r| r.name)
    }
}

impl PartialEq for Target {
    fn eq(&self, other: &Target) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Target {}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        use crate::options::{expected, pick, targets};
        let choices = targets();
        let name = pick(&choices, s)
            .ok_or_else(|| format!("expected {}, got {s:?}", expected(&choices)))?;
        Ok(crate::format::FORMATS
            .iter()
            .map(|f| f.target)
            .find(|t| t.name() == name)
            .unwrap_or(Target::ANY))
    }
}

/// Checks a normalised record against `target`'s rules, adding one [`Problem`] per rule broken.
///
/// Reason "required by Covage" / "required by Kojo": the field is empty, e.g. a Covage record
/// from a one-word display name has no first name. For the org name and vendor id the reason
/// says what supplies them, in the caller's words (`hints`: the CLI's flags, the page's
/// fields).
pub fn check(c: &Contact, target: Target, hints: &Hints, problems: &mut Vec<Problem>) {
    match target.0 {
        // A flat file keeps any contact that says who or what it is: a company with only a
        // phone number (an Outlook row with no person name) is a contact too.
        None => {
            let any = [
                Field::DisplayName,
                Field::Email,
                Field::OrgName,
                Field::Phone,
                Field::Mobile,
            ]
            .iter()
            .any(|&f| !c.get(f).is_empty());
            if !any {
                problems.push(Problem::new(
                    "record",
                    "empty record: no name, email, company or phone",
                    "",
                ));
            }
        }
        Some(rules) => require(c, rules.required, rules.why, hints, problems),
    }
}

fn require(c: &Contact, fields: &[Field], why: &str, hints: &Hints, problems: &mut Vec<Problem>) {
    for &f in fields {
        // An invalid value is already reported by normalisation; do not report it twice.
        if c.get(f).is_empty() && !problems.iter().any(|p| p.field == f.name()) {
            let reason = match f {
                Field::OrgName => format!("{why}: give {} or {}", hints.org_name, hints.vendor_map),
                Field::VendorId => {
                    format!("{why}: give {} or {}", hints.vendor_id, hints.vendor_map)
                }
                _ => why.to_string(),
            };
            problems.push(Problem::new(f.name(), reason, ""));
        }
    }
}

/// A provider keeps one contact per email ([`crate::email::key`]: case, Unicode form and
/// the domain's spelling aside): a second record with an email an earlier one had is rejected,
/// the first one kept. Only records that passed every other rule count as seen, as only they
/// reach a provider.
#[derive(Debug, Default)]
pub struct OnePerEmail {
    first: HashMap<String, u64>,
}

impl OnePerEmail {
    /// Takes record number `record`, with `email` (not empty); the problem when an earlier
    /// record had that email.
    pub fn check(&mut self, email: &str, record: u64) -> Option<Problem> {
        self.check_key(crate::email::key(email), email, record)
    }

    /// True when a record with email key `key` was taken.
    pub fn contains(&self, key: &str) -> bool {
        self.first.contains_key(key)
    }

    /// [`OnePerEmail::check`] for a caller that has the key already.
    pub fn check_key(&mut self, key: String, email: &str, record: u64) -> Option<Problem> {
        use std::collections::hash_map::Entry;
        match self.first.entry(key) {
            Entry::Occupied(first) => Some(Problem::new(
                Field::Email.name(),
                format!(
                    "same email as record {}: one contact per email",
                    first.get()
                ),
                email,
            )),
            Entry::Vacant(v) => {
                v.insert(record);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_record_with_an_email_seen_is_the_one_rejected() {
        let mut rule = OnePerEmail::default();
        assert!(rule.check("Ann@Example.fr", 1).is_none());
        assert!(rule.check("bob@example.fr", 2).is_none());
        let p = rule.check(" ann@EXAMPLE.fr", 5).expect("a duplicate");
        assert_eq!(p.field, "email");
        assert_eq!(p.reason, "same email as record 1: one contact per email");
        assert_eq!(p.value, " ann@EXAMPLE.fr");
        // The first record stays the one named, however many follow.
        let p = rule.check("ann@example.fr", 9).expect("a duplicate");
        assert!(p.reason.contains("record 1:"), "{}", p.reason);
    }

    fn fields(c: &Contact, t: Target) -> Vec<String> {
        let mut p = vec![];
        check(c, t, &Hints::PLAIN, &mut p);
        p.into_iter().map(|p| p.field.into_owned()).collect()
    }

    #[test]
    fn covage_requires_first_last_email() {
        let c = Contact {
            last_name: "Doe".into(),
            ..Default::default()
        };
        assert_eq!(
            fields(&c, crate::Format::Covage.target()),
            ["first_name", "email"]
        );
    }

    #[test]
    fn kojo_requires_vendor_and_says_what_supplies_it_in_the_callers_words() {
        let c = Contact {
            display_name: "John Doe".into(),
            email: "j@d.fr".into(),
            ..Default::default()
        };
        let mut p = vec![];
        check(&c, crate::Format::Kojo.target(), &Hints::PLAIN, &mut p);
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0].reason,
            "required by Kojo: give an org name or a vendor map"
        );
        assert_eq!(
            p[1].reason,
            "required by Kojo: give a vendor id or a vendor map"
        );
        let flags = Hints {
            org_name: "--org-name",
            vendor_map: "--vendor-map",
            ..Hints::PLAIN
        };
        let mut p = vec![];
        check(&c, crate::Format::Kojo.target(), &flags, &mut p);
        assert_eq!(
            p[0].reason,
            "required by Kojo: give --org-name or --vendor-map"
        );
    }

    #[test]
    fn targets_are_named_by_the_formats_table() {
        for (name, want) in [
            ("any", Target::ANY),
            (" Covage", crate::Format::Covage.target()),
            ("KOJO", crate::Format::Kojo.target()),
        ] {
            assert_eq!(name.parse::<Target>().unwrap(), want);
        }
        assert_eq!(crate::Format::Kojo.target().name(), "kojo");
        // Each provider's rules have a name of their own ("any" is flat files').
        let mut names: Vec<&str> = crate::format::FORMATS
            .iter()
            .filter_map(|f| f.target.rules())
            .map(|r| r.name)
            .collect();
        names.dedup();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert!(!names.contains(&"any"));
        assert_eq!(
            "google".parse::<Target>().unwrap_err(),
            "expected any, covage or kojo, got \"google\""
        );
    }

    #[test]
    fn flat_files_need_a_name_an_email_a_company_or_a_phone() {
        assert_eq!(fields(&Contact::default(), Target::ANY), ["record"]);
        for c in [
            Contact {
                email: "j@d.fr".into(),
                ..Default::default()
            },
            Contact {
                org_name: "The Firm".into(),
                ..Default::default()
            },
            Contact {
                phone: "+4983242332".into(),
                ..Default::default()
            },
        ] {
            assert!(fields(&c, Target::ANY).is_empty(), "{c:?}");
        }
    }
}
