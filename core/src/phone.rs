//! Phone numbers: libphonenumber's answers (Google's library, its port `rlibphonenumber` and
//! its metadata), kept in E.164.
//!
//! Three paths give the same answers, fastest first: French numbers in common shapes by a
//! prefix table ([`fast`]); any number typed as digits and separators by every region's
//! numbering plan as tables ([`plans`], generated from the library's metadata by
//! `generate`); anything else (letters, extensions, a national prefix the library rewrites)
//! by the library itself, its recent answers remembered.
//!
//! Covage's own examples are French numbers in national form (`0142845403`, and `0692417900`, a
//! Réunion mobile), so a national number that is not valid for the default region is tried
//! against the French overseas departments before it is called invalid.

#[cfg(test)]
mod generate;
mod plans;

use rlibphonenumber::{PhoneNumber, PhoneNumberFormat, PHONE_NUMBER_UTIL};
use std::str::FromStr;

/// The region a number without a country code is read in (`--default-region`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(rlibphonenumber::Region, [u8; 2]);

impl Region {
    /// France, the default.
    pub const FR: Region = Region(rlibphonenumber::Region::FR, *b"FR");

    /// The ISO 3166 code, e.g. `FR`.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.1).unwrap_or("??")
    }
}

impl Default for Region {
    fn default() -> Self {
        Region::FR
    }
}

impl FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let code = s.trim().to_ascii_uppercase();
        // Any two letters parse as a `Region`; a known one has a country code.
        rlibphonenumber::Region::from_str(&code)
            .ok()
            .filter(|id| PHONE_NUMBER_UTIL.get_country_code_for_region(*id).is_some())
            .and_then(|id| Some(Region(id, code.as_bytes().try_into().ok()?)))
            .ok_or(())
            .map_err(|()| {
                format!("unknown region {s:?}: expected an ISO 3166 code such as FR, BE, GB")
            })
    }
}

/// Regions tried, in order, for a national number that is not valid in metropolitan France.
const OVERSEAS: [rlibphonenumber::Region; 6] = {
    use rlibphonenumber::Region::*;
    [RE, GP, MQ, GF, YT, BL]
};

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneError {
    /// Not a phone number at all (letters, too short, …).
    Unparsable,
    /// Parses, but no such number exists in the numbering plan.
    Invalid(Region),
    /// Carries an extension, which E.164 cannot hold: refused rather than cut off.
    Extension,
}

impl PhoneError {
    /// Its message, then `then` (`": kept as written"`), without formatting machinery and in
    /// at most one allocation: a file of foreign or unassigned numbers says it on many rows.
    pub fn reason(&self, then: Then) -> std::borrow::Cow<'static, str> {
        const UNPARSABLE: [&str; 3] = [
            "not a phone number",
            "not a phone number: kept as written",
            "not a phone number: dropped",
        ];
        const EXTENSION: [&str; 3] = [
            "has an extension, which E.164 cannot hold (remove it or keep it elsewhere)",
            "has an extension, which E.164 cannot hold (remove it or keep it elsewhere): kept as written",
            "has an extension, which E.164 cannot hold (remove it or keep it elsewhere): dropped",
        ];
        match self {
            PhoneError::Unparsable => UNPARSABLE[then as usize].into(),
            PhoneError::Extension => EXTENSION[then as usize].into(),
            PhoneError::Invalid(region) => {
                let (head, code, tail) = (
                    "not a valid phone number (read with default region ",
                    region.code(),
                    ")",
                );
                let then = ["", ": kept as written", ": dropped"][then as usize];
                let mut s =
                    String::with_capacity(head.len() + code.len() + tail.len() + then.len());
                for part in [head, code, tail, then] {
                    s.push_str(part);
                }
                s.into()
            }
        }
    }
}

/// What becomes of a value a [`PhoneError`] is about, said after its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// Nothing said: the record is rejected.
    Rejected = 0,
    /// Kept as written (with a warning).
    Kept = 1,
    /// Dropped (with a warning).
    Dropped = 2,
}

impl std::fmt::Display for PhoneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason(Then::Rejected))
    }
}

/// Normalises `raw` to E.164 (`+33142845403`). `01 42 84 54 03`, `01.42.84.54.03`,
/// `+33 1 42 84 54 03` and `0033142845403` all give the same answer; an E.164 input is
/// returned unchanged, so normalising is idempotent.
pub fn normalize(raw: &str, region: Region) -> Result<String, PhoneError> {
    answer(raw, region, |raw, region| memo::get_or(raw, region, slow))
}

/// [`normalize`] without the memo of recent answers: what a number never seen before costs
/// (the per-region benchmarks).
#[doc(hidden)]
pub fn normalize_unremembered(raw: &str, region: Region) -> Result<String, PhoneError> {
    answer(raw, region, slow)
}

/// The fast paths' answer, else `otherwise`'s.
fn answer(
    raw: &str,
    region: Region,
    otherwise: impl FnOnce(&str, Region) -> Result<String, PhoneError>,
) -> Result<String, PhoneError> {
    let raw = crate::normalize::trim(raw);
    let mut buf = [0u8; 13];
    match fast::french(raw, region, &mut buf) {
        Some(e164) => Ok(e164.to_string()),
        None => planned(raw, region).unwrap_or_else(|| otherwise(raw, region)),
    }
}

/// [`normalize`] into `number` itself, reusing its buffer; an invalid number is left as read.
pub fn normalize_in_place(number: &mut String, region: Region) -> Result<(), PhoneError> {
    let mut buf = [0u8; 13];
    let raw = crate::normalize::trim(number);
    match fast::french(raw, region, &mut buf) {
        Some(e164) => {
            number.clear();
            number.push_str(e164);
        }
        None => {
            *number = planned(raw, region).unwrap_or_else(|| memo::get_or(raw, region, slow))?
        }
    }
    Ok(())
}

/// libphonenumber's answer from the numbering plans' tables ([`plans`]), for a number typed as
/// digits and separators (the shapes of [`bare_digits`]); `None` for anything else, and for
/// what the tables leave to the library (a prefix written as a pattern).
fn planned(raw: &str, region: Region) -> Option<Result<String, PhoneError>> {
    let mut buf = [0u8; 24];
    let Some(bare) = bare_digits(raw, &mut buf) else {
        // libphonenumber cuts an extension off and refuses the number whenever it parses
        // what comes before; what it does not parse is left to it.
        let number = before_extension(raw)?;
        // With an extension, the number before it needs three digits to be one (`01 ext 2` is
        // not).
        let bare =
            bare_digits(number, &mut buf).filter(|b| b.trim_start_matches('+').len() >= 3)?;
        return match planned_bare(bare, region)? {
            Ok(_) | Err(PhoneError::Invalid(_)) => Some(Err(PhoneError::Extension)),
            Err(_) => None,
        };
    };
    planned_bare(bare, region)
}

/// [`planned`] for `bare`, [`bare_digits`]' answer.
fn planned_bare(bare: &str, region: Region) -> Option<Result<String, PhoneError>> {
    let plan = plans::region(region.code())?;
    match plans::answer(bare.as_bytes(), plan) {
        plans::Answer::Valid(e164) => Some(Ok(e164)),
        plans::Answer::Unparsable => Some(Err(PhoneError::Unparsable)),
        plans::Answer::Unsure => None,
        plans::Answer::Invalid => {
            // As in [`slow`]: a national number from a French overseas department.
            if region == Region::FR && bare.starts_with('0') && !bare.starts_with("00") {
                for id in overseas_to_try(Some(bare)) {
                    let plan = plans::region(id.as_region_str().as_ref())?;
                    match plans::answer(bare.as_bytes(), plan) {
                        plans::Answer::Valid(e164) => return Some(Ok(e164)),
                        plans::Answer::Unsure => return None,
                        _ => {}
                    }
                }
            }
            Some(Err(PhoneError::Invalid(region)))
        }
    }
}

/// The number before an extension written in the common ASCII shapes libphonenumber's
/// extension patterns take (`01 42 84 54 03 ext. 12`, `… x12`, `… Extension: 4`): a number
/// ending in a digit; spaces; `ext`, `extn`, `extension` (up to 20 digits) or `x` (up to 9),
/// in any case; an optional `.` or `:`; spaces; the digits, ending the text. `None` for any
/// other shape (commas, `#`, `;ext=`, other labels), which the library reads itself.
fn before_extension(raw: &str) -> Option<&str> {
    let b = raw.as_bytes();
    let digits = b.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    let mut end = b.len() - digits;
    let spaces = |end: usize| end - b[..end].iter().rev().take_while(|&&c| c == b' ').count();
    end = spaces(end);
    if matches!(end.checked_sub(1).map(|i| b[i]), Some(b'.' | b':')) {
        end -= 1;
    }
    let label = b[..end]
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    let limit = match b[end - label..end].to_ascii_lowercase().as_slice() {
        b"ext" | b"extn" | b"extension" => 20,
        b"x" => 9,
        _ => return None,
    };
    if digits == 0 || digits > limit {
        return None;
    }
    let number = &raw[..spaces(end - label)];
    number
        .as_bytes()
        .last()
        .is_some_and(u8::is_ascii_digit)
        .then_some(number)
}

/// libphonenumber's own answer (`rlibphonenumber`, no table): the reference the tables are
/// checked against (the phones example's second column).
#[doc(hidden)]
pub fn library_answer(raw: &str, region: Region) -> Result<String, PhoneError> {
    slow(raw.trim(), region)
}

/// The slow path's recent answers, by raw text. A list repeats its numbers (a company's
/// switchboard, a reception desk, a placeholder typed in every row), and libphonenumber takes
/// ~6 µs a number. Bounded: emptied when full, so memory stays flat whatever the input.
mod memo {
    use super::{PhoneError, Region};
    use std::cell::RefCell;
    use std::collections::HashMap;

    const CAP: usize = 4096;

    type Answer = Result<String, PhoneError>;

    thread_local! {
        static SEEN: RefCell<HashMap<Box<str>, (Region, Answer)>> = RefCell::new(HashMap::new());
    }

    pub(super) fn get_or(raw: &str, region: Region, slow: fn(&str, Region) -> Answer) -> Answer {
        if raw.len() > 40 {
            return slow(raw, region);
        }
        SEEN.with(|seen| {
            if let Some((r, a)) = seen.borrow().get(raw) {
                if *r == region {
                    return a.clone();
                }
            }
            let a = slow(raw, region);
            let mut seen = seen.borrow_mut();
            if seen.len() >= CAP {
                seen.clear();
            }
            seen.insert(raw.into(), (region, a.clone()));
            a
        })
    }
}

/// libphonenumber's answer, for every shape the fast path does not take: ~6 µs a number, the
/// patterns of each region compiled once on first use and kept (all regions: ~13 MB).
fn slow(raw: &str, region: Region) -> Result<String, PhoneError> {
    let mut buf = [0u8; 24];
    let bare = bare_digits(raw, &mut buf);
    // What libphonenumber is given: the bare digits when they say the same.
    let text = bare.unwrap_or(raw);
    let parsed = PHONE_NUMBER_UTIL
        .parse(text, Some(region.0))
        .map_err(|_| PhoneError::Unparsable)?;
    if parsed.extension.as_deref().is_some_and(|e| !e.is_empty()) {
        return Err(PhoneError::Extension);
    }
    if parsed.is_valid() {
        return Ok(e164(&parsed));
    }
    // A national number (no `+`, no `00`) from a French overseas department.
    if region == Region::FR && text.starts_with('0') && !text.starts_with("00") {
        for id in overseas_to_try(bare) {
            if let Ok(n) = PHONE_NUMBER_UTIL.parse(text, Some(*id)) {
                if n.is_valid() {
                    return Ok(e164(&n));
                }
            }
        }
    }
    Err(PhoneError::Invalid(region))
}

/// The overseas departments worth trying for a national number that is not valid in France
/// (each try is a full parse, ~6 µs; a foreign national number read as French paid all six).
/// Their national numbers are `0` and nine digits, and the prefix table knows which department
/// holds a prefix. Letters (which libphonenumber may read as digits) try them all.
fn overseas_to_try(bare: Option<&str>) -> &'static [rlibphonenumber::Region] {
    match bare {
        None => &OVERSEAS,
        Some(d) if d.len() != 10 => &[],
        Some(d) => fast::overseas(d),
    }
}

/// `raw` without its separators, when it holds only digits, a leading `+` and the separators
/// people type (space, `.`, `-`, `(`, `)`, `/`). libphonenumber drops those itself, and without
/// a letter, `#`, `,`, `;` or `~` there is no extension to find: the same answer, but its
/// general patterns (extension, viability) run over fewer characters, and those patterns are
/// most of its time. `None` for anything else, which is given to it as typed.
fn bare_digits<'a>(raw: &str, buf: &'a mut [u8; 24]) -> Option<&'a str> {
    let mut n = 0;
    for (i, b) in raw.bytes().enumerate() {
        match b {
            b'0'..=b'9' => {}
            b'+' if i == 0 => {}
            b' ' | b'.' | b'-' | b'(' | b')' | b'/' => continue,
            _ => return None,
        }
        *buf.get_mut(n)? = b;
        n += 1;
    }
    // Two digits alone are a number to the library, two with a separator (`0 1`) are not:
    // below three digits the separators are its to judge.
    if n - usize::from(raw.starts_with('+')) < 3 && n != raw.len() {
        return None;
    }
    std::str::from_utf8(&buf[..n]).ok()
}

/// The fast path for the shapes people type French numbers in (`01 42 84 54 03`,
/// `01.42.84.54.03`, `+33 1 42 84 54 03`, `0033142845403`), which are most of a French contact
/// list: parsing them with libphonenumber's regexes is the conversion's hot spot.
///
/// In France a number's validity depends only on its first digits (every pattern of the FR
/// plan is a prefix followed by `\d{n}`, nine digits in all), so the verdict for each
/// five-digit prefix is kept in `fr-prefixes.bin` (4 bits a prefix, 50 kB): valid in
/// metropolitan France, or (national form only) in which overseas department, as the slow
/// path would find it. The table is built from libphonenumber itself: the test
/// `table_is_phonenumbers_verdict` recomputes all 100,000 and `BLESS=1` rewrites the file when
/// the crate's metadata changes. A prefix whose two extreme numbers disagree is left to the
/// slow path; `fast_path_equals_phonenumber` checks the paths agree.
mod fast {
    #[cfg(test)]
    use super::OVERSEAS;
    #[cfg(test)]
    use rlibphonenumber::{Region as Id, PHONE_NUMBER_UTIL};

    const FRANCE: u8 = 1;
    const NOWHERE: u8 = 2;
    #[cfg(test)]
    const UNSURE: u8 = 3;
    /// `OVERSEAS[i]` is `FIRST_OVERSEAS + i`.
    const FIRST_OVERSEAS: u8 = 4;
    /// The country codes of [`OVERSEAS`], in order.
    const OVERSEAS_CODES: [&[u8]; 6] = [b"+262", b"+590", b"+596", b"+594", b"+262", b"+590"];

    /// Two prefixes a byte, the lower four bits first.
    static TABLE: &[u8; 50_000] = include_bytes!("fr-prefixes.bin");

    fn verdict(key: usize) -> u8 {
        (TABLE[key / 2] >> ((key % 2) * 4)) & 15
    }

    /// E.164 (in `buf`) for a French number in a common shape read with the default region
    /// France, or `None` to take the slow path (which also answers every invalid number, with
    /// its reason).
    pub(super) fn french<'a>(
        raw: &str,
        region: super::Region,
        buf: &'a mut [u8; 13],
    ) -> Option<&'a str> {
        if region != super::Region::FR {
            return None;
        }
        let b = raw.as_bytes();
        let (mut i, international) = match b {
            [b'+', b'3', b'3', ..] => (3, true),
            [b'0', b'0', b'3', b'3', ..] => (4, true),
            [b'0', ..] => (1, false),
            _ => return None,
        };
        let mut nsn = [0u8; 9];
        let mut n = 0;
        while i < b.len() {
            match b[i] {
                d @ b'0'..=b'9' => {
                    if n == 9 {
                        return None;
                    }
                    nsn[n] = d;
                    n += 1;
                }
                // Separators only between digits, as people type them; in international form
                // only spaces (libphonenumber refuses some dotted ones, e.g. `+331.00…`).
                b' ' if i + 1 < b.len() && b[i + 1].is_ascii_digit() => {}
                b'.' | b'-'
                    if !international && n > 0 && i + 1 < b.len() && b[i + 1].is_ascii_digit() => {}
                _ => return None,
            }
            i += 1;
        }
        if n != 9 || nsn[0] == b'0' {
            return None;
        }
        let key = nsn[..5]
            .iter()
            .fold(0usize, |k, d| k * 10 + (d - b'0') as usize);
        let code: &[u8] = match verdict(key) {
            FRANCE => b"+33",
            // An overseas number is only recognised in national form, as in the slow path.
            v if !international && v >= FIRST_OVERSEAS => {
                OVERSEAS_CODES.get(usize::from(v - FIRST_OVERSEAS))?
            }
            _ => return None,
        };
        buf[..code.len()].copy_from_slice(code);
        buf[code.len()..code.len() + 9].copy_from_slice(&nsn);
        std::str::from_utf8(&buf[..code.len() + 9]).ok()
    }

    /// The overseas departments that may hold `digits`, a national number (`0` and nine
    /// digits) not valid in France: the one its prefix's verdict names, none, or (a prefix
    /// the table is unsure of, or a second `0`) all of them.
    pub(super) fn overseas(digits: &str) -> &'static [rlibphonenumber::Region] {
        let d = digits.as_bytes();
        if d.len() != 10 || d[0] != b'0' || d[1] == b'0' {
            return &super::OVERSEAS;
        }
        let key = d[1..6]
            .iter()
            .fold(0usize, |k, b| k * 10 + usize::from(b - b'0'));
        match verdict(key) {
            v if v >= FIRST_OVERSEAS => {
                let i = usize::from(v - FIRST_OVERSEAS);
                &super::OVERSEAS[i..i + 1]
            }
            NOWHERE => &[],
            _ => &super::OVERSEAS,
        }
    }

    /// The verdict for a five-digit prefix, from its two extreme numbers: valid in France, or
    /// else in the first overseas department the slow path tries that takes them both.
    #[cfg(test)]
    fn judge(prefix: usize) -> u8 {
        let valid = |id: Id, lead: &str, rest: &str| {
            PHONE_NUMBER_UTIL
                .parse(format!("{lead}{prefix:05}{rest}"), Some(id))
                .map(|n| n.is_valid())
                .unwrap_or(false)
        };
        let both = |id: Id, lead: &str| (valid(id, lead, "0000"), valid(id, lead, "9999"));
        match both(Id::FR, "+33") {
            (true, true) => return FRANCE,
            (false, false) => {}
            _ => return UNSURE,
        }
        for (i, id) in OVERSEAS.iter().enumerate() {
            match both(*id, "0") {
                (true, true) => return FIRST_OVERSEAS + i as u8,
                (false, false) => {}
                _ => return UNSURE,
            }
        }
        NOWHERE
    }

    #[test]
    fn overseas_codes_are_the_regions_codes() {
        for (id, code) in OVERSEAS.iter().zip(OVERSEAS_CODES) {
            let n = PHONE_NUMBER_UTIL.parse("0692417900", Some(*id)).unwrap();
            let cc = format!("+{}", n.country_code);
            assert_eq!(cc.as_bytes(), code, "{id:?}");
        }
    }

    /// The checked-in table is exactly libphonenumber's verdicts, all 100,000 of them.
    #[test]
    fn table_is_phonenumbers_verdict() {
        let mut fresh = vec![0u8; TABLE.len()];
        for key in 0..100_000 {
            fresh[key / 2] |= judge(key) << ((key % 2) * 4);
        }
        if std::env::var_os("BLESS").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/fr-prefixes.bin");
            std::fs::write(path, &fresh).expect("write fr-prefixes.bin");
            return; // the table compiled into this run is the old one
        }
        let differ: Vec<usize> = (0..100_000)
            .filter(|&k| (fresh[k / 2] >> ((k % 2) * 4)) & 15 != verdict(k))
            .take(10)
            .collect();
        assert!(
            differ.is_empty(),
            "fr-prefixes.bin disagrees with libphonenumber at prefixes {differ:?}; rerun with BLESS=1"
        );
        // Not a degenerate table: Paris, a mobile, Réunion (0262, 0692) and Guadeloupe (0590).
        assert_eq!(verdict(14284), FRANCE);
        assert_eq!(verdict(69943), FRANCE);
        assert_eq!(verdict(26212), FIRST_OVERSEAS);
        assert_eq!(verdict(69241), FIRST_OVERSEAS);
        assert_eq!(verdict(59012), FIRST_OVERSEAS + 1);
        assert_ne!(verdict(0), FRANCE);
    }
}

fn e164(n: &PhoneNumber) -> String {
    n.format_as(PhoneNumberFormat::E164).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(s: &str) -> Result<String, PhoneError> {
        normalize(s, Region::FR)
    }

    #[test]
    fn french_shapes_normalise_to_e164() {
        for s in [
            "0142845403",
            "01.42.84.54.03",
            "01 42 84 54 03",
            "+33 1 42 84 54 03",
            "0033142845403",
            "+33142845403",
            "(0)1-42-84-54-03",
        ] {
            assert_eq!(n(s).as_deref(), Ok("+33142845403"), "{s}");
        }
        assert_eq!(n("06 99 43 78 92").as_deref(), Ok("+33699437892"));
    }

    #[test]
    fn reunion_mobile_from_covage_docs_is_valid() {
        assert_eq!(n("0692417900").as_deref(), Ok("+262692417900"));
    }

    #[test]
    fn foreign_numbers_keep_their_country() {
        assert_eq!(n("+1 484 569 1493").as_deref(), Ok("+14845691493"));
        assert_eq!(n("+44 20 7946 0958").as_deref(), Ok("+442079460958"));
    }

    #[test]
    fn other_default_region() {
        let be: Region = "be".parse().unwrap();
        assert_eq!(normalize("02 555 12 12", be).as_deref(), Ok("+3225551212"));
        for unknown in ["XX", "ZZ", "001", "F", "FRA", ""] {
            assert!(unknown.parse::<Region>().is_err(), "{unknown}");
        }
    }

    #[test]
    fn remembered_answers_are_per_region() {
        let be: Region = "BE".parse().unwrap();
        for _ in 0..2 {
            assert_eq!(normalize("02 555 12 12", be).as_deref(), Ok("+3225551212"));
            assert_eq!(
                normalize("02 555 12 12", Region::FR),
                slow("02 555 12 12", Region::FR)
            );
            assert_eq!(n("+44 20 7946 0958").as_deref(), Ok("+442079460958"));
        }
    }

    #[test]
    fn garbage_and_invalid_numbers_are_refused() {
        assert_eq!(n("call me"), Err(PhoneError::Unparsable));
        assert!(n("06123").is_err());
        assert_eq!(n("06 12 34 56"), Err(PhoneError::Invalid(Region::FR)));
    }

    #[test]
    fn extension_is_refused_not_cut() {
        assert_eq!(n("01 42 84 54 03 ext. 12"), Err(PhoneError::Extension));
    }

    #[test]
    fn the_number_before_an_extension() {
        for (raw, number) in [
            ("01 42 84 54 03 ext. 12", Some("01 42 84 54 03")),
            ("+1 415 555 0132 x7", Some("+1 415 555 0132")),
            ("0142845403X123456789", Some("0142845403")),
            ("0142845403 x 1234567890", None),
            ("+33 1 42 84 54 03 Extension: 4", Some("+33 1 42 84 54 03")),
            ("01 42 84 54 03 EXTN12", Some("01 42 84 54 03")),
            ("01 42 84 54 03 poste 12", None),
            ("01 42 84 54 03 ext.", None),
            ("01 42 84 54 03 # 12", None),
            ("01 42 84 54 03, ext 12", None),
            ("01 42 84 54 03; ext 12", None),
            ("ext 12", None),
            ("01 42 84 54 (03) ext 12", None),
        ] {
            assert_eq!(before_extension(raw), number, "{raw}");
        }
    }

    #[test]
    fn national_form_and_mobiles() {}

    proptest! {
        #[test]
        fn normalisation_is_idempotent(digits in "[0-9]{9}", lead in "[0+]", sep in "[ .-]?") {
            let raw = format!("{lead}{}{sep}{}", &digits[..1], &digits[1..]);
            if let Ok(once) = n(&raw) {
                prop_assert_eq!(n(&once), Ok(once.clone()));
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = n(&s);
        }

        /// Overseas departments' numbers in every shape: the fast path agrees with the slow.
        #[test]
        fn overseas_fast_path_equals_phonenumber(
            digits in "(262|269|590|594|596|639|690|691|692|693|694|696|697)[0-9]{6}",
            lead in prop_oneof![Just("0"), Just("+33"), Just("0033"), Just("+262"), Just("+590")],
            sep in prop_oneof![Just(""), Just(" "), Just(".")],
        ) {
            let raw = format!("{lead}{}{sep}{}", &digits[..3], &digits[3..]);
            prop_assert_eq!(normalize(&raw, Region::FR), slow(&raw, Region::FR), "{}", raw);
        }

        /// Numbers of any country with an extension in the shapes the tables take, and in
        /// nearby ones they leave to the library: the same answer as the library.
        #[test]
        fn extensions_answer_as_phonenumber(
            number in "(\\+|00)?[0-9]{1,3}[ .-]?[0-9]{0,4}[ .-/]?[0-9]{0,8}[ ()]?",
            sep in "[ ,;\t]{0,2}",
            label in "(ext|EXT|Ext|extn|extension|x|X|#|int|anexo|poste|e)",
            after in "[.:]?[ -]{0,2}",
            ext in "[0-9]{0,22}#?",
            region in prop_oneof![Just("FR"), Just("US"), Just("DE"), Just("GB")].prop_map(|r| r.parse::<Region>().unwrap()),
        ) {
            let raw = format!("{number}{sep}{label}{after}{ext}");
            prop_assert_eq!(normalize_unremembered(&raw, region), slow(raw.trim(), region), "{:?}", raw);
        }

        /// The fast path gives libphonenumber's answer for the shapes it takes.
        #[test]
        fn fast_path_equals_phonenumber(
            digits in "[1-9][0-9]{8}",
            lead in prop_oneof![Just("0"), Just("+33"), Just("+33 "), Just("0033"), Just("+3"), Just("00")],
            sep in prop_oneof![Just(""), Just(" "), Just("."), Just("-"), Just("  "), Just(".-")],
        ) {
            let pairs: Vec<String> = std::iter::once(digits[..1].to_string())
                .chain((0..4).map(|i| digits[1 + 2 * i..3 + 2 * i].to_string()))
                .collect();
            let raw = format!("{lead}{}", pairs.join(sep));
            prop_assert_eq!(normalize(&raw, Region::FR), slow(&raw, Region::FR), "{}", raw);
        }
    }

    /// What the slow path answered before the prefix table chose the overseas departments
    /// to try: France, then each of them in turn.
    fn every_overseas_department(raw: &str) -> Result<String, PhoneError> {
        let parse = |id| {
            PHONE_NUMBER_UTIL
                .parse(raw, Some(id))
                .ok()
                .filter(|n| n.is_valid())
        };
        std::iter::once(rlibphonenumber::Region::FR)
            .chain(OVERSEAS)
            .find_map(parse)
            .map(|n| e164(&n))
            .ok_or(PhoneError::Invalid(Region::FR))
    }

    proptest! {
        /// National numbers in shapes the fast path does not take (a slash, parentheses), in
        /// and around the overseas ranges: the table's choice of departments changes nothing.
        #[test]
        fn overseas_departments_tried_as_before(
            digits in "(26[0-9]|59[0-9]|63[0-9]|69[0-9]|[1-9][0-9]{2})[0-9]{6}",
            shape in 0..3usize,
        ) {
            let raw = match shape {
                0 => format!("0{}/{}", &digits[..3], &digits[3..]),
                1 => format!("(0{}) {}", &digits[..3], &digits[3..]),
                _ => format!("0{} {} {}", &digits[..1], &digits[1..5], &digits[5..]),
            };
            prop_assert_eq!(slow(&raw, Region::FR), every_overseas_department(&raw), "{}", raw);
        }
    }

    /// The second differential (issue 22), here without Python: numbers of every region, valid
    /// and not, in the shapes the tables take, read in regions whose prefixes are plain and in
    /// some whose prefixes are patterns. Where the tables answer, it is the library's answer;
    /// and they answer most of them (the corpus run is `tests/phones/differential.py`).
    #[test]
    fn tables_answer_as_the_library_for_every_region() {
        use rlibphonenumber::PhoneNumberType as T;
        let mut seed = 0x2026_1205_u64;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let readers: Vec<Region> = ["FR", "US", "DE", "GB", "IT", "BR", "AU", "AR", "RU"]
            .iter()
            .map(|r| r.parse().unwrap())
            .collect();
        let (mut asked, mut answered, mut valid) = (0, 0, 0);
        let mut regions: Vec<_> = PHONE_NUMBER_UTIL.get_supported_regions().collect();
        regions.sort_by_key(|r| r.as_region_str().to_string());
        for id in regions {
            let Some(cc) = PHONE_NUMBER_UTIL.get_country_code_for_region(id) else {
                continue;
            };
            let mut nsns: Vec<String> = [T::FixedLine, T::Mobile, T::TollFree, T::VoIP]
                .into_iter()
                .filter_map(|t| {
                    PHONE_NUMBER_UTIL
                        .get_example_number_for_type_and_region(id, t)
                        .ok()
                })
                .map(|n| rlibphonenumber::get_national_significant_number_owned(&n))
                .collect();
            for _ in 0..6 {
                let len = 3 + next(12) as usize;
                nsns.push(
                    (0..len)
                        .map(|_| char::from(b'0' + next(10) as u8))
                        .collect(),
                );
            }
            let own: Region = id.as_region_str().to_string().parse().unwrap();
            for nsn in &nsns {
                for raw in [
                    format!("+{cc}{nsn}"),
                    format!("+{cc} {nsn}"),
                    format!("00{cc}{nsn}"),
                    format!("011 {cc} {nsn}"),
                    format!("{cc}{nsn}"),
                    format!("0{nsn}"),
                    format!("1{nsn}"),
                    format!("({}) {}", &nsn[..2], &nsn[2..]),
                    nsn.clone(),
                    format!("+{cc} (0){nsn}"),
                ]
                .into_iter()
                .flat_map(|raw| {
                    // And with an extension, in one of the shapes the tables take.
                    let label = ["ext. ", " ext ", " x", " Extension: "][next(4) as usize];
                    let ext = format!("{raw}{label}{}", next(100_000));
                    [raw, ext]
                }) {
                    for &reader in readers.iter().chain([&own]) {
                        asked += 1;
                        let Some(tables) = planned(&raw, reader) else {
                            continue;
                        };
                        answered += 1;
                        valid += usize::from(tables.is_ok());
                        assert_eq!(
                            tables,
                            slow(&raw, reader),
                            "{raw:?} read in {}",
                            reader.code()
                        );
                    }
                }
            }
        }
        // Not a vacuous agreement: the tables answer most numbers, thousands of them valid
        // (and as many with an extension, refused).
        eprintln!("tables answered {answered} of {asked}, {valid} valid");
        assert!(
            answered * 100 > asked * 95,
            "tables answered {answered} of {asked}"
        );
        assert!(valid > 5_000, "only {valid} valid answers");
    }

    /// National prefixes the library rewrites (its transform rules): a local number of a
    /// Caribbean island, Guernsey's six digits, Argentina's `15` mobiles, Japan's `0`. The tables
    /// answer them, and as the library does.
    #[test]
    fn numbers_the_library_rewrites_are_answered_by_the_tables_alike() {
        for (raw, region, e164) in [
            ("460 1234", "AG", Some("+12684601234")),
            ("1 268 460 1234", "AG", Some("+12684601234")),
            ("781234", "GG", Some("+441481781234")),
            ("01481 781234", "GG", Some("+441481781234")),
            ("011 15 2345 6789", "AR", Some("+5491123456789")),
            ("0343 15 555 1212", "AR", Some("+5493435551212")),
            ("011 2345 6789", "AR", Some("+541123456789")),
            ("03-1234-5678", "JP", Some("+81312345678")),
            ("0002 1234 56", "JP", None),
            ("12345", "NF", None),
        ] {
            let reader: Region = region.parse().unwrap();
            let tables =
                planned(raw, reader).unwrap_or_else(|| panic!("{raw:?} left to the library"));
            assert_eq!(tables, slow(raw, reader), "{raw:?} in {region}");
            if let Some(e164) = e164 {
                assert_eq!(tables.as_deref(), Ok(e164), "{raw:?} in {region}");
            }
        }
    }

    #[test]
    fn a_zero_after_the_country_code_is_kept_whatever_the_default_region() {
        // whisperfish/rust-phonenumber issue 81: the default region's national prefix was
        // stripped after the country code. libphonenumber (python phonenumbers) says valid.
        for region in [
            Region::FR,
            "US".parse().unwrap(),
            "DE".parse().unwrap(),
            "IT".parse().unwrap(),
        ] {
            for (raw, e164) in [
                ("+390612345678", "+390612345678"),
                ("+39 06 1234 5678", "+390612345678"),
                ("+390212345678", "+390212345678"),
                ("+2250701234567", "+2250701234567"),
            ] {
                assert_eq!(
                    normalize(raw, region).as_deref(),
                    Ok(e164),
                    "{raw} in {region:?}"
                );
            }
        }
        assert_eq!(
            normalize("0039 06 1234 5678", Region::FR).as_deref(),
            Ok("+390612345678")
        );
        // Read in the US, whose national prefix is 1, the crate took a Finnish number's `1`
        // for it; libphonenumber keeps it (and calls this one too long).
        let us: Region = "US".parse().unwrap();
        assert_ne!(
            normalize("+358 13 31312705", us).as_deref(),
            Ok("+358331312705")
        );
        assert_eq!(
            normalize("+358 13 3131270", us).as_deref(),
            Ok("+358133131270")
        );
    }
}
