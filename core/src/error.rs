//! The one error type of the core crate: what stops a whole run. A bad record is not an error;
//! it is a [`crate::Reject`](crate::problem) in the report.

/// A failure that stops a conversion.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing the output failed.
    #[error("cannot write output: {0}")]
    Write(#[from] std::io::Error),
    /// Reading the input failed.
    #[error("cannot read input: {0}")]
    Read(std::io::Error),
    /// The input is not in the encoding it was read as.
    #[error("input is not valid {encoding} at {at}: give the right {hint} (utf-8, utf-16, windows-1252)")]
    Encoding {
        /// Encoding name.
        encoding: &'static str,
        /// What chooses the encoding ([`crate::Hints::encoding`]).
        hint: &'static str,
        /// The first bad byte.
        at: At,
    },
    /// Unknown encoding label.
    #[error("unknown encoding {0:?}: expected utf-8, utf-16le, utf-16be or windows-1252")]
    UnknownEncoding(String),
    /// The JSON input's structure is broken outside of any one record.
    #[error("{at}: {why}")]
    Json {
        /// Where.
        at: At,
        /// Why.
        why: String,
    },
    /// The CSV header is missing or unusable.
    #[error("{at}: {why}")]
    Header {
        /// Where: its line.
        at: At,
        /// Why.
        why: String,
    },
    /// The vendor map is unusable.
    #[error("vendor map line {line}: {why}")]
    VendorMap {
        /// Line.
        line: u64,
        /// Why.
        why: String,
    },
    /// Input pushed after `finish`.
    #[error("the conversion is finished: it takes no more input")]
    Finished,
    /// Format name not known.
    #[error("unknown format {0:?}: expected {formats}", formats = crate::options::expected(&crate::options::formats()))]
    UnknownFormat(String),
}

/// Where in the input a failure is, as rust-csv's `Position` says it: a byte offset (from 0),
/// a line (from 1) and the record it is in (from 1, as the report numbers records), each when
/// known. A piece of the input converted alone moves its failures to their place in the whole
/// input with [`Error::at_mut`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct At {
    /// Bytes before it.
    pub byte: Option<u64>,
    /// Its line.
    pub line: Option<u64>,
    /// The record it is in, when it is inside one (not between records).
    pub record: Option<u64>,
}

impl At {
    /// On `line`.
    pub fn line(line: u64) -> At {
        At {
            line: Some(line),
            ..At::default()
        }
    }

    /// At byte `byte`.
    pub fn byte(byte: u64) -> At {
        At {
            byte: Some(byte),
            ..At::default()
        }
    }

    /// Inside record `record`.
    pub fn in_record(self, record: u64) -> At {
        At {
            record: Some(record),
            ..self
        }
    }
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.byte) {
            (Some(l), _) => write!(f, "line {l}")?,
            (None, Some(b)) => write!(f, "byte {b}")?,
            (None, None) => write!(f, "an unknown place")?,
        }
        match self.record {
            Some(r) => write!(f, " (record {r})"),
            None => Ok(()),
        }
    }
}

impl Error {
    /// The failure, placed inside record `record` (counted in the input read so far) when it
    /// has a place and no record yet.
    pub(crate) fn in_record(mut self, record: u64) -> Error {
        if let Some(at) = self.at_mut() {
            at.record = at.record.or(Some(record));
        }
        self
    }

    /// Where in the input the failure is, for one that has a place.
    pub fn at_mut(&mut self) -> Option<&mut At> {
        match self {
            Error::Json { at, .. } | Error::Encoding { at, .. } | Error::Header { at, .. } => {
                Some(at)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_names_its_line_else_its_byte_and_the_record_it_is_in() {
        assert_eq!(At::line(7).to_string(), "line 7");
        assert_eq!(At::line(7).in_record(3).to_string(), "line 7 (record 3)");
        assert_eq!(
            At::byte(120).in_record(2).to_string(),
            "byte 120 (record 2)"
        );
        assert_eq!(At::default().to_string(), "an unknown place");
        // A failure placed once keeps its record; one with no place takes none.
        let e = Error::Json {
            at: At::line(2).in_record(1),
            why: "x".into(),
        };
        assert_eq!(e.in_record(9).to_string(), "line 2 (record 1): x");
        assert_eq!(
            Error::Finished.in_record(9).to_string(),
            Error::Finished.to_string()
        );
    }
}
