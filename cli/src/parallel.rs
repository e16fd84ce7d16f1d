//! Converting UTF-8 CSV and JSON on every core, as core's [`plan`](contactport_core::plan) lays it out: a producer
//! thread reads the input and cuts it into chunks at record boundaries ([`Cutter`]), worker
//! threads convert each chunk apart ([`Piece::convert`]), and the results are joined in input
//! order ([`Merger`]) and written. The bytes written are exactly the one-thread path's (tested),
//! and memory stays bounded by the chunks in flight.
//!
//! Anything else (UTF-16, Windows-1252, old-Mac `\r` line ends, small inputs, one core) goes
//! through the one-thread path, [`crate::cmd::convert_input`].

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

/// Converts `input` on `threads` threads when it can; otherwise (returning the input untouched, its
/// first bytes put back) leaves it to the caller.
pub fn convert(
    mut input: Input,
    opts: &Options,
    threads: usize,
    mut out: &mut dyn Write,
    rejects: &mut dyn Write,
    entries: &mut Entries,
    bar: &ProgressBar,
) -> anyhow::Result<Result<Report, Input>> {
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
    tracing::debug!(threads, "converting in parallel");

    type Done = (u64, Result<(Vec<u8>, Vec<u8>, Report), Error>);
    let workers = threads.min(8);
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(workers);
    // Held by the workers only: once they have all ended (the writer stopped taking results),
    // the producer's next send fails instead of waiting for room for ever.
    let work_rx = std::sync::Arc::new(std::sync::Mutex::new(work_rx));
    let worker_rx: Vec<_> = (0..workers).map(|_| work_rx.clone()).collect();
    drop(work_rx);
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
        // Owned here, so a return (an output that fails: a closed pipe) drops them before the
        // scope waits for its threads: the producer, waiting for a token, and the workers,
        // waiting to hand a result over, see the run is over and end.
        let (token_tx, done_rx) = (token_tx, done_rx);
        // Workers: one converter per chunk.
        for work_rx in worker_rx {
            let done_tx = done_tx.clone();
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
        let mut merger = Merger::new(plan, opts);
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
