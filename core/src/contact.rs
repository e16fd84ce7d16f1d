//! The canonical contact record every format and provider maps to and from.

use serde::{Deserialize, Serialize};

/// One contact in canonical form. An empty string means "absent".
///
/// After [`crate::normalize`], phones are E.164, the email's domain is lower-case
/// and timestamps are RFC 3339.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    /// Given name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub first_name: String,
    /// Family name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub last_name: String,
    /// Full name as shown ("first last" when derived).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    /// Email address.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// Fixed-line (or any non-mobile) number.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// Mobile number.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mobile: String,
    /// Company the contact belongs to (Kojo's `orgName`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub org_name: String,
    /// Kojo vendor id.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub vendor_id: String,
    /// Covage `contact_uuid`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub covage_uuid: String,
    /// Kojo `id`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kojo_id: String,
    /// Creation time, RFC 3339.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub created_at: String,
    /// Last update time, RFC 3339.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub updated_at: String,
    /// E-mail addresses besides `email` (a second export column, a vCard's other `EMAIL`),
    /// separated by [`OTHER_SEP`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub other_emails: String,
    /// Phone numbers besides `phone` and `mobile`, separated by [`OTHER_SEP`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub other_phones: String,
}

/// What separates the values of `other_emails` and `other_phones` (Google's own separator).
pub const OTHER_SEP: &str = " ::: ";

/// A field of [`Contact`], by name: used for CSV columns, reports and rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Field {
    FirstName,
    LastName,
    DisplayName,
    Email,
    Phone,
    Mobile,
    OrgName,
    VendorId,
    CovageUuid,
    KojoId,
    CreatedAt,
    UpdatedAt,
    OtherEmails,
    OtherPhones,
}

impl Field {
    /// Every field, in canonical column order.
    pub const ALL: [Field; 14] = [
        Field::FirstName,
        Field::LastName,
        Field::DisplayName,
        Field::Email,
        Field::Phone,
        Field::Mobile,
        Field::OrgName,
        Field::VendorId,
        Field::CovageUuid,
        Field::KojoId,
        Field::CreatedAt,
        Field::UpdatedAt,
        Field::OtherEmails,
        Field::OtherPhones,
    ];

    /// The canonical (snake_case) name, as in the CSV header and reports.
    pub fn name(self) -> &'static str {
        match self {
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::DisplayName => "display_name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Mobile => "mobile",
            Field::OrgName => "org_name",
            Field::VendorId => "vendor_id",
            Field::CovageUuid => "covage_uuid",
            Field::KojoId => "kojo_id",
            Field::CreatedAt => "created_at",
            Field::UpdatedAt => "updated_at",
            Field::OtherEmails => "other_emails",
            Field::OtherPhones => "other_phones",
        }
    }

    /// The field with this canonical name (case-insensitive, surrounding spaces ignored).
    pub fn from_name(name: &str) -> Option<Field> {
        let name = name.trim();
        Field::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

impl Contact {
    /// The value of one field.
    pub fn get(&self, field: Field) -> &str {
        match field {
            Field::FirstName => &self.first_name,
            Field::LastName => &self.last_name,
            Field::DisplayName => &self.display_name,
            Field::Email => &self.email,
            Field::Phone => &self.phone,
            Field::Mobile => &self.mobile,
            Field::OrgName => &self.org_name,
            Field::VendorId => &self.vendor_id,
            Field::CovageUuid => &self.covage_uuid,
            Field::KojoId => &self.kojo_id,
            Field::CreatedAt => &self.created_at,
            Field::UpdatedAt => &self.updated_at,
            Field::OtherEmails => &self.other_emails,
            Field::OtherPhones => &self.other_phones,
        }
    }

    /// The value of one field, to change it.
    pub fn get_mut(&mut self, field: Field) -> &mut String {
        match field {
            Field::FirstName => &mut self.first_name,
            Field::LastName => &mut self.last_name,
            Field::DisplayName => &mut self.display_name,
            Field::Email => &mut self.email,
            Field::Phone => &mut self.phone,
            Field::Mobile => &mut self.mobile,
            Field::OrgName => &mut self.org_name,
            Field::VendorId => &mut self.vendor_id,
            Field::CovageUuid => &mut self.covage_uuid,
            Field::KojoId => &mut self.kojo_id,
            Field::CreatedAt => &mut self.created_at,
            Field::UpdatedAt => &mut self.updated_at,
            Field::OtherEmails => &mut self.other_emails,
            Field::OtherPhones => &mut self.other_phones,
        }
    }

    /// Keeps a second value of `f` (an e-mail, a phone) in `other_emails` / `other_phones`; a
    /// value already held is not repeated. False for any other field: the caller counts it as
    /// dropped.
    pub fn add_other(&mut self, f: Field, value: &str) -> bool {
        let (held, others): (&[&String], &mut String) = match f {
            Field::Email | Field::OtherEmails => (&[&self.email], &mut self.other_emails),
            Field::Phone | Field::Mobile | Field::OtherPhones => {
                (&[&self.phone, &self.mobile], &mut self.other_phones)
            }
            _ => return false,
        };
        let value = value.trim();
        if value.is_empty()
            || held.iter().any(|h| h.as_str() == value)
            || others.split(OTHER_SEP).any(|o| o == value)
        {
            return true;
        }
        if !others.is_empty() {
            others.push_str(OTHER_SEP);
        }
        others.push_str(value);
        true
    }

    /// Empties every field, keeping the allocations (hot loops reuse one record).
    pub fn clear(&mut self) {
        for f in Field::ALL {
            self.get_mut(f).clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_round_trip() {
        for f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(f));
        }
        assert_eq!(Field::from_name(" EMAIL "), Some(Field::Email));
        assert_eq!(Field::from_name("nickname"), None);
    }

    #[test]
    fn json_skips_empty_fields_and_reads_missing_as_empty() {
        let c = Contact {
            email: "a@b.fr".into(),
            ..Contact::default()
        };
        let s = serde_json::to_string(&c).unwrap();
        assert_eq!(s, r#"{"email":"a@b.fr"}"#);
        assert_eq!(serde_json::from_str::<Contact>(&s).unwrap(), c);
    }
}
