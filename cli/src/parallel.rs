//! Converting UTF-8 CSV and JSON on every core: the input is cut into chunks at record
//! boundaries (for CSV a `\n` outside quotes, for JSON the end of an element of the array or
//! stream), each chunk is made readable alone (CSV: the header in front; a JSON array: `[` and
//! `]` around) and converted apart by core's [`Converter`] in fragment mode, and the fragments
//! are joined in input order. The bytes written are exactly the one-thread path's (tested), and
//! memory stays bounded by the chunks in flight.
//!
//! Anything else (UTF-16, Windows-1252, old-Mac `\r` line ends, small inputs, one core) goes
//! through the one-thread path, [`crate::cmd::pump`].

use crate::entries::Entries;
use crate::files::Input;
use anyhow::Context;
use contactport_core::format::csv_read::{scan_records, sniff_delimiter};
use contactport_core::format::decode::{self, Encoding};
use contactport_core::format::json_read::{scan_elements, seal_array_chunk, JsonSplitter};
use contactport_core::format::write::{CsvOut, Joiner};
use contactport_core::format::Scan;
use contactport_core::{
    convert::rejects_header, Converter, Error, Format, Options, Position, Report,
};
use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::mpsc;

const SAMPLE: usize = 64 * 1024;
const CHUNK: usize = 128 * 1024;

/// How an input is cut into chunks that convert apart.
#[derive(Debug, Clone)]
enum Cut {
    /// CSV: every chunk gets the header line in front.
    Csv { header: Vec<u8>, delimiter: u8 },
    /// A JSON array (`in_array`) or a stream of objects, read as `format`.
    Json { in_array: bool, format: Format },
}

impl Cut {
    /// Where the last whole record of `text` ends; `first` when `text` starts the body.
    fn scan(&self, text: &[u8], first: bool) -> Scan {
        match self {
            Cut::Csv { .. } => scan_records(text),
            Cut::Json { in_array, .. } => scan_elements(text, *in_array, first),
        }
    }

    /// What goes in front of a chunk's body: the CSV header, a JSON array's `[`.
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

    /// What goes in a chunk in place of a record over the bound: a record just over it, which
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

    fn options(&self, opts: &Options, offset: Position) -> Options {
        let (from, delimiter) = match self {
            Cut::Csv { delimiter, .. } => (opts.from, Some(*delimiter)),
            Cut::Json { format, .. } => (Some(*format), None),
        };
        Options {
            from,
            encoding: Some(Encoding::Utf8),
            delimiter,
            fragment: true,
            offset,
            bom: false,
            ..opts.clone()
        }
    }
}

/// Reads through a record too long to keep, piece by piece: where it ends and how many lines it
/// spans. It starts where the record (or, for JSON, the whitespace and comma before it) starts.
struct Skip {
    json: bool,
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
        let json = matches!(cut, Cut::Json { .. });
        Skip {
            json,
            before_array: json && first && matches!(cut, Cut::Json { in_array: true, .. }),
            started: !json,
            scalar: false,
            quoted: false,
            escaped: false,
            depth: 0,
            lines: 0,
            ended: false,
            lead: (!json).then_some(0),
            fed: 0,
        }
    }

    /// Takes the next bytes; the index just past the record's end when it is in them.
    fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                self.lines += 1;
            }
            let end = if !self.json {
                match b {
                    b'"' => self.quoted = !self.quoted,
                    b'\n' if !self.quoted => self.ended = true,
                    _ => {}
                }
                self.ended
            } else if self.quoted {
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

/// Byte buffers handed round instead of freed and allocated again: a fresh buffer of this size
/// costs a page fault every 4 KiB. At most a few are kept, so memory stays bounded.
#[derive(Default)]
struct Pool(std::sync::Mutex<Vec<Vec<u8>>>);

impl Pool {
    fn get(&self, capacity: usize) -> Vec<u8> {
        let mut v = self.0.lock().expect("pool").pop().unwrap_or_default();
        v.clear();
        v.reserve(capacity);
        v
    }

    fn put(&self, v: Vec<u8>) {
        let mut pool = self.0.lock().expect("pool");
        if pool.len() < 4 {
            pool.push(v);
        }
    }
}

/// A chunk of work: its order, its bytes, where it starts (records and lines before it, its
/// first body byte in the input after the BOM) and how many bytes were put in front.
struct Work {
    seq: u64,
    chunk: Vec<u8>,
    offset: Position,
    byte: u64,
    prefix: usize,
}

/// Converts `input`, in parallel when it can; otherwise (returning the input untouched, its
/// first bytes put back) leaves it to the caller.
pub fn convert(
    mut input: Input,
    opts: &Options,
    mut out: &mut dyn Write,
    rejects: &mut dyn Write,
    entries: &mut Entries,
    bar: &ProgressBar,
) -> anyhow::Result<Result<Report, Input>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut sample = Vec::with_capacity(SAMPLE);
    (&mut input.reader)
        .take(SAMPLE as u64)
        .read_to_end(&mut sample)
        .with_context(|| format!("cannot read {}", input.name))?;
    let Some((cut, bom, body_start)) = suitable(&sample, opts, threads) else {
        let rest = std::mem::replace(&mut input.reader, Box::new(std::io::empty()));
        input.reader = Box::new(std::io::Cursor::new(sample).chain(rest));
        return Ok(Err(input));
    };
    // Byte offsets do not count the BOM, as in the one-thread path. (The CSV header's lines
    // are counted by each chunk's converter: the header is in front of every chunk.)

    type Done = (u64, Result<(Vec<u8>, Vec<u8>, Report), Error>);
    let workers = threads.min(8);
    let (work_tx, work_rx) = mpsc::sync_channel::<Work>(workers);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    // Chunks in flight (queued, converting, converted but not yet written) are bounded by
    // tokens the writer hands back: memory stays flat even when writing is the slow part.
    let in_flight = workers * 2 + 2;
    let (token_tx, token_rx) = mpsc::sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        token_tx.send(()).expect("room for every token");
    }

    let pool = Pool::default();
    let pool = &pool;
    // Set by the writer at the first failure: the producer stops cutting chunks. Every chunk
    // before the failed one was already sent (chunks go out in order), so the first failure in
    // input order is still the one reported.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let stop = &stop;
    std::thread::scope(|scope| -> anyhow::Result<Result<Report, Input>> {
        // Workers: one converter per chunk.
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            let cut = &cut;
            scope.spawn(move || loop {
                let job = work_rx.lock().expect("lock").recv();
                let Ok(w) = job else {
                    return;
                };
                let mut conv = Converter::new(cut.options(opts, w.offset));
                let (mut o, mut r) = (pool.get(w.chunk.len() * 2), Vec::new());
                let res = conv
                    .push(&w.chunk, &mut o, &mut r)
                    .and_then(|_| conv.finish(&mut o, &mut r))
                    .map(|rep| (o, r, rep))
                    .map_err(|e| relocate(e, &w));
                pool.put(w.chunk);
                if done_tx.send((w.seq, res)).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);

        // Producer: reads, cuts at record boundaries, sends chunks in order.
        let name = input.name.clone();
        let cut = &cut;
        let producer = scope.spawn(move || -> anyhow::Result<u64> {
            // Each chunk is read where it will be converted: the prefix, the record cut off
            // at the end of the one before, then the input; no copy of it is made.
            let mut read = |buf: &mut Vec<u8>| -> anyhow::Result<bool> {
                let n = (&mut input.reader)
                    .take(CHUNK as u64)
                    .read_to_end(buf)
                    .with_context(|| format!("cannot read {name}"))?;
                bar.inc(n as u64);
                Ok(n == 0)
            };
            // Sends a chunk once a token is free; false when the run stops.
            let send = |work: Work| {
                !(stop.load(std::sync::atomic::Ordering::Relaxed)
                    || token_rx.recv().is_err()
                    || stop.load(std::sync::atomic::Ordering::Relaxed)
                    || work_tx.send(work).is_err())
            };
            let limit = opts.max_record_bytes;
            let mut buf = pool.get(2 * CHUNK);
            buf.extend_from_slice(cut.prefix(true));
            let mut body = buf.len();
            buf.extend_from_slice(&sample[body_start..]);
            let (mut records, mut lines, mut seq) = (0u64, 0u64, 0u64);
            let mut byte = (body_start - bom) as u64;
            let mut eof = false;
            loop {
                if !eof && buf.len() - body < CHUNK {
                    eof = read(&mut buf)?;
                    continue;
                }
                let first = seq == 0;
                let scan = cut.scan(&buf[body..], first);
                let end = if eof { buf.len() - body } else { scan.end };
                if end == 0 && !eof && buf.len() - body <= limit + CHUNK {
                    // One record longer than a chunk: read on.
                    eof = read(&mut buf)?;
                    continue;
                }
                if end == 0 && !eof {
                    // A record over the bound: read through, not kept. Its chunk holds a
                    // stand-in just over the bound, rejected on the record's line; lines and
                    // bytes go on counting the real one. Memory stays flat.
                    let mut skip = Skip::new(cut, first);
                    let (real, tail) = match skip.feed(&buf[body..]) {
                        Some(k) => (k, buf[body + k..].to_vec()),
                        None => {
                            let mut real = buf.len() - body;
                            let mut scratch = Vec::with_capacity(CHUNK);
                            loop {
                                scratch.clear();
                                eof = read(&mut scratch)?;
                                if let Some(k) = skip.feed(&scratch) {
                                    break (real + k, scratch[k..].to_vec());
                                }
                                real += scratch.len();
                                if eof {
                                    break (real, Vec::new());
                                }
                            }
                        }
                    };
                    // What came before the record stays, so its line is counted as before.
                    let lead = skip.lead.unwrap_or(0).min(real);
                    buf.truncate(body + lead);
                    cut.stand_in(&mut buf, limit, skip.ended);
                    let last = eof && tail.is_empty();
                    cut.seal(&mut buf, body, first, last);
                    let mut next = pool.get(2 * CHUNK);
                    next.extend_from_slice(cut.prefix(false));
                    let next_body = next.len();
                    next.extend_from_slice(&tail);
                    let work = Work {
                        seq,
                        chunk: std::mem::replace(&mut buf, next),
                        offset: Position {
                            record: records,
                            line: lines,
                        },
                        byte,
                        prefix: body,
                    };
                    records += 1;
                    lines += skip.lines;
                    body = next_body;
                    byte += real as u64;
                    if !send(work) {
                        break;
                    }
                    seq += 1;
                    if last {
                        break;
                    }
                    continue;
                }
                let mut next = pool.get(2 * CHUNK);
                next.extend_from_slice(cut.prefix(false));
                let next_body = next.len();
                next.extend_from_slice(&buf[body + end..]);
                buf.truncate(body + end);
                cut.seal(&mut buf, body, first, eof);
                let offset = Position {
                    record: records,
                    line: lines,
                };
                records += scan.records;
                lines += scan.lines;
                let work = Work {
                    seq,
                    chunk: std::mem::replace(&mut buf, next),
                    offset,
                    byte,
                    prefix: body,
                };
                body = next_body;
                byte += end as u64;
                if !send(work) {
                    break;
                }
                seq += 1;
                // The last chunk is sent even when empty: it ends a JSON array (or says it
                // is missing), as the one-thread path does at the end of input.
                if eof {
                    break;
                }
            }
            drop(work_tx);
            Ok(seq)
        });

        // Here: results put back in order, joined and written.
        let to = opts.to;
        let mut joiner = to.map(|f| Joiner::new(f, opts.bom));
        let mut rejects_started = false;
        let mut pending: BTreeMap<u64, (Vec<u8>, Vec<u8>, Report)> = BTreeMap::new();
        let mut next = 0u64;
        let mut total = Report::default();
        // The first failure in input order is the one the one-thread path would meet.
        let mut failure: Option<(u64, Error)> = None;
        for (seq, res) in done_rx.iter() {
            match res {
                // Past a failure nothing is written: the chunk's token goes straight back.
                Ok(_) if failure.as_ref().is_some_and(|(s, _)| seq > *s) => {
                    let _ = token_tx.try_send(());
                    continue;
                }
                Ok(r) => {
                    pending.insert(seq, r);
                }
                Err(e) => {
                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                    // Its token goes back so a producer waiting for one sees the stop.
                    let _ = token_tx.try_send(());
                    if failure.as_ref().is_none_or(|(s, _)| seq < *s) {
                        // Chunks after it that were waiting to be written are dropped.
                        pending.retain(|&k, _| {
                            if k > seq {
                                let _ = token_tx.try_send(());
                            }
                            k < seq
                        });
                        failure = Some((seq, e));
                    }
                    continue;
                }
            }
            while let Some((o, r, mut rep)) = pending.remove(&next) {
                if let Some(j) = joiner.as_mut() {
                    j.push(&o, &mut out)?;
                }
                pool.put(o);
                let _ = token_tx.send(());
                if !r.is_empty() {
                    if !rejects_started {
                        let mut head = Vec::new();
                        CsvOut::default().row(&rejects_header(), &mut head);
                        rejects.write_all(&head)?;
                        rejects_started = true;
                    }
                    rejects.write_all(&r)?;
                }
                entries.take_from(&mut rep)?;
                merge(&mut total, rep, next == 0);
                next += 1;
                bar.set_message(format!(
                    "{} records, {} rejected",
                    total.read, total.rejected
                ));
            }
        }
        let chunks = producer.join().expect("producer")?;
        if let Some((_, e)) = failure {
            return Err(e.into());
        }
        // (`next == chunks` below also holds when the producer stopped early: only a failure
        // stops it, and a failure returned above.)
        anyhow::ensure!(next == chunks, "a chunk was lost ({next} of {chunks})");
        if let Some(j) = joiner.as_mut() {
            j.finish(&mut out)?;
        }
        Ok(Ok(total))
    })
}

/// A chunk's failure as the one-thread path would report it: lines and byte offsets counted
/// from the input's start, not the chunk's.
fn relocate(e: Error, w: &Work) -> Error {
    match e {
        Error::Json { line, why } => Error::Json {
            line: line + w.offset.line,
            why,
        },
        Error::Encoding { encoding, offset } => Error::Encoding {
            encoding,
            offset: (offset + w.byte).saturating_sub(w.prefix as u64),
        },
        e => e,
    }
}

/// How to cut this input, its BOM's length and where its body starts (after the BOM, and the
/// CSV header), when it can be converted in parallel.
fn suitable(sample: &[u8], opts: &Options, threads: usize) -> Option<(Cut, usize, usize)> {
    if threads < 2 || sample.len() < SAMPLE {
        return None;
    }
    if opts.encoding.is_some_and(|e| e != Encoding::Utf8) {
        return None;
    }
    // (Only UTF-8 is cut in parallel: past its BOM, if any, is where JSON would start.)
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
        let format = contactport_core::convert::json_format(&el?, opts.from);
        let in_array = text[first] == b'[';
        return Some((Cut::Json { in_array, format }, bom, bom));
    }
    // Old-Mac line ends (a `\r` alone) end records too; the cutter only knows `\n`.
    if text.windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n') {
        return None;
    }
    let mut quoted = false;
    let end = text.iter().position(|&b| {
        if b == b'"' {
            quoted = !quoted;
        }
        b == b'\n' && !quoted
    })?;
    let delimiter = opts.delimiter.unwrap_or_else(|| sniff_delimiter(text));
    // A first line that is not a header (LinkedIn's notes before it, no header at all) is
    // left to the one-thread path, which skips the notes or says what is wrong.
    let line = String::from_utf8_lossy(&text[..end]);
    let names: Vec<&str> = line
        .trim_end_matches('\r')
        .split(delimiter as char)
        .map(|n| n.trim().trim_matches('"'))
        .collect();
    if contactport_core::format::layout::ReadPlan::with_map(&names, opts.from, &opts.columns)
        .knows_nothing()
    {
        return None;
    }
    let header = text[..=end].to_vec();
    Some((Cut::Csv { header, delimiter }, bom, bom + end + 1))
}

/// Adds a chunk's counts to the total (its entries went to [`Entries`] in order).
fn merge(total: &mut Report, chunk: Report, first: bool) {
    total.read += chunk.read;
    total.written += chunk.written;
    total.rejected += chunk.rejected;
    for (f, n) in chunk.dropped_fields {
        *total.dropped_fields.entry(f).or_insert(0) += n;
    }
    if first {
        total.unknown_columns = chunk.unknown_columns;
        total.mapping = chunk.mapping;
        total.skipped_lines = chunk.skipped_lines;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contactport_core::Format;

    fn serial(input: &[u8], opts: &Options) -> Outcome {
        let (mut o, mut r) = (vec![], vec![]);
        let rep = contactport_core::convert::convert(input, &mut o, &mut r, opts.clone()).unwrap();
        (o, r, rep)
    }

    /// Output, rejects and report (entries included).
    type Outcome = (Vec<u8>, Vec<u8>, Report);

    /// The parallel path on `input`, the report's entries put back from the spill.
    fn run(input: Vec<u8>, opts: &Options) -> anyhow::Result<Result<Outcome, Input>> {
        let (mut o, mut r) = (vec![], vec![]);
        let inp = Input {
            reader: Box::new(std::io::Cursor::new(input)),
            len: None,
            name: "test".into(),
        };
        let mut entries = Entries::new(true)?;
        let res = convert(
            inp,
            opts,
            &mut o,
            &mut r,
            &mut entries,
            &ProgressBar::hidden(),
        )?;
        Ok(match res {
            Ok(rep) => Ok((o, r, entries.into_report(rep)?)),
            Err(input) => Err(input),
        })
    }

    fn parallel(input: Vec<u8>, opts: &Options) -> Outcome {
        run(input, opts).unwrap().ok().expect("parallel path taken")
    }

    #[test]
    fn parallel_output_equals_the_one_thread_output() {
        // Big enough for several chunks, with quoted newlines, blank lines, CRLF and bad rows.
        let mut text = String::from("\u{FEFF}first_name;last_name;email;phone;org_name\r\n");
        for i in 0..60_000 {
            let org = if i % 20 == 0 {
                "\"Marseille Connect\n(siège)\""
            } else {
                "Colibrix"
            };
            let email = if i % 97 == 0 {
                "bad@".to_string()
            } else {
                format!("u{i}@exemple.fr")
            };
            text.push_str(&format!(
                "Élodie{i};Martin;{email};01 42 84 {:02} 03;{org}\r\n",
                i % 100
            ));
            if i % 1000 == 0 {
                text.push_str("\r\n");
            }
        }
        for to in [Format::Ndjson, Format::Covage, Format::Csv, Format::Kojo] {
            let opts = Options {
                to: Some(to),
                ..Options::default()
            };
            let (so, sr, srep) = serial(text.as_bytes(), &opts);
            let (po, pr, prep) = parallel(text.clone().into_bytes(), &opts);
            assert_eq!(po.len(), so.len(), "{to}");
            assert!(po == so, "{to}: output differs");
            assert!(pr == sr, "{to}: rejects differ");
            assert_eq!(prep, srep, "{to}: report differs");
        }
    }

    fn covage_array(n: usize) -> String {
        let mut text = String::from("\u{FEFF}[\n");
        for i in 0..n {
            let email = if i % 97 == 0 {
                "bad@".to_string()
            } else {
                format!("u{i}@exemple.fr")
            };
            let first = if i % 50 == 0 {
                r#"\"Élo\\die\" ]},{"#
            } else {
                "Élodie"
            };
            if i % 333 == 5 {
                // Not a contact at all: a rejected record, counted like the others.
                text.push_str("  42,\n");
            }
            text.push_str(&format!(
                "  {{\"contact_uuid\": \"u-{i}\", \"first_name\": \"{first}\", \"last_name\": \"Martin\",\n   \"email\": \"{email}\", \"phone_number\": \"01428454{:02}\", \"cell_phone_number\": null}}{}\n",
                i % 100,
                if i % 7 == 0 { ",  " } else { "," }
            ));
        }
        text.push_str("]\n");
        text
    }

    #[test]
    fn json_in_parallel_equals_the_one_thread_output() {
        // Several chunks; escaped quotes and brackets in strings, a trailing comma, scalars.
        let text = covage_array(40_000);
        let ndjson: String = (0..40_000)
            .map(|i| format!("{{\"email\":\"n{i}@exemple.fr\",\"phone\":\"+33 1 42 84 54 {:02}\",\"last_name\":\"L\"}}\n", i % 100))
            .collect();
        for (input, to) in [
            (&text, Format::Csv),
            (&text, Format::Kojo),
            (&text, Format::Ndjson),
            (&ndjson, Format::Covage),
        ] {
            let opts = Options {
                to: Some(to),
                ..Options::default()
            };
            let (so, sr, srep) = serial(input.as_bytes(), &opts);
            let (po, pr, prep) = parallel(input.clone().into_bytes(), &opts);
            assert!(srep.read >= 40_000 && srep.rejected > 100, "{to}: {srep:?}");
            assert!(po == so, "{to}: output differs");
            assert!(pr == sr, "{to}: rejects differ");
            assert_eq!(prep, srep, "{to}: report differs");
        }
    }

    #[test]
    fn broken_input_fails_as_in_the_one_thread_path() {
        let whole = covage_array(20_000);
        let cut_off = &whole[..whole.len() - 3]; // no closing `]`
        let mut garbage = whole.clone();
        let at = garbage.len() * 2 / 3;
        let at = at + garbage[at..].find("},\n").unwrap() + 2;
        garbage.insert_str(at, " oops,");
        let mut bad_utf8 = covage_array(20_000).into_bytes();
        let at = bad_utf8.len() / 2;
        let at = at + bad_utf8[at..].iter().position(|&b| b == b'M').unwrap();
        bad_utf8[at] = 0xFF;
        let mut csv = String::from("email,phone\n");
        for i in 0..20_000 {
            csv.push_str(&format!("u{i}@exemple.fr,0142845403\n"));
        }
        let mut csv = csv.into_bytes();
        let at = csv.len() * 3 / 4;
        csv[at] = 0xC3;
        let inputs = [
            cut_off.as_bytes().to_vec(),
            garbage.into_bytes(),
            bad_utf8,
            csv,
        ];
        for (i, input) in inputs.into_iter().enumerate() {
            let opts = Options {
                to: Some(Format::Csv),
                ..Options::default()
            };
            let (mut o, mut r) = (vec![], vec![]);
            let serial =
                contactport_core::convert::convert(&input[..], &mut o, &mut r, opts.clone())
                    .map(|rep| format!("{:?}", (o, r, rep)))
                    .map_err(|e| format!("{:#}", anyhow::Error::from(e)));
            let par = run(input, &opts)
                .map_err(|e| format!("{e:#}"))
                .map(|res| format!("{:?}", res.ok().expect("parallel path taken")));
            // A cut-off array and bytes that are not UTF-8 stop the run; the rest only reject
            // their record.
            assert_eq!(serial.is_err(), i == 0 || i == 2, "{i}");
            let brief = |r: &Result<String, String>| match r {
                Ok(s) => format!("Ok({} chars)", s.len()),
                Err(e) => format!("Err({e})"),
            };
            assert!(par == serial, "{i}: {} vs {}", brief(&par), brief(&serial));
        }
    }

    #[test]
    fn records_over_the_bound_are_rejected_as_in_the_one_thread_path() {
        let huge = "y".repeat(300_000);
        let mut csv = String::from("first_name,last_name,email\n");
        csv.push_str(&format!("\"{huge}\nstill {huge}\",B,first@x.fr\n"));
        for i in 0..30_000 {
            csv.push_str(&format!("A{i},B,u{i}@x.fr\n"));
            if i == 15_000 {
                csv.push_str(&format!("{huge},B,mid@x.fr\n"));
            }
        }
        let cut_off = format!("{csv}\"{huge}");
        // (The first element decides the flavour, so it must be whole in the sample.)
        let mut json = String::from("[\n{\"email\": \"first@x.fr\"},\n");
        json.push_str(&format!(
            "{{\"first_name\": \"{huge}\", \"email\": \"a@x.fr\"}},\n"
        ));
        let mut ndjson = String::new();
        for i in 0..20_000 {
            let el = format!(
                "{{\"first_name\": \"A{i}\", \"last_name\": \"B\", \"email\": \"u{i}@x.fr\"}}"
            );
            json.push_str(&el);
            json.push_str(",\n");
            ndjson.push_str(&el);
            ndjson.push('\n');
            if i == 9_000 {
                json.push_str(&format!(
                    "{{\"first_name\": \"{huge}\",\n \"email\": \"m@x.fr\"}},\n"
                ));
                ndjson.push_str(&format!("{{\"first_name\": \"{huge}\"}}\n"));
            }
        }
        json.push_str("{\"email\": \"z@x.fr\"}\n]\n");
        let json_cut_off = format!("{ndjson}{{\"first_name\": \"{huge}");
        for (i, input) in [csv, cut_off, json, ndjson, json_cut_off]
            .into_iter()
            .enumerate()
        {
            let opts = Options {
                to: Some(Format::Ndjson),
                max_record_bytes: 64 * 1024,
                ..Options::default()
            };
            let (mut o, mut r) = (vec![], vec![]);
            let serial =
                contactport_core::convert::convert(input.as_bytes(), &mut o, &mut r, opts.clone())
                    .map(|rep| (o, r, rep))
                    .map_err(|e| format!("{:#}", anyhow::Error::from(e)));
            let par = run(input.into_bytes(), &opts)
                .map_err(|e| format!("{e:#}"))
                .map(|res| res.ok().expect("parallel path taken"));
            match (&serial, &par) {
                (Ok((so, sr, srep)), Ok((po, pr, prep))) => {
                    assert!(srep.rejected >= 1, "{i}: {srep:?}");
                    assert!(
                        srep.rejects[0].reason.contains("longer than 65536 bytes"),
                        "{i}"
                    );
                    assert!(po == so, "{i}: output differs");
                    assert!(
                        pr == sr,
                        "{i}: rejects differ: {}\n{}",
                        String::from_utf8_lossy(pr),
                        String::from_utf8_lossy(sr)
                    );
                    assert_eq!(prep, srep, "{i}: report differs");
                }
                (Err(s), Err(p)) => assert_eq!(s, p, "{i}"),
                _ => panic!(
                    "{i}: serial {:?} vs parallel {:?}",
                    serial.is_ok(),
                    par.is_ok()
                ),
            }
            assert_eq!(
                serial.is_err(),
                i == 4,
                "{i}: only the cut-off JSON element fails"
            );
        }
    }

    #[test]
    fn small_inputs_are_left_to_the_one_thread_path() {
        let opts = Options::default();
        let back = run(b"email\na@b.fr\n".to_vec(), &opts).unwrap();
        let Err(mut input) = back else {
            panic!("the parallel path took a small input")
        };
        let mut all = String::new();
        input.reader.read_to_string(&mut all).unwrap();
        assert_eq!(all, "email\na@b.fr\n", "the sample is put back");
        let json = vec![b' '; SAMPLE]
            .into_iter()
            .chain(b"[]".iter().copied())
            .collect::<Vec<u8>>();
        assert!(run(json, &opts).unwrap().is_err());
    }
}
