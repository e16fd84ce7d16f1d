//! Every country's numbering plan as tables (issue 22): what libphonenumber's `parse` and
//! `is_valid_number` do for a number typed as digits (a leading `+`, an international or a
//! national prefix), with no regex. `plans.bin` is generated from the metadata
//! `rlibphonenumber` carries ([`super::generate`]): each region's number patterns are one DFA
//! over the digits, walked once, and its international and national prefixes one DFA each. What
//! the tables cannot answer exactly (a national prefix the library would rewrite with its
//! transform rule, a `+` it would read twice) is [`Answer::Unsure`], and the caller asks it.
//!
//! Layout of `plans.bin`, little-endian:
//! - header: `MAGIC`, regions `u16`, region-list length `u16`, states' bytes `u32`;
//! - `by_code`: 26×26 `u16`, the region of each ISO code (`u16::MAX`: none);
//! - for each calling code 0..1000 its first entry in the region list (`u16`), then the counts
//!   (`u8`), then the region list (`u16` each), each code's regions in the library's order;
//! - the regions, `REGION_LEN` bytes each: ISO code, calling code `u16`, flags `u8`, then (at
//!   8) the first state of its number DFA, its international prefix's and its national
//!   prefix's (`u32` each), the general possible lengths and the local-only ones (`u32` masks),
//!   and for each of the `DESCS` descriptions the lengths it lists (`u32`, all bits: any); at
//!   72, for a national prefix with a transform rule in a shape the tables answer, the shape
//!   (`u8`, 0: none), whether it has a rest (`u8`), the rule's literal, `L` and `T` (a length
//!   `u8` and up to 7, 4 and 4 digits), the DFAs of `G` (or `XT`) and of the rest (`u32`);
//! - the DFAs' states: ten moves (by digit, the number of the next state in the same DFA; 0 is
//!   dead, 1 the start), one byte each in a DFA of at most 256 states, else `u16`; then the
//!   `u16` mask of the patterns that match there. A region points at each of its DFAs with a
//!   `u32` byte offset into them, its top bit ([`WIDE`]) set for two-byte moves.

use std::borrow::Cow;

/// First bytes of `plans.bin`.
pub(super) const MAGIC: &[u8; 8] = b"CPPLANS4";
pub(super) const HEADER: usize = 16;
pub(super) const BY_CODE: usize = 26 * 26;
pub(super) const CALLING_CODES: usize = 1000;
pub(super) const REGION_LEN: usize = 100;
/// In a DFA's offset: its moves are two bytes each.
pub(super) const WIDE: u32 = 1 << 31;
/// The descriptions a region's mask bits stand for: general, then the number types in the
/// order libphonenumber tries them (premium rate, toll free, shared cost, VoIP, personal,
/// pager, UAN, voicemail, fixed line, mobile).
pub(super) const DESCS: usize = 11;
/// The mask bit set when the region's leading-digits pattern matches a prefix.
pub(super) const LEADING_DIGITS: u16 = 1 << 11;
/// In a prefix's DFA: a match ends here if the input does.
pub(super) const ENDS: u16 = 1;
/// In a prefix's DFA: a match ends here and the input goes on.
pub(super) const GOES_ON: u16 = 2;
/// A region's flags.
pub(super) const HAS_LEADING_DIGITS: u8 = 1;
pub(super) const HAS_IDD: u8 = 2;
pub(super) const HAS_NPP: u8 = 4;
pub(super) const HAS_TRANSFORM: u8 = 8;
/// A transform rule's shape (at 72): `(G)$|REST`, the whole number in `G` rewritten.
pub(super) const WHOLE_OR: u8 = 1;
/// A transform rule's shape: `L?(?:(X)T)?`, `X` rewritten.
pub(super) const OPTIONAL: u8 = 2;

pub(super) static BYTES: &[u8] = include_bytes!("plans.bin");

/// What the tables say about a number.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Answer {
    /// Valid: `+`, the calling code, the national significant number.
    Valid(String),
    /// Read, but not a number of the plan its calling code names.
    Invalid,
    /// The library would refuse to read it at all.
    Unparsable,
    /// Not answerable from the tables: ask the library.
    Unsure,
}

fn u16_at(at: usize) -> u16 {
    u16::from_le_bytes([BYTES[at], BYTES[at + 1]])
}

/// One DFA of the file: where its states start, and whether its moves are two bytes.
#[derive(Clone, Copy)]
struct Dfa {
    base: usize,
    wide: bool,
}

impl Dfa {
    fn state_len(self) -> usize {
        if self.wide {
            22
        } else {
            12
        }
    }

    fn next(self, state: usize, digit: u8) -> usize {
        let d = usize::from(digit - b'0');
        match self.wide {
            true => usize::from(u16_at(self.base + 22 * state + 2 * d)),
            false => usize::from(BYTES[self.base + 12 * state + d]),
        }
    }

    fn mask(self, state: usize) -> u16 {
        u16_at(self.base + self.state_len() * state + self.state_len() - 2)
    }

    /// The mask of the state a walk from the start over `digits` ends in (0: dead).
    fn walk(self, digits: &[u8]) -> u16 {
        let mut state = 1usize;
        for d in digits {
            state = self.next(state, *d);
            if state == 0 {
                return 0;
            }
        }
        self.mask(state)
    }
}

fn u32_at(at: usize) -> u32 {
    u32::from_le_bytes([BYTES[at], BYTES[at + 1], BYTES[at + 2], BYTES[at + 3]])
}

const FIRSTS: usize = HEADER + 2 * BY_CODE;
const COUNTS: usize = FIRSTS + 2 * CALLING_CODES;
const LIST: usize = COUNTS + CALLING_CODES;

fn regions_at() -> usize {
    LIST + 2 * usize::from(u16_at(10))
}

/// Where the DFAs' states begin.
fn states_at() -> usize {
    regions_at() + REGION_LEN * usize::from(u16_at(8))
}

/// One region's record: its calling code, prefixes, lengths and DFA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Plan(usize);

/// The region of an ISO code (`FR`), if the library knows it (and the tables are this
/// layout's: otherwise the library answers everything).
pub(super) fn region(code: &str) -> Option<Plan> {
    let b = code.as_bytes();
    if b.len() != 2 || !b.iter().all(u8::is_ascii_uppercase) || !BYTES.starts_with(MAGIC) {
        return None;
    }
    let i = u16_at(HEADER + 2 * (usize::from(b[0] - b'A') * 26 + usize::from(b[1] - b'A')));
    (i != u16::MAX).then(|| Plan(regions_at() + REGION_LEN * usize::from(i)))
}

/// The regions that share calling code `cc`, main region first (none for an unknown code).
fn regions_for(cc: usize) -> impl Iterator<Item = Plan> {
    let (first, count) = match cc {
        0..CALLING_CODES => (
            usize::from(u16_at(FIRSTS + 2 * cc)),
            usize::from(BYTES[COUNTS + cc]),
        ),
        _ => (0, 0),
    };
    let regions = regions_at();
    (first..first + count)
        .map(move |i| Plan(regions + REGION_LEN * usize::from(u16_at(LIST + 2 * i))))
}

/// How a number's length compares with a region's possible lengths (libphonenumber's
/// `ValidationResult` for an unknown type).
#[derive(Debug, PartialEq, Eq)]
enum Length {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

impl Plan {
    fn calling_code(self) -> u16 {
        u16_at(self.0 + 2)
    }

    fn has(self, flag: u8) -> bool {
        BYTES[self.0 + 4] & flag != 0
    }

    /// The DFA whose offset is at `at` in the record.
    fn dfa(self, at: usize) -> Dfa {
        let word = u32_at(self.0 + at);
        Dfa {
            base: states_at() + (word & !WIDE) as usize,
            wide: word & WIDE != 0,
        }
    }

    /// The mask of the patterns that match all of `digits` (0: none).
    fn walk(self, digits: &[u8]) -> u16 {
        self.dfa(8).walk(digits)
    }

    /// Where the library's match of a prefix pattern (international: DFA at 12, national: at
    /// 16) ends at the start of `digits`, if it matches.
    fn prefix_end(self, at: usize, digits: &[u8]) -> Option<usize> {
        let dfa = self.dfa(at);
        let mut state = 1usize;
        let mut end = None;
        for (i, d) in digits.iter().enumerate() {
            if dfa.mask(state) & GOES_ON != 0 {
                end = Some(i);
            }
            state = dfa.next(state, *d);
            if state == 0 {
                return end;
            }
        }
        if dfa.mask(state) & ENDS != 0 {
            end = Some(digits.len());
        }
        end
    }

    /// Whether length `len` is listed for description `k` (an empty list allows any).
    fn listed(self, k: usize, len: usize) -> bool {
        len < 32 && u32_at(self.0 + 28 + 4 * k) >> len & 1 == 1
    }

    /// libphonenumber's general pattern, lengths aside (`matchNationalNumber`).
    fn general(self, digits: &[u8]) -> bool {
        self.walk(digits) & 1 == 1
    }

    /// `getNumberTypeHelper(..) != UNKNOWN`, from the mask of a walk over `nsn`.
    fn known_type(self, mask: u16, len: usize) -> bool {
        let matches = |k: usize| mask >> k & 1 == 1 && self.listed(k, len);
        matches(0) && (1..DESCS).any(matches)
    }

    /// `testNumberLength` for an unknown type.
    fn length(self, len: usize) -> Length {
        let possible = u64::from(u32_at(self.0 + 20));
        let local = u64::from(u32_at(self.0 + 24));
        if possible == 0 {
            return Length::Invalid;
        }
        if len >= 64 {
            return Length::TooLong;
        }
        let bit = 1u64 << len;
        if local & bit != 0 {
            return Length::LocalOnly;
        }
        let min = possible.trailing_zeros() as usize;
        let max = 63 - possible.leading_zeros() as usize;
        if min == len {
            Length::Possible
        } else if min > len {
            Length::TooShort
        } else if max < len {
            Length::TooLong
        } else if possible & bit != 0 {
            Length::Possible
        } else {
            Length::Invalid
        }
    }

    /// A string of the record at `at`: a length `u8`, then the digits.
    fn literal(self, at: usize) -> &'static [u8] {
        let len = usize::from(BYTES[self.0 + at]);
        &BYTES[self.0 + at + 1..self.0 + at + 1 + len]
    }

    /// `maybeStripNationalPrefixAndCarrierCode`; `None` when the region's transform rule is in
    /// a shape the tables do not answer.
    fn strip_national(self, number: Cow<'_, [u8]>) -> Option<Cow<'_, [u8]>> {
        if number.is_empty() || !self.has(HAS_NPP) {
            return Some(number);
        }
        /// What the library's `captures` leads to.
        enum Match {
            None,
            /// Strip up to here.
            End(usize),
            /// The rule's group took part: the number rewritten.
            Rewritten(Vec<u8>),
        }
        let found = if !self.has(HAS_TRANSFORM) {
            self.prefix_end(16, &number).map_or(Match::None, Match::End)
        } else {
            match BYTES[self.0 + 72] {
                // `(G)$` first: the whole number, when `G` takes it all (never empty).
                WHOLE_OR if self.dfa(92).walk(&number) & 1 != 0 => {
                    Match::Rewritten([self.literal(74), &number[..]].concat())
                }
                WHOLE_OR if BYTES[self.0 + 73] != 0 => {
                    self.prefix_end(96, &number).map_or(Match::None, Match::End)
                }
                WHOLE_OR => Match::None,
                OPTIONAL => {
                    // `L?` takes `L` when it is there: what follows may match nothing.
                    let lead = self.literal(82);
                    let p = if number.starts_with(lead) {
                        lead.len()
                    } else {
                        0
                    };
                    let tail = self.literal(87).len();
                    match self.prefix_end(92, &number[p..]) {
                        Some(e) if e > tail => Match::Rewritten(
                            [self.literal(74), &number[p..p + e - tail], &number[p + e..]].concat(),
                        ),
                        Some(e) => Match::End(p + e),
                        None => Match::End(p),
                    }
                }
                // Another shape: the library's regex decides, when its prefix is there at all.
                _ if self.prefix_end(16, &number).is_none() => Match::None,
                _ => return None,
            }
        };
        let rest: &[u8] = match &found {
            Match::None => return Some(number),
            Match::End(end) => &number[*end..],
            Match::Rewritten(r) => r,
        };
        // Not stripped when that would make a viable number unviable.
        if self.general(&number) && !self.general(rest) {
            return Some(number);
        }
        Some(match (found, number) {
            (Match::Rewritten(r), _) => Cow::Owned(r),
            (Match::End(end), Cow::Borrowed(n)) => Cow::Borrowed(&n[end..]),
            (Match::End(end), Cow::Owned(n)) => Cow::Owned(n[end..].to_vec()),
            (Match::None, n) => n,
        })
    }
}

/// libphonenumber's answer for `text` (a `+` or not, then digits only: the caller has removed
/// the separators, as the library would) read in `default`: `parse`, then `isValidNumber`, then
/// the E.164 form.
pub(super) fn answer(text: &[u8], default: Plan) -> Answer {
    let (plus, digits) = match text.split_first() {
        Some((b'+', rest)) => (true, rest),
        _ => (false, text),
    };
    if !digits.iter().all(u8::is_ascii_digit) {
        return Answer::Unsure;
    }
    // `isViablePhoneNumber`: two digits alone, or three among punctuation.
    if digits.len() < if plus { 3 } else { 2 } {
        return Answer::Unparsable;
    }

    // `maybeExtractCountryCode`.
    let (mut cc, candidate): (usize, Cow<'_, [u8]>) = if plus {
        match calling_code(digits) {
            Some((cc, rest)) => (cc, Cow::Borrowed(rest)),
            // The library tries again without the `+`: rare, and its answer.
            None => return Answer::Unsure,
        }
    } else {
        let idd = default
            .has(HAS_IDD)
            .then(|| default.prefix_end(12, digits))
            .flatten()
            .map(|end| &digits[end..])
            // Calling codes do not begin with 0: then it was no international prefix.
            .filter(|rest| rest.first() != Some(&b'0'));
        match idd {
            Some(rest) if rest.len() <= 2 => return Answer::Unparsable,
            Some(rest) => match calling_code(rest) {
                Some((cc, rest)) => (cc, Cow::Borrowed(rest)),
                None => return Answer::Unparsable,
            },
            None => match own_code(digits, default) {
                Some(Some(found)) => found,
                Some(None) => (0, Cow::Borrowed(digits)),
                None => return Answer::Unsure,
            },
        }
    };

    let plan = if cc == 0 {
        cc = usize::from(default.calling_code());
        default
    } else {
        // The metadata of the code's main region (the default's own when it is that).
        match regions_for(cc).next() {
            Some(main) => main,
            None => return Answer::Unsure,
        }
    };
    if candidate.len() < 2 {
        return Answer::Unparsable;
    }
    // The national prefix goes when what is left has a possible length.
    let Some(stripped) = plan.strip_national(Cow::Borrowed(&candidate)) else {
        return Answer::Unsure;
    };
    let nsn: &[u8] = match plan.length(stripped.len()) {
        Length::LocalOnly | Length::TooShort | Length::Invalid => &candidate,
        Length::Possible | Length::TooLong => &stripped,
    };
    if nsn.len() < 2 || nsn.len() > 17 {
        return Answer::Unparsable;
    }
    if nsn.iter().all(|&d| d == b'0') {
        // The library keeps such a number as 0 and a count of zeros: leave it its answer.
        return Answer::Unsure;
    }

    // `isValidNumber`: the region the number belongs to, then its type there.
    let len = nsn.len();
    let mut regions = regions_for(cc).map(|r| (r, r.walk(nsn)));
    let chosen = if regions_for(cc).nth(1).is_none() {
        regions.next()
    } else {
        regions.find(|&(r, mask)| {
            (r.has(HAS_LEADING_DIGITS) && mask & LEADING_DIGITS != 0) || r.known_type(mask, len)
        })
    };
    match chosen {
        Some((r, mask)) if r.known_type(mask, len) => {
            let mut buf = [0u8; 5];
            let mut e164 = Vec::with_capacity(1 + 3 + len);
            e164.push(b'+');
            e164.extend_from_slice(digits_of(cc as u16, &mut buf));
            e164.extend_from_slice(nsn);
            // Digits and a `+`: always UTF-8.
            String::from_utf8(e164).map_or(Answer::Unsure, Answer::Valid)
        }
        _ => Answer::Invalid,
    }
}

/// `extractCountryCode`: the first one to three digits that are a calling code, and the rest.
fn calling_code(digits: &[u8]) -> Option<(usize, &[u8])> {
    if digits.first() == Some(&b'0') {
        return None;
    }
    (1..=3.min(digits.len())).find_map(|n| {
        let cc = digits[..n]
            .iter()
            .fold(0usize, |v, d| v * 10 + usize::from(d - b'0'));
        regions_for(cc).next().map(|_| (cc, &digits[n..]))
    })
}

/// A number that starts with the default region's own calling code, without `+`: read as
/// international when that makes a number of the plan out of one that was not (or was too
/// long). `Some(None)`: read as national; `None`: the tables cannot strip its national prefix.
fn own_code(digits: &[u8], default: Plan) -> Option<Option<(usize, Cow<'_, [u8]>)>> {
    let cc = default.calling_code();
    let mut buf = [0u8; 5];
    let code = digits_of(cc, &mut buf);
    let Some(rest) = digits.strip_prefix(code) else {
        return Some(None);
    };
    let rest = default.strip_national(Cow::Borrowed(rest))?;
    let better = (!default.general(digits) && default.general(&rest))
        || default.length(digits.len()) == Length::TooLong;
    Some(better.then_some((usize::from(cc), rest)))
}

fn digits_of(mut n: u16, buf: &mut [u8; 5]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}
