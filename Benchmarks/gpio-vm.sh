#!/usr/bin/env bash
# GPIO throughput through Soma's layer as a ratio to C using libgpiod v1 directly, measured in the
# real-kernel test VM (gpio-sim), same kernel, same boot, alternating rounds. Goal: ratio ≥ 0.95.
# Absolute numbers are TCG-emulated ioctls, not a prediction for a real board; the ratio is the point.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-bench-out}"
mkdir -p "$OUT"
swift build -c release --product soma-gpio-bench >/dev/null
gcc -O2 -o "$OUT/gpiod_baseline" Benchmarks/gpio-baseline/gpiod_baseline.c -lgpiod
SWIFT_BENCH="$(swift build -c release --show-bin-path)/soma-gpio-bench"
ROUNDS="${GPIO_BENCH_ROUNDS:-9}" TOGGLES="${GPIO_BENCH_TOGGLES:-100000}" FRAMES="${GPIO_BENCH_FRAMES:-50000}"
Tests/hil/vm.sh run sh -c "for round in \$(seq $ROUNDS); do
    echo \"round \$round c\";     $OUT/gpiod_baseline gpiochip0 $TOGGLES $FRAMES
    echo \"round \$round swift\"; $SWIFT_BENCH gpiochip0 $TOGGLES $FRAMES
done" | tee "$OUT/gpio-vm.txt"
python3 - "$OUT/gpio-vm.txt" <<'PY'
import statistics, sys
runs = {"c": {}, "swift": {}}
who = None
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 3 and parts[0] == "round":
        who = parts[2]
    elif len(parts) == 2 and who in runs:
        runs[who].setdefault(parts[0], []).append(float(parts[1]))
print()
print(f"GPIO in the VM (gpio-sim, TCG), {len(runs['c']['toggles_per_second'])} alternating rounds;")
print("ratio = Soma / C libgpiod in the same round (higher is better), median over rounds")
for metric in ("toggles_per_second", "frames_per_second"):
    c, swift = runs["c"][metric], runs["swift"][metric]
    ratios = sorted(s / b for s, b in zip(swift, c))
    print(f"  {metric:20} C {statistics.median(c):10.0f}   Soma {statistics.median(swift):10.0f}   "
          f"ratio {statistics.median(ratios):.3f} (rounds {ratios[0]:.2f}…{ratios[-1]:.2f})")
PY
