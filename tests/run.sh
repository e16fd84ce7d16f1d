#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what it needs first.
# This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# cargo caches rustc's target probes in target/.rustc_info.json, failed ones included. On this
# machine the probe sometimes fails after a fresh clippy build (rustc reading earlier build output
# as its input; not every time, cause not found), and the cached failure then fails every later
# cargo command. A command that fails while a failed probe is cached is run again, up to three
# times, the failed probe forgotten first; any other failure stands.
probed() {
  local status=0 try
  for try in 1 2 3 4; do
    "$@" && return 0
    status=$?
    if [ "$try" -lt 4 ] && [ -f target/.rustc_info.json ] \
        && grep -q '"success":false' target/.rustc_info.json; then
      echo "note: a failed rustc probe was cached; forgetting it and running again" >&2
      rm -f target/.rustc_info.json
      sleep 1
    else
      return "$status"
    fi
  done
  return "$status"
}

step "toolchain: wasm32 target"
rustup target add wasm32-unknown-unknown >/dev/null

step "format and lints"
cargo fmt --all --check
probed cargo clippy --workspace --all-targets --quiet -- -D warnings

step "core builds for the browser (wasm32-unknown-unknown)"
probed cargo build --quiet -p contactport-core --target wasm32-unknown-unknown

step "unit, property and end-to-end tests"
probed cargo test --workspace

step "phone numbers against Google's libphonenumber (python phonenumbers, differential)"
probed cargo build --quiet --release -p contactport-core --example phones
# 1.07% of the generated corpus still disagrees (the phonenumber crate's own validity rules in a
# few regions: ZW, CD, RU, CN, IL, MM…); the bound keeps it from growing. See issue 13.
python3 tests/phones/differential.py --max-mismatch 0.011

if [ -x tests/browser.sh ]; then
  step "browser package and page"
  probed tests/browser.sh
fi

if [ -x bench/run.sh ]; then
  step "benchmark suite, smoke size (no speed asserted)"
  probed bench/run.sh 10000
fi
