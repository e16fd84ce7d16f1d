//! The planning of a parallel conversion, for whoever owns the threads (the CLI) or the workers
//! (the browser page): whether an input can be cut ([`Plan`]), where to cut it ([`Cutter`]: at
//! record boundaries, for CSV a `\n` outside quotes, for JSON the end of an element of the array
//! or stream), how each piece converts alone ([`Piece::convert`]: the CSV header in front, a JSON
//! array's `[` and `]` around, core's [`Converter`] in fragment mode), and how the results join
//! ([`Merger`], in input order). The bytes written are exactly the one-thread path's (tested
//! here with random cut points, and in the CLI), and memory is bounded by the pieces in flight.
//!
//! Anything else (UTF-16, Windows-1252, old-Mac `\r` line ends, a first line that is no header,
//! inputs smaller than [`SAMPLE`]) goes through one [`Converter`].

use crate::convert::{json_format, rejects_header, Converter, Options};
use crate::format::csv_read::{first_record_end, scan_records, sniff_delimiter, RecordEnd};
use crate::format::decode::{self, Encoding};
use crate::format::json_read::{scan_elements, seal_array_chunk, JsonSplitter};
use crate::format::layout::ReadPlan;
use crate::format::write::{CsvOut, Joiner};
use crate::format::{Format, Scan};
use crate::{Error, Position, Report};

/// The first bytes an input is judged on; an input shorter than this is not worth cutting.
pub const SAMPLE: usize = 64 * 1024;
/// About how many bytes of input a piece holds.
pub const CHUNK: usize = 128 * 1024;

/// How an input is cut into pieces that convert apart.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cut {
    /// CSV: every piece gets the header line in front.
    Csv { header: Vec<u8>, delimiter: u8 },
    /// A JSON array (`in_array`) or a stream of objects, read as `format`.
    Json { in_array: bool, format: Format },
}

impl Cut {
    /// Where the last whole record of `text` ends; `first` when `text` starts the body.
    fn scan(&self, text: &[u8], first: bool) -> Scan {
        match self {
            Cut::Csv { delimiter, .. } => scan_records(text, *delimiter),
            Cut::Json { in_array, .. } => scan_elements(text, *in_array, first),
        }
    }

    /// What goes in front of a piece's body: the CSV header, a JSON array's `[`.
    fn prefix(&self, first: bool) -> &[u8] {
        match self {
            Cut::Csv { header, .. } => header,
            Cut::Json { in_array: true, .. } if !first => b"[",
            Cut::Json { .. } => b"",
        }
    }

    /// Makes `chunk` (the prefix, then the body from `body`) readable alone.
    fn seal(&self, chunk: &mut Vec<u8>, body: usize, first: bool, last: bool) {
        if let Cut::Json { in_array: true, .. } = self {
            seal_array_chunk(chunk, body, first, last);
        }
    }

    /// What goes in a piece in place of a record over the bound: a record just over it, which
    /// the converter rejects on the real record's line as the one-thread path does. `complete`:
    /// the real record ended (else the input ended inside it, and so does the stand-in).
    fn stand_in(&self, chunk: &mut Vec<u8>, limit: usize, complete: bool) {
        let filler = std::iter::repeat_n(b'x', limit + 1);
        match self {
            Cut::Csv { .. } => {
                chunk.push(b'"');
                chunk.extend(filler);
                if complete {
                    chunk.extend_from_slice(b"\"\n");
                }
            }
            Cut::Json { .. } => {
                chunk.extend_from_slice(b"{\"x\":\"");
                chunk.extend(filler);
                if complete {
                    chunk.extend_from_slice(b"\"}");
                }
            }
        }
    }
}

/// How an input is read in pieces: decided once, from its first [`SAMPLE`] bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    cut: Cut,
    /// The BOM's length.
    bom: usize,
    /// Where the body starts in the sample (after the BOM and the CSV header).
    body_start: usize,
}

impl Plan {
    /// The plan for an input whose first bytes are `sample` (all of it when it is shorter than
    /// [`SAMPLE`]), or `None` when it is for one [`Converter`] to read.
    pub fn new(sample: &[u8], opts: &Options) -> Option<Plan> {
        if sample.len() < SAMPLE || opts.encoding.is_some_and(|e| e != Encoding::Utf8) {
            return None;
        }
        // (Only UTF-8 is cut: past its BOM, if any, is where JSON would start.)
        let json = match opts.from {
            Some(f) => f.is_json(),
            None => decode::looks_like_json(sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(sample)),
        };
        let (enc, bom, _) = decode::detect_input(sample, opts.encoding, json);
        if enc != Encoding::Utf8 {
            return None;
        }
        let text = &sample[bom..];
        let first = text.iter().position(|b| !b.is_ascii_whitespace())?;
        if json {
            // The first element decides the flavour, as in the one-thread path.
            let mut el = None;
            let _ = JsonSplitter::default().feed(text, false, |e, _| {
                el.get_or_insert_with(|| e.to_vec());
                Err(Error::Finished)
            });
            let format = json_format(&el?, opts.from);
            let in_array = text[first] == b'[';
            let cut = Cut::Json { in_array, format };
            return Some(Plan {
                cut,
                bom,
                body_start: bom,
            });
        }
        // Old-Mac line ends (a `\r` alone) end records too; the cutter only knows `\n`.
        if text.windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n') {
            return None;
        }
        // Blank lines before the header: left to the one-thread path.
        if matches!(text.first(), Some(b'\r' | b'\n')) {
            return None;
        }
        let delimiter = opts.delimiter.unwrap_or_else(|| sniff_delimiter(text));
        // The header is the first record as the reader reads it (quotes, BOM and all).
        let end = first_record_end(text, delimiter)? - 1;
        // A first line that is not a header (LinkedIn's notes before it, no header at all) is
        // left to the one-thread path, which skips the notes or says what is wrong.
        let line = String::from_utf8_lossy(&text[..end]);
        let names: Vec<&str> = line
            .trim_end_matches('\r')
            .split(delimiter as char)
            .map(|n| n.trim().trim_matches('"'))
            .collect();
        if ReadPlan::with_map(&names, opts.from, &opts.columns).knows_nothing() {
            return None;
        }
        let header = text[..=end].to_vec();
        let cut = Cut::Csv { header, delimiter };
        Some(Plan {
            cut,
            bom,
            body_start: bom + end + 1,
        })
    }

    /// How each piece is read: `from` and `delimiter` as decided for the whole input. A worker
    /// that has the caller's options and this converts any piece.
    pub fn reader(&self) -> Reader {
        match &self.cut {
            Cut::Csv { delimiter, .. } => Reader {
                from: None,
                delimiter: Some(*delimiter),
            },
            Cut::Json { format, .. } => Reader {
                from: Some(*format),
                delimiter: None,
            },
        }
    }
}

/// How every piece of one input is read (see [`Plan::reader`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader {
    /// The format, for JSON (the first element decided it); `None` for CSV: the caller's.
    pub from: Option<Format>,
    /// The delimiter, for CSV.
    pub delimiter: Option<u8>,
}

/// Where a piece sits in the input: what its converter needs to count records, lines and bytes
/// as the one-thread path does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Piece {
    /// Its place, from 0: results are joined in this order.
    pub seq: u64,
    /// Records before it.
    pub record: u64,
    /// Lines before it.
    pub line: u64,
    /// Its first body byte in the input (the BOM not counted).
    pub byte: u64,
    /// Bytes put in front of its body (the CSV header, a JSON array's `[`).
    pub prefix: usize,
}

impl Piece {
    /// Converts the piece's `bytes`: its output fragment into `out`, its rejects' rows (without
    /// the header) into `rejects`, and its report. A failure is the one the one-thread path
    /// would report: lines and byte offsets counted from the input's start.
    pub fn convert(
        &self,
        bytes: &[u8],
        reader: Reader,
        opts: &Options,
        out: &mut Vec<u8>,
        rejects: &mut Vec<u8>,
    ) -> Result<Report, Error> {
        let mut conv = self.converter(reader, opts);
        conv.push(bytes, out, rejects)
            .and_then(|_| conv.finish(out, rejects))
            .map_err(|e| self.relocate(e))
    }

    /// The converter [`Piece::convert`] feeds, for a caller that wants more of it (the
    /// browser: its preview); its failures go through [`Piece::relocate`].
    pub fn converter(&self, reader: Reader, opts: &Options) -> Converter {
        Converter::new(Options {
            from: reader.from.or(opts.from),
            encoding: Some(Encoding::Utf8),
            delimiter: reader.delimiter,
            fragment: true,
            offset: Position {
                record: self.record,
                line: self.line,
            },
            bom: false,
            ..opts.clone()
        })
    }

    /// A failure of this piece's converter as the one-thread path would report it.
    pub fn relocate(&self, e: Error) -> Error {
        match e {
            Error::Json { line, why } => Error::Json {
                line: line + self.line,
                why,
            },
            Error::Encoding {
                encoding,
                hint,
                offset,
            } => Error::Encoding {
                encoding,
                hint,
                offset: (offset + self.byte).saturating_sub(self.prefix as u64),
            },
            e => e,
        }
    }
}

/// A piece of the input, made readable alone.
#[derive(Debug)]
pub struct Chunk {
    /// Where it sits.
    pub piece: Piece,
    /// Its bytes: the prefix, then its records.
    pub bytes: Vec<u8>,
}

/// Cuts an input into [`Chunk`]s as its bytes come ([`push`](Cutter::push), then
/// [`finish`](Cutter::finish)). A record longer than `max_record_bytes` is read through, not
/// kept: its piece holds a stand-in just over the bound, rejected on the record's line, so
/// memory stays flat.
#[derive(Debug)]
pub struct Cutter {
    cut: Cut,
    limit: usize,
    buf: Vec<u8>,
    body: usize,
    seq: u64,
    records: u64,
    lines: u64,
    byte: u64,
    /// Reading through a record over the bound: its reader, and its bytes so far.
    skip: Option<(Skip, usize)>,
    /// Buffers handed back ([`Cutter::recycle`]): a fresh one costs a page fault every 4 KiB.
    spare: Vec<Vec<u8>>,
}

impl Cutter {
    /// A cutter for an input planned as `plan`, whose first bytes were `sample`.
    pub fn new(plan: &Plan, sample: &[u8], max_record_bytes: usize) -> Cutter {
        let mut buf = Vec::with_capacity(2 * CHUNK);
        buf.extend_from_slice(plan.cut.prefix(true));
        let body = buf.len();
        buf.extend_from_slice(&sample[plan.body_start..]);
        Cutter {
            cut: plan.cut.clone(),
            limit: max_record_bytes,
            buf,
            body,
            seq: 0,
            records: 0,
            lines: 0,
            byte: (plan.body_start - plan.bom) as u64,
            skip: None,
            spare: Vec::new(),
        }
    }

    /// Hands a chunk's buffer back for a later chunk.
    pub fn recycle(&mut self, v: Vec<u8>) {
        if self.spare.len() < 4 {
            self.spare.push(v);
        }
    }

    /// Takes the input's next `bytes`; each chunk ready goes to `emit`, which says whether to
    /// go on (false: the run stops, and so does the cutter).
    pub fn push(&mut self, mut bytes: &[u8], emit: &mut dyn FnMut(Chunk) -> bool) -> bool {
        if let Some((skip, real)) = self.skip.as_mut() {
            let Some(k) = skip.feed(bytes) else {
                *real += bytes.len();
                return true;
            };
            *real += k;
            if !self.skipped(false, emit) {
                return false;
            }
            bytes = &bytes[k..];
        }
        self.buf.extend_from_slice(bytes);
        while self.buf.len() - self.body >= CHUNK {
            let first = self.seq == 0;
            let scan = self.cut.scan(&self.buf[self.body..], first);
            if scan.end > 0 {
                if !self.ship(
                    self.body + scan.end,
                    scan.records,
                    scan.lines,
                    scan.end,
                    false,
                    emit,
                ) {
                    return false;
                }
            } else if self.buf.len() - self.body > self.limit + CHUNK {
                // No record ends within the bound: read through the one that starts here.
                let mut skip = Skip::new(&self.cut, first);
                let Some(k) = skip.feed(&self.buf[self.body..]) else {
                    self.skip = Some((skip, self.buf.len() - self.body));
                    return true;
                };
                let tail = self.buf.split_off(self.body + k);
                self.skip = Some((skip, k));
                if !self.skipped(false, emit) {
                    return false;
                }
                self.buf.extend_from_slice(&tail);
            } else {
                break;
            }
        }
        true
    }

    /// The input ended: the last chunks go to `emit`. The last is sent even when empty: it
    /// ends a JSON array (or says it is missing), as the one-thread path does.
    pub fn finish(&mut self, emit: &mut dyn FnMut(Chunk) -> bool) {
        if self.skip.is_some() {
            self.skipped(true, emit);
        } else {
            let end = self.buf.len() - self.body;
            self.ship(self.buf.len(), 0, 0, end, true, emit);
        }
    }

    fn fresh(&mut self) -> Vec<u8> {
        let mut v = self.spare.pop().unwrap_or_default();
        v.clear();
        v.reserve(2 * CHUNK);
        v
    }

    /// Sends the buffer up to `until` as a chunk of `records` records on `lines` lines, standing
    /// for `consumed` bytes of the input; what follows `until` starts the next chunk.
    fn ship(
        &mut self,
        until: usize,
        records: u64,
        lines: u64,
        consumed: usize,
        last: bool,
        emit: &mut dyn FnMut(Chunk) -> bool,
    ) -> bool {
        let mut next = self.fresh();
        next.extend_from_slice(self.cut.prefix(false));
        let next_body = next.len();
        next.extend_from_slice(&self.buf[until..]);
        self.buf.truncate(until);
        self.cut.seal(&mut self.buf, self.body, self.seq == 0, last);
        let piece = Piece {
            seq: self.seq,
            record: self.records,
            line: self.lines,
            byte: self.byte,
            prefix: self.body,
        };
        self.records += records;
        self.lines += lines;
        self.byte += consumed as u64;
        self.seq += 1;
        self.body = next_body;
        let bytes = std::mem::replace(&mut self.buf, next);
        emit(Chunk { piece, bytes })
    }

    /// Sends the chunk that ends with the stand-in for the record read through (complete when
    /// it ended before the input did); the buffer then starts the next chunk.
    fn skipped(&mut self, last: bool, emit: &mut dyn FnMut(Chunk) -> bool) -> bool {
        let Some((skip, real)) = self.skip.take() else {
            return true;
        };
        // What came before the record stays, so its line is counted as before.
        let lead = skip.lead.unwrap_or(0).min(real);
        self.buf.truncate(self.body + lead);
        self.cut.stand_in(&mut self.buf, self.limit, skip.ended);
        self.ship(self.buf.len(), 1, skip.lines, real, last, emit)
    }

    /// Chunks sent so far.
    pub fn chunks(&self) -> u64 {
        self.seq
    }
}

/// Reads through a record too long to keep, piece by piece: where it ends and how many lines it
/// spans. It starts where the record (or, for JSON, the whitespace and comma before it) starts.
#[derive(Debug)]
struct Skip {
    /// CSV: the reader's own machine says where the record ends.
    csv: Option<RecordEnd>,
    /// JSON: the array's `[` is still to come (the first chunk of an array).
    before_array: bool,
    started: bool,
    scalar: bool,
    quoted: bool,
    escaped: bool,
    depth: u32,
    lines: u64,
    ended: bool,
    /// Bytes before the record itself (JSON: whitespace, a comma, the array's `[`), counted
    /// from the first byte fed, once the record has started.
    lead: Option<usize>,
    fed: usize,
}

impl Skip {
    fn new(cut: &Cut, first: bool) -> Skip {
        let (json, csv) = match cut {
            Cut::Csv { delimiter, .. } => (false, Some(RecordEnd::new(*delimiter))),
            Cut::Json { .. } => (true, None),
        };
        Skip {
            csv,
            before_array: json && first && matches!(cut, Cut::Json { in_array: true, .. }),
            started: !json,
            scalar: false,
            quoted: false,
            escaped: false,
            depth: 0,
            lines: 0,
            ended: false,
            lead: None,
            fed: 0,
        }
    }

    /// Takes the next bytes; the index just past the record's end when it is in them.
    fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        if let Some(rec) = self.csv.as_mut() {
            let end = rec.feed(bytes);
            self.lead = rec.start;
            let upto = end.unwrap_or(bytes.len());
            self.lines += memchr::memchr_iter(b'\n', &bytes[..upto]).count() as u64;
            self.ended = end.is_some();
            self.fed += bytes.len();
            return end;
        }
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                self.lines += 1;
            }
            let end = if self.quoted {
                match b {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.quoted = false,
                    _ => {}
                }
                self.ended = !self.quoted && self.scalar && self.depth == 0;
                self.ended
            } else if !self.started {
                match b {
                    b'[' if self.before_array => self.before_array = false,
                    b' ' | b'\t' | b'\r' | b'\n' | b',' => {}
                    b'{' | b'[' => (self.started, self.depth) = (true, 1),
                    b'"' => (self.started, self.scalar, self.quoted) = (true, true, true),
                    _ => (self.started, self.scalar) = (true, true),
                }
                if self.started {
                    self.lead = Some(self.fed + i);
                }
                false
            } else {
                match b {
                    b'"' => self.quoted = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' if !self.scalar => {
                        self.depth -= 1;
                        self.ended = self.depth == 0;
                    }
                    b',' | b']' | b' ' | b'\t' | b'\r' | b'\n' if self.scalar => {
                        // A bare scalar ends before this byte.
                        self.ended = true;
                        if b == b'\n' {
                            self.lines -= 1;
                        }
                        return Some(i);
                    }
                    _ => {}
                }
                self.ended
            };
            if end {
                return Some(i + 1);
            }
        }
        self.fed += bytes.len();
        None
    }
}

/// Joins the pieces' results, given in input order, into the one-thread path's bytes: the
/// output fragments through a [`Joiner`], the rejects' rows under one header, the counts added
/// up (the entries are left in each piece's report for the caller to keep).
#[derive(Debug)]
pub struct Merger {
    joiner: Option<Joiner>,
    rejects_started: bool,
    total: Report,
    next: u64,
}

impl Merger {
    /// A merger for a conversion with these options.
    pub fn new(opts: &Options) -> Merger {
        Merger {
            joiner: opts.to.map(|f| Joiner::new(f, opts.bom)),
            rejects_started: false,
            total: Report::default(),
            next: 0,
        }
    }

    /// The next piece's `output`, `rejects` and `report` (its entries stay in it).
    pub fn push(
        &mut self,
        output: &[u8],
        rejects: &[u8],
        report: &Report,
        out: &mut impl std::io::Write,
        rejects_out: &mut impl std::io::Write,
    ) -> std::io::Result<()> {
        if let Some(j) = self.joiner.as_mut() {
            j.push(output, out)?;
        }
        if !rejects.is_empty() {
            if !self.rejects_started {
                let mut head = Vec::new();
                CsvOut::default().row(&rejects_header(), &mut head);
                rejects_out.write_all(&head)?;
                self.rejects_started = true;
            }
            rejects_out.write_all(rejects)?;
        }
        let total = &mut self.total;
        total.read += report.read;
        total.written += report.written;
        total.rejected += report.rejected;
        for (f, n) in &report.dropped_fields {
            *total.dropped_fields.entry(f.clone()).or_insert(0) += n;
        }
        if self.next == 0 {
            total.unknown_columns = report.unknown_columns.clone();
            total.mapping = report.mapping.clone();
            total.skipped_lines = report.skipped_lines;
            total.headerless = report.headerless.clone();
        }
        self.next += 1;
        Ok(())
    }

    /// The counts so far.
    pub fn report(&self) -> &Report {
        &self.total
    }

    /// Pieces merged so far.
    pub fn merged(&self) -> u64 {
        self.next
    }

    /// Ends the output (a JSON array's `]`); the total report, without entries.
    pub fn finish(mut self, out: &mut impl std::io::Write) -> std::io::Result<Report> {
        if let Some(j) = self.joiner.as_mut() {
            j.finish(out)?;
        }
        Ok(self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Outcome = (Vec<u8>, Vec<u8>, Report);

    fn serial(input: &[u8], opts: &Options) -> Outcome {
        let (mut o, mut r) = (vec![], vec![]);
        let rep = crate::convert::convert(input, &mut o, &mut r, opts.clone()).unwrap();
        (o, r, rep)
    }

    /// The input cut as it comes in pushes of `sizes` bytes (in turn), each piece converted
    /// apart, the results merged in order; `None` when the plan leaves it to one converter.
    fn pieces(input: &[u8], opts: &Options, sizes: &[usize]) -> Option<Outcome> {
        let sample = &input[..SAMPLE.min(input.len())];
        let plan = Plan::new(sample, opts)?;
        let mut cutter = Cutter::new(&plan, sample, opts.max_record_bytes);
        let mut chunks = Vec::new();
        let mut rest = &input[sample.len()..];
        for size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (now, later) = rest.split_at((*size).clamp(1, rest.len()));
            assert!(cutter.push(now, &mut |c| {
                chunks.push(c);
                true
            }));
            rest = later;
        }
        cutter.finish(&mut |c| {
            chunks.push(c);
            true
        });
        assert_eq!(cutter.chunks(), chunks.len() as u64);
        let mut merger = Merger::new(opts);
        let (mut out, mut rejects, mut entries) = (vec![], vec![], Report::default());
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.piece.seq, i as u64, "pieces come in order");
            let (mut o, mut r) = (vec![], vec![]);
            let mut rep = c
                .piece
                .convert(&c.bytes, plan.reader(), opts, &mut o, &mut r)
                .unwrap();
            merger.push(&o, &r, &rep, &mut out, &mut rejects).unwrap();
            entries.rejects.append(&mut rep.rejects);
            entries.warnings.append(&mut rep.warnings);
        }
        let mut total = merger.finish(&mut out).unwrap();
        total.rejects = entries.rejects;
        total.warnings = entries.warnings;
        Some((out, rejects, total))
    }

    /// CSV with quoted newlines, blank lines, CRLF, bad rows, rows over a 600-byte bound and
    /// (`huge`) a row of 300 kB, longer than a chunk: read through, not kept.
    fn csv(rows: usize, long_every: usize, huge: bool) -> Vec<u8> {
        let mut text = String::from("\u{FEFF}first_name;last_name;email;phone;org_name\r\n");
        for i in 0..rows {
            let org = match i % 20 {
                0 => "\"Marseille Connect\n(siège)\"".to_string(),
                _ if i % long_every == 3 => format!("\"{}\"", "Long ".repeat(200)),
                2500 if huge => format!("\"{}\"", "Huge\n".repeat(60_000)),
                _ => "Colibrix".to_string(),
            };
            let email = if i % 97 == 0 {
                "bad@".to_string()
            } else {
                format!("u{i}@exemple.fr")
            };
            text.push_str(&format!(
                "Zoé{i};Martin;{email};+39 06 1234 {:04};{org}\r\n",
                i % 10_000
            ));
            if i % 1000 == 0 {
                text.push_str("\r\n");
            }
        }
        text.into_bytes()
    }

    /// A Covage array with the same kinds of rows.
    fn covage(rows: usize, long_every: usize, huge: bool) -> Vec<u8> {
        let mut text = String::from("[\n");
        for i in 0..rows {
            let last = match i {
                2500 if huge => "Huge\\n".repeat(60_000),
                _ if i % long_every == 3 => "Long ".repeat(200),
                _ => "Martin".into(),
            };
            let email = if i % 97 == 0 {
                "bad@".to_string()
            } else {
                format!("u{i}@exemple.fr")
            };
            let sep = if i + 1 < rows { "," } else { "" };
            text.push_str(&format!(
                "  {{\"contact_uuid\":\"u{i}\",\"first_name\":\"Zoé\",\"last_name\":\"{last}\",\"email\":\"{email}\",\"phone_number\":\"0142845403\",\"cell_phone_number\":\"\"}}{sep}\n"
            ));
        }
        text.push(']');
        text.into_bytes()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// Wherever the pushes fall, the pieces join into the one-thread path's bytes, rejects
        /// and report, records over the bound included.
        #[test]
        fn pieces_join_into_the_one_thread_output(
            sizes in prop::collection::vec(1usize..300_000, 1..6),
            json in any::<bool>(),
            long_every in prop_oneof![Just(usize::MAX), 50usize..400],
            huge in any::<bool>(),
            to in prop_oneof![Just(Format::Ndjson), Just(Format::Csv), Just(Format::Covage), Just(Format::Json)],
        ) {
            let input = if json { covage(4000, long_every, huge) } else { csv(4000, long_every, huge) };
            let opts = Options { to: Some(to), max_record_bytes: 600, ..Options::default() };
            let want = serial(&input, &opts);
            let got = pieces(&input, &opts, &sizes).expect("cut in pieces");
            prop_assert!(got.0 == want.0, "output differs");
            prop_assert!(got.1 == want.1, "rejects differ");
            prop_assert_eq!(got.2, want.2);
        }
    }

    #[test]
    fn an_input_that_ends_inside_a_record_over_the_bound() {
        for json in [false, true] {
            let mut input = if json {
                covage(3000, usize::MAX, false)
            } else {
                csv(3000, usize::MAX, false)
            };
            if json {
                input.pop(); // the array's `]`
                input.extend_from_slice(b",{\"last_name\":\"");
            } else {
                input.extend_from_slice(b"Zoe;\"");
            }
            input.extend(std::iter::repeat_n(b'y', 400_000));
            let opts = Options {
                to: Some(Format::Ndjson),
                max_record_bytes: 600,
                ..Options::default()
            };
            let (mut o, mut r) = (vec![], vec![]);
            let want = crate::convert::convert(&input[..], &mut o, &mut r, opts.clone());
            for sizes in [vec![1000], vec![CHUNK], vec![7, 300_000]] {
                let got = std::panic::catch_unwind(|| pieces(&input, &opts, &sizes));
                match &want {
                    Ok(rep) => {
                        let (go, gr, grep) = got.expect("no failure").expect("cut");
                        assert!(
                            go == o,
                            "json {json} {sizes:?}: output {} vs {}",
                            go.len(),
                            o.len()
                        );
                        assert!(
                            gr == r,
                            "json {json} {sizes:?}: rejects {:?} vs {:?}",
                            String::from_utf8_lossy(&gr[gr.len().saturating_sub(300)..]),
                            String::from_utf8_lossy(&r[r.len().saturating_sub(300)..])
                        );
                        assert_eq!(&grep, rep);
                    }
                    Err(_) => assert!(got.is_err(), "fails as the one-thread path does"),
                }
            }
        }
    }

    /// Issue 21 (`parallel-split.csv`): a quote inside an unquoted field is text to the
    /// reader, so the newlines of the quoted fields after it are inside their fields. The
    /// cutter counted quotes, cut there, and invented a contact per quoted newline.
    #[test]
    fn a_stray_quote_does_not_cut_a_quoted_newline() {
        let mut input = b"first_name,last_name,email,org_name,created_at\n".to_vec();
        for i in 0..6000 {
            let org = if i % 7 == 0 {
                "\"Crédit Agricole\nAgence \"\"Nord\"\"\""
            } else {
                "Colibrix"
            };
            let first = if i == 100 { "Lo\"ic" } else { "Loic" };
            input.extend_from_slice(
                format!("{first},Martin,u{i}@exemple.fr,{org},2019-01-03T01:20:00Z\n").as_bytes(),
            );
        }
        let opts = Options {
            to: Some(Format::Ndjson),
            ..Options::default()
        };
        let want = serial(&input, &opts);
        assert_eq!(want.2.read, 6000);
        for sizes in [vec![CHUNK], vec![1000, 70_000]] {
            let got = pieces(&input, &opts, &sizes).expect("cut");
            assert_eq!(got.2.read, 6000, "no contact invented");
            assert!(got.0 == want.0, "output differs");
        }
    }

    #[test]
    fn what_is_left_to_one_converter() {
        let opts = Options::default();
        assert!(
            Plan::new(&csv(10, usize::MAX, false), &opts).is_none(),
            "small"
        );
        let big = csv(4000, usize::MAX, false);
        assert!(Plan::new(&big[..SAMPLE], &opts).is_some());
        let latin = Options {
            encoding: Some(Encoding::Windows1252),
            ..Options::default()
        };
        assert!(Plan::new(&big[..SAMPLE], &latin).is_none(), "not UTF-8");
        let mac: Vec<u8> = big
            .iter()
            .map(|&b| if b == b'\n' { b'\r' } else { b })
            .collect();
        assert!(
            Plan::new(&mac[..SAMPLE], &opts).is_none(),
            "old-Mac line ends"
        );
        let mut headless = b"Zoe,Martin,zoe@exemple.fr\n".to_vec();
        headless.extend(std::iter::repeat_n(b'x', SAMPLE));
        assert!(Plan::new(&headless[..SAMPLE], &opts).is_none(), "no header");
    }
}
