//! The mapping options every command shares ([`Mapping`], the [`VendorMap`]) and the
//! field-loss accounting: every value a format drops or changes is counted per field. Each
//! provider's mapping to and from [`Contact`] lives in its module (`covage`, `kojo`); in sum:
//!
//! | canonical | Covage | Kojo |
//! |---|---|---|
//! | first_name, last_name | first_name, last_name | split from / joined into displayName |
//! | display_name | "first last" | displayName |
//! | phone | phone_number (French numbers national) | phone, when chosen (`--kojo-phone`) |
//! | mobile | cell_phone_number | phone, when chosen; French mobiles come back here |
//! | org_name, vendor_id | — (dropped) | orgName, vendorId (required) |
//! | covage_uuid / kojo_id | contact_uuid / — | — / id |

use crate::contact::{Contact, Field};
use crate::error::Error;
use crate::format::{Format, Writing};
use crate::normalize::Origin;
use crate::phone::Region;
use crate::{email, name};
use std::collections::HashMap;

/// Vendor of each email domain (`--vendor-map`, CSV `email_domain,vendor_id,org_name`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorMap(HashMap<String, (String, String)>);

impl VendorMap {
    /// Reads the CSV (header required; any column order).
    pub fn read<R: std::io::Read>(r: R) -> Result<VendorMap, Error> {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(r);
        let bad = |line: u64, why: String| Error::VendorMap { line, why };
        let headers = rdr.headers().map_err(|e| bad(1, e.to_string()))?.clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    bad(
                        1,
                        format!("missing column {name} (need email_domain,vendor_id,org_name)"),
                    )
                })
        };
        let (d, v, o) = (col("email_domain")?, col("vendor_id")?, col("org_name")?);
        let mut map = HashMap::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
            let line = rec.position().map_or(0, |p| p.line());
            // As the email key spells it (IDNA ASCII, lower case), so `société.fr` in the map
            // matches every spelling of an address there.
            let domain = email::domain(&email::key(&format!(
                "x@{}",
                rec.get(d).unwrap_or("").trim().trim_start_matches('@')
            )))
            .to_string();
            if domain.is_empty() {
                return Err(bad(line, "empty email_domain".into()));
            }
            let entry = (
                rec.get(v).unwrap_or("").to_string(),
                rec.get(o).unwrap_or("").to_string(),
            );
            map.insert(domain, entry);
        }
        Ok(VendorMap(map))
    }

    /// Vendor id and org name for an email's domain.
    pub fn get(&self, email: &str) -> Option<(&str, &str)> {
        self.0
            .get(email::domain(&email::key(email)))
            .map(|(v, o)| (v.as_str(), o.as_str()))
    }

    /// Number of domains.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The mapping options every command shares.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// Region for numbers without a country code.
    pub region: Region,
    /// How records are written (Kojo's phone preference).
    pub writing: Writing,
    /// `--org-name`: the org name for every record that has none.
    pub org_name: Option<String>,
    /// `--vendor-id`: the vendor id for every record that has none.
    pub vendor_id: Option<String>,
    /// `--vendor-map`: per email domain; wins over `--org-name` / `--vendor-id`.
    pub vendor_map: VendorMap,
}

impl Mapping {
    /// Fills `org_name` and `vendor_id` where the record has none: from the vendor map by email
    /// domain, else from `--org-name` / `--vendor-id`. Kojo needs both; Covage has neither.
    pub fn fill_vendor(&self, c: &mut Contact) {
        if let Some((v, o)) = self.vendor_map.get(&c.email) {
            if c.vendor_id.is_empty() {
                c.vendor_id = v.to_string();
            }
            if c.org_name.is_empty() {
                c.org_name = o.to_string();
            }
        }
        if c.vendor_id.is_empty() {
            if let Some(v) = &self.vendor_id {
                c.vendor_id = v.clone();
            }
        }
        if c.org_name.is_empty() {
            if let Some(o) = &self.org_name {
                c.org_name = o.clone();
            }
        }
    }
}

/// Calls `dropped` with each field whose value writing `c` as `target` drops or changes.
pub fn dropped_fields(
    c: &Contact,
    origin: Origin,
    target: Format,
    writing: &Writing,
    mut dropped: impl FnMut(Field),
) {
    // The canonical formats hold every field: nothing to look at.
    if matches!(target, Format::Csv | Format::Json | Format::Ndjson) {
        return;
    }
    let holds = |f: Field| target.holds(f);
    // A field it holds and still drops here (Kojo's second number).
    let also = target.spec().also_drops.and_then(|drops| drops(c, writing));
    for f in Field::ALL {
        let v = c.get(f);
        if v.is_empty() {
            continue;
        }
        let lost = match f {
            // Held as first + last when it is exactly their join and was not split from a
            // display name (splitting changes it into two values).
            Field::DisplayName => {
                !holds(f) && (origin.names_split || v != name::join(&c.first_name, &c.last_name))
            }
            // Kojo keeps only the display name: the names are lost when splitting it
            // would not give them back.
            Field::FirstName | Field::LastName if !holds(f) => {
                let s = name::split(&c.display_name);
                let back = if f == Field::FirstName {
                    s.first
                } else {
                    s.last
                };
                !origin.names_split && back != v
            }
            _ => !holds(f) || also == Some(f),
        };
        if lost {
            dropped(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::covage::{from_covage, to_covage, CovageContact};
    use crate::kojo::{from_kojo, kojo_phone, to_kojo, KojoContact, KojoPhone};

    fn dropped(c: &Contact, origin: Origin, to: Format) -> Vec<&'static str> {
        let mut v = vec![];
        dropped_fields(c, origin, to, &Writing::default(), |f| v.push(f.name()));
        v
    }

    fn full() -> Contact {
        let mut c = Contact {
            first_name: "John".into(),
            last_name: "Doe".into(),
            display_name: "John Doe".into(),
            email: "john@doe.com".into(),
            phone: "+33142845403".into(),
            mobile: "+33692417900".into(),
            ..Default::default()
        };
        *c.get_mut(crate::covage::ID) = "i9usbs1j".into();
        c
    }

    #[test]
    fn covage_phones_are_national_for_french_numbers() {
        let mut c = full();
        c.mobile = "+14845691493".into();
        let w = to_covage(&c);
        assert_eq!(w.phone_number, "0142845403");
        assert_eq!(w.cell_phone_number, "+14845691493");
        assert_eq!(w.contact_uuid.as_deref(), Some("i9usbs1j"));
    }

    #[test]
    fn covage_to_canonical_maps_phone_and_cell() {
        let mut c = Contact::default();
        from_covage(
            CovageContact {
                contact_uuid: Some("u1".into()),
                first_name: "Jane".into(),
                last_name: "Dale".into(),
                phone_number: "0432244493".into(),
                cell_phone_number: "0674830292".into(),
                email: "jane@dale.com".into(),
            },
            &mut c,
        );
        assert_eq!(
            (c.phone.as_str(), c.mobile.as_str()),
            ("0432244493", "0674830292")
        );
        assert_eq!(c.get(crate::covage::ID), "u1");
    }

    #[test]
    fn kojo_takes_mobile_first_and_counts_the_fixed_line() {
        let c = full();
        assert_eq!(
            to_kojo(&c, KojoPhone::MobileFirst).phone.as_deref(),
            Some("+33692417900")
        );
        assert_eq!(
            to_kojo(&c, KojoPhone::FixedFirst).phone.as_deref(),
            Some("+33142845403")
        );
        assert_eq!(
            dropped(&c, Origin::default(), Format::Kojo),
            ["phone", "covage_uuid"]
        );
    }

    #[test]
    fn kojo_takes_the_fixed_line_when_there_is_no_mobile() {
        let mut c = full();
        c.mobile.clear();
        assert_eq!(
            to_kojo(&c, KojoPhone::MobileFirst).phone.as_deref(),
            Some("+33142845403")
        );
        assert_eq!(kojo_phone(&c, KojoPhone::MobileFirst).1, None);
    }

    #[test]
    fn french_mobiles_from_kojo_fill_the_mobile() {
        for (p, mobile) in [
            ("+33699437892", true),
            ("+33142845403", false),
            ("+447700900123", false),
        ] {
            let mut c = Contact::default();
            from_kojo(
                KojoContact {
                    phone: Some(p.into()),
                    ..Default::default()
                },
                &mut c,
                Region::FR,
            );
            assert_eq!(c.mobile.is_empty(), !mobile, "{p}");
            assert_eq!(c.phone.is_empty(), mobile, "{p}");
        }
    }

    #[test]
    fn kojo_loses_names_that_splitting_cannot_give_back() {
        let mut c = full();
        c.first_name = "Marie Claire".into();
        c.last_name = "Dupont".into();
        c.display_name = "Marie Claire Dupont".into();
        c.mobile.clear();
        c.get_mut(crate::covage::ID).clear();
        assert_eq!(
            dropped(&c, Origin::default(), Format::Kojo),
            ["first_name", "last_name"]
        );
        c.first_name = "Marie".into();
        c.last_name = "Claire Dupont".into();
        assert!(dropped(&c, Origin::default(), Format::Kojo).is_empty());
    }

    #[test]
    fn covage_drops_kojo_fields_and_split_names() {
        let mut c = full();
        c.org_name = "Colibrix".into();
        c.vendor_id = "v1".into();
        *c.get_mut(crate::kojo::ID) = "k1".into();
        c.created_at = "2021-02-18T20:52:55.395Z".into();
        let split = Origin {
            names_split: true,
            display_joined: false,
        };
        assert_eq!(
            dropped(&c, split, Format::Covage),
            [
                "display_name",
                "org_name",
                "vendor_id",
                "kojo_id",
                "created_at"
            ]
        );
        assert_eq!(
            dropped(&full(), Origin::default(), Format::Covage),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn vendor_map_fills_by_domain_and_flags_fill_the_rest() {
        let map = VendorMap::read(
            "email_domain,vendor_id,org_name\n@Colibrix.fr,v-col,Colibrix SAS\n".as_bytes(),
        )
        .unwrap();
        let m = Mapping {
            vendor_map: map,
            org_name: Some("Default Org".into()),
            vendor_id: Some("v-def".into()),
            ..Default::default()
        };
        let mut a = Contact {
            email: "a@colibrix.FR".into(),
            ..Default::default()
        };
        m.fill_vendor(&mut a);
        assert_eq!(
            (a.vendor_id.as_str(), a.org_name.as_str()),
            ("v-col", "Colibrix SAS")
        );
        let mut b = Contact {
            email: "b@other.fr".into(),
            org_name: "Own".into(),
            ..Default::default()
        };
        m.fill_vendor(&mut b);
        assert_eq!(
            (b.vendor_id.as_str(), b.org_name.as_str()),
            ("v-def", "Own")
        );
    }

    #[test]
    fn vendor_map_errors_name_the_line() {
        let e = VendorMap::read("domain,vendor\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("email_domain"), "{e}");
    }
}
