#!/usr/bin/env bash
# The daemon's service-side benchmarks, each beside its baseline in the same run:
#   1. wake-up latency of Soma's loop vs cyclictest (rt-tests): same period, same SCHED_FIFO
#      priority, alternating rounds, back to back; ratio = Soma / cyclictest per percentile
#      (lower is better, 1.0 = as good as the reference tool)
#   2. durable events per second through ring → writer → event log, and its bytes per second
#      against a plain sequential write of the same bytes fsynced as often
#   3. events pulled per second from a running somad over loopback HTTP, against reading the
#      same log in-process
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-bench-out}"
mkdir -p "$OUT"
ROUNDS="${SERVICE_BENCH_ROUNDS:-3}" SECONDS_PER_ROUND="${SERVICE_BENCH_SECONDS:-10}"
PRIORITY="${SERVICE_BENCH_PRIORITY:-80}" INTERVAL_US="${SERVICE_BENCH_INTERVAL_US:-50}"
command -v cyclictest >/dev/null || {
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq rt-tests >/dev/null
}
swift build -c release --product soma-service-bench >/dev/null
swift build -c release --product somad >/dev/null
BIN="$(swift build -c release --show-bin-path)"
PROFILE=Board/profiles/gpio-sim-single-neuron.toml

echo "==> wake-up latency: Soma's loop vs cyclictest, ${INTERVAL_US} µs period, SCHED_FIFO $PRIORITY, $ROUNDS × ${SECONDS_PER_ROUND} s each"
: > "$OUT/latency.jsonl"
for round in $(seq "$ROUNDS"); do
    loops=$((SECONDS_PER_ROUND * 1000000 / INTERVAL_US))
    cyclictest -t1 -p "$PRIORITY" -i "$INTERVAL_US" -l "$loops" -m -q -h 20000 --json="$OUT/cyclictest-$round.json" >/dev/null
    python3 - "$OUT/cyclictest-$round.json" "$round" >> "$OUT/latency.jsonl" <<'PY'
import json, sys
thread = json.load(open(sys.argv[1]))["thread"]["0"]
counts = sorted((int(us), n) for us, n in thread["histogram"].items())
total = sum(n for _, n in counts)
over = thread["cycles"] - total          # beyond the histogram: count them at the max
def percentile(p):
    target, seen = p / 100 * thread["cycles"], 0
    for us, n in counts:
        seen += n
        if seen >= target: return us
    return thread["max"]
print(json.dumps({"who": "cyclictest", "round": int(sys.argv[2]), "samples": thread["cycles"], "p50_us": percentile(50),
                  "p99_us": percentile(99), "p999_us": percentile(99.9), "max_us": thread["max"]}))
PY
    "$BIN/soma-service-bench" latency --profile "$PROFILE" --seconds "$SECONDS_PER_ROUND" --priority "$PRIORITY" --interval-us "$INTERVAL_US" \
        | python3 -c "import json,sys; d=json.load(sys.stdin); d.update(who='soma', round=$round); print(json.dumps(d))" >> "$OUT/latency.jsonl"
done
python3 - "$OUT/latency.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print(f"  {'':10} {'p50 µs':>8} {'p99 µs':>8} {'p99.9 µs':>9} {'max µs':>9}")
for who in ("cyclictest", "soma"):
    mine = [r for r in rows if r["who"] == who]
    print(f"  {who:10} " + " ".join(f"{statistics.median(r[k] for r in mine):>8.1f}" for k in ("p50_us", "p99_us", "p999_us", "max_us")))
    for r in mine:
        if r.get("warnings"): print("    warning:", *r["warnings"])
ratios = {k: statistics.median(s[k] / max(c[k], 0.001) for s, c in zip([r for r in rows if r["who"] == "soma"], [r for r in rows if r["who"] == "cyclictest"]))
          for k in ("p50_us", "p99_us", "p999_us", "max_us")}
print("  ratio Soma / cyclictest (median over rounds, lower is better): " + ", ".join(f"{k[:-3]} {v:.2f}" for k, v in ratios.items()))
PY

echo
echo "==> durable event log: ring → writer thread → checksummed segments, synced every 100 ms"
"$BIN/soma-service-bench" log --events 2000000 --dir "$OUT/log-bench" | tee "$OUT/log.json" | python3 -c "
import json, sys
d = json.load(sys.stdin)
print(f\"  {d['events']} events, {d['bytes'] / 1e6:.0f} MB: {d['soma_events_per_second']:,.0f} events/s durable, {d['soma_bytes_per_second'] / 1e6:.1f} MB/s\")
print(f\"  plain sequential write of the same bytes, fsynced as often: {d['plain_bytes_per_second'] / 1e6:.1f} MB/s\")
print(f\"  ratio Soma / plain write (bytes per second, higher is better): {d['soma_bytes_per_second'] / d['plain_bytes_per_second']:.2f}\")"

echo
echo "==> pulling events over loopback HTTP from a running somad"
DATA="$OUT/pull-data"
rm -rf "$DATA"
"$BIN/somad" --profile "$PROFILE" --sim --speed max --priority 0 --listen 127.0.0.1:0 --data-dir "$DATA" > "$OUT/somad.out" 2>&1 &
SOMAD=$!
trap 'kill $SOMAD 2>/dev/null || true' EXIT
for _ in $(seq 200); do grep -q "listening on" "$OUT/somad.out" && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$OUT/somad.out")
curl -sf -XPOST "$URL/v1/pattern-sets" -d '{"name":"pair","patterns":[{"pixels":"10"},{"pixels":"11"}]}' >/dev/null
curl -sf -XPOST "$URL/v1/runs" -d '{"protocol":"present","patternSet":"pair","parameters":{"periodsPerPattern":20,"repeats":1000000}}' >/dev/null
TARGET="${SERVICE_BENCH_PULL_EVENTS:-1000000}"
until [ "$(curl -sf "$URL/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["store"]["lastSequence"])')" -ge "$TARGET" ]; do sleep 0.5; done
curl -sf -XPOST "$URL/v1/runs/1/stop" >/dev/null
sleep 0.5
LAST=$(curl -sf "$URL/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["store"]["lastSequence"])')
"$BIN/soma-service-bench" pull --url "$URL" --through "$LAST" > "$OUT/pull.json"
kill -TERM $SOMAD; wait $SOMAD || true
trap - EXIT
"$BIN/soma-service-bench" read --dir "$DATA" > "$OUT/read.json"
python3 - "$OUT/pull.json" "$OUT/read.json" <<'PY'
import json, sys
pull, read = (json.load(open(p)) for p in sys.argv[1:3])
print(f"  {pull['events']:,} events in pages of 10 000 ({pull['raw_bytes'] / pull['events']:.0f} bytes of JSON each):")
print(f"    pulled and decoded with JSONDecoder, as a client does: {pull['events_per_second']:,.0f} events/s")
print(f"    pulled without decoding (server and loopback only):     {pull['raw_events_per_second']:,.0f} events/s")
print(f"  the same log read and decoded in-process: {read['events_per_second']:,.0f} events/s")
print(f"  ratio HTTP pull / in-process read (higher is better): decoded {pull['events_per_second'] / read['events_per_second']:.2f}, "
      f"raw {pull['raw_events_per_second'] / read['events_per_second']:.2f}")
PY
rm -rf "$DATA" "$OUT/log-bench"
