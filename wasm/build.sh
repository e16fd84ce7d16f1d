#!/usr/bin/env bash
# Builds the browser package: wasm/www/pkg (for the page, --target web) and wasm/pkg (an npm
# package for Node and bundlers, with TypeScript types). Needs the wasm32 target and the
# wasm-bindgen CLI at the version in Cargo.lock (tests/browser.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p contactport-wasm --target wasm32-unknown-unknown --profile wasm-release
wasm=target/wasm32-unknown-unknown/wasm-release/contactport_wasm.wasm
wasm-bindgen --target web --out-dir wasm/www/pkg "$wasm"
wasm-bindgen --target nodejs --out-dir wasm/pkg "$wasm"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
cat > wasm/pkg/package.json <<JSON
{
  "name": "contactport-wasm",
  "version": "$version",
  "description": "Convert and validate contact files (Covage, Kojo, CSV, Google, Outlook) in Node or the browser.",
  "license": "MIT OR Apache-2.0",
  "main": "contactport_wasm.js",
  "types": "contactport_wasm.d.ts",
  "files": ["contactport_wasm_bg.wasm", "contactport_wasm.js", "contactport_wasm.d.ts", "contactport_wasm_bg.wasm.d.ts"]
}
JSON
echo "wasm: $(stat -c %s wasm/www/pkg/contactport_wasm_bg.wasm) bytes (wasm/www/pkg/contactport_wasm_bg.wasm)"
