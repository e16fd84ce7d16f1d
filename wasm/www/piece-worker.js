// Converts the pieces the page's main worker cuts (see worker.js): one at a time, each alone,
// its result sent back for the main worker to join in input order.
import init, { convertPiece } from "./pkg/contactport_wasm.js";

const ready = init();

self.onmessage = async ({ data: { id, bytes, piece, reader, options } }) => {
  try {
    await ready;
    const r = convertPiece(bytes, piece, reader, options);
    self.postMessage({ id, ok: true, output: r.output, rejects: r.rejects, report: r.report, preview: r.preview, inputFormat: r.inputFormat },
      [r.output.buffer, r.rejects.buffer]);
  } catch (e) {
    self.postMessage({ id, ok: false, message: e instanceof Error ? e.message : String(e) });
  }
};
