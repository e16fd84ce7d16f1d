#!/usr/bin/env bash
# Byte-identity check for changes that must not change behaviour: runs one binary over the
# generated files (every target, both the parallel and the one-thread path) and prints one
# sha256 per output, rejects file and report. Run it with the old and the new binary and diff.
#
# usage: bench/identity.sh BINARY DATA_DIR OUT_DIR > sums.txt
set -uo pipefail
bin=$1 data=$2 out=$3
mkdir -p "$out"
run() { # name, then the arguments after the binary
  local name=$1; shift
  "$bin" "$@" -o "$out/$name.out" --rejects "$out/$name.rej" --report "$out/$name.json" -q
  echo "exit $? $name"
}
for to in csv ndjson json vcard covage kojo; do
  run "plain-$to" convert "$data/contacts.csv" --to "$to"
done
for to in ndjson covage kojo csv; do
  run "mixed-$to" convert "$data/contacts-mixed.csv" --to "$to"
done
run covage-kojo convert "$data/covage.json" --to kojo
# Numbers of many countries in a Covage export (issue 22; older data directories lack it).
if [ -s "$data/covage-mixed.json" ]; then
  for to in csv kojo; do
    run "covage-mixed-$to" convert "$data/covage-mixed.json" --to "$to"
  done
fi
run kojo-csv convert "$data/kojo.json" --to csv
# One core: the one-thread path.
taskset -c 0 "$bin" convert "$data/contacts-mixed.csv" --to covage -o "$out/one-mixed-covage.out" \
  --rejects "$out/one-mixed-covage.rej" --report "$out/one-mixed-covage.json" -q
echo "exit $? one-mixed-covage"
"$bin" validate "$data/contacts-mixed.csv" --for kojo --report "$out/validate.json" -q 2>"$out/validate.err"
echo "exit $? validate"
cd "$out" && sha256sum -- *
