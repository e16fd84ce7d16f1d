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

/// The default bound of a record (and a JSON element): 1 MiB.
pub const MAX_RECORD: usize = 1 << 20;

impl CsvSplitter {
    /// A splitter for `delimiter`.
    pub fn new(delimiter: u8) -> CsvSplitter {
        CsvSplitter {
            rdr: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
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

/// Finds the last record boundary in `text` (a `\n` outside quotes), for cutting CSV into
/// chunks that convert apart. Doubled quotes keep the count of quotes even, so quote parity is
/// exact for RFC 4180 CSV.
pub fn scan_records(text: &[u8]) -> Scan {
    let mut scan = Scan::default();
    let (mut quoted, mut content) = (false, false);
    let (mut lines, mut records) = (0, 0);
    // Only quotes and newlines matter: memchr jumps between them (SIMD), and the bytes in
    // between make a line a record unless they are all `\r`.
    let mut after = 0;
    for i in memchr::memchr2_iter(b'"', b'\n', text) {
        content = content || text[after..i].iter().any(|&b| b != b'\r');
        after = i + 1;
        if text[i] == b'"' {
            quoted = !quoted;
            content = true;
            continue;
        }
        lines += 1;
        if !quoted {
            records += u64::from(content);
            content = false;
            scan = Scan {
                end: i + 1,
                lines,
                records,
            };
        }
    }
    scan
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
        /// The quick path hands out exactly csv-core's records and lines, however fed.
        #[test]
        fn quick_path_equals_csv_core(text in "[a;\"\r\n]{0,60}", chunk in 1usize..70) {
            proptest::prop_assert_eq!(
                split_with(text.as_bytes(), chunk, b';', true),
                split_with(text.as_bytes(), chunk, b';', false)
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
        let s = scan_records(text);
        assert_eq!(&text[..s.end], b"a,\"x\ny\"\r\n\r\nb,c\n");
        assert_eq!((s.lines, s.records), (4, 2));
        assert_eq!(scan_records(b"no newline").end, 0);
    }

    /// The byte-at-a-time definition `scan_records` must agree with.
    fn scan_slowly(text: &[u8]) -> Scan {
        let mut scan = Scan::default();
        let (mut quoted, mut content) = (false, false);
        let (mut lines, mut records) = (0, 0);
        for (i, &b) in text.iter().enumerate() {
            match b {
                b'"' => {
                    quoted = !quoted;
                    content = true;
                }
                b'\n' => {
                    lines += 1;
                    if !quoted {
                        records += u64::from(content);
                        content = false;
                        scan = Scan {
                            end: i + 1,
                            lines,
                            records,
                        };
                    }
                }
                b'\r' => {}
                _ => content = true,
            }
        }
        scan
    }

    proptest::proptest! {
        #[test]
        fn scan_agrees_with_the_definition(text in "[a\"\r\n,]{0,40}") {
            let (fast, slow) = (scan_records(text.as_bytes()), scan_slowly(text.as_bytes()));
            proptest::prop_assert_eq!((fast.end, fast.lines, fast.records), (slow.end, slow.lines, slow.records));
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
