// Converts one file in a Web Worker, streamed from File.stream(), so the page stays
// responsive and memory stays bounded by the chunk size.
import init, { Converter } from "./pkg/contactport_wasm.js";

const ready = init();

self.onmessage = async ({ data: { file, options } }) => {
  try {
    await ready;
    const conv = new Converter({ ...options, preview: 20 });
    const parts = [];
    const rejectParts = [];
    let loaded = 0;
    let last = 0;
    const reader = file.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const out = conv.push(value);
      if (out.length) parts.push(out);
      // Rejects leave wasm memory as they come, like the output.
      const rej = conv.takeRejects();
      if (rej.length) rejectParts.push(rej);
      loaded += value.length;
      const now = performance.now();
      if (now - last > 100) {
        last = now;
        const r = conv.report();
        self.postMessage({ type: "progress", loaded, total: file.size, read: r.read, rejected: r.rejected });
      }
    }
    const end = conv.finish();
    conv.free();
    if (end.output.length) parts.push(end.output);
    if (end.rejects.length) rejectParts.push(end.rejects);
    self.postMessage({
      type: "done",
      output: new Blob(parts),
      rejects: new Blob(rejectParts),
      report: end.report,
      entriesOmitted: end.entriesOmitted,
      preview: end.preview,
      inputFormat: end.inputFormat,
    });
  } catch (e) {
    self.postMessage({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
};
