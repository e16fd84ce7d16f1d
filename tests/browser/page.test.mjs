// The converter page in Debian's headless Chromium: upload each sample, check the preview, the
// counts, the rejects, and that the downloaded files equal the CLI's output byte for byte;
// check that no request leaves localhost; save a screenshot of each.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.CONTACTPORT_BIN || join(root, "target/debug/contactport");
const shots = join(root, "tests/out/browser");
mkdirSync(shots, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), "contactport-page-"));

let server, browser, context;
/** Cores the page sees: with two or more, a large UTF-8 file is converted on several workers. */
let cores = 1;
before(async () => {
  server = await serve(join(root, "wasm/www"));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 1000 } });
  const probe = await context.newPage();
  cores = await probe.evaluate(() => navigator.hardwareConcurrency || 1);
  await probe.close();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** The CLI's output, rejects and report for the same conversion. */
function cli(input, to) {
  const out = join(tmp, `cli-${to}-${Math.random()}`);
  try {
    execFileSync(bin, ["convert", input, "--to", to, "-o", out, "--rejects", `${out}.rej`, "--report", `${out}.json`, "-q"]);
  } catch (e) {
    if (e.status !== 1) throw e;
  }
  return {
    output: readFileSync(out),
    rejects: readFileSync(`${out}.rej`),
    report: JSON.parse(readFileSync(`${out}.json`, "utf8")),
  };
}

/** A fresh page on the converter, its errors collected; `init` runs before the page's own scripts. */
async function openPage(init) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  if (init) await page.addInitScript(init);
  await page.goto(`${server.origin}/`);
  // The menus are filled from core's format table once wasm is loaded.
  await page.waitForSelector("body[data-ready=true]");
  return { page, errors };
}

/** The download the button `selector` starts: its bytes and suggested name. */
async function downloaded(page, selector) {
  const [d] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
  return { bytes: readFileSync(await d.path()), name: d.suggestedFilename() };
}

/** The CLI's words for the page's: core's messages name the CLI's flags there, the page's
 * fields here; everything else is the same bytes. */
function pageWords(text) {
  const words = [["--org-name", "Org name"], ["--vendor-id", "Vendor id"], ["--vendor-map", "Vendor map"],
    ["--encoding", "Encoding"]];
  let s = Buffer.isBuffer(text) ? text.toString("utf8") : text;
  for (const [cli, page] of words) s = s.split(cli).join(page);
  return Buffer.isBuffer(text) ? Buffer.from(s, "utf8") : s;
}

async function convertInPage(input, to, name) {
  const page = await context.newPage();
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const missing = [];
  page.on("response", (r) => { if (r.status() >= 400) missing.push(r.url()); });
  await page.goto(`${server.origin}/`);
  await page.selectOption("#to", to);
  await page.setInputFiles("#file", input);
  await page.waitForSelector("#status:has-text('done')", { timeout: 30000 });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const text = async (sel) => (await page.textContent(sel)).trim();
  const got = {
    read: Number(await text("#read")),
    written: Number(await text("#written")),
    rejected: Number(await text("#rejected")),
    previewRows: await page.locator("#preview tbody tr").count(),
    rejectRows: await page.locator("#rejects tbody tr").count(),
    firstReject: (await page.locator("#rejects tbody tr").count())
      ? await page.locator("#rejects tbody tr").first().textContent()
      : "",
    dropped: await text("#dropped"),
    mode: await text("#mode"),
  };
  const output = await downloaded(page, "#download-output");
  got.output = output.bytes;
  got.outputName = output.name;
  if (got.rejected > 0) {
    got.rejects = (await downloaded(page, "#download-rejects")).bytes;
  } else {
    got.rejects = Buffer.alloc(0);
  }
  assert.deepEqual(errors, [], "no page errors");
  assert.deepEqual(missing, [], "every file the page asks for exists (the icon too)");
  for (const url of requests) {
    assert.ok(url.startsWith(server.origin) || url.startsWith("blob:") || url.startsWith("data:"), `request left localhost: ${url}`);
  }
  await page.close();
  return got;
}

const cases = [
  ["covage-export.json", "csv"],
  ["contacts.csv", "kojo"],
  ["kojo-export.json", "covage"],
  ["bad-records.csv", "csv"],
  ["contacts.csv", "google-csv"],
  ["phone-export.vcf", "csv"],
  ["contacts.csv", "vcard"],
];

for (const [sample, to] of cases) {
  test(`${sample} → ${to} in the page equals the CLI`, async () => {
    const input = join(root, "samples", sample);
    const want = cli(input, to);
    const got = await convertInPage(input, to, `${sample}-${to}`);
    assert.equal(got.read, want.report.read);
    assert.equal(got.written, want.report.written);
    assert.equal(got.rejected, want.report.rejected);
    assert.equal(got.previewRows, Math.min(20, want.report.written));
    assert.equal(got.rejectRows, want.report.rejects.length);
    if (want.report.rejects.length) {
      const r = want.report.rejects[0];
      assert.ok(got.firstReject.includes(pageWords(r.reason)), `${got.firstReject} shows ${r.reason}`);
      assert.ok(got.firstReject.startsWith(`${r.record}${r.line}${r.field}`), got.firstReject);
    }
    for (const [field, n] of Object.entries(want.report.dropped_fields)) {
      assert.ok(got.dropped.includes(`${field}: ${n}`), `dropped ${field}: ${n} in ${got.dropped}`);
    }
    assert.ok(got.output.equals(want.output), `downloaded output differs from the CLI's (${got.output.length} vs ${want.output.length} bytes)`);
    assert.ok(got.rejects.equals(pageWords(want.rejects)), "downloaded rejects differ from the CLI's");
  });
}

test("a multi-megabyte Windows-1252 file streams through the worker like the CLI", async () => {
  const lines = ["first_name;last_name;email;phone"];
  for (let i = 0; i < 40000; i++) {
    lines.push(`Andr\u00e9${i};L\u00e9vesque;andre${i}@exemple.fr;01 42 84 ${String(i % 100).padStart(2, "0")} 03`);
  }
  const input = join(tmp, "big-1252.csv");
  writeFileSync(input, Buffer.from(lines.join("\r\n"), "latin1"));
  const want = cli(input, "ndjson");
  const got = await convertInPage(input, "ndjson", "big-1252");
  assert.equal(got.written, 40000);
  assert.ok(got.output.equals(want.output), "streamed output equals the CLI's");
});

test("a file with thousands of rejects shows its results and both downloads equal the CLI's", async () => {
  // Issue 14: every reject spread into the table overflowed the call stack, and the converted
  // file was lost to the user. Now the first rows are shown, the rest said, all downloadable.
  const lines = ["first_name,last_name,email"];
  for (let i = 0; i < 160000; i++) lines.push(i % 10 ? `A${i},B,u${i}@x.fr` : `,,`);
  const input = join(tmp, "many-rejects.csv");
  writeFileSync(input, lines.join("\n"));
  const want = cli(input, "kojo");
  assert.equal(want.report.rejected, 160000, "every record is a reject for Kojo (no vendor)");
  const got = await convertInPage(input, "kojo", "many-rejects");
  assert.match(got.mode, cores > 1 ? new RegExp(`Converted on ${Math.min(8, cores)} workers`) : /one worker/);
  assert.equal(got.rejected, 160000);
  assert.equal(got.rejectRows, 201, "200 rows and a line saying there are more");
  // In the page's words: "give Org name or Vendor map", not the CLI's flags.
  assert.ok(!got.rejects.includes("--vendor-map") && got.rejects.includes("Vendor map"), "the page names its fields");
  assert.ok(got.rejects.equals(pageWords(want.rejects)), "downloaded rejects equal the CLI's");
  assert.ok(got.output.equals(want.output), "downloaded output equals the CLI's");
});

test("with File System Access the result is written to disk as it converts, equal to the CLI's", async () => {
  // Issue 14: a file larger than the tab's memory. The save dialog is answered with a file of
  // the origin's private file system (a real FileSystemFileHandle, written by the worker).
  const { page, errors } = await openPage(() => {
    window.showSaveFilePicker = async ({ suggestedName }) => {
      window.__suggested = suggestedName;
      return (await navigator.storage.getDirectory()).getFileHandle("result", { create: true });
    };
  });
  assert.equal(await page.isVisible("#to-disk-box"), true, "offered where the browser can");
  await page.check("#to-disk");
  await page.selectOption("#to", "ndjson");
  // Several chunks of the worker's stream, some records rejected.
  const lines = ["first_name,last_name,email,phone"];
  for (let i = 0; i < 30000; i++) lines.push(i % 7 ? `Zoé${i},Martin,z${i}@exemple.fr,01 42 84 ${String(i % 100).padStart(2, "0")} 03` : `,,,`);
  const input = join(tmp, "to-disk.csv");
  writeFileSync(input, lines.join("\n"));
  const want = cli(input, "ndjson");
  await page.setInputFiles("#file", input);
  assert.equal(await page.isVisible("#results"), false, "waits for Convert (the dialog needs a click)");
  assert.match(await page.textContent("#file-name"), /click Convert to choose where the result goes/);
  await page.click("#convert");
  await page.waitForSelector("#status:has-text('done')");
  assert.equal(await page.evaluate(() => window.__suggested), "to-disk.converted.ndjson");
  assert.match(await page.textContent("#mode"), /written to result as it was converted/);
  assert.equal(await page.isVisible("#download-output"), false);
  assert.equal(Number(await page.textContent("#rejected")), want.report.rejected);
  const written = Buffer.from(await page.evaluate(async () => {
    const f = await (await (await navigator.storage.getDirectory()).getFileHandle("result")).getFile();
    return btoa(Array.from(new Uint8Array(await f.arrayBuffer()), (b) => String.fromCharCode(b)).join(""));
  }), "base64");
  assert.ok(written.equals(want.output), `the file on disk differs from the CLI's output (${written.length} vs ${want.output.length} bytes)`);
  assert.ok((await downloaded(page, "#download-rejects")).bytes.equals(want.rejects), "rejects download equals the CLI's");
  // Unticked, the next conversion is held in memory again and says so.
  await page.uncheck("#to-disk");
  assert.doesNotMatch(await page.textContent("#file-name"), /click Convert/);
  await page.click("#convert");
  await page.waitForSelector("#download-output", { state: "visible" });
  assert.match(await page.textContent("#mode"), /held in this tab's memory/);
  await page.screenshot({ path: join(shots, "to-disk.png"), fullPage: true });
  assert.deepEqual(errors, [], "no page errors");
  await page.close();
});

test("on several workers, a large file converts to the CLI's bytes, and a broken one fails with the CLI's error", async () => {
  // Issue 14: the file is cut at record boundaries (core plans it) and converted on one worker
  // per core. JSON with escaped newlines, long and bad records, then the same file broken deep
  // inside: the error names the same line as the CLI's.
  const rows = [];
  for (let i = 0; i < 20000; i++) {
    const last = i % 500 === 7 ? "Long ".repeat(300) : `Martin\n${i}`;
    // Every 211th record has nothing to know the contact by: rejected.
    rows.push(JSON.stringify(i % 211 === 5 ? { contact_uuid: `u${i}`, first_name: "", last_name: "", email: "", phone_number: "", cell_phone_number: "" }
      : { contact_uuid: `u${i}`, first_name: "Zoé", last_name: last, email: i % 97 ? `z${i}@exemple.fr` : "bad@",
        phone_number: i % 3 ? "0142845403" : "+39 06 1234 5678", cell_phone_number: "" }));
  }
  const input = join(tmp, "many.json");
  writeFileSync(input, `[\n${rows.join(",\n")}\n]`);
  const { page, errors } = await openPage();
  await page.selectOption("#to", "csv");
  const want = cli(input, "csv");
  assert.ok(want.report.rejected > 50, "some records rejected");
  await page.setInputFiles("#file", input);
  await page.waitForSelector("#status:has-text('done')");
  if (cores > 1) assert.match(await page.textContent("#mode"), /Converted on \d+ workers/);
  const got = (await downloaded(page, "#download-output")).bytes;
  assert.ok(got.equals(want.output), `output differs from the CLI's (${got.length} vs ${want.output.length} bytes)`);
  assert.ok((await downloaded(page, "#download-rejects")).bytes.equals(want.rejects), "rejects differ from the CLI's");

  // A byte that is not UTF-8 deep inside (JSON is UTF-8): the run fails, naming its line.
  const broken = join(tmp, "broken.json");
  const bytes = readFileSync(input);
  bytes[bytes.indexOf('"u15000"') + 1] = 0xe9;
  writeFileSync(broken, bytes);
  let cliError = "";
  try {
    execFileSync(bin, ["convert", broken, "--to", "csv", "-o", join(tmp, "broken.out"), "-q"], { stdio: "pipe" });
  } catch (e) {
    cliError = String(e.stderr);
  }
  const line = /line (\d+)/.exec(cliError)?.[1];
  assert.ok(line, `the CLI names a line: ${cliError}`);
  await page.setInputFiles("#file", broken);
  await page.waitForSelector("#error:visible");
  assert.match(await page.textContent("#error"), new RegExp(`line ${line}\\b`));
  assert.deepEqual(errors, [], "no page errors");
  await page.close();
});

test("damaged files read on several workers as the CLI reads them on one thread", async () => {
  // Issue 21: a stray quote in a CSV field (the reader reads it as text, so the quoted newlines
  // after it stay in their fields), a JSON array with a span pasted into a string, an NDJSON
  // stream with a line that is no object. Each must give the one-thread CLI's bytes, or fail
  // naming the same line.
  const csv = ["first_name,last_name,email,org_name,created_at"];
  for (let i = 0; i < 20000; i++) {
    const first = i === 3000 ? 'Lo"ïc' : i === 12000 ? '"Zoé"x' : "Loïc";
    const org = i % 7 === 0 ? '"Crédit Agricole\nAgence ""Nord"""' : "Colibrix";
    csv.push(`${first},Martin,u${i}@exemple.fr,${org},2019-01-03T01:20:00Z`);
  }
  const elements = [];
  for (let i = 0; i < 15000; i++) {
    elements.push(JSON.stringify({ contact_uuid: `u${i}`, first_name: "Zoé", last_name: `Martin ]},{ ${i}`,
      email: `z${i}@exemple.fr`, phone_number: "0142845403", cell_phone_number: null }));
  }
  const json = `[\n${elements.join(",\n")}\n]`;
  const pasted = json.slice(0, json.indexOf('"u9000"') + 3) + json.slice(json.indexOf('"u100"'), json.indexOf('"u140"')) + json.slice(json.indexOf('"u9000"') + 3);
  const ndjson = elements.map((e, i) => (i === 9000 ? "x\n" : "") + e).join("\n");
  const { page, errors } = await openPage();
  await page.selectOption("#to", "ndjson");
  for (const [name, text] of [["stray-quote.csv", csv.join("\n")], ["pasted.json", pasted], ["stray-line.ndjson", ndjson]]) {
    const input = join(tmp, name);
    writeFileSync(input, text);
    const out = join(tmp, `${name}.out`);
    let code = 0, stderr = "";
    try {
      execFileSync(bin, ["convert", input, "--to", "ndjson", "-o", out, "--rejects", `${out}.rej`, "--threads", "1", "-q"], { stdio: "pipe" });
    } catch (e) {
      code = e.status;
      stderr = String(e.stderr);
    }
    await page.setInputFiles("#file", input);
    if (code === 2) {
      const line = /line (\d+)/.exec(stderr)?.[1];
      assert.ok(line, `${name}: the CLI names a line: ${stderr}`);
      await page.waitForSelector("#error:visible");
      assert.match(await page.textContent("#error"), new RegExp(`line ${line}\\b`), name);
    } else {
      await page.waitForSelector("#status:has-text('done')");
      if (cores > 1) assert.match(await page.textContent("#mode"), /Converted on \d+ workers/, name);
      const got = (await downloaded(page, "#download-output")).bytes;
      assert.ok(got.equals(readFileSync(out)), `${name}: output differs from the CLI's (${got.length} bytes)`);
      if (code === 1) {
        assert.ok((await downloaded(page, "#download-rejects")).bytes.equals(readFileSync(`${out}.rej`)), `${name}: rejects differ`);
      }
    }
  }
  assert.deepEqual(errors, [], "no page errors");
  await page.close();
});

test("a Shift_JIS export and a mostly-UTF-8 file read in the page as in the CLI, the encoding said", async () => {
  // Issue 20: detection with chardetng, UTF-8 with a stray byte kept UTF-8 (its record rejected).
  const sjis = join(tmp, "thunderbird-sjis.csv");
  execFileSync("python3", ["-c", `import sys; open(sys.argv[1], "wb").write("First Name,Last Name,Display Name,Nickname,Primary Email\\n権兵衛,名無し,名無しの権兵衛,,nanashi@example.jp\\n太郎,山田,山田太郎,,taro@example.jp\\n花子,鈴木,鈴木花子,,hanako@example.jp\\n".encode("shift_jis"))`, sjis]);
  const mostly = join(tmp, "mostly-utf8.csv");
  writeFileSync(mostly, Buffer.concat([Buffer.from("first_name,email\nÉlodie,e@x.fr\nZoé,z@x.fr\n"), Buffer.from([0x52, 0x65, 0x6e, 0xe9]), Buffer.from(",r@x.fr\n")]));
  const { page, errors } = await openPage();
  await page.selectOption("#to", "ndjson");
  for (const [input, said] of [[sjis, /shift_jis/], [mostly, /mostly/]]) {
    const want = cli(input, "ndjson");
    await page.setInputFiles("#file", input);
    await page.waitForSelector("#status:has-text('done')");
    assert.match(await page.textContent("#encoding-said"), said);
    const got = (await downloaded(page, "#download-output")).bytes;
    assert.ok(got.equals(want.output), `${input}: output differs from the CLI's`);
    assert.equal(want.report.encoding !== undefined, true, "the CLI's report says it too");
  }
  assert.ok(readFileSync(join(tmp, "thunderbird-sjis.csv")).length > 0);
  assert.deepEqual(errors, [], "no page errors");
  await page.close();
});

test("the page shows how columns are read, and a header no one recognises can be mapped by hand", async () => {
  const { page, errors } = await openPage();
  await page.selectOption("#to", "ndjson");
  // Known columns and one that is not: the table shows both, the user reads the second too.
  const known = join(tmp, "fr.csv");
  writeFileSync(known, "Prénom;Nom;Courriel;Joignable au\nZoé;Martin;zoe@exemple.fr;01 42 84 54 03\n");
  await page.setInputFiles("#file", known);
  await page.waitForSelector("#status:has-text('done')");
  assert.equal(await page.locator("#mapping tbody tr").count(), 4);
  assert.equal(await page.locator("select[data-column='Courriel']").inputValue(), "email");
  assert.equal(await page.locator("select[data-column='Joignable au']").inputValue(), "-");
  await page.selectOption("select[data-column='Joignable au']", "phone");
  await page.click("#remap");
  await page.waitForFunction(() => document.querySelector("#preview tbody")?.textContent.includes("+33142845403"));
  // A header nobody recognises: the error, then the columns to map.
  const odd = join(tmp, "odd.csv");
  writeFileSync(odd, "Qui,Adresse élec\nZoé,zoe@exemple.fr\n");
  await page.setInputFiles("#file", odd);
  await page.waitForSelector("#error:has-text('no known column')");
  await page.waitForSelector("select[data-column='Qui']");
  await page.selectOption("select[data-column='Qui']", "display_name");
  await page.selectOption("select[data-column='Adresse élec']", "email");
  await page.click("#remap");
  await page.waitForSelector("#status:has-text('done')");
  assert.equal(await page.textContent("#written"), "1");
  assert.ok((await page.textContent("#preview")).includes("zoe@exemple.fr"));
  await page.screenshot({ path: join(shots, "mapping.png"), fullPage: true });
  assert.deepEqual(errors, [], "no page errors");
  await page.close();
});

test("the format menus and the column fields come from core's tables", async () => {
  const { page, errors } = await openPage();
  const values = (sel) => page.$$eval(`${sel} option`, (os) => os.map((o) => o.value));
  const all = ["csv", "json", "ndjson", "covage", "kojo", "google-csv", "outlook-csv", "vcard"];
  assert.deepEqual(await values("#to"), all);
  assert.deepEqual(await values("#from"), ["", ...all]);
  // Each option says what the format is.
  assert.match(await page.$eval("#to option[value=vcard]", (o) => o.title), /vCard/);
  assert.match(await page.$eval("#file", (i) => i.accept), /\.vcf/);
  assert.deepEqual(errors, []);
  await page.close();
});
