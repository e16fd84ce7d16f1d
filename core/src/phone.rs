//! Phone numbers: parsed with the `phonenumber` crate (libphonenumber's metadata), kept in E.164.
//!
//! Covage's own examples are French numbers in national form (`0142845403`, and `0692417900`, a
//! Réunion mobile), so a national number that is not valid for the default region is tried
//! against the French overseas departments before it is called invalid.

use phonenumber::country::Id;
use std::str::FromStr;

/// The region a number without a country code is read in (`--default-region`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(Id, [u8; 2]);

impl Region {
    /// France, the default.
    pub const FR: Region = Region(Id::FR, *b"FR");

    /// The ISO 3166 code, e.g. `FR`.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.1).unwrap_or("??")
    }
}

impl Default for Region {
    fn default() -> Self {
        Region::FR
    }
}

impl FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let code = s.trim().to_ascii_uppercase();
        Id::from_str(&code)
            .ok()
            .and_then(|id| Some(Region(id, code.as_bytes().try_into().ok()?)))
            .ok_or(())
            .map_err(|()| {
                format!("unknown region {s:?}: expected an ISO 3166 code such as FR, BE, GB")
            })
    }
}

/// Country codes whose numbers Covage holds in national form ("French numbers"):
/// metropolitan France and the overseas departments that share the `0X` national prefix.
const FRENCH_CODES: [&str; 5] = ["+33", "+262", "+590", "+594", "+596"];

/// Regions tried, in order, for a national number that is not valid in metropolitan France.
const OVERSEAS: [Id; 6] = [Id::RE, Id::GP, Id::MQ, Id::GF, Id::YT, Id::BL];

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneError {
    /// Not a phone number at all (letters, too short, …).
    Unparsable,
    /// Parses, but no such number exists in the numbering plan.
    Invalid(Region),
    /// Carries an extension, which E.164 cannot hold: refused rather than cut off.
    Extension,
}

impl std::fmt::Display for PhoneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PhoneError::Unparsable => f.write_str("not a phone number"),
            PhoneError::Invalid(region) => {
                write!(
                    f,
                    "not a valid phone number (read with default region {})",
                    region.code()
                )
            }
            PhoneError::Extension => f.write_str(
                "has an extension, which E.164 cannot hold (remove it or keep it elsewhere)",
            ),
        }
    }
}

/// Normalises `raw` to E.164 (`+33142845403`). `01 42 84 54 03`, `01.42.84.54.03`,
/// `+33 1 42 84 54 03` and `0033142845403` all give the same answer; an E.164 input is
/// returned unchanged, so normalising is idempotent.
pub fn normalize(raw: &str, region: Region) -> Result<String, PhoneError> {
    let raw = raw.trim();
    let parsed = phonenumber::parse(Some(region.0), raw).map_err(|_| PhoneError::Unparsable)?;
    if parsed.extension().is_some() {
        return Err(PhoneError::Extension);
    }
    if phonenumber::is_valid(&parsed) {
        return Ok(e164(&parsed));
    }
    // A national number (no `+`, no `00`) from a French overseas department.
    if region == Region::FR && raw.starts_with('0') && !raw.starts_with("00") {
        for id in OVERSEAS {
            if let Ok(n) = phonenumber::parse(Some(id), raw) {
                if phonenumber::is_valid(&n) {
                    return Ok(e164(&n));
                }
            }
        }
    }
    Err(PhoneError::Invalid(region))
}

fn e164(n: &phonenumber::PhoneNumber) -> String {
    n.format().mode(phonenumber::Mode::E164).to_string()
}

/// True for a French number, which Covage holds in national form.
pub fn is_french(e164: &str) -> bool {
    FRENCH_CODES.iter().any(|c| e164.starts_with(c))
}

/// The form Covage holds: national (`0142845403`) for French numbers, E.164 for the rest.
pub fn covage_form(e164: &str) -> String {
    for code in FRENCH_CODES {
        if let Some(rest) = e164.strip_prefix(code) {
            return format!("0{rest}");
        }
    }
    e164.to_string()
}

/// True for a French mobile: `+336`, `+337`, and the overseas departments' mobile ranges.
/// Kojo holds one phone; going back to Covage, these fill `cell_phone_number`.
pub fn is_french_mobile(e164: &str) -> bool {
    const MOBILE: [&str; 10] = [
        "+336", "+337", "+262639", "+262692", "+262693", "+590690", "+590691", "+594694",
        "+596696", "+596697",
    ];
    MOBILE.iter().any(|p| e164.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(s: &str) -> Result<String, PhoneError> {
        normalize(s, Region::FR)
    }

    #[test]
    fn french_shapes_normalise_to_e164() {
        for s in [
            "0142845403",
            "01.42.84.54.03",
            "01 42 84 54 03",
            "+33 1 42 84 54 03",
            "0033142845403",
            "+33142845403",
            "(0)1-42-84-54-03",
        ] {
            assert_eq!(n(s).as_deref(), Ok("+33142845403"), "{s}");
        }
        assert_eq!(n("06 99 43 78 92").as_deref(), Ok("+33699437892"));
    }

    #[test]
    fn reunion_mobile_from_covage_docs_is_valid() {
        assert_eq!(n("0692417900").as_deref(), Ok("+262692417900"));
        assert_eq!(covage_form("+262692417900"), "0692417900");
        assert!(is_french_mobile("+262692417900"));
    }

    #[test]
    fn foreign_numbers_keep_their_country() {
        assert_eq!(n("+1 484 569 1493").as_deref(), Ok("+14845691493"));
        assert_eq!(n("+44 20 7946 0958").as_deref(), Ok("+442079460958"));
        assert_eq!(covage_form("+14845691493"), "+14845691493");
    }

    #[test]
    fn other_default_region() {
        let be: Region = "be".parse().unwrap();
        assert_eq!(normalize("02 555 12 12", be).as_deref(), Ok("+3225551212"));
        assert!("XX".parse::<Region>().is_err());
    }

    #[test]
    fn garbage_and_invalid_numbers_are_refused() {
        assert_eq!(n("call me"), Err(PhoneError::Unparsable));
        assert!(n("06123").is_err());
        assert_eq!(n("06 12 34 56"), Err(PhoneError::Invalid(Region::FR)));
    }

    #[test]
    fn extension_is_refused_not_cut() {
        assert_eq!(n("01 42 84 54 03 ext. 12"), Err(PhoneError::Extension));
    }

    #[test]
    fn national_form_and_mobiles() {
        assert_eq!(covage_form("+33142845403"), "0142845403");
        assert!(is_french("+33699437892"));
        assert!(is_french_mobile("+33699437892"));
        assert!(is_french_mobile("+33712345678"));
        assert!(!is_french_mobile("+33142845403"));
        assert!(!is_french_mobile("+447700900123"));
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(digits in "[0-9]{9}", lead in "[0+]", sep in "[ .-]?") {
            let raw = format!("{lead}{}{sep}{}", &digits[..1], &digits[1..]);
            if let Ok(once) = n(&raw) {
                prop_assert_eq!(n(&once), Ok(once.clone()));
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = n(&s);
        }
    }
}
