//! Text encodings: any the WHATWG Encoding Standard names (UTF-8, UTF-16, Windows-125x,
//! ISO-8859-x, KOI8, Shift_JIS, EUC-JP, ISO-2022-JP, GBK, Big5, EUC-KR…), detected or forced.
//! Everything is decoded to UTF-8, chunk by chunk.
//!
//! Detection ([`detect`]): a BOM decides; else UTF-16 is recognised by its zero bytes; else
//! UTF-8 when the bytes are UTF-8, or mostly are (the records holding the odd bytes are then
//! rejected, wherever they are); else `chardetng`, the detector Firefox uses, guesses.

use crate::error::Error;
use crate::format::{Format, Shape};

/// An input encoding (one of encoding_rs's, which implements the WHATWG standard).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Encoding(pub(crate) &'static encoding_rs::Encoding);

impl std::fmt::Debug for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Encoding {
    type Err = Error;
    /// Any WHATWG label (`utf-8`, `latin1`, `shift_jis`, `gbk`, `koi8-r`…), and a few names
    /// people use that it lacks (`utf16le`, `ansi`).
    fn from_str(s: &str) -> Result<Encoding, Error> {
        let label = s.trim().to_ascii_lowercase();
        let label = match label.as_str() {
            "utf8" => "utf-8",
            "utf16" | "utf16le" => "utf-16le",
            "utf16be" => "utf-16be",
            "ansi" | "latin-1" => "windows-1252",
            "sjis" | "shift-jis" => "shift_jis",
            l => l,
        };
        match encoding_rs::Encoding::for_label(label.as_bytes()) {
            // "replacement" decodes everything to U+FFFD: never what the file is.
            Some(e) if e != encoding_rs::REPLACEMENT => Ok(Encoding(e)),
            _ => Err(Error::UnknownEncoding(s.trim().to_string())),
        }
    }
}

impl Encoding {
    /// UTF-8 (a BOM is skipped).
    pub const UTF8: Encoding = Encoding(encoding_rs::UTF_8);
    /// UTF-16 little-endian.
    pub const UTF16LE: Encoding = Encoding(encoding_rs::UTF_16LE);
    /// UTF-16 big-endian.
    pub const UTF16BE: Encoding = Encoding(encoding_rs::UTF_16BE);
    /// Windows-1252 (what French Excel saves; a Latin-1 superset).
    pub const WINDOWS1252: Encoding = Encoding(encoding_rs::WINDOWS_1252);

    pub(crate) fn rs(self) -> &'static encoding_rs::Encoding {
        self.0
    }

    /// True when ASCII bytes are ASCII in it (not UTF-16, not ISO-2022-JP's escapes).
    pub fn is_ascii_compatible(self) -> bool {
        self.0.is_ascii_compatible()
    }

    /// The encoding's name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

/// How [`detect`] chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen {
    /// Given, or a BOM, or bytes that are all UTF-8: nothing to say.
    Plainly,
    /// UTF-16 without a BOM (Outlook's "Unicode text"), recognised by its zero bytes.
    ZeroBytes,
    /// Mostly UTF-8: the records holding bytes that are not are rejected.
    MostlyUtf8,
    /// Guessed by chardetng from bytes that are not UTF-8.
    Guessed,
}

impl Chosen {
    /// What the report and the terminal say of `enc` chosen so; `None` when plain.
    pub fn said(self, enc: Encoding) -> Option<String> {
        let name = enc.name().to_lowercase();
        match self {
            Chosen::Plainly => None,
            Chosen::ZeroBytes => Some(format!("{name} (no BOM: recognised by its zero bytes)")),
            Chosen::MostlyUtf8 => Some(format!(
                "{name} (mostly: records holding bytes that are not UTF-8 are rejected; in a vCard, flagged)"
            )),
            Chosen::Guessed => Some(format!("{name} (guessed: the input is not valid UTF-8)")),
        }
    }
}

/// Picks the encoding from the start of the input (see the module's doc). Returns the
/// encoding and the BOM's length.
pub fn detect(sample: &[u8], forced: Option<Encoding>) -> (Encoding, usize) {
    let (enc, bom, _) = choose(sample, forced);
    (enc, bom)
}

/// [`detect`], and how it chose.
pub fn choose(sample: &[u8], forced: Option<Encoding>) -> (Encoding, usize, Chosen) {
    let bom = if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Some((Encoding::UTF8, 3))
    } else if sample.starts_with(&[0xFF, 0xFE]) {
        Some((Encoding::UTF16LE, 2))
    } else if sample.starts_with(&[0xFE, 0xFF]) {
        Some((Encoding::UTF16BE, 2))
    } else {
        None
    };
    match (forced, bom) {
        (Some(f), Some((b, len))) if f == b => (f, len, Chosen::Plainly),
        (Some(f), _) => (f, 0, Chosen::Plainly),
        (None, Some((b, len))) => (b, len, Chosen::Plainly),
        (None, None) => {
            if let Some(utf16) = zero_bytes(sample) {
                return (utf16, 0, Chosen::ZeroBytes);
            }
            let (valid, bad) = utf8_counts(sample);
            // ISO-2022-JP is 7-bit: "valid UTF-8" but for its escapes.
            let escapes = memchr::memchr(0x1B, sample).is_some();
            if bad == 0 && !escapes {
                return (Encoding::UTF8, 0, Chosen::Plainly);
            }
            if bad > 0 && valid > bad {
                return (Encoding::UTF8, 0, Chosen::MostlyUtf8);
            }
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
            det.feed(sample, false);
            let utf8 = if bad == 0 {
                chardetng::Utf8Detection::Allow
            } else {
                chardetng::Utf8Detection::Deny
            };
            match det.guess(None, utf8) {
                e if e == encoding_rs::UTF_8 => (Encoding::UTF8, 0, Chosen::Plainly),
                e => (Encoding(e), 0, Chosen::Guessed),
            }
        }
    }
}

/// UTF-16 without a BOM: text of mostly ASCII has a zero in every other byte, the odd ones
/// (little-endian) or the even ones (big-endian). UTF-8 text has no zero bytes at all.
fn zero_bytes(sample: &[u8]) -> Option<Encoding> {
    let s = &sample[..sample.len().min(4096) & !1];
    if s.len() < 4 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in s.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    let half = s.len() / 2;
    if odd * 10 >= half * 3 && even * 20 < half {
        Some(Encoding::UTF16LE)
    } else if even * 10 >= half * 3 && odd * 20 < half {
        Some(Encoding::UTF16BE)
    } else {
        None
    }
}

/// Characters of two bytes or more that are valid UTF-8, and runs of bytes that are not (a
/// character cut at the sample's end is not counted).
fn utf8_counts(sample: &[u8]) -> (usize, usize) {
    let (mut valid, mut bad) = (0, 0);
    let mut chunks = sample.utf8_chunks().peekable();
    while let Some(c) = chunks.next() {
        valid += c.valid().chars().filter(|ch| !ch.is_ascii()).count();
        let b = c.invalid();
        if b.is_empty() {
            continue;
        }
        let last = chunks.peek().is_none();
        let cut = last && b.len() < 4 && {
            // A prefix of a longer character, at the very end: the sample cut it.
            let need = match b[0] {
                0xC2..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF4 => 4,
                _ => 0,
            };
            need > b.len() && b[1..].iter().all(|&x| (0x80..0xC0).contains(&x))
        };
        if !cut {
            bad += 1;
        }
    }
    (valid, bad)
}

/// How an input is read, decided from its first bytes ([`detect_input`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// What the text is decoded from (UTF-8 for a vCard read as bytes).
    pub encoding: Encoding,
    /// The BOM's length.
    pub bom: usize,
    /// Its shape ([`Shape::of`]): `from`'s, or as it looks past its BOM (judged on the bytes:
    /// meaningful for an ASCII-compatible encoding only; the converter judges UTF-16 again,
    /// decoded).
    pub shape: Shape,
    /// How the encoding was chosen.
    pub chosen: Chosen,
    /// A vCard in an ASCII-compatible encoding is read as bytes: folds are taken out first
    /// (one may split a character), then each value is decoded in its own `CHARSET`, else in
    /// this, the file's encoding, guessed from the unfolded bytes.
    pub vcard_charset: Option<Encoding>,
}

impl Detected {
    /// What the report (and the CLI and the page) say of the encoding, unless it was plain:
    /// a guess, UTF-16 without a BOM, a file that is mostly UTF-8.
    pub fn said(&self) -> Option<String> {
        self.chosen
            .said(self.vcard_charset.unwrap_or(self.encoding))
    }
}

/// How to read an input whose first bytes are `sample` (all of it when shorter than the
/// sample), in format `from` if given, in encoding `given` if given. The one decision the
/// converter and the planner both take, so they read an input alike.
///
/// JSON is UTF-8 by its RFC (8259 §8.1), so without a BOM, zero bytes or a given encoding it
/// is never guessed to be another one: a bad byte is then reported where it is instead of
/// read as mojibake.
pub fn detect_input(sample: &[u8], from: Option<Format>, given: Option<Encoding>) -> Detected {
    let (mut encoding, bom, mut chosen) = choose(sample, given);
    let shape = Shape::of(&sample[bom..], from);
    if shape.is_json() && chosen == Chosen::Guessed {
        (encoding, chosen) = (Encoding::UTF8, Chosen::Plainly);
        return Detected {
            encoding,
            bom,
            shape,
            chosen,
            vcard_charset: None,
        };
    }
    let mut vcard_charset = None;
    if shape == Shape::Vcard && encoding.is_ascii_compatible() {
        if given.is_none() {
            let unfolded = crate::format::vcard::unfolded(&sample[bom..]);
            (encoding, _, chosen) = choose(&unfolded, None);
        }
        vcard_charset = Some(encoding);
        encoding = Encoding::UTF8;
    }
    Detected {
        encoding,
        bom,
        shape,
        chosen,
        vcard_charset,
    }
}

/// Streams bytes in one encoding out as UTF-8.
pub struct Decoder {
    encoding: Encoding,
    /// What chooses the encoding, for the error's message ([`crate::Hints::encoding`]).
    hint: &'static str,
    inner: Option<encoding_rs::Decoder>,
    offset: u64,
}

impl Decoder {
    /// A decoder for `encoding` (the BOM already skipped by the caller); its error names
    /// `hint` as what chooses the encoding.
    pub fn new(encoding: Encoding, hint: &'static str) -> Decoder {
        let inner = match encoding {
            // UTF-8 passes through: the record parsers check it per field, so a bad byte
            // rejects one record with its position instead of stopping the run.
            e if e == Encoding::UTF8 => None,
            e => Some(e.rs().new_decoder_without_bom_handling()),
        };
        Decoder {
            encoding,
            hint,
            inner,
            offset: 0,
        }
    }

    /// The encoding in use.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// True when the input is UTF-8 already and [`Decoder::decode`] would only copy it.
    pub fn is_passthrough(&self) -> bool {
        self.inner.is_none()
    }

    /// Decodes `input` and appends UTF-8 to `out`; `last` on the final call.
    pub fn decode(&mut self, input: &[u8], last: bool, out: &mut Vec<u8>) -> Result<(), Error> {
        let Some(dec) = self.inner.as_mut() else {
            out.extend_from_slice(input);
            return Ok(());
        };
        let mut src = input;
        loop {
            let need = dec
                .max_utf8_buffer_length_without_replacement(src.len())
                .unwrap_or(src.len() * 3 + 16);
            let start = out.len();
            out.resize(start + need, 0);
            let (res, read, written) =
                dec.decode_to_utf8_without_replacement(src, &mut out[start..], last);
            out.truncate(start + written);
            self.offset += read as u64;
            src = &src[read..];
            match res {
                encoding_rs::DecoderResult::InputEmpty => return Ok(()),
                encoding_rs::DecoderResult::OutputFull => continue,
                encoding_rs::DecoderResult::Malformed(bad, _) => {
                    return Err(Error::Encoding {
                        encoding: self.encoding.name(),
                        hint: self.hint,
                        at: crate::error::At::byte(self.offset - bad as u64),
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], forced: Option<Encoding>) -> Result<String, Error> {
        let (enc, bom) = detect(bytes, forced);
        let mut d = Decoder::new(enc, crate::Hints::PLAIN.encoding);
        let mut out = vec![];
        // Byte by byte: chunk boundaries must not matter.
        for b in &bytes[bom..] {
            d.decode(std::slice::from_ref(b), false, &mut out)?;
        }
        d.decode(&[], true, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn utf8_bom_is_skipped() {
        assert_eq!(decode_all(b"\xEF\xBB\xBFh\xC3\xA9", None).unwrap(), "hé");
    }

    #[test]
    fn utf16_with_bom() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("é,a".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(decode_all(&le, None).unwrap(), "é,a");
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("é,a".encode_utf16().flat_map(|u| u.to_be_bytes()))
            .collect();
        assert_eq!(decode_all(&be, None).unwrap(), "é,a");
    }

    #[test]
    fn windows_1252_is_detected_from_invalid_utf8() {
        assert_eq!(
            detect(b"Andr\xE9;Fran\xE7ois", None).0,
            Encoding::WINDOWS1252
        );
        assert_eq!(decode_all(b"Andr\xE9 \x80", None).unwrap(), "André €");
    }

    #[test]
    fn a_cut_utf8_character_at_the_sample_end_is_still_utf8() {
        assert_eq!(detect(b"abc\xC3", None).0, Encoding::UTF8);
    }

    #[test]
    fn forced_encoding_wins_and_labels_parse() {
        assert_eq!(
            detect(b"abc", Some(Encoding::WINDOWS1252)).0,
            Encoding::WINDOWS1252
        );
        assert_eq!("CP1252".parse::<Encoding>().unwrap(), Encoding::WINDOWS1252);
        assert!("ebcdic".parse::<Encoding>().is_err());
    }

    #[test]
    fn malformed_utf16_names_the_byte() {
        // A lone high surrogate then end of input.
        let e = decode_all(&[0xFF, 0xFE, 0x3D, 0xD8], None).unwrap_err();
        assert!(e.to_string().contains("UTF-16LE"), "{e}");
    }

    fn encoded(text: &str, enc: &'static encoding_rs::Encoding) -> Vec<u8> {
        enc.encode(text).0.into_owned()
    }

    /// Issue 20: files in the encodings real exports use are recognised, not read as
    /// Windows-1252 mojibake.
    #[test]
    fn legacy_encodings_are_guessed() {
        let japanese = "名前,姓,電子メール\n名無しの権兵衛,山田,nanashi@example.jp\n山田太郎,山田,taro@example.jp\n鈴木花子,鈴木,hanako@example.jp\n佐藤一郎,佐藤,ichiro@example.jp\n";
        let russian = "Имя,Фамилия,Электронная почта\nИван,Петров,ivan@example.ru\nМария,Иванова,maria@example.ru\nСергей,Смирнов,sergey@example.ru\n";
        let french = "Prénom;Nom;Adresse de messagerie\nÉlodie;Lefèvre;elodie@exemple.fr\nFrançois;Gâteau;francois@exemple.fr\nNoël;Béranger;noel@exemple.fr\n";
        for (text, enc) in [
            (japanese, encoding_rs::SHIFT_JIS),
            (japanese, encoding_rs::EUC_JP),
            (russian, encoding_rs::WINDOWS_1251),
            (french, encoding_rs::WINDOWS_1252),
        ] {
            let bytes = encoded(text, enc);
            let (got, bom, chosen) = choose(&bytes, None);
            assert_eq!((got.name(), bom, chosen), (enc.name(), 0, Chosen::Guessed));
            assert_eq!(decode_all(&bytes, None).unwrap(), text);
        }
    }

    #[test]
    fn utf16_without_a_bom_is_known_by_its_zero_bytes() {
        let text = "First Name,E-mail Address\nJürgen,j@example.de\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(choose(&le, None), (Encoding::UTF16LE, 0, Chosen::ZeroBytes));
        assert_eq!(choose(&be, None), (Encoding::UTF16BE, 0, Chosen::ZeroBytes));
        assert_eq!(decode_all(&le, None).unwrap(), text);
    }

    /// Issue 20: one stray byte in a UTF-8 file does not make the whole file Windows-1252.
    #[test]
    fn a_file_mostly_utf8_is_utf8() {
        let mut bytes = "first_name,email\nÉlodie,e@x.fr\nZoé,z@x.fr\n"
            .as_bytes()
            .to_vec();
        bytes.extend_from_slice(b"Ren\xe9,r@x.fr\n");
        assert_eq!(
            choose(&bytes, None),
            (Encoding::UTF8, 0, Chosen::MostlyUtf8)
        );
        assert!(Chosen::MostlyUtf8
            .said(Encoding::UTF8)
            .unwrap()
            .contains("rejected"));
    }

    #[test]
    fn whatwg_labels_parse() {
        for (label, name) in [
            ("Shift_JIS", "Shift_JIS"),
            ("sjis", "Shift_JIS"),
            ("gbk", "GBK"),
            ("big5", "Big5"),
            ("euc-kr", "EUC-KR"),
            ("koi8-r", "KOI8-R"),
            ("iso-8859-2", "ISO-8859-2"),
            ("windows-1250", "windows-1250"),
            ("latin1", "windows-1252"),
            ("ansi", "windows-1252"),
            ("utf16le", "UTF-16LE"),
            ("ISO-2022-JP", "ISO-2022-JP"),
        ] {
            assert_eq!(label.parse::<Encoding>().unwrap().name(), name, "{label}");
        }
        assert!("ebcdic".parse::<Encoding>().is_err());
        assert!(
            "iso-2022-kr".parse::<Encoding>().is_err(),
            "the replacement encoding"
        );
    }
}
