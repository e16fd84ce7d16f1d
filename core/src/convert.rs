//! The conversion engine: bytes in, records through normalisation, validation and mapping,
//! bytes out. Push-driven (`push` chunks, then `finish`) so the CLI's files and the browser's
//! streams run the very same code and give byte-identical results.

use crate::contact::Contact;
use crate::error::Error;
use crate::format::decode::{self, Decoder, Encoding};
use crate::format::write::Writer;
use crate::format::Format;
use crate::mapping::Mapping;
use crate::normalize::InvalidPhone;
use crate::pipeline::{Pipeline, Read};
use crate::problem::Position;
use crate::read::{shape_reader, Readers, ShapeReader, Steps};
#[cfg(test)]
use crate::report::Omitted;
use crate::report::{EntryStore, Report, Room};
use crate::rules::Target;
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
    /// The report entries made of each kind (rejects, warnings), the first in input order;
    /// the rest are only counted ([`Report::omitted`]), for a caller that shows only the first
    /// few. By default every entry. A file of foreign numbers has a warning a record.
    pub entries: Room,
}

impl Options {
    /// True when the rules across records apply ([`crate::OnePerEmail`]): when validating for
    /// a provider (no output, a provider's rules), so `validate --for kojo` rejects what
    /// `import kojo` would. A conversion writes files, where two rows may share an email;
    /// an import's engine applies the rule itself, to the records it receives.
    pub fn cross_record_rules(&self) -> bool {
        self.to.is_none() && self.target.is_some_and(|t| !t.is_any())
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
            entries: Room::ALL,
        }
    }
}

/// The sink `opts` asks for: the records kept for a provider, the output's writer, or nowhere.
fn sink_for(opts: &Options) -> Box<dyn Sink> {
    match opts.to {
        _ if opts.collect => Box::new(Records::default()),
        None => Box::new(Nowhere),
        Some(f) => {
            let w = if opts.fragment {
                Writer::fragment(f, opts.mapping.writing).excel_safe(opts.excel_safe)
            } else {
                Writer::new(f, opts.mapping.writing, opts.bom).excel_safe(opts.excel_safe)
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
    /// The input's records as they come: its shape's splitter and reader, once detected.
    input: Option<Box<dyn ShapeReader>>,
    /// What reads one record of the input's format.
    readers: Readers,
    /// The record being read, its buffers kept from one record to the next.
    read: Read,
    /// What every record goes through, and where it goes.
    pipeline: Pipeline,
    finished: bool,
}

impl Converter {
    /// A converter for `opts`.
    pub fn new(opts: Options) -> Converter {
        Converter {
            opts_from: opts.from,
            max_record: opts.max_record_bytes,
            encoding: opts.encoding,
            delimiter: opts.delimiter,
            pending: Vec::new(),
            decoder: None,
            text: Vec::with_capacity(SNIFF),
            input: None,
            readers: Readers {
                max_record: opts.max_record_bytes,
                hints: opts.hints,
                columns: opts.columns.clone(),
                region: opts.mapping.region,
                vcard_charset: encoding_rs::UTF_8,
            },
            read: Read::default(),
            pipeline: Pipeline::new(&opts, sink_for(&opts)),
            finished: false,
        }
    }

    /// The input format, once known (after the first 64 KiB, or at the end).
    pub fn input_format(&self) -> Option<Format> {
        self.input
            .as_ref()
            .and_then(|input| input.format())
            .or(self.opts_from)
    }

    /// The report so far.
    pub fn report(&self) -> &Report {
        &self.pipeline.report
    }

    /// Moves the entries so far (rejects and warnings) out of the report, which keeps its
    /// counts: for a caller that keeps them elsewhere, so memory stays flat on long inputs.
    pub fn take_entries(&mut self) -> Report {
        let r = &mut self.pipeline.report;
        Report {
            rejects: std::mem::take(&mut r.rejects),
            warnings: std::mem::take(&mut r.warnings),
            omitted: std::mem::take(&mut r.omitted),
            ..Report::default()
        }
    }

    /// The first accepted records (up to [`Options::preview`]), in canonical form.
    pub fn preview(&self) -> &[Contact] {
        self.pipeline.preview()
    }

    /// The accepted records so far, with their positions (with [`Options::collect`]).
    pub fn take_records(&mut self) -> Vec<(Position, Contact)> {
        self.pipeline.accepted.take_records()
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
        self.pipeline.accepted.finish(out);
        self.pipeline.rejected.take(rejects);
        Ok(self.pipeline.report.clone())
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
                self.readers.vcard_charset = charset.rs();
            }
            self.pipeline.report.encoding = d.said();
            let (enc, bom) = (d.encoding, d.bom);
            let mut dec = Decoder::new(enc, self.readers.hints.encoding);
            let pending = std::mem::take(&mut self.pending);
            dec.decode(&pending[bom..], eof, &mut self.text)?;
            self.decoder = Some(dec);
            let delimiter = self.delimiter;
            self.input = Some(shape_reader(
                &self.text,
                self.opts_from,
                delimiter,
                self.max_record,
            ));
        }
        let input = self.input.as_mut().expect("input");
        let (readers, read, pipeline) = (&self.readers, &mut self.read, &mut self.pipeline);
        let taken = std::mem::take(&mut self.text);
        let text = if direct { chunk } else { &taken[..] };
        // Detected; now read, record by record, each through the pipeline.
        let steps = Steps {
            readers,
            read,
            pipeline,
            out,
        };
        let result = input.feed(text, eof, steps);
        self.text = taken;
        self.text.clear();
        self.pipeline.accepted.drain(out);
        self.pipeline.rejected.take(rejects);
        result
    }
}

/// The format JSON input is read as (for readers that cut the input into pieces).
pub use crate::read::json_format;
/// The rejects file's header (`record,line,errors`, then the canonical fields).
pub use crate::rejects::header as rejects_header;

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

    /// A failure says where it is as a CSV reader would: the header's own line (after notes
    /// skipped before it), a JSON element's line and its record.
    #[test]
    fn failures_name_their_line_and_record() {
        let fail = |input: &str| {
            convert(input.as_bytes(), vec![], vec![], Options::default())
                .unwrap_err()
                .to_string()
        };
        assert!(fail("Notes:\nfoo,bar\n1,2\n").starts_with("line 2: no known column"));
        assert!(fail("foo,bar\n1,2\n").starts_with("line 1: no known column"));
        assert_eq!(
            fail("[{\"email\":\"a@b.fr\"},\n{\"email\":\"c@d.fr\"},\n{\"email\":"),
            "line 3 (record 3): the record starting here is cut off (unexpected end of input)"
        );
        // Between records, no record is named.
        assert_eq!(
            fail("[{\"email\":\"a@b.fr\"}\n{\"email\":\"c@d.fr\"}]"),
            "line 2: expected `,` or `]` after an element"
        );
    }

    /// A vCard or a JSON record has no country column: its national numbers are read in its
    /// first address's country, as the CSV written from it says. The three give one number.
    #[test]
    fn records_without_country_columns_read_numbers_in_their_address_country() {
        let to = |input: &[u8], format: Format| {
            let mut out = vec![];
            let opts = Options {
                to: Some(format),
                ..Options::default()
            };
            convert(input, &mut out, vec![], opts).unwrap();
            String::from_utf8(out).unwrap()
        };
        let card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\n\
            EMAIL:ann@x.com\r\nTEL;TYPE=WORK:(201) 555-0123\r\nTEL;TYPE=CELL:06 12 34 56 78\r\n\
            ADR;TYPE=HOME:;;2 Rue Haute;Lyon;;69001;France\r\n\
            ADR;TYPE=WORK:;;1 Main St;Newark;NJ;07102;USA\r\nEND:VCARD\r\n";
        let direct = to(card.as_bytes(), Format::Ndjson);
        // The work address comes first: the numbers are American ones; a French mobile
        // written nationally is not one, and stays as written.
        assert!(direct.contains(r#""phone":"+12015550123""#), "{direct}");
        assert!(direct.contains(r#""mobile":"06 12 34 56 78""#), "{direct}");
        let csv = to(card.as_bytes(), Format::Csv);
        assert_eq!(to(csv.as_bytes(), Format::Ndjson), direct);
        // A JSON record with national numbers, read again: the same.
        let json = r#"{"first_name":"Ann","email":"ann@x.com","phone":"(201) 555-0123","work_country":"USA"}"#;
        assert!(to(json.as_bytes(), Format::Ndjson).contains(r#""phone":"+12015550123""#));
        // No address country: the default region, as before.
        let json = r#"{"first_name":"Ann","email":"ann@x.com","phone":"01 42 84 54 03"}"#;
        assert!(to(json.as_bytes(), Format::Ndjson).contains(r#""phone":"+33142845403""#));
    }

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

    /// `Options::entries`: the first entries of each kind are made, in input order, the rest
    /// only counted, across pushes; the output, the rejects file and the counts are those of a
    /// run that makes every entry.
    #[test]
    fn entries_past_the_room_are_counted_not_made() {
        let mut csv = String::from("first_name,last_name,email,phone\n");
        for i in 0..10 {
            let (email, phone) = match i % 3 {
                0 => (format!("j{i}@exemple.fr"), "pager 12"),
                1 => (format!("j{i}@exemple.fr"), "+1 415 555 0132 ext. 7"),
                _ => ("not an email".to_string(), "01 42 84 54 03"),
            };
            csv.push_str(&format!("Jean{i},Dupont,{email},{phone}\n"));
        }
        let run = |entries: Room| {
            let mut s = Stream::new(Options {
                entries,
                target: Some(Format::Covage.target()),
                invalid_phone: Some(InvalidPhone::Drop),
                ..Options::default()
            });
            let (mut out, mut rej, mut kept) = (vec![], vec![], Report::default());
            for line in csv.as_bytes().split_inclusive(|&b| b == b'\n') {
                s.push(line, &mut out, &mut rej, &mut kept).unwrap();
            }
            let report = s.finish(&mut out, &mut rej, &mut kept).unwrap();
            (out, rej, report.read, report.rejected, kept)
        };
        let all = run(Room::ALL);
        let few = run(Room {
            rejects: 1,
            warnings: 2,
        });
        assert_eq!(
            (&all.0, &all.1, all.2, all.3),
            (&few.0, &few.1, few.2, few.3)
        );
        let (all, few) = (all.4, few.4);
        assert_eq!((all.rejects.len(), all.warnings.len()), (3, 7));
        assert_eq!(all.omitted, Omitted::default());
        assert_eq!(few.rejects, all.rejects[..1]);
        assert_eq!(few.warnings, all.warnings[..2]);
        assert_eq!(
            few.omitted,
            Omitted {
                rejects: 2,
                warnings: 5
            }
        );
    }
}
