#!/usr/bin/env bash
# The benchmark suite: contactport beside the tools users would pick instead, on the same
# generated files, in one run. Writes bench/RESULTS.md. No speed is asserted anywhere.
#
# usage: bench/run.sh [N]   (N records, default 1000000; CI runs 10000 to prove it works)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}

# BENCH_PROFILE=dev (CI's smoke run) reuses the test build instead of compiling everything
# again in release: it proves the suite works; its speeds mean nothing.
profile=${BENCH_PROFILE:-release}
export BENCH_TARGET=target/$([ "$profile" = dev ] && echo debug || echo "$profile")
echo "building contactport and the plain csv + serde_json loop ($profile)"
if [ "$profile" = dev ]; then
  # The test build's targets and features: nothing is compiled again.
  cargo build --quiet --workspace --all-targets
else
  cargo build --quiet --profile "$profile" -p contactport-cli
  cargo build --quiet --profile "$profile" -p contactport-core --example baseline
fi

# Peers: installed when missing, skipped with a note when they cannot be.
command -v mlr >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq miller >/dev/null; } \
  || echo "note: miller not installed; skipped"
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb 2>/dev/null \
  || echo "note: duckdb not installed; skipped"
(cd bench && npm ci --no-audit --no-fund --loglevel=error) || echo "note: papaparse not installed; skipped"
command -v time >/dev/null 2>&1 && [ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

data=bench/data/$n
mkdir -p "$data"
if [ ! -s "$data/contacts.csv" ] || [ ! -s "$data/contacts-mixed.csv" ] || [ ! -s "$data/covage-mixed.json" ]; then
  echo "generating $n contacts in $data"
  python3 bench/gen.py "$n" "$data"
fi
# Only the full run replaces bench/RESULTS.md and the README's table.
if [ "$n" -ge 1000000 ]; then
  export BENCH_RESULTS=bench/RESULTS.md
else
  export BENCH_RESULTS=$data/RESULTS.md
fi
python3 bench/run.py "$n" "$data" "bench/run.sh $*"
# API throughput: N/10 records (at most 20,000) at 10 ms latency; a rate-limited Kojo run of
# N/1000 records (at least 100, at most 2,000: it takes 0.1 s a record by design).
api_n=$(( n / 10 > 20000 ? 20000 : n / 10 ))
api_m=$(( n / 1000 < 100 ? 100 : (n / 1000 > 2000 ? 2000 : n / 1000) ))
python3 bench/api.py "$api_n" "$api_m"
# The page in Chromium (issue 14): the mixed file to NDJSON (beside Papa Parse) and to Covage
# (its invalid numbers rejected), each download compared with the CLI's output.
if [ -x /usr/bin/chromium ] && [ -f wasm/pkg/contactport_wasm.js ] && [ -d bench/node_modules/playwright-core ]; then
  for to in ndjson covage; do
    "$BENCH_TARGET/contactport" convert "$data/contacts-mixed.csv" --to "$to" -o "$data/out/page-cli.$to" \
      --rejects "$data/out/page-cli.$to.rej" -q || [ $? = 1 ]
    node bench/page.mjs "$data/contacts-mixed.csv" "$to" "$data/out/page-cli.$to" "$data/out/page-cli.$to.rej" \
      "$data/out/page-$to.json"
  done
  node bench/page.mjs "$data/contacts-mixed.csv" ndjson "$data/out/page-cli.ndjson" "$data/out/page-cli.ndjson.rej" \
    "$data/out/page-disk.json" --to-disk
  DATA="$data" python3 - <<'PY'
import json, os
data, out = os.environ["DATA"], os.environ["BENCH_RESULTS"]
rows = [json.load(open(f"{data}/out/page-{run}.json")) for run in ("ndjson", "disk", "covage")]
lines = ["", f"## The converter page in Chromium (headless; a worker per core, here {os.cpu_count()}), the mixed file", "",
         "Papa Parse: `header: true`, streaming, one `JSON.stringify` a row, on the same File in the same page. "
         "Memory: the proportional set size of Chromium's processes, peak while converting (idle first).", "",
         "| to | result | records | rejected | page s | Papa Parse s | page is ×faster | peak MB (idle) | Papa peak MB | longest main-thread task ms | downloads equal the CLI's |",
         "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
for r in rows:
    lines.append(f"| {r['to']} | {r['mode']} | {r['read']:,} | {r['rejected']:,} | {r['pageSeconds']:.2f} | {r['papaSeconds']:.2f} | "
                 f"{r['timesFasterThanPapa']:.2f} | {r['pagePeakMB']} ({r['idleMB']}) | {r['papaPeakMB']} | {r['longestTaskMs']} | "
                 f"{'yes' if r['outputEqualsCli'] and r['rejectsEqualCli'] else 'NO'} |")
open(out, "a").write("\n".join(lines) + "\n")
PY
else
  echo "note: the page's benchmark skipped (needs /usr/bin/chromium, wasm/pkg, bench/node_modules/playwright-core)"
fi
if [ "$BENCH_RESULTS" = bench/RESULTS.md ]; then
  python3 - <<'PY'
readme = open("README.md").read()
table = open("bench/RESULTS.md").read().split("\n", 2)[2].strip()  # without the title
start, end = "<!-- bench:start -->", "<!-- bench:end -->"
head, rest = readme.split(start, 1)
open("README.md", "w").write(head + start + "\n" + table + "\n" + end + rest.split(end, 1)[1])
PY
  echo "README.md: table updated from bench/RESULTS.md"
fi
