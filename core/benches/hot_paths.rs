//! Microbenchmarks of the hot paths: phone normalisation (fast path and libphonenumber), email
//! check, record mapping, the CSV and JSON readers. `cargo bench -p contactport-core`.

use contactport_core::convert::{convert, Options};
use contactport_core::normalize::InvalidPhone;
use contactport_core::phone::{self, Region};
use contactport_core::{email, normalize, Contact, Format};
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

/// The per-number cost of libphonenumber's path, by region and shape (issue 13): each number is
/// normalised without the memo of recent answers, as a number seen for the first time.
fn phones_by_region(c: &mut Criterion) {
    let mut g = c.benchmark_group("phone by region");
    g.warm_up_time(std::time::Duration::from_millis(300));
    g.measurement_time(std::time::Duration::from_secs(1));
    // (region, E.164, international, national): libphonenumber's example numbers.
    let numbers = [
        ("IT", "+390212345678", "+39 02 1234 5678", "02 1234 5678"),
        ("DE", "+4930123456", "+49 30 123456", "030 123456"),
        ("GB", "+441212345678", "+44 121 234 5678", "0121 234 5678"),
        ("US", "+12015550123", "+1 201-555-0123", "(201) 555-0123"),
        ("BR", "+551123456789", "+55 11 2345-6789", "(11) 2345-6789"),
        ("CN", "+861012345678", "+86 10 1234 5678", "010 1234 5678"),
        ("IN", "+917410410123", "+91 74104 10123", "074104 10123"),
        ("JP", "+81312345678", "+81 3-1234-5678", "03-1234-5678"),
        (
            "RU",
            "+73011234567",
            "+7 301 123-45-67",
            "8 (301) 123-45-67",
        ),
        ("NG", "+2342033123456", "+234 2033 12 3456", "02033 12 3456"),
        ("AR", "+541123456789", "+54 11 2345-6789", "011 2345-6789"),
        ("ZW", "+2631312345", "+263 13 12345", "013 12345"),
        ("AU", "+61212345678", "+61 2 1234 5678", "(02) 1234 5678"),
    ];
    for (region, e164, intl, national) in numbers {
        let own: Region = region.parse().expect("region");
        for (shape, raw, reader) in [
            ("E.164", e164, Region::FR),
            ("international", intl, Region::FR),
            ("national", national, own),
            ("national read as French", national, Region::FR),
        ] {
            g.bench_function(format!("{region} {shape}"), |b| {
                b.iter(|| phone::normalize_unremembered(black_box(raw), reader))
            });
        }
    }
    for (what, raw) in [
        ("unassigned range", "+39 99 1234 5678"),
        ("extension", "+44 121 234 5678 ext. 12"),
        ("words", "ask reception"),
        ("too long", "+33 1 42 84 54 03 12 34"),
    ] {
        g.bench_function(what, |b| {
            b.iter(|| phone::normalize_unremembered(black_box(raw), Region::FR))
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
                    contactport_core::covage::to_covage(&r),
                    contactport_core::kojo::to_kojo(&r, Default::default()),
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

criterion_group!(benches, phones, phones_by_region, emails, record, readers);
criterion_main!(benches);
