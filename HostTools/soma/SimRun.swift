import ArgumentParser
import Foundation
import SomaBoardProfile
import SomaCore
import SomaHostKit
import SomaSim

/// `soma sim run`: a whole learning experiment in-process on the simulated breadboard, in
/// virtual time: the core and protocol a board runs, nothing in between.
struct SimRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a learning experiment on the simulated breadboard, in virtual time.",
        discussion: """
            The network of --profile (default: seed 000's 30 × 10 × 10 network, as in \
            Board/profiles/sim-paper-network.toml) learns --patterns by --protocol:

              layer1-wta          per pattern, input pulses until a hidden neuron fires; the winner's \
            lateral inhibition gates the other columns while its T1/T3 windows program its synapses \
            (in the simulated hardware, not by arithmetic here); --epochs passes, each shuffled by --seed.
              layer2-supervised   per pattern, the label's output column alone is gated on; its input \
            is the spiking hidden neuron; pulses until the target fires.
              infer               every pattern with --test-noise-pixels flipped, --test-repeats times, \
            learning off; counts the fires of every neuron.
              full                the three in turn (the default).
              ramp-wta            seed 001: per pattern, the input amplitude starts at --ramp-start and \
            rises by --ramp-step every clock period until a neuron fires (up to the profile's amplitude \
            limit); the winner's lateral inhibition floats the losers' columns while its T1/T3 windows \
            program its column. For example --profile Board/profiles/sim-seed001-8x3.toml \
            --patterns builtin:prototypes --epochs 5.
              stdp                seeds 003/004: for each Δt of --stdp-from-ms … --stdp-to-ms by \
            --stdp-step-ms, the synapse of input row --stdp-row and neuron --stdp-neuron is read and \
            brought back to its starting conductance, a presynaptic pulse and a fire evoked by the \
            first pattern (that row held low) make the pair, and the --stdp-window (exponential or \
            alpha) at the measured Δt becomes SET or RESET pulses; a read-out measures ΔG. Needs \
            --profile, e.g. Board/profiles/sim-stdp-pair.toml --patterns Board/patterns/stdp-evoke.txt. \
            Reports each pairing and how closely ΔG follows the window; --out adds stdp.json and stdp.svg.
              readout             reads every synapse at the read voltage, row by row, through the \
            column currents: the weight maps the board itself measures (weights.json, weights-layer*.svg).

            Class k of the set is its k-th pattern; output neuron k learns it. The summary reports \
            each label's layer-1 winner, the number of distinct winners, layer-2 accuracy on the \
            noisy presentations and the confusion matrix. --out DIR writes events.ndjson, \
            summary.json, weights.json and SVG plots (weight maps per layer, hidden and output \
            rates, confusion). Progress goes to standard error.
            """
    )

    @Option(help: "A board profile with a [simulation] table (default: the paper's 30 × 10 × 10 network).")
    var profile: String?

    @Option(help: "builtin:digits, builtin:letters, builtin:prototypes, or a pattern file or directory.")
    var patterns: String = "builtin:digits"

    @Option(name: .customLong("protocol"), help: "full, layer1-wta, layer2-supervised, infer, ramp-wta, stdp or readout.")
    var protocolName: String = "full"

    @Option(help: "Layer-1 epochs (passes over the set); stdp: passes over the sweep (default 20, stdp 1).")
    var epochs: Int?

    @Option(help: "Layer-2 epochs.")
    var layer2Epochs: Int = 3

    @Option(help: "Pixels flipped in each inference presentation.")
    var testNoisePixels: Int = 2

    @Option(help: "Inference passes over the set.")
    var testRepeats: Int = 10

    @Option(help: "Clock periods per inference presentation.")
    var inferPeriods: Int = 80

    @Option(help: "ramp-wta: the amplitude each presentation starts at, in volts.")
    var rampStart: Double = 0.5

    @Option(help: "ramp-wta: the rise per clock period without a fire, in volts.")
    var rampStep: Double = 0.05

    @Option(help: "stdp: the window, exponential (seed 003: W+ 138.61, W− 103.46, τ 64.1 and 29.2 ms) or alpha (seed 004's shape, τ 20 ms).")
    var stdpWindow: String = "exponential"

    @Option(help: "stdp: the Δt sweep's first value, ms.")
    var stdpFromMs: Double = -100

    @Option(help: "stdp: the Δt sweep's last value, ms.")
    var stdpToMs: Double = 200

    @Option(help: "stdp: the Δt sweep's step, ms.")
    var stdpStepMs: Double = 10

    @Option(help: "stdp: the input row of the synapse under study.")
    var stdpRow: Int = 0

    @Option(help: "stdp: the neuron (of the first layer) of the synapse under study.")
    var stdpNeuron: Int = 0

    @Option(help: "stdp: SET/RESET pulses at the window's peak.")
    var stdpPulsesAtPeak: Int = 8

    @Option(help: "Seeds the devices, the tie breaks, the presentation order and the noise (default: the profile's [simulation] seed and tie_seed for the devices and ties, 1 for the order and noise, as a board run with the API's default seed).")
    var seed: UInt64?

    @Flag(help: "Neurons without stochasticity (seed 000 Supp. Fig. 11).")
    var noStochasticity = false

    @Option(help: "Directory for events, weights, summary and plots.")
    var out: String?

    @Flag(help: "Print the summary as one JSON document.")
    var json = false

    func validate() throws {
        guard LearningProtocolKind(name: protocolName) != nil else {
            throw ValidationError("--protocol is one of \(LearningProtocolKind.allCases.map(\.description).joined(separator: ", "))")
        }
        if protocolName == "characterize" {
            throw ValidationError("--protocol characterize is a board's protocol (run it with `soma run start` on somad, --sim for the simulated breadboard); in-process sweeps are `soma sim characterize`")
        }
        if protocolName == "stdp" && profile == nil {
            throw ValidationError("--protocol stdp needs --profile: a board whose synapses program in graded steps, e.g. --profile Board/profiles/sim-stdp-pair.toml --patterns Board/patterns/stdp-evoke.txt")
        }
        guard STDPWindow.Shape(name: stdpWindow) != nil else { throw ValidationError("--stdp-window is exponential or alpha") }
        guard (epochs ?? 1) >= 1, layer2Epochs >= 1, testRepeats >= 1, inferPeriods >= 1 else {
            throw ValidationError("--epochs, --layer2-epochs, --test-repeats and --infer-periods must be at least 1")
        }
        guard testNoisePixels >= 0 else { throw ValidationError("--test-noise-pixels must be 0 or more") }
        guard rampStart > 0, rampStep > 0 else { throw ValidationError("--ramp-start and --ramp-step must be positive volts") }
    }

    func run() throws {
        try hostCommand { () throws(HostError) in try execute() }
    }

    private func execute() throws(HostError) {
        var settings: BreadboardSettings
        var loadedLimit: Double?
        var outputLimits: OutputLimits?
        if let profile {
            let loaded: BoardProfile
            do { loaded = try BoardProfile.load(path: profile) } catch { throw HostError(error.description, exitCode: 65) }
            do { settings = try BreadboardSettings(profile: loaded) } catch { throw HostError("\(profile): \(error)", exitCode: 65) }
            loadedLimit = loaded.limits.maxAmplitudeVolts
            outputLimits = loaded.outputLimits
        } else {
            settings = .paperNetwork()
        }
        if let seed {
            settings.seed = seed
            if case .seededRandom = settings.network.tieRule { settings.network.tieRule = .seededRandom(seed: seed) }
        }
        settings.stochastic = !noStochasticity

        let source = PatternSource.load(patterns)
        guard source.isOK else {
            throw HostError(source.problems.map(\.description).joined(separator: "\n"), exitCode: 65)
        }
        let images = source.patterns
        let bank: PatternBank
        do {
            bank = try PatternBank(images.map { Pattern(pixels: $0.pixels, label: $0.label) }, inputCount: settings.network.inputs)
        } catch {
            throw HostError("\(patterns): \(error.description)", exitCode: 65)
        }
        var plan = LearningPlan(kind: LearningProtocolKind(name: protocolName)!)
        plan.layer1Epochs = epochs ?? (plan.kind == .stdp ? 1 : 20)
        plan.stdpWindow = STDPWindow(shapeName: stdpWindow, potentiation: nil, depression: nil, potentiationTauMilliseconds: nil, depressionTauMilliseconds: nil) ?? .seed003
        plan.stdpFromMilliseconds = stdpFromMs
        plan.stdpToMilliseconds = stdpToMs
        plan.stdpStepMilliseconds = stdpStepMs
        plan.stdpRow = stdpRow
        plan.stdpNeuron = stdpNeuron
        plan.stdpPulsesAtPeak = stdpPulsesAtPeak
        if let loadedLimit { plan.stdpProgramVolts = min(plan.stdpProgramVolts, loadedLimit) }
        plan.layer2Epochs = layer2Epochs
        plan.testRepeats = testRepeats
        plan.noisePixels = testNoisePixels
        plan.inferPeriods = inferPeriods
        plan.seed = seed ?? 1
        plan.rampStartVolts = rampStart
        plan.rampStepVolts = rampStep
        plan.rampMaxVolts = loadedLimit ?? 2.0
        let labels = images.enumerated().map { $0.element.label ?? String($0.offset) }

        let started = Date()
        var lastShown = Date.distantPast
        // On a terminal one line redrawn in place; otherwise (a log, a pipe) a line every 2 s.
        let terminal = isatty(STDERR_FILENO) == 1
        let experiment = NetworkExperiment(settings: settings, patterns: bank, plan: plan, limits: outputLimits)
        let outcome: NetworkExperiment.Outcome
        do {
            outcome = try experiment.run { begun, planned, stage in
                let now = Date()
                guard begun == planned || now.timeIntervalSince(lastShown) >= (terminal ? 0.5 : 2) else { return }
                lastShown = now
                let line = "\(stage): presentation \(begun)/\(planned), \(String(format: "%.0f", now.timeIntervalSince(started))) s"
                FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
            }
        } catch {
            throw HostError("cannot run: \(error)", exitCode: 65)
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        let wall = Date().timeIntervalSince(started)
        switch plan.kind {
        case .stdp: return try report(stdp: outcome, plan: plan, wall: wall)
        case .readout: return try report(readout: outcome, wall: wall, imageSize: images.first.map { ($0.width, $0.height) })
        default: break
        }
        let summary = LearningSummary(report: outcome.report, labels: labels, virtualSeconds: outcome.virtualSeconds, wallSeconds: wall)
        if let out { try write(outcome, summary: summary, labels: labels, to: out, imageSize: images.first.map { ($0.width, $0.height) }) }
        if json {
            do { print(String(decoding: try LearningSummary.encoder.encode(summary), as: UTF8.self)) } catch {
                throw HostError("cannot encode the summary: \(error)")
            }
        } else {
            print(summary.text)
            print(String(format: "%d events, %.1f s of virtual time in %.1f s (%.0f× real time)", summary.events, summary.virtualSeconds, wall, summary.virtualSeconds / max(wall, 1e-9)))
            if let out { print("wrote \(out)/: events.ndjson, summary.json, weights.json, weights-layer*.svg, rates-*.svg, confusion.svg") }
        }
    }

    private func report(stdp outcome: NetworkExperiment.Outcome, plan: LearningPlan, wall: Double) throws(HostError) {
        let summary = STDPSummary(events: outcome.events, window: plan.stdpWindow, virtualSeconds: outcome.virtualSeconds, wallSeconds: wall)
        if let out {
            try writeEvents(outcome, to: out)
            try summary.write(to: out)
        }
        if json {
            do { print(String(decoding: try LearningSummary.encoder.encode(summary), as: UTF8.self)) } catch {
                throw HostError("cannot encode the summary: \(error)")
            }
        } else {
            print(summary.text)
            print(String(format: "%d events, %.1f s of virtual time in %.1f s", summary.events, summary.virtualSeconds, wall))
            if let out { print("wrote \(out)/: events.ndjson, stdp.json, stdp.svg") }
        }
    }

    private func report(readout outcome: NetworkExperiment.Outcome, wall: Double, imageSize: (Int, Int)?) throws(HostError) {
        let maps = WeightMap.measured(ReadoutMaps(events: outcome.events), imageSize: imageSize)
        if let out {
            try writeEvents(outcome, to: out)
            try WeightMap.write(maps, to: out)
        }
        if json {
            do { print(String(decoding: try LearningSummary.encoder.encode(maps), as: UTF8.self)) } catch {
                throw HostError("cannot encode the maps: \(error)")
            }
        } else {
            for map in maps { print(map.text) }
            if let out { print("wrote \(out)/: events.ndjson, weights.json, weights-layer*.svg") }
        }
    }

    private func writeEvents(_ outcome: NetworkExperiment.Outcome, to directory: String) throws(HostError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var ndjson = ""
            for (index, event) in outcome.events.enumerated() {
                ndjson += "{\"sequence\":\(index + 1),\"tick\":\(event.tick),\"kind\":\"\(event.kind)\",\"layer\":\(event.layer),\"neuron\":\(event.neuron),\"payload\":\(event.payload)}\n"
            }
            try ndjson.write(toFile: directory + "/events.ndjson", atomically: true, encoding: .utf8)
        } catch {
            throw HostError("cannot write \(directory): \(error.localizedDescription)", exitCode: 73)
        }
    }

    private func write(_ outcome: NetworkExperiment.Outcome, summary: LearningSummary, labels: [String], to directory: String, imageSize: (Int, Int)?) throws(HostError) {
        try writeEvents(outcome, to: directory)
        var maps: [WeightMap] = []
        for layer in outcome.board.settings.network.layers.indices {
            let microsiemens = outcome.board.conductanceMap(layer: layer).map { $0.map { $0 * 1e6 } }
            let image = layer == 0 ? imageSize : nil
            maps.append(WeightMap(
                title: "Layer \(layer + 1) synapse conductances after the run",
                microsiemens: microsiemens, imageWidth: image?.0, imageHeight: image?.1))
        }
        try WeightMap.write(maps, to: directory)
        try summary.write(to: directory)
    }
}
