//! A push JSON splitter: fed UTF-8 chunks of a JSON array (`[{…},{…}]`) or of a stream of objects
//! (NDJSON, or a single object), it hands out each element's bytes and its first line, so a file
//! of any size is read one record at a time. Each element is then parsed with `serde_json`.
//!
//! An element is bounded ([`JsonSplitter::with_max`], 1 MiB by default): a longer one is read
//! through without being kept and handed out empty (an element is never empty otherwise), so
//! the caller rejects it with its line and memory stays flat.

use crate::error::Error;

/// Parses one element. Checked as UTF-8 in one SIMD pass first, then parsed as text:
/// `serde_json` would check every string again byte by byte (a tenth of a JSON conversion's
/// time). Bytes that are not UTF-8 are parsed as bytes, for `serde_json`'s own error.
pub(crate) fn parse<'a, T: serde::Deserialize<'a>>(el: &'a [u8]) -> serde_json::Result<T> {
    match simdutf8::basic::from_utf8(el) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(el),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing but whitespace yet.
    Start,
    /// Inside `[`, before an element or `]` (also after a `,`).
    ArrayBefore,
    /// Inside `[`, after an element: `,` or `]`.
    ArrayAfter,
    /// A stream of objects, between them.
    StreamBefore,
    /// Inside an element.
    Element,
    /// After the closing `]`.
    Done,
}

/// Splits JSON text into elements.
#[derive(Debug)]
pub struct JsonSplitter {
    state: State,
    in_array: bool,
    depth: u32,
    in_string: bool,
    escaped: bool,
    scalar: bool,
    elem: Vec<u8>,
    /// Where the current element began in the current input, when it did.
    elem_at: Option<usize>,
    line: u64,
    elem_line: u64,
    /// The largest element kept, in bytes.
    max: usize,
    /// The element being read is over `max`: its bytes are dropped as they come.
    too_long: bool,
    /// Elements handed out: the one being read is the next.
    handed: u64,
}

impl Default for JsonSplitter {
    fn default() -> Self {
        JsonSplitter {
            state: State::Start,
            in_array: false,
            depth: 0,
            in_string: false,
            escaped: false,
            scalar: false,
            elem: Vec::with_capacity(512),
            elem_at: None,
            line: 1,
            elem_line: 1,
            max: super::csv_read::MAX_RECORD,
            too_long: false,
            handed: 0,
        }
    }
}

/// Where [`JsonSplitter::feed_marked`] is in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// An element begins at this index, on this line.
    Begin {
        /// Its first byte's index in the input.
        at: usize,
        /// Its line.
        line: u64,
    },
    /// The element ends just before this index; the next byte is on this line.
    End {
        /// The index just past its last byte.
        at: usize,
        /// The line there.
        line: u64,
    },
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl JsonSplitter {
    /// The line the next byte is on.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Inside a bare scalar element, not in a string: where the input ending fails with the
    /// line it ends on (every other element cut off fails with the line it began on).
    pub fn in_bare_scalar(&self) -> bool {
        self.state == State::Element && self.scalar && !self.in_string
    }

    /// Bounds an element to `max` bytes: a longer one is handed out empty.
    pub fn with_max(mut self, max: usize) -> JsonSplitter {
        self.max = max.max(1);
        self
    }

    /// Gathers a piece of an element that spans inputs, unless it is over the bound.
    fn gather(&mut self, piece: &[u8]) {
        if !self.too_long && self.elem.len() + piece.len() > self.max {
            self.too_long = true;
            self.elem = Vec::with_capacity(512);
        }
        if !self.too_long {
            self.elem.extend_from_slice(piece);
        }
    }

    /// Hands out the element gathered (or lying at `here`): empty when it was too long.
    fn hand_out(
        &mut self,
        here: Option<&[u8]>,
        on_element: &mut impl FnMut(&[u8], u64) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.handed += 1;
        let r = match here {
            _ if std::mem::take(&mut self.too_long) => on_element(&[], self.elem_line),
            Some(el) if el.len() > self.max => on_element(&[], self.elem_line),
            Some(el) => on_element(el, self.elem_line),
            None => on_element(&self.elem, self.elem_line),
        };
        self.elem.clear();
        r
    }

    /// Feeds `input`; `eof` on the last call. Calls `on_element` with each element's bytes and
    /// the line it starts on.
    pub fn feed(
        &mut self,
        input: &[u8],
        eof: bool,
        on_element: impl FnMut(&[u8], u64) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.feed_marked(input, eof, on_element, |_| {})
    }

    /// [`feed`](JsonSplitter::feed), telling `on_mark` where each element begins and ends in
    /// `input`: what a cutter needs to start pieces exactly where this reader begins elements.
    pub fn feed_marked(
        &mut self,
        input: &[u8],
        eof: bool,
        mut on_element: impl FnMut(&[u8], u64) -> Result<(), Error>,
        mut on_mark: impl FnMut(Mark),
    ) -> Result<(), Error> {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            if self.state == State::Element {
                // An element that began in this input is handed out where it lies; one that
                // spans inputs is gathered in `elem`.
                let start = self.elem_at.take().unwrap_or(i);
                let mut end_here = false;
                while i < input.len() {
                    if self.in_string {
                        if self.escaped {
                            self.escaped = false;
                            i += 1;
                            continue;
                        }
                        // Jump to the next byte that matters inside a string.
                        let Some(k) = memchr::memchr3(b'"', b'\\', b'\n', &input[i..]) else {
                            i = input.len();
                            break;
                        };
                        i += k;
                        match input[i] {
                            b'\\' => self.escaped = true,
                            b'"' => self.in_string = false,
                            _ => self.line += 1,
                        }
                        i += 1;
                        continue;
                    }
                    match input[i] {
                        b'"' => self.in_string = true,
                        b'{' | b'[' => self.depth += 1,
                        b'}' | b']' if !self.scalar => {
                            self.depth -= 1;
                            if self.depth == 0 {
                                i += 1;
                                end_here = true;
                                break;
                            }
                        }
                        b',' | b']' | b' ' | b'\t' | b'\r' | b'\n'
                            if self.scalar && self.depth == 0 =>
                        {
                            end_here = true;
                            break;
                        }
                        b'\n' => self.line += 1,
                        _ => {}
                    }
                    i += 1;
                }
                if end_here && self.elem.is_empty() && !self.too_long {
                    self.hand_out(Some(&input[start..i]), &mut on_element)?;
                } else {
                    self.gather(&input[start..i]);
                    if end_here {
                        self.hand_out(None, &mut on_element)?;
                    }
                }
                if end_here {
                    on_mark(Mark::End {
                        at: i,
                        line: self.line,
                    });
                    self.state = if self.in_array {
                        State::ArrayAfter
                    } else {
                        State::StreamBefore
                    };
                }
                continue;
            }
            i += 1;
            if is_ws(b) {
                if b == b'\n' {
                    self.line += 1;
                }
                continue;
            }
            match (self.state, b) {
                (State::Start, b'[') => {
                    self.in_array = true;
                    self.state = State::ArrayBefore;
                }
                (State::Start | State::StreamBefore, b'{') => {
                    self.begin(b, i - 1, false, &mut on_mark)
                }
                (State::Start, _) => {
                    return Err(self.err("expected a JSON array `[` or object `{`"));
                }
                (State::StreamBefore, _) => {
                    return Err(self.err("expected `{` to start the next object"));
                }
                // A trailing comma before `]` (Covage's docs show one) is accepted.
                (State::ArrayBefore, b']') => self.state = State::Done,
                (State::ArrayBefore, b'{' | b'[') => self.begin(b, i - 1, false, &mut on_mark),
                (State::ArrayBefore, b',') => {
                    return Err(self.err("unexpected `,`: an element is missing"));
                }
                (State::ArrayBefore, _) => self.begin(b, i - 1, true, &mut on_mark),
                (State::ArrayAfter, b',') => self.state = State::ArrayBefore,
                (State::ArrayAfter, b']') => self.state = State::Done,
                (State::ArrayAfter, _) => {
                    return Err(self.err("expected `,` or `]` after an element"));
                }
                (State::Done, _) => {
                    return Err(self.err("unexpected data after the closing `]`"));
                }
                (State::Element, _) => unreachable!("handled above"),
            }
        }
        // An element begun on this input's last byte: keep that byte for the next input.
        if let Some(at) = self.elem_at.take() {
            self.gather(&input[at..]);
        }
        if eof {
            match self.state {
                State::Element if self.scalar && !self.in_string => {
                    self.hand_out(None, &mut on_element)?;
                    return Err(self.err("missing closing `]`"));
                }
                State::Element => {
                    return Err(Error::Json {
                        at: crate::error::At::line(self.elem_line).in_record(self.handed + 1),
                        why: "the record starting here is cut off (unexpected end of input)".into(),
                    })
                }
                State::ArrayBefore | State::ArrayAfter => {
                    return Err(self.err("missing closing `]` (unexpected end of input)"))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// An element starts with `b`, at `at` in the current input.
    fn begin(&mut self, b: u8, at: usize, scalar: bool, on_mark: &mut impl FnMut(Mark)) {
        on_mark(Mark::Begin {
            at,
            line: self.line,
        });
        self.state = State::Element;
        self.elem_line = self.line;
        self.scalar = scalar;
        self.elem_at = Some(at);
        if b == b'"' {
            self.in_string = true;
        } else if !scalar {
            self.depth = 1;
        }
    }

    fn err(&self, why: &str) -> Error {
        Error::Json {
            at: crate::error::At::line(self.line),
            why: why.to_string(),
        }
    }
}

/// Makes a piece of a JSON array readable alone: every piece starts where the reader begins an
/// element (after a `,`, or the array's own `[` for the first), so every piece but the first
/// gets a `[` in front and every piece but the last a `]` behind (a trailing comma is
/// accepted, as in the whole file).
pub fn seal_array_chunk(chunk: &mut Vec<u8>, last: bool) {
    if !last {
        chunk.push(b']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, chunk: usize) -> Result<Vec<(String, u64)>, Error> {
        let mut s = JsonSplitter::default();
        let mut got = vec![];
        let mut push = |e: &[u8], line: u64| {
            got.push((String::from_utf8(e.to_vec()).unwrap(), line));
            Ok(())
        };
        for c in text.as_bytes().chunks(chunk.max(1)) {
            s.feed(c, false, &mut push)?;
        }
        s.feed(&[], true, &mut push)?;
        Ok(got)
    }

    #[test]
    fn array_elements_with_lines_whatever_the_chunks() {
        let text = "[\n  {\"a\": \"x}]\\\"\"},\n  {\"b\": [1, {\"c\": 2}]},\n]\n";
        for chunk in [1, 2, 5, 1000] {
            let got = split(text, chunk).unwrap();
            assert_eq!(got.len(), 2);
            assert_eq!(got[0], (r#"{"a": "x}]\""}"#.to_string(), 2));
            assert_eq!(got[1].1, 3);
        }
    }

    #[test]
    fn ndjson_and_single_object() {
        let got = split("{\"a\":1}\n{\"a\":2}\n", 3).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].1, 2);
        assert_eq!(split("  {\"a\":1}", 1).unwrap().len(), 1);
        assert_eq!(split("", 1).unwrap().len(), 0);
        assert_eq!(split("[]", 1).unwrap().len(), 0);
    }

    #[test]
    fn scalars_in_arrays_are_elements() {
        let got = split("[1, \"x\", null]", 1).unwrap();
        let els: Vec<&str> = got.iter().map(|(e, _)| e.as_str()).collect();
        assert_eq!(els, ["1", "\"x\"", "null"]);
    }

    #[test]
    fn an_element_over_the_bound_is_handed_out_empty_and_the_rest_goes_on() {
        let big = "x".repeat(5000);
        for text in [
            format!("[\n{{\"a\": 1}},\n{{\"b\": \"{big}\"}},\n\"{big}\",\n{{\"c\": 2}}\n]"),
            format!("{{\"a\": 1}}\n{{\"b\": \"{big}\"}}\n{{\"b\": \"{big}\"}}\n{{\"c\": 2}}\n"),
        ] {
            for chunk in [3, 100, 4000, 100_000] {
                let mut s = JsonSplitter::default().with_max(1024);
                let mut got = vec![];
                let mut push = |e: &[u8], line: u64| {
                    got.push((e.len(), line));
                    Ok(())
                };
                for c in text.as_bytes().chunks(chunk) {
                    s.feed(c, false, &mut push).unwrap();
                }
                s.feed(&[], true, &mut push).unwrap();
                let first_line = u64::from(text.starts_with('['));
                assert_eq!(
                    got,
                    [
                        (8, 1 + first_line),
                        (0, 2 + first_line),
                        (0, 3 + first_line),
                        (8, 4 + first_line)
                    ],
                    "chunk {chunk}"
                );
                assert!(s.elem.capacity() <= 2048, "memory bounded");
            }
        }
    }

    #[test]
    fn broken_structure_is_an_error_with_a_line() {
        let e = split("[{\"a\":1}\n{\"a\":2}]", 4).unwrap_err();
        assert!(e.to_string().starts_with("line 2"), "{e}");
        assert!(split("[{\"a\":1}", 4).is_err());
        assert!(split("[{\"a\":", 4).is_err());
        assert!(split("nope", 4).is_err());
        assert!(split("[1] 2", 4).is_err());
    }

    use proptest::prelude::*;

    /// What the reader makes of `text`: its elements with their lines, then its failure.
    fn reading(text: &[u8]) -> (Vec<(String, u64)>, Option<Error>) {
        let mut got = vec![];
        let res = JsonSplitter::default().feed(text, true, |e, line| {
            got.push((String::from_utf8_lossy(e).into_owned(), line));
            Ok(())
        });
        (got, res.err())
    }

    /// `text` cut where the reader begins the elements `keep` picks, each piece made readable
    /// alone as the parallel path does; the elements and the first failure, lines relocated.
    fn read_in_pieces(text: &[u8], keep: &[bool]) -> (Vec<(String, u64)>, Option<String>) {
        let mut cuts = vec![];
        let mut s = JsonSplitter::default();
        let _ = s.feed_marked(
            text,
            false,
            |_, _| Ok(()),
            |m| {
                if let Mark::Begin { at, line } = m {
                    if keep[cuts.len() % keep.len()] && at > 0 {
                        cuts.push((at, line - 1));
                    }
                }
            },
        );
        let array = text.iter().find(|b| !is_ws(**b)) == Some(&b'[');
        let mut bounds = vec![(0, 0)];
        bounds.extend(cuts);
        let mut got: Vec<(String, u64)> = vec![];
        for (k, &(from, lines)) in bounds.iter().enumerate() {
            let last = k + 1 == bounds.len();
            let to = if last { text.len() } else { bounds[k + 1].0 };
            let mut piece = if array && k > 0 {
                b"[".to_vec()
            } else {
                vec![]
            };
            piece.extend_from_slice(&text[from..to]);
            if array {
                seal_array_chunk(&mut piece, last);
            }
            let (els, failure) = reading(&piece);
            let records = got.len() as u64;
            got.extend(els.into_iter().map(|(e, l)| (e, l + lines)));
            if let Some(mut f) = failure {
                // Relocated as `Piece::relocate` does: lines and records before the piece.
                let at = f.at_mut().expect("a JSON failure has a place");
                at.line = at.line.map(|n| n + lines);
                at.record = at.record.map(|r| r + records);
                return (got, Some(f.to_string()));
            }
        }
        (got, None)
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(1000))]
        /// Issue 21: cut where the reader begins elements, any text (damaged syntax, stray
        /// quotes and brackets included) reads as it does whole: the same elements on the same
        /// lines, and the same first failure.
        #[test]
        fn pieces_cut_at_element_begins_read_as_the_whole(
            text in "[\\[{ ]?([a1\"\\{}\\[\\],:\n ]{0,8}|\\{\"a\": \"x\"\\},\n|\\{\"b\": \\[1, 2\\]\\}\n){0,12}\\]?",
            keep in proptest::collection::vec(proptest::bool::ANY, 1..6),
        ) {
            let text = text.as_bytes();
            let whole = reading(text);
            let pieces = read_in_pieces(text, &keep);
            // The whole text's reader stops at its failure; the pieces' elements up to there.
            prop_assert_eq!(&pieces.1, &whole.1.map(|e| e.to_string()));
            prop_assert_eq!(pieces.0, whole.0);
        }
    }
}
