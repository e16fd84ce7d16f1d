// Papa Parse in Node: CSV → NDJSON, streaming, header: true, one JSON.stringify a row.
import Papa from "papaparse";
import { createReadStream, createWriteStream } from "node:fs";

const [input, output] = process.argv.slice(2);
const out = createWriteStream(output, { highWaterMark: 1 << 20 });
let buf = [];
Papa.parse(createReadStream(input), {
  header: true,
  skipEmptyLines: true,
  step: (row) => {
    buf.push(JSON.stringify(row.data));
    if (buf.length >= 1000) {
      out.write(buf.join("\n") + "\n");
      buf = [];
    }
  },
  complete: () => {
    if (buf.length) out.write(buf.join("\n") + "\n");
    out.end();
  },
});
