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
    #[error("line 1: {0}")]
    Header(String),
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

/// Where in the input a failure is, as rust-csv's `Position` says it: a byte offset (from 0)
/// and a line (from 1), each when known. A piece of the input converted alone moves its
/// failures to their place in the whole input with [`Error::at_mut`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct At {
    /// Bytes before it.
    pub byte: Option<u64>,
    /// Its line.
    pub line: Option<u64>,
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
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.byte) {
            (Some(l), _) => write!(f, "line {l}"),
            (None, Some(b)) => write!(f, "byte {b}"),
            (None, None) => write!(f, "an unknown place"),
        }
    }
}

impl Error {
    /// Where in the input the failure is, for one that has a place.
    pub fn at_mut(&mut self) -> Option<&mut At> {
        match self {
            Error::Json { at, .. } | Error::Encoding { at, .. } => Some(at),
            _ => None,
        }
    }
}
