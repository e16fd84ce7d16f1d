//! contactport-core: contact records, validation, mapping and file formats.
//!
//! # Brief overview
//!
//! Everything meets in one canonical record, [`Contact`]. Each format and each provider maps to
//! and from it, never to each other:
//!
//! ```text
//! bytes ─ decode ─ split (CSV | JSON) ─ parse (canonical | Covage | Kojo | Google | Outlook)
//!       ─ Contact ─ normalize ─ rules::check ─ write (any format) ─ bytes
//!                                    └─ rejects (CSV) + Report
//! ```
//!
//! - `contact`: [`Contact`] and its [`Field`]s.
//! - [`phone`], [`email`], `name`, `timestamp`: one value each.
//! - [`normalize()`]: a record in canonical form; `rules`: whose rules ([`Target`]) a record
//!   must pass, and how.
//! - [`covage`], [`kojo`]: all core knows of each provider, one module each: its wire type
//!   ([`CovageContact`], [`KojoContact`]), its mapping to and from [`Contact`], its JSON
//!   writer, its [`Rules`] and its row of `FORMATS`; [`mapping`]: the options every command
//!   shares and the field-loss accounting.
//! - [`format`]: encodings, push parsers for CSV and JSON, layouts, writers; `FORMATS`, the
//!   one table of formats.
//! - [`convert`]: the push engine [`Converter`] (detect → `read`: one record of a format →
//!   `pipeline`: normalise, rules, accounting → [`sink`], or `rejects`), the one read →
//!   convert → write loop
//!   [`Stream`] and the `io::Read` → `io::Write` helper [`convert()`](convert::convert); the
//!   [`Report`] it returns, whose entries go to an [`EntryStore`] as they come.
//! - `hints`: [`Hints`], the caller's words for what supplies a missing piece (the CLI's
//!   flags, the page's fields): core's messages name neither.
//! - [`plan`]: a conversion on several threads or workers: whether and where to cut the input,
//!   how each piece converts alone, how the results join into the one-thread path's bytes.
//!
//! The crate is pure: no files, sockets, clocks or threads, so it runs in the browser too.
//!
//! # Example
//!
//! ```
//! use contactport_core::{convert::{convert, Options}, Format};
//!
//! let covage = r#"[{"contact_uuid":"i9usbs1j","first_name":"John","last_name":"Doe",
//!   "phone_number":"0142845403","cell_phone_number":"0692417900","email":"john@doe.com"}]"#;
//! let (mut out, mut rejects) = (Vec::new(), Vec::new());
//! let opts = Options { to: Some(Format::Csv), ..Options::default() };
//! let report = convert(covage.as_bytes(), &mut out, &mut rejects, opts).unwrap();
//! assert_eq!(report.written, 1);
//! let csv = String::from_utf8(out).unwrap();
//! assert!(csv.contains("John,Doe,John Doe,john@doe.com,+33142845403,+262692417900"));
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

// Public: used by the other crates by path. The rest is reached through the re-exports below.
mod contact;
pub mod convert;
pub mod covage;
pub mod email;
mod error;
pub mod format;
mod hints;
pub mod kojo;
pub mod mapping;
mod name;
pub mod normalize;
pub mod options;
pub mod phone;
mod pipeline;
pub mod plan;
mod problem;
mod read;
mod rejects;
mod report;
mod rules;
pub mod sink;
mod timestamp;

pub use contact::{Contact, Field, IDS, ID_COUNT, ID_SLOTS, OTHER_SEP};
pub use convert::{Converter, Options, Stream};
pub use covage::CovageContact;
pub use error::{At, Error};
pub use format::{Format, Writing};
pub use hints::Hints;
pub use kojo::KojoContact;
pub use kojo::KojoPhone;
pub use mapping::{Mapping, VendorMap};
pub use normalize::normalize;
pub use problem::{Entry, Position, Problem};
pub use report::{ColumnUse, EntryStore, Omitted, Report, Room};
pub use rules::{OnePerEmail, Rules, Target};

/// Reads a JSON string that may be `null` (as empty).
pub(crate) fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::Deserialize;
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// [`nullable`] borrowed from the input where the string has no escape: a reader that copies
/// it into a record it reuses allocates nothing. Same answers and messages as `nullable`.
pub(crate) fn nullable_text<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<std::borrow::Cow<'de, str>, D::Error> {
    use serde::de::{Deserializer, Error, Visitor};
    use std::borrow::Cow;
    struct Text;
    impl<'de> Visitor<'de> for Text {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }
        fn visit_string<E: Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }
    }
    struct OrNull;
    impl<'de> Visitor<'de> for OrNull {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("option")
        }
        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(""))
        }
        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(""))
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_str(Text)
        }
    }
    d.deserialize_option(OrNull)
}
