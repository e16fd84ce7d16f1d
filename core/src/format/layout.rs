//! CSV column layouts: the canonical header, Google Contacts and Outlook exports. Reading maps
//! each header to a canonical field; writing produces each layout's own header and rows.

use super::Format;
use crate::contact::{Contact, Field};
use crate::report::Report;

/// Google's header as its Contacts export writes it today (and its import takes): the columns
/// a contact of ours fills, in Google's order. Further addresses and numbers go in a second
/// `E-mail` and a third `Phone` column, several values separated by ` ::: ` as Google does.
pub const GOOGLE_HEADER: [&str; 16] = [
    "First Name",
    "Middle Name",
    "Last Name",
    "Nickname",
    "E-mail 1 - Label",
    "E-mail 1 - Value",
    "E-mail 2 - Label",
    "E-mail 2 - Value",
    "Phone 1 - Label",
    "Phone 1 - Value",
    "Phone 2 - Label",
    "Phone 2 - Value",
    "Phone 3 - Label",
    "Phone 3 - Value",
    "Organization Name",
    "Labels",
];

/// Outlook's header (the columns of its CSV export that a contact of ours fills).
pub const OUTLOOK_HEADER: [&str; 7] = [
    "First Name",
    "Middle Name",
    "Last Name",
    "Company",
    "E-mail Address",
    "Business Phone",
    "Mobile Phone",
];

/// Google separates several values in one cell with this.
const GOOGLE_MULTI: &str = " ::: ";

/// What one input column feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    Field(Field),
    /// Google `Phone N - Value`, with the index of its `Phone N - Type|Label` column.
    GooglePhone(Option<usize>),
    /// A label column that carries no value of its own (`E-mail 1 - Type`).
    Label,
    /// Maps to nothing: listed once as unknown, each value counted as dropped.
    Unknown,
    /// Dropped by the user's mapping (`Notes=-`): values counted as dropped, not listed as
    /// unknown.
    Dropped,
    /// A country: the record's national numbers are read in it. Not a field of ours, so its
    /// values are counted as dropped too.
    Country,
}

/// The layout of an input header.
#[derive(Debug, Clone)]
pub struct ReadPlan {
    format: Format,
    names: Vec<String>,
    columns: Vec<Column>,
}

impl ReadPlan {
    /// Builds the plan for a header. `format` is the layout the user named, or `None` to pick it
    /// from the header (Google's `E-mail 1 - Value`, Outlook's `E-mail Address`).
    pub fn new(header: &[&str], format: Option<Format>) -> ReadPlan {
        ReadPlan::with_map(header, format, &[])
    }

    /// Like [`ReadPlan::new`], with the user's own mapping first (`--map`): column names
    /// (compared as [`super::headers::key`] does) to a field, or `None` to drop the column.
    pub fn with_map(
        header: &[&str],
        format: Option<Format>,
        map: &[(String, Option<Field>)],
    ) -> ReadPlan {
        let has = |n: &str| header.iter().any(|h| h.trim().eq_ignore_ascii_case(n));
        let format = format.unwrap_or(if has("E-mail 1 - Value") {
            Format::GoogleCsv
        } else if has("E-mail Address") {
            Format::OutlookCsv
        } else {
            Format::Csv
        });
        let user: Vec<(String, Option<Field>)> = map
            .iter()
            .map(|(name, f)| (super::headers::key(name), *f))
            .collect();
        let columns = header
            .iter()
            .map(|h| {
                let k = super::headers::key(h);
                match user
                    .iter()
                    .find(|(name, _)| super::headers::matches(&k, name))
                {
                    Some((_, Some(f))) => Column::Field(*f),
                    Some((_, None)) => Column::Dropped,
                    None if super::headers::is_country(h) => Column::Country,
                    None => column(format, h.trim(), header),
                }
            })
            .collect();
        ReadPlan {
            format,
            names: header.iter().map(|h| h.trim().to_string()).collect(),
            columns,
        }
    }

    /// The layout in use.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// Headers that map to nothing.
    pub fn unknown(&self) -> impl Iterator<Item = &str> {
        self.names
            .iter()
            .zip(&self.columns)
            .filter(|(_, c)| **c == Column::Unknown)
            .map(|(n, _)| n.as_str())
    }

    /// True when the header names no known column at all (probably not a header).
    pub fn knows_nothing(&self) -> bool {
        self.columns
            .iter()
            .all(|c| matches!(c, Column::Unknown | Column::Dropped))
    }

    /// What each column feeds: (column, field name), the field `None` for a column read into
    /// nothing. Label columns (Google's `E-mail 1 - Type`) are not listed.
    pub fn mapping(&self) -> Vec<(String, Option<&'static str>)> {
        self.names
            .iter()
            .zip(&self.columns)
            .filter(|(_, c)| **c != Column::Label)
            .map(|(n, c)| {
                let f = match c {
                    Column::Field(f) => Some(f.name()),
                    Column::GooglePhone(_) => Some("phone/mobile"),
                    Column::Country => Some("(country of the phone numbers)"),
                    _ => None,
                };
                (n.clone(), f)
            })
            .collect()
    }

    /// True when every column read is named as the field it feeds (a canonical file, maybe
    /// with unknown columns): its mapping says nothing the unknown columns do not.
    pub fn is_canonical(&self) -> bool {
        self.names.iter().zip(&self.columns).all(|(n, c)| match c {
            Column::Field(f) => n.eq_ignore_ascii_case(f.name()),
            Column::Unknown => true,
            _ => false,
        })
    }

    /// Fills `c` from one row's fields. A second value for a field already set (Outlook's
    /// `Home Phone` after `Business Phone`, Google's ` ::: ` lists) and values in unknown
    /// columns are counted in the report as dropped under their column's name.
    ///
    /// Returns the index of the first non-empty country column, if any.
    pub fn fill(&self, fields: &[&str], c: &mut Contact, report: &mut Report) -> Option<usize> {
        let mut country = None;
        for (i, (col, value)) in self.columns.iter().zip(fields).enumerate() {
            if value.is_empty() {
                continue;
            }
            match col {
                Column::Field(f) if self.format == Format::GoogleCsv => {
                    for part in value.split(GOOGLE_MULTI) {
                        set(c, *f, part, &self.names[i], report);
                    }
                }
                Column::Field(f) => set(c, *f, value, &self.names[i], report),
                Column::GooglePhone(label) => {
                    let label = label.and_then(|l| fields.get(l)).copied().unwrap_or("");
                    let field = if label.to_ascii_lowercase().contains("mobile") {
                        Field::Mobile
                    } else {
                        Field::Phone
                    };
                    for part in value.split(GOOGLE_MULTI) {
                        set(c, field, part, &self.names[i], report);
                    }
                }
                Column::Label => {}
                Column::Unknown | Column::Dropped => report.drop_field(&self.names[i]),
                Column::Country => {
                    country.get_or_insert(i);
                    report.drop_field(&self.names[i]);
                }
            }
        }
        country
    }
}

/// Sets `f` from a column. A second e-mail or phone is kept in `other_emails` /
/// `other_phones`; a second value of another field is counted as dropped under its column.
fn set(c: &mut Contact, f: Field, value: &str, column: &str, report: &mut Report) {
    let slot = c.get_mut(f);
    if slot.is_empty() {
        slot.push_str(value);
    } else if !value.is_empty() && *slot != value && !c.add_other(f, value) {
        report.drop_field(column);
    }
}

fn column(format: Format, h: &str, header: &[&str]) -> Column {
    let is = |n: &str| h.eq_ignore_ascii_case(n);
    match format {
        Format::GoogleCsv => {
            if let Some(n) = h
                .strip_prefix("Phone ")
                .and_then(|r| r.strip_suffix(" - Value"))
            {
                let label = header.iter().position(|x| {
                    let x = x.trim();
                    x == format!("Phone {n} - Type") || x == format!("Phone {n} - Label")
                });
                return Column::GooglePhone(label);
            }
            if h.ends_with(" - Type") || h.ends_with(" - Label") || is("Labels") {
                return Column::Label;
            }
            let f = if is("Name") {
                Some(Field::DisplayName)
            } else if is("Given Name") || is("First Name") {
                Some(Field::FirstName)
            } else if is("Family Name") || is("Last Name") {
                Some(Field::LastName)
            } else if h.starts_with("E-mail ") && h.ends_with(" - Value") {
                Some(Field::Email)
            } else if is("Organization 1 - Name") || is("Organization Name") {
                Some(Field::OrgName)
            } else {
                None
            };
            f.map_or(Column::Unknown, Column::Field)
        }
        // Outlook (any language), Thunderbird, spreadsheets: the table of names people use.
        _ => Field::from_name(h)
            .or_else(|| super::headers::field_of(h))
            .map_or(Column::Unknown, Column::Field),
    }
}

/// The header written for a CSV format.
pub fn header(format: Format) -> Vec<&'static str> {
    match format {
        Format::GoogleCsv => GOOGLE_HEADER.to_vec(),
        Format::OutlookCsv => OUTLOOK_HEADER.to_vec(),
        _ => Field::ALL.iter().map(|f| f.name()).collect(),
    }
}

/// Writes the row for `c` in `format`'s layout into `row` (cleared first).
pub fn row<'a>(format: Format, c: &'a Contact, row: &mut Vec<&'a str>) {
    row.clear();
    match format {
        Format::GoogleCsv => {
            let (p1, p2) = match (c.phone.is_empty(), c.mobile.is_empty()) {
                (false, _) => (("Work", c.phone.as_str()), ("Mobile", c.mobile.as_str())),
                (true, _) => (("Mobile", c.mobile.as_str()), ("", "")),
            };
            let t = |(label, v): (&'a str, &'a str)| if v.is_empty() { "" } else { label };
            // No "Name" column any more: a display name that is not "first last" (a company,
            // a one-word name) goes in as the first name when there is none.
            let first = if c.first_name.is_empty() && c.last_name.is_empty() {
                c.display_name.as_str()
            } else {
                c.first_name.as_str()
            };
            row.extend([
                first,
                "",
                &c.last_name,
                "",
                if c.email.is_empty() { "" } else { "* Work" },
                &c.email,
                if c.other_emails.is_empty() {
                    ""
                } else {
                    "Other"
                },
                &c.other_emails,
                t(p1),
                p1.1,
                t(p2),
                p2.1,
                if c.other_phones.is_empty() {
                    ""
                } else {
                    "Other"
                },
                &c.other_phones,
                &c.org_name,
                "* myContacts",
            ]);
        }
        Format::OutlookCsv => row.extend([
            c.first_name.as_str(),
            "",
            &c.last_name,
            &c.org_name,
            &c.email,
            &c.phone,
            &c.mobile,
        ]),
        _ => row.extend(Field::ALL.iter().map(|&f| c.get(f))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(header: &str, line: &str) -> (Format, Contact, Report) {
        let h: Vec<&str> = header.split(',').collect();
        let plan = ReadPlan::new(&h, None);
        let mut c = Contact::default();
        let mut r = Report::default();
        plan.fill(&line.split(',').collect::<Vec<_>>(), &mut c, &mut r);
        (plan.format(), c, r)
    }

    #[test]
    fn canonical_header_in_any_order_with_unknown_columns() {
        let (f, c, r) = read("email,shoe_size,First_Name", "a@b.fr,44,Robert");
        assert_eq!(f, Format::Csv);
        assert_eq!(
            (c.email.as_str(), c.first_name.as_str()),
            ("a@b.fr", "Robert")
        );
        assert_eq!(r.dropped_fields.get("shoe_size"), Some(&1));
    }

    #[test]
    fn google_phones_follow_their_labels() {
        let header = "Name,Given Name,Family Name,E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value,Notes";
        let (f, c, r) = read(
            header,
            "Jo Do,Jo,Do,* Work,jo@do.fr ::: jo2@do.fr,Mobile,0699437892,Work,0142845403,likes tea",
        );
        assert_eq!(f, Format::GoogleCsv);
        assert_eq!(c.mobile, "0699437892");
        assert_eq!(c.phone, "0142845403");
        assert_eq!(c.email, "jo@do.fr");
        assert_eq!(c.other_emails, "jo2@do.fr", "the second address is kept");
        assert_eq!(r.dropped_fields.get("E-mail 1 - Value"), None);
        assert_eq!(r.dropped_fields.get("Notes"), Some(&1));
    }

    #[test]
    fn outlook_second_phone_is_counted() {
        let (f, c, r) = read(
            "First Name,Last Name,E-mail Address,Business Phone,Home Phone,Mobile Phone,Company",
            "Jo,Do,jo@do.fr,0142845403,0130530396,0699437892,Colibrix",
        );
        assert_eq!(f, Format::OutlookCsv);
        assert_eq!(
            (c.phone.as_str(), c.mobile.as_str(), c.org_name.as_str()),
            ("0142845403", "0699437892", "Colibrix")
        );
        assert_eq!(c.other_phones, "0130530396", "the second number is kept");
        assert!(r.dropped_fields.is_empty());
    }

    #[test]
    fn written_google_row_reads_back() {
        let c = Contact {
            display_name: "Jo Do".into(),
            first_name: "Jo".into(),
            last_name: "Do".into(),
            email: "jo@do.fr".into(),
            phone: "+33142845403".into(),
            mobile: "+33699437892".into(),
            org_name: "Colibrix".into(),
            ..Default::default()
        };
        for fmt in [Format::GoogleCsv, Format::OutlookCsv, Format::Csv] {
            let mut r = vec![];
            row(fmt, &c, &mut r);
            let h = header(fmt);
            assert_eq!(r.len(), h.len());
            let plan = ReadPlan::new(&h, None);
            assert_eq!(plan.format(), fmt);
            let mut back = Contact::default();
            let mut rep = Report::default();
            plan.fill(&r, &mut back, &mut rep);
            if fmt != Format::Csv {
                // Google's and Outlook's layouts have no display name: it is "first last".
                back.display_name = c.display_name.clone();
            }
            assert_eq!(back, c, "{fmt}");
            assert!(rep.dropped_fields.is_empty());
        }
    }
}
