#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what it needs first.
# This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Seconds since the start on each step, so the next engineer sees where CI's time goes.
step() { printf '\n==> %s (at %ss)\n' "$*" "$SECONDS"; }
# One fresh build, not an edit loop: incremental compilation only costs time here.
export CARGO_INCREMENTAL=0

step "toolchain: wasm32 target"
rustup target add wasm32-unknown-unknown >/dev/null

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "core builds for the browser (wasm32-unknown-unknown)"
cargo build --quiet -p contactport-core --target wasm32-unknown-unknown

step "unit, property and end-to-end tests"
cargo test --workspace

step "phone numbers against Google's libphonenumber (python phonenumbers, differential)"
# The example as the tests built it (dependencies optimised): no second, release build.
cargo build --quiet -p contactport-core --example phones
# Every number of the generated corpus agrees (issue 13); the only exceptions are deliberate and
# counted apart, with their reason.
python3 tests/phones/differential.py --bin target/debug/examples/phones

if [ -x tests/browser.sh ]; then
  step "browser package and page"
  tests/browser.sh
fi

if [ -x bench/run.sh ]; then
  step "benchmark suite, smoke size (no speed asserted)"
  BENCH_PROFILE=dev bench/run.sh 10000
fi

printf '\n==> all passed in %ss\n' "$SECONDS"
