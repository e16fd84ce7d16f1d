#!/usr/bin/env python3
"""API throughput against the sandbox (issue 6, target 7), appended to bench/RESULTS.md.

1. `import covage` and `import kojo` of N records, sandbox answering after 10 ms, --concurrency 32:
   records/s (the client must not be what limits).
2. `import kojo` of M records into a Kojo limited to 20 requests/s, client at its default
   --rate 20: the share of the limit kept over the whole run, and the share of requests answered 429.

usage: api.py N M"""
import json
import os
import subprocess
import sys
import time
import urllib.request

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
target = os.path.join(root, os.environ.get("BENCH_TARGET", "target/release"))
cp = os.path.join(target, "contactport")
n, m = int(sys.argv[1]), int(sys.argv[2])


def sandbox(*flags):
    p = subprocess.Popen([cp, "sandbox", "--port", "0", *flags], stdout=subprocess.PIPE, text=True)
    url = p.stdout.readline().split()[-1]
    return p, url


def contacts(path, k):
    with open(path, "w") as f:
        f.write("first_name,last_name,email,phone,mobile,org_name,vendor_id\n")
        for i in range(k):
            f.write(f"Jean{i},Dupont,jean{i}@exemple.fr,01 42 84 {i % 100:02d} 03,06 99 43 {i % 100:02d} 92,Colibrix,v1\n")


def run(url, provider, path, *flags):
    env = dict(os.environ, COVAGE_URL=url, KOJO_URL=url, COVAGE_TOKEN="sandbox-covage-jwt", KOJO_API_KEY="sandbox-kojo-key")
    t = time.perf_counter()
    # The sandbox has no hourly quota here: the client's default (Kojo's 3,600 an hour) would
    # hold a 40,000-request run back for hours.
    subprocess.run([cp, "import", provider, path, "-q", "--hourly-limit", "0", *flags], env=env, check=True)
    return time.perf_counter() - t


def requests(url):
    return json.load(urllib.request.urlopen(f"{url}/_sandbox/requests"))


data = os.path.join(root, "bench/data/api")
os.makedirs(data, exist_ok=True)
lines = ["\n## Import against the sandbox (10 ms latency a request, --concurrency 32)\n",
         "| provider | records | wall s | records/s | requests |", "|---|---:|---:|---:|---:|"]
contacts(f"{data}/n.csv", n)
for provider in ["covage", "kojo"]:
    p, url = sandbox("--latency-ms", "10")
    try:
        wall = run(url, provider, f"{data}/n.csv", "--concurrency", "32", "--rate", "0")
        lines.append(f"| {provider} | {n:,} | {wall:.2f} | {n / wall:,.0f} | {len(requests(url)):,} |")
    finally:
        p.kill()

contacts(f"{data}/m.csv", m)
p, url = sandbox("--kojo-rps", "20")
try:
    wall = run(url, "kojo", f"{data}/m.csv", "--concurrency", "8")
    log = requests(url)
    rate = len(log) / wall
    throttled = sum(1 for r in log if r["status"] == 429)
    lines += ["\n## Kojo limited to 20 requests/s, client at its default --rate 20\n",
              "| records | requests | wall s | requests/s | share of the limit | answered 429 |", "|---:|---:|---:|---:|---:|---:|",
              f"| {m:,} | {len(log):,} | {wall:.1f} | {rate:.1f} | {rate / 20:.0%} | {throttled / len(log):.1%} |"]
finally:
    p.kill()

with open(os.environ.get("BENCH_RESULTS", os.path.join(root, "bench/RESULTS.md")), "a") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
