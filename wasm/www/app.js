// The converter page: picks a file and options, runs the worker, shows the result.
const $ = (id) => document.getElementById(id);
/** Core's tables, sent by the worker once wasm is loaded: the fields and each format's extension. */
let FIELDS = [];
const EXT = {};
let ready = false;
let runWhenReady = false;

let file = null;
/** The user's column mapping ({column: field or "-"}), sent as the `map` option. */
let userMap = {};
let vendorMap = "";
let urls = [];
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });

/** Writing the result to disk as it converts (File System Access): Chromium-based browsers. */
const canWriteToDisk = typeof window.showSaveFilePicker === "function";
$("to-disk-box").hidden = !canWriteToDisk;

/** The chosen file's name and size; with the disk mode, that Convert asks where to write. */
function describe() {
  if (!file) return;
  $("file-name").textContent = `${file.name} (${file.size.toLocaleString()} bytes)`
    + ($("to-disk").checked ? " — click Convert to choose where the result goes" : "");
}
$("to-disk").addEventListener("change", describe);

function pick(f) {
  if (!f) return;
  file = f;
  userMap = {};
  describe();
  $("convert").disabled = !ready;
  // The save dialog needs a click of the user's: Convert opens it. Before the menus are
  // filled (wasm still loading), the run waits for them.
  if (!$("to-disk").checked) {
    if (ready) run();
    else runWhenReady = true;
  }
}

$("file").addEventListener("change", (e) => pick(e.target.files[0]));
$("vendor-map").addEventListener("change", async (e) => {
  vendorMap = e.target.files[0] ? await e.target.files[0].text() : "";
});
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  pick(e.dataTransfer.files[0]);
});
$("convert").addEventListener("click", run);
// A BOM means the file is for Excel: guard formula cells too (the user may untick it).
$("bom").addEventListener("change", () => { $("excel-safe").checked = $("bom").checked; });

function options() {
  const o = {
    to: $("to").value,
    defaultRegion: $("region").value || "FR",
    kojoPhone: $("kojo-phone").value,
    bom: $("bom").checked,
    excelSafe: $("excel-safe").checked,
  };
  for (const [k, id] of [["from", "from"], ["encoding", "encoding"], ["delimiter", "delimiter"],
    ["orgName", "org-name"], ["vendorId", "vendor-id"]]) {
    if ($(id).value) o[k] = $(id).value;
  }
  if (vendorMap) o.vendorMap = vendorMap;
  if (Object.keys(userMap).length) o.map = userMap;
  return o;
}

function resultName() {
  return `${file.name.replace(/\.[^.]+$/, "")}.converted.${EXT[$("to").value] || "txt"}`;
}

async function run() {
  if (!file) return;
  let handle = null;
  if (canWriteToDisk && $("to-disk").checked) {
    try {
      handle = await window.showSaveFilePicker({ suggestedName: resultName() });
    } catch (e) {
      if (e.name === "AbortError") return; // the user closed the dialog
      $("error").textContent = `cannot write the result to a file: ${e.message}`;
      $("error").hidden = false;
      return;
    }
  }
  $("error").hidden = true;
  $("results").hidden = true;
  $("progress-box").hidden = false;
  $("progress").value = 0;
  $("progress-text").textContent = handle ? `starting, writing to ${handle.name}…` : "starting…";
  $("convert").disabled = true;
  worker.postMessage({ file, options: options(), handle });
}

/** Fills the format menus from core's table (the From menu keeps its "detect"). */
function tables({ formats, fields }) {
  FIELDS = fields;
  const accept = new Set([".txt", ".tsv"]);
  for (const f of formats) {
    EXT[f.name] = f.extension;
    accept.add(`.${f.extension}`);
    for (const e of f.chosenBy) accept.add(`.${e}`);
    for (const id of ["from", "to"]) {
      const o = document.createElement("option");
      o.value = f.name;
      o.textContent = f.name;
      o.title = f.label;
      $(id).appendChild(o);
    }
  }
  $("file").accept = [...accept].join(",");
  ready = true;
  document.body.dataset.ready = "true";
  if (file) $("convert").disabled = false;
  if (runWhenReady) run();
}

worker.onmessage = ({ data }) => {
  if (data.type === "tables") {
    tables(data);
  } else if (data.type === "progress") {
    $("progress").value = data.total ? data.loaded / data.total : 0;
    $("progress-text").textContent = `${data.read.toLocaleString()} records read, ${data.rejected} rejected`;
  } else if (data.type === "error") {
    $("convert").disabled = false;
    $("progress-box").hidden = true;
    $("error").textContent = data.message;
    $("error").hidden = false;
    // A header nobody recognised: offer its columns to map by hand.
    if (data.message.includes("no known column")) headerColumns().then((cols) => showMapping(cols.map((column) => ({ column, field: userMap[column] && userMap[column] !== "-" ? userMap[column] : null }))));
  } else if (data.type === "done") {
    $("convert").disabled = false;
    $("progress").value = 1;
    $("progress-text").textContent = "done";
    show(data);
  }
};

/** The columns of the file's first line (the header), split at its most frequent delimiter. */
async function headerColumns() {
  const text = await file.slice(0, 64 * 1024).text();
  const line = text.replace(/^\uFEFF/, "").split(/\r?\n/)[0];
  const delim = [",", ";", "\t", "|"].reduce((a, b) => (line.split(b).length > line.split(a).length ? b : a));
  return line.split(delim).map((c) => c.trim().replace(/^"|"$/g, ""));
}

/** The mapping table: one row a column, a select of the fields (or "not read"). */
function showMapping(mapping) {
  const body = $("mapping").tBodies[0];
  body.replaceChildren();
  for (const { column, field } of mapping) {
    const tr = document.createElement("tr");
    cell(tr, column);
    const td = document.createElement("td");
    const select = document.createElement("select");
    select.dataset.column = column;
    for (const f of ["-", ...FIELDS]) {
      const o = document.createElement("option");
      o.value = f;
      o.textContent = f === "-" ? "— not read" : f;
      select.appendChild(o);
    }
    select.value = FIELDS.includes(field) ? field : "-";
    td.appendChild(select);
    tr.appendChild(td);
    body.appendChild(tr);
  }
  $("mapping-box").hidden = mapping.length === 0;
}

$("remap").addEventListener("click", () => {
  userMap = {};
  for (const s of $("mapping").querySelectorAll("select")) userMap[s.dataset.column] = s.value;
  run();
});

function cell(tr, text, tag = "td") {
  const c = document.createElement(tag);
  c.textContent = text;
  tr.appendChild(c);
}

/** Rows shown of each list (rejects, warnings): the rest are in the rejects download. */
const SHOWN = 200;

/** Fills `parent` with `items` made by `make`, at most SHOWN, then a line saying how many more. */
function fill(parent, items, total, make, more) {
  parent.replaceChildren();
  for (const item of items.slice(0, SHOWN)) parent.appendChild(make(item));
  if (total > Math.min(items.length, SHOWN)) parent.appendChild(more(total - Math.min(items.length, SHOWN)));
}

function show({ output, savedTo, rejects, report, preview, inputFormat, workers }) {
  const to = $("to").value;
  $("status").textContent = `done: ${inputFormat || "input"} → ${to}`
    + (report.headerless ? ` (the file has no header row: its columns were read in ${report.headerless}'s export order)` : "");
  $("read").textContent = report.read;
  showMapping(report.mapping || []);
  $("written").textContent = report.written;
  $("rejected").textContent = report.rejected;

  // How the encoding was chosen, when it was not plain (a guess, UTF-16 without a BOM, a file
  // mostly UTF-8): as the CLI says it.
  $("encoding-said").hidden = !report.encoding;
  $("encoding-said").textContent = report.encoding ? `The input was read as ${report.encoding}; choose the encoding above to change it.` : "";
  const dropped = $("dropped");
  dropped.replaceChildren();
  const entries = Object.entries(report.dropped_fields);
  if (!entries.length) {
    const li = document.createElement("li");
    li.textContent = "none";
    dropped.appendChild(li);
  }
  for (const [field, n] of entries) {
    const li = document.createElement("li");
    li.textContent = `${field}: ${n}`;
    dropped.appendChild(li);
  }

  const cols = FIELDS.filter((f) => preview.some((r) => r[f]));
  const head = document.createElement("tr");
  cols.forEach((c) => cell(head, c, "th"));
  $("preview").tHead.replaceChildren(head);
  $("preview").tBodies[0].replaceChildren(...preview.map((r) => {
    const tr = document.createElement("tr");
    cols.forEach((c) => cell(tr, r[c] || ""));
    return tr;
  }));

  // Appended one by one (a spread of 150,000 rows overflowed the call stack), at most SHOWN.
  fill($("rejects").tBodies[0], report.rejects, report.rejects.length + (report.rejects.length >= 1000 ? 1 : 0), (e) => {
    const tr = document.createElement("tr");
    [e.record, e.line, e.field, e.reason, e.value].forEach((v) => cell(tr, String(v)));
    return tr;
  }, (n) => {
    const tr = document.createElement("tr");
    tr.className = "more";
    cell(tr, `… and more problems (${report.rejected.toLocaleString()} records rejected in all): see the rejects download`);
    tr.firstChild.colSpan = 5;
    return tr;
  });
  const warnings = (report.warnings || []).map((w) => `record ${w.record} (line ${w.line}, ${w.field}): ${w.reason}`);
  fill($("warnings"), warnings.length ? warnings : ["none"], warnings.length, (text) => {
    const li = document.createElement("li");
    li.textContent = text;
    return li;
  }, (n) => {
    const li = document.createElement("li");
    li.textContent = `… and ${n.toLocaleString()}${warnings.length >= 1000 ? "+" : ""} more`;
    return li;
  });

  urls.forEach(URL.revokeObjectURL);
  const base = file.name.replace(/\.[^.]+$/, "");
  const rejUrl = URL.createObjectURL(rejects);
  urls = [rejUrl];
  const how = workers > 1 ? `Converted on ${workers} workers (one per core). ` : "Converted on one worker. ";
  if (savedTo) {
    $("mode").textContent = `${how}The result was written to ${savedTo} as it was converted: this tab held a few chunks at a time.`;
    $("download-output").hidden = true;
  } else {
    const outUrl = URL.createObjectURL(output);
    urls.push(outUrl);
    $("mode").textContent = how + "The result is held in this tab's memory until you download it" + (canWriteToDisk
      ? " (for a file larger than memory, tick “Write the result to a file as it converts”)."
      : " (this browser cannot write to a file as it converts; Chromium-based browsers can).");
    $("download-output").hidden = false;
    $("download-output").onclick = () => save(outUrl, resultName());
  }
  $("download-rejects").onclick = () => save(rejUrl, `${base}.rejects.csv`);
  $("download-rejects").disabled = report.rejected === 0;
  $("results").hidden = false;
}

function save(url, name) {
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
}
