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
use crate::format::json_read::{seal_array_chunk, JsonSplitter, Mark};
use crate::format::layout::ReadPlan;
use crate::format::write::{CsvOut, Joiner};
use crate::format::{Format, Scan, Shape};
use crate::{Error, Position, Report};

/// The first bytes an input is judged on; an input shorter than this is not worth cutting.
pub const SAMPLE: usize = 64 * 1024;
/// About how many bytes of input a piece holds.
pub const CHUNK: usize = 128 * 1024;

/// How an input is cut into pieces that convert apart, by its [`Shape`] (a vCard is not cut).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cut {
    /// CSV: every piece gets the header line in front.
    Csv { header: Vec<u8>, delimiter: u8 },
    /// A JSON array (`in_array`) or a stream of objects, read as `format`.
    Json { in_array: bool, format: Format },
}

impl Cut {
    /// CSV: where the last whole record of `text` ends. (JSON is cut where its splitter, run
    /// over the whole input, begins elements: [`JsonTrack`].)
    fn scan(&self, text: &[u8]) -> Scan {
        match self {
            Cut::Csv { delimiter, .. } => scan_records(text, *delimiter),
            Cut::Json { .. } => Scan::default(),
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

    /// Makes `chunk` (the prefix, then the body) readable alone.
    fn seal(&self, chunk: &mut Vec<u8>, last: bool) {
        if let Cut::Json { in_array: true, .. } = self {
            seal_array_chunk(chunk, last);
        }
    }

    /// What goes in a piece in place of a record over the bound: a record just over it, which
    /// the converter rejects on the real record's line as the one-thread path does. `complete`:
    /// the real record ended (else the input ended inside it, and so does the stand-in).
    /// `first`: a JSON element's first byte; the stand-in is of the same kind (an object or
    /// array, a string, a bare scalar), so an input that ends inside it fails the same way.
    fn stand_in(&self, chunk: &mut Vec<u8>, limit: usize, complete: bool, first: u8) {
        let filler = std::iter::repeat_n(b'x', limit + 1);
        let (open, close): (&[u8], &[u8]) = match (self, first) {
            (Cut::Csv { .. }, _) => (b"\"", b"\"\n"),
            (Cut::Json { .. }, b'{' | b'[') => (b"{\"x\":\"", b"\"}"),
            (Cut::Json { .. }, b'"') => (b"\"", b"\""),
            // A bare scalar ends before the byte that follows it, which is kept.
            (Cut::Json { .. }, _) => (b"", b""),
        };
        chunk.extend_from_slice(open);
        chunk.extend(filler);
        if complete {
            chunk.extend_from_slice(close);
        }
    }
}

/// How an input is read in pieces: decided once, from its first [`SAMPLE`] bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    cut: Cut,
    /// How the encoding was chosen, as the report says it (a file that is mostly UTF-8).
    encoding: Option<String>,
    /// The BOM's length.
    bom: usize,
    /// Where the body starts in the sample (after the BOM and the CSV header).
    body_start: usize,
}

impl Plan {
    /// The plan for an input whose first bytes are `sample` (all of it when it is shorter than
    /// [`SAMPLE`]), or `None` when it is for one [`Converter`] to read.
    pub fn new(sample: &[u8], opts: &Options) -> Option<Plan> {
        // A rule across records sees every record in order: one converter.
        if sample.len() < SAMPLE
            || opts.encoding.is_some_and(|e| e != Encoding::UTF8)
            || opts.cross_record_rules()
        {
            return None;
        }
        // The converter's own decision. Only UTF-8 is cut; how, the input's shape says.
        let d = decode::detect_input(sample, opts.from, opts.encoding);
        if d.encoding != Encoding::UTF8 {
            return None;
        }
        let (encoding, bom) = (d.said(), d.bom);
        let text = &sample[bom..];
        let first = text.iter().position(|b| !b.is_ascii_whitespace())?;
        match d.shape {
            // A vCard is read whole: its cards' charsets and folds are the reader's.
            Shape::Vcard => return None,
            Shape::JsonArray | Shape::JsonLines => {
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
                    encoding,
                    bom,
                    body_start: bom,
                });
            }
            Shape::Csv => {}
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
            encoding,
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
    /// Lines of a JSON element over the bound that its stand-in, first in the piece, does not
    /// have: added to the lines of what follows it.
    #[serde(default)]
    pub hidden_lines: u64,
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
            encoding: Some(Encoding::UTF8),
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
    pub fn relocate(&self, mut e: Error) -> Error {
        // Every piece reads the input's header, which is on the input's own line: it stays.
        if matches!(e, Error::Header { .. }) {
            return e;
        }
        if let Some(at) = e.at_mut() {
            at.line = at.line.map(|l| l + self.line + self.hidden_lines);
            at.record = at.record.map(|r| r + self.record);
            at.byte = at
                .byte
                .map(|b| (b + self.byte).saturating_sub(self.prefix as u64));
        }
        e
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
///
/// A piece starts where the reader starts a record, damaged input included: for CSV where
/// csv-core ends one ([`scan_records`]), for JSON where the reader's own splitter, run over the
/// whole input here, begins an element. Where that splitter fails, the rest is one last piece,
/// which fails the same way.
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
    /// CSV: reading through a record over the bound: its reader, and its bytes so far.
    skip: Option<(Skip, usize)>,
    /// JSON: the reader's splitter, over the whole input.
    track: Option<JsonTrack>,
    /// JSON: the buffer holds a stand-in for an element over the bound, then the input from
    /// the element's end: (the buffer's index there, that input offset, lines stood for).
    stand_in: Option<(usize, u64, u64)>,
    /// JSON: the input's syntax failed; the piece that fails was sent, the rest is not read.
    done: bool,
    /// Buffers handed back ([`Cutter::recycle`]): a fresh one costs a page fault every 4 KiB.
    spare: Vec<Vec<u8>>,
}

impl Cutter {
    /// A cutter for an input planned as `plan`, whose first bytes were `sample`.
    pub fn new(plan: &Plan, sample: &[u8], max_record_bytes: usize) -> Cutter {
        let mut buf = Vec::with_capacity(2 * CHUNK);
        buf.extend_from_slice(plan.cut.prefix(true));
        let body = buf.len();
        let mut cutter = Cutter {
            cut: plan.cut.clone(),
            limit: max_record_bytes,
            buf,
            body,
            seq: 0,
            records: 0,
            lines: 0,
            byte: (plan.body_start - plan.bom) as u64,
            skip: None,
            track: matches!(plan.cut, Cut::Json { .. }).then(|| JsonTrack::new(max_record_bytes)),
            stand_in: None,
            done: false,
            spare: Vec::new(),
        };
        let body = &sample[plan.body_start..];
        if let Some(t) = cutter.track.as_mut() {
            t.feed(body);
        }
        cutter.buf.extend_from_slice(body);
        cutter
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
        if self.done {
            return true;
        }
        if let Some(t) = self.track.as_mut() {
            let at = t.fed;
            t.feed(bytes);
            if t.skipping {
                // Reading through an element over the bound: only its end matters.
                // (`ended` stays set: the first element begun after it ends this piece,
                // maybe in a later push.)
                let Some((end, line)) = t.ended else {
                    return true;
                };
                t.skipping = false;
                self.cut
                    .stand_in(&mut self.buf, self.limit, true, t.open_first);
                self.stand_in = Some((self.buf.len(), end, line - t.skipped_line));
                bytes = &bytes[(end - at) as usize..];
            }
        } else if let Some((skip, real)) = self.skip.as_mut() {
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
        if self.track.as_ref().is_some_and(|t| t.failed) {
            // Past the reader's failure nothing is a record: this piece fails where the reader
            // does, and the rest is not read.
            self.done = true;
            let (until, consumed) = (self.buf.len(), self.buf.len() - self.body);
            return self.ship(until, 0, 0, consumed, true, emit);
        }
        while self.buf.len() - self.body >= CHUNK || self.stand_in.is_some() {
            if let Some(t) = &self.track {
                // The piece of a stand-in ends at the first element after it: its lines past
                // the stand-in are counted short by the lines the stand-in hides.
                let cut = if self.stand_in.is_some() {
                    t.after_skip
                } else {
                    t.cut
                };
                match cut.filter(|c| c.0 > self.byte) {
                    Some((at, records, lines)) => {
                        let until = match self.stand_in {
                            Some((index, from, _)) => index + (at - from) as usize,
                            None => self.body + (at - self.byte) as usize,
                        };
                        let consumed = (at - self.byte) as usize;
                        let (records, lines) = (records - self.records, lines - self.lines);
                        if !self.ship(until, records, lines, consumed, false, emit) {
                            return false;
                        }
                        continue;
                    }
                    None if self.stand_in.is_some() => break,
                    None => {}
                }
                if self.buf.len() - self.body > self.limit + CHUNK
                    && t.open_at.0 == self.byte
                    && t.open
                {
                    // The element that starts this piece is over the bound: read it through.
                    self.buf.truncate(self.body);
                    let t = self.track.as_mut().expect("json");
                    t.skipping = true;
                    t.skipped_line = t.open_at.1;
                    t.ended = None;
                    t.after_skip = None;
                    return true;
                }
                break;
            }
            let scan = self.cut.scan(&self.buf[self.body..]);
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
            } else if self.buf.len() - self.body > 3 * self.limit + CHUNK {
                // No record ends within the bound: read through the one that starts here. The
                // reader's bound is on the fields it keeps (quotes taken off, 8 bytes a field
                // end), which can be under half the raw bytes: past three times the bound in
                // raw bytes the reader is over it too, whatever the quoting.
                let mut skip = Skip::new(&self.cut);
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
        if self.done {
            return;
        }
        if self.track.as_ref().is_some_and(|t| t.skipping) {
            // The input ended inside the element over the bound, as its stand-in does, and
            // fails the same way: a bare scalar on the line the input ends on (the lines it
            // hides are added back), anything else on the line it began on.
            let t = self.track.as_ref().expect("json");
            let bare = t.splitter.in_bare_scalar();
            let hidden = if bare {
                t.lines() + 1 - t.skipped_line
            } else {
                0
            };
            self.cut.stand_in(
                &mut self.buf,
                self.limit,
                false,
                if bare { b'x' } else { b'{' },
            );
            self.stand_in = Some((0, 0, hidden));
            let (records, lines) = (t.begun - self.records, t.lines() - self.lines);
            let consumed = (t.fed - self.byte) as usize;
            self.ship(self.buf.len(), records, lines, consumed, true, emit);
        } else if self.skip.is_some() {
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
        self.cut.seal(&mut self.buf, last);
        let piece = Piece {
            seq: self.seq,
            record: self.records,
            line: self.lines,
            byte: self.byte,
            prefix: self.body,
            hidden_lines: self.stand_in.take().map_or(0, |s| s.2),
        };
        self.records += records;
        self.lines += lines;
        self.byte += consumed as u64;
        self.seq += 1;
        self.body = next_body;
        let bytes = std::mem::replace(&mut self.buf, next);
        emit(Chunk { piece, bytes })
    }

    /// Sends the chunk that ends with the stand-in for the CSV record read through (complete
    /// when it ended before the input did); the buffer then starts the next chunk.
    fn skipped(&mut self, last: bool, emit: &mut dyn FnMut(Chunk) -> bool) -> bool {
        let Some((skip, real)) = self.skip.take() else {
            return true;
        };
        // What came before the record stays, so its line is counted as before.
        let lead = skip.lead.unwrap_or(0).min(real);
        self.buf.truncate(self.body + lead);
        self.cut
            .stand_in(&mut self.buf, self.limit, skip.ended, b'"');
        self.ship(self.buf.len(), 1, skip.lines, real, last, emit)
    }

    /// Chunks sent so far.
    pub fn chunks(&self) -> u64 {
        self.seq
    }
}

/// The reader's JSON splitter, fed the whole input by the [`Cutter`]: where it begins elements
/// is where pieces start.
#[derive(Debug)]
struct JsonTrack {
    splitter: JsonSplitter,
    /// Input bytes fed (offsets after the BOM).
    fed: u64,
    /// Elements begun.
    begun: u64,
    /// The last element begun: its input offset, the elements and lines before it.
    cut: Option<(u64, u64, u64)>,
    /// Inside an element; `open_at`: where (and on which line) the last one began.
    open: bool,
    open_at: (u64, u64),
    /// The first byte of the last element begun (its kind).
    open_first: u8,
    /// Where the element read through ended, and the line there.
    ended: Option<(u64, u64)>,
    /// The first element begun after it, as `cut`.
    after_skip: Option<(u64, u64, u64)>,
    /// The element that starts the current piece is over the bound, read through; the line
    /// it began on.
    skipping: bool,
    skipped_line: u64,
    /// The splitter failed: the input's syntax is broken here.
    failed: bool,
}

impl JsonTrack {
    fn new(limit: usize) -> JsonTrack {
        JsonTrack {
            splitter: JsonSplitter::default().with_max(limit),
            fed: 0,
            begun: 0,
            cut: None,
            open: false,
            open_at: (0, 1),
            open_first: b'{',
            ended: None,
            after_skip: None,
            skipping: false,
            skipped_line: 1,
            failed: false,
        }
    }

    /// Lines before the bytes fed so far end (as the reader counts them).
    fn lines(&self) -> u64 {
        self.splitter.line() - 1
    }

    fn feed(&mut self, bytes: &[u8]) {
        if self.failed {
            return;
        }
        let base = self.fed;
        let res = self.splitter.feed_marked(
            bytes,
            false,
            |_, _| Ok(()),
            |m| match m {
                Mark::Begin { at, line } => {
                    self.open_first = bytes[at];
                    let at = base + at as u64;
                    self.cut = Some((at, self.begun, line - 1));
                    if self.ended.is_some() && self.after_skip.is_none() {
                        self.after_skip = self.cut;
                    }
                    self.begun += 1;
                    self.open = true;
                    self.open_at = (at, line);
                }
                Mark::End { at, line } => {
                    self.open = false;
                    // The first end since the cutter began reading an element through.
                    self.ended.get_or_insert((base + at as u64, line));
                }
            },
        );
        self.failed = res.is_err();
        self.fed += bytes.len() as u64;
    }
}

/// Reads through a CSV record too long to keep, piece by piece, with the reader's own machine:
/// where it ends and how many lines it spans. It starts where the record (or blank lines before
/// it) starts.
#[derive(Debug)]
struct Skip {
    rec: RecordEnd,
    lines: u64,
    ended: bool,
    /// Blank lines before the record itself, once it has started.
    lead: Option<usize>,
}

impl Skip {
    fn new(cut: &Cut) -> Skip {
        let delimiter = match cut {
            Cut::Csv { delimiter, .. } => *delimiter,
            Cut::Json { .. } => unreachable!("JSON elements are read through by the splitter"),
        };
        Skip {
            rec: RecordEnd::new(delimiter),
            lines: 0,
            ended: false,
            lead: None,
        }
    }

    /// Takes the next bytes; the index just past the record's end when it is in them.
    fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        let end = self.rec.feed(bytes);
        self.lead = self.rec.start;
        let upto = end.unwrap_or(bytes.len());
        self.lines += memchr::memchr_iter(b'\n', &bytes[..upto]).count() as u64;
        self.ended = end.is_some();
        end
    }
}

/// Where a piece's bytes go in the joined files ([`Merger::place`]).
#[derive(Debug)]
pub struct Placement {
    /// Bytes before the piece's output.
    pub output_head: Vec<u8>,
    /// The piece's first output bytes to leave out (`usize::MAX`: all).
    pub output_skip: usize,
    /// Bytes before the piece's rejects.
    pub rejects_head: Vec<u8>,
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
    /// A merger for a conversion of an input planned as `plan`, with these options.
    pub fn new(plan: &Plan, opts: &Options) -> Merger {
        Merger {
            joiner: opts.to.map(|f| Joiner::new(f, opts.bom)),
            rejects_started: false,
            total: Report {
                encoding: plan.encoding.clone(),
                ..Report::default()
            },
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
        // Without a target format (validate) there is no output to join.
        let joined = self.joiner.is_some();
        let p = self.place(output, !rejects.is_empty(), report);
        if joined {
            out.write_all(&p.output_head)?;
            out.write_all(&output[p.output_skip..])?;
        }
        rejects_out.write_all(&p.rejects_head)?;
        rejects_out.write_all(rejects)
    }

    /// [`Merger::push`] without the writing: what goes before the piece's output (leaving out
    /// its first `output_skip` bytes: all of them without a target format) and before its
    /// rejects, for a caller that keeps the pieces' bytes where they are (the page). Only
    /// `output`'s first two bytes are looked at.
    pub fn place(&mut self, output: &[u8], any_rejects: bool, report: &Report) -> Placement {
        let (output_head, output_skip) = match self.joiner.as_mut() {
            Some(j) => j.place(output),
            None => (Vec::new(), usize::MAX),
        };
        let mut rejects_head = Vec::new();
        if any_rejects && !self.rejects_started {
            CsvOut::default().row(&rejects_header(), &mut rejects_head);
            self.rejects_started = true;
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
        Placement {
            output_head,
            output_skip,
            rejects_head,
        }
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
        pieces_or_failure(input, opts, sizes).map(|r| r.expect("no failure"))
    }

    /// [`pieces`], or the first piece's failure in input order, as the one-thread path's.
    fn pieces_or_failure(
        input: &[u8],
        opts: &Options,
        sizes: &[usize],
    ) -> Option<Result<Outcome, String>> {
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
        let mut merger = Merger::new(&plan, opts);
        let (mut out, mut rejects, mut entries) = (vec![], vec![], Report::default());
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.piece.seq, i as u64, "pieces come in order");
            let (mut o, mut r) = (vec![], vec![]);
            let mut rep = match c
                .piece
                .convert(&c.bytes, plan.reader(), opts, &mut o, &mut r)
            {
                Ok(rep) => rep,
                Err(e) => return Some(Err(e.to_string())),
            };
            merger.push(&o, &r, &rep, &mut out, &mut rejects).unwrap();
            entries.rejects.append(&mut rep.rejects);
            entries.warnings.append(&mut rep.warnings);
        }
        let mut total = merger.finish(&mut out).unwrap();
        total.rejects = entries.rejects;
        total.warnings = entries.warnings;
        Some(Ok((out, rejects, total)))
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
        // CSV; a JSON object; a JSON bare scalar spanning lines (in brackets), which fails on
        // the line the input ends on; one inside a string, which fails on the line it began.
        for (json, tail) in [
            (false, &b"Zoe;\""[..]),
            (true, b",{\"last_name\":\""),
            (true, b",\n x[1,\n2,\n3,\n"),
            (true, b",\n x\"[\n\n"),
        ] {
            let mut input = if json {
                covage(3000, usize::MAX, false)
            } else {
                csv(3000, usize::MAX, false)
            };
            if json {
                input.pop(); // the array's `]`
            }
            input.extend_from_slice(tail);
            input.extend(std::iter::repeat_n(b'y', 400_000));
            let opts = Options {
                to: Some(Format::Ndjson),
                max_record_bytes: 600,
                ..Options::default()
            };
            let (mut o, mut r) = (vec![], vec![]);
            let want = crate::convert::convert(&input[..], &mut o, &mut r, opts.clone());
            for sizes in [vec![1000], vec![CHUNK], vec![7, 300_000]] {
                let got = pieces_or_failure(&input, &opts, &sizes).expect("cut");
                match (&want, got) {
                    (Ok(rep), Ok((go, gr, grep))) => {
                        assert!(
                            go == o,
                            "json {json} {sizes:?}: output {} vs {}",
                            go.len(),
                            o.len()
                        );
                        assert!(gr == r, "json {json} {sizes:?}: rejects differ");
                        assert_eq!(&grep, rep);
                    }
                    (Err(w), Err(g)) => assert_eq!(g, w.to_string(), "{json} {sizes:?}"),
                    (w, g) => panic!("{json} {sizes:?}: {:?} vs {:?}", w.as_ref().err(), g.err()),
                }
            }
        }
    }

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

    /// Review of issue 21: an element read through whose end is the last byte of a push,
    /// the next element beginning in the next push: its piece still ends there (the next
    /// element's lines were counted short by the stand-in's).
    #[test]
    fn a_stand_in_ending_a_push() {
        // An element over the bound spanning 200,000 lines, then a record rejected on its
        // line.
        let base = covage(3000, usize::MAX, false);
        let at = base
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .nth(1500)
            .unwrap()
            .0
            + 1;
        let mut input = base[..at].to_vec();
        let start = input.len();
        input.extend_from_slice(b"  {\"first_name\": \"x\",");
        input.extend(std::iter::repeat_n(b'\n', 200_000));
        input.extend_from_slice(b"\"last_name\": \"y\"}");
        let end = input.len();
        input.extend_from_slice(b",\n  {\"email\": \"bad@\", \"first_name\": \"z\"},\n");
        input.extend_from_slice(&base[at..]);
        let opts = Options {
            to: Some(Format::Ndjson),
            max_record_bytes: 600,
            ..Options::default()
        };
        let want = serial(&input, &opts);
        // Into the element (read through from there), then to its very end, then on.
        let into = start + 150_000 - SAMPLE;
        let got = pieces(&input, &opts, &[into, end - (start + 150_000), 1000]).expect("cut");
        assert!(got.0 == want.0, "output differs");
        assert!(got.1 == want.1, "rejects differ");
        assert_eq!(got.2, want.2);
    }

    /// Review of issue 21: a CSV record whose raw bytes pass the bound and a chunk but whose
    /// fields (doubled quotes taken off) do not is read, not replaced by a stand-in.
    #[test]
    fn a_record_of_doubled_quotes_under_the_bound_is_read() {
        let mut input = csv(3000, usize::MAX, false);
        input.extend_from_slice(b"Zoe;Martin;z@exemple.fr;;\"");
        input.extend(std::iter::repeat_n(b'"', 2 * 190_000));
        input.extend_from_slice(b"\"\r\n");
        input.extend_from_slice(&csv(3000, usize::MAX, false)[60..]);
        let opts = Options {
            to: Some(Format::Ndjson),
            max_record_bytes: 200_000,
            ..Options::default()
        };
        let want = serial(&input, &opts);
        assert_eq!(want.2.rejected, 0, "one thread reads it");
        let got = pieces(&input, &opts, &[1000]).expect("cut");
        assert!(got.0 == want.0, "output differs");
        assert_eq!(got.2, want.2);
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
            encoding: Some(Encoding::WINDOWS1252),
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
