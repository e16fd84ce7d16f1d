#!/usr/bin/env bash
# The browser layer: builds the wasm package and runs its tests in Node (wasm-bindgen-test),
# then the page in Debian's headless Chromium (playwright-core). Installs what it needs:
# the wasm32 target, wasm-bindgen-cli at the version in Cargo.lock, Debian's chromium, npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-unknown-unknown >/dev/null
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (found: ${have:-none})"
  cargo install --locked wasm-bindgen-cli --version "$want"
fi
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi

bash wasm/build.sh
cargo test -p contactport-wasm --target wasm32-unknown-unknown
# The CLI the page is compared with, as the workspace's tests build it (nothing new to
# compile after them).
cargo build --quiet --workspace --all-targets
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && npm test)
