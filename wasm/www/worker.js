// Converts one file in a Web Worker, streamed from File.stream(), so the page stays
// responsive. With a file handle (File System Access), the result is written to it as it is
// produced and memory stays bounded by the chunk size; otherwise it is kept as Blob parts.
import init, { Converter } from "./pkg/contactport_wasm.js";

const ready = init();

self.onmessage = async ({ data: { file, options, handle } }) => {
  let disk = null;
  try {
    await ready;
    // Each write is awaited before the next chunk is read: the disk sets the pace. The file
    // is only replaced on close: a failed conversion leaves what was there.
    disk = handle ? await handle.createWritable() : null;
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
      if (out.length) {
        if (disk) await disk.write(out);
        else parts.push(out);
      }
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
    if (end.rejects.length) rejectParts.push(end.rejects);
    if (disk) {
      if (end.output.length) await disk.write(end.output);
      await disk.close();
    } else if (end.output.length) {
      parts.push(end.output);
    }
    self.postMessage({
      type: "done",
      output: disk ? null : new Blob(parts),
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
