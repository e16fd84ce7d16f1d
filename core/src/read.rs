//! The record readers: what one CSV row, JSON element or vCard says, as a [`Read`] (the
//! contact, the values its input drops, what is wrong with it) for the pipeline. The
//! splitters under `format/` find where records end; these read what is between. A
//! [`ShapeReader`] is one shape's splitter and reader together, picked once from the input's
//! first bytes ([`shape_reader`]): the converter feeds it without knowing the shape.

use crate::error::Error;
use crate::format::csv_read::{sniff_delimiter, CsvSplitter};
use crate::format::json_read::JsonSplitter;
use crate::format::layout::ReadPlan;
use crate::format::vcard::VcardSplitter;
use crate::format::{Format, Shape, CANONICAL_JSON, FORMATS};
use crate::pipeline::{Pipeline, Read};
use crate::problem::Problem;
use crate::report::Report;

/// One shape's records as they come: its splitter finds where each ends, [`Readers`] reads
/// it, and the [`Pipeline`] takes it.
pub(crate) trait ShapeReader: Send {
    /// Feeds `text` (`eof` on the last call): every whole record in it goes through `to`.
    fn feed(&mut self, text: &[u8], eof: bool, to: Steps<'_>) -> Result<(), Error>;

    /// The format its records are read as, once known (a CSV layout from its header, a JSON
    /// format from its first element's keys).
    fn format(&self) -> Option<Format>;
}

/// What a record goes through once its shape's splitter found it: read by `readers` into
/// `read`, then through `pipeline`, its bytes to `out`.
pub(crate) struct Steps<'a> {
    pub readers: &'a Readers,
    pub read: &'a mut Read,
    pub pipeline: &'a mut Pipeline,
    pub out: &'a mut Vec<u8>,
}

impl Steps<'_> {
    /// The record read, ending on `line`, through the pipeline.
    fn record(&mut self, line: u64) {
        self.pipeline.record(self.read, line, self.out);
    }
}

/// The shape `text` (the input's first bytes, decoded) is in, as `from` says or as it looks:
/// vCards (`BEGIN:VCARD`), JSON (`[` or `{`), else CSV (`delimiter`, or the one it uses).
/// Records bigger than `max_record` bytes are read through, not kept.
pub(crate) fn shape_reader(
    text: &[u8],
    from: Option<Format>,
    delimiter: Option<u8>,
    max_record: usize,
) -> Box<dyn ShapeReader> {
    // As `decode::detect_input` judges the raw sample, here on the decoded text (UTF-16).
    match Shape::of(text, from) {
        Shape::Vcard => Box::new(VcardSplitter::new(max_record)),
        Shape::JsonArray | Shape::JsonLines => Box::new(JsonRecords {
            splitter: JsonSplitter::default().with_max(max_record),
            format: from,
        }),
        Shape::Csv => {
            let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(text));
            Box::new(CsvRecords {
                splitter: CsvSplitter::new(delimiter).with_max(max_record),
                plan: None,
                from,
            })
        }
    }
}

/// CSV rows under a header.
struct CsvRecords {
    splitter: CsvSplitter,
    /// How its columns are read, once its header is.
    plan: Option<ReadPlan>,
    from: Option<Format>,
}

impl ShapeReader for CsvRecords {
    fn feed(&mut self, text: &[u8], eof: bool, mut to: Steps<'_>) -> Result<(), Error> {
        let (plan, from) = (&mut self.plan, self.from);
        self.splitter.feed(text, eof, |rec, ends, line| {
            if to.readers.csv(
                plan,
                from,
                (rec, ends, line),
                to.read,
                &mut to.pipeline.report,
            )? {
                to.record(line);
            }
            Ok(())
        })
    }

    fn format(&self) -> Option<Format> {
        self.plan.as_ref().map(ReadPlan::format)
    }
}

/// The elements of a JSON array, or a stream of JSON objects.
struct JsonRecords {
    splitter: JsonSplitter,
    /// What its elements are (Covage's, Kojo's, canonical), once known: given, or from the
    /// first element's keys.
    format: Option<Format>,
}

impl ShapeReader for JsonRecords {
    fn feed(&mut self, text: &[u8], eof: bool, mut to: Steps<'_>) -> Result<(), Error> {
        let format = &mut self.format;
        self.splitter.feed(text, eof, |el, line| {
            // A failure inside an element is in the record it would have been.
            let record = to.pipeline.report.read + 1;
            to.readers
                .json(format, el, line, to.read)
                .map_err(|e| e.in_record(record))?;
            to.record(line);
            Ok(())
        })
    }

    fn format(&self) -> Option<Format> {
        self.format
    }
}

/// vCards, one after the other.
impl ShapeReader for VcardSplitter {
    fn feed(&mut self, text: &[u8], eof: bool, mut to: Steps<'_>) -> Result<(), Error> {
        VcardSplitter::feed(self, text, eof, |card, line| {
            to.readers.vcard(card, to.read);
            to.record(line);
            Ok(())
        })
    }

    fn format(&self) -> Option<Format> {
        Some(Format::Vcard)
    }
}

/// What every reader needs to know of the conversion.
pub(crate) struct Readers {
    /// The bound of a record, for the message of one over it.
    pub max_record: usize,
    /// How messages name what supplies a missing piece.
    pub hints: crate::hints::Hints,
    /// `--map`: the user's column names to fields (`None`: dropped).
    pub columns: Vec<(String, Option<crate::contact::Field>)>,
    /// Where national numbers of a Kojo contact are read.
    pub region: crate::phone::Region,
    /// A vCard's values without a `CHARSET`: the file's encoding (vCards are read as bytes).
    pub vcard_charset: &'static encoding_rs::Encoding,
}

impl Readers {
    /// One CSV row (its bytes `rec`, its fields ending at `ends`, starting on `line`): the
    /// header while `plan` is not known (then `Ok(false)`: no record; what it said goes to
    /// `report`), else a record into `read`. A row over the bound comes with no field.
    pub(crate) fn csv(
        &self,
        plan: &mut Option<ReadPlan>,
        from: Option<Format>,
        (rec, ends, line): (&[u8], &[usize], u64),
        read: &mut Read,
        report: &mut Report,
    ) -> Result<bool, Error> {
        let header = |why: String| Error::Header {
            at: crate::error::At::line(line),
            why,
        };
        if ends.is_empty() {
            // Over the bound (the splitter kept none of it).
            if plan.is_none() {
                return Err(header(format!(
                    "the header is longer than {} bytes: not a CSV header",
                    self.max_record
                )));
            }
            self.too_long(read);
            return Ok(true);
        }
        // On the stack for any usual width: this runs once a record.
        let (mut stack, mut heap) = ([""; 32], Vec::new());
        let fields: &mut [&str] = if ends.len() <= stack.len() {
            &mut stack[..ends.len()]
        } else {
            heap.resize(ends.len(), "");
            &mut heap
        };
        let mut bad_utf8 = None;
        let mut start = 0;
        // One check for the whole record (fields end at ASCII delimiters, so at char
        // boundaries); field by field only to name the column that is not UTF-8.
        let whole = simdutf8::basic::from_utf8(&rec[..ends.last().copied().unwrap_or(0)]).ok();
        for (i, &end) in ends.iter().enumerate() {
            let field = match whole {
                Some(w) => w.get(start..end).ok_or(()),
                None => std::str::from_utf8(&rec[start..end]).map_err(|_| ()),
            };
            match field {
                // A cell guarded for Excel is read as it was written before.
                Ok(s) => fields[i] = crate::format::write::unguard(s),
                Err(()) => {
                    bad_utf8.get_or_insert(i);
                }
            }
            start = end;
        }
        if plan.is_none() {
            if let Some(i) = bad_utf8 {
                return Err(header(format!(
                    "column {} of the header is not valid UTF-8: give {}",
                    i + 1,
                    self.hints.encoding
                )));
            }
            // A label line before the header (LinkedIn's `Notes:`): one cell ending with `:`
            // names no column, even when its word is a field's.
            let filled = fields.iter().filter(|f| !f.trim().is_empty()).count();
            if filled == 1
                && report.skipped_lines < 10
                && fields.iter().any(|f| f.trim_end().ends_with(':'))
            {
                report.skipped_lines += 1;
                return Ok(false);
            }
            let mut p = ReadPlan::with_map(fields, from, &self.columns);
            let mut headerless = None;
            if p.knows_nothing() {
                if let Some((program, names)) = crate::format::layout::headerless(fields) {
                    // No header row, but a known program's column order: this line is the
                    // first contact, read as one below.
                    p = ReadPlan::with_map(&names, from, &self.columns);
                    headerless = Some(program);
                } else {
                    if filled <= 1
                        && report.skipped_lines < 10
                        && !fields.iter().any(|f| f.contains('@'))
                    {
                        // A line of notes before the header (LinkedIn's Connections.csv).
                        report.skipped_lines += 1;
                        return Ok(false);
                    }
                    return Err(header(unknown_header(fields, &self.hints)));
                }
            }
            report.unknown_columns = p.unknown().map(String::from).collect();
            if !p.is_canonical() {
                report.mapping = p
                    .mapping()
                    .into_iter()
                    .map(|(column, f)| crate::report::ColumnUse {
                        column,
                        field: f.map(String::from),
                    })
                    .collect();
            }
            report.headerless = headerless.map(String::from);
            *plan = Some(p);
            if headerless.is_none() {
                return Ok(false);
            }
        }
        let Some(p) = plan.as_ref() else {
            return Ok(false);
        };
        let read = read.start();
        if let Some(i) = bad_utf8 {
            read.problems.push(Problem::new(
                "record",
                format!(
                    "column {} is not valid UTF-8 (wrong {}?)",
                    i + 1,
                    self.hints.encoding
                ),
                "",
            ));
        }
        if fields.len() > p.width() {
            read.problems.push(Problem::new(
                "record",
                format!(
                    "row has {} fields but the header has {}",
                    fields.len(),
                    p.width()
                ),
                &fields[p.width()..].join(","),
            ));
        }
        // Filled even when rejected, so the rejects file carries the values to fix.
        let country = p.fill(fields, &mut read.contact, &mut read.drops);
        // A record with a country reads its national numbers there.
        read.region = country
            .and_then(|i| fields.get(i))
            .and_then(|cell| crate::format::countries::country_code(cell));
        Ok(true)
    }

    /// One JSON element (`el`, starting on `line`), of `format` (sniffed from the first
    /// element when not given). Bytes that are not UTF-8 are an error of the input, not of
    /// one record.
    pub(crate) fn json(
        &self,
        format: &mut Option<Format>,
        el: &[u8],
        line: u64,
        read: &mut Read,
    ) -> Result<(), Error> {
        if el.is_empty() {
            // Over the bound (the splitter kept none of it).
            self.too_long(read);
            return Ok(());
        }
        let format = *format.get_or_insert_with(|| sniff_json(el));
        let record = format.spec().json.unwrap_or(CANONICAL_JSON);
        let read = read.start();
        let parsed = (record.read)(el, &mut read.contact, self.region);
        read.region = address_region(&read.contact);
        if let Err(e) = parsed {
            if let Err(bad) = std::str::from_utf8(el) {
                // JSON is UTF-8 (RFC 8259): bytes that are not are a file in another encoding,
                // not one bad record. Said with the line and byte, as the CSV path does.
                let before = &el[..bad.valid_up_to()];
                let nl = before.iter().filter(|&&b| b == b'\n').count() as u64;
                let byte = el[bad.valid_up_to()];
                let col = before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map(|i| before.len() - i);
                let at = match col {
                    Some(c) => format!("byte {c} of the line"),
                    None => format!("{} bytes into the record", before.len()),
                };
                return Err(Error::Json {
                    at: crate::error::At::line(line + nl),
                    why: format!(
                        "not valid UTF-8 (byte 0x{byte:02X}, {at}); JSON is UTF-8 — if the file is in another encoding, give it (e.g. windows-1252)"
                    ),
                });
            }
            read.problems.push(Problem::new(
                "record",
                format!(
                    "not a valid {} contact: {}",
                    record.kind,
                    strip_position(&e)
                ),
                "",
            ));
        }
        Ok(())
    }

    /// One vCard (over the bound when empty).
    pub(crate) fn vcard(&self, card: &[u8], read: &mut Read) {
        if card.is_empty() {
            return self.too_long(read);
        }
        let read = read.start();
        let mut drops = Report::default();
        crate::format::vcard::read_card(
            card,
            self.vcard_charset,
            &mut read.contact,
            &mut drops,
            &mut read.warnings,
        );
        for (f, n) in drops.dropped_fields {
            *read.drops.dropped_fields.entry(f).or_insert(0) += n;
        }
        read.region = address_region(&read.contact);
    }

    /// A record longer than the bound: rejected on its line, read through, not kept.
    fn too_long(&self, read: &mut Read) {
        read.start().problems.push(Problem::new(
            "record",
            format!(
                "longer than {} bytes: not read (the limit keeps memory flat; raise it to read such a record)",
                self.max_record
            ),
            "",
        ));
    }
}

/// Where the national numbers of a record read without country columns (a vCard, a JSON
/// record) are read: the country of its first address, work, home then other, as the CSV
/// written from it says (its first country column). A vCard and the CSV made of it give
/// the same numbers.
fn address_region(c: &crate::Contact) -> Option<crate::phone::Region> {
    crate::Field::ADDRESSES
        .iter()
        .map(|a| c.get(a[5]))
        .find(|v| !v.is_empty())
        .and_then(crate::format::countries::country_code)
}

/// Why a header was not understood, and how to fix it: the columns, the known names closest
/// to them, a mapping.
fn unknown_header(fields: &[&str], hints: &crate::hints::Hints) -> String {
    if fields.iter().any(|f| f.contains('@')) {
        return format!(
            "the first line looks like a contact, not a header ({}): the file has no header row; add one (e.g. first_name,last_name,email) or name the columns with {}",
            fields.iter().take(6).copied().collect::<Vec<_>>().join(", "),
            hints.map
        );
    }
    let mut close = vec![];
    for f in fields.iter().filter(|f| !f.trim().is_empty()) {
        if let Some((_, field)) = crate::format::headers::closest(f, 1).first() {
            close.push(format!("{f:?} is close to {}", field.name()));
        }
    }
    format!(
        "no known column in the header ({}){}; expected names such as first_name, last_name, email (or E-mail, Courriel, Vorname…), or a Google / Outlook / Thunderbird export; name the columns with {}",
        fields.join(", "),
        if close.is_empty() { String::new() } else { format!(" ({})", close.join("; ")) },
        hints.map_example
    )
}

fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The format JSON input is read as, decided as the one-thread path decides it: `from` when
/// given, else from the first element's keys. For readers that cut the input into pieces.
pub fn json_format(first: &[u8], from: Option<Format>) -> Format {
    from.unwrap_or_else(|| sniff_json(first))
}

/// The format of a JSON element from its keys: the first format of [`FORMATS`] whose keys it
/// has (Covage's, Kojo's), else canonical JSON.
fn sniff_json(el: &[u8]) -> Format {
    let Ok(keys) =
        serde_json::from_slice::<std::collections::HashMap<String, serde::de::IgnoredAny>>(el)
    else {
        return Format::Json;
    };
    FORMATS
        .iter()
        .find(|s| {
            s.json
                .is_some_and(|j| j.keys.iter().any(|k| keys.contains_key(*k)))
        })
        .map_or(Format::Json, |s| s.format)
}
