#!/usr/bin/env python3
"""Python peers: `peers.py csv IN OUT` (the csv module → NDJSON) and
`peers.py duckdb-csv|duckdb-json IN OUT` (DuckDB read_csv → NDJSON, read_json → CSV)."""
import csv
import json
import sys

mode, inp, out = sys.argv[1:4]
if mode == "csv":
    with open(inp, newline="", encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
        for row in csv.DictReader(f):
            o.write(json.dumps(row, ensure_ascii=False))
            o.write("\n")
elif mode == "duckdb-csv":
    import duckdb
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{inp}', all_varchar=true)) TO '{out}' (FORMAT JSON)")
elif mode == "duckdb-json":
    import duckdb
    duckdb.sql(f"COPY (SELECT * FROM read_json('{inp}', format='array')) TO '{out}' (FORMAT CSV, HEADER)")
else:
    sys.exit(f"unknown mode {mode}")
