#!/usr/bin/env python3
"""Runs each task with contactport and every installed peer (median wall time of 3, peak RSS
from /usr/bin/time -v) and writes bench/RESULTS.md.

usage: run.py N DATA_DIR COMMAND_LINE"""
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

n, data, command = int(sys.argv[1]), sys.argv[2], sys.argv[3]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The full run writes bench/RESULTS.md; smaller runs (CI's smoke run) write beside their data.
results_path = os.environ.get("BENCH_RESULTS", os.path.join(root, "bench/RESULTS.md"))
target = os.path.join(root, os.environ.get("BENCH_TARGET", "target/release"))
cp = os.path.join(target, "contactport")
base = os.path.join(target, "examples/baseline")
out = os.path.join(data, "out")
os.makedirs(out, exist_ok=True)
csv_in = os.path.join(data, "contacts.csv")
cov_in = os.path.join(data, "covage.json")
mix_in = os.path.join(data, "contacts-mixed.csv")
covm_in = os.path.join(data, "covage-mixed.json")
have = {
    "mlr": shutil.which("mlr") is not None,
    "duckdb": subprocess.run([sys.executable, "-c", "import duckdb"], capture_output=True).returncode == 0,
    "papa": os.path.isdir(os.path.join(root, "bench/node_modules/papaparse")),
    "node": shutil.which("node") is not None,
    "wasm": os.path.isfile(os.path.join(root, "wasm/pkg/contactport_wasm.js")),
}
py = sys.executable
peers = os.path.join(root, "bench/peers.py")
papa = os.path.join(root, "bench/papa.mjs")


def run(cmd):
    """Median wall seconds of 3 runs and the largest peak RSS (MB)."""
    walls, rss = [], 0
    for _ in range(3):
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
        walls.append(time.perf_counter() - t)
        if p.returncode not in (0, 1):
            raise RuntimeError(f"{cmd} failed: {p.stderr[-2000:]}")
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        rss = max(rss, int(m.group(1)) / 1024 if m else 0)
    return statistics.median(walls), rss


tasks = [
    ("CSV → NDJSON, a third of the numbers foreign or invalid", mix_in, [
        ("contactport (validates, E.164)", [cp, "convert", mix_in, "--to", "ndjson", "-o", f"{out}/cpm.ndjson", "-q"], True),
        ("contactport validate", [cp, "validate", mix_in, "-q"], True),
        ("DuckDB read_csv", [py, peers, "duckdb-csv", mix_in, f"{out}/duckm.ndjson"], have["duckdb"]),
        ("Miller", ["sh", "-c", f"mlr --icsv --ojsonl cat {mix_in} > {out}/mlrm.ndjson"], have["mlr"]),
    ]),
    ("CSV → NDJSON", csv_in, [
        ("contactport (validates, E.164)", [cp, "convert", csv_in, "--to", "ndjson", "-o", f"{out}/cp.ndjson", "-q"], True),
        ("csv + serde_json loop (limit)", [base, "csv2ndjson", csv_in, f"{out}/base.ndjson"], True),
        ("DuckDB read_csv", [py, peers, "duckdb-csv", csv_in, f"{out}/duck.ndjson"], have["duckdb"]),
        ("Miller", ["sh", "-c", f"mlr --icsv --ojsonl cat {csv_in} > {out}/mlr.ndjson"], have["mlr"]),
        ("contactport wasm Converter (Node)", ["node", os.path.join(root, "bench/wasm.mjs"), csv_in, f"{out}/wasm.ndjson"], have["wasm"] and have["node"]),
        ("Papa Parse (Node)", ["node", papa, csv_in, f"{out}/papa.ndjson"], have["papa"] and have["node"]),
        ("Python csv", [py, peers, "csv", csv_in, f"{out}/py.ndjson"], True),
        ("cat (I/O floor)", ["sh", "-c", f"cat {csv_in} > /dev/null"], True),
    ]),
    ("CSV → Covage JSON", csv_in, [
        ("contactport (validates, national form)", [cp, "convert", csv_in, "--to", "covage", "-o", f"{out}/cp.json", "-q"], True),
    ]),
    ("Covage JSON array → CSV", cov_in, [
        ("contactport (validates, E.164)", [cp, "convert", cov_in, "-o", f"{out}/cp.csv", "-q"], True),
        ("csv + serde_json loop (limit)", [base, "json2csv", cov_in, f"{out}/base.csv"], True),
        ("DuckDB read_json", [py, peers, "duckdb-json", cov_in, f"{out}/duck.csv"], have["duckdb"]),
        ("Miller", ["sh", "-c", f"mlr --ijson --ocsv cat {cov_in} > {out}/mlr.csv"], have["mlr"]),
        ("cat (I/O floor)", ["sh", "-c", f"cat {cov_in} > /dev/null"], True),
    ]),
    ("Covage JSON array → CSV, a third of the numbers foreign or invalid", covm_in, [
        ("contactport (validates, E.164)", [cp, "convert", covm_in, "-o", f"{out}/cpm.csv", "--rejects", f"{out}/cpm.csv.rej", "-q"], True),
        ("DuckDB read_json", [py, peers, "duckdb-json", covm_in, f"{out}/duckm.csv"], have["duckdb"]),
        ("Miller", ["sh", "-c", f"mlr --ijson --ocsv cat {covm_in} > {out}/mlrm.csv"], have["mlr"]),
    ]),
    ("validate (CSV)", csv_in, [
        ("contactport validate", [cp, "validate", csv_in, "-q"], True),
    ]),
]


def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
    except Exception:
        return "not installed"


lines = [f"# Benchmark results\n", f"`{command}` — {n:,} records, median wall time of 3 runs, peak RSS.\n"]
cpu = "unknown"
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except Exception:
    pass
lines.append(f"Machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}.\n")
if not target.endswith("release"):
    lines.append(f"Build: {os.path.basename(target)} (a smoke run: these speeds are not the product's).\n")
lines.append("Versions: " + "; ".join([
    version([cp, "--version"]),
    "Miller " + version(["mlr", "--version"]) if have["mlr"] else "Miller not installed",
    "DuckDB " + version([py, "-c", "import duckdb; print(duckdb.__version__)"]) if have["duckdb"] else "DuckDB not installed",
    "Node " + version(["node", "--version"]),
    "Python " + platform.python_version(),
]) + ".\n")
skipped = [name for _, _, runs in tasks for name, _, ok in runs if not ok]
if skipped:
    lines.append("Skipped (not installed): " + ", ".join(sorted(set(skipped))) + ".\n")

for title, inp, runs in tasks:
    size_mb = os.path.getsize(inp) / 1e6
    lines.append(f"\n## {title} ({size_mb:.0f} MB in)\n")
    lines.append("| tool | wall s | records/s | MB/s | peak RSS MB | contactport is ×faster |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    results = []
    for name, cmd, ok in runs:
        if not ok:
            continue
        wall, rss = run(cmd)
        results.append((name, wall, rss))
        print(f"{title}: {name}: {wall:.2f}s, {rss:.0f} MB", flush=True)
    ours = results[0][1]
    for name, wall, rss in results:
        ratio = "—" if name == results[0][0] else f"{wall / ours:.2f}"
        lines.append(f"| {name} | {wall:.2f} | {n / wall:,.0f} | {size_mb / wall:.0f} | {rss:.0f} | {ratio} |")

# Memory stays flat whatever the size: the mixed file's rows ten times over (one header), streamed
# through convert and validate. Only contactport: the peers' memory grows with the input.
big = os.path.join(out, "contacts-mixed-x10.csv")
with open(big, "wb") as dst:
    for i in range(10):
        with open(mix_in, "rb") as src:
            if i:
                src.readline()
            shutil.copyfileobj(src, dst, 1 << 20)
lines.append(f"\n## Memory at ten times the rows: the mixed CSV's {n:,} rows ×10 ({os.path.getsize(big) / 1e6:.0f} MB in)\n")
lines.append("| run | records | wall s | records/s | peak RSS MB |")
lines.append("|---|---:|---:|---:|---:|")
for name, cmd in [
    ("contactport convert --to ndjson", [cp, "convert", big, "--to", "ndjson", "-o", f"{out}/cpm-x10.ndjson", "-q"]),
    ("contactport validate", [cp, "validate", big, "-q"]),
]:
    wall, rss = run(cmd)
    print(f"x10: {name}: {wall:.2f}s, {rss:.0f} MB", flush=True)
    lines.append(f"| {name} | {10 * n:,} | {wall:.2f} | {10 * n / wall:,.0f} | {rss:.0f} |")
for f in (big, f"{out}/cpm-x10.ndjson"):
    os.remove(f)

with open(results_path, "w") as f:
    f.write("\n".join(lines) + "\n")
print(open(results_path).read())
