#!/bin/sh
# `make demo`: the whole job on the simulated breadboard, as a user runs it on a real one.
# somad --sim runs seed 000's 30 × 10 × 10 network on loopback; soma uploads the built-in digits,
# runs the full protocol (layer-1 WTA, layer-2 supervised, noisy inference), watches it, pulls
# the log into SQLite and reports winners, accuracy and confusion; the plots go to demo-out/.
# The user's own board list is not touched (SOMA_CONFIG_DIR points into demo-out/).
set -eu
BIN=$(swift build --show-bin-path)
OUT=demo-out
rm -rf "$OUT"
mkdir -p "$OUT"
export SOMA_CONFIG_DIR="$OUT/config"
DB="$OUT/logs.sqlite"

step() { printf '\n==> %s\n\n' "$*"; }

step "somad --sim: seed 000's 30 × 10 × 10 network on the simulated breadboard, on loopback"
"$BIN/somad" --profile Board/profiles/sim-paper-network.toml --sim --speed max \
  --listen 127.0.0.1:0 --data-dir "$OUT/board" >"$OUT/somad.log" 2>&1 &
SOMAD=$!
trap 'kill $SOMAD 2>/dev/null || true' EXIT
URL=""
for _ in $(seq 1 600); do
  URL=$(sed -n 's/^listening on //p' "$OUT/somad.log" | head -n 1)
  [ -n "$URL" ] && break
  kill -0 $SOMAD 2>/dev/null || { cat "$OUT/somad.log"; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "somad did not start listening"; cat "$OUT/somad.log"; exit 1; }
echo "somad is listening on $URL (its log: $OUT/somad.log)"

step "soma board add, patterns upload builtin:digits"
"$BIN/soma" board add demo "$URL"
"$BIN/soma" patterns upload builtin:digits
"$BIN/soma" patterns show builtin:digits

step "soma run start Board/runs/learn-digits.toml, soma run watch"
"$BIN/soma" run start Board/runs/learn-digits.toml
"$BIN/soma" run watch

step "soma logs pull: the run's events into $DB"
"$BIN/soma" logs pull --database "$DB"

step "soma run report: what the run showed, from the pulled log"
"$BIN/soma" run report --database "$DB" --out "$OUT"
"$BIN/soma" plot raster --database "$DB" --kind fire --out "$OUT/raster.svg"
"$BIN/soma" logs export --database "$DB" --format csv --out "$OUT/events.csv"

kill -TERM $SOMAD
wait $SOMAD || true
trap - EXIT
tail -n 1 "$OUT/somad.log"

step "soma sim run: the same experiment in-process (same profile and seed), for the weight maps"
"$BIN/soma" sim run --profile Board/profiles/sim-paper-network.toml --out "$OUT/sim" >"$OUT/sim-run.txt"
head -n 1 "$OUT/sim-run.txt"

step "written to $OUT/"
ls "$OUT" "$OUT/sim"
