//! Covage, all core knows of it: its wire type (a contact exactly as `GET /api/contacts/`
//! returns it), its number form (national for French numbers, E.164 for the rest), the mapping
//! to and from [`Contact`], its JSON writer, its rules and its row of
//! [`crate::format::FORMATS`] ([`FORMAT`]).

use crate::contact::{Contact, Field};
use crate::format::json_write::Object;
use crate::format::{Format, JsonRecord, Shape, Spec};
use crate::rules::{Rules, Target};
use crate::{nullable, nullable_text};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

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

/// A [`CovageContact`] as it lies in the input, its strings borrowed where they have no
/// escape: read into a record that is reused, an element costs no allocation. The same keys,
/// defaults and messages as [`CovageContact`]'s (`null` reads as empty in both).
#[derive(Deserialize)]
#[serde(expecting = "struct CovageContact")]
pub(crate) struct CovageRef<'a> {
    #[serde(default, borrow, deserialize_with = "nullable_text")]
    contact_uuid: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "nullable_text")]
    first_name: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "nullable_text")]
    last_name: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "nullable_text")]
    phone_number: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "nullable_text")]
    cell_phone_number: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "nullable_text")]
    email: Cow<'a, str>,
}

impl CovageRef<'_> {
    /// Into `c` (emptied before), as [`from_covage`] maps a [`CovageContact`].
    pub(crate) fn fill(&self, c: &mut Contact) {
        c.get_mut(ID).push_str(&self.contact_uuid);
        c.first_name.push_str(&self.first_name);
        c.last_name.push_str(&self.last_name);
        c.phone.push_str(&self.phone_number);
        c.mobile.push_str(&self.cell_phone_number);
        c.email.push_str(&self.email);
    }
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

/// Covage's required fields: its contact form and the PUT "information in full" note.
pub const RULES: Rules = Rules {
    name: "covage",
    help: "Covage's rules, one contact per email",
    required: &[Field::FirstName, Field::LastName, Field::Email],
    why: "required by Covage",
    fills_vendor: false,
};

/// Covage's row of [`crate::format::FORMATS`]: a JSON array of its contacts.
pub const FORMAT: Spec = Spec {
    format: Format::Covage,
    name: "covage",
    aliases: &[],
    label: "Covage contacts (JSON, as its API returns them)",
    extension: "json",
    chosen_by: &[],
    shape: Shape::JsonArray,
    target: Target::of(&RULES),
    holds: |f| {
        use Field::*;
        matches!(f, FirstName | LastName | Email | Phone | Mobile) || f == ID
    },
    also_drops: None,
    json: Some(JsonRecord {
        kind: "Covage",
        keys: &["contact_uuid", "phone_number", "cell_phone_number"],
        read: |el, c, _| {
            crate::format::json_read::parse::<CovageRef>(el)?.fill(c);
            Ok(())
        },
        write: |out, c, _| write_json(out, c),
    }),
    id: Some("covage_uuid"),
};

/// The record's field that holds Covage's `contact_uuid`.
pub const ID: Field = match Field::id(Format::Covage) {
    Some(f) => f,
    None => panic!("Covage's row names its id"),
};

/// A Covage contact as a canonical record (values as read; [`crate::normalize()`] follows).
pub fn from_covage(w: CovageContact, c: &mut Contact) {
    *c.get_mut(ID) = w.contact_uuid.unwrap_or_default();
    c.first_name = w.first_name;
    c.last_name = w.last_name;
    c.phone = w.phone_number;
    c.mobile = w.cell_phone_number;
    c.email = w.email;
}

/// The Covage contact for a normalised record: French numbers in national form.
pub fn to_covage(c: &Contact) -> CovageContact {
    let uuid = c.get(ID);
    CovageContact {
        contact_uuid: (!uuid.is_empty()).then(|| uuid.to_string()),
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        phone_number: covage_form(&c.phone),
        cell_phone_number: covage_form(&c.mobile),
        email: c.email.clone(),
    }
}

/// The Covage contact for a normalised record, as `serde_json` writes [`to_covage`]'s
/// answer, without building it (no copy of any field).
pub(crate) fn write_json(out: &mut Vec<u8>, c: &Contact) {
    let mut o = Object::new(out);
    let uuid = c.get(ID);
    if !uuid.is_empty() {
        o.member("contact_uuid", uuid);
    }
    o.member("first_name", &c.first_name);
    o.member("last_name", &c.last_name);
    for (key, number) in [("phone_number", &c.phone), ("cell_phone_number", &c.mobile)] {
        match national_rest(number) {
            // A French number in national form: `0` then the digits after the country code.
            Some(rest) => {
                o.key(key);
                o.out.extend_from_slice(b"\"0");
                o.out.extend_from_slice(rest.as_bytes());
                o.out.push(b'"');
            }
            None => o.member(key, number),
        }
    }
    o.member("email", &c.email);
    o.end();
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Straight from the record, with French, overseas and foreign numbers.
        #[test]
        fn written_as_serde_json_writes_to_covage(v in proptest::collection::vec(crate::format::json_write::tests::text(), Field::ALL.len()), numbers in (0..6usize, 0..6usize)) {
            let mut c = Contact::default();
            for (f, s) in Field::ALL.iter().zip(&v) {
                *c.get_mut(*f) = s.clone();
            }
            let n = ["+33142845403", "+262692417900", "+14845691493", "", "+590590123456", "+33"];
            c.phone = n[numbers.0].to_string();
            c.mobile = n[numbers.1].to_string();
            let mut out = vec![];
            write_json(&mut out, &c);
            prop_assert_eq!(&out, &serde_json::to_vec(&to_covage(&c)).unwrap());
        }
    }

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

    /// The borrowed reader answers as the owned type does: values, nulls, escapes, missing
    /// keys, and the same message for what is not a contact.
    #[test]
    fn the_borrowed_reader_reads_and_refuses_as_the_owned_type() {
        for el in [
            r#"{"contact_uuid":"i9usbs1j","first_name":"John","last_name":"Doe","phone_number":"0142845403","cell_phone_number":"0692417900","email":"john@doe.com"}"#,
            r#"{"first_name":null,"last_name":"D\u00e9j\u00e0 \"vu\"","email":"a@b.fr","contact_uuid":null}"#,
            r#"{"email":"a@b.fr","extra":[1,2,{"x":null}]}"#,
            r#"{}"#,
            r#"{"first_name":5}"#,
            r#"{"contact_uuid":5}"#,
            r#"{"email":["a"]}"#,
            r#"{"email":"a","email":"b"}"#,
            r#"[]"#,
            r#""x""#,
            r#"{"first_name":"A""#,
        ] {
            let owned = serde_json::from_slice::<CovageContact>(el.as_bytes()).map(|w| {
                let mut c = Contact::default();
                from_covage(w, &mut c);
                c
            });
            let borrowed = serde_json::from_slice::<CovageRef>(el.as_bytes()).map(|w| {
                let mut c = Contact::default();
                w.fill(&mut c);
                c
            });
            match (owned, borrowed) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{el}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{el}"),
                (a, b) => panic!("{el}: {a:?} / {b:?}"),
            }
        }
    }
}
