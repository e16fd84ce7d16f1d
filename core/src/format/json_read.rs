//! A push JSON splitter: fed UTF-8 chunks of a JSON array (`[{…},{…}]`) or of a stream of objects
//! (NDJSON, or a single object), it hands out each element's bytes and its first line, so a file
//! of any size is read one record at a time. Each element is then parsed with `serde_json`.
//!
//! An element is bounded ([`JsonSplitter::with_max`], 1 MiB by default): a longer one is read
//! through without being kept and handed out empty (an element is never empty otherwise), so
//! the caller rejects it with its line and memory stays flat.

use super::Scan;
use crate::error::Error;

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
        }
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl JsonSplitter {
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
        mut on_element: impl FnMut(&[u8], u64) -> Result<(), Error>,
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
                (State::Start | State::StreamBefore, b'{') => self.begin(b, i - 1, false),
                (State::Start, _) => {
                    return Err(self.err("expected a JSON array `[` or object `{`"));
                }
                (State::StreamBefore, _) => {
                    return Err(self.err("expected `{` to start the next object"));
                }
                // A trailing comma before `]` (Covage's docs show one) is accepted.
                (State::ArrayBefore, b']') => self.state = State::Done,
                (State::ArrayBefore, b'{' | b'[') => self.begin(b, i - 1, false),
                (State::ArrayBefore, b',') => {
                    return Err(self.err("unexpected `,`: an element is missing"));
                }
                (State::ArrayBefore, _) => self.begin(b, i - 1, true),
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
                        line: self.elem_line,
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
    fn begin(&mut self, b: u8, at: usize, scalar: bool) {
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
            line: self.line,
            why: why.to_string(),
        }
    }
}

/// Finds the last element boundary in JSON text (just after an object or array that closes at
/// the elements' depth), for cutting a large array or NDJSON stream into chunks that convert
/// apart. `text` starts at a boundary: the input's start (`at_start`), or just after an element.
/// `records` counts the elements begun before the boundary, as [`JsonSplitter`] would hand them
/// out (a scalar element counts too), so positions stay exact.
pub fn scan_elements(text: &[u8], in_array: bool, at_start: bool) -> Scan {
    let base = u32::from(in_array);
    let mut depth = if in_array && !at_start { 1 } else { 0 };
    let (mut records, mut expecting) = (0u64, false);
    let (mut end, mut end_records) = (0, 0);
    let mut i = 0;
    'bytes: while i < text.len() {
        let b = text[i];
        let at_base = depth == base;
        match b {
            b'"' => {
                if at_base && expecting {
                    records += 1;
                    expecting = false;
                }
                i += 1;
                // Jump to the closing quote, over escapes.
                loop {
                    match memchr::memchr2(b'"', b'\\', &text[i.min(text.len())..]) {
                        None => break 'bytes,
                        Some(k) if text[i + k] == b'\\' => i += k + 2,
                        Some(k) => {
                            i += k + 1;
                            break;
                        }
                    }
                }
                continue;
            }
            b'{' | b'[' => {
                if at_base && (expecting || !in_array) {
                    records += 1;
                    expecting = false;
                }
                depth += 1;
                // The array's own `[`: its first element is expected next.
                if in_array && depth == 1 && b == b'[' && !at_base {
                    expecting = true;
                }
            }
            b'}' | b']' => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
                if depth == base {
                    end = i + 1;
                    end_records = records;
                }
            }
            b',' if at_base => expecting = true,
            b' ' | b'\t' | b'\r' | b'\n' | b',' => {}
            _ => {
                if at_base && expecting {
                    records += 1;
                    expecting = false;
                }
            }
        }
        i += 1;
    }
    Scan {
        end,
        lines: memchr::memchr_iter(b'\n', &text[..end]).count() as u64,
        records: end_records,
    }
}

/// Makes a piece of a JSON array cut by [`scan_elements`] readable alone: every piece but the
/// first gets a `[` in front (its leading `,` blanked, so lines stay where they were), every
/// piece but the last a `]` behind.
pub fn array_chunk(body: &[u8], first: bool, last: bool, out: &mut Vec<u8>) {
    if !first {
        out.push(b'[');
    }
    let from = out.len();
    out.extend_from_slice(body);
    seal_array_chunk(out, from, first, last);
}

/// [`array_chunk`] where the piece already lies: `chunk[from..]` is the body, preceded by the
/// `[` unless `first`.
pub fn seal_array_chunk(chunk: &mut Vec<u8>, from: usize, first: bool, last: bool) {
    if !first {
        if let Some(c) = chunk[from..].iter_mut().find(|b| !is_ws(**b)) {
            if *c == b',' {
                *c = b' ';
            }
        }
    }
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

    fn elements(text: &[u8]) -> Result<Vec<(String, u64)>, Error> {
        let mut got = vec![];
        JsonSplitter::default().feed(text, true, |e, line| {
            got.push((String::from_utf8_lossy(e).into_owned(), line));
            Ok(())
        })?;
        Ok(got)
    }

    use proptest::prelude::*;

    proptest::proptest! {
        /// Cut anywhere with `scan_elements`, the pieces (made whole by `array_chunk`) hand out
        /// the same elements on the same lines as the whole text.
        #[test]
        fn cutting_keeps_elements_and_lines(
            values in proptest::collection::vec(
                proptest::prop_oneof![
                    "[a-z\"\\\\{}\\[\\],\n é]{0,12}".prop_map(|v| serde_json::json!({"k": v, "n": [1, {"x": v}]})),
                    "[a-z\"\\\\]{0,5}".prop_map(serde_json::Value::from),
                    (0i64..1000).prop_map(serde_json::Value::from),
                    proptest::collection::vec(0i64..9, 0..3).prop_map(serde_json::Value::from),
                ],
                0..30,
            ),
            seps in proptest::collection::vec("[ \n]{0,3}", 31),
            sizes in proptest::collection::vec(1usize..60, 1..20),
            array in proptest::bool::ANY,
        ) {
            let mut text = String::from(if array { "[" } else { "" });
            for (i, v) in values.iter().enumerate() {
                if !array && !v.is_object() {
                    continue;
                }
                text.push_str(&seps[i]);
                if array && i > 0 {
                    text.push(',');
                }
                text.push_str(&v.to_string());
                text.push('\n');
            }
            text.push_str(if array { "]\n" } else { "" });
            let whole = elements(text.as_bytes()).unwrap();

            // As the parallel reader does: read a piece more, cut at the last boundary, carry the rest.
            let bytes = text.as_bytes();
            let (mut at, mut read_to, mut line, mut records) = (0usize, 0usize, 0u64, 0usize);
            let mut got = vec![];
            for k in 0.. {
                read_to = (read_to + sizes[k % sizes.len()]).min(bytes.len());
                let eof = read_to == bytes.len();
                let piece = &bytes[at..read_to];
                let scan = scan_elements(piece, array, at == 0);
                let end = if eof { piece.len() } else { scan.end };
                if end == 0 && !eof {
                    continue;
                }
                let mut chunk = vec![];
                if array {
                    array_chunk(&piece[..end], at == 0, eof, &mut chunk);
                } else {
                    chunk.extend_from_slice(&piece[..end]);
                }
                let els = elements(&chunk).unwrap();
                if !eof {
                    prop_assert_eq!(scan.records as usize, els.len());
                    prop_assert_eq!(scan.lines, piece[..end].iter().filter(|&&b| b == b'\n').count() as u64);
                }
                records += els.len();
                got.extend(els.into_iter().map(|(e, l)| (e, l + line)));
                line += piece[..end].iter().filter(|&&b| b == b'\n').count() as u64;
                at += end;
                if eof {
                    break;
                }
            }
            prop_assert_eq!(records, whole.len());
            prop_assert_eq!(got, whole);
        }
    }
}
