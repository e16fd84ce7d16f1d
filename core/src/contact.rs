//! The canonical contact record every format and provider maps to and from.

use crate::format::{Format, FORMATS};
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One contact in canonical form. An empty string means "absent".
///
/// After [`crate::normalize`], phones are E.164, the email's domain is lower-case
/// and timestamps are RFC 3339.
///
/// As JSON, a record is an object of its non-empty fields by [`Field::name`], in
/// [`Field::ALL`]'s order (read back as serde reads a struct: any key order, unknown keys
/// ignored, a key twice refused).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Full name as shown ("first last" when derived).
    pub display_name: String,
    /// Email address.
    pub email: String,
    /// Fixed-line (or any non-mobile) number.
    pub phone: String,
    /// Mobile number.
    pub mobile: String,
    /// Company the contact belongs to (Kojo's `orgName`).
    pub org_name: String,
    /// Kojo vendor id.
    pub vendor_id: String,
    /// Each provider's id of the record, in [`IDS`]' order (`covage_uuid`, `kojo_id`): a
    /// field each ([`ID_SLOTS`]), between `vendor_id` and `created_at`; slots no provider
    /// takes stay empty.
    pub ids: [String; ID_SLOTS.len()],
    /// Creation time, RFC 3339.
    pub created_at: String,
    /// Last update time, RFC 3339.
    pub updated_at: String,
    /// E-mail addresses besides `email` (a second export column, a vCard's other `EMAIL`),
    /// separated by [`OTHER_SEP`].
    pub other_emails: String,
    /// Phone numbers besides `phone` and `mobile`, separated by [`OTHER_SEP`].
    pub other_phones: String,
    /// Job title.
    pub title: String,
    /// Department (a vCard ORG's unit).
    pub department: String,
    /// Nickname.
    pub nickname: String,
    /// Birthday: `YYYY-MM-DD`, or `--MM-DD` without a year (as vCard writes it).
    pub birthday: String,
    /// Free text.
    pub notes: String,
    /// Web pages, separated by [`OTHER_SEP`].
    pub web_pages: String,
    /// Work address: street.
    pub work_street: String,
    /// Work address: extended address (suite, building; a PO box too).
    pub work_extended: String,
    /// Work address: city.
    pub work_city: String,
    /// Work address: region or state.
    pub work_region: String,
    /// Work address: postal code.
    pub work_postal_code: String,
    /// Work address: country.
    pub work_country: String,
    /// Home address: street.
    pub home_street: String,
    /// Home address: extended address (suite, building; a PO box too).
    pub home_extended: String,
    /// Home address: city.
    pub home_city: String,
    /// Home address: region or state.
    pub home_region: String,
    /// Home address: postal code.
    pub home_postal_code: String,
    /// Home address: country.
    pub home_country: String,
    /// Other address: street.
    pub other_street: String,
    /// Other address: extended address (suite, building; a PO box too).
    pub other_extended: String,
    /// Other address: city.
    pub other_city: String,
    /// Other address: region or state.
    pub other_region: String,
    /// Other address: postal code.
    pub other_postal_code: String,
    /// Other address: country.
    pub other_country: String,
}

/// How many providers' ids a record carries: the rows of [`FORMATS`] with an `id`.
pub const ID_COUNT: usize = {
    let (mut n, mut i) = (0, 0);
    while i < FORMATS.len() {
        if FORMATS[i].id.is_some() {
            n += 1;
        }
        i += 1;
    }
    n
};

/// The providers' ids a record carries, from their rows of [`FORMATS`]: the format, and the
/// field's name (its column in canonical CSV, its key in canonical JSON), in the table's order.
pub const IDS: [(Format, &str); ID_COUNT] = {
    let mut ids = [(Format::Csv, ""); ID_COUNT];
    let (mut n, mut i) = (0, 0);
    while i < FORMATS.len() {
        if let Some(name) = FORMATS[i].id {
            ids[n] = (FORMATS[i].format, name);
            n += 1;
        }
        i += 1;
    }
    ids
};

/// The fields that hold providers' ids: [`IDS`]' rows take them in order, and
/// [`Field::ALL`] lists those taken. They are slots, not one field per provider, so that
/// [`Field`] stays a plain enum: [`Contact::get`] is then a table lookup the compiler folds
/// into loops over `Field::ALL`, where a variant with its index (`Id(u8)`) made a CSV → NDJSON
/// conversion run 8.5% more instructions (callgrind, 50,000 mixed rows). A fifth provider
/// adds a slot: a variant here and its arms in `name`, `get` and `get_mut`.
pub const ID_SLOTS: [Field; 4] = [Field::Id0, Field::Id1, Field::Id2, Field::Id3];

const _: () = assert!(
    ID_COUNT <= ID_SLOTS.len(),
    "more providers' ids in FORMATS than Field has ID_SLOTS: add one"
);

/// The name of the field of the `i`th provider's id; a slot no provider takes has none.
const fn id_name(i: usize) -> &'static str {
    if i < ID_COUNT {
        IDS[i].1
    } else {
        ""
    }
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
    /// A provider's id of the record, the first row's of [`IDS`] (`covage_uuid`).
    Id0,
    /// The second row's of [`IDS`] (`kojo_id`).
    Id1,
    /// The third row's of [`IDS`]: a slot for a provider to come ([`ID_SLOTS`]).
    Id2,
    /// The fourth row's of [`IDS`]: a slot for a provider to come.
    Id3,
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

    /// Every field, in canonical column order: the contact's own (the providers' ids after
    /// `vendor_id`), then [`Field::ADDRESSES`].
    pub const ALL: [Field; 36 + ID_COUNT] = {
        const BEFORE_IDS: [Field; 8] = [
            Field::FirstName,
            Field::LastName,
            Field::DisplayName,
            Field::Email,
            Field::Phone,
            Field::Mobile,
            Field::OrgName,
            Field::VendorId,
        ];
        const AFTER_IDS: [Field; 10] = [
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
        let mut all = [Field::FirstName; 36 + ID_COUNT];
        let mut n = 0;
        let mut i = 0;
        while i < BEFORE_IDS.len() {
            all[n] = BEFORE_IDS[i];
            (n, i) = (n + 1, i + 1);
        }
        i = 0;
        while i < ID_COUNT {
            all[n] = ID_SLOTS[i];
            (n, i) = (n + 1, i + 1);
        }
        i = 0;
        while i < AFTER_IDS.len() {
            all[n] = AFTER_IDS[i];
            (n, i) = (n + 1, i + 1);
        }
        i = 0;
        while i < 18 {
            all[n] = Field::ADDRESSES[i / 6][i % 6];
            (n, i) = (n + 1, i + 1);
        }
        all
    };

    /// Every field's name, in [`Field::ALL`]'s order.
    pub const NAMES: [&str; Field::ALL.len()] = {
        let mut names = [""; Field::ALL.len()];
        let mut i = 0;
        while i < names.len() {
            names[i] = Field::ALL[i].name();
            i += 1;
        }
        names
    };

    /// True for a field of a provider's id.
    pub fn is_id(self) -> bool {
        matches!(self, Field::Id0 | Field::Id1 | Field::Id2 | Field::Id3)
    }

    /// The field holding `format`'s id of a record; none for a format without one (its row's
    /// `id` is `None`).
    pub const fn id(format: Format) -> Option<Field> {
        let mut i = 0;
        while i < ID_COUNT {
            if IDS[i].0 as usize == format as usize {
                return Some(ID_SLOTS[i]);
            }
            i += 1;
        }
        None
    }

    /// The canonical (snake_case) name, as in the CSV header and reports.
    pub const fn name(self) -> &'static str {
        match self {
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::DisplayName => "display_name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Mobile => "mobile",
            Field::OrgName => "org_name",
            Field::VendorId => "vendor_id",
            Field::Id0 => id_name(0),
            Field::Id1 => id_name(1),
            Field::Id2 => id_name(2),
            Field::Id3 => id_name(3),
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
            Field::Id0 => &self.ids[0],
            Field::Id1 => &self.ids[1],
            Field::Id2 => &self.ids[2],
            Field::Id3 => &self.ids[3],
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
            Field::Id0 => &mut self.ids[0],
            Field::Id1 => &mut self.ids[1],
            Field::Id2 => &mut self.ids[2],
            Field::Id3 => &mut self.ids[3],
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
                let Contact { ids, $($f),* } = self;
                $($f.clear();)*
                ids.iter_mut().for_each(String::clear);
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

impl Serialize for Contact {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for f in Field::ALL {
            let v = self.get(f);
            if !v.is_empty() {
                map.serialize_entry(f.name(), v)?;
            }
        }
        map.end()
    }
}

/// A key of a record's JSON: its field, or `None` for a key that is no field's (ignored).
struct Key(Option<(Field, usize)>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                self.visit_bytes(v.as_bytes())
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Key, E> {
                Ok(Key(Field::by_exact_name(v)))
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

impl Field {
    /// The field named exactly `name` (serde's derive matches keys so; [`Field::from_name`]
    /// is lenient), and its place in [`Field::ALL`]. Every key of every canonical JSON
    /// record comes here: the names are looked up by length, then first byte.
    fn by_exact_name(name: &[u8]) -> Option<(Field, usize)> {
        type ByLength = Vec<Vec<(&'static [u8], Field, usize)>>;
        static BY_LENGTH: std::sync::OnceLock<ByLength> = std::sync::OnceLock::new();
        let by_length = BY_LENGTH.get_or_init(|| {
            let mut t: ByLength = vec![];
            for (i, f) in Field::ALL.into_iter().enumerate() {
                let n = f.name().as_bytes();
                if t.len() <= n.len() {
                    t.resize(n.len() + 1, vec![]);
                }
                t[n.len()].push((n, f, i));
            }
            t
        });
        let first = *name.first()?;
        by_length
            .get(name.len())?
            .iter()
            .find(|(n, ..)| n[0] == first && *n == name)
            .map(|&(_, f, i)| (f, i))
    }
}

/// Reads a record as serde's derive reads a struct with `#[serde(default)]`: an object by
/// key, or an array by position, with the same messages.
struct ContactVisitor;

impl<'de> Visitor<'de> for ContactVisitor {
    type Value = Contact;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("struct Contact")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Contact, A::Error> {
        let mut c = Contact::default();
        let mut seen = [false; Field::ALL.len()];
        while let Some(Key(key)) = map.next_key()? {
            let Some((f, at)) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if std::mem::replace(&mut seen[at], true) {
                return Err(de::Error::duplicate_field(f.name()));
            }
            *c.get_mut(f) = map.next_value()?;
        }
        Ok(c)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Contact, A::Error> {
        let mut c = Contact::default();
        for f in Field::ALL {
            match seq.next_element()? {
                Some(v) => *c.get_mut(f) = v,
                None => break,
            }
        }
        Ok(c)
    }
}

impl<'de> Deserialize<'de> for Contact {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Contact, D::Error> {
        d.deserialize_struct("Contact", &Field::NAMES, ContactVisitor)
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

    #[test]
    fn the_providers_ids_are_columns_between_vendor_id_and_created_at() {
        let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(
            names[6..11],
            [
                "org_name",
                "vendor_id",
                "covage_uuid",
                "kojo_id",
                "created_at"
            ]
        );
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a name is used twice");
        // Each provider's row names its id, and its field holds it.
        for (format, name) in IDS {
            assert_eq!(format.spec().id, Some(name));
            let mut c = Contact::default();
            *c.get_mut(Field::id(format).unwrap()) = "x1".into();
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!(r#"{{"{name}":"x1"}}"#)
            );
        }
        assert_eq!(crate::covage::ID.name(), "covage_uuid");
        assert_eq!(crate::kojo::ID.name(), "kojo_id");
        assert_eq!(Field::id(Format::Csv), None);
    }

    /// Every field of the record under its name, read by serde's derive: what a record's JSON
    /// was read with when the providers' ids were fields of their own.
    macro_rules! derived {
        ($($f:ident),*) => {
            #[derive(Deserialize, Default)]
            #[serde(default)]
            struct Derived { $($f: String),* }
            impl Derived {
                fn values(&self) -> Vec<&str> { vec![$(&self.$f),*] }
            }
        };
    }
    derived!(
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

    #[test]
    fn json_is_read_as_serde_derives_it() {
        let inputs = [
            r#"{"email":"a@b.fr","kojo_id":"k1","covage_uuid":"u1","zzz":[1,{"a":2}]}"#,
            r#"{"first_name":"A","first_name":"B"}"#,
            r#"{"kojo_id":"k","kojo_id":"k"}"#,
            r#"{"Email":"case matters"}"#,
            r#"{"email":5}"#,
            r#"{"phone":null}"#,
            r#"{"notes":"\u00e9\n","web_pages":"a ::: b"}"#,
            r#"["Jo","Do","","j@x.fr","","","","","u1","k1"]"#,
            r#"["Jo",1]"#,
            r#"[]"#,
            r#""text""#,
            r#"12"#,
            r#"null"#,
            r#"{"email":"a@b.fr""#,
            r#"{}"#,
        ];
        for input in inputs {
            let ours = serde_json::from_str::<Contact>(input);
            let theirs = serde_json::from_str::<Derived>(input);
            match (ours, theirs) {
                (Ok(c), Ok(d)) => {
                    let ours: Vec<&str> = Field::ALL.iter().map(|f| c.get(*f)).collect();
                    assert_eq!(ours, d.values(), "{input}");
                }
                (Err(a), Err(b)) => assert_eq!(
                    a.to_string().replace("Contact", "Derived"),
                    b.to_string(),
                    "{input}"
                ),
                (a, b) => panic!("{input}: {a:?} against {}", b.is_ok()),
            }
        }
    }
}
