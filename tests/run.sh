#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what it needs first.
# This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Seconds since the start on each step, so the next engineer sees where CI's time goes.
step() { printf '\n==> %s (at %ss)\n' "$*" "$SECONDS"; }
# One fresh build, not an edit loop: incremental compilation only costs time here.
export CARGO_INCREMENTAL=0

# What waits on the network (Debian's chromium, miller and time for the benchmarks, DuckDB)
# installs while the Rust code compiles; the steps that need them wait for it, and still
# install what is missing themselves.
(
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v mlr >/dev/null 2>&1 || missing+=(miller)
  [ -x /usr/bin/time ] || missing+=(time)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb
) > "${TMPDIR:-/tmp}/contactport-installs.log" 2>&1 &
installs=$!

step "toolchain: wasm32 target"
rustup target add wasm32-unknown-unknown >/dev/null

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "core builds for the browser (wasm32-unknown-unknown)"
# Core is pure: it builds for wasm32, with the bindings and their tests (built once here,
# run in the browser step).
cargo test --no-run --quiet -p contactport-wasm --target wasm32-unknown-unknown

step "unit, property and end-to-end tests"
cargo test --workspace

step "phone numbers against Google's libphonenumber (python phonenumbers, differential)"
# The example as the tests built it (dependencies optimised): the same targets and features
# as `cargo test --workspace`, so nothing is compiled again.
cargo build --quiet --workspace --all-targets
# Every number of the generated corpus agrees (issue 13); the only exceptions are deliberate and
# counted apart, with their reason.
python3 tests/phones/differential.py --bin target/debug/examples/phones

wait "$installs" || echo "note: background installs failed (${TMPDIR:-/tmp}/contactport-installs.log); the steps try again"

if [ -x tests/browser.sh ]; then
  step "browser package and page"
  tests/browser.sh
fi

if [ -x bench/run.sh ]; then
  step "benchmark suite, smoke size (no speed asserted)"
  BENCH_PROFILE=dev bench/run.sh 10000
fi

printf '\n==> all passed in %ss\n' "$SECONDS"
