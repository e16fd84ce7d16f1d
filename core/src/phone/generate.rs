//! Builds `plans.bin` from the metadata `rlibphonenumber` carries (issue 22): for each region
//! (and each non-geographic calling code), its calling code, international and national
//! prefixes, possible lengths and one digit DFA answering all of its patterns at once. The
//! layout is [`super::plans`]'s. Test-only: `plans_bin_is_the_librarys_metadata` regenerates
//! the bytes and compares, `BLESS=1` rewrites the file when the crate's metadata changes.

use super::plans::{
    BY_CODE, CALLING_CODES, DESCS, ENDS, GOES_ON, HAS_IDD, HAS_LEADING_DIGITS, HAS_NPP,
    HAS_TRANSFORM, HEADER, LEADING_DIGITS, MAGIC, OPTIONAL, REGION_LEN, WHOLE_OR, WIDE,
};
use prost::Message;
use regex_automata::{
    dfa::{dense, Automaton, StartKind},
    nfa::thompson,
    util::{primitives::StateID, syntax},
    Anchored, MatchKind,
};
use rlibphonenumber::{PhoneMetadata, PhoneMetadataCollection, PhoneNumberDesc, PHONE_NUMBER_UTIL};
use std::collections::HashMap;

/// The metadata `rlibphonenumber` compiles in: its `metadata.bin`, found through
/// `cargo metadata` (the crate keeps the bytes private), checked against what the library says.
fn library_metadata() -> Vec<PhoneMetadata> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let rustc = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc -vV");
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("rustc names its host");
    let metadata = |offline: bool| {
        let mut cmd = std::process::Command::new(&cargo);
        cmd.args([
            "metadata",
            "--format-version",
            "1",
            "--filter-platform",
            &host,
        ]);
        // Locked both ways: the lock file is the graph the tests built, and stays as it is.
        cmd.arg("--locked");
        if offline {
            cmd.arg("--offline");
        }
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo metadata")
    };
    // Cargo still wants every platform's packages on disk, filter or not: a machine that
    // has only built for its own fetches the others (the registry is reachable in CI).
    let mut out = metadata(true);
    let mut why = String::new();
    if !out.status.success() {
        why = format!("offline: {}", String::from_utf8_lossy(&out.stderr));
        out = metadata(false);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "cargo metadata failed: {why}then: {stderr}"
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let manifest = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "rlibphonenumber")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("rlibphonenumber in the dependency graph");
    let bin = std::path::Path::new(manifest).with_file_name("src/generated/metadata/metadata.bin");
    let bytes = std::fs::read(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let all = PhoneMetadataCollection::decode(bytes.as_slice())
        .expect("the library's metadata decodes")
        .metadata;
    let regions: std::collections::BTreeSet<String> = PHONE_NUMBER_UTIL
        .get_supported_regions()
        .map(|r| r.as_region_str().to_string())
        .collect();
    let read: std::collections::BTreeSet<String> = all
        .iter()
        .filter(|m| m.id != "001")
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(
        regions, read,
        "metadata.bin is not the metadata the library runs on"
    );
    all
}

/// The pattern inside the library's `^(?:…)$` wrapper; `None` when the field is absent (the
/// library's matcher then answers false).
fn inner(base: Option<&str>) -> Option<String> {
    let base = base?;
    assert!(
        base.starts_with("^(?:") && base.ends_with(")$") && base.len() >= 6,
        "a pattern not in the wrapper the matcher assumes: {base:?}"
    );
    Some(base[4..base.len() - 2].to_string())
}

/// `possible_length` as a mask for "is this length listed": an empty list allows any length
/// (the matcher skips the check), `[-1]` none.
fn listed(lengths: &[i32]) -> u32 {
    if lengths.is_empty() {
        return u32::MAX;
    }
    lengths.iter().filter(|&&l| l >= 0).fold(0, |m, &l| {
        assert!(l < 32, "a possible length of {l}");
        m | 1 << l
    })
}

/// `build_length_mask`'s mask (a `-1` clears what came before it).
fn length_mask(lengths: &[i32]) -> u32 {
    lengths.iter().fold(0, |m, &l| {
        if l == -1 {
            0
        } else {
            assert!((0..32).contains(&l), "a possible length of {l}");
            m | 1 << l
        }
    })
}

/// A national prefix with a transform rule, in a shape the tables answer exactly.
enum Shape {
    /// `(G)$|REST` (or `(G)$`): a whole number in `G` is rewritten to `literal` and itself;
    /// otherwise `REST` (no group) is the prefix.
    WholeOr {
        group: String,
        rest: Option<String>,
        literal: String,
    },
    /// `L?(?:(X)T)?` (Argentina): after an optional `L`, `X` then `T` is rewritten to
    /// `literal` and `X`'s digits; otherwise `L` alone is the prefix.
    Optional {
        lead: String,
        group: String,
        tail: String,
        literal: String,
    },
}

/// The shape of a national prefix with transform `rule`, or `None` (the library answers).
/// Only shapes whose one group is decided by a DFA.
fn transform_shape(npp: &str, rule: &str) -> Option<Shape> {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    // The rule: digits, then the first group.
    let literal = rule.strip_suffix("$1").filter(|l| digits(l))?.to_string();
    let no_group = |s: &str| !s.replace("(?:", "").contains('(');
    // The `)` closing the `(` at 0.
    let close = |s: &str| -> Option<usize> {
        let mut depth = 0;
        for (i, b) in s.bytes().enumerate() {
            match b {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    };
    if npp.starts_with('(') && !npp.starts_with("(?") {
        let end = close(npp)?;
        let group = &npp[1..end];
        let rest = match &npp[end + 1..] {
            "$" => None,
            after => Some(after.strip_prefix("$|")?.to_string()),
        };
        return (no_group(group) && rest.as_deref().is_none_or(no_group)).then(|| Shape::WholeOr {
            group: group.to_string(),
            rest,
            literal,
        });
    }
    let (lead, body) = npp.split_once("?(?:(")?;
    let body = body.strip_suffix(")?")?;
    let end = close(&format!("({body}"))? - 1;
    let (group, tail) = (&body[..end], &body[end + 1..]);
    let plain = |s: &str| !s.is_empty() && digits(s);
    (plain(lead) && plain(tail) && no_group(group)).then(|| Shape::Optional {
        lead: lead.to_string(),
        group: group.to_string(),
        tail: tail.to_string(),
        literal,
    })
}

/// One DFA over the digits for all of a region's patterns: a state's mask says which of them
/// match the whole input that ends there (bit `i` for `DESCS[i]`, `LEADING_DIGITS` when the
/// leading-digits pattern matches a prefix).
fn digit_dfa(patterns: &[(u16, String)]) -> Vec<([u16; 10], u16)> {
    let dfa = build(MatchKind::All, patterns.iter().map(|(_, p)| p.as_str()));
    project(&dfa, |s| {
        let eoi = dfa.next_eoi_state(s);
        if !dfa.is_match_state(eoi) {
            return 0;
        }
        (0..dfa.match_len(eoi))
            .map(|m| patterns[dfa.match_pattern(eoi, m).as_usize()].0)
            .fold(0, |a, b| a | b)
    })
}

/// A prefix pattern (international, national) as the library finds it at the start of a
/// number: leftmost-first, like its regex engine. A state's mask has `ENDS` when a match ends
/// there if the input ends there too, `GOES_ON` when one ends there and the input goes on (they
/// differ for a pattern with `$`); the match the library takes is the last one walked through.
fn prefix_dfa(pattern: &str) -> Vec<([u16; 10], u16)> {
    let dfa = build(MatchKind::LeftmostFirst, [pattern]);
    project(&dfa, |s| {
        // The delayed match the next digit reveals: the same whichever digit it is.
        let on = (b'0'..=b'9').map(|d| dfa.is_match_state(dfa.next_state(s, d)));
        let on: Vec<bool> = on.collect();
        assert!(
            on.iter().all(|&m| m == on[0]),
            "{pattern:?}: a match that depends on the next digit"
        );
        let ends = dfa.is_match_state(dfa.next_eoi_state(s));
        (u16::from(ends) * ENDS) | (u16::from(on[0]) * GOES_ON)
    })
}

fn build<'p>(kind: MatchKind, patterns: impl IntoIterator<Item = &'p str>) -> dense::DFA<Vec<u32>> {
    dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(kind)
                .start_kind(StartKind::Anchored),
        )
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .thompson(thompson::Config::new().utf8(false))
        .build_many(&patterns.into_iter().collect::<Vec<_>>())
        .expect("a libphonenumber pattern compiles")
}

/// The DFA's states reachable over the digits from the anchored start, each with its `mask`,
/// minimised: state 0 is dead, state 1 the start.
fn project(dfa: &dense::DFA<Vec<u32>>, mask: impl Fn(StateID) -> u16) -> Vec<([u16; 10], u16)> {
    let start = dfa
        .universal_start_state(Anchored::Yes)
        .expect("no look-behind in the patterns");
    // Over the digits only: anything else leads nowhere.
    let step = |s: StateID, d: usize| {
        let t = dfa.next_state(s, b'0' + d as u8);
        (!dfa.is_dead_state(t)).then_some(t)
    };
    minimise(breadth_first(start, step, mask))
}

/// The states reachable from `start`, numbered breadth first (0 is dead, `start` is 1), each
/// with its ten moves (`step`: `None` for dead) and its `mask`.
fn breadth_first<K: Copy + Eq + std::hash::Hash>(
    start: K,
    step: impl Fn(K, usize) -> Option<K>,
    mask: impl Fn(K) -> u16,
) -> Vec<([usize; 10], u16)> {
    let mut ids = HashMap::from([(start, 1usize)]);
    let mut order = vec![start];
    let mut states = vec![([0; 10], 0)];
    let mut i = 0;
    while i < order.len() {
        let s = order[i];
        let mut next = [0usize; 10];
        for (d, slot) in next.iter_mut().enumerate() {
            if let Some(t) = step(s, d) {
                *slot = *ids.entry(t).or_insert_with(|| {
                    order.push(t);
                    order.len()
                });
            }
        }
        states.push((next, mask(s)));
        i += 1;
    }
    states
}

/// Moore's partition refinement: states that answer alike for every continuation are one.
fn minimise(states: Vec<([usize; 10], u16)>) -> Vec<([u16; 10], u16)> {
    // First by mask: the dead state (0) with every state that matches nothing there.
    let mut class: Vec<usize> = states.iter().map(|&(_, mask)| usize::from(mask)).collect();
    class[0] = 0;
    let mut classes = usize::MAX;
    loop {
        // Class 0 stays the dead state's: a state of mask 0 whose moves all lead to it is dead.
        let mut seen: HashMap<(usize, [usize; 10]), usize> = HashMap::from([((0, [0; 10]), 0)]);
        class = states
            .iter()
            .enumerate()
            .map(|(s, (next, _))| {
                let n = seen.len();
                *seen.entry((class[s], next.map(|t| class[t]))).or_insert(n)
            })
            .collect();
        if seen.len() == classes {
            break;
        }
        classes = seen.len();
    }
    // Renumbered breadth first over the classes, so the output is canonical; the start is 1
    // even when it matches nothing (every move then leads to 0).
    let mut first: HashMap<usize, usize> = HashMap::new();
    for (s, c) in class.iter().enumerate() {
        first.entry(*c).or_insert(s);
    }
    let step = |c: usize, d: usize| Some(class[states[first[&c]].0[d]]).filter(|&t| t != 0);
    breadth_first(class[1], step, |c| states[first[&c]].1)
        .into_iter()
        .map(|(next, mask)| {
            let next = next.map(|t| u16::try_from(t).expect("a DFA fits 16 bits"));
            (next, mask)
        })
        .collect()
}

/// The whole file.
// The descriptions are deprecated on the wrapper the library builds; here they are the data.
#[allow(deprecated)]
pub(super) fn plans_bin() -> Vec<u8> {
    let util = &*PHONE_NUMBER_UTIL;
    let mut all = library_metadata();
    // Every region by its code, then each non-geographic calling code (the library's "001").
    all.sort_by_key(|m| (m.id == "001", m.id.clone(), m.country_code));
    let key = |m: &PhoneMetadata| {
        if m.id == "001" {
            ("00".to_string(), m.country_code.unwrap_or(0))
        } else {
            (m.id.clone(), 0)
        }
    };

    let mut regions = Vec::new();
    let mut states = Vec::new();
    let mut index: HashMap<(String, i32), u16> = HashMap::new();
    let none = PhoneNumberDesc::default();
    for (i, m) in all.iter().enumerate() {
        let (code, _) = key(m);
        index.insert(key(m), i as u16);
        // An absent description: no pattern, any length (the library's default).
        let desc = |d: &'_ Option<PhoneNumberDesc>| d.clone().unwrap_or_else(|| none.clone());
        let descs = [
            &m.general_desc,
            &m.premium_rate,
            &m.toll_free,
            &m.shared_cost,
            &m.voip,
            &m.personal_number,
            &m.pager,
            &m.uan,
            &m.voicemail,
            &m.fixed_line,
            &m.mobile,
        ]
        .map(desc);
        let descs = descs.each_ref();
        assert_eq!(descs.len(), DESCS);
        let mut patterns = Vec::new();
        for (bit, d) in descs.iter().enumerate() {
            if let Some(p) = inner(d.national_number_pattern.as_deref()) {
                patterns.push((1u16 << bit, format!("(?:{p})$")));
            }
        }
        let leading = inner(m.leading_digits.as_deref());
        if let Some(p) = &leading {
            patterns.push((LEADING_DIGITS, format!("(?:{p})[0-9]*$")));
        }
        let mut rec = vec![0u8; REGION_LEN];
        rec[0..2].copy_from_slice(code.as_bytes());
        let cc = u16::try_from(m.country_code.expect("a calling code")).expect("a calling code");
        rec[2..4].copy_from_slice(&cc.to_le_bytes());
        let mut flags = 0;
        // Each DFA at a byte offset into the states; its moves one byte each when it has at
        // most 256 states (all but a few), else two (the offset's top bit).
        let dfa =
            |rec: &mut Vec<u8>, at: usize, states: &mut Vec<u8>, table: Vec<([u16; 10], u16)>| {
                let wide = table.len() > 256;
                let offset = u32::try_from(states.len()).expect("states fit 31 bits");
                assert!(offset < WIDE);
                let word = offset | if wide { WIDE } else { 0 };
                rec[at..at + 4].copy_from_slice(&word.to_le_bytes());
                for (next, mask) in table {
                    for t in next {
                        match wide {
                            true => states.extend_from_slice(&t.to_le_bytes()),
                            false => states.push(u8::try_from(t).expect("a narrow DFA")),
                        }
                    }
                    states.extend_from_slice(&mask.to_le_bytes());
                }
            };
        dfa(&mut rec, 8, &mut states, digit_dfa(&patterns));
        if let Some(p) = inner(m.international_prefix.as_deref()) {
            flags |= HAS_IDD;
            dfa(&mut rec, 12, &mut states, prefix_dfa(&p));
        }
        if let Some(p) = inner(m.national_prefix_for_parsing.as_deref()) {
            flags |= HAS_NPP;
            dfa(&mut rec, 16, &mut states, prefix_dfa(&p));
        }
        if let Some(rule) = m
            .national_prefix_transform_rule
            .as_deref()
            .filter(|r| !r.is_empty())
        {
            flags |= HAS_TRANSFORM;
            let npp = inner(m.national_prefix_for_parsing.as_deref()).unwrap_or_default();
            if let Some(shape) = transform_shape(&npp, rule) {
                let (kind, first, rest, lead, tail, literal) = match shape {
                    Shape::WholeOr {
                        group,
                        rest,
                        literal,
                    } => (
                        WHOLE_OR,
                        digit_dfa(&[(1, format!("(?:{group})$"))]),
                        rest,
                        String::new(),
                        String::new(),
                        literal,
                    ),
                    Shape::Optional {
                        lead,
                        group,
                        tail,
                        literal,
                    } => (
                        OPTIONAL,
                        prefix_dfa(&format!("(?:{group}){tail}")),
                        None,
                        lead,
                        tail,
                        literal,
                    ),
                };
                rec[72] = kind;
                dfa(&mut rec, 92, &mut states, first);
                if let Some(r) = rest {
                    rec[73] = 1;
                    dfa(&mut rec, 96, &mut states, prefix_dfa(&r));
                }
                for (at, text, room) in [(74, &literal, 7), (82, &lead, 4), (87, &tail, 4)] {
                    assert!(text.len() <= room, "{text:?} longer than its slot");
                    rec[at] = text.len() as u8;
                    rec[at + 1..at + 1 + text.len()].copy_from_slice(text.as_bytes());
                }
            }
        }
        if leading.is_some() {
            flags |= HAS_LEADING_DIGITS;
        }
        rec[4] = flags;
        let general = descs[0];
        rec[20..24].copy_from_slice(&length_mask(&general.possible_length).to_le_bytes());
        rec[24..28]
            .copy_from_slice(&length_mask(&general.possible_length_local_only).to_le_bytes());
        for (k, d) in descs.iter().enumerate() {
            let at = 28 + 4 * k;
            rec[at..at + 4].copy_from_slice(&listed(&d.possible_length).to_le_bytes());
        }
        regions.push(rec);
    }

    let mut by_code = vec![u16::MAX; BY_CODE];
    for (i, m) in all.iter().enumerate() {
        if m.id != "001" {
            let b = m.id.as_bytes();
            by_code[usize::from(b[0] - b'A') * 26 + usize::from(b[1] - b'A')] = i as u16;
        }
    }
    // Each calling code's regions, in the library's order (its main region first).
    let mut first = vec![0u16; CALLING_CODES];
    let mut count = vec![0u8; CALLING_CODES];
    let mut list: Vec<u16> = Vec::new();
    for cc in util.get_supported_calling_codes() {
        let cc_ix = usize::try_from(cc).expect("a calling code");
        first[cc_ix] = list.len() as u16;
        for r in util
            .get_regions_for_country_calling_code(cc)
            .expect("a supported code has regions")
        {
            let key = if r.as_region_str().to_string() == "001" {
                ("00".to_string(), cc)
            } else {
                (r.as_region_str().to_string(), 0)
            };
            list.push(index[&key]);
            count[cc_ix] += 1;
        }
    }

    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(regions.len() as u16).to_le_bytes());
    out.extend_from_slice(&(list.len() as u16).to_le_bytes());
    out.extend_from_slice(&(states.len() as u32).to_le_bytes());
    assert_eq!(out.len(), HEADER);
    for v in by_code.iter().chain(&first) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&count);
    for v in &list {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for r in &regions {
        out.extend_from_slice(r);
    }
    out.extend_from_slice(&states);
    out
}

#[test]
fn plans_bin_is_the_librarys_metadata() {
    let fresh = plans_bin();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/phone/plans.bin");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(path, &fresh).expect("write plans.bin");
        return; // the tables compiled into this run are the old ones
    }
    assert!(
        fresh == super::plans::BYTES,
        "plans.bin is not what the library's metadata gives ({} bytes, fresh {}); rerun with BLESS=1",
        super::plans::BYTES.len(),
        fresh.len()
    );
}
