//! Covage's wire type (a contact exactly as `GET /api/contacts/` returns it) and its number
//! form: national for French numbers, E.164 for the rest.

use crate::nullable;
use serde::{Deserialize, Serialize};

/// A Covage contact. The docs' table calls `phone_number` a "dictionary" and `email` an
/// "endpoint list", but every example (and the wire) carries plain strings; `null` reads as empty.
/// PUT needs the full object, so every field is always written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CovageContact {
    /// Assigned by Covage; absent on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_uuid: Option<String>,
    /// First name.
    #[serde(default, deserialize_with = "nullable")]
    pub first_name: String,
    /// Last name.
    #[serde(default, deserialize_with = "nullable")]
    pub last_name: String,
    /// Fixed line, national form for French numbers (`0142845403`).
    #[serde(default, deserialize_with = "nullable")]
    pub phone_number: String,
    /// Mobile, national form for French numbers.
    #[serde(default, deserialize_with = "nullable")]
    pub cell_phone_number: String,
    /// Email.
    #[serde(default, deserialize_with = "nullable")]
    pub email: String,
}

/// Country codes whose numbers Covage holds in national form ("French numbers"):
/// metropolitan France and the overseas departments that share the `0X` national prefix.
const FRENCH_CODES: [&str; 5] = ["+33", "+262", "+590", "+594", "+596"];

/// The form Covage holds: national (`0142845403`) for French numbers, E.164 for the rest.
pub fn covage_form(e164: &str) -> String {
    match national_rest(e164) {
        Some(rest) => format!("0{rest}"),
        None => e164.to_string(),
    }
}

/// For a French number, the digits after its country code (national form is `0` then these).
pub fn national_rest(e164: &str) -> Option<&str> {
    FRENCH_CODES.iter().find_map(|code| e164.strip_prefix(code))
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

    #[test]
    fn french_numbers_in_national_form_the_rest_in_e164() {
        assert_eq!(covage_form("+33142845403"), "0142845403");
        assert_eq!(covage_form("+262692417900"), "0692417900");
        assert_eq!(covage_form("+14845691493"), "+14845691493");
        assert!(is_french_mobile("+262692417900"));
        assert!(is_french_mobile("+33699437892"));
        assert!(is_french_mobile("+33712345678"));
        assert!(!is_french_mobile("+33142845403"));
        assert!(!is_french_mobile("+447700900123"));
    }
}
