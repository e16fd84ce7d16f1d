//! File formats: names, what each holds, and the streaming readers and writers.
//!
//! Readers are push parsers (fed chunks, they answer records as they complete), so the same
//! code serves `io::Read` in the CLI and `File.stream()` chunks in the browser.

pub mod csv_read;
pub mod decode;
pub mod headers;
pub mod json_read;
pub mod json_write;
pub mod layout;
pub mod vcard;
pub mod write;

/// Where whole records end in text that starts at a record's start (found by
/// [`csv_read::scan_records`] or [`json_read::scan_elements`], to cut input into pieces that
/// convert apart).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scan {
    /// Bytes up to and including the last whole record (0: no whole record).
    pub end: usize,
    /// Lines in those bytes.
    pub lines: u64,
    /// Records in those bytes (blank CSV lines are not records).
    pub records: u64,
}

use crate::contact::Field;
use crate::error::Error;
use crate::rules::Target;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Canonical CSV: header of canonical field names, any column order.
    Csv,
    /// Canonical records in one JSON array.
    Json,
    /// Canonical records, one JSON object a line.
    Ndjson,
    /// A JSON array of Covage contacts, as `GET /api/contacts/` returns them (one object too).
    Covage,
    /// A JSON array of Kojo contacts.
    Kojo,
    /// Google Contacts CSV export / import layout.
    GoogleCsv,
    /// Outlook CSV export / import layout.
    OutlookCsv,
    /// vCard 2.1, 3.0, 4.0 (`.vcf`): what phones and mail clients export; written as 3.0.
    Vcard,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 8] = [
        Format::Csv,
        Format::Json,
        Format::Ndjson,
        Format::Covage,
        Format::Kojo,
        Format::GoogleCsv,
        Format::OutlookCsv,
        Format::Vcard,
    ];

    /// The name used on the command line and in the browser.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Covage => "covage",
            Format::Kojo => "kojo",
            Format::GoogleCsv => "google-csv",
            Format::OutlookCsv => "outlook-csv",
            Format::Vcard => "vcard",
        }
    }

    /// True for the CSV family.
    pub fn is_csv(self) -> bool {
        matches!(self, Format::Csv | Format::GoogleCsv | Format::OutlookCsv)
    }

    /// True for the JSON formats (an array, a stream of objects).
    pub fn is_json(self) -> bool {
        matches!(
            self,
            Format::Json | Format::Ndjson | Format::Covage | Format::Kojo
        )
    }

    /// The output format for a file name's extension (`.csv`, `.json`, `.ndjson`, `.jsonl`).
    pub fn from_extension(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            "vcf" | "vcard" => Some(Format::Vcard),
            _ => None,
        }
    }

    /// Whose rules records written in this format must pass.
    pub fn target(self) -> Target {
        match self {
            Format::Covage => Target::Covage,
            Format::Kojo => Target::Kojo,
            _ => Target::Any,
        }
    }

    /// True when this format has a place for `field` (what it lacks is counted as dropped).
    pub fn holds(self, field: Field) -> bool {
        use Field::*;
        match self {
            Format::Csv | Format::Json | Format::Ndjson => true,
            Format::Covage => matches!(
                field,
                FirstName | LastName | Email | Phone | Mobile | CovageUuid
            ),
            Format::Kojo => matches!(
                field,
                DisplayName
                    | Email
                    | Phone
                    | Mobile
                    | OrgName
                    | VendorId
                    | KojoId
                    | CreatedAt
                    | UpdatedAt
            ),
            // An address book's fields: Google's layout has no display name ("first last").
            Format::GoogleCsv => field != DisplayName && Format::Vcard.holds(field),
            Format::OutlookCsv => matches!(
                field,
                FirstName | LastName | Email | Phone | Mobile | OrgName
            ),
            Format::Vcard => matches!(
                field,
                FirstName
                    | LastName
                    | DisplayName
                    | Email
                    | Phone
                    | Mobile
                    | OrgName
                    | OtherEmails
                    | OtherPhones
            ),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format, Error> {
        let s = s.trim().to_ascii_lowercase();
        let s = if s == "jsonl" { "ndjson" } else { s.as_str() };
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| Error::UnknownFormat(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), f);
        }
        assert_eq!("JSONL".parse::<Format>().unwrap(), Format::Ndjson);
        assert!("xml".parse::<Format>().is_err());
    }

    #[test]
    fn extensions() {
        assert_eq!(Format::from_extension("out/backup.CSV"), Some(Format::Csv));
        assert_eq!(Format::from_extension("a.jsonl"), Some(Format::Ndjson));
        assert_eq!(Format::from_extension("noext"), None);
    }
}
