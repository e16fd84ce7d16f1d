//! Converting UTF-8 CSV and JSON on every core, as core's [`plan`](contactport_core::plan) lays it out: a producer
//! thread reads the input and cuts it into chunks at record boundaries ([`Cutter`]), worker
//! threads convert each chunk apart ([`Piece::convert`]), and the results are joined in input
//! order ([`Merger`]) and written. The bytes written are exactly the one-thread path's (tested),
//! and memory stays bounded by the chunks in flight.
//!
//! Anything else (UTF-16, Windows-1252, old-Mac `\r` line ends, small inputs, one core) goes
//! through the one-thread path, [`crate::cmd::pump`].

use crate::entries::Entries;
use crate::files::Input;
use anyhow::Context;
use contactport_core::plan::{Chunk, Cutter, Merger, Plan, CHUNK, SAMPLE};
use contactport_core::{Error, Options, Report};
use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::mpsc;

/// Byte buffers handed round instead of freed and allocated again: a fresh buffer of this size
/// costs a page fault every 4 KiB. At most a few are kept, so memory stays bounded.
#[derive(Default)]
struct Pool(std::sync::Mutex<Vec<Vec<u8>>>);

impl Pool {
    fn get(&self, capacity: usize) -> Vec<u8> {
        let mut v = self.take().unwrap_or_default();
        v.clear();
        v.reserve(capacity);
        v
    }

    fn take(&self) -> Option<Vec<u8>> {
        self.0.lock().expect("pool").pop()
    }

    fn put(&self, v: Vec<u8>) {
        let mut pool = self.0.lock().expect("pool");
        if pool.len() < 4 {
            pool.push(v);
        }
    }
}

/// Converts `input`, in parallel when it can; otherwise (returning the input untouched, its
/// first bytes put back) leaves it to the caller.
pub fn convert(
    mut input: Input,
    opts: &Options,
    mut out: &mut dyn Write,
    rejects: &mut dyn Write,
    entries: &mut Entries,
    bar: &ProgressBar,
) -> anyhow::Result<Result<Report, Input>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut sample = Vec::with_capacity(SAMPLE);
    (&mut input.reader)
        .take(SAMPLE as u64)
        .read_to_end(&mut sample)
        .with_context(|| format!("cannot read {}", input.name))?;
    let plan = if threads < 2 {
        None
    } else {
        Plan::new(&sample, opts)
    };
    let Some(plan) = plan else {
        let rest = std::mem::replace(&mut input.reader, Box::new(std::io::empty()));
        input.reader = Box::new(std::io::Cursor::new(sample).chain(rest));
        return Ok(Err(input));
    };
    let reader = plan.reader();

    type Done = (u64, Result<(Vec<u8>, Vec<u8>, Report), Error>);
    let workers = threads.min(8);
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(workers);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    // Chunks in flight (queued, converting, converted but not yet written) are bounded by
    // tokens the writer hands back: memory stays flat even when writing is the slow part.
    let in_flight = workers * 2 + 2;
    let (token_tx, token_rx) = mpsc::sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        token_tx.send(()).expect("room for every token");
    }

    let pool = Pool::default();
    let pool = &pool;
    // Set by the writer at the first failure: the producer stops cutting chunks. Every chunk
    // before the failed one was already sent (chunks go out in order), so the first failure in
    // input order is still the one reported.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let stop = &stop;
    std::thread::scope(|scope| -> anyhow::Result<Result<Report, Input>> {
        // Workers: one converter per chunk.
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || loop {
                let job = work_rx.lock().expect("lock").recv();
                let Ok(Chunk { piece, bytes }) = job else {
                    return;
                };
                let (mut o, mut r) = (pool.get(bytes.len() * 2), Vec::new());
                let res = piece
                    .convert(&bytes, reader, opts, &mut o, &mut r)
                    .map(|rep| (o, r, rep));
                pool.put(bytes);
                if done_tx.send((piece.seq, res)).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);

        // Producer: reads, cuts at record boundaries, sends chunks in order.
        let name = input.name.clone();
        let plan = &plan;
        let sample = &sample;
        let producer = scope.spawn(move || -> anyhow::Result<u64> {
            // Sends a chunk once a token is free; false when the run stops.
            let mut send = |chunk: Chunk| {
                !(stop.load(std::sync::atomic::Ordering::Relaxed)
                    || token_rx.recv().is_err()
                    || stop.load(std::sync::atomic::Ordering::Relaxed)
                    || work_tx.send(chunk).is_err())
            };
            let mut cutter = Cutter::new(plan, sample, opts.max_record_bytes);
            let mut buf = Vec::with_capacity(CHUNK);
            loop {
                buf.clear();
                let n = (&mut input.reader)
                    .take(CHUNK as u64)
                    .read_to_end(&mut buf)
                    .with_context(|| format!("cannot read {name}"))?;
                bar.inc(n as u64);
                if n == 0 {
                    cutter.finish(&mut send);
                    break;
                }
                if let Some(v) = pool.take() {
                    cutter.recycle(v);
                }
                if !cutter.push(&buf, &mut send) {
                    break;
                }
            }
            drop(work_tx);
            Ok(cutter.chunks())
        });

        // Here: results put back in order, joined and written.
        let mut merger = Merger::new(opts);
        let mut pending: BTreeMap<u64, (Vec<u8>, Vec<u8>, Report)> = BTreeMap::new();
        // The first failure in input order is the one the one-thread path would meet.
        let mut failure: Option<(u64, Error)> = None;
        for (seq, res) in done_rx.iter() {
            match res {
                // Past a failure nothing is written: the chunk's token goes straight back.
                Ok(_) if failure.as_ref().is_some_and(|(s, _)| seq > *s) => {
                    let _ = token_tx.try_send(());
                    continue;
                }
                Ok(r) => {
                    pending.insert(seq, r);
                }
                Err(e) => {
                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                    // Its token goes back so a producer waiting for one sees the stop.
                    let _ = token_tx.try_send(());
                    if failure.as_ref().is_none_or(|(s, _)| seq < *s) {
                        // Chunks after it that were waiting to be written are dropped.
                        pending.retain(|&k, _| {
                            if k > seq {
                                let _ = token_tx.try_send(());
                            }
                            k < seq
                        });
                        failure = Some((seq, e));
                    }
                    continue;
                }
            }
            while let Some((o, r, mut rep)) = pending.remove(&merger.merged()) {
                merger.push(&o, &r, &rep, &mut out, &mut &mut *rejects)?;
                pool.put(o);
                let _ = token_tx.send(());
                entries.take_from(&mut rep)?;
                let total = merger.report();
                bar.set_message(format!(
                    "{} records, {} rejected",
                    total.read, total.rejected
                ));
            }
        }
        let chunks = producer.join().expect("producer")?;
        if let Some((_, e)) = failure {
            return Err(e.into());
        }
        // (Every chunk is merged by now also when the producer stopped early: only a failure
        // stops it, and a failure returned above.)
        let merged = merger.merged();
        anyhow::ensure!(merged == chunks, "a chunk was lost ({merged} of {chunks})");
        Ok(Ok(merger.finish(&mut out)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use contactport_core::Format;

    fn serial(input: &[u8], opts: &Options) -> Outcome {
        let (mut o, mut r) = (vec![], vec![]);
        let rep = contactport_core::convert::convert(input, &mut o, &mut r, opts.clone()).unwrap();
        (o, r, rep)
    }

    /// Output, rejects and report (entries included).
    type Outcome = (Vec<u8>, Vec<u8>, Report);

    /// The parallel path on `input`, the report's entries put back from the spill.
    fn run(input: Vec<u8>, opts: &Options) -> anyhow::Result<Result<Outcome, Input>> {
        let (mut o, mut r) = (vec![], vec![]);
        let inp = Input {
            reader: Box::new(std::io::Cursor::new(input)),
            len: None,
            name: "test".into(),
        };
        let mut entries = Entries::new(true)?;
        let res = convert(
            inp,
            opts,
            &mut o,
            &mut r,
            &mut entries,
            &ProgressBar::hidden(),
        )?;
        Ok(match res {
            Ok(rep) => Ok((o, r, entries.into_report(rep)?)),
            Err(input) => Err(input),
        })
    }

    fn parallel(input: Vec<u8>, opts: &Options) -> Outcome {
        run(input, opts).unwrap().ok().expect("parallel path taken")
    }

    #[test]
    fn parallel_output_equals_the_one_thread_output() {
        // Big enough for several chunks, with quoted newlines, blank lines, CRLF and bad rows.
        let mut text = String::from("\u{FEFF}first_name;last_name;email;phone;org_name\r\n");
        for i in 0..60_000 {
            let org = if i % 20 == 0 {
                "\"Marseille Connect\n(siège)\""
            } else {
                "Colibrix"
            };
            let email = if i % 97 == 0 {
                "bad@".to_string()
            } else {
                format!("u{i}@exemple.fr")
            };
            text.push_str(&format!(
                "Élodie{i};Martin;{email};01 42 84 {:02} 03;{org}\r\n",
                i % 100
            ));
            if i % 1000 == 0 {
                text.push_str("\r\n");
            }
        }
        for to in [Format::Ndjson, Format::Covage, Format::Csv, Format::Kojo] {
            let opts = Options {
                to: Some(to),
                ..Options::default()
            };
            let (so, sr, srep) = serial(text.as_bytes(), &opts);
            let (po, pr, prep) = parallel(text.clone().into_bytes(), &opts);
            assert_eq!(po.len(), so.len(), "{to}");
            assert!(po == so, "{to}: output differs");
            assert!(pr == sr, "{to}: rejects differ");
            assert_eq!(prep, srep, "{to}: report differs");
        }
    }

    fn covage_array(n: usize) -> String {
        let mut text = String::from("\u{FEFF}[\n");
        for i in 0..n {
            let email = if i % 97 == 0 {
                "bad@".to_string()
            } else {
                format!("u{i}@exemple.fr")
            };
            let first = if i % 50 == 0 {
                r#"\"Élo\\die\" ]},{"#
            } else {
                "Élodie"
            };
            if i % 333 == 5 {
                // Not a contact at all: a rejected record, counted like the others.
                text.push_str("  42,\n");
            }
            text.push_str(&format!(
                "  {{\"contact_uuid\": \"u-{i}\", \"first_name\": \"{first}\", \"last_name\": \"Martin\",\n   \"email\": \"{email}\", \"phone_number\": \"01428454{:02}\", \"cell_phone_number\": null}}{}\n",
                i % 100,
                if i % 7 == 0 { ",  " } else { "," }
            ));
        }
        text.push_str("]\n");
        text
    }

    #[test]
    fn json_in_parallel_equals_the_one_thread_output() {
        // Several chunks; escaped quotes and brackets in strings, a trailing comma, scalars.
        let text = covage_array(40_000);
        let ndjson: String = (0..40_000)
            .map(|i| format!("{{\"email\":\"n{i}@exemple.fr\",\"phone\":\"+33 1 42 84 54 {:02}\",\"last_name\":\"L\"}}\n", i % 100))
            .collect();
        for (input, to) in [
            (&text, Format::Csv),
            (&text, Format::Kojo),
            (&text, Format::Ndjson),
            (&ndjson, Format::Covage),
        ] {
            let opts = Options {
                to: Some(to),
                ..Options::default()
            };
            let (so, sr, srep) = serial(input.as_bytes(), &opts);
            let (po, pr, prep) = parallel(input.clone().into_bytes(), &opts);
            assert!(srep.read >= 40_000 && srep.rejected > 100, "{to}: {srep:?}");
            assert!(po == so, "{to}: output differs");
            assert!(pr == sr, "{to}: rejects differ");
            assert_eq!(prep, srep, "{to}: report differs");
        }
    }

    #[test]
    fn broken_input_fails_as_in_the_one_thread_path() {
        let whole = covage_array(20_000);
        let cut_off = &whole[..whole.len() - 3]; // no closing `]`
        let mut garbage = whole.clone();
        let at = garbage.len() * 2 / 3;
        let at = at + garbage[at..].find("},\n").unwrap() + 2;
        garbage.insert_str(at, " oops,");
        let mut bad_utf8 = covage_array(20_000).into_bytes();
        let at = bad_utf8.len() / 2;
        let at = at + bad_utf8[at..].iter().position(|&b| b == b'M').unwrap();
        bad_utf8[at] = 0xFF;
        let mut csv = String::from("email,phone\n");
        for i in 0..20_000 {
            csv.push_str(&format!("u{i}@exemple.fr,0142845403\n"));
        }
        let mut csv = csv.into_bytes();
        let at = csv.len() * 3 / 4;
        csv[at] = 0xC3;
        let inputs = [
            cut_off.as_bytes().to_vec(),
            garbage.into_bytes(),
            bad_utf8,
            csv,
        ];
        for (i, input) in inputs.into_iter().enumerate() {
            let opts = Options {
                to: Some(Format::Csv),
                ..Options::default()
            };
            let (mut o, mut r) = (vec![], vec![]);
            let serial =
                contactport_core::convert::convert(&input[..], &mut o, &mut r, opts.clone())
                    .map(|rep| format!("{:?}", (o, r, rep)))
                    .map_err(|e| format!("{:#}", anyhow::Error::from(e)));
            let par = run(input, &opts)
                .map_err(|e| format!("{e:#}"))
                .map(|res| format!("{:?}", res.ok().expect("parallel path taken")));
            // A cut-off array and bytes that are not UTF-8 stop the run; the rest only reject
            // their record.
            assert_eq!(serial.is_err(), i == 0 || i == 2, "{i}");
            let brief = |r: &Result<String, String>| match r {
                Ok(s) => format!("Ok({} chars)", s.len()),
                Err(e) => format!("Err({e})"),
            };
            assert!(par == serial, "{i}: {} vs {}", brief(&par), brief(&serial));
        }
    }

    #[test]
    fn records_over_the_bound_are_rejected_as_in_the_one_thread_path() {
        let huge = "y".repeat(300_000);
        let mut csv = String::from("first_name,last_name,email\n");
        csv.push_str(&format!("\"{huge}\nstill {huge}\",B,first@x.fr\n"));
        for i in 0..30_000 {
            csv.push_str(&format!("A{i},B,u{i}@x.fr\n"));
            if i == 15_000 {
                csv.push_str(&format!("{huge},B,mid@x.fr\n"));
            }
        }
        let cut_off = format!("{csv}\"{huge}");
        // (The first element decides the flavour, so it must be whole in the sample.)
        let mut json = String::from("[\n{\"email\": \"first@x.fr\"},\n");
        json.push_str(&format!(
            "{{\"first_name\": \"{huge}\", \"email\": \"a@x.fr\"}},\n"
        ));
        let mut ndjson = String::new();
        for i in 0..20_000 {
            let el = format!(
                "{{\"first_name\": \"A{i}\", \"last_name\": \"B\", \"email\": \"u{i}@x.fr\"}}"
            );
            json.push_str(&el);
            json.push_str(",\n");
            ndjson.push_str(&el);
            ndjson.push('\n');
            if i == 9_000 {
                json.push_str(&format!(
                    "{{\"first_name\": \"{huge}\",\n \"email\": \"m@x.fr\"}},\n"
                ));
                ndjson.push_str(&format!("{{\"first_name\": \"{huge}\"}}\n"));
            }
        }
        json.push_str("{\"email\": \"z@x.fr\"}\n]\n");
        let json_cut_off = format!("{ndjson}{{\"first_name\": \"{huge}");
        for (i, input) in [csv, cut_off, json, ndjson, json_cut_off]
            .into_iter()
            .enumerate()
        {
            let opts = Options {
                to: Some(Format::Ndjson),
                max_record_bytes: 64 * 1024,
                ..Options::default()
            };
            let (mut o, mut r) = (vec![], vec![]);
            let serial =
                contactport_core::convert::convert(input.as_bytes(), &mut o, &mut r, opts.clone())
                    .map(|rep| (o, r, rep))
                    .map_err(|e| format!("{:#}", anyhow::Error::from(e)));
            let par = run(input.into_bytes(), &opts)
                .map_err(|e| format!("{e:#}"))
                .map(|res| res.ok().expect("parallel path taken"));
            match (&serial, &par) {
                (Ok((so, sr, srep)), Ok((po, pr, prep))) => {
                    assert!(srep.rejected >= 1, "{i}: {srep:?}");
                    assert!(
                        srep.rejects[0].reason.contains("longer than 65536 bytes"),
                        "{i}"
                    );
                    assert!(po == so, "{i}: output differs");
                    assert!(
                        pr == sr,
                        "{i}: rejects differ: {}\n{}",
                        String::from_utf8_lossy(pr),
                        String::from_utf8_lossy(sr)
                    );
                    assert_eq!(prep, srep, "{i}: report differs");
                }
                (Err(s), Err(p)) => assert_eq!(s, p, "{i}"),
                _ => panic!(
                    "{i}: serial {:?} vs parallel {:?}",
                    serial.is_ok(),
                    par.is_ok()
                ),
            }
            assert_eq!(
                serial.is_err(),
                i == 4,
                "{i}: only the cut-off JSON element fails"
            );
        }
    }

    #[test]
    fn small_inputs_are_left_to_the_one_thread_path() {
        let opts = Options::default();
        let back = run(b"email\na@b.fr\n".to_vec(), &opts).unwrap();
        let Err(mut input) = back else {
            panic!("the parallel path took a small input")
        };
        let mut all = String::new();
        input.reader.read_to_string(&mut all).unwrap();
        assert_eq!(all, "email\na@b.fr\n", "the sample is put back");
        let json = vec![b' '; SAMPLE]
            .into_iter()
            .chain(b"[]".iter().copied())
            .collect::<Vec<u8>>();
        assert!(run(json, &opts).unwrap().is_err());
    }
}
