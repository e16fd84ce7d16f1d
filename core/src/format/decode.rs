//! Text encodings: UTF-8 with or without BOM, UTF-16 with BOM, and Windows-1252 (what French
//! Excel saves), detected or forced. Everything is decoded to UTF-8, chunk by chunk.

use crate::error::Error;

/// An input encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (a BOM is skipped).
    Utf8,
    /// UTF-16 little-endian.
    Utf16Le,
    /// UTF-16 big-endian.
    Utf16Be,
    /// Windows-1252 (Latin-1 superset).
    Windows1252,
}

impl std::str::FromStr for Encoding {
    type Err = Error;
    fn from_str(s: &str) -> Result<Encoding, Error> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "utf-16" | "utf-16le" | "utf16" | "utf16le" => Ok(Encoding::Utf16Le),
            "utf-16be" | "utf16be" => Ok(Encoding::Utf16Be),
            "windows-1252" | "cp1252" | "latin1" | "latin-1" | "iso-8859-1" | "ansi" => {
                Ok(Encoding::Windows1252)
            }
            other => Err(Error::UnknownEncoding(other.to_string())),
        }
    }
}

impl Encoding {
    fn rs(self) -> &'static encoding_rs::Encoding {
        match self {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Utf16Le => encoding_rs::UTF_16LE,
            Encoding::Utf16Be => encoding_rs::UTF_16BE,
            Encoding::Windows1252 => encoding_rs::WINDOWS_1252,
        }
    }

    /// The encoding's name.
    pub fn name(self) -> &'static str {
        self.rs().name()
    }
}

/// Picks the encoding from the start of the input: a BOM decides; otherwise UTF-8 when the
/// sample is valid UTF-8 (a character cut at the sample's end is fine), else Windows-1252.
/// Returns the encoding and the BOM's length.
pub fn detect(sample: &[u8], forced: Option<Encoding>) -> (Encoding, usize) {
    let bom = if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Some((Encoding::Utf8, 3))
    } else if sample.starts_with(&[0xFF, 0xFE]) {
        Some((Encoding::Utf16Le, 2))
    } else if sample.starts_with(&[0xFE, 0xFF]) {
        Some((Encoding::Utf16Be, 2))
    } else {
        None
    };
    match (forced, bom) {
        (Some(f), Some((b, len))) if f == b => (f, len),
        (Some(f), _) => (f, 0),
        (None, Some(b)) => b,
        (None, None) => match std::str::from_utf8(sample) {
            Ok(_) => (Encoding::Utf8, 0),
            Err(e) if e.error_len().is_none() => (Encoding::Utf8, 0),
            Err(_) => (Encoding::Windows1252, 0),
        },
    }
}

/// Like [`detect`], knowing whether the input is JSON (`json`): JSON is UTF-8 by its RFC (8259
/// §8.1), so without a BOM or a forced encoding it is never guessed to be Windows-1252 — a bad
/// byte is then reported where it is instead of read as mojibake. Also returns whether the
/// encoding was a guess from invalid UTF-8 (a CSV read as Windows-1252), which the caller says.
pub fn detect_input(
    sample: &[u8],
    forced: Option<Encoding>,
    json: bool,
) -> (Encoding, usize, bool) {
    let (enc, bom) = detect(sample, forced);
    if forced.is_none() && bom == 0 && enc == Encoding::Windows1252 {
        if json {
            return (Encoding::Utf8, 0, false);
        }
        return (enc, bom, true);
    }
    (enc, bom, false)
}

/// True when `text` (after any BOM) starts, past whitespace, like JSON: `[` or `{`.
pub fn looks_like_json(text: &[u8]) -> bool {
    matches!(
        text.iter().copied().find(|b| !b.is_ascii_whitespace()),
        Some(b'[' | b'{')
    )
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
            Encoding::Utf8 => None,
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
                        offset: self.offset - bad as u64,
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
            Encoding::Windows1252
        );
        assert_eq!(decode_all(b"Andr\xE9 \x80", None).unwrap(), "André €");
    }

    #[test]
    fn a_cut_utf8_character_at_the_sample_end_is_still_utf8() {
        assert_eq!(detect(b"abc\xC3", None).0, Encoding::Utf8);
    }

    #[test]
    fn forced_encoding_wins_and_labels_parse() {
        assert_eq!(
            detect(b"abc", Some(Encoding::Windows1252)).0,
            Encoding::Windows1252
        );
        assert_eq!("CP1252".parse::<Encoding>().unwrap(), Encoding::Windows1252);
        assert!("ebcdic".parse::<Encoding>().is_err());
    }

    #[test]
    fn malformed_utf16_names_the_byte() {
        // A lone high surrogate then end of input.
        let e = decode_all(&[0xFF, 0xFE, 0x3D, 0xD8], None).unwrap_err();
        assert!(e.to_string().contains("UTF-16LE"), "{e}");
    }
}
