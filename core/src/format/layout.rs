//! CSV column layouts: the canonical header, Google Contacts and Outlook exports. Reading maps
//! each header to a canonical field; writing produces each layout's own header and rows.

use super::Format;
use crate::contact::{Contact, Field};
use crate::report::Report;

/// Google's header as its Contacts export writes it today (and its import takes): the columns
/// a contact of ours fills, in Google's order. Further addresses and numbers go in a second
/// `E-mail` and a third `Phone` column, several values separated by ` ::: ` as Google does; a
/// work, a home and an other address in `Address 1`, `2` and `3`.
pub const GOOGLE_HEADER: [&str; 43] = [
    "First Name",
    "Middle Name",
    "Last Name",
    "Nickname",
    "Birthday",
    "Notes",
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
    "Address 1 - Label",
    "Address 1 - Street",
    "Address 1 - Extended Address",
    "Address 1 - City",
    "Address 1 - Region",
    "Address 1 - Postal Code",
    "Address 1 - Country",
    "Address 2 - Label",
    "Address 2 - Street",
    "Address 2 - Extended Address",
    "Address 2 - City",
    "Address 2 - Region",
    "Address 2 - Postal Code",
    "Address 2 - Country",
    "Address 3 - Label",
    "Address 3 - Street",
    "Address 3 - Extended Address",
    "Address 3 - City",
    "Address 3 - Region",
    "Address 3 - Postal Code",
    "Address 3 - Country",
    "Organization Name",
    "Organization Title",
    "Organization Department",
    "Website 1 - Label",
    "Website 1 - Value",
    "Labels",
];

/// Outlook's header (the columns of its CSV export that a contact of ours fills).
pub const OUTLOOK_HEADER: [&str; 30] = [
    "First Name",
    "Middle Name",
    "Last Name",
    "Company",
    "Department",
    "Job Title",
    "Business Street",
    "Business Street 2",
    "Business City",
    "Business State",
    "Business Postal Code",
    "Business Country/Region",
    "Home Street",
    "Home Street 2",
    "Home City",
    "Home State",
    "Home Postal Code",
    "Home Country/Region",
    "Other Street",
    "Other Street 2",
    "Other City",
    "Other State",
    "Other Postal Code",
    "Other Country/Region",
    "Business Phone",
    "Mobile Phone",
    "E-mail Address",
    "Birthday",
    "Notes",
    "Web Page",
];

/// [`Column::GoogleAddress`] parts that are no field of ours.
const PO_BOX: usize = 10;
const FORMATTED: usize = 11;

/// Which part of a birthday split in three columns `h` is (Thunderbird: `Birth Year`, `Birth
/// Month`, `Birth Day`), when the header has such a split.
fn birth_part(h: &str, header: &[&str]) -> Option<usize> {
    let k = super::headers::key(h);
    let split = header
        .iter()
        .any(|x| super::headers::key(x) == "birthmonth");
    match k.as_str() {
        "birthyear" => Some(0),
        "birthmonth" => Some(1),
        "birthday" if split => Some(2),
        _ => None,
    }
}

/// True for Google's `Address N - Country`: read with the rest of its address.
fn google_address(format: Format, h: &str) -> bool {
    format == Format::GoogleCsv && h.trim().starts_with("Address ")
}

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
    /// A country: the record's national numbers are read in it, and it is kept in the field
    /// of its address, if it has one (else counted as dropped).
    Country(Option<Field>),
    /// Thunderbird's `Birth Year`, `Birth Month`, `Birth Day` (0, 1, 2): one birthday.
    BirthPart(usize),
    /// Google `Address N - Part`: the part (an index in [`Field::ADDRESSES`]'s rows, or `PO_BOX`,
    /// `FORMATTED`), the index of its `Address N - Type|Label` column, and for the formatted
    /// address the index of its street column (it stands in for an empty street).
    GoogleAddress {
        part: usize,
        label: Option<usize>,
        street: Option<usize>,
    },
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
                    None if super::countries::is_country(h) && !google_address(format, h) => {
                        Column::Country(
                            Field::from_name(h.trim()).or_else(|| super::headers::field_of(h)),
                        )
                    }
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
                    Column::Country(Some(f)) => Some(f.name()),
                    Column::Country(None) => Some("(country of the phone numbers)"),
                    Column::GoogleAddress { .. } => Some("address"),
                    Column::BirthPart(_) => Some("birthday"),
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
        let mut birth = [""; 3];
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
                Column::BirthPart(p) => birth[*p] = value.trim(),
                Column::Unknown | Column::Dropped => report.drop_field(&self.names[i]),
                Column::Country(f) => {
                    country.get_or_insert(i);
                    match f {
                        Some(f) => set(c, *f, value, &self.names[i], report),
                        None => report.drop_field(&self.names[i]),
                    }
                }
                Column::GoogleAddress {
                    part,
                    label,
                    street,
                } => {
                    let label = label.and_then(|l| fields.get(l)).copied().unwrap_or("");
                    let label = label.to_ascii_lowercase();
                    let kind = if label.contains("work") {
                        0
                    } else if label.contains("home") {
                        1
                    } else {
                        2
                    };
                    let row = Field::ADDRESSES[kind];
                    match *part {
                        // The formatted address only when the street is not given apart.
                        FORMATTED => {
                            if street
                                .and_then(|s| fields.get(s))
                                .is_none_or(|s| s.is_empty())
                            {
                                set(c, row[0], value, &self.names[i], report);
                            }
                        }
                        // The PO box and the extended address share one field.
                        PO_BOX | 1 => {
                            let ext = c.get_mut(row[1]);
                            if !ext.is_empty() {
                                ext.push_str(", ");
                            }
                            ext.push_str(value);
                        }
                        p => {
                            if p == 5 {
                                // The country the record's national numbers are read in.
                                country.get_or_insert(i);
                            }
                            set(c, row[p], value, &self.names[i], report)
                        }
                    }
                }
            }
        }
        if !birth[1].is_empty() && !birth[2].is_empty() {
            let date = match birth[0] {
                "" | "0" => format!("--{:0>2}-{:0>2}", birth[1], birth[2]),
                y => format!("{y}-{:0>2}-{:0>2}", birth[1], birth[2]),
            };
            set(c, Field::Birthday, &date, "Birth Day", report);
        }
        country
    }
}

/// Sets `f` from a column. A second e-mail or phone is kept in `other_emails` /
/// `other_phones`; a second value of another field is counted as dropped under its column.
fn set(c: &mut Contact, f: Field, value: &str, column: &str, report: &mut Report) {
    let extended = Field::ADDRESSES.iter().any(|a| a[1] == f);
    let slot = c.get_mut(f);
    if slot.is_empty() {
        slot.push_str(value);
    } else if extended && !value.is_empty() {
        // A street's further lines (Outlook's `Business Street 2` and `3`) join.
        slot.push_str(", ");
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
            if let Some((n, part)) = h.strip_prefix("Address ").and_then(|r| r.split_once(" - ")) {
                let at = |name: String| header.iter().position(|x| x.trim() == name);
                let label =
                    at(format!("Address {n} - Type")).or(at(format!("Address {n} - Label")));
                let part = match part {
                    "Street" => 0,
                    "Extended Address" => 1,
                    "City" => 2,
                    "Region" => 3,
                    "Postal Code" => 4,
                    "Country" => 5,
                    "PO Box" => PO_BOX,
                    "Formatted" => FORMATTED,
                    _ => return Column::Label,
                };
                let street = at(format!("Address {n} - Street"));
                return Column::GoogleAddress {
                    part,
                    label,
                    street,
                };
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
            } else if is("Organization 1 - Title") || is("Organization Title") {
                Some(Field::Title)
            } else if is("Organization 1 - Department") || is("Organization Department") {
                Some(Field::Department)
            } else if h.starts_with("Website ") && h.ends_with(" - Value") {
                Some(Field::WebPages)
            } else if is("Nickname") {
                Some(Field::Nickname)
            } else if is("Birthday") {
                Some(Field::Birthday)
            } else if is("Notes") {
                Some(Field::Notes)
            } else {
                None
            };
            f.map_or(Column::Unknown, Column::Field)
        }
        // Outlook's Title is the courtesy title (Mr., Dr.), not a job title.
        Format::OutlookCsv if is("Title") => Column::Unknown,
        // Outlook (any language), Thunderbird, spreadsheets: the table of names people use;
        // Thunderbird's birthday in three columns ("Birth Day" is then the day of the month).
        _ => match birth_part(h, header) {
            Some(part) => Column::BirthPart(part),
            None => Field::from_name(h)
                .or_else(|| super::headers::field_of(h))
                .map_or(Column::Unknown, Column::Field),
        },
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
            let given = |v: &str, label: &'a str| if v.is_empty() { "" } else { label };
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
                &c.nickname,
                &c.birthday,
                &c.notes,
                given(&c.email, "* Work"),
                &c.email,
                given(&c.other_emails, "Other"),
                &c.other_emails,
                t(p1),
                p1.1,
                t(p2),
                p2.1,
                given(&c.other_phones, "Other"),
                &c.other_phones,
            ]);
            for (fields, label) in Field::ADDRESSES.iter().zip(["Work", "Home", "Other"]) {
                let any = fields.iter().any(|&f| !c.get(f).is_empty());
                row.push(if any { label } else { "" });
                row.extend(fields.iter().map(|&f| c.get(f)));
            }
            row.extend([
                &c.org_name,
                &c.title,
                &c.department,
                given(&c.web_pages, "Other"),
                &c.web_pages,
                "* myContacts",
            ]);
        }
        Format::OutlookCsv => {
            row.extend([
                c.first_name.as_str(),
                "",
                &c.last_name,
                &c.org_name,
                &c.department,
                &c.title,
            ]);
            // Outlook has no column for the extended address but the street's second line.
            for fields in Field::ADDRESSES {
                row.extend([c.get(fields[0]), c.get(fields[1])]);
                row.extend(fields[2..].iter().map(|&f| c.get(f)));
            }
            row.extend([
                c.phone.as_str(),
                &c.mobile,
                &c.email,
                &c.birthday,
                &c.notes,
                &c.web_pages,
            ]);
        }
        _ => row.extend(Field::ALL.iter().map(|&f| c.get(f))),
    }
}

/// Thunderbird's CSV export columns, in order (the headers it writes in English).
const THUNDERBIRD: [&str; 37] = [
    "First Name",
    "Last Name",
    "Display Name",
    "Nickname",
    "Primary Email",
    "Secondary Email",
    "Screen Name",
    "Work Phone",
    "Home Phone",
    "Fax Number",
    "Pager Number",
    "Mobile Number",
    "Home Address",
    "Home Address 2",
    "Home City",
    "Home State",
    "Home ZipCode",
    "Home Country",
    "Work Address",
    "Work Address 2",
    "Work City",
    "Work State",
    "Work ZipCode",
    "Work Country",
    "Job Title",
    "Department",
    "Organization",
    "Web Page 1",
    "Web Page 2",
    "Birth Year",
    "Birth Month",
    "Birth Day",
    "Custom 1",
    "Custom 2",
    "Custom 3",
    "Custom 4",
    "Notes",
];

/// For a first line that is a contact, not a header: the program whose column order it has and
/// the names of its columns, when there is one. Thunderbird wrote its export without a header
/// row in older versions (36 columns, no "Screen Name"), and with one today (37); both end
/// each line with a comma (one more, empty, column). Recognised by the column count and an
/// e-mail address in the primary (or, that one empty, the secondary) e-mail column.
pub fn headerless(fields: &[&str]) -> Option<(&'static str, Vec<&'static str>)> {
    // 37 fields, the last empty, is the old order and its comma (Thunderbird always wrote
    // one), not today's order without it.
    let trailing = fields.len() > 36 && fields.last().is_some_and(|f| f.is_empty());
    let width = fields.len() - usize::from(trailing);
    let mut names: Vec<&'static str> = match width {
        37 => THUNDERBIRD.to_vec(),
        36 => THUNDERBIRD
            .iter()
            .copied()
            .filter(|n| *n != "Screen Name")
            .collect(),
        _ => return None,
    };
    let email = |f: &str| f.contains('@') && !f.contains(' ');
    let named = fields[..4].iter().any(|f| !f.trim().is_empty());
    if !named || !(email(fields[4]) || (fields[4].is_empty() && email(fields[5]))) {
        return None;
    }
    if trailing {
        names.push("");
    }
    Some(("Thunderbird", names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thunderbird_rows_without_a_header_are_known_by_width_and_email() {
        fn row(n: usize, email: &str) -> Vec<&str> {
            let mut f = vec![""; n];
            f[0] = "Ada";
            f[4] = email;
            f
        }
        let (program, names) = headerless(&row(37, "ada@x.example")).expect("old order, comma");
        assert_eq!(
            (program, names.len(), names[6]),
            ("Thunderbird", 37, "Work Phone")
        );
        let (_, names) = headerless(&row(38, "ada@x.example")).expect("today's order, comma");
        assert_eq!((names.len(), names[6], names[37]), (38, "Screen Name", ""));
        assert_eq!(
            headerless(&row(36, "ada@x.example")).unwrap().1[35],
            "Notes"
        );
        let mut secondary = row(37, "");
        secondary[5] = "ada@x.example";
        assert!(
            headerless(&secondary).is_some(),
            "the secondary address when the first is empty"
        );
        for (why, f) in [
            ("no address", row(37, "")),
            ("not an address", row(37, "ada at x")),
            ("another width", row(20, "ada@x.example")),
            ("no name", {
                let mut f = row(37, "ada@x.example");
                f[0] = "";
                f
            }),
        ] {
            assert!(headerless(&f).is_none(), "{why}");
        }
    }

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
        assert_eq!(c.notes, "likes tea", "issue 20: notes are kept");
        assert!(r.dropped_fields.is_empty(), "{:?}", r.dropped_fields);
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

    use proptest::prelude::*;

    /// A contact with the fields of issue 20 set from `v` (values an address book would hold).
    fn rich(v: &[String], birthday: &str) -> Contact {
        let mut c = Contact {
            first_name: v[0].clone(),
            last_name: v[1].clone(),
            email: format!("{}@exemple.fr", v[2]),
            org_name: v[3].clone(),
            title: v[4].clone(),
            department: v[5].clone(),
            birthday: birthday.into(),
            notes: v[6].clone(),
            web_pages: format!("https://{}.example", v[7]),
            ..Default::default()
        };
        for (k, fields) in Field::ADDRESSES.iter().enumerate() {
            for (j, &f) in fields.iter().enumerate() {
                *c.get_mut(f) = format!("{} {k}{j}", v[8 + j % 4]);
            }
        }
        c
    }

    proptest! {
        /// Issue 20: title, department, birthday, notes, web page and the three addresses
        /// go through Google's and Outlook's layouts and come back (the nickname through
        /// Google's; Outlook has no column for it).
        #[test]
        fn the_fields_people_use_survive_google_and_outlook(
            v in proptest::collection::vec("[A-Za-zéü][a-zéü0-9]{0,8}", 12),
            nickname in "[A-Za-z]{1,8}",
            birthday in prop_oneof![Just("1980-03-15"), Just("--12-01"), Just("")],
        ) {
            let mut c = rich(&v, birthday);
            for fmt in [Format::GoogleCsv, Format::OutlookCsv] {
                c.nickname = if fmt == Format::GoogleCsv { nickname.clone() } else { String::new() };
                let mut r = vec![];
                row(fmt, &c, &mut r);
                let h = header(fmt);
                let plan = ReadPlan::new(&h, None);
                prop_assert_eq!(plan.format(), fmt);
                let mut back = Contact::default();
                let mut rep = Report::default();
                plan.fill(&r, &mut back, &mut rep);
                back.display_name.clear();
                prop_assert_eq!(&back, &c, "{}", fmt);
                prop_assert!(rep.dropped_fields.is_empty(), "{:?}", rep.dropped_fields);
            }
        }
    }

    /// Thunderbird's birthday in three columns is one date; its "Birth Day" is the day.
    #[test]
    fn a_birthday_in_three_columns() {
        let (_, c, r) = read(
            "First Name,Primary Email,Birth Year,Birth Month,Birth Day",
            "Ada,ada@x.fr,1815,12,10",
        );
        assert_eq!(c.birthday, "1815-12-10");
        assert!(r.dropped_fields.is_empty(), "{:?}", r.dropped_fields);
        let (_, c, _) = read(
            "First Name,Primary Email,Birth Year,Birth Month,Birth Day",
            "Ada,ada@x.fr,,3,5",
        );
        assert_eq!(c.birthday, "--03-05");
    }
}
