// contactport's browser package in Node: CSV → NDJSON through the streaming Converter, fed in
// 1 MiB chunks (as File.stream() would), beside Papa Parse in the same runtime.
import { createRequire } from "node:module";
import { createReadStream, createWriteStream } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { Converter } = createRequire(import.meta.url)(join(root, "wasm/pkg/contactport_wasm.js"));
const [input, output] = process.argv.slice(2);
const out = createWriteStream(output, { highWaterMark: 1 << 20 });
const conv = new Converter({ to: "ndjson" });
for await (const chunk of createReadStream(input, { highWaterMark: 1 << 20 })) {
  const o = conv.push(chunk);
  if (o.length && !out.write(o)) await new Promise((ok) => out.once("drain", ok));
}
const end = conv.finish();
out.end(end.output);
