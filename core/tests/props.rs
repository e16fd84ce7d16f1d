//! Properties over generated input: round trips are identities and no bytes make a reader panic.

use contactport_core::convert::{convert, Options};
use contactport_core::format::csv_read::CsvSplitter;
use contactport_core::format::layout::{self, ReadPlan};
use contactport_core::format::write::CsvOut;
use contactport_core::{Contact, Converter, CovageContact, Field, Format, Report};
use proptest::prelude::*;

fn any_contact() -> impl Strategy<Value = Contact> {
    // Any Unicode, with the characters CSV must quote over-represented.
    let s = || prop_oneof![".*", "[\",\n\r ;|\t]{0,4}", "[a-zé\" ,\n]{0,12}"];
    // A value for every field (the address parts, birthday, notes… included).
    proptest::collection::vec(s(), Field::ALL.len()).prop_map(|v| {
        let mut c = Contact::default();
        for (f, val) in Field::ALL.into_iter().zip(v) {
            *c.get_mut(f) = val;
        }
        c
    })
}

/// Canonical CSV text for `contacts`, written by the crate's writer.
fn write_csv(contacts: &[Contact]) -> Vec<u8> {
    let mut out = vec![];
    let mut w = CsvOut::default();
    w.row(&layout::header(Format::Csv), &mut out);
    for c in contacts {
        let mut row = vec![];
        layout::row(Format::Csv, c, &mut row);
        w.row(&row, &mut out);
    }
    out
}

/// Reads canonical CSV back, feeding it in `chunk`-byte pieces.
fn read_csv(text: &[u8], chunk: usize) -> Vec<Contact> {
    let mut split = CsvSplitter::new(b',');
    let mut plan: Option<ReadPlan> = None;
    let mut got = vec![];
    let mut on = |rec: &[u8], ends: &[usize], _line: u64| {
        let mut start = 0;
        let fields: Vec<&str> = ends
            .iter()
            .map(|&e| {
                let f = std::str::from_utf8(&rec[start..e]).unwrap();
                start = e;
                f
            })
            .collect();
        match &plan {
            None => plan = Some(ReadPlan::new(&fields, Some(Format::Csv))),
            Some(p) => {
                let mut c = Contact::default();
                p.fill(&fields, &mut c, &mut Report::default());
                got.push(c);
            }
        }
        Ok(())
    };
    for piece in text.chunks(chunk) {
        split.feed(piece, false, &mut on).unwrap();
    }
    split.feed(&[], true, &mut on).unwrap();
    got
}

fn valid_covage() -> impl Strategy<Value = CovageContact> {
    let name = "[A-ZÉ][a-zéèçëï]{1,10}(-[A-Z][a-z]{1,8})?";
    // Allocated ranges only: Paris, Strasbourg, Lyon, Bordeaux, Rennes; 06 and 07 mobiles.
    let fixed = "(014[0-9]|0388|0478|0556|0299)[0-9]{6}";
    let mobile = prop_oneof!["06[124-8][0-9]{7}", "07[5-8][0-9]{7}", Just(String::new())];
    (
        "[a-z0-9]{8}",
        name,
        name,
        prop_oneof![fixed.prop_map(String::from), Just(String::new())],
        mobile,
        "[a-z]{1,10}\\.[a-z]{1,10}@[a-z]{2,10}\\.fr",
    )
        .prop_map(|(u, f, l, p, m, e)| CovageContact {
            contact_uuid: Some(u),
            first_name: f,
            last_name: l,
            phone_number: p,
            cell_phone_number: m,
            email: e,
        })
}

fn run(input: &[u8], opts: Options) -> (Vec<u8>, Report) {
    let mut out = vec![];
    let report = convert(input, &mut out, std::io::sink(), opts).expect("conversion");
    (out, report)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn canonical_csv_round_trip_is_identity(contacts in proptest::collection::vec(any_contact(), 0..6), chunk in 1usize..64) {
        let text = write_csv(&contacts);
        prop_assert_eq!(read_csv(&text, chunk), contacts);
    }

    #[test]
    fn covage_canonical_covage_is_identity(records in proptest::collection::vec(valid_covage(), 1..8)) {
        let json = serde_json::to_vec(&records).unwrap();
        let (csv, report) = run(&json, Options { to: Some(Format::Csv), ..Options::default() });
        prop_assert_eq!(report.rejected, 0, "{:?}", report.rejects);
        let (back, report) = run(&csv, Options { to: Some(Format::Covage), ..Options::default() });
        prop_assert_eq!(report.rejected, 0);
        prop_assert!(report.dropped_fields.is_empty(), "{:?}", report.dropped_fields);
        let back: Vec<CovageContact> = serde_json::from_slice(&back).unwrap();
        prop_assert_eq!(back, records);
    }

    #[test]
    fn no_reader_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600), from in 0usize..8, chunk in 1usize..50) {
        let from = Format::ALL.get(from).copied();
        let mut conv = Converter::new(Options { from, to: Some(Format::Json), ..Options::default() });
        let (mut out, mut rej) = (vec![], vec![]);
        let mut ok = true;
        for piece in bytes.chunks(chunk) {
            if conv.push(piece, &mut out, &mut rej).is_err() { ok = false; break; }
        }
        if ok { let _ = conv.finish(&mut out, &mut rej); }
    }

    #[test]
    fn json_shaped_garbage_never_panics(s in "[\\[\\]{}\",:a-z0-9 \n\\\\]{0,200}") {
        for from in [None, Some(Format::Covage), Some(Format::Kojo), Some(Format::Ndjson)] {
            let _ = convert(s.as_bytes(), std::io::sink(), std::io::sink(), Options { from, ..Options::default() });
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn output_does_not_depend_on_chunking(chunk in 1usize..300) {
        let input = include_bytes!("../../samples/contacts.csv");
        let (whole, _) = run(input, Options { to: Some(Format::Kojo), ..Options::default() });
        let mut conv = Converter::new(Options { to: Some(Format::Kojo), ..Options::default() });
        let (mut out, mut rej) = (vec![], vec![]);
        for piece in input.chunks(chunk) { conv.push(piece, &mut out, &mut rej).unwrap(); }
        conv.finish(&mut out, &mut rej).unwrap();
        prop_assert_eq!(out, whole);
    }
}
