"""The baseline a researcher would otherwise use for seed 000's 30 × 10 × 10 network: Brian2.

The same network on the same tick as Soma's simulated full protocol: 50 µs steps, 1.6 V / 250 µs
input pulses at 2 kHz for the black pixels of the 6 × 5 digits, 10 hidden LIF neurons with a
normalised synaptic drive (the share of the active rows' conductance, as node 1 of the hybrid
neuron computes it), per-tick Gaussian threshold noise, winner-take-all inhibition and a 500 µs
refractory period, saturating Hebbian steps on the winner's synapses (potentiate active inputs,
depress grounded ones), and 10 output LIF neurons driven by the hidden spikes; spike monitors on
both layers. Patterns follow each other every `--presentation-ticks`.

    python paper_network.py --ticks 100000 --target cpp_standalone --json

prints the build time (code generation and compilation, paid on every change of network or
duration), the simulation wall time and ticks per second. Soma's side of the comparison is
`soma-network-bench`; `Benchmarks/network.sh` runs both.
"""
import argparse
import json
import os
import tempfile
import time

import numpy as np
from brian2 import (
    NeuronGroup, Synapses, SpikeMonitor, TimedArray, Network, defaultclock, device, prefs,
    set_device, us, ms, second,
)

DIGITS = [
    [".###.", "#...#", "#...#", "#...#", "#...#", ".###."],
    ["..#..", ".##..", "..#..", "..#..", "..#..", ".###."],
    [".###.", "#...#", "...#.", "..#..", ".#...", "#####"],
    ["####.", "....#", "..##.", "....#", "....#", "####."],
    ["...#.", "..##.", ".#.#.", "#####", "...#.", "...#."],
    ["#####", "#....", "####.", "....#", "#...#", ".###."],
    ["#####", "#....", "####.", "#...#", "#...#", ".###."],
    ["#####", "....#", "...#.", "..#..", ".#...", ".#..."],
    [".###.", "#...#", ".###.", "#...#", "#...#", ".###."],
    [".###.", "#...#", ".####", "....#", "#...#", ".###."],
]


def build(ticks, presentation_ticks, seed):
    defaultclock.dt = 50 * us
    np.random.seed(seed)
    pixels = np.array([[c == "#" for c in "".join(rows)] for rows in DIGITS], dtype=float)
    presentations = ticks // presentation_ticks + 1
    order = np.array([pixels[np.random.randint(10)] for _ in range(presentations)])
    pattern = TimedArray(order, dt=presentation_ticks * 50 * us)

    inputs = NeuronGroup(30, "x = 1.6 * pattern(t, i) * int((t % (500*us)) < 250*us) : 1")
    hidden = NeuronGroup(
        10,
        """
        dv/dt = (drive - v) / (5*ms) : 1 (unless refractory)
        drive = 1.6 * active / (total + 1e-9) : 1
        active : 1
        total : 1
        """,
        threshold="v > 0.3 + 0.05 * randn()", reset="v = 0", refractory=500 * us, method="exact",
    )
    layer1 = Synapses(
        inputs, hidden,
        """
        w : 1
        active_post = w * x_pre / 1.6 : 1 (summed)
        total_post = w : 1 (summed)
        """,
        on_post="w = clip(w + int(x_pre > 0) * 0.4 * (1000 - w) - int(x_pre == 0) * 0.4 * (w - 40), 40, 1000)",
    )
    layer1.connect()
    layer1.w = "400 * (1 + 0.15 * (2 * rand() - 1))"
    inhibition = Synapses(hidden, hidden, on_pre="v_post = 0")
    inhibition.connect(condition="i != j")

    output = NeuronGroup(
        10,
        """
        dv/dt = -v / (5*ms) : 1 (unless refractory)
        """,
        threshold="v > 0.1 + 0.02 * randn()", reset="v = 0", refractory=500 * us, method="exact",
    )
    layer2 = Synapses(hidden, output, "w2 : 1", on_pre="v_post += 2.0 * w2 / 1000")
    layer2.connect()
    layer2.w2 = 40

    hidden_spikes = SpikeMonitor(hidden)
    output_spikes = SpikeMonitor(output)
    network = Network(inputs, hidden, layer1, inhibition, output, layer2, hidden_spikes, output_spikes)
    return network, {"pattern": pattern}, hidden_spikes, output_spikes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ticks", type=int, default=100_000)
    parser.add_argument("--presentation-ticks", type=int, default=100)
    parser.add_argument("--target", default="cpp_standalone", choices=["cpp_standalone", "cython", "numpy"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()

    duration = arguments.ticks * 50 * us
    started = time.perf_counter()
    if arguments.target == "cpp_standalone":
        directory = tempfile.mkdtemp(prefix="brian2-soma-")
        set_device("cpp_standalone", directory=directory, build_on_run=False)
        network, namespace, hidden_spikes, output_spikes = build(arguments.ticks, arguments.presentation_ticks, arguments.seed)
        network.run(duration, namespace=namespace)
        device.build(directory=directory, compile=True, run=False)
        built = time.perf_counter()
        # The standalone binary's own run, timed alone.
        device.run(directory=directory, with_output=False)
        simulated = time.perf_counter()
        run_seconds = device._last_run_time if getattr(device, "_last_run_time", None) else simulated - built
    else:
        prefs.codegen.target = arguments.target
        network, namespace, hidden_spikes, output_spikes = build(arguments.ticks, arguments.presentation_ticks, arguments.seed)
        # A short first run pays the code generation and compilation.
        network.run(50 * us, namespace=namespace)
        built = time.perf_counter()
        network.run(duration - 50 * us, namespace=namespace)
        simulated = time.perf_counter()
        run_seconds = simulated - built
    result = {
        "target": arguments.target,
        "ticks": arguments.ticks,
        "build_seconds": built - started,
        "run_seconds": run_seconds,
        "ticks_per_second": arguments.ticks / run_seconds,
        "real_time_factor": arguments.ticks * 50e-6 / run_seconds,
        "hidden_spikes": int(hidden_spikes.num_spikes),
        "output_spikes": int(output_spikes.num_spikes),
    }
    if arguments.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
