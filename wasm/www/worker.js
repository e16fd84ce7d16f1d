// Converts one file in a Web Worker, streamed from File.stream(), so the page stays
// responsive. A large UTF-8 CSV or JSON file is cut into pieces at record boundaries (core
// plans it: Planner) and converted on one piece worker per core, the results joined in input
// order into the very bytes one converter would write; anything else goes through one
// Converter here. With a file handle (File System Access), the result is written to it as it
// is produced and memory stays bounded by the pieces in flight; otherwise it is kept as Blob
// parts.
import init, { Converter, Planner, fields, formats } from "./pkg/contactport_wasm.js";

const ready = init();
// The page's menus come from core's tables: formats and fields are listed in one place.
ready.then(() => self.postMessage({ type: "tables", formats: formats(), fields: fields() }));
/** Piece workers, one per core (at most 8), started on first use and kept. */
const WORKERS = Math.min(8, Math.max(1, navigator.hardwareConcurrency || 1));
let pieceWorkers = null;
/** Conversions started: piece workers read a run's options once. */
let runs = 0;
/** Converted records shown in the page's preview. */
const PREVIEW = 20;

/** Posts progress at most every 100 ms: counts only, whatever the number of rejects. */
function ticker(file, workers, report) {
  let last = 0;
  return (loaded) => {
    const now = performance.now();
    if (now - last < 100) return;
    last = now;
    const r = report();
    self.postMessage({ type: "progress", loaded, total: file.size, read: r.read, rejected: r.rejected, workers });
  };
}

/** Writes output bytes as they come: to the file on disk, or into Blob parts. */
function sink(disk) {
  const parts = [];
  return {
    parts,
    write: async (bytes) => {
      if (!bytes.length) return;
      if (disk) await disk.write(bytes);
      else parts.push(bytes);
    },
  };
}

/** The multi-worker path; `null` when the file is for one Converter. */
async function inPieces(file, options, out, rejectParts) {
  if (WORKERS < 2) return null;
  const sample = new Uint8Array(await file.slice(0, Planner.sampleBytes()).arrayBuffer());
  const planner = Planner.create(sample, options);
  if (!planner) return null;
  const reader = planner.reader();
  pieceWorkers ??= Array.from({ length: WORKERS }, () => new Worker(new URL("./piece-worker.js", import.meta.url), { type: "module" }));
  const idle = [...pieceWorkers];
  const waiting = []; // resolves when a worker is idle
  const results = new Map(); // seq → result, until its turn to be merged
  let next = 0;
  let failure = null; // the first failed piece in input order: { seq, message }
  let preview = [];
  let inputFormat = null;
  let loaded = sample.length;
  let mergedUpTo = Promise.resolve();
  const run = ++runs;
  const tick = ticker(file, WORKERS, () => planner.report());
  // Results are merged in input order; writing to disk is awaited, one merge after another.
  const mergeReady = () => {
    mergedUpTo = mergedUpTo.then(async () => {
      while (results.has(next) && !(failure && next >= failure.seq)) {
        const r = results.get(next);
        results.delete(next);
        // The piece's bytes are written as they are, with what the planner says goes around them.
        const m = planner.merge(r.output, r.rejects.length, r.report, r.entriesOmitted);
        await out.write(m.outputHead);
        await out.write(r.output.subarray(Math.min(m.outputSkip, r.output.length)));
        if (m.rejectsHead.length) rejectParts.push(m.rejectsHead);
        if (r.rejects.length) rejectParts.push(r.rejects);
        if (preview.length < PREVIEW) preview = preview.concat(r.preview.slice(0, PREVIEW - preview.length));
        inputFormat ??= r.inputFormat;
        next++;
        tick(loaded);
      }
    });
    return mergedUpTo;
  };
  const convert = (worker, piece, bytes) => new Promise((done) => {
    worker.onmessage = ({ data }) => {
      idle.push(worker);
      waiting.shift()?.();
      if (data.ok) results.set(piece.seq, data);
      else if (!failure || piece.seq < failure.seq) failure = { seq: piece.seq, message: data.message };
      mergeReady().then(done);
    };
    // The entries the page still keeps: once the first 1,000 are merged, pieces only count.
    const room = planner.room();
    worker.postMessage({ run, bytes, piece, room, reader, options: { ...options, preview: PREVIEW } }, [bytes.buffer]);
  });
  const pending = new Set();
  const dispatch = async (chunks) => {
    for (const { piece, bytes } of chunks) {
      if (failure) return;
      // Pieces in flight are bounded by the workers: memory stays flat.
      while (!idle.length) await new Promise((ok) => waiting.push(ok));
      const p = convert(idle.pop(), piece, bytes);
      pending.add(p);
      p.then(() => pending.delete(p));
    }
  };

  const stream = file.slice(sample.length).stream().getReader();
  for (;;) {
    const { done, value } = await stream.read();
    if (done || failure) break;
    loaded += value.length;
    await dispatch(planner.push(value));
  }
  if (!failure) await dispatch(planner.finish());
  await Promise.all(pending);
  await mergeReady();
  if (failure) throw new Error(failure.message);
  const end = planner.done();
  planner.free();
  await out.write(end.output);
  return { report: end.report, entriesOmitted: end.entriesOmitted, preview, inputFormat, workers: WORKERS };
}

/** The one-worker path: one Converter reads the whole file. */
async function whole(file, options, out, rejectParts) {
  const conv = new Converter({ ...options, preview: PREVIEW });
  const tick = ticker(file, 1, () => conv.report());
  let loaded = 0;
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    await out.write(conv.push(value));
    // Rejects leave wasm memory as they come, like the output.
    const rej = conv.takeRejects();
    if (rej.length) rejectParts.push(rej);
    loaded += value.length;
    tick(loaded);
  }
  const end = conv.finish();
  conv.free();
  if (end.rejects.length) rejectParts.push(end.rejects);
  await out.write(end.output);
  return { report: end.report, entriesOmitted: end.entriesOmitted, preview: end.preview, inputFormat: end.inputFormat, workers: 1 };
}

self.onmessage = async ({ data: { file, options, handle } }) => {
  let disk = null;
  try {
    await ready;
    // Each write is awaited before the next chunk is read: the disk sets the pace. The file
    // is only replaced on close: a failed conversion leaves what was there.
    disk = handle ? await handle.createWritable() : null;
    const out = sink(disk);
    const rejectParts = [];
    const end = (await inPieces(file, options, out, rejectParts)) ?? (await whole(file, options, out, rejectParts));
    if (disk) await disk.close();
    self.postMessage({
      type: "done",
      workers: end.workers,
      output: disk ? null : new Blob(out.parts),
      savedTo: disk ? handle.name : null,
      rejects: new Blob(rejectParts),
      report: end.report,
      entriesOmitted: end.entriesOmitted,
      preview: end.preview,
      inputFormat: end.inputFormat,
    });
  } catch (e) {
    await disk?.abort().catch(() => {});
    self.postMessage({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
};
