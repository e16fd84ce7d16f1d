// The converter page at scale, timed in Chromium itself (issue 14): the page converts a file as
// a user would (pick the file, wait for "done", download both results), beside Papa Parse
// (`header: true`, streaming, one JSON.stringify a row) run on the same File in the same page.
// Records the wall time, the longest main-thread task, the tab's peak memory (the sum of the
// proportional set size of Chromium's processes, so shared pages count once, sampled every
// 100 ms), and checks that both downloads equal the
// CLI's output byte for byte and that the page raised no error. No speed is asserted.
//
// With --to-disk the page writes the result to a file as it converts (File System Access; the
// save dialog answered with a file of the origin's private file system).
//
// usage: node bench/page.mjs INPUT TO CLI_OUTPUT CLI_REJECTS [RESULTS.json] [--to-disk]
import { createHash } from "node:crypto";
import { createReadStream, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "../tests/browser/server.mjs";

const toDisk = process.argv.includes("--to-disk");
const [input, to, cliOutput, cliRejects, resultsPath] = process.argv.slice(2).filter((a) => a !== "--to-disk");
if (!cliRejects) {
  console.error("usage: node bench/page.mjs INPUT TO CLI_OUTPUT CLI_REJECTS [RESULTS.json] [--to-disk]");
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const papaJs = join(root, "bench/node_modules/papaparse/papaparse.min.js");

async function sha256(path) {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk);
  return h.digest("hex");
}

/** Memory of a process's descendants (not itself), in MB: the sum of their proportional set
 * sizes (Linux /proc), so pages the processes share count once. Here, the Chromium that
 * playwright started under this Node process. */
function treeRss(pid) {
  const children = new Map();
  const rss = new Map();
  for (const p of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      const rollup = readFileSync(`/proc/${p}/smaps_rollup`, "utf8");
      rss.set(Number(p), Number(/Pss:\s+(\d+)/.exec(rollup)?.[1] ?? 0));
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(p));
    } catch {
      // the process ended while being read
    }
  }
  let total = -(rss.get(pid) ?? 0);
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    total += rss.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total / 1024;
}

const server = await serve(join(root, "wasm/www"));
// A profile on disk, as a user has: in a private (incognito) context Chromium keeps the origin's
// file system and large blobs in memory, so the disk mode would measure as if it were not.
const profile = mkdtempSync(join(tmpdir(), "contactport-bench-profile-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  acceptDownloads: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const pid = process.pid;
// Papa Parse, served beside the page for the comparison (the page itself does not load it).
await context.route("**/papaparse.min.js", (r) => r.fulfill({ body: readFileSync(papaJs), contentType: "text/javascript" }));
// The longest main-thread task while converting and showing results.
await context.addInitScript(() => {
  window.__longTasks = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push(e.duration); })
    .observe({ type: "longtask", buffered: true });
});

function sampler() {
  let peak = 0;
  const base = pid ? treeRss(pid) : 0;
  const timer = setInterval(() => { if (pid) peak = Math.max(peak, treeRss(pid)); }, 100);
  return { base, stop: () => { clearInterval(timer); return pid ? Math.max(peak, treeRss(pid)) : peak; } };
}

const page = await context.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));
if (toDisk) {
  await page.addInitScript(() => {
    window.showSaveFilePicker = async () =>
      (await navigator.storage.getDirectory()).getFileHandle("result", { create: true });
  });
}
await page.goto(`${server.origin}/`);
await page.selectOption("#to", to);
if (toDisk) await page.check("#to-disk");
const mem = sampler();
const t0 = performance.now();
await page.setInputFiles("#file", input);
if (toDisk) await page.click("#convert");
await page.waitForSelector("#status:has-text('done')", { timeout: 30 * 60 * 1000 });
const pageSeconds = (performance.now() - t0) / 1000;
const pagePeak = mem.stop();
const counts = {};
for (const id of ["read", "written", "rejected"]) counts[id] = Number((await page.textContent(`#${id}`)).trim());
const longest = await page.evaluate(() => Math.max(0, ...window.__longTasks));
const longTasks = await page.evaluate(() => window.__longTasks.length);

let outputSame;
if (toDisk) {
  const digest = await page.evaluate(async () => {
    const f = await (await (await navigator.storage.getDirectory()).getFileHandle("result")).getFile();
    const d = new Uint8Array(await crypto.subtle.digest("SHA-256", await f.arrayBuffer()));
    return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
  });
  outputSame = digest === (await sha256(cliOutput));
} else {
  const [out] = await Promise.all([page.waitForEvent("download"), page.click("#download-output")]);
  outputSame = (await sha256(await out.path())) === (await sha256(cliOutput));
}
let rejectsSame = true;
if (counts.rejected > 0) {
  const [rej] = await Promise.all([page.waitForEvent("download"), page.click("#download-rejects")]);
  rejectsSame = (await sha256(await rej.path())) === (await sha256(cliRejects));
}

// Papa Parse on the same File, in the same page, its output collected as Blob parts too.
await page.addScriptTag({ url: "/papaparse.min.js" });
const papaMem = sampler();
const papa = await page.evaluate(() => new Promise((done, fail) => {
  const file = document.getElementById("file").files[0];
  const parts = [];
  let lines = [];
  let rows = 0;
  const t = performance.now();
  window.Papa.parse(file, {
    header: true,
    step: (row) => {
      lines.push(JSON.stringify(row.data));
      rows++;
      if (lines.length === 10000) { parts.push(new Blob([lines.join("\n"), "\n"])); lines = []; }
    },
    complete: () => {
      parts.push(new Blob([lines.join("\n")]));
      const blob = new Blob(parts);
      done({ seconds: (performance.now() - t) / 1000, rows, bytes: blob.size });
    },
    error: (e) => fail(String(e)),
  });
}));
const papaPeak = papaMem.stop();
await context.close();
await server.close();
rmSync(profile, { recursive: true, force: true });

const result = {
  input, to, mode: toDisk ? "to disk" : "in memory", ...counts,
  pageSeconds: Number(pageSeconds.toFixed(2)),
  papaSeconds: Number(papa.seconds.toFixed(2)),
  timesFasterThanPapa: Number((papa.seconds / pageSeconds).toFixed(2)),
  pagePeakMB: Math.round(pagePeak), papaPeakMB: Math.round(papaPeak), idleMB: Math.round(mem.base),
  longestTaskMs: Math.round(longest), longTasks,
  outputEqualsCli: outputSame, rejectsEqualCli: rejectsSame, pageErrors: errors,
};
console.log(JSON.stringify(result));
if (resultsPath) writeFileSync(resultsPath, JSON.stringify(result, null, 2));
process.exit(outputSame && rejectsSame && errors.length === 0 ? 0 : 1);
