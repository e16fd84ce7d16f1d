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
    /// Job title.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// Department (a vCard ORG's unit).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub department: String,
    /// Nickname.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub nickname: String,
    /// Birthday: `YYYY-MM-DD`, or `--MM-DD` without a year (as vCard writes it).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub birthday: String,
    /// Free text.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Web pages, separated by [`OTHER_SEP`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub web_pages: String,
    /// Work address: street.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub work_street: String,
    /// Work address: extended address (suite, building; a PO box too).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub work_extended: String,
    /// Work address: city.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub work_city: String,
    /// Work address: region or state.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub work_region: String,
    /// Work address: postal code.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub work_postal_code: String,
    /// Work address: country.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub work_country: String,
    /// Home address: street.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub home_street: String,
    /// Home address: extended address (suite, building; a PO box too).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub home_extended: String,
    /// Home address: city.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub home_city: String,
    /// Home address: region or state.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub home_region: String,
    /// Home address: postal code.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub home_postal_code: String,
    /// Home address: country.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub home_country: String,
    /// Other address: street.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub other_street: String,
    /// Other address: extended address (suite, building; a PO box too).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub other_extended: String,
    /// Other address: city.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub other_city: String,
    /// Other address: region or state.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub other_region: String,
    /// Other address: postal code.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub other_postal_code: String,
    /// Other address: country.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub other_country: String,
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
    Title,
    Department,
    Nickname,
    Birthday,
    Notes,
    WebPages,
    WorkStreet,
    WorkExtended,
    WorkCity,
    WorkRegion,
    WorkPostalCode,
    WorkCountry,
    HomeStreet,
    HomeExtended,
    HomeCity,
    HomeRegion,
    HomePostalCode,
    HomeCountry,
    OtherStreet,
    OtherExtended,
    OtherCity,
    OtherRegion,
    OtherPostalCode,
    OtherCountry,
}

impl Field {
    /// The fields of a work, a home and an other address: street, extended, city, region,
    /// postal code, country (an `ADR`'s components after its PO box, in its order).
    pub const ADDRESSES: [[Field; 6]; 3] = [
        [
            Field::WorkStreet,
            Field::WorkExtended,
            Field::WorkCity,
            Field::WorkRegion,
            Field::WorkPostalCode,
            Field::WorkCountry,
        ],
        [
            Field::HomeStreet,
            Field::HomeExtended,
            Field::HomeCity,
            Field::HomeRegion,
            Field::HomePostalCode,
            Field::HomeCountry,
        ],
        [
            Field::OtherStreet,
            Field::OtherExtended,
            Field::OtherCity,
            Field::OtherRegion,
            Field::OtherPostalCode,
            Field::OtherCountry,
        ],
    ];

    /// Every field, in canonical column order: the contact's own, then [`Field::ADDRESSES`].
    pub const ALL: [Field; 38] = {
        const OWN: [Field; 20] = [
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
            Field::Title,
            Field::Department,
            Field::Nickname,
            Field::Birthday,
            Field::Notes,
            Field::WebPages,
        ];
        let mut all = [Field::FirstName; 38];
        let mut i = 0;
        while i < all.len() {
            all[i] = match i {
                0..20 => OWN[i],
                _ => Field::ADDRESSES[(i - 20) / 6][(i - 20) % 6],
            };
            i += 1;
        }
        all
    };

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
            Field::Title => "title",
            Field::Department => "department",
            Field::Nickname => "nickname",
            Field::Birthday => "birthday",
            Field::Notes => "notes",
            Field::WebPages => "web_pages",
            Field::WorkStreet => "work_street",
            Field::WorkExtended => "work_extended",
            Field::WorkCity => "work_city",
            Field::WorkRegion => "work_region",
            Field::WorkPostalCode => "work_postal_code",
            Field::WorkCountry => "work_country",
            Field::HomeStreet => "home_street",
            Field::HomeExtended => "home_extended",
            Field::HomeCity => "home_city",
            Field::HomeRegion => "home_region",
            Field::HomePostalCode => "home_postal_code",
            Field::HomeCountry => "home_country",
            Field::OtherStreet => "other_street",
            Field::OtherExtended => "other_extended",
            Field::OtherCity => "other_city",
            Field::OtherRegion => "other_region",
            Field::OtherPostalCode => "other_postal_code",
            Field::OtherCountry => "other_country",
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
            Field::Title => &self.title,
            Field::Department => &self.department,
            Field::Nickname => &self.nickname,
            Field::Birthday => &self.birthday,
            Field::Notes => &self.notes,
            Field::WebPages => &self.web_pages,
            Field::WorkStreet => &self.work_street,
            Field::WorkExtended => &self.work_extended,
            Field::WorkCity => &self.work_city,
            Field::WorkRegion => &self.work_region,
            Field::WorkPostalCode => &self.work_postal_code,
            Field::WorkCountry => &self.work_country,
            Field::HomeStreet => &self.home_street,
            Field::HomeExtended => &self.home_extended,
            Field::HomeCity => &self.home_city,
            Field::HomeRegion => &self.home_region,
            Field::HomePostalCode => &self.home_postal_code,
            Field::HomeCountry => &self.home_country,
            Field::OtherStreet => &self.other_street,
            Field::OtherExtended => &self.other_extended,
            Field::OtherCity => &self.other_city,
            Field::OtherRegion => &self.other_region,
            Field::OtherPostalCode => &self.other_postal_code,
            Field::OtherCountry => &self.other_country,
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
            Field::Title => &mut self.title,
            Field::Department => &mut self.department,
            Field::Nickname => &mut self.nickname,
            Field::Birthday => &mut self.birthday,
            Field::Notes => &mut self.notes,
            Field::WebPages => &mut self.web_pages,
            Field::WorkStreet => &mut self.work_street,
            Field::WorkExtended => &mut self.work_extended,
            Field::WorkCity => &mut self.work_city,
            Field::WorkRegion => &mut self.work_region,
            Field::WorkPostalCode => &mut self.work_postal_code,
            Field::WorkCountry => &mut self.work_country,
            Field::HomeStreet => &mut self.home_street,
            Field::HomeExtended => &mut self.home_extended,
            Field::HomeCity => &mut self.home_city,
            Field::HomeRegion => &mut self.home_region,
            Field::HomePostalCode => &mut self.home_postal_code,
            Field::HomeCountry => &mut self.home_country,
            Field::OtherStreet => &mut self.other_street,
            Field::OtherExtended => &mut self.other_extended,
            Field::OtherCity => &mut self.other_city,
            Field::OtherRegion => &mut self.other_region,
            Field::OtherPostalCode => &mut self.other_postal_code,
            Field::OtherCountry => &mut self.other_country,
        }
    }

    /// Keeps a second value of `f` (an e-mail, a phone, a web page) in `other_emails` /
    /// `other_phones` / `web_pages`; a value already held is not repeated. False for any other field: the caller counts it as
    /// dropped.
    pub fn add_other(&mut self, f: Field, value: &str) -> bool {
        let (held, others): (&[&String], &mut String) = match f {
            Field::Email | Field::OtherEmails => (&[&self.email], &mut self.other_emails),
            Field::Phone | Field::Mobile | Field::OtherPhones => {
                (&[&self.phone, &self.mobile], &mut self.other_phones)
            }
            // Several web pages: one field, separated like the others.
            Field::WebPages => (&[], &mut self.web_pages),
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
        // Named one by one (no `..`): a new field fails to compile here until it is cleared.
        macro_rules! clear {
            ($($f:ident),*) => {{
                let Contact { $($f),* } = self;
                $($f.clear();)*
            }};
        }
        clear!(
            first_name,
            last_name,
            display_name,
            email,
            phone,
            mobile,
            org_name,
            vendor_id,
            covage_uuid,
            kojo_id,
            created_at,
            updated_at,
            other_emails,
            other_phones,
            title,
            department,
            nickname,
            birthday,
            notes,
            web_pages,
            work_street,
            work_extended,
            work_city,
            work_region,
            work_postal_code,
            work_country,
            home_street,
            home_extended,
            home_city,
            home_region,
            home_postal_code,
            home_country,
            other_street,
            other_extended,
            other_city,
            other_region,
            other_postal_code,
            other_country
        );
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
        assert_eq!(Field::from_name("nickname"), Some(Field::Nickname));
        assert_eq!(Field::from_name("nick"), None);
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
