//! The bindings in Node (wasm-bindgen-test): conversions of the samples equal the CLI's output
//! byte for byte (the golden files the CLI's own tests check), whole or streamed in chunks.
#![cfg(target_arch = "wasm32")]

use contactport_wasm::{convert, validate, Converter, PieceConverter, Planner};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const CASES: [(&[u8], &str, &[u8], &[u8]); 4] = [
    (
        include_bytes!("../../samples/covage-export.json"),
        "csv",
        include_bytes!("../../tests/golden/covage-export.csv"),
        b"",
    ),
    (
        include_bytes!("../../samples/contacts.csv"),
        "kojo",
        include_bytes!("../../tests/golden/contacts.kojo.json"),
        include_bytes!("../../tests/golden/contacts.kojo.json.rejects.csv"),
    ),
    (
        include_bytes!("../../samples/kojo-export.json"),
        "covage",
        include_bytes!("../../tests/golden/kojo-export.covage.json"),
        include_bytes!("../../tests/golden/kojo-export.covage.json.rejects.csv"),
    ),
    (
        include_bytes!("../../samples/bad-records.csv"),
        "csv",
        include_bytes!("../../tests/golden/bad-records.out.csv"),
        include_bytes!("../../tests/golden/bad-records.out.csv.rejects.csv"),
    ),
];

fn opts(to: &str) -> JsValue {
    let o = js_sys::Object::new();
    Reflect::set(&o, &"to".into(), &to.into()).unwrap();
    Reflect::set(&o, &"preview".into(), &20.into()).unwrap();
    o.into()
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap_or_else(|_| panic!("no {k:?} in {v:?}"))
}

fn bytes(v: &JsValue, k: &str) -> Vec<u8> {
    Uint8Array::new(&get(v, k)).to_vec()
}

#[wasm_bindgen_test]
fn samples_convert_like_the_cli() {
    for (input, to, want, want_rejects) in CASES {
        let done = convert(Uint8Array::from(input).into(), opts(to)).unwrap();
        assert_eq!(
            String::from_utf8(bytes(&done, "output")).unwrap(),
            String::from_utf8(want.to_vec()).unwrap(),
            "{to}"
        );
        assert_eq!(bytes(&done, "rejects"), want_rejects, "{to} rejects");
    }
}

#[wasm_bindgen_test]
fn streaming_in_chunks_gives_the_same_bytes() {
    for (input, to, want, want_rejects) in CASES {
        for size in [1usize, 7, 4096] {
            let mut c = Converter::new(opts(to)).unwrap();
            let mut out = vec![];
            for chunk in input.chunks(size) {
                out.extend(c.push(chunk).unwrap().to_vec());
            }
            let done = c.finish().unwrap();
            out.extend(bytes(&done, "output"));
            assert_eq!(out, want, "{to} in chunks of {size}");
            assert_eq!(bytes(&done, "rejects"), want_rejects);
        }
    }
}

#[wasm_bindgen_test]
fn report_and_preview_have_the_cli_shape() {
    let done = convert(Uint8Array::from(CASES[3].0).into(), opts("csv")).unwrap();
    let report = get(&done, "report");
    assert_eq!(get(&report, "read").as_f64(), Some(8.0));
    // A file keeps bad phones and emails as written, with warnings (as the CLI does).
    assert_eq!(get(&report, "rejected").as_f64(), Some(2.0));
    let first = Reflect::get_u32(&get(&report, "rejects"), 0).unwrap();
    assert_eq!(get(&first, "field").as_string().as_deref(), Some("record"));
    assert_eq!(get(&first, "line").as_f64(), Some(5.0));
    let warning = Reflect::get_u32(&get(&report, "warnings"), 0).unwrap();
    assert_eq!(get(&warning, "field").as_string().as_deref(), Some("email"));
    assert_eq!(get(&warning, "line").as_f64(), Some(3.0));
    // Issue 20: the nickname column is a field of the record now, not dropped.
    assert_eq!(
        get(&get(&report, "dropped_fields"), "nickname").as_f64(),
        None,
        "the nickname is kept"
    );
    let preview = get(&done, "preview");
    assert_eq!(get(&preview, "length").as_f64(), Some(6.0));
    assert_eq!(
        get(&done, "inputFormat").as_string().as_deref(),
        Some("csv")
    );
}

/// Issue 22: the pieces hand over only the first 1,000 entries of each kind of the whole file
/// (the page keeps no more: `Planner.room()`) and count the rest; its bytes stay in JavaScript, the planner says
/// what goes around them. Joined as the page's worker joins them, the output, the rejects and
/// the report are the one converter's: a flat file (warnings) and Covage (a JSON array, rejects).
#[wasm_bindgen_test]
fn pieces_join_in_place_into_the_one_converters_bytes_and_entries() {
    let mut csv = String::from("first_name,last_name,email,phone\n");
    for i in 0..6000 {
        let phone = if i % 2 == 0 {
            format!("pager {i}")
        } else {
            "01 42 84 54 03".into()
        };
        csv.push_str(&format!("Jean{i},Dupont,j{i}@exemple.fr,{phone}\n"));
    }
    let input = csv.as_bytes();
    for to in ["ndjson", "covage"] {
        let (one_out, one_rejects, one) = {
            let mut c = Converter::new(opts(to)).unwrap();
            let mut out = c.push(input).unwrap().to_vec();
            let mut rejects = c.take_rejects().to_vec();
            let done = c.finish().unwrap();
            out.extend(bytes(&done, "output"));
            rejects.extend(bytes(&done, "rejects"));
            (out, rejects, done)
        };
        let sample = &input[..input.len().min(Planner::sample_bytes())];
        let mut planner = Planner::create(sample, opts(to))
            .unwrap()
            .expect("a CSV of this size is planned");
        let mut pieces = PieceConverter::new(planner.reader().unwrap(), opts(to)).unwrap();
        let mut chunks: Vec<JsValue> = planner.push(&input[sample.len()..]).unwrap().to_vec();
        chunks.extend(planner.finish().unwrap().to_vec());
        assert!(chunks.len() > 1, "cut into several pieces");
        let (mut out, mut rejects, mut handed) = (vec![], vec![], [0.0f64; 2]);
        for chunk in chunks {
            // As the page does: the room when the piece is sent, here after every merge.
            let r = pieces
                .convert(
                    &bytes(&chunk, "bytes"),
                    get(&chunk, "piece"),
                    planner.room().unwrap(),
                )
                .unwrap();
            for (kind, n) in ["rejects", "warnings"].into_iter().zip(&mut handed) {
                let entries = get(&get(&r, "report"), kind);
                if !entries.is_undefined() {
                    *n += get(&entries, "length").as_f64().unwrap();
                }
            }
            let (piece_out, piece_rejects) = (bytes(&r, "output"), bytes(&r, "rejects"));
            let m = planner
                .merge(
                    &Uint8Array::from(&piece_out[..]),
                    piece_rejects.len(),
                    get(&r, "report"),
                    get(&r, "entriesOmitted").as_f64(),
                )
                .unwrap();
            // As the page's worker writes them: the head, then the piece's bytes as they are.
            out.extend(bytes(&m, "outputHead"));
            let skip = get(&m, "outputSkip").as_f64().unwrap() as usize;
            out.extend(&piece_out[skip.min(piece_out.len())..]);
            rejects.extend(bytes(&m, "rejectsHead"));
            rejects.extend(piece_rejects);
        }
        let joined = planner.done().unwrap();
        out.extend(bytes(&joined, "output"));
        assert_eq!(
            handed[0].max(handed[1]),
            1000.0,
            "{to}: the pieces hand over no more entries than the page keeps, {handed:?}"
        );
        assert!(
            out == one_out,
            "{to}: the joined output is the one converter's"
        );
        assert!(
            rejects == one_rejects,
            "{to}: the joined rejects are the one converter's"
        );
        assert_eq!(
            get(&joined, "entriesOmitted").as_f64(),
            Some(2000.0),
            "{to}: 3,000 entries, 1,000 kept"
        );
        assert_eq!(
            get(&joined, "entriesOmitted").as_f64(),
            get(&one, "entriesOmitted").as_f64()
        );
        let json = |done: &JsValue| {
            js_sys::JSON::stringify(&get(done, "report"))
                .unwrap()
                .as_string()
                .unwrap()
        };
        assert_eq!(
            json(&joined),
            json(&one),
            "{to}: the same report, the same first entries"
        );
    }
}

#[wasm_bindgen_test]
fn validate_returns_the_report() {
    let o = js_sys::Object::new();
    Reflect::set(&o, &"for".into(), &"covage".into()).unwrap();
    let report = validate(Uint8Array::from(CASES[1].0).into(), o.clone().into()).unwrap();
    assert_eq!(
        get(&report, "rejected").as_f64(),
        Some(1.0),
        "the one-word name"
    );
    // The rule across records: the page's check for a provider rejects what an import would.
    let two = "first_name,last_name,email\nAnn,Lee,ann@x.fr\nAnn,Lee,ANN@X.fr\n";
    let report = validate(two.into(), o.into()).unwrap();
    assert_eq!(get(&report, "rejected").as_f64(), Some(1.0));
    let reject = Reflect::get(&get(&report, "rejects"), &0.into()).unwrap();
    assert_eq!(
        get(&reject, "reason").as_string().as_deref(),
        Some("same email as record 1: one contact per email")
    );
}

#[wasm_bindgen_test]
fn errors_are_js_errors_with_the_cli_message() {
    let e = convert("[{\"email\": ".into(), opts("csv")).unwrap_err();
    let e: js_sys::Error = e.into();
    assert_eq!(
        String::from(e.message()),
        "line 1 (record 1): the record starting here is cut off (unexpected end of input)"
    );
    let e: js_sys::Error = convert("x".into(), opts("xml")).unwrap_err().into();
    assert!(String::from(e.message()).starts_with("unknown format \"xml\""));
}
