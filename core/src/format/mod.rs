//! File formats: names, what each holds, and the streaming readers and writers.
//!
//! Readers are push parsers (fed chunks, they answer records as they complete), so the same
//! code serves `io::Read` in the CLI and `File.stream()` chunks in the browser.

pub mod countries;
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

use crate::contact::{Contact, Field};
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

/// How a format's records sit in a file: what comes before, between and after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// CSV rows under a header.
    Csv,
    /// The elements of one JSON array.
    JsonArray,
    /// One JSON object a line.
    JsonLines,
    /// vCards, one after the other.
    Vcard,
}

impl Shape {
    /// The shape of an input whose first bytes (past any BOM) are `text`: `from`'s row's when
    /// a format is given, else as the text looks: vCards (`BEGIN:VCARD`), a JSON array (`[`),
    /// JSON objects (`{`), else CSV. The one decision the converter's reader, the encoding's
    /// detection and the planner's cut all take. (A JSON reader takes either JSON shape.)
    pub fn of(text: &[u8], from: Option<Format>) -> Shape {
        if let Some(f) = from {
            return f.spec().shape;
        }
        let start = text.trim_ascii_start();
        if start.len() >= 11 && start[..11].eq_ignore_ascii_case(b"BEGIN:VCARD") {
            return Shape::Vcard;
        }
        match start.first() {
            Some(b'[') => Shape::JsonArray,
            Some(b'{') => Shape::JsonLines,
            _ => Shape::Csv,
        }
    }

    /// True for the JSON shapes (an array, a stream of objects).
    pub fn is_json(self) -> bool {
        matches!(self, Shape::JsonArray | Shape::JsonLines)
    }
}

/// How a JSON element of a format is read, and how one is recognised.
#[derive(Debug, Clone, Copy)]
pub struct JsonRecord {
    /// What its records are called in a message (`not a valid Kojo contact`).
    pub kind: &'static str,
    /// Keys whose presence in the first element says the input is of this format; empty:
    /// the format taken when no other's keys are there.
    pub keys: &'static [&'static str],
    /// Reads one element into the record (`region`: where national numbers are read).
    pub read: fn(&[u8], &mut Contact, crate::phone::Region) -> serde_json::Result<()>,
    /// Writes the record as one element, as `writing` says.
    pub write: fn(&mut Vec<u8>, &Contact, &Writing),
}

/// How records are written, whatever the format: each writer takes what is its. A format's
/// own option is a field here, not an argument of every writer's signature.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Writing {
    /// Which number Kojo's one phone takes (`--kojo-phone`).
    pub kojo_phone: crate::kojo::KojoPhone,
}

/// What the CLI, the page and the converter know of a format: one row of [`FORMATS`]. A new
/// format is a module (its reader or writer; a provider's module also holds its wire type,
/// mapping and rules, and its row) and one row here.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The format.
    pub format: Format,
    /// Its name on the command line and in the browser.
    pub name: &'static str,
    /// Other names it is known by (`jsonl`).
    pub aliases: &'static [&'static str],
    /// What it is, for a person choosing it.
    pub label: &'static str,
    /// The extension a file of it is written with.
    pub extension: &'static str,
    /// File extensions that choose it as the output format (`-o out.jsonl`).
    pub chosen_by: &'static [&'static str],
    /// How its records sit in a file.
    pub shape: Shape,
    /// Whose rules records written in it must pass.
    pub target: Target,
    /// True for a field it has a place for (what it lacks is counted as dropped).
    pub holds: fn(Field) -> bool,
    /// A field it has a place for whose value it still drops in a record written as
    /// `writing` says, if any (Kojo's one phone: the other number).
    pub also_drops: Option<fn(&Contact, &Writing) -> Option<Field>>,
    /// For a JSON format: how its elements are read and recognised.
    pub json: Option<JsonRecord>,
    /// A provider's format: the name of the record's field that holds its id of a contact
    /// (`covage_uuid`), a column of canonical CSV ([`crate::IDS`] lists them).
    pub id: Option<&'static str>,
}

/// The canonical formats hold every field.
fn every(_: Field) -> bool {
    true
}

/// An address book's fields (vCard's): everything but the providers' own.
fn address_book(f: Field) -> bool {
    use Field::*;
    !f.is_id() && !matches!(f, VendorId | CreatedAt | UpdatedAt)
}

/// A canonical record as JSON.
pub(crate) const CANONICAL_JSON: JsonRecord = JsonRecord {
    kind: "canonical",
    keys: &[],
    read: |el, c, _| {
        *c = json_read::parse(el)?;
        Ok(())
    },
    write: |out, c, _| json_write::contact(out, c),
};

/// Every format, in the order menus list them.
pub const FORMATS: [Spec; 8] = [
    Spec {
        format: Format::Csv,
        name: "csv",
        aliases: &[],
        label: "CSV, canonical columns (first_name, email, …)",
        extension: "csv",
        chosen_by: &["csv", "tsv", "txt"],
        shape: Shape::Csv,
        target: Target::ANY,
        holds: every,
        also_drops: None,
        json: None,
        id: None,
    },
    Spec {
        format: Format::Json,
        name: "json",
        aliases: &[],
        label: "JSON array of canonical records",
        extension: "json",
        chosen_by: &["json"],
        shape: Shape::JsonArray,
        target: Target::ANY,
        holds: every,
        also_drops: None,
        json: Some(CANONICAL_JSON),
        id: None,
    },
    Spec {
        format: Format::Ndjson,
        name: "ndjson",
        aliases: &["jsonl"],
        label: "NDJSON, one canonical record a line",
        extension: "ndjson",
        chosen_by: &["ndjson", "jsonl"],
        shape: Shape::JsonLines,
        target: Target::ANY,
        holds: every,
        also_drops: None,
        json: Some(CANONICAL_JSON),
        id: None,
    },
    crate::covage::FORMAT,
    crate::kojo::FORMAT,
    Spec {
        format: Format::GoogleCsv,
        name: "google-csv",
        aliases: &[],
        label: "Google Contacts CSV",
        extension: "csv",
        chosen_by: &[],
        shape: Shape::Csv,
        target: Target::ANY,
        // Google's layout has no display name ("first last").
        holds: |f| f != Field::DisplayName && address_book(f),
        also_drops: None,
        json: None,
        id: None,
    },
    Spec {
        format: Format::OutlookCsv,
        name: "outlook-csv",
        aliases: &[],
        label: "Outlook CSV",
        extension: "csv",
        chosen_by: &[],
        shape: Shape::Csv,
        target: Target::ANY,
        // The columns written: no nickname, one e-mail, two numbers.
        holds: |f| {
            use Field::*;
            !matches!(f, DisplayName | Nickname | OtherEmails | OtherPhones) && address_book(f)
        },
        also_drops: None,
        json: None,
        id: None,
    },
    Spec {
        format: Format::Vcard,
        name: "vcard",
        aliases: &[],
        label: "vCard (.vcf), what phones and mail clients use",
        extension: "vcf",
        chosen_by: &["vcf", "vcard"],
        shape: Shape::Vcard,
        target: Target::ANY,
        holds: address_book,
        also_drops: None,
        json: None,
        id: None,
    },
];

impl Format {
    /// Every format.
    pub const ALL: [Format; 8] = {
        let mut all = [Format::Csv; 8];
        let mut i = 0;
        while i < FORMATS.len() {
            all[i] = FORMATS[i].format;
            i += 1;
        }
        all
    };

    /// Its row of [`FORMATS`] (rows are in the variants' order: a test checks it).
    pub fn spec(self) -> &'static Spec {
        &FORMATS[self as usize]
    }

    /// The name used on the command line and in the browser.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// True for the CSV family.
    pub fn is_csv(self) -> bool {
        self.spec().shape == Shape::Csv
    }

    /// True for the JSON formats (an array, a stream of objects).
    pub fn is_json(self) -> bool {
        self.spec().json.is_some()
    }

    /// The output format a file name's extension chooses (`.csv`, `.json`, `.ndjson`, `.vcf`).
    pub fn from_extension(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        FORMATS
            .iter()
            .find(|s| s.chosen_by.contains(&ext.as_str()))
            .map(|s| s.format)
    }

    /// Whose rules records written in this format must pass.
    pub fn target(self) -> Target {
        self.spec().target
    }

    /// True when this format has a place for `field` (what it lacks is counted as dropped).
    pub fn holds(self, field: Field) -> bool {
        (self.spec().holds)(field)
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
        FORMATS
            .iter()
            .find(|f| f.name == s || f.aliases.contains(&s.as_str()))
            .map(|f| f.format)
            .ok_or_else(|| Error::UnknownFormat(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_has_its_format_rows_shape_or_the_one_it_looks_like() {
        assert_eq!(Shape::of(b" \r\nbegin:vcard\r\n", None), Shape::Vcard);
        assert_eq!(Shape::of(b"\n [{\"email\":1}]", None), Shape::JsonArray);
        assert_eq!(Shape::of(b"{\"email\":1}\n", None), Shape::JsonLines);
        assert_eq!(Shape::of(b"email\n[x]\n", None), Shape::Csv);
        assert_eq!(Shape::of(b"", None), Shape::Csv);
        // A given format's row decides, whatever the text looks like.
        assert_eq!(Shape::of(b"[1]", Some(Format::Csv)), Shape::Csv);
        assert_eq!(Shape::of(b"{}", Some(Format::Kojo)), Shape::JsonArray);
        assert_eq!(
            Shape::of(b"BEGIN:VCARD", Some(Format::Ndjson)),
            Shape::JsonLines
        );
        for row in &FORMATS {
            assert_eq!(Shape::of(b"", Some(row.format)), row.shape);
        }
    }

    #[test]
    fn names_parse_back() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), f);
        }
        assert_eq!("JSONL".parse::<Format>().unwrap(), Format::Ndjson);
        assert!("xml".parse::<Format>().is_err());
    }

    #[test]
    fn the_table_has_one_row_a_format_and_names_are_unique() {
        for (i, row) in FORMATS.iter().enumerate() {
            assert_eq!(
                row.format as usize, i,
                "{}: rows in the variants' order",
                row.name
            );
            assert_eq!(row.format.spec().name, row.name);
        }
        let mut names: Vec<&str> = FORMATS
            .iter()
            .flat_map(|s| std::iter::once(s.name).chain(s.aliases.iter().copied()))
            .collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "a name is used twice");
    }

    #[test]
    fn extensions() {
        assert_eq!(Format::from_extension("out/backup.CSV"), Some(Format::Csv));
        assert_eq!(Format::from_extension("a.jsonl"), Some(Format::Ndjson));
        assert_eq!(Format::from_extension("noext"), None);
    }
}
