//! The conversion engine: bytes in, records through normalisation, validation and mapping,
//! bytes out. Push-driven (`push` chunks, then `finish`) so the CLI's files and the browser's
//! streams run the very same code and give byte-identical results.

use crate::contact::{Contact, Field};
use crate::covage::CovageContact;
use crate::error::Error;
use crate::format::csv_read::{sniff_delimiter, CsvSplitter};
use crate::format::decode::{self, Decoder, Encoding};
use crate::format::json_read::JsonSplitter;
use crate::format::layout::ReadPlan;
use crate::format::vcard::VcardSplitter;
use crate::format::write::{CsvOut, Writer};
use crate::format::Format;
use crate::kojo::KojoContact;
use crate::mapping::{self, Mapping};
use crate::normalize::{normalize, InvalidPhone};
use crate::problem::{Position, Problem};
use crate::report::{EntryStore, Report};
use crate::rules::{self, Target};
use crate::sink::{Nowhere, Records, Sink};

/// How much input is looked at before the encoding, format and delimiter are picked.
const SNIFF: usize = 64 * 1024;

/// What a conversion does.
#[derive(Debug, Clone)]
pub struct Options {
    /// Input format; `None` detects it from the content (JSON or CSV; Covage, Kojo or canonical
    /// keys; Google or Outlook headers).
    pub from: Option<Format>,
    /// Output format; `None` writes nothing (validation only).
    pub to: Option<Format>,
    /// Rules to check; `None` takes the output format's.
    pub target: Option<Target>,
    /// Input encoding; `None` detects it.
    pub encoding: Option<Encoding>,
    /// CSV delimiter; `None` sniffs it.
    pub delimiter: Option<u8>,
    /// Start CSV output with a UTF-8 BOM.
    pub bom: bool,
    /// Mapping options.
    pub mapping: Mapping,
    /// Keep accepted records for [`Converter::take_records`] instead of writing them (the
    /// output format still decides the rules and the field-loss accounting).
    pub collect: bool,
    /// Keep a copy of the first `preview` accepted records (for a preview table).
    pub preview: usize,
    /// Write a fragment: records only, for a [`crate::format::write::Joiner`] (chunks
    /// converted apart, in parallel); rejects without their header.
    pub fragment: bool,
    /// Added to every record number and line (a chunk's place in the whole input).
    pub offset: Position,
    /// What to do with an invalid phone number; `None`: keep it (with a warning) for flat
    /// files, reject the record for Covage and Kojo.
    pub invalid_phone: Option<InvalidPhone>,
    /// The user's mapping of CSV columns (`--map`): a column name to a field, or `None` to
    /// drop the column. Applied before the table of known names.
    pub columns: Vec<(String, Option<crate::contact::Field>)>,
    /// The vCard version written (3.0 by default, what phones import).
    pub vcard_version: crate::format::vcard::Version,
    /// CSV output for Excel: cells Excel would run as formulas (`=`, `+`, `-`, `@`…) get a
    /// leading `'` ([`crate::format::write::is_formula`]). Reading always takes it off again.
    pub excel_safe: bool,
    /// The rejects CSV guarded for Excel the same way: on by default, since it holds values
    /// no one checked (an input's, a provider's); off only when the user says so.
    pub rejects_excel_safe: bool,
    /// The largest record (a CSV row, a JSON element) read, in bytes: a longer one is rejected
    /// with its line and not kept, so memory stays flat whatever the input.
    pub max_record_bytes: usize,
    /// How messages name what supplies a missing piece: the CLI's flags, the page's fields.
    pub hints: crate::hints::Hints,
}

impl Options {
    /// True when the rules across records apply ([`rules::OnePerEmail`]): when validating for
    /// a provider (no output, a provider's rules), so `validate --for kojo` rejects what
    /// `import kojo` would. A conversion writes files, where two rows may share an email;
    /// an import's engine applies the rule itself, to the records it receives.
    pub fn cross_record_rules(&self) -> bool {
        self.to.is_none() && matches!(self.target, Some(Target::Covage | Target::Kojo))
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            from: None,
            to: Some(Format::Csv),
            target: None,
            encoding: None,
            delimiter: None,
            bom: false,
            mapping: Mapping::default(),
            collect: false,
            preview: 0,
            fragment: false,
            offset: Position::default(),
            max_record_bytes: crate::format::csv_read::MAX_RECORD,
            excel_safe: false,
            rejects_excel_safe: true,
            vcard_version: Default::default(),
            invalid_phone: None,
            columns: Vec::new(),
            hints: crate::hints::Hints::PLAIN,
        }
    }
}

enum Input {
    Csv {
        splitter: Box<CsvSplitter>,
        plan: Option<ReadPlan>,
        from: Option<Format>,
    },
    Json {
        splitter: JsonSplitter,
        /// What its elements are (Covage's, Kojo's, canonical), once known: given, or from
        /// the first element's keys.
        format: Option<Format>,
    },
    Vcard {
        splitter: VcardSplitter,
    },
}

/// Where records go once read: everything but the parser, so the parser can lend it records.
struct Downstream {
    /// The bound of a record, for the message of one over it.
    max_record: usize,
    /// How messages name what supplies a missing piece.
    hints: crate::hints::Hints,
    invalid_phone: InvalidPhone,
    /// The region of the record being read, from its country column.
    record_region: Option<crate::phone::Region>,
    /// `--map`: the user's column names to fields (`None`: dropped).
    columns: Vec<(String, Option<crate::contact::Field>)>,
    target: Target,
    /// The rule across records, when it applies ([`Options::cross_record_rules`]).
    one_per_email: Option<rules::OnePerEmail>,
    to: Option<Format>,
    mapping: Mapping,
    /// Where accepted records go.
    accepted: Box<dyn Sink>,
    preview: Vec<Contact>,
    preview_len: usize,
    rejects: Option<CsvOut>,
    /// Rejects written Excel-safe (they are opened in Excel to be fixed).
    rejects_excel_safe: bool,
    /// A vCard's values without a `CHARSET`: the file's encoding (vCards are read as bytes).
    vcard_charset: &'static encoding_rs::Encoding,
    rejects_buf: Vec<u8>,
    fragment: bool,
    offset: Position,
    report: Report,
    /// Values this record's input drops (unknown columns, second values): counted only when
    /// the record is written.
    row_drops: Report,
    contact: Contact,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
}

/// The sink `opts` asks for: the records kept for a provider, the output's writer, or nowhere.
fn sink_for(opts: &Options) -> Box<dyn Sink> {
    match opts.to {
        _ if opts.collect => Box::new(Records::default()),
        None => Box::new(Nowhere),
        Some(f) => {
            let w = if opts.fragment {
                Writer::fragment(f, opts.mapping.kojo_phone).excel_safe(opts.excel_safe)
            } else {
                Writer::new(f, opts.mapping.kojo_phone, opts.bom).excel_safe(opts.excel_safe)
            };
            Box::new(w.vcard_version(opts.vcard_version))
        }
    }
}

/// A streaming conversion. Feed it with [`Converter::push`], end with [`Converter::finish`].
pub struct Converter {
    opts_from: Option<Format>,
    max_record: usize,
    encoding: Option<Encoding>,
    delimiter: Option<u8>,
    pending: Vec<u8>,
    decoder: Option<Decoder>,
    text: Vec<u8>,
    input: Option<Input>,
    sink: Downstream,
    finished: bool,
}

impl Converter {
    /// A converter for `opts`.
    pub fn new(opts: Options) -> Converter {
        let target = opts
            .target
            .unwrap_or_else(|| opts.to.map_or(Target::Any, Format::target));
        Converter {
            opts_from: opts.from,
            max_record: opts.max_record_bytes,
            encoding: opts.encoding,
            delimiter: opts.delimiter,
            pending: Vec::new(),
            decoder: None,
            text: Vec::with_capacity(SNIFF),
            input: None,
            sink: Downstream {
                max_record: opts.max_record_bytes,
                hints: opts.hints,
                record_region: None,
                invalid_phone: opts
                    .invalid_phone
                    .unwrap_or_else(|| InvalidPhone::default_for(target)),
                columns: opts.columns.clone(),
                target,
                one_per_email: opts.cross_record_rules().then(Default::default),
                to: opts.to,
                accepted: sink_for(&opts),
                fragment: opts.fragment,
                offset: opts.offset,
                preview: Vec::new(),
                preview_len: opts.preview,
                mapping: opts.mapping,
                rejects: None,
                rejects_excel_safe: opts.rejects_excel_safe,
                vcard_charset: encoding_rs::UTF_8,
                rejects_buf: Vec::new(),
                report: Report::default(),
                row_drops: Report::default(),
                contact: Contact::default(),
                problems: Vec::new(),
                warnings: Vec::new(),
            },
            finished: false,
        }
    }

    /// The input format, once known (after the first 64 KiB, or at the end).
    pub fn input_format(&self) -> Option<Format> {
        match &self.input {
            Some(Input::Csv { plan: Some(p), .. }) => Some(p.format()),
            Some(Input::Json {
                format: Some(f), ..
            }) => Some(*f),
            _ => self.opts_from,
        }
    }

    /// The report so far.
    pub fn report(&self) -> &Report {
        &self.sink.report
    }

    /// Moves the entries so far (rejects and warnings) out of the report, which keeps its
    /// counts: for a caller that keeps them elsewhere, so memory stays flat on long inputs.
    pub fn take_entries(&mut self) -> Report {
        let r = &mut self.sink.report;
        Report {
            rejects: std::mem::take(&mut r.rejects),
            warnings: std::mem::take(&mut r.warnings),
            ..Report::default()
        }
    }

    /// The first accepted records (up to [`Options::preview`]), in canonical form.
    pub fn preview(&self) -> &[Contact] {
        &self.sink.preview
    }

    /// The accepted records so far, with their positions (with [`Options::collect`]).
    pub fn take_records(&mut self) -> Vec<(Position, Contact)> {
        self.sink.accepted.take_records()
    }

    /// Feeds a chunk of input. Converted records are appended to `out`, rejected ones (as
    /// canonical CSV with `record,line,errors` in front) to `rejects`.
    pub fn push(
        &mut self,
        chunk: &[u8],
        out: &mut Vec<u8>,
        rejects: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.feed(chunk, false, out, rejects)
    }

    /// Ends the input and returns the report. The converter stays readable afterwards
    /// ([`Converter::preview`], [`Converter::take_records`]); it takes no more input.
    pub fn finish(&mut self, out: &mut Vec<u8>, rejects: &mut Vec<u8>) -> Result<Report, Error> {
        if self.finished {
            return Err(Error::Finished);
        }
        self.finished = true;
        self.feed(&[], true, out, rejects)?;
        self.sink.accepted.finish(out);
        rejects.append(&mut self.sink.rejects_buf);
        Ok(self.sink.report.clone())
    }

    fn feed(
        &mut self,
        chunk: &[u8],
        eof: bool,
        out: &mut Vec<u8>,
        rejects: &mut Vec<u8>,
    ) -> Result<(), Error> {
        // UTF-8 input is read where it lies; other encodings are decoded into `text` first.
        let mut direct = false;
        if let Some(dec) = self.decoder.as_mut() {
            if dec.is_passthrough() {
                direct = true;
            } else {
                dec.decode(chunk, eof, &mut self.text)?;
            }
        } else {
            self.pending.extend_from_slice(chunk);
            // JSON in a given encoding (a provider's answers) has nothing to sniff: its
            // records go on from the first bytes, not after 64 KiB (a few hundred contacts).
            let known = self.opts_from.is_some_and(Format::is_json) && self.encoding.is_some();
            if self.pending.len() < SNIFF && !eof && !known {
                return Ok(());
            }
            let d = decode::detect_input(&self.pending, self.opts_from, self.encoding);
            if let Some(charset) = d.vcard_charset {
                self.sink.vcard_charset = charset.rs();
            }
            self.sink.report.encoding = d.said();
            let (enc, bom) = (d.encoding, d.bom);
            let mut dec = Decoder::new(enc, self.sink.hints.encoding);
            let pending = std::mem::take(&mut self.pending);
            dec.decode(&pending[bom..], eof, &mut self.text)?;
            self.decoder = Some(dec);
            self.input = Some(self.pick_input());
        }
        let input = self.input.as_mut().expect("input");
        let sink = &mut self.sink;
        let taken = std::mem::take(&mut self.text);
        let text = if direct { chunk } else { &taken[..] };
        let result = match input {
            Input::Csv {
                splitter,
                plan,
                from,
            } => splitter.feed(text, eof, |rec, ends, line| {
                sink.csv_record(plan, *from, rec, ends, line, out)
            }),
            Input::Json { splitter, format } => splitter.feed(text, eof, |el, line| {
                sink.json_record(format, el, line, out)
            }),
            Input::Vcard { splitter } => {
                splitter.feed(text, eof, |card, line| sink.vcard_record(card, line, out))
            }
        };
        self.text = taken;
        self.text.clear();
        self.sink.accepted.drain(out);
        rejects.append(&mut self.sink.rejects_buf);
        result
    }

    fn pick_input(&mut self) -> Input {
        let first = self.text.iter().copied().find(|b| !b.is_ascii_whitespace());
        let json = match self.opts_from {
            Some(f) => f.is_json(),
            None => matches!(first, Some(b'[' | b'{')),
        };
        let start = &self.text[self.text.len() - self.text.trim_ascii_start().len()..];
        let vcard = match self.opts_from {
            Some(f) => f == Format::Vcard,
            None => start.len() >= 11 && start[..11].eq_ignore_ascii_case(b"BEGIN:VCARD"),
        };
        if vcard {
            return Input::Vcard {
                splitter: VcardSplitter::new(self.max_record),
            };
        }
        if json {
            Input::Json {
                splitter: JsonSplitter::default().with_max(self.max_record),
                format: self.opts_from,
            }
        } else {
            let delim = self
                .delimiter
                .unwrap_or_else(|| sniff_delimiter(&self.text));
            Input::Csv {
                splitter: Box::new(CsvSplitter::new(delim).with_max(self.max_record)),
                plan: None,
                from: self.opts_from,
            }
        }
    }
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

impl Downstream {
    #[allow(clippy::too_many_arguments)]
    fn csv_record(
        &mut self,
        plan: &mut Option<ReadPlan>,
        from: Option<Format>,
        rec: &[u8],
        ends: &[usize],
        line: u64,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if ends.is_empty() {
            // Over the bound (the splitter kept none of it).
            if plan.is_none() {
                return Err(Error::Header(format!(
                    "the header is longer than {} bytes: not a CSV header",
                    self.max_record
                )));
            }
            return self.too_long(line, out);
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
        let whole = std::str::from_utf8(&rec[..ends.last().copied().unwrap_or(0)]).ok();
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
                return Err(Error::Header(format!(
                    "column {} of the header is not valid UTF-8: give {}",
                    i + 1,
                    self.hints.encoding
                )));
            }
            // A label line before the header (LinkedIn's `Notes:`): one cell ending with `:`
            // names no column, even when its word is a field's.
            let filled = fields.iter().filter(|f| !f.trim().is_empty()).count();
            if filled == 1
                && self.report.skipped_lines < 10
                && fields.iter().any(|f| f.trim_end().ends_with(':'))
            {
                self.report.skipped_lines += 1;
                return Ok(());
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
                        && self.report.skipped_lines < 10
                        && !fields.iter().any(|f| f.contains('@'))
                    {
                        // A line of notes before the header (LinkedIn's Connections.csv).
                        self.report.skipped_lines += 1;
                        return Ok(());
                    }
                    return Err(Error::Header(unknown_header(fields, &self.hints)));
                }
            }
            self.report.unknown_columns = p.unknown().map(String::from).collect();
            if !p.is_canonical() {
                self.report.mapping = p
                    .mapping()
                    .into_iter()
                    .map(|(column, f)| crate::report::ColumnUse {
                        column,
                        field: f.map(String::from),
                    })
                    .collect();
            }
            self.report.headerless = headerless.map(String::from);
            *plan = Some(p);
            if headerless.is_none() {
                return Ok(());
            }
        }
        let Some(p) = plan.as_ref() else {
            return Ok(());
        };
        self.contact.clear();
        if let Some(i) = bad_utf8 {
            self.problems.push(Problem::new(
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
            self.problems.push(Problem::new(
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
        let country = p.fill(fields, &mut self.contact, &mut self.row_drops);
        // A record with a country reads its national numbers there.
        self.record_region = country
            .and_then(|i| fields.get(i))
            .and_then(|cell| crate::format::countries::country_code(cell));
        let pos = self.position(line);
        self.finish_record(pos, out);
        Ok(())
    }

    fn position(&self, line: u64) -> Position {
        Position {
            record: self.offset.record + self.report.read + 1,
            line: self.offset.line + line,
        }
    }

    fn json_record(
        &mut self,
        format: &mut Option<Format>,
        el: &[u8],
        line: u64,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if el.is_empty() {
            // Over the bound (the splitter kept none of it).
            return self.too_long(line, out);
        }
        let format = *format.get_or_insert_with(|| sniff_json(el));
        self.contact.clear();
        let parsed = match format {
            Format::Covage => serde_json::from_slice::<CovageContact>(el)
                .map(|w| mapping::from_covage(w, &mut self.contact)),
            Format::Kojo => serde_json::from_slice::<KojoContact>(el)
                .map(|w| mapping::from_kojo(w, &mut self.contact, self.mapping.region)),
            _ => serde_json::from_slice::<Contact>(el).map(|c| self.contact = c),
        };
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
            self.problems.push(Problem::new(
                "record",
                format!(
                    "not a valid {} contact: {}",
                    record_kind(format),
                    strip_position(&e)
                ),
                "",
            ));
        }
        let pos = self.position(line);
        self.finish_record(pos, out);
        Ok(())
    }

    /// One vCard: read into the record, then on as every record.
    fn vcard_record(&mut self, card: &[u8], line: u64, out: &mut Vec<u8>) -> Result<(), Error> {
        if card.is_empty() {
            return self.too_long(line, out);
        }
        self.contact.clear();
        let mut drops = Report::default();
        crate::format::vcard::read_card(
            card,
            self.vcard_charset,
            &mut self.contact,
            &mut drops,
            &mut self.warnings,
        );
        for (f, n) in drops.dropped_fields {
            *self.row_drops.dropped_fields.entry(f).or_insert(0) += n;
        }
        let pos = self.position(line);
        self.finish_record(pos, out);
        Ok(())
    }

    /// Rejects a record longer than the bound, on its line: it was read through, not kept.
    fn too_long(&mut self, line: u64, out: &mut Vec<u8>) -> Result<(), Error> {
        self.contact.clear();
        self.problems.push(Problem::new(
            "record",
            format!(
                "longer than {} bytes: not read (the limit keeps memory flat; raise it to read such a record)",
                self.max_record
            ),
            "",
        ));
        let pos = self.position(line);
        self.finish_record(pos, out);
        Ok(())
    }

    /// Normalises, validates and writes (or rejects) `self.contact`.
    fn finish_record(&mut self, pos: Position, out: &mut Vec<u8>) {
        self.report.read += 1;
        let region = self.record_region.take().unwrap_or(self.mapping.region);
        let mut origin = Default::default();
        if self.problems.is_empty() {
            origin = normalize(
                &mut self.contact,
                region,
                self.invalid_phone,
                self.target == Target::Any,
                &mut self.problems,
                &mut self.warnings,
            );
            if self.target == Target::Kojo {
                self.mapping.fill_vendor(&mut self.contact);
            }
            rules::check(&self.contact, self.target, &self.hints, &mut self.problems);
            if let (Some(rule), true) = (&mut self.one_per_email, self.problems.is_empty()) {
                self.problems
                    .extend(rule.check(&self.contact.email, pos.record));
            }
        }
        let row_drops = std::mem::take(&mut self.row_drops.dropped_fields);
        if !self.problems.is_empty() {
            self.write_reject(pos);
            self.report.reject(pos, self.problems.drain(..));
            self.warnings.clear();
            return;
        }
        for w in self.warnings.drain(..) {
            self.report.warn(pos, w);
        }
        for (field, n) in row_drops {
            *self.report.dropped_fields.entry(field).or_insert(0) += n;
        }
        if let Some(to) = self.to {
            let report = &mut self.report;
            mapping::dropped_fields(&self.contact, origin, to, self.mapping.kojo_phone, |f| {
                report.drop_field(f.name())
            });
        }
        if self.preview.len() < self.preview_len {
            self.preview.push(self.contact.clone());
        }
        self.accepted.accept(pos, &self.contact, out);
        self.report.written += 1;
    }

    fn write_reject(&mut self, pos: Position) {
        let buf = &mut self.rejects_buf;
        let fragment = self.fragment;
        let excel_safe = self.rejects_excel_safe;
        let w = self.rejects.get_or_insert_with(|| {
            let mut w = CsvOut::excel_safe(excel_safe);
            if !fragment {
                w.row(&rejects_header(), buf);
            }
            w
        });
        let errors = self
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.reason))
            .collect::<Vec<_>>()
            .join("; ");
        let (record, line) = (pos.record.to_string(), pos.line.to_string());
        let mut row: Vec<&str> = vec![&record, &line, &errors];
        row.extend(Field::ALL.iter().map(|&f| self.contact.get(f)));
        w.row(&row, buf);
    }
}

fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// What a JSON element of `f` is, for a message.
fn record_kind(f: Format) -> &'static str {
    match f {
        Format::Covage => "Covage",
        Format::Kojo => "Kojo",
        _ => "canonical",
    }
}

/// The format JSON input is read as, decided as the one-thread path decides it: `from` when
/// given, else from the first element's keys. For readers that cut the input into pieces.
pub fn json_format(first: &[u8], from: Option<Format>) -> Format {
    from.unwrap_or_else(|| sniff_json(first))
}

/// Picks the JSON flavour from the first record's keys.
/// The format of a JSON element from its keys: Covage's, Kojo's, else canonical JSON.
fn sniff_json(el: &[u8]) -> Format {
    let Ok(keys) =
        serde_json::from_slice::<std::collections::HashMap<String, serde::de::IgnoredAny>>(el)
    else {
        return Format::Json;
    };
    let any = |ks: &[&str]| ks.iter().any(|k| keys.contains_key(*k));
    if any(&["contact_uuid", "phone_number", "cell_phone_number"]) {
        Format::Covage
    } else if any(&[
        "displayName",
        "orgName",
        "vendorId",
        "createdAt",
        "updatedAt",
        "id",
    ]) {
        Format::Kojo
    } else {
        Format::Json
    }
}

/// The rejects file's header: `record,line,errors`, then the canonical fields.
pub fn rejects_header() -> Vec<&'static str> {
    let mut header = vec!["record", "line", "errors"];
    header.extend(Field::ALL.iter().map(|f| f.name()));
    header
}

/// A [`Converter`] driven over an input that comes in chunks: each push writes what was
/// converted and rejected to the caller's writers and moves the report's entries to an
/// [`EntryStore`] as they come, so memory stays flat. The one read → convert → write loop of
/// [`convert()`], the CLI, the providers' sources and the page.
pub struct Stream {
    conv: Converter,
    out: Vec<u8>,
    rej: Vec<u8>,
}

impl Stream {
    /// A stream converting with `opts`.
    pub fn new(opts: Options) -> Stream {
        Stream {
            conv: Converter::new(opts),
            out: Vec::with_capacity(512 * 1024),
            rej: Vec::new(),
        }
    }

    /// The converter: its report so far, its preview, its records.
    pub fn converter(&mut self) -> &mut Converter {
        &mut self.conv
    }

    /// The report so far (its entries already moved out).
    pub fn report(&self) -> &Report {
        self.conv.report()
    }

    /// Converts `chunk`; writes the output and the rejects; moves the entries to `entries`.
    pub fn push(
        &mut self,
        chunk: &[u8],
        out: &mut dyn std::io::Write,
        rejects: &mut dyn std::io::Write,
        entries: &mut dyn EntryStore,
    ) -> Result<(), Error> {
        self.conv.push(chunk, &mut self.out, &mut self.rej)?;
        self.write(out, rejects)?;
        entries.keep(&mut self.conv.take_entries())?;
        Ok(())
    }

    /// Ends the input: the last bytes written, the last entries moved; the report (without its
    /// entries, which are in `entries`).
    pub fn finish(
        &mut self,
        out: &mut dyn std::io::Write,
        rejects: &mut dyn std::io::Write,
        entries: &mut dyn EntryStore,
    ) -> Result<Report, Error> {
        let mut report = self.conv.finish(&mut self.out, &mut self.rej)?;
        self.write(out, rejects)?;
        // `finish` hands back a copy: the entries left in the converter are the same ones.
        entries.keep(&mut report)?;
        self.conv.take_entries();
        Ok(report)
    }

    fn write(
        &mut self,
        out: &mut dyn std::io::Write,
        rejects: &mut dyn std::io::Write,
    ) -> Result<(), Error> {
        out.write_all(&self.out)?;
        rejects.write_all(&self.rej)?;
        self.out.clear();
        self.rej.clear();
        Ok(())
    }
}

/// Converts all of `input` to `output` (rejects to `rejects`), reading and writing in chunks.
pub fn convert<R: std::io::Read, W: std::io::Write, X: std::io::Write>(
    mut input: R,
    mut output: W,
    mut rejects: X,
    opts: Options,
) -> Result<Report, Error> {
    let mut stream = Stream::new(opts);
    // Every entry kept in memory: the report returned has them all.
    let mut kept = Report::default();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::Read(e)),
        };
        stream.push(&buf[..n], &mut output, &mut rejects, &mut kept)?;
    }
    let mut report = stream.finish(&mut output, &mut rejects, &mut kept)?;
    report.rejects = kept.rejects;
    report.warnings = kept.warnings;
    output.flush()?;
    rejects.flush()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A provider's answers (JSON, UTF-8 given) reach the engine from the first contact: a
    /// Kojo source read at 20 requests a second would otherwise wait for 64 KiB (~13 s).
    #[test]
    fn json_in_a_given_encoding_yields_records_without_waiting_for_a_sample() {
        let one = br#"{"id":"k1","displayName":"Ann Lee","email":"ann@x.fr","orgName":"Acme","vendorId":"v1"}
"#;
        let mut c = Converter::new(Options {
            from: Some(Format::Kojo),
            to: Some(Format::Covage),
            encoding: Some(Encoding::UTF8),
            collect: true,
            ..Options::default()
        });
        let (mut out, mut rejects) = (vec![], vec![]);
        c.push(one, &mut out, &mut rejects).unwrap();
        let got = c.take_records();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1.email, "ann@x.fr");
        // Without the encoding, the sample is awaited (a file's encoding is detected).
        let mut c = Converter::new(Options {
            from: Some(Format::Kojo),
            to: Some(Format::Covage),
            collect: true,
            ..Options::default()
        });
        c.push(one, &mut out, &mut rejects).unwrap();
        assert!(c.take_records().is_empty());
        c.finish(&mut out, &mut rejects).unwrap();
        assert_eq!(c.take_records().len(), 1);
    }
}
