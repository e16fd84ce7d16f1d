//! JSON output without serde's per-byte escaping loop: the records' strings are mostly plain
//! text, so eight bytes are checked at a time and copied in one go. The bytes are exactly
//! `serde_json`'s (property-tested), so the output does not change with the writer.

use crate::contact::{Contact, Field};

/// True when some byte of `w` is `"`, `\` or a control character (below 0x20); bytes of
/// multi-byte UTF-8 characters (0x80 and up) never are.
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_in = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH != 0;
    control || zero_in(w ^ (ONES * b'"' as u64)) || zero_in(w ^ (ONES * b'\\' as u64))
}

/// The escape of each byte `serde_json` escapes (`u` for `\u00XX`), 0 for the rest.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = b'u';
        c += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0A] = b'n';
    t[0x0C] = b'f';
    t[0x0D] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// True when a byte of `b` needs an escape: eight bytes a step, the last step overlapping the
/// one before (short strings, a record's usual, are one or two steps).
fn any_escape(b: &[u8]) -> bool {
    let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"));
    if b.len() < 8 {
        return b.iter().any(|&c| ESCAPE[c as usize] != 0);
    }
    (0..b.len() - 7).step_by(8).any(|i| needs_escape(word(i))) || needs_escape(word(b.len() - 8))
}

/// Appends `s` as a JSON string, quotes included, escaped as `serde_json` escapes it.
pub fn string(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if !any_escape(b) {
        out.reserve(b.len() + 2);
        out.push(b'"');
        out.extend_from_slice(b);
        out.push(b'"');
        return;
    }
    out.push(b'"');
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        if i + 8 <= b.len() {
            let w = u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"));
            if !needs_escape(w) {
                i += 8;
                continue;
            }
        }
        let c = b[i];
        let esc = ESCAPE[c as usize];
        i += 1;
        if esc == 0 {
            continue;
        }
        out.extend_from_slice(&b[start..i - 1]);
        if esc == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(c >> 4) as usize],
                HEX[(c & 15) as usize],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', esc]);
        }
        start = i;
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// Writes `{"key":value,...}` one member at a time (the providers' writers use it too).
pub(crate) struct Object<'a> {
    pub(crate) out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Object<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Object { out, first: true }
    }

    pub(crate) fn member(&mut self, key: &str, value: &str) {
        // Room for the member unless it has escapes: one reservation, then plain copies.
        self.out.reserve(key.len() + value.len() + 6);
        self.key(key);
        string(self.out, value);
    }

    /// `"key":`, after a comma unless first.
    pub(crate) fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        // Keys are plain ASCII names.
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    pub(crate) fn optional(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(v) => self.member(key, v),
            None => {
                self.key(key);
                self.out.extend_from_slice(b"null");
            }
        }
    }

    pub(crate) fn end(self) {
        self.out.push(b'}');
    }
}

/// A canonical contact: its non-empty fields, in canonical order.
pub fn contact(out: &mut Vec<u8>, c: &Contact) {
    let mut o = Object::new(out);
    for f in Field::ALL {
        let v = c.get(f);
        if !v.is_empty() {
            o.member(f.name(), v);
        }
    }
    o.end();
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn text() -> impl Strategy<Value = String> {
        // Plain text, every escape serde_json knows, and multi-byte characters, in runs long
        // enough to cross the eight-byte steps.
        "(([a-zé€ ]{0,9})|[\"\\\\\n\r\t\u{0}-\u{1f}\u{7f}\u{80}-\u{ff}]|😀){0,12}"
    }

    proptest! {
        #[test]
        fn strings_as_serde_json_writes_them(s in text()) {
            let mut out = vec![];
            string(&mut out, &s);
            prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn records_as_serde_json_writes_them(v in proptest::collection::vec(text(), Field::ALL.len()), some in proptest::collection::vec(any::<bool>(), 8)) {
            let mut c = Contact::default();
            for (f, s) in Field::ALL.iter().zip(&v) {
                if some[s.len() % 8] {
                    *c.get_mut(*f) = s.clone();
                }
            }
            let mut out = vec![];
            contact(&mut out, &c);
            prop_assert_eq!(&out, &serde_json::to_vec(&c).unwrap());
        }
    }
}
