//! Microbenchmarks of the hot paths: phone normalisation (fast path and libphonenumber), email
//! check, record mapping, the CSV and JSON readers. `cargo bench -p contactport-core`.

use contactport_core::convert::{convert, Options};
use contactport_core::normalize::InvalidPhone;
use contactport_core::phone::{self, Region};
use contactport_core::{email, mapping, normalize, Contact, Format};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;

fn phones(c: &mut Criterion) {
    let mut g = c.benchmark_group("phone");
    for raw in [
        "01 42 84 54 03",
        "+33 6 99 43 78 92",
        "0033142845403",
        "+1 514 555 0142",
        "06 12",
    ] {
        g.bench_function(raw, |b| {
            b.iter(|| phone::normalize(black_box(raw), Region::FR))
        });
    }
    g.finish();
}

fn emails(c: &mut Criterion) {
    c.bench_function("email normalize+check", |b| {
        b.iter(|| email::is_valid(&email::normalize(black_box(" Jean.Dupont@Colibrix.FR "))))
    });
}

fn record(c: &mut Criterion) {
    let raw = Contact {
        first_name: "Élodie".into(),
        last_name: "Martin-Durand".into(),
        email: "elodie@exemple.fr".into(),
        phone: "01 45 22 87 10".into(),
        mobile: "06 12 45 78 90".into(),
        ..Default::default()
    };
    c.bench_function("normalize + to_covage + to_kojo", |b| {
        b.iter_batched(
            || raw.clone(),
            |mut r| {
                let (mut p, mut w) = (vec![], vec![]);
                normalize(
                    &mut r,
                    Region::FR,
                    InvalidPhone::Reject,
                    false,
                    &mut p,
                    &mut w,
                );
                (
                    mapping::to_covage(&r),
                    mapping::to_kojo(&r, Default::default()),
                )
            },
            BatchSize::SmallInput,
        )
    });
}

fn readers(c: &mut Criterion) {
    let mut csv = String::from("first_name,last_name,email,phone,mobile\n");
    let mut json = String::from("[");
    for i in 0..2000 {
        csv.push_str(&format!(
            "Jean{i},\"Du, \"\"pont\"\"\",j{i}@exemple.fr,01 42 84 54 03,06 99 43 78 92\n"
        ));
        json.push_str(&format!(
            "{}{{\"contact_uuid\":\"u{i}\",\"first_name\":\"Jean\",\"last_name\":\"Dupont\",\"phone_number\":\"0142845403\",\"cell_phone_number\":\"0699437892\",\"email\":\"j{i}@exemple.fr\"}}",
            if i > 0 { "," } else { "" }
        ));
    }
    json.push(']');
    let mut g = c.benchmark_group("convert 2000 records");
    g.throughput(Throughput::Elements(2000));
    g.bench_function("csv -> ndjson", |b| {
        b.iter(|| {
            convert(
                csv.as_bytes(),
                std::io::sink(),
                std::io::sink(),
                Options {
                    to: Some(Format::Ndjson),
                    ..Options::default()
                },
            )
            .unwrap()
        })
    });
    g.bench_function("covage json -> csv", |b| {
        b.iter(|| {
            convert(
                json.as_bytes(),
                std::io::sink(),
                std::io::sink(),
                Options {
                    to: Some(Format::Csv),
                    ..Options::default()
                },
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, phones, emails, record, readers);
criterion_main!(benches);
