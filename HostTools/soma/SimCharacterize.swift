import ArgumentParser
import Foundation
import SomaCore
import SomaHostKit
import SomaSim
import SomaSpice

/// `soma sim`: experiments on the simulated breadboard, in-process, in virtual time.
struct Sim: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run experiments on the simulated breadboard, in virtual time.",
        subcommands: [Characterize.self, SimRun.self]
    )
}

enum DeviceModel: String, ExpressibleByArgument, CaseIterable {
    case tsDiffusive = "ts-diffusive"
    case tsRC = "ts-rc"
    case tio2LIF = "tio2-lif"
    case mif

    /// Input amplitudes the model is stated for.
    var validVolts: ClosedRange<Double> {
        switch self {
        case .tsDiffusive, .tsRC, .tio2LIF: 0...5
        case .mif: 0...1
        }
    }
}

/// What carries the neuron: the simulated breadboard, or the front-end's SPICE netlist.
enum CharacterizeBoard: String, ExpressibleByArgument, CaseIterable {
    case sim
    case spice
}

enum CharacterizeMode: String, ExpressibleByArgument, CaseIterable {
    case firstFire = "first-fire"
    case rate
}

/// `soma sim characterize`: seed 000 Fig. 2e/2f (pulses to first fire) and Fig. 3c/3d (rate).
struct Characterize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a simulated TS device or hybrid neuron: pulses to first fire, or spiking rate.",
        discussion: """
            first-fire: the bare device in series with its 10 kΩ read-out resistor (and a synapse \
            resistor with --series-ohms) gets rectangular pulses until it fires (seed 000 Fig. 2c/2e); \
            each trial is a fresh device. Reports the median, 10th and 90th percentile of the pulse \
            count and the fraction of trials that fired within the duration.

            rate: the full hybrid neuron — the neuron core driving the simulated device, refractory \
            period included — in the Fig. 3b arrangement (VIN1 through S1 = 10 kΩ, VIN2 grounded \
            through S2 = 40 kΩ), clocked at 1 / (width + interval). Reports the steady spiking rate.

            Models: ts-diffusive (seeds 000/001; parameter sets fig2, the default, calibrated to \
            Fig. 2e/2f, and fig3, Fig. 3b–3d's device in the neuron circuit); ts-rc (seed 001: the \
            same device with a membrane capacitor --membrane-nf and an axial resistor --axial-ohms); \
            tio2-lif (seed 003's LIF fit); mif (seed 004's two-memristor neuron, a 10 kΩ input \
            resistor; its time scale is microseconds, so give short --width-us and --interval-us). \
            Amplitudes are valid in (0, 5] V, (0, 1] V for mif. --mode rate runs the hybrid neuron \
            of Fig. 3 and is available for ts-diffusive.

            --board spice: the unchanged neuron core drives the front-end's netlist \
            (Board/hardware/neuron-fig3.cir, or --netlist) in ngspice, tick by tick: the Fig. 3b \
            neuron with its DAC, rail buffer, row and T1/T3 switches, comparator and TS device \
            (deterministic). first-fire then counts pulses to the core's first latched fire; each \
            amplitude is also run on the simulated breadboard (the fig3 set, stochasticity off) and \
            both are printed with the wall time per tick. Change a part in the netlist and rerun to \
            see whether the neuron still fires where the paper's does.
            """
    )

    @Option(help: "Device model.")
    var model: DeviceModel = .tsDiffusive

    @Option(help: "What carries the neuron: sim (the simulated breadboard) or spice (the front-end's netlist in ngspice).")
    var board: CharacterizeBoard = .sim

    @Option(help: "--board spice: the netlist (default: Board/hardware/neuron-fig3.cir).")
    var netlist: String?

    @Option(help: "Device parameter set: fig2 or fig3.")
    var parameterSet: String = "fig2"

    @Option(help: "What to measure: first-fire or rate.")
    var mode: CharacterizeMode = .firstFire

    @Option(help: "Pulse amplitudes in volts: a list (1.0,1.1,1.2) or start:stop:step.")
    var amplitudes: String = "1.0:1.4:0.1"

    @Option(help: "Pulse width in microseconds.")
    var widthUs: Double = 250

    @Option(help: "Interval between pulses in microseconds.")
    var intervalUs: Double = 250

    @Option(help: "ts-rc: membrane capacitor Cm in nanofarads.")
    var membraneNf: Double = 5

    @Option(help: "ts-rc: axial resistor Ra in ohms.")
    var axialOhms: Double = 50_000

    @Option(help: "Synapse resistor in series with the device, in ohms (first-fire).")
    var seriesOhms: Double = 0

    @Option(help: "Trials per amplitude.")
    var trials: Int = 100

    @Option(help: "Longest trial (first-fire) or run (rate), in milliseconds of virtual time.")
    var durationMs: Double = 100

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Flag(help: "Switch device stochasticity off.")
    var noStochasticity = false

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Also write the curve as an SVG plot to this file.")
    var plot: String?

    func parsedAmplitudes() throws -> [Double] {
        let text = amplitudes.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw ValidationError("--amplitudes is empty: give a list (1.0,1.1) or start:stop:step") }
        var values: [Double]
        if text.contains(":") {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
            guard parts.count == 3, let start = parts[0], let stop = parts[1], let step = parts[2], step > 0, stop >= start else {
                throw ValidationError("--amplitudes '\(text)': a range is start:stop:step with step > 0 and stop ≥ start")
            }
            values = []
            var index = 0.0
            while start + index * step <= stop + step * 1e-9 {
                values.append(((start + index * step) * 1e9).rounded() / 1e9)
                index += 1
                if values.count > 1_000 { throw ValidationError("--amplitudes '\(text)' gives more than 1000 points") }
            }
        } else {
            values = try text.split(separator: ",").map { part in
                guard let value = Double(part.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--amplitudes: '\(part)' is not a number")
                }
                return value
            }
        }
        guard !values.isEmpty else { throw ValidationError("--amplitudes '\(text)' gives no amplitude") }
        let valid = model.validVolts
        for value in values where !(value.isFinite && value > valid.lowerBound && value <= valid.upperBound) {
            throw ValidationError("--amplitudes: \(value) V is outside \(model.rawValue)'s valid range (\(valid.lowerBound), \(valid.upperBound)] V")
        }
        return values
    }

    func parameters() throws -> DiffusiveMemristor.Parameters {
        guard let set = DiffusiveMemristor.Parameters.sets.first(where: { $0.name == parameterSet }) else {
            let names = DiffusiveMemristor.Parameters.sets.map(\.name).joined(separator: ", ")
            throw ValidationError("--parameter-set '\(parameterSet)' is unknown; known sets: \(names)")
        }
        return set
    }

    func validate() throws {
        _ = try parsedAmplitudes()
        _ = try parameters()
        guard widthUs.isFinite, widthUs > 0 else { throw ValidationError("--width-us must be a positive number of microseconds (got \(widthUs))") }
        guard intervalUs.isFinite, intervalUs >= 0 else { throw ValidationError("--interval-us must be zero or positive (got \(intervalUs))") }
        guard seriesOhms.isFinite, seriesOhms >= 0 else { throw ValidationError("--series-ohms must be zero or positive (got \(seriesOhms))") }
        guard (1...100_000).contains(trials) else { throw ValidationError("--trials must be 1…100000 (got \(trials))") }
        guard durationMs.isFinite, durationMs > 0, durationMs <= 600_000 else {
            throw ValidationError("--duration-ms must be more than 0 and at most 600000 (got \(durationMs))")
        }
        guard membraneNf.isFinite, membraneNf > 0 else { throw ValidationError("--membrane-nf must be positive (got \(membraneNf))") }
        guard axialOhms.isFinite, axialOhms >= 0 else { throw ValidationError("--axial-ohms must be zero or positive (got \(axialOhms))") }
        if board == .spice {
            guard model == .tsDiffusive else {
                throw ValidationError("--board spice runs the netlist's TS device (ts-diffusive); \(model.rawValue) has no netlist")
            }
            guard widthUs == intervalUs else {
                throw ValidationError("--board spice clocks the neuron at 50 % duty: --width-us (\(widthUs)) must equal --interval-us (\(intervalUs))")
            }
            guard seriesOhms == 0 else { throw ValidationError("--series-ohms does not apply to --board spice: the netlist holds S1 and S2") }
            _ = try netlistPath()
        } else if netlist != nil {
            throw ValidationError("--netlist applies to --board spice only")
        }
        if mode == .rate {
            guard model == .tsDiffusive else {
                throw ValidationError("--mode rate runs the Fig. 3 hybrid neuron with --model ts-diffusive; \(model.rawValue) is characterised with --mode first-fire")
            }
            guard widthUs == intervalUs else {
                throw ValidationError("--mode rate clocks the neuron at 50 % duty: --width-us (\(widthUs)) must equal --interval-us (\(intervalUs))")
            }
            guard seriesOhms == 0 else { throw ValidationError("--series-ohms applies to --mode first-fire only; rate uses the Fig. 3b synapses") }
        }
    }

    struct FirstFireRow: Encodable {
        let amplitude_v: Double
        let median_pulses: Double?
        let p10_pulses: Double?
        let p90_pulses: Double?
        let fired_fraction: Double

        /// Every field is always present; a percentile that fell on a trial that never fired is null.
        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(amplitude_v, forKey: .amplitude_v)
            try container.encode(median_pulses, forKey: .median_pulses)
            try container.encode(p10_pulses, forKey: .p10_pulses)
            try container.encode(p90_pulses, forKey: .p90_pulses)
            try container.encode(fired_fraction, forKey: .fired_fraction)
        }

        enum CodingKeys: String, CodingKey {
            case amplitude_v, median_pulses, p10_pulses, p90_pulses, fired_fraction
        }
    }

    struct RateRow: Encodable {
        let amplitude_v: Double
        let rate_hz: Double
    }

    struct Report<Row: Encodable>: Encodable {
        let model: String
        let mode: String
        /// The TS device's parameter set; null for models without one.
        let parameter_set: String?
        let stochastic: Bool

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(model, forKey: .model)
            try container.encode(mode, forKey: .mode)
            try container.encode(parameter_set, forKey: .parameter_set)
            try container.encode(stochastic, forKey: .stochastic)
            try container.encode(seed, forKey: .seed)
            try container.encode(points, forKey: .points)
        }

        enum CodingKeys: String, CodingKey {
            case model, mode, parameter_set, stochastic, seed, points
        }
        let seed: UInt64
        let points: [Row]
    }

    /// The netlist --board spice runs: --netlist, or the repository's Board/hardware/neuron-fig3.cir
    /// found from the working directory or from this executable (.build/…/soma).
    func netlistPath() throws -> String {
        if let netlist {
            guard FileManager.default.fileExists(atPath: netlist) else { throw ValidationError("--netlist \(netlist): no such file") }
            return netlist
        }
        let relative = "Board/hardware/neuron-fig3.cir"
        var candidates = [FileManager.default.currentDirectoryPath + "/" + relative]
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(folder.appendingPathComponent(relative).path)
            folder.deleteLastPathComponent()
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ValidationError("--board spice: \(relative) is not here; run from the repository or give --netlist PATH")
        }
        return found
    }

    struct SpiceRow: Encodable {
        let amplitude_v: Double
        /// first-fire: pulses to the first fire; rate: spikes per second. Null: no fire.
        let spice: Double?
        let sim: Double?
        let spice_us_per_tick: Double
        let sim_us_per_tick: Double

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(amplitude_v, forKey: .amplitude_v)
            try container.encode(spice, forKey: .spice)
            try container.encode(sim, forKey: .sim)
            try container.encode(spice_us_per_tick, forKey: .spice_us_per_tick)
            try container.encode(sim_us_per_tick, forKey: .sim_us_per_tick)
        }

        enum CodingKeys: String, CodingKey { case amplitude_v, spice, sim, spice_us_per_tick, sim_us_per_tick }
    }

    /// `--board spice`: the core drives the netlist, and the breadboard beside it, per amplitude.
    func runSpice(volts: [Double]) throws {
        let path = try netlistPath()
        var arrangement = Characterization.NeuronArrangement()
        arrangement.clock = ClockSettings(frequencyHertz: 1e6 / (widthUs + intervalUs), ticksPerPhase: 5)
        do { try arrangement.clock.validate() } catch { throw ValidationError("--width-us/--interval-us: \(error)") }
        let seconds = durationMs * 1e-3
        let clock = arrangement.clock
        let ticks = UInt64((seconds / (Double(clock.tickNanoseconds) * 1e-9)).rounded())
        func measure(_ fireTicks: [UInt64], _ spikeTicks: [UInt64]) -> Double? {
            switch mode {
            case .firstFire: return fireTicks.first.map { Double($0 / UInt64(clock.ticksPerPeriod) + 1) }
            case .rate:
                let rate = Characterization.rate(spikeTicks: spikeTicks, tickSeconds: Double(clock.tickNanoseconds) * 1e-9, totalTicks: ticks)
                return rate
            }
        }
        var rows: [SpiceRow] = []
        var plotPoints: [(x: Double, y: Double?)] = []
        for (index, amplitude) in volts.enumerated() {
            if !json { progress("amplitude \(index + 1)/\(volts.count): \(amplitude) V (SPICE)") }
            let spiceStart = ContinuousClock.now
            var spiceBoard: SpiceBoard
            do {
                spiceBoard = try SpiceBoard(netlist: path, network: arrangement.network, pulseAmplitudeVolts: amplitude)
            } catch {
                throw ValidationError("--board spice: \(error)")
            }
            let spiceRun = try Characterization.runNeuron(on: &spiceBoard, arrangement: arrangement, seconds: seconds)
            if let failure = spiceBoard.failure { throw ValidationError("--board spice: \(path): \(failure)") }
            let spiceElapsed = ContinuousClock.now - spiceStart
            let simStart = ContinuousClock.now
            let simRun = try Characterization.runNeuron(
                device: .fig3, amplitudeVolts: amplitude, seconds: seconds, arrangement: arrangement, seed: seed, stochastic: false)
            let simElapsed = ContinuousClock.now - simStart
            func perTick(_ duration: Duration) -> Double {
                (Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) * 1e-12) / Double(max(1, ticks))
            }
            let row = SpiceRow(
                amplitude_v: amplitude, spice: measure(spiceRun.fireTicks, spiceRun.spikeTicks),
                sim: measure(simRun.fireTicks, simRun.spikeTicks), spice_us_per_tick: perTick(spiceElapsed),
                sim_us_per_tick: perTick(simElapsed))
            rows.append(row)
            plotPoints.append((amplitude, row.spice))
        }
        if json {
            struct SpiceReport: Encodable {
                let board = "spice"
                let netlist: String
                let mode: String
                let points: [SpiceRow]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(SpiceReport(netlist: path, mode: mode.rawValue, points: rows)), as: UTF8.self))
        } else {
            let what = mode == .firstFire ? "pulses to first fire" : "spiking rate (Hz)"
            print("hybrid neuron, Fig. 3b arrangement, \(what): the core driving \(path) in ngspice, beside the simulated breadboard (fig3, no stochasticity)")
            print("amplitude V".padded(toWidth: 12) + "SPICE".padded(toWidth: 8) + "SomaSim".padded(toWidth: 9) + "µs/tick SPICE".padded(toWidth: 15) + "µs/tick SomaSim")
            for row in rows {
                print(String(row.amplitude_v).padded(toWidth: 12) + text(row.spice).padded(toWidth: 8) + text(row.sim).padded(toWidth: 9)
                    + String(format: "%.0f", row.spice_us_per_tick).padded(toWidth: 15) + String(format: "%.2f", row.sim_us_per_tick))
            }
        }
        try writePlot(
            title: mode == .firstFire ? "Pulses to first fire (SPICE front-end)" : "Spiking rate (SPICE front-end)",
            yLabel: mode == .firstFire ? "pulses to first fire" : "rate (Hz)", points: plotPoints)
    }

    /// `--plot`: the curve as an SVG line plot over the amplitudes.
    func writePlot(title: String, yLabel: String, points: [(x: Double, y: Double?)]) throws {
        guard let plot else { return }
        let chart = LinePlot(title: title, xLabel: "amplitude (V)", yLabel: yLabel, points: points)
        do {
            try chart.svg().write(toFile: plot, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("--plot \(plot): cannot write the file (\(error.localizedDescription))")
        }
        if !json { print("plot written to \(plot)") }
    }

    func run() throws {
        if board == .spice { return try runSpice(volts: try parsedAmplitudes()) }
        let device = try parameters()
        let volts = try parsedAmplitudes()
        // The MIF model has no stochastic part.
        let stochastic = !noStochasticity && model != .mif
        let parameterSetName: String? = (model == .tsDiffusive || model == .tsRC) ? device.name : nil
        var plotPoints: [(x: Double, y: Double?)] = []
        switch mode {
        case .firstFire:
            var train = Characterization.PulseTrain()
            train.widthSeconds = widthUs * 1e-6
            train.intervalSeconds = intervalUs * 1e-6
            train.seriesOhms = seriesOhms
            train.maximumPulses = max(1, Int((durationMs * 1e-3) / (train.widthSeconds + train.intervalSeconds)))
            var rows: [FirstFireRow] = []
            for (index, amplitude) in volts.enumerated() {
                if !json { progress("amplitude \(index + 1)/\(volts.count): \(amplitude) V") }
                let point = firstFire(device: device, amplitude: amplitude, train: train, stochastic: stochastic)
                rows.append(FirstFireRow(
                    amplitude_v: amplitude, median_pulses: point.quantile(0.5), p10_pulses: point.quantile(0.1),
                    p90_pulses: point.quantile(0.9), fired_fraction: point.firedFraction))
                plotPoints.append((amplitude, point.quantile(0.5)))
            }
            if json {
                try printJSON(points: rows, parameterSet: parameterSetName, stochastic: stochastic)
            } else {
                print("\(model.rawValue)\(model == .tsDiffusive || model == .tsRC ? " (\(device.name))" : ""), pulses to first fire: \(widthUs) µs pulses, \(intervalUs) µs intervals, \(trials) trials")
                print("amplitude V".padded(toWidth: 12) + "median".padded(toWidth: 8) + "p10".padded(toWidth: 8) + "p90".padded(toWidth: 8) + "fired")
                for row in rows {
                    print(String(row.amplitude_v).padded(toWidth: 12) + text(row.median_pulses).padded(toWidth: 8) + text(row.p10_pulses).padded(toWidth: 8)
                        + text(row.p90_pulses).padded(toWidth: 8) + String(format: "%.0f %%", row.fired_fraction * 100))
                }
            }
        case .rate:
            var rows: [RateRow] = []
            var arrangement = Characterization.NeuronArrangement()
            arrangement.clock = ClockSettings(frequencyHertz: 1e6 / (widthUs + intervalUs), ticksPerPhase: 5)
            do { try arrangement.clock.validate() } catch { throw ValidationError("--width-us/--interval-us: \(error)") }
            for (index, amplitude) in volts.enumerated() {
                if !json { progress("amplitude \(index + 1)/\(volts.count): \(amplitude) V") }
                var total = 0.0
                for trial in 0..<trials {
                    let run = try Characterization.runNeuron(
                        device: device, amplitudeVolts: amplitude, seconds: durationMs * 1e-3,
                        arrangement: arrangement, seed: seed &+ UInt64(trial), stochastic: stochastic)
                    let ticks = UInt64((durationMs * 1e-3 / run.tickSeconds).rounded())
                    total += Characterization.rate(spikeTicks: run.spikeTicks, tickSeconds: run.tickSeconds, totalTicks: ticks)
                }
                rows.append(RateRow(amplitude_v: amplitude, rate_hz: total / Double(trials)))
                plotPoints.append((amplitude, total / Double(trials)))
            }
            if json {
                try printJSON(points: rows, parameterSet: parameterSetName, stochastic: stochastic)
            } else {
                print("\(model.rawValue) (\(device.name)), hybrid neuron spiking rate, Fig. 3b arrangement, \(trials) runs of \(durationMs) ms")
                print("amplitude V".padded(toWidth: 12) + "rate Hz")
                for row in rows { print(String(row.amplitude_v).padded(toWidth: 12) + String(format: "%.1f", row.rate_hz)) }
            }
        }
        try writePlot(
            title: mode == .firstFire ? "Pulses to first fire (\(device.name))" : "Spiking rate (\(device.name))",
            yLabel: mode == .firstFire ? "median pulses to first fire" : "rate (Hz)", points: plotPoints)
    }

    /// The one JSON document `--json` prints.
    private func printJSON<Row: Encodable>(points: [Row], parameterSet: String?, stochastic: Bool) throws {
        let report = Report(
            model: model.rawValue, mode: mode.rawValue, parameter_set: parameterSet, stochastic: stochastic,
            seed: seed, points: points)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }

    private func firstFire(
        device: DiffusiveMemristor.Parameters, amplitude: Double, train: Characterization.PulseTrain,
        stochastic: Bool
    ) -> Characterization.FirstFirePoint {
        switch model {
        case .tsDiffusive:
            return Characterization.firstFire(
                device: device, amplitudeVolts: amplitude, train: train, trials: trials, seed: seed,
                stochastic: stochastic)
        case .tsRC:
            return Characterization.firstFire(amplitudeVolts: amplitude, train: train, trials: trials, seed: seed) { random in
                RCDiffusiveNeuron(
                    device: DiffusiveMemristor(parameters: device, stochastic: stochastic, random: &random),
                    axialOhms: axialOhms, membraneFarads: membraneNf * 1e-9)
            }
        case .tio2LIF:
            return Characterization.firstFire(amplitudeVolts: amplitude, train: train, trials: trials, seed: seed) { random in
                TiO2LIFNeuron(stochastic: stochastic, random: &random)
            }
        case .mif:
            // The MIF model has no stochastic part: one trial stands for all of them.
            let point = Characterization.firstFire(amplitudeVolts: amplitude, train: train, trials: 1, seed: seed) { _ in
                MIFNeuron()
            }
            return Characterization.FirstFirePoint(
                amplitudeVolts: amplitude, pulsesPerTrial: Array(repeating: point.pulsesPerTrial[0], count: trials))
        }
    }

    private func progress(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    private func text(_ value: Double?) -> String {
        guard let value else { return "—" }
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
