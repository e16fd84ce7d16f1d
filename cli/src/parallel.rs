//! Converting UTF-8 CSV on every core: the input is cut into chunks at record boundaries (a
//! `\n` outside quotes), each chunk (with the header in front) is converted apart by core's
//! [`Converter`] in fragment mode, and the fragments are joined in input order. The bytes
//! written are exactly the one-thread path's (tested), and memory stays bounded by the chunks
//! in flight.
//!
//! Anything else (JSON, UTF-16, Windows-1252, old-Mac `\r` line ends, small inputs, one core)
//! goes through the one-thread path, [`crate::cmd::pump`].

use crate::files::Input;
use anyhow::Context;
use contactport_core::format::csv_read::{scan_records, sniff_delimiter};
use contactport_core::format::decode::{self, Encoding};
use contactport_core::format::write::{CsvOut, Joiner};
use contactport_core::{convert::rejects_header, Converter, Options, Position, Report};
use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::mpsc;

const SAMPLE: usize = 64 * 1024;
const CHUNK: usize = 256 * 1024;

/// Converts `input`, in parallel when it can; otherwise (returning the input untouched, its
/// first bytes put back) leaves it to the caller.
pub fn convert(
    mut input: Input,
    opts: &Options,
    out: &mut dyn Write,
    rejects: &mut dyn Write,
    bar: &ProgressBar,
) -> anyhow::Result<Result<Report, Input>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut sample = Vec::with_capacity(SAMPLE);
    (&mut input.reader)
        .take(SAMPLE as u64)
        .read_to_end(&mut sample)
        .with_context(|| format!("cannot read {}", input.name))?;
    let Some((header, delimiter, bom)) = suitable(&sample, opts, threads) else {
        let rest = std::mem::replace(&mut input.reader, Box::new(std::io::empty()));
        input.reader = Box::new(std::io::Cursor::new(sample).chain(rest));
        return Ok(Err(input));
    };
    let header_lines = header.iter().filter(|&&b| b == b'\n').count() as u64;
    let chunk_opts = |offset: Position| Options {
        encoding: Some(Encoding::Utf8),
        delimiter: Some(delimiter),
        fragment: true,
        offset,
        bom: false,
        ..opts.clone()
    };

    type Work = (u64, Vec<u8>, Position);
    type Done = (u64, anyhow::Result<(Vec<u8>, Vec<u8>, Report)>);
    let workers = threads.min(8);
    let (work_tx, work_rx) = mpsc::sync_channel::<Work>(workers);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<Done>();

    std::thread::scope(|scope| -> anyhow::Result<Result<Report, Input>> {
        // Workers: one converter per chunk.
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            let chunk_opts = &chunk_opts;
            scope.spawn(move || loop {
                let job = work_rx.lock().expect("lock").recv();
                let Ok((seq, chunk, offset)) = job else {
                    return;
                };
                let mut conv = Converter::new(chunk_opts(offset));
                let (mut o, mut r) = (Vec::with_capacity(chunk.len() * 2), Vec::new());
                let res = conv
                    .push(&chunk, &mut o, &mut r)
                    .and_then(|_| conv.finish(&mut o, &mut r))
                    .map(|rep| (o, r, rep))
                    .map_err(anyhow::Error::from);
                if done_tx.send((seq, res)).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);

        // Producer: reads, cuts at record boundaries, sends chunks in order.
        let name = input.name.clone();
        let producer = scope.spawn(move || -> anyhow::Result<u64> {
            let body_start = bom + header.len();
            let mut carry = sample[body_start..].to_vec();
            let (mut records, mut lines, mut seq) = (0u64, header_lines, 0u64);
            let mut eof = false;
            let mut block = vec![0u8; CHUNK];
            while !eof || !carry.is_empty() {
                if !eof && carry.len() < CHUNK {
                    let n = input
                        .reader
                        .read(&mut block)
                        .with_context(|| format!("cannot read {name}"))?;
                    bar.inc(n as u64);
                    if n == 0 {
                        eof = true;
                    } else {
                        carry.extend_from_slice(&block[..n]);
                        continue;
                    }
                }
                let scan = scan_records(&carry);
                let (end, scan) = if eof {
                    (carry.len(), scan)
                } else {
                    (scan.end, scan)
                };
                if end == 0 {
                    if eof {
                        break;
                    }
                    // One record longer than a chunk: read on.
                    let n = input.reader.read(&mut block)?;
                    bar.inc(n as u64);
                    eof = n == 0;
                    carry.extend_from_slice(&block[..n]);
                    continue;
                }
                let mut chunk = Vec::with_capacity(header.len() + end);
                chunk.extend_from_slice(&header);
                chunk.extend_from_slice(&carry[..end]);
                let offset = Position {
                    record: records,
                    line: lines - header_lines,
                };
                records += scan.records;
                lines += scan.lines;
                carry.drain(..end);
                if work_tx.send((seq, chunk, offset)).is_err() {
                    break;
                }
                seq += 1;
            }
            drop(work_tx);
            Ok(seq)
        });

        // Here: results put back in order, joined and written.
        let to = opts.to;
        let mut joiner = to.map(|f| Joiner::new(f, opts.bom));
        let mut rejects_started = false;
        let mut pending: BTreeMap<u64, (Vec<u8>, Vec<u8>, Report)> = BTreeMap::new();
        let mut next = 0u64;
        let mut total = Report::default();
        let mut buf = Vec::with_capacity(CHUNK * 2);
        let mut failure = None;
        for (seq, res) in done_rx.iter() {
            match res {
                Ok(r) => {
                    pending.insert(seq, r);
                }
                Err(e) => {
                    failure.get_or_insert(e);
                    continue;
                }
            }
            while let Some((o, r, rep)) = pending.remove(&next) {
                buf.clear();
                if let Some(j) = joiner.as_mut() {
                    j.push(&o, &mut buf);
                }
                out.write_all(&buf)?;
                if !r.is_empty() {
                    if !rejects_started {
                        let mut head = Vec::new();
                        CsvOut::default().row(rejects_header(), &mut head);
                        rejects.write_all(&head)?;
                        rejects_started = true;
                    }
                    rejects.write_all(&r)?;
                }
                merge(&mut total, rep, next == 0);
                next += 1;
                bar.set_message(format!(
                    "{} records, {} rejected",
                    total.read, total.rejected
                ));
            }
        }
        let chunks = producer.join().expect("producer")?;
        if let Some(e) = failure {
            return Err(e);
        }
        anyhow::ensure!(next == chunks, "a chunk was lost ({next} of {chunks})");
        buf.clear();
        if let Some(j) = joiner.as_mut() {
            j.finish(&mut buf);
        }
        out.write_all(&buf)?;
        Ok(Ok(total))
    })
}

/// The header line, delimiter and BOM length when this input can be cut into chunks.
fn suitable(sample: &[u8], opts: &Options, threads: usize) -> Option<(Vec<u8>, u8, usize)> {
    if threads < 2 || sample.len() < SAMPLE {
        return None;
    }
    if opts.from.is_some_and(|f| !f.is_csv()) || opts.encoding.is_some_and(|e| e != Encoding::Utf8)
    {
        return None;
    }
    let (enc, bom) = decode::detect(sample, opts.encoding);
    if enc != Encoding::Utf8 {
        return None;
    }
    let text = &sample[bom..];
    if matches!(
        text.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'[' | b'{') | None
    ) {
        return None;
    }
    // Old-Mac line ends (a `\r` alone) end records too; the cutter only knows `\n`.
    if text.windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n') {
        return None;
    }
    let mut quoted = false;
    let end = text.iter().position(|&b| {
        if b == b'"' {
            quoted = !quoted;
        }
        b == b'\n' && !quoted
    })?;
    let delimiter = opts.delimiter.unwrap_or_else(|| sniff_delimiter(text));
    Some((text[..=end].to_vec(), delimiter, bom))
}

/// Adds a chunk's report to the total (positions are already global).
fn merge(total: &mut Report, chunk: Report, first: bool) {
    total.read += chunk.read;
    total.written += chunk.written;
    total.rejected += chunk.rejected;
    for (f, n) in chunk.dropped_fields {
        *total.dropped_fields.entry(f).or_insert(0) += n;
    }
    total.rejects.extend(chunk.rejects);
    total.warnings.extend(chunk.warnings);
    if first {
        total.unknown_columns = chunk.unknown_columns;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contactport_core::Format;

    fn serial(input: &[u8], opts: &Options) -> (Vec<u8>, Vec<u8>, Report) {
        let (mut o, mut r) = (vec![], vec![]);
        let rep = contactport_core::convert::convert(input, &mut o, &mut r, opts.clone()).unwrap();
        (o, r, rep)
    }

    fn parallel(input: Vec<u8>, opts: &Options) -> (Vec<u8>, Vec<u8>, Report) {
        let (mut o, mut r) = (vec![], vec![]);
        let inp = Input {
            reader: Box::new(std::io::Cursor::new(input)),
            len: None,
            name: "test".into(),
        };
        let rep = convert(inp, opts, &mut o, &mut r, &ProgressBar::hidden())
            .unwrap()
            .ok()
            .expect("parallel path taken");
        (o, r, rep)
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

    #[test]
    fn json_and_small_inputs_are_left_to_the_one_thread_path() {
        let opts = Options::default();
        let small = Input {
            reader: Box::new(std::io::Cursor::new(b"email\na@b.fr\n".to_vec())),
            len: None,
            name: "t".into(),
        };
        let back = convert(
            small,
            &opts,
            &mut vec![],
            &mut vec![],
            &ProgressBar::hidden(),
        )
        .unwrap();
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
        let inp = Input {
            reader: Box::new(std::io::Cursor::new(json)),
            len: None,
            name: "t".into(),
        };
        assert!(
            convert(inp, &opts, &mut vec![], &mut vec![], &ProgressBar::hidden())
                .unwrap()
                .is_err()
        );
    }
}
