//! Phone numbers: parsed with the `phonenumber` crate (libphonenumber's metadata), kept in E.164.
//!
//! Covage's own examples are French numbers in national form (`0142845403`, and `0692417900`, a
//! Réunion mobile), so a national number that is not valid for the default region is tried
//! against the French overseas departments before it is called invalid.

use phonenumber::country::Id;
use std::str::FromStr;

/// The region a number without a country code is read in (`--default-region`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(Id, [u8; 2]);

impl Region {
    /// France, the default.
    pub const FR: Region = Region(Id::FR, *b"FR");

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
        Id::from_str(&code)
            .ok()
            .and_then(|id| Some(Region(id, code.as_bytes().try_into().ok()?)))
            .ok_or(())
            .map_err(|()| {
                format!("unknown region {s:?}: expected an ISO 3166 code such as FR, BE, GB")
            })
    }
}

/// Country codes whose numbers Covage holds in national form ("French numbers"):
/// metropolitan France and the overseas departments that share the `0X` national prefix.
const FRENCH_CODES: [&str; 5] = ["+33", "+262", "+590", "+594", "+596"];

/// Regions tried, in order, for a national number that is not valid in metropolitan France.
const OVERSEAS: [Id; 6] = [Id::RE, Id::GP, Id::MQ, Id::GF, Id::YT, Id::BL];

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

impl std::fmt::Display for PhoneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PhoneError::Unparsable => f.write_str("not a phone number"),
            PhoneError::Invalid(region) => {
                write!(
                    f,
                    "not a valid phone number (read with default region {})",
                    region.code()
                )
            }
            PhoneError::Extension => f.write_str(
                "has an extension, which E.164 cannot hold (remove it or keep it elsewhere)",
            ),
        }
    }
}

/// Normalises `raw` to E.164 (`+33142845403`). `01 42 84 54 03`, `01.42.84.54.03`,
/// `+33 1 42 84 54 03` and `0033142845403` all give the same answer; an E.164 input is
/// returned unchanged, so normalising is idempotent.
pub fn normalize(raw: &str, region: Region) -> Result<String, PhoneError> {
    let raw = raw.trim();
    let mut buf = [0u8; 13];
    match fast::french(raw, region, &mut buf) {
        Some(e164) => Ok(e164.to_string()),
        None => memo::get_or(raw, region, slow),
    }
}

/// [`normalize`] into `number` itself, reusing its buffer; an invalid number is left as read.
pub fn normalize_in_place(number: &mut String, region: Region) -> Result<(), PhoneError> {
    let mut buf = [0u8; 13];
    let raw = number.trim();
    match fast::french(raw, region, &mut buf) {
        Some(e164) => {
            number.clear();
            number.push_str(e164);
        }
        None => *number = memo::get_or(raw, region, slow)?,
    }
    Ok(())
}

/// The slow path's recent answers, by raw text. A list repeats its numbers (a company's
/// switchboard, a reception desk, a placeholder typed in every row), and libphonenumber takes
/// ~20 µs a number. Bounded: emptied when full, so memory stays flat whatever the input.
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

/// Regular expressions the `phonenumber` crate keeps compiled. It keeps 100, in one LRU cache
/// for every region's patterns: an address book with numbers of a few dozen countries made it
/// compile a pattern again for nearly every number (~0.7 ms each; a 300k-row file with a third
/// of its numbers foreign took 150 s). 1,000 holds the patterns of every region a real list
/// uses: the same file takes 3.1 s. The cost is memory, bounded whatever the input (~300 MB
/// peak on that file on two cores, as before on files of French numbers).
const REGEX_CACHE: usize = 1000;

fn roomy_regex_cache() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let cache = phonenumber::metadata::DATABASE.cache();
        let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
        *cache = regex_cache::RegexCache::new(REGEX_CACHE);
    });
}

/// The `phonenumber` crate's answer, for every shape the fast path does not take.
///
/// A number written with its country code is parsed with no default region. The crate strips
/// the *default* region's national prefix from the digits after the country code, so
/// `+39 06 1234 5678` read in FR lost its `0` and was refused (whisperfish/rust-phonenumber
/// issue 81; Italy, Côte d'Ivoire, San Marino… keep that zero). libphonenumber applies the
/// number's own region's rules; parsing `+…` alone does too. `00…` (the international prefix
/// the crate recognised for the default region) is read as `+…` the same way.
fn slow(raw: &str, region: Region) -> Result<String, PhoneError> {
    roomy_regex_cache();
    let digits = raw.trim_start();
    let mut parsed = if digits.starts_with('+') {
        phonenumber::parse(None, digits)
    } else {
        phonenumber::parse(Some(region.0), raw)
    }
    .map_err(|_| PhoneError::Unparsable)?;
    if let Some(rest) = digits.strip_prefix("00") {
        let own = phonenumber::metadata::DATABASE
            .by_id(region.0.as_ref())
            .map(|m| m.country_code());
        if own.is_some_and(|c| c != parsed.code().value()) {
            if let Ok(n) = phonenumber::parse(None, format!("+{rest}")) {
                parsed = n;
            }
        }
    }
    if parsed.extension().is_some() {
        return Err(PhoneError::Extension);
    }
    if phonenumber::is_valid(&parsed) {
        return Ok(e164(&parsed));
    }
    // A national number (no `+`, no `00`) from a French overseas department.
    if region == Region::FR && raw.starts_with('0') && !raw.starts_with("00") {
        for id in OVERSEAS {
            if let Ok(n) = phonenumber::parse(Some(id), raw) {
                if phonenumber::is_valid(&n) {
                    return Ok(e164(&n));
                }
            }
        }
    }
    Err(PhoneError::Invalid(region))
}

/// The fast path for the shapes people type French numbers in (`01 42 84 54 03`,
/// `01.42.84.54.03`, `+33 1 42 84 54 03`, `0033142845403`), which are most of a French contact
/// list: parsing them with libphonenumber's regexes is the conversion's hot spot.
///
/// In France a number's validity depends only on its first digits (every pattern of the FR
/// plan is a prefix followed by `\d{n}`, nine digits in all), so the verdict for each
/// five-digit prefix is kept in `fr-prefixes.bin` (4 bits a prefix, 50 kB): valid in
/// metropolitan France, or (national form only) in which overseas department, as the slow
/// path would find it. The table is built from the `phonenumber` crate itself: the test
/// `table_is_phonenumbers_verdict` recomputes all 100,000 and `BLESS=1` rewrites the file when
/// the crate's metadata changes. A prefix whose two extreme numbers disagree is left to the
/// slow path; `fast_path_equals_phonenumber` checks the paths agree.
mod fast {
    #[cfg(test)]
    use super::OVERSEAS;
    #[cfg(test)]
    use phonenumber::country::Id;

    const FRANCE: u8 = 1;
    #[cfg(test)]
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

    /// The verdict for a five-digit prefix, from its two extreme numbers: valid in France, or
    /// else in the first overseas department the slow path tries that takes them both.
    #[cfg(test)]
    fn judge(prefix: usize) -> u8 {
        let valid = |id: Id, lead: &str, rest: &str| {
            phonenumber::parse(Some(id), format!("{lead}{prefix:05}{rest}"))
                .map(|n| phonenumber::is_valid(&n))
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
            let n = phonenumber::parse(Some(*id), "0692417900").unwrap();
            let cc = format!("+{}", n.code().value());
            assert_eq!(cc.as_bytes(), code, "{id:?}");
        }
    }

    /// The checked-in table is exactly the `phonenumber` crate's verdicts, all 100,000 of them.
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
            "fr-prefixes.bin disagrees with phonenumber at prefixes {differ:?}; rerun with BLESS=1"
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

fn e164(n: &phonenumber::PhoneNumber) -> String {
    n.format().mode(phonenumber::Mode::E164).to_string()
}

/// True for a French number, which Covage holds in national form.
pub fn is_french(e164: &str) -> bool {
    FRENCH_CODES.iter().any(|c| e164.starts_with(c))
}

/// The form Covage holds: national (`0142845403`) for French numbers, E.164 for the rest.
pub fn covage_form(e164: &str) -> String {
    match national_rest(e164) {
        Some(rest) => format!("0{rest}"),
        None => e164.to_string(),
    }
}

/// For a French number, the digits after its country code (national form is `0` then these).
pub fn national_rest(e164: &str) -> Option<&str> {
    FRENCH_CODES.iter().find_map(|code| e164.strip_prefix(code))
}

/// True for a French mobile: `+336`, `+337`, and the overseas departments' mobile ranges.
/// Kojo holds one phone; going back to Covage, these fill `cell_phone_number`.
pub fn is_french_mobile(e164: &str) -> bool {
    const MOBILE: [&str; 10] = [
        "+336", "+337", "+262639", "+262692", "+262693", "+590690", "+590691", "+594694",
        "+596696", "+596697",
    ];
    MOBILE.iter().any(|p| e164.starts_with(p))
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
        assert_eq!(covage_form("+262692417900"), "0692417900");
        assert!(is_french_mobile("+262692417900"));
    }

    #[test]
    fn foreign_numbers_keep_their_country() {
        assert_eq!(n("+1 484 569 1493").as_deref(), Ok("+14845691493"));
        assert_eq!(n("+44 20 7946 0958").as_deref(), Ok("+442079460958"));
        assert_eq!(covage_form("+14845691493"), "+14845691493");
    }

    #[test]
    fn other_default_region() {
        let be: Region = "be".parse().unwrap();
        assert_eq!(normalize("02 555 12 12", be).as_deref(), Ok("+3225551212"));
        assert!("XX".parse::<Region>().is_err());
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
    fn national_form_and_mobiles() {
        assert_eq!(covage_form("+33142845403"), "0142845403");
        assert!(is_french("+33699437892"));
        assert!(is_french_mobile("+33699437892"));
        assert!(is_french_mobile("+33712345678"));
        assert!(!is_french_mobile("+33142845403"));
        assert!(!is_french_mobile("+447700900123"));
    }

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

        /// The fast path gives the `phonenumber` crate's answer for the shapes it takes.
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
        // Read in the US, whose national prefix is 1, a Finnish number lost its `1`.
        assert_ne!(
            normalize("+358 13 31312705", "US".parse().unwrap()).as_deref(),
            Ok("+358331312705")
        );
    }
}
