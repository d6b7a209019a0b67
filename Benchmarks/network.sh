#!/usr/bin/env bash
# Seed 000's 30 × 10 × 10 network, Soma against the baseline a researcher would otherwise use,
# in the same run: Soma's simulated full protocol in-process (soma-network-bench, release build)
# and the same network on the same 50 µs tick in Brian2 (Benchmarks/brian2/paper_network.py) with
# its fastest target that builds here, cpp_standalone, for as many ticks as Soma's run took.
# Brian2 2.11 needs Python ≥ 3.13: a venv is made in OUT/brian2-venv from pyenv's 3.13 if there is
# one (else python3) and brian2 installed from PyPI into it.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-bench-out}"
mkdir -p "$OUT"
SEEDS="${NETWORK_BENCH_SEEDS:-1 2 3}"

swift build -c release --product soma-network-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)"
echo "==> Soma: the full protocol on the simulated breadboard, seeds $SEEDS"
"$BIN/soma-network-bench" $SEEDS | tee "$OUT/network-soma.jsonl"

PYTHON=python3
for candidate in "$HOME"/.pyenv/versions/3.13*/bin/python3 python3.13; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
done
if [ ! -x "$OUT/brian2-venv/bin/python" ]; then
    "$PYTHON" -m venv "$OUT/brian2-venv"
    "$OUT/brian2-venv/bin/pip" install --quiet brian2
fi
TICKS=$(python3 -c "import json,sys; rows=[json.loads(l) for l in open(sys.argv[1])]; print(round(sum(r['ticks'] for r in rows)/len(rows)))" "$OUT/network-soma.jsonl")
echo "==> Brian2 $("$OUT/brian2-venv/bin/python" -c 'import brian2; print(brian2.__version__)'), cpp_standalone, $TICKS ticks"
"$OUT/brian2-venv/bin/python" Benchmarks/brian2/paper_network.py --ticks "$TICKS" --target cpp_standalone --json 2>/dev/null \
    | tail -n 1 | tee "$OUT/network-brian2.json"

python3 - "$OUT/network-soma.jsonl" "$OUT/network-brian2.json" <<'PY'
import json, statistics, sys
soma = [json.loads(line) for line in open(sys.argv[1])]
brian = json.load(open(sys.argv[2]))
rate = statistics.median(r["ticks_per_second"] for r in soma)
wall = statistics.median(r["wall_seconds"] for r in soma)
mallocs = statistics.median(r["mallocs_per_tick"] for r in soma)
print()
print("| 30 × 10 × 10 network, full protocol | Soma (simulated breadboard) | Brian2 cpp_standalone | ratio Soma / Brian2 |")
print("| --- | --- | --- | --- |")
print(f"| ticks per second (median of {len(soma)} seeds) | {rate:,.0f} | {brian['ticks_per_second']:,.0f} | {rate / brian['ticks_per_second']:.2f} |")
print(f"| real-time factor at 50 µs ticks | {rate * 50e-6:.1f} | {brian['real_time_factor']:.1f} | {rate * 50e-6 / brian['real_time_factor']:.2f} |")
print(f"| wall time, one run of {soma[0]['ticks']:,} ticks | {wall:.2f} s | {brian['run_seconds']:.2f} s run + {brian['build_seconds']:.1f} s code generation and compilation | {wall / (brian['run_seconds'] + brian['build_seconds']):.3f} (with Brian2's build) |")
print(f"| mallocs per tick (whole experiment; the tick path itself: 0) | {mallocs:.4f} | — | — |")
PY
