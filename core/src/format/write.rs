//! Streaming writers: one record at a time into a byte buffer the caller drains.

use super::layout;
use super::Writing;
use super::{Format, Shape};
use crate::contact::Contact;

/// Writes CSV rows straight into a byte buffer, quoted as `csv-core` quotes them (RFC 4180,
/// its `Necessary` style; property-tested against it).
#[derive(Debug, Default)]
pub struct CsvOut {
    excel_safe: bool,
}

/// True for a cell Excel (or LibreOffice) would run as a formula: it starts with `=`, `+`, `-`,
/// `@`, a tab or a CR (OWASP's CSV injection list). A signed number (`+33 1 42 84 54 03`, `-5`)
/// runs nothing and is left as it is; so is a cell already guarded, unless it would be read
/// back as guarded (`'=x` is written `''=x`).
pub fn is_formula(cell: &[u8]) -> bool {
    match cell.first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => !cell[1..]
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'.' | b'(' | b')' | b'-')),
        Some(b'\'') => is_formula(&cell[1..]),
        _ => false,
    }
}

/// A cell read back from an Excel-safe file: the guarding `'` is taken off again.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if is_formula(rest.as_bytes()) => rest,
        _ => cell,
    }
}

/// The bytes that make csv-core quote a field (comma, quote, CR, LF).
static QUOTED: [bool; 256] = {
    let mut t = [false; 256];
    t[b',' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\n' as usize] = true;
    t
};

impl CsvOut {
    /// A writer that guards formula cells with a leading `'` ([`is_formula`]).
    pub fn excel_safe(on: bool) -> CsvOut {
        CsvOut { excel_safe: on }
    }

    /// Appends one row to `out`.
    pub fn row<S: AsRef<[u8]>>(&mut self, fields: &[S], out: &mut Vec<u8>) {
        let start = out.len();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let f = f.as_ref();
            // A formula cell is guarded with a leading `'`, which never needs quoting itself.
            let guard: &[u8] = if self.excel_safe && is_formula(f) {
                b"'"
            } else {
                b""
            };
            if f.iter().any(|&b| QUOTED[b as usize]) {
                // Quoted, its quotes doubled.
                out.push(b'"');
                out.extend_from_slice(guard);
                for (j, part) in f.split(|&b| b == b'"').enumerate() {
                    if j > 0 {
                        out.extend_from_slice(b"\"\"");
                    }
                    out.extend_from_slice(part);
                }
                out.push(b'"');
            } else {
                out.extend_from_slice(guard);
                out.extend_from_slice(f);
            }
        }
        // A record that would be an empty line (no field, or one empty field) is `""`, as
        // csv-core writes it: a blank line is no record when read back.
        if out.len() == start {
            out.extend_from_slice(b"\"\"");
        }
        out.push(b'\n');
    }
}

/// Writes records in one format.
pub struct Writer {
    format: Format,
    writing: Writing,
    csv: Option<CsvOut>,
    vcard: super::vcard::Version,
    /// CSV header (and BOM) not yet handed out.
    head: Vec<u8>,
    count: u64,
    fragment: bool,
}

impl Writer {
    /// A writer for `format`; `bom` starts the output with a UTF-8 BOM (for Excel).
    pub fn new(format: Format, writing: Writing, bom: bool) -> Writer {
        let mut w = Writer::fragment(format, writing);
        w.fragment = false;
        prologue(format, bom, &mut w.head);
        w
    }

    /// A writer of a fragment: records only (no header, no brackets), each JSON array element
    /// preceded by `,\n`, for a [`Joiner`] to put together in order.
    pub fn fragment(format: Format, writing: Writing) -> Writer {
        Writer {
            format,
            writing,
            csv: format.is_csv().then(CsvOut::default),
            vcard: Default::default(),
            head: Vec::new(),
            count: 0,
            fragment: true,
        }
    }

    /// The vCard version written.
    pub fn vcard_version(mut self, v: super::vcard::Version) -> Writer {
        self.vcard = v;
        self
    }

    /// Guards CSV cells that Excel would run as formulas ([`is_formula`]).
    pub fn excel_safe(mut self, on: bool) -> Writer {
        if let Some(w) = self.csv.as_mut() {
            w.excel_safe = on;
        }
        self
    }

    /// Appends `c` to `out`.
    pub fn write(&mut self, c: &Contact, out: &mut Vec<u8>) {
        self.drain(out);
        let sep: &[u8] = if self.count == 0 && !self.fragment {
            b"[\n"
        } else {
            b",\n"
        };
        self.count += 1;
        // Where the record goes is the format's shape; what it looks like, its row's.
        let spec = self.format.spec();
        let json = || spec.json.expect("a JSON format's row says how to write it");
        match spec.shape {
            Shape::Csv => {
                // The widest layout (Google's) in one allocation.
                let mut fields = Vec::with_capacity(64);
                layout::row(self.format, c, &mut fields);
                self.csv.as_mut().expect("csv writer").row(&fields, out);
            }
            Shape::JsonLines => {
                (json().write)(out, c, &self.writing);
                out.push(b'\n');
            }
            Shape::JsonArray => {
                out.extend_from_slice(sep);
                (json().write)(out, c, &self.writing);
            }
            Shape::Vcard => super::vcard::write_card(c, self.vcard, out),
        }
    }

    /// Moves what is buffered (the header) to `out`.
    pub fn drain(&mut self, out: &mut Vec<u8>) {
        if !self.head.is_empty() {
            out.append(&mut self.head);
        }
    }

    /// Ends the output (closes a JSON array).
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        self.drain(out);
        if !self.fragment {
            epilogue(self.format, self.count > 0, out);
        }
    }
}

fn is_array(format: Format) -> bool {
    format.spec().shape == Shape::JsonArray
}

/// What comes before the first record: BOM and header for CSV.
fn prologue(format: Format, bom: bool, out: &mut Vec<u8>) {
    if format.is_csv() {
        if bom {
            out.extend_from_slice("\u{FEFF}".as_bytes());
        }
        CsvOut::default().row(&layout::header(format), out);
    }
}

/// What comes after the last record: a JSON array's end.
fn epilogue(format: Format, any: bool, out: &mut Vec<u8>) {
    if is_array(format) {
        out.extend_from_slice(if any { b"\n]\n" } else { b"[]\n" });
    }
}

/// Puts fragments (from [`Writer::fragment`], converted apart, e.g. on several threads) together
/// in order, into exactly the bytes one [`Writer`] would have written.
#[derive(Debug)]
pub struct Joiner {
    format: Format,
    bom: bool,
    begun: bool,
    any: bool,
}

impl Joiner {
    /// A joiner for `format`.
    pub fn new(format: Format, bom: bool) -> Joiner {
        Joiner {
            format,
            bom,
            begun: false,
            any: false,
        }
    }

    /// Writes the next fragment (in input order) to `out`, as it lies: no copy of it is made.
    pub fn push(&mut self, fragment: &[u8], out: &mut impl std::io::Write) -> std::io::Result<()> {
        let (head, skip) = self.place(fragment);
        out.write_all(&head)?;
        out.write_all(&fragment[skip..])
    }

    /// What goes before the next fragment, and how many of its first bytes to leave out:
    /// [`Joiner::push`] without the writing, for a caller that keeps the fragment where it is
    /// (the page: in JavaScript). Only the fragment's first two bytes are looked at.
    pub fn place(&mut self, fragment: &[u8]) -> (Vec<u8>, usize) {
        let mut head = Vec::new();
        if !self.begun {
            self.begun = true;
            prologue(self.format, self.bom, &mut head);
        }
        let mut skip = 0;
        if !fragment.is_empty() && is_array(self.format) && !self.any {
            head.extend_from_slice(b"[\n");
            if fragment.starts_with(b",\n") {
                skip = 2;
            }
        }
        self.any |= !fragment.is_empty();
        (head, skip)
    }

    /// Ends the output.
    pub fn finish(&mut self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        self.push(&[], out)?;
        let mut tail = Vec::new();
        epilogue(self.format, self.any, &mut tail);
        out.write_all(&tail)
    }
}

#[cfg(test)]
mod excel_tests {
    use super::*;

    #[test]
    fn formula_cells_are_guarded_and_read_back_as_they_were() {
        for (cell, guarded) in [
            ("=HYPERLINK(\"http://x\")", true),
            ("+cmd|' /C calc'!A0", true),
            ("-2+3", true),
            ("@SUM(A1)", true),
            ("\tx", true),
            ("'=x", true),
            ("+33 1 42 84 54 03", false),
            ("+33142845403", false),
            ("-5", false),
            ("Dupont", false),
            ("l'=x", false),
            ("", false),
        ] {
            assert_eq!(is_formula(cell.as_bytes()), guarded, "{cell:?}");
            let mut out = vec![];
            CsvOut::excel_safe(true).row(&["a", cell], &mut out);
            let mut plain = vec![];
            CsvOut::default().row(&["a", cell], &mut plain);
            assert_eq!(out != plain, guarded, "{cell:?}");
            // Read back: the cell as it was.
            let text = String::from_utf8(out).unwrap();
            let back = text.trim_end_matches('\n').split_once(',').unwrap().1;
            let back = back
                .strip_prefix('"')
                .and_then(|b| b.strip_suffix('"'))
                .map(|b| b.replace("\"\"", "\""))
                .unwrap_or(back.to_string());
            assert_eq!(unguard(&back), cell, "{cell:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(rows: &[&[&str]]) -> String {
        let mut out = vec![];
        let mut w = CsvOut::default();
        for r in rows {
            w.row(r, &mut out);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_quotes_only_where_needed() {
        assert_eq!(rows(&[&["a", "b"], &["", "\r"]]), "a,b\n,\"\r\"\n");
        assert_eq!(
            rows(&[&["x, \"y\"", "multi\nline", "plain"]]),
            "\"x, \"\"y\"\"\",\"multi\nline\",plain\n"
        );
    }

    #[test]
    fn json_array_is_closed_even_when_empty() {
        let mut out = vec![];
        let mut w = Writer::new(Format::Covage, Writing::default(), false);
        w.finish(&mut out);
        assert_eq!(out, b"[]\n");
    }

    #[test]
    fn fragments_join_into_the_same_bytes() {
        let c = |e: &str| Contact {
            email: e.into(),
            ..Default::default()
        };
        for format in [
            Format::Csv,
            Format::Json,
            Format::Ndjson,
            Format::Covage,
            Format::Kojo,
        ] {
            let mut whole = vec![];
            let mut w = Writer::new(format, Writing::default(), false);
            for e in ["a@x.fr", "b@x.fr", "c@x.fr"] {
                w.write(&c(e), &mut whole);
            }
            w.finish(&mut whole);
            let mut joined = vec![];
            let mut j = Joiner::new(format, false);
            for group in [&["a@x.fr", "b@x.fr"][..], &[], &["c@x.fr"]] {
                let mut frag = vec![];
                let mut f = Writer::fragment(format, Writing::default());
                for e in group {
                    f.write(&c(e), &mut frag);
                }
                f.finish(&mut frag);
                j.push(&frag, &mut joined).unwrap();
            }
            j.finish(&mut joined).unwrap();
            assert_eq!(
                String::from_utf8(joined).unwrap(),
                String::from_utf8(whole).unwrap(),
                "{format}"
            );
        }
    }

    proptest::proptest! {
        /// Rows, plain or with fields to quote, as csv-core writes them.
        #[test]
        fn plain_rows_as_csv_core_writes_them(
            fields in proptest::collection::vec("[a ,\"\r\né]{0,6}", 0..5),
        ) {
            let mut ours = vec![];
            CsvOut::default().row(&fields, &mut ours);
            let mut theirs = vec![];
            // csv-core itself, a step at a time (fields here are short: the buffer holds any).
            let mut w = csv_core::Writer::new();
            let mut buf = [0u8; 64];
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    let (_, n) = w.delimiter(&mut buf);
                    theirs.extend_from_slice(&buf[..n]);
                }
                let (r, _, n) = w.field(f.as_bytes(), &mut buf);
                assert_eq!(r, csv_core::WriteResult::InputEmpty);
                theirs.extend_from_slice(&buf[..n]);
            }
            let (_, n) = w.terminator(&mut buf);
            theirs.extend_from_slice(&buf[..n]);
            proptest::prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn bom_only_before_csv() {
        let mut out = vec![];
        Writer::new(Format::Csv, Writing::default(), true).finish(&mut out);
        assert!(out.starts_with("\u{FEFF}first_name,".as_bytes()));
    }
}
