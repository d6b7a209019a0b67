#!/usr/bin/env python3
"""Prints Soma's benchmark results as ratios against the baselines measured in the same run.

Reads the p90 files that `swift package benchmark --format metricP90AbsoluteThresholds` writes
(one JSON object per benchmark: wallClock in ns per iteration of 1,000 ticks, mallocCountTotal per
iteration) and pairs each "core tick, SHAPE" with "naive tick (baseline), SHAPE".
"""
import json
import pathlib
import sys

TICKS_PER_ITERATION = 1000


def load(directory: pathlib.Path) -> dict:
    results = {}
    for path in sorted(directory.glob("*.p90.json")):
        name = path.name[: -len(".p90.json")].split(".", 1)[1].replace("_", " ")
        results[name] = json.loads(path.read_text())
    return results


def main() -> int:
    directory = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "bench-out")
    results = load(directory)
    if not results:
        print(f"no benchmark results in {directory}", file=sys.stderr)
        return 1
    rows = []
    for name, core in results.items():
        if not name.startswith("core tick, "):
            continue
        shape = name[len("core tick, "):]
        baseline = results.get(f"naive tick (baseline), {shape}")
        if baseline is None:
            print(f"missing baseline for {name}", file=sys.stderr)
            return 1
        core_ns = core["wallClock"] / TICKS_PER_ITERATION
        base_ns = baseline["wallClock"] / TICKS_PER_ITERATION
        rows.append((shape, core_ns, base_ns, base_ns / core_ns,
                     core["mallocCountTotal"] / TICKS_PER_ITERATION,
                     baseline["mallocCountTotal"] / TICKS_PER_ITERATION))
    print("Neuron core tick (p90 over iterations of 1,000 ticks; baseline: the naive implementation"
          " in Benchmarks/CoreTick/NaiveNetwork.swift, same run, same lines computed)")
    header = f"{'network':<10} {'core ns/tick':>13} {'naive ns/tick':>14} {'speed-up':>9} {'core mallocs/tick':>18} {'naive mallocs/tick':>19}"
    print(header)
    print("-" * len(header))
    for shape, core_ns, base_ns, ratio, core_m, base_m in rows:
        print(f"{shape:<10} {core_ns:>13.1f} {base_ns:>14.1f} {ratio:>8.2f}x {core_m:>18.3f} {base_m:>19.3f}")
    staged = [(name[len("core tick with output stage, "):], result) for name, result in results.items()
              if name.startswith("core tick with output stage, ")]
    if staged:
        print()
        print("Output stage (every row held to the profile's limits each tick; baseline: the same core"
              " tick without limits, same run)")
        header = f"{'network':<10} {'with stage ns/tick':>19} {'without ns/tick':>16} {'cost':>7} {'mallocs/tick':>13}"
        print(header)
        print("-" * len(header))
        for shape, result in staged:
            plain = results.get(f"core tick, {shape}")
            if plain is None:
                print(f"missing baseline for the output stage, {shape}", file=sys.stderr)
                return 1
            with_ns = result["wallClock"] / TICKS_PER_ITERATION
            plain_ns = plain["wallClock"] / TICKS_PER_ITERATION
            stage_m = result["mallocCountTotal"] / TICKS_PER_ITERATION
            print(f"{shape:<10} {with_ns:>19.1f} {plain_ns:>16.1f} {with_ns / plain_ns:>6.2f}x {stage_m:>13.3f}")
            if stage_m != 0:
                rows.append((shape + " (output stage)", with_ns, plain_ns, 0, stage_m, 0))
    sims = [(name[len("sim tick, "):], result) for name, result in results.items() if name.startswith("sim tick, ")]
    if sims:
        print()
        print("Simulated breadboard (core + circuit + devices; real-time factor = virtual seconds per wall"
              " second at the default 50 us tick)")
        header = f"{'network':<10} {'ns/tick':>10} {'neuron-ticks/s':>15} {'real-time factor':>17} {'mallocs/tick':>13}"
        print(header)
        print("-" * len(header))
        neurons = {"1 neuron": 1, "30x10x10": 20}
        for shape, result in sims:
            ns = result["wallClock"] / TICKS_PER_ITERATION
            print(f"{shape:<10} {ns:>10.1f} {neurons.get(shape, 1) * 1e9 / ns:>15.3g} {50_000 / ns:>16.1f}x"
                  f" {result['mallocCountTotal'] / TICKS_PER_ITERATION:>13.3f}")
    failures = [shape for shape, *_, core_m, _ in rows if core_m != 0]
    if failures:
        print(f"FAIL: the core allocated in the tick for {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
