//! A push CSV record splitter over `csv-core`: fed UTF-8 chunks, it hands out whole records
//! (quoted commas, quotes, newlines and CRLF handled) with the line each starts on.
//!
//! A record is bounded ([`CsvSplitter::with_max`], 1 MiB by default): one larger is read
//! through without being kept, and handed out with no fields at all (csv-core never makes a
//! record without fields), so the caller rejects it with its line and memory stays flat.

use super::Scan;
use crate::error::Error;

/// Splits CSV text into records.
pub struct CsvSplitter {
    rdr: csv_core::Reader,
    delimiter: u8,
    /// Take the quick path for lines without quotes (off only to test it against csv-core).
    quick: bool,
    out: Vec<u8>,
    ends: Vec<usize>,
    nout: usize,
    nend: usize,
    /// Line the next record starts on, counted over consumed input.
    line: u64,
    start_line: Option<u64>,
    /// The largest record kept, in bytes.
    max: usize,
    /// The record being read is over `max`: its bytes are dropped as they come.
    too_long: bool,
}

/// csv-core as the reader sets it up. A fresh csv-core strips a UTF-8 BOM from the first input
/// it reads, but the decoder has already taken the file's BOM off, and csv-core first reads
/// wherever the quick path first leaves a record to it (which differs between the whole file
/// and a piece of it): a BOM there is text. A blank line first (skipped, nothing read) says so.
fn mid_file_reader(delimiter: u8) -> csv_core::Reader {
    let mut rdr = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let _ = rdr.read_record(b"\n", &mut [0u8; 1], &mut [0usize; 1]);
    rdr
}

/// The default bound of a record (and a JSON element): 1 MiB.
pub const MAX_RECORD: usize = 1 << 20;

impl CsvSplitter {
    /// A splitter for `delimiter`.
    pub fn new(delimiter: u8) -> CsvSplitter {
        CsvSplitter {
            rdr: mid_file_reader(delimiter),
            delimiter,
            quick: true,
            out: vec![0; 4096],
            ends: vec![0; 64],
            nout: 0,
            nend: 0,
            line: 1,
            start_line: None,
            max: MAX_RECORD,
            too_long: false,
        }
    }

    /// Bounds a record to `max` bytes (fields and their count): a longer one is handed out with
    /// no fields.
    pub fn with_max(mut self, max: usize) -> CsvSplitter {
        self.max = max.max(1);
        // The record buffer never grows past the bound, so csv-core finds it full at the
        // bound's first byte over: exact, whatever the bound (it was the next power of two).
        self.out.truncate(self.max);
        self
    }

    /// csv-core filled the output: grows it, or past the bound drops what the record holds so
    /// far and marks it too long.
    fn out_full(&mut self) {
        if self.too_long || self.out.len() >= self.max {
            self.too_long = true;
            self.nout = 0;
            self.nend = 0;
        } else {
            self.grow_out();
        }
    }

    /// Likewise for the field ends (a record of a million empty fields is long too).
    fn ends_full(&mut self) {
        if self.too_long || self.ends.len() * std::mem::size_of::<usize>() >= self.max {
            self.too_long = true;
            self.nout = 0;
            self.nend = 0;
        } else {
            self.grow_ends();
        }
    }

    /// Feeds `input`; `eof` on the last call (input may be empty then). Calls `on_record` with
    /// the record's bytes, its field ends and its first line.
    pub fn feed(
        &mut self,
        mut input: &[u8],
        eof: bool,
        mut on_record: impl FnMut(&[u8], &[usize], u64) -> Result<(), Error>,
    ) -> Result<(), Error> {
        loop {
            if self.start_line.is_none() {
                // Skip the blank lines csv-core would skip, counting them, so the record's
                // first line is exact.
                while let Some((&b, rest)) = input.split_first() {
                    match b {
                        b'\n' => self.line += 1,
                        b'\r' => {}
                        _ => break,
                    }
                    input = rest;
                }
                if !input.is_empty() {
                    self.start_line = Some(self.line);
                    if self.quick {
                        if let Some(n) = self.quick_record(input, eof, &mut on_record)? {
                            input = &input[n..];
                            continue;
                        }
                    }
                }
            }
            let (res, nin, nout, nend) = self.rdr.read_record(
                input,
                &mut self.out[self.nout..],
                &mut self.ends[self.nend..],
            );
            self.line += memchr::memchr_iter(b'\n', &input[..nin]).count() as u64;
            input = &input[nin..];
            self.nout += nout;
            self.nend += nend;
            use csv_core::ReadRecordResult::*;
            match res {
                InputEmpty => {
                    if input.is_empty() && !eof {
                        return Ok(());
                    }
                    // eof: call again with empty input to flush the last record.
                    if input.is_empty() && eof {
                        let (res, _, nout, nend) = self.rdr.read_record(
                            &[],
                            &mut self.out[self.nout..],
                            &mut self.ends[self.nend..],
                        );
                        self.nout += nout;
                        self.nend += nend;
                        match res {
                            Record => self.emit(&mut on_record)?,
                            OutputFull => self.out_full(),
                            OutputEndsFull => self.ends_full(),
                            InputEmpty | End => return Ok(()),
                        }
                    }
                }
                OutputFull => self.out_full(),
                OutputEndsFull => self.ends_full(),
                Record => self.emit(&mut on_record)?,
                End => return Ok(()),
            }
        }
    }

    /// Most records are one line without quotes: split at the delimiters directly (SIMD
    /// searches), csv-core's byte-at-a-time machine only for the rest. At a record's start
    /// only, so csv-core is between records too. Returns the bytes taken, or `None` to leave
    /// the record to csv-core (quotes, a lone `\r` which csv-core also ends records on, or a
    /// line not yet whole).
    fn quick_record(
        &mut self,
        input: &[u8],
        eof: bool,
        on_record: &mut impl FnMut(&[u8], &[usize], u64) -> Result<(), Error>,
    ) -> Result<Option<usize>, Error> {
        let (end, taken) = match memchr::memchr(b'\n', input) {
            Some(p) => (p, p + 1),
            None if eof => (input.len(), input.len()),
            None => return Ok(None),
        };
        let line = &input[..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if memchr::memchr2(b'"', b'\r', line).is_some() {
            return Ok(None);
        }
        if line.len() > self.max {
            self.too_long = true;
            self.nout = 0;
            self.nend = 0;
            self.emit(on_record)?;
            self.line += u64::from(taken > end);
            return Ok(Some(taken));
        }
        if self.out.len() < line.len() {
            self.out
                .resize(line.len().next_power_of_two().min(self.max), 0);
        }
        let (mut start, mut n) = (0, 0);
        for cut in memchr::memchr_iter(self.delimiter, line).chain([line.len()]) {
            let field = &line[start..cut];
            self.out[self.nout..self.nout + field.len()].copy_from_slice(field);
            self.nout += field.len();
            if n == self.ends.len() {
                self.grow_ends();
            }
            self.ends[n] = self.nout;
            n += 1;
            start = cut + 1;
        }
        self.nend = n;
        self.emit(on_record)?;
        self.line += u64::from(taken > end);
        Ok(Some(taken))
    }

    fn emit(
        &mut self,
        on_record: &mut impl FnMut(&[u8], &[usize], u64) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let line = self.start_line.take().unwrap_or(self.line);
        let r = if std::mem::take(&mut self.too_long) {
            on_record(&[], &[], line)
        } else {
            on_record(&self.out[..self.nout], &self.ends[..self.nend], line)
        };
        self.nout = 0;
        self.nend = 0;
        r
    }

    fn grow_out(&mut self) {
        let n = (self.out.len() * 2).min(self.max);
        self.out.resize(n, 0);
    }

    fn grow_ends(&mut self) {
        let n = self.ends.len() * 2;
        self.ends.resize(n, 0);
    }
}

/// Finds the last record boundary in `text`, which starts where a record starts: the end of the
/// last record the reader's own machine (csv-core, with the reader's settings) ends in it, so a
/// piece cut there reads as it would in the whole file, damaged or not.
///
/// Most text is plain RFC 4180, where counting quotes tells what csv-core does: a fast scan
/// (SIMD searches for quotes and line ends) decides there. A quote that csv-core would read as
/// text (inside an unquoted field, or after a closing quote), or a lone `\r` (which ends a
/// record), ends the fast scan and csv-core reads the text itself.
pub fn scan_records(text: &[u8], delimiter: u8) -> Scan {
    quick_scan(text, delimiter).unwrap_or_else(|| exact_scan(text, delimiter))
}

/// [`scan_records`] by counting quotes; `None` where that could differ from csv-core.
fn quick_scan(text: &[u8], delimiter: u8) -> Option<Scan> {
    let mut scan = Scan::default();
    let mut quoted = false;
    let (mut lines, mut records) = (0, 0);
    let mut line_start = 0;
    let mut i = 0;
    while let Some(k) = memchr::memchr3(b'"', b'\n', b'\r', &text[i..]) {
        let p = i + k;
        i = p + 1;
        match text[p] {
            b'"' if quoted => match text.get(p + 1) {
                // A doubled quote: one quote of text, still quoted.
                Some(b'"') => i = p + 2,
                Some(&b) if b == delimiter || b == b'\n' || b == b'\r' => quoted = false,
                // What follows decides; the boundaries found so far stand.
                None => break,
                // csv-core reads on, unquoted, with later quotes as text: counting no longer tells.
                Some(_) => return None,
            },
            b'"' => {
                // A quote opens a field only at the field's start; elsewhere it is text.
                if p > 0 && !matches!(text[p - 1], b'\n' | b'\r') && text[p - 1] != delimiter {
                    return None;
                }
                quoted = true;
            }
            b'\r' if quoted => {}
            // `\r\n` ends a line below; a `\r` alone ends a record, which csv-core counts.
            b'\r' => match text.get(p + 1) {
                Some(b'\n') => {}
                None => break,
                Some(_) => return None,
            },
            _ if quoted => lines += 1,
            _ => {
                lines += 1;
                // A line of nothing (or only its `\r`) is no record: csv-core skips it.
                let len = p - line_start - usize::from(p > line_start && text[p - 1] == b'\r');
                records += u64::from(len > 0);
                line_start = p + 1;
                scan = Scan {
                    end: p + 1,
                    lines,
                    records,
                };
            }
        }
    }
    Some(scan)
}

/// [`scan_records`] by csv-core itself: every record it ends in `text` is a boundary, and so
/// is any point in the blank lines after it (csv-core skips them at a record's start).
fn exact_scan(text: &[u8], delimiter: u8) -> Scan {
    let blank = |from: usize| {
        from + text[from..]
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count()
    };
    let mut scan = Scan::default();
    read_through(text, delimiter, |pos, records| {
        scan.end = blank(pos);
        scan.records = records;
        true
    });
    if scan.records == 0 {
        scan.end = blank(0);
    }
    scan.lines = memchr::memchr_iter(b'\n', &text[..scan.end]).count() as u64;
    scan
}

/// Where the first record of a file's `text` (its BOM taken off) ends as the reader reads it,
/// its `\r\n` whole; `None` when it does not end in `text` or ends at a `\r` alone.
pub fn first_record_end(text: &[u8], delimiter: u8) -> Option<usize> {
    let mut end = None;
    read_through(text, delimiter, |pos, _| {
        end = Some(pos + usize::from(text[pos - 1] == b'\r' && text.get(pos) == Some(&b'\n')));
        false
    });
    end.filter(|&e| text[e - 1] == b'\n')
}

/// Reads `text` with csv-core as the reader sets it up, calling `on_end` with where each record
/// ends and how many have, while it says to go on.
fn read_through(text: &[u8], delimiter: u8, mut on_end: impl FnMut(usize, u64) -> bool) {
    use csv_core::ReadRecordResult::*;
    let mut rdr = mid_file_reader(delimiter);
    let (mut out, mut ends) = ([0u8; 4096], [0usize; 64]);
    let (mut pos, mut records) = (0, 0);
    // Empty input would tell csv-core the input ended: stop before.
    while pos < text.len() {
        let (res, nin, _, _) = rdr.read_record(&text[pos..], &mut out, &mut ends);
        pos += nin;
        match res {
            Record => {
                records += 1;
                if !on_end(pos, records) {
                    return;
                }
            }
            // The fields are not wanted: csv-core goes on into the same buffers.
            OutputFull | OutputEndsFull => {}
            InputEmpty | End => return,
        }
    }
}

/// Reads through one CSV record, as [`scan_records`] would cut it, however long: fed the input
/// from a record's start (blank lines first allowed), it says where the record ends.
#[derive(Debug, Clone)]
pub struct RecordEnd {
    rdr: csv_core::Reader,
    /// The record's first byte, counted from the first byte fed, once seen.
    pub start: Option<usize>,
    fed: usize,
}

impl RecordEnd {
    /// A reader of one record delimited by `delimiter`.
    pub fn new(delimiter: u8) -> RecordEnd {
        RecordEnd {
            rdr: mid_file_reader(delimiter),
            start: None,
            fed: 0,
        }
    }

    /// Takes the next bytes; the index just past the record's end when it is in them.
    pub fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        use csv_core::ReadRecordResult::*;
        let mut pos = 0;
        if self.start.is_none() {
            pos = bytes
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            if pos < bytes.len() {
                self.start = Some(self.fed + pos);
            }
        }
        let (mut out, mut ends) = ([0u8; 4096], [0usize; 64]);
        while pos < bytes.len() {
            let (res, nin, _, _) = self.rdr.read_record(&bytes[pos..], &mut out, &mut ends);
            pos += nin;
            match res {
                Record => return Some(pos),
                OutputFull | OutputEndsFull => {}
                InputEmpty | End => break,
            }
        }
        self.fed += bytes.len();
        None
    }
}

/// Picks the delimiter among `,` `;` TAB `|`: the one found most often in the header line
/// (outside quotes); `,` when none is.
pub fn sniff_delimiter(sample: &[u8]) -> u8 {
    let mut counts = [0usize; 4];
    let cands = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &b in sample {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = cands.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let (i, n) = counts
        .iter()
        .enumerate()
        .max_by_key(|&(i, n)| (*n, usize::MAX - i))
        .unwrap();
    if *n == 0 {
        b','
    } else {
        cands[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, chunk: usize) -> Vec<(Vec<String>, u64)> {
        split_with(text.as_bytes(), chunk, b',', true)
            .into_iter()
            .map(|(fields, line)| {
                let fields = fields.into_iter().map(|f| String::from_utf8(f).unwrap());
                (fields.collect(), line)
            })
            .collect()
    }

    fn split_with(
        text: &[u8],
        chunk: usize,
        delimiter: u8,
        quick: bool,
    ) -> Vec<(Vec<Vec<u8>>, u64)> {
        let mut s = CsvSplitter::new(delimiter);
        s.quick = quick;
        let mut got = vec![];
        let mut push = |rec: &[u8], ends: &[usize], line: u64| {
            let mut start = 0;
            let fields = ends
                .iter()
                .map(|&e| {
                    let f = rec[start..e].to_vec();
                    start = e;
                    f
                })
                .collect();
            got.push((fields, line));
            Ok(())
        };
        for c in text.chunks(chunk.max(1)) {
            s.feed(c, false, &mut push).unwrap();
        }
        s.feed(&[], true, &mut push).unwrap();
        got
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
        /// The quick path hands out exactly csv-core's records and lines, however fed.
        #[test]
        fn quick_path_equals_csv_core(text in "[a;\"\r\n]{0,60}", chunk in 1usize..70) {
            proptest::prop_assert_eq!(
                split_with(text.as_bytes(), chunk, b';', true),
                split_with(text.as_bytes(), chunk, b';', false)
            );
        }

        /// Likewise on lines of fields as exports write them: plain, quoted (with delimiters,
        /// doubled quotes, newlines inside), empty, and damaged (text after a closing quote, a
        /// quote inside a plain field, a quote left open).
        #[test]
        fn quoted_lines_equal_csv_core(
            fields in proptest::collection::vec(proptest::collection::vec(
                "[a-zé ]{0,6}|\"[a-z,; ]{0,6}\"|\"[a-z]{0,3}\"\"[a-z,]{0,3}\"|\"[a-z]{0,3}\n[a-z]{0,3}\"|\"\"|\"[a-z]{1,3}\"[a-z ]{1,2}|[a-z]{1,3}\"[a-z]{0,2}|\"[a-z,]{0,4}", 1..5), 1..6),
            delimiter in proptest::sample::select(vec![b',', b';', b'\t']),
            crlf in proptest::bool::ANY,
            chunk in 1usize..90,
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let text: String = fields
                .iter()
                .map(|f| f.join(&(delimiter as char).to_string()) + end)
                .collect();
            proptest::prop_assert_eq!(
                split_with(text.as_bytes(), chunk, delimiter, true),
                split_with(text.as_bytes(), chunk, delimiter, false)
            );
        }
    }

    #[test]
    fn a_record_over_the_bound_is_handed_out_without_fields_and_the_rest_goes_on() {
        let big = "x".repeat(5000);
        let text = format!(
            "a,b\n\"{big}\n{big}\",1\n{big},2\nlast,row\n,{}\n",
            ",".repeat(3000)
        );
        for chunk in [7, 100, 10_000, 100_000] {
            let mut s = CsvSplitter::new(b',').with_max(1024);
            let mut got = vec![];
            let mut push = |rec: &[u8], ends: &[usize], line: u64| {
                got.push((rec.len(), ends.len(), line));
                Ok(())
            };
            for c in text.as_bytes().chunks(chunk) {
                s.feed(c, false, &mut push).unwrap();
            }
            s.feed(&[], true, &mut push).unwrap();
            // Quoted (csv-core) and unquoted (quick path) long records, and one of 3001
            // fields: each without fields, on its line; the others whole.
            assert_eq!(
                got,
                [(2, 2, 1), (0, 0, 2), (0, 0, 4), (7, 2, 5), (0, 0, 6)],
                "chunk {chunk}"
            );
            assert!(
                s.out.len() <= 4096 && s.ends.len() * 8 <= 2048,
                "memory bounded"
            );
        }
    }

    #[test]
    fn the_bound_is_exact_whatever_its_size() {
        // It was the buffer's next power of two: with a bound of 600, a quoted record of
        // 4,000 bytes went through (and so did the parallel path's stand-in of 601).
        for max in [600, 1000, 5000] {
            for (len, kept) in [(max - 10, true), (max + 1, false), (max + 500, false)] {
                let text = format!("a\n\"{}\"\n\"{}\"", "y".repeat(len), "z".repeat(len));
                let mut s = CsvSplitter::new(b',').with_max(max);
                let mut got = vec![];
                s.feed(text.as_bytes(), true, |rec, _, _| {
                    got.push(rec.len());
                    Ok(())
                })
                .unwrap();
                let want = if kept { len } else { 0 };
                assert_eq!(got, [1, want, want], "bound {max}, record of {len}");
            }
        }
    }

    #[test]
    fn quoted_fields_and_lines() {
        let text = "a,b\r\n\"x, \"\"y\"\"\",\"multi\nline\"\r\n\r\nlast,row";
        for chunk in [1, 2, 3, 7, 100] {
            let got = split(text, chunk);
            assert_eq!(got.len(), 3, "chunk {chunk}");
            assert_eq!(got[0], (vec!["a".into(), "b".into()], 1));
            assert_eq!(got[1], (vec!["x, \"y\"".into(), "multi\nline".into()], 2));
            assert_eq!(
                got[2],
                (vec!["last".into(), "row".into()], 5),
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn long_records_grow_the_buffers() {
        let long = "x".repeat(10_000);
        let fields: Vec<String> = (0..200).map(|i| i.to_string()).collect();
        let text = format!("{long}\n{}\n", fields.join(","));
        let got = split(&text, 64);
        assert_eq!(got[0].0[0].len(), 10_000);
        assert_eq!(got[1].0.len(), 200);
    }

    #[test]
    fn scan_finds_the_last_boundary_outside_quotes() {
        let text = b"a,\"x\ny\"\r\n\r\nb,c\nd,\"open\n";
        let s = scan_records(text, b',');
        assert_eq!(&text[..s.end], b"a,\"x\ny\"\r\n\r\nb,c\n");
        assert_eq!((s.lines, s.records), (4, 2));
        assert_eq!(scan_records(b"no newline", b',').end, 0);
    }

    /// Issue 21: a quote inside an unquoted field is text to csv-core, so the quoted newline
    /// further on is still inside its field, not a place to cut.
    #[test]
    fn a_quote_inside_a_field_is_text_not_an_opening() {
        let text = b"a,b\"c,d\ne,\"Cr\xc3\xa9dit\nAgence\",f\ng,h\n";
        let s = scan_records(text, b',');
        assert_eq!(s.end, text.len());
        assert_eq!((s.lines, s.records), (4, 3));
        // After a closing quote, text: `"x"y` reads as `xy`; the next field opens at its start.
        let text = b"\"x\"y,\"z\nw\"\n";
        let s = scan_records(text, b',');
        assert_eq!((s.end, s.lines, s.records), (text.len(), 2, 1));
    }

    /// A lone `\r` ends a record for csv-core: a cut after it is exact, and it is counted.
    #[test]
    fn a_lone_cr_ends_a_record() {
        let s = scan_records(b"a,b\rc,d\ne", b',');
        assert_eq!((s.end, s.lines, s.records), (8, 1, 2));
    }

    /// Cut at `scan`, `text` (a file's body, after its header) reads as it does whole: the
    /// first part holds `scan`'s records and lines, and the second, read as a piece is (after
    /// the header), the rest, lines offset.
    fn cut_reads_as_whole(
        text: &[u8],
        scan: Scan,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let lines = memchr::memchr_iter(b'\n', &text[..scan.end]).count() as u64;
        proptest::prop_assert_eq!(scan.lines, lines);
        let body = |t: &[u8], chunk| {
            let mut piece = b"h\n".to_vec();
            piece.extend_from_slice(t);
            split_with(&piece, chunk, b',', true).split_off(1)
        };
        let whole = body(text, 7);
        let mut cut = body(&text[..scan.end], 3);
        proptest::prop_assert_eq!(cut.len() as u64, scan.records);
        let rest = body(&text[scan.end..], 5);
        cut.extend(rest.into_iter().map(|(f, l)| (f, l + scan.lines)));
        proptest::prop_assert_eq!(cut, whole);
        Ok(())
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
        /// Issue 21: wherever the scan cuts, damaged quotes, lone `\r`s and BOMs included, the
        /// two parts read as the whole; csv-core's own scan too.
        #[test]
        fn a_cut_where_the_scan_says_reads_as_the_whole(text in "[a\"\r\n,\u{FEFF}]{0,60}") {
            let text = text.as_bytes();
            cut_reads_as_whole(text, scan_records(text, b','))?;
            cut_reads_as_whole(text, exact_scan(text, b','))?;
        }

    }

    #[test]
    fn delimiter_sniffing() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1,5;2;3"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"x;y\",b|c|d\n"), b'|');
        assert_eq!(sniff_delimiter(b"single"), b',');
    }
}
