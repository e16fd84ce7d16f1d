// Converts the pieces the page's main worker cuts (see worker.js): one at a time, each alone,
// its result sent back for the main worker to join in input order. The file's options are read
// once a run (a PieceConverter), not for every piece.
import init, { PieceConverter } from "./pkg/contactport_wasm.js";

const ready = init();
let current = { run: null, conv: null };

self.onmessage = async ({ data: { run, bytes, piece, room, reader, options } }) => {
  try {
    await ready;
    if (current.run !== run) {
      current.conv?.free();
      current = { run, conv: new PieceConverter(reader, options) };
    }
    const r = current.conv.convert(bytes, piece, room);
    self.postMessage({ ok: true, output: r.output, rejects: r.rejects, report: r.report, preview: r.preview, inputFormat: r.inputFormat,
      entriesOmitted: r.entriesOmitted },
      [r.output.buffer, r.rejects.buffer]);
  } catch (e) {
    self.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e) });
  }
};
