#!/usr/bin/env python3
"""make check-hardware: the front-end (frontend.cir) simulated in ngspice against what the board
profiles ask of it. Each check builds a test bench from the front-end's own subcircuits, runs it in
batch ngspice, and compares the measured value with its bound. Prints one table; exits 1 if any
check fails, 2 if a bench or profile cannot be read (naming the file and line).

Worst cases come from the shipped hardware profiles (Board/profiles/pi*.toml): the largest network
and amplitude they allow, the shortest tick, every synapse at the top of its range (1000 uS).
"""
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROFILES = os.path.join(ROOT, "Board", "profiles")
FRONTEND = os.path.join(HERE, "frontend.cir")


class Unreadable(Exception):
    pass


def frontend_params():
    """The .param FE_* values of frontend.cir (what soma profile check reads too)."""
    values = {}
    with open(FRONTEND) as handle:
        for number, line in enumerate(handle, 1):
            if not line.lower().startswith(".param fe_"):
                continue
            for name, value in re.findall(r"(FE_\w+)\s*=\s*(\S+)", line):
                try:
                    values[name] = float(value)
                except ValueError:
                    raise Unreadable(f"{FRONTEND}:{number}: {name} = {value} is not a number")
    return values


def hardware_profiles():
    """Shipped profiles that drive real lines (not the simulator or the test VM's gpio-sim)."""
    found = []
    for name in sorted(os.listdir(PROFILES)):
        if not (name.startswith("pi") and name.endswith(".toml")):
            continue
        path = os.path.join(PROFILES, name)
        with open(path, "rb") as handle:
            try:
                found.append((path, tomllib.load(handle)))
            except tomllib.TOMLDecodeError as error:
                raise Unreadable(f"{path}: {error}")
    return found


def run_bench(title, body, probes, stop, step="0.2u", maxstep="1u"):
    """Runs one transient bench; returns {probe: [(t, v)]}."""
    with tempfile.TemporaryDirectory() as folder:
        if os.environ.get("CHECK_HARDWARE_KEEP"):
            folder = tempfile.mkdtemp(prefix="check-hardware-")
            print(f"bench '{title}': {folder}", file=sys.stderr)
        data = os.path.join(folder, "out.txt")
        netlist = os.path.join(folder, "bench.cir")
        with open(netlist, "w") as handle:
            handle.write(f"* {title}\n.include {FRONTEND}\n{body}\n")
            handle.write(".options method=gear reltol=1e-4\n")
            handle.write(f".tran {step} {stop} 0 {maxstep} uic\n.control\nset wr_singlescale\nrun\n")
            handle.write(f"wrdata {data} " + " ".join(f"V({probe})" for probe in probes) + "\n.endc\n.end\n")
        started = time.monotonic()
        result = subprocess.run(["ngspice", "-b", netlist], capture_output=True, text=True, timeout=600)
        if os.environ.get("CHECK_HARDWARE_KEEP"):
            print(f"  {time.monotonic() - started:.1f} s", file=sys.stderr)
        if not os.path.exists(data):
            lines = [line for line in (result.stdout + result.stderr).splitlines() if "rror" in line or "line" in line]
            raise Unreadable(f"bench '{title}' did not run: " + "; ".join(lines[:4]))
        series = {probe: [] for probe in probes}
        with open(data) as handle:
            for line in handle:
                fields = line.split()
                if len(fields) < len(probes) + 1:
                    continue
                try:
                    numbers = [float(field) for field in fields]
                except ValueError:
                    continue
                for index, probe in enumerate(probes):
                    series[probe].append((numbers[0], numbers[index + 1]))
        return series


def at(series, time):
    """The value at `time` (the last sample not after it)."""
    value = series[0][1]
    for t, v in series:
        if t > time:
            break
        value = v
    return value


def window(series, start, end):
    return [v for t, v in series if start <= t <= end]


SUPPLIES = "Vp3 p3 0 3.3\nVp5 p5 0 5.0\nVn5 n5 0 -5.0\n"


class Table:
    def __init__(self):
        self.rows = []

    def add(self, check, measured, bound, ok):
        self.rows.append((check, measured, bound, ok))

    def print(self):
        widths = [max(len(row[i]) for row in self.rows + [("check", "measured", "bound", "")]) for i in range(3)]
        print("check".ljust(widths[0]) + "  " + "measured".ljust(widths[1]) + "  " + "bound".ljust(widths[2]) + "  result")
        for check, measured, bound, ok in self.rows:
            print(check.ljust(widths[0]) + "  " + measured.ljust(widths[1]) + "  " + bound.ljust(widths[2]) + "  " + ("pass" if ok else "FAIL"))

    @property
    def failures(self):
        return [row for row in self.rows if not row[3]]


def worst_cases(profiles):
    """What the profiles allow: the largest layer, the highest amplitude, the shortest tick."""
    rows = max(p["network"]["inputs"] for _, p in profiles)
    neurons = max(max(p["network"]["layers"]) for _, p in profiles)
    second = max((p["network"]["layers"][0] if len(p["network"]["layers"]) > 1 else 0) for _, p in profiles)
    second_neurons = max((p["network"]["layers"][1] if len(p["network"]["layers"]) > 1 else 0) for _, p in profiles)
    amplitude = max(p["limits"]["max_amplitude_volts"] for _, p in profiles)
    ticks = []
    for _, p in profiles:
        clock = p["clock"]
        ticks.append(1 / clock["frequency_hz"] / 2 / clock.get("ticks_per_phase", 5))
    levels = [p.get("frontend", {}) for _, p in profiles]
    lift = max([level.get("depression_lift_volts", 0) for level in levels] + [1.9])
    spike = max([level.get("spike_volts", 0) for level in levels] + [2.0])
    return dict(rows=rows, neurons=neurons, second_rows=second, second_neurons=second_neurons,
                amplitude=amplitude, tick=min(ticks), lift=lift, spike=spike)


def check_rail(table, name, level, rows, per_row_siemens, tick):
    """A power rail under its worst-case load (every row on, node 1 grounded through T1, every
    synapse at the top of its range) and at its lowest (no row on); and a row edge at the
    worst-case load step settling within 5 % in under 10 % of a tick."""
    body = SUPPLIES + f"Vcode code 0 {level}\nXDAC code dac p3 MCP4728_CH\nXRAIL dac 0 0 rail p5 FE_RAIL\n"
    body += "Vctl g 0 PWL(0 0 1m 0 1.00001m 3.3)\nVen en_n 0 0\nXC g en_n ctl p3 FE_CONTROL\n"
    for row in range(rows):
        body += f"XR{row} ctl row{row} rail p5 FE_ROW\nRL{row} row{row} 0 {1 / per_row_siemens:.6g}\n"
    series = run_bench(f"{name} rail", body, ["rail", "row0"], "1.5m")
    light = at(series["rail"], 0.99e-3)
    loaded = at(series["rail"], 1.45e-3)
    for label, value in (("lowest load", light), (f"{rows} rows x {per_row_siemens * 1e3:.0f} mS", loaded)):
        error = abs(value - level) / level
        table.add(f"{name} rail {level:.2f} V, {label}", f"{value:.4f} V ({error * 100:.2f} %)", "within 2 %", error <= 0.02)
    final = at(series["row0"], 1.45e-3)
    error = abs(final - level) / level
    table.add(f"{name} row 0 behind its switch, {rows} rows on", f"{final:.4f} V ({error * 100:.2f} %)", "within 2 %", error <= 0.02)
    outside = [t for t, v in series["row0"] if t > 1e-3 and abs(v - final) > 0.05 * final]
    settle = (max(outside) - 1e-3) if outside else 0.0
    current = rows * per_row_siemens * level
    table.add(f"{name} row edge, {current:.2f} A step", f"{settle * 1e6:.2f} us to 5 %", f"< {tick * 0.1 * 1e6:.1f} us (10 % of a tick)", settle < 0.1 * tick)


def check_read(table, fe, rows, neurons, tick):
    """READ high puts the precision read level on the pulse rail (the buffer's input switched from
    the DAC to the reference divider): within 1 % of 0.2 V with every row on at 1000 uS and with
    none; how long the rail takes to get there from the pulse level; and the transimpedance
    read-out across the synapse range, inside the ADC's full scale."""
    read = fe["FE_READ_VOLTS"]
    def bench(loaded):
        body = SUPPLIES + "XREF vref vread_set vcmp vgread_set p5 FE_REFERENCE\nVcode code 0 1.6\nXDAC code dac p3 MCP4728_CH\n"
        body += "Vrd rd 0 PWL(0 0 1m 0 1.00001m 3.3)\nXRAIL dac vread_set rd rail p5 FE_RAIL\n"
        body += f"Vctl g 0 {3.3 if loaded else 0}\nVen en_n 0 0\nXC g en_n ctl p3 FE_CONTROL\n"
        siemens = fe["FE_SYNAPSE_MAX_SIEMENS"] * neurons
        for row in range(rows):
            body += f"XR{row} ctl row{row} rail p5 FE_ROW\nRL{row} row{row} 0 {1 / siemens:.6g}\n"
        return run_bench("read level", body, ["rail", "row0"], "1.6m")
    for loaded in (False, True):
        series = bench(loaded)
        value = at(series["rail"], 1.58e-3)
        error = abs(value - read) / read
        label = f"{rows} rows x {neurons} synapses at 1000 uS" if loaded else "lowest load"
        table.add(f"read level {read:.3f} V on the pulse rail, {label}", f"{value:.5f} V ({error * 100:.2f} %)", "within 1 %", error <= 0.01)
        if loaded:
            outside = [t for t, v in series["rail"] if t > 1e-3 and abs(v - read) > 0.01 * read]
            settle = (max(outside) - 1e-3) if outside else 0.0
            period = 2 * 5 * tick  # one clock period at the profile's 5 ticks a phase
            table.add("pulse level to read level (READ high)", f"{settle * 1e6:.0f} us to 1 %", f"< {period * 1e6:.0f} us (one clock period)", settle < period)
    # Transimpedance read-out across the synapse range: one row at the read level into T1's return.
    full = fe["FE_ADC_FULL_SCALE_VOLTS"]
    outputs = []
    for siemens in (fe["FE_SYNAPSE_MIN_SIEMENS"], 100e-6, 400e-6, fe["FE_SYNAPSE_MAX_SIEMENS"]):
        body = SUPPLIES + "XREF vref vread_set vcmp vgread_set p5 FE_REFERENCE\nVcode code 0 1.6\nXDAC code dac p3 MCP4728_CH\n"
        body += f"Vt1 t1 0 3.3\nVt3 t3 0 0\nVrd rd 0 3.3\nVlift lift 0 0\nXRAIL dac vread_set rd rail p5 FE_RAIL\nRsyn rail node1 {1 / siemens:.6g}\n"
        body += "XCOL t1 t3 rd node1 node2 fire lift vcmp tia_in p5 p3 FE_COLUMN\nXRO tia_in adc p5 n5 FE_READOUT\n"
        series = run_bench("read-out", body, ["adc"], "1m")
        outputs.append((siemens, at(series["adc"], 0.95e-3)))
    low, high = outputs[0][1], outputs[-1][1]
    span = (high - low) / full
    table.add("read-out span 40-1000 uS", f"{low:.3f}-{high:.3f} V ({span * 100:.0f} % of {full:.3f} V)", ">= 50 % of full scale", span >= 0.5)
    inside = all(0 <= value <= full for _, value in outputs)
    table.add("read-out stays inside the ADC", f"{min(v for _, v in outputs):.3f}..{max(v for _, v in outputs):.3f} V", f"0..{full:.3f} V", inside)


def check_comparator(table, fe):
    """Node 2 through the 10 k read-out resistor: the TS device on (2 kohm) must flip the comparator
    at the lowest node-1 level a neuron integrates from (Fig. 5: 0.5 V), the device off (1 Gohm)
    must not at the highest amplitude; with the comparator's offset at either sign."""
    cases = [("TS on, node 1 at 0.5 V (Fig. 5)", 0.5, 2000, True), ("TS on, node 1 at 1.44 V (Fig. 3b)", 1.44, 2000, True),
             ("TS off, node 1 at 2.0 V", 2.0, 1e9, False)]
    for label, node1, device, flips in cases:
        for offset in ("5m", "-5m"):
            body = SUPPLIES + "XREF vref vread_set vcmp vgread_set p5 FE_REFERENCE\n"
            body += f"Vn1 node1 0 PWL(0 0 0.5m 0 0.50001m {node1})\nRdev node1 node2 {device}\nR11 node2 0 10k\n"
            body += f"XU6 node2 vcmp fire p3 TLV3201 vos={offset}\n"
            series = run_bench("comparator", body, ["fire", "node2"], "0.8m")
            high = at(series["fire"], 0.75e-3) > 1.65
            table.add(f"comparator, {label}, offset {offset}V", f"node 2 {at(series['node2'], 0.75e-3):.4f} V, out {'1' if high else '0'}",
                      "1" if flips else "0", high == flips)


def check_safe_state(table):
    """Power-up and loss of software: the SBC's lines released (each floating at a weak 50 k pull-up,
    the worst case of a Pi's default pulls), the DAC's EEPROM at a live level: no row, T1, T3 or gate
    line may be driven. Before the release the lines drive everything on."""
    body = SUPPLIES + "Vcode code 0 1.6\nXDAC code dac p3 MCP4728_CH\nXRAIL dac vread_set 0 rail p5 FE_RAIL\n"
    body += "Vcl cl 0 1.76\nXDACL cl dacl p3 MCP4728_CH\nXLIFT dacl 0 0 lift p5 FE_RAIL\n"
    body += "XREF vref vread_set vcmp vgread_set p5 FE_REFERENCE\nVpg vpg 0 3.0\n"
    body += "XEN en_n p3 FE_ENABLE\n"
    # Each SBC line: driven (100 ohm) until 1 ms, then released to a 50 k pull-up.
    def line(name, level):
        return (f"Vd_{name} d_{name} 0 PWL(0 {level} 1m {level} 1.00001m 0)\n"
                f"Bg_{name} g_{name} 0 I = (V(g_{name}) - V(d_{name})) * (time < 1m ? 1/100 : 1e-12)\n"
                f"Rpu_{name} g_{name} p3 50k\n")
    # The enable line: driven low (active) while somad runs, then released to its 10 k pull-up.
    body += ("Vd_en d_en 0 0\n"
             "Bg_en en_n 0 I = (V(en_n) - V(d_en)) * (time < 1m ? 1/100 : 1e-12)\n")
    for name in ("row0", "row1", "t1", "t3", "lg", "pg"):
        body += line(name, 3.3)
        body += f"XC_{name} g_{name} en_n c_{name} p3 FE_CONTROL\n"
    body += "XR0 c_row0 row0 rail p5 FE_ROW\nXR1 c_row1 row1 rail p5 FE_ROW\n"
    body += "XS0 row0 node1 gate RS_1T1R g0=1000u\nXS1 row1 node1 gate RS_1T1R g0=1000u\n"
    body += "XCOL c_t1 c_t3 c_read node1 node2 fire lift vcmp tia_in p5 p3 FE_COLUMN\nRrd c_read 0 1G\nRtia tia_in 0 10k\n"
    body += "XTS node1 node2 TS_NEURON\nXG c_lg c_pg gate vpg vgread_set p5 FE_GATE\n"
    series = run_bench("safe state", body, ["row0", "row1", "node1", "gate", "c_t1", "c_t3", "en_n"], "1.5m")
    before = {name: at(series[name], 0.95e-3) for name in series}
    after = {name: max(abs(v) for v in window(series[name], 1.1e-3, 1.5e-3)) for name in series}
    table.add("running: rows, T1, node 1, gate driven", f"rows {before['row0']:.2f} V, gate {before['gate']:.2f} V, T1 ctl {before['c_t1']:.2f} V",
              "rows at the rail, gate at 3.0 V", before["row0"] > 1.5 and before["gate"] > 2.9 and before["c_t1"] > 2.4)
    table.add("software gone: enable line", f"/OE {min(window(series['en_n'], 1.1e-3, 1.5e-3)):.2f} V", "> 2.3 V (outputs off)", min(window(series["en_n"], 1.1e-3, 1.5e-3)) > 2.3)
    worst_row = max(after["row0"], after["row1"])
    table.add("software gone: rows", f"{worst_row * 1e3:.2f} mV", "< 10 mV (grounded)", worst_row < 0.01)
    table.add("software gone: T1 and T3 controls", f"{max(after['c_t1'], after['c_t3']):.3f} V", "< 0.8 V (VIL: switches open)", max(after["c_t1"], after["c_t3"]) < 0.8)
    table.add("software gone: node 1", f"{after['node1'] * 1e3:.2f} mV", "< 10 mV", after["node1"] < 0.01)
    table.add("software gone: gate line", f"{after['gate'] * 1e3:.2f} mV", "< 10 mV (access transistors off)", after["gate"] < 0.01)
    # Power-up: everything starts unpowered, the lines never driven.
    body_up = body.replace("Vp3 p3 0 3.3", "Vp3 p3 0 PWL(0 0 0.5m 3.3)").replace("Vp5 p5 0 5.0", "Vp5 p5 0 PWL(0 0 0.5m 5.0)")
    body_up = re.sub(r"Bg_(\w+) (\S+) 0 I = .*\n", lambda m: f"Bg_{m.group(1)} {m.group(2)} 0 I = (V({m.group(2)})) * 1e-12\n", body_up)
    series = run_bench("power-up", body_up, ["row0", "row1", "node1", "gate", "c_t1", "c_t3"], "1.5m")
    peak = {name: max(abs(v) for v in window(series[name], 0, 1.5e-3)) for name in series}
    table.add("power-up: rows, node 1, gate (0-1.5 ms)", f"rows {max(peak['row0'], peak['row1']) * 1e3:.2f} mV, node 1 {peak['node1'] * 1e3:.2f} mV, gate {peak['gate'] * 1e3:.2f} mV",
              "< 10 mV", max(peak["row0"], peak["row1"], peak["node1"], peak["gate"]) < 0.01)
    table.add("power-up: T1 and T3 controls", f"{max(peak['c_t1'], peak['c_t3']):.3f} V", "< 0.8 V", max(peak["c_t1"], peak["c_t3"]) < 0.8)


def main():
    try:
        fe = frontend_params()
        profiles = hardware_profiles()
        if not profiles:
            raise Unreadable(f"{PROFILES}: no hardware profile (pi*.toml)")
        worst = worst_cases(profiles)
        table = Table()
        gmax = fe["FE_SYNAPSE_MAX_SIEMENS"]
        check_rail(table, "pulse", worst["amplitude"], worst["rows"], gmax * worst["neurons"], worst["tick"])
        check_rail(table, "pulse", 1.6, worst["rows"], gmax * worst["neurons"], worst["tick"])
        check_rail(table, "spike", worst["spike"], worst["second_rows"], gmax * worst["second_neurons"], worst["tick"])
        # T3 lifts every column's node 1 with every row grounded: the lift rail feeds rows x neurons synapses.
        check_rail(table, "lift", worst["lift"], worst["neurons"], gmax * worst["rows"], worst["tick"])
        check_read(table, fe, worst["rows"], worst["neurons"], worst["tick"])
        check_comparator(table, fe)
        check_safe_state(table)
    except Unreadable as error:
        print(f"check-hardware: {error}", file=sys.stderr)
        return 2
    print(f"front-end {os.path.relpath(FRONTEND, ROOT)} against {', '.join(os.path.basename(p) for p, _ in profiles)}: "
          f"{worst['rows']} rows x {worst['neurons']} neurons, up to {worst['amplitude']} V, tick {worst['tick'] * 1e6:.0f} us")
    table.print()
    failed = len(table.failures)
    print(f"{len(table.rows) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
