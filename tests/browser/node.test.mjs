// The npm package (wasm/pkg, --target nodejs) works in Node and gives the CLI's golden output.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(import.meta.url);
const pkg = require(join(root, "wasm/pkg/contactport_wasm.js"));

test("npm package converts a sample like the CLI", () => {
  const input = readFileSync(join(root, "samples/covage-export.json"));
  const { output, report } = pkg.convert(input, { to: "csv" });
  assert.equal(Buffer.from(output).toString(), readFileSync(join(root, "tests/golden/covage-export.csv"), "utf8"));
  assert.equal(report.written, 30);
});

test("npm package streams and reports errors as Error objects", () => {
  const c = new pkg.Converter({ to: "kojo" });
  const input = readFileSync(join(root, "samples/contacts.csv"));
  const parts = [];
  for (let i = 0; i < input.length; i += 100) parts.push(Buffer.from(c.push(input.subarray(i, i + 100))));
  const end = c.finish();
  parts.push(Buffer.from(end.output));
  assert.equal(Buffer.concat(parts).toString(), readFileSync(join(root, "tests/golden/contacts.kojo.json"), "utf8"));
  assert.throws(() => pkg.convert("[{", {}), (e) => e instanceof Error && /cut off/.test(e.message));
  const types = readFileSync(join(root, "wasm/pkg/contactport_wasm.d.ts"), "utf8");
  assert.match(types, /export class Converter/);
});
