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
    #[error("input is not valid {encoding} at byte {offset}: give the right {hint} (utf-8, utf-16, windows-1252)")]
    Encoding {
        /// Encoding name.
        encoding: &'static str,
        /// What chooses the encoding ([`crate::Hints::encoding`]).
        hint: &'static str,
        /// Byte offset of the first bad byte.
        offset: u64,
    },
    /// Unknown encoding label.
    #[error("unknown encoding {0:?}: expected utf-8, utf-16le, utf-16be or windows-1252")]
    UnknownEncoding(String),
    /// The JSON input's structure is broken outside of any one record.
    #[error("line {line}: {why}")]
    Json {
        /// Line.
        line: u64,
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
