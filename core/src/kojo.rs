//! Kojo, all core knows of it: its wire type (a contact as `GET /contacts/:idOrEmail` returns
//! it), the mapping to and from [`Contact`], its JSON writer, its rules and its row of
//! [`crate::format::FORMATS`] ([`FORMAT`]).

use crate::contact::{Contact, Field};
use crate::format::json_write::Object;
use crate::format::{Format, JsonRecord, Shape, Spec};
use crate::phone::{self, Region};
use crate::rules::{Rules, Target};
use serde::{Deserialize, Serialize};

/// A Kojo contact. `orgName` cannot change after creation; `phone` is optional; timestamps come
/// as `2021-02-18T20:52:55.395Z` or `2021-03-24 17:26:46.983Z`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KojoContact {
    /// Kojo's id; absent on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The contact's name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// One phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Vendor name (immutable once created).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_name: Option<String>,
    /// Vendor id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<String>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Last update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// Which of the two numbers Kojo's single `phone` takes (`--kojo-phone`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KojoPhone {
    /// The mobile, else the fixed line.
    #[default]
    MobileFirst,
    /// The fixed line, else the mobile.
    FixedFirst,
}

impl std::str::FromStr for KojoPhone {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        use crate::options::{expected, pick, KOJO_PHONE};
        match pick(&KOJO_PHONE, s) {
            Some("mobile-first") => Ok(KojoPhone::MobileFirst),
            Some("fixed-first") => Ok(KojoPhone::FixedFirst),
            _ => Err(format!("expected {}, got {s:?}", expected(&KOJO_PHONE))),
        }
    }
}

/// Kojo's `POST /contacts` parameters without `?`: displayName, email, orgName, vendorId.
pub const RULES: Rules = Rules {
    name: "kojo",
    help: "Kojo's rules, one contact per email",
    required: &[
        Field::DisplayName,
        Field::Email,
        Field::OrgName,
        Field::VendorId,
    ],
    why: "required by Kojo",
    fills_vendor: true,
};

/// Kojo's row of [`crate::format::FORMATS`]: a JSON array of its contacts.
pub const FORMAT: Spec = Spec {
    format: Format::Kojo,
    name: "kojo",
    aliases: &[],
    label: "Kojo contacts (JSON, as its API returns them)",
    extension: "json",
    chosen_by: &[],
    shape: Shape::JsonArray,
    target: Target::of(&RULES),
    holds: |f| {
        use Field::*;
        matches!(
            f,
            DisplayName | Email | Phone | Mobile | OrgName | VendorId | CreatedAt | UpdatedAt
        ) || f == ID
    },
    // One phone: the other number is dropped.
    also_drops: Some(|c, w| kojo_phone(c, w.kojo_phone).1),
    json: Some(JsonRecord {
        kind: "Kojo",
        keys: &[
            "displayName",
            "orgName",
            "vendorId",
            "createdAt",
            "updatedAt",
            "id",
        ],
        read: |el, c, region| {
            from_kojo(crate::format::json_read::parse(el)?, c, region);
            Ok(())
        },
        write: |out, c, w| write_json(out, &to_kojo(c, w.kojo_phone)),
    }),
    id: Some("kojo_id"),
};

/// The record's field that holds Kojo's `id`.
pub const ID: Field = match Field::id(Format::Kojo) {
    Some(f) => f,
    None => panic!("Kojo's row names its id"),
};

/// A Kojo contact as a canonical record. Kojo's one phone goes to `mobile` when it is a French
/// mobile (+336, +337, overseas mobiles), else to `phone`.
pub fn from_kojo(w: KojoContact, c: &mut Contact, region: Region) {
    *c.get_mut(ID) = w.id.unwrap_or_default();
    c.display_name = w.display_name.unwrap_or_default();
    c.email = w.email.unwrap_or_default();
    c.org_name = w.org_name.unwrap_or_default();
    c.vendor_id = w.vendor_id.unwrap_or_default();
    c.created_at = w.created_at.unwrap_or_default();
    c.updated_at = w.updated_at.unwrap_or_default();
    let p = w.phone.unwrap_or_default();
    match phone::normalize(&p, region) {
        Ok(n) if crate::covage::is_french_mobile(&n) => c.mobile = p,
        _ => c.phone = p,
    }
}

/// The number Kojo's `phone` takes, and the other field when it had a value (dropped).
pub fn kojo_phone(c: &Contact, pref: KojoPhone) -> (&str, Option<Field>) {
    let (first, second) = match pref {
        KojoPhone::MobileFirst => (Field::Mobile, Field::Phone),
        KojoPhone::FixedFirst => (Field::Phone, Field::Mobile),
    };
    let (a, b) = (c.get(first), c.get(second));
    if a.is_empty() {
        (b, None)
    } else {
        (a, (!b.is_empty()).then_some(second))
    }
}

/// The Kojo contact for a normalised record (vendor filled by
/// [`crate::Mapping::fill_vendor`]).
pub fn to_kojo(c: &Contact, pref: KojoPhone) -> KojoContact {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    KojoContact {
        id: some(c.get(ID)),
        display_name: Some(c.display_name.clone()),
        email: Some(c.email.clone()),
        phone: some(kojo_phone(c, pref).0),
        org_name: some(&c.org_name),
        vendor_id: some(&c.vendor_id),
        created_at: some(&c.created_at),
        updated_at: some(&c.updated_at),
    }
}

/// A Kojo contact, as `serde_json` writes [`KojoContact`].
pub(crate) fn write_json(out: &mut Vec<u8>, c: &KojoContact) {
    let mut o = Object::new(out);
    if let Some(id) = &c.id {
        o.member("id", id);
    }
    o.optional("displayName", c.display_name.as_deref());
    o.optional("email", c.email.as_deref());
    let rest = [
        ("phone", &c.phone),
        ("orgName", &c.org_name),
        ("vendorId", &c.vendor_id),
        ("createdAt", &c.created_at),
        ("updatedAt", &c.updated_at),
    ];
    for (k, v) in rest {
        if let Some(v) = v {
            o.member(k, v);
        }
    }
    o.end();
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn written_as_serde_json_writes_it(v in proptest::collection::vec(crate::format::json_write::tests::text(), 8), some in proptest::collection::vec(any::<bool>(), 8)) {
            let opt = |i: usize| some[i].then(|| v[i].clone());
            let k = KojoContact {
                id: opt(0),
                display_name: opt(1),
                email: opt(2),
                phone: opt(3),
                org_name: opt(4),
                vendor_id: opt(5),
                created_at: opt(6),
                updated_at: opt(7),
            };
            let mut out = vec![];
            write_json(&mut out, &k);
            prop_assert_eq!(&out, &serde_json::to_vec(&k).unwrap());
        }
    }
}
