import Foundation
import SomaCore
import SomaLinux
import SomaProtocol
import SomaRuntime

/// Starts, stops and follows runs. The only sender of loop commands (the command ring has one
/// producer), so it is an actor. Every run is recorded in `<data-dir>/runs/<id>.json` from the
/// moment it is accepted to the moment it ends; run numbers keep counting across restarts, so
/// a run number in the event log always means one run.
actor RunManager {
    let control: LoopControl
    let patterns: PatternStore
    let directory: String
    let maxAmplitudeVolts: Double
    /// The longest pattern pulse the limits allow (width and duty), in ticks, and a tick's length.
    let longestPulseTicks: Int
    let tickNanoseconds: Int64
    /// Only the simulated breadboard follows a run's amplitude (a real board's rail is set at start).
    let amplitudeIsAdjustable: Bool
    let defaultMissPolicy: DeadlineMissPolicy
    /// Neurons per layer, for checking learning plans.
    let layerSizes: [Int]
    private var runs: [UInt32: RunDocument] = [:]
    private var nextID: UInt32 = 1
    private(set) var latest: UInt32?
    /// Why the event log cannot be written now, as the writer last said (nil: it can).
    private(set) var logFailure: String?
    /// The run ended because the log could not be written (so it is ended once).
    private var endedForLog: UInt32?

    init(
        control: LoopControl, patterns: PatternStore, directory: String, layerSizes: [Int], maxAmplitudeVolts: Double,
        outputLimits: OutputLimits, tickNanoseconds: Int64, amplitudeIsAdjustable: Bool, defaultMissPolicy: DeadlineMissPolicy
    ) throws {
        longestPulseTicks = min(outputLimits.maxPulseWidthTicks, outputLimits.maxOnTicksPerPeriod)
        self.tickNanoseconds = tickNanoseconds
        self.layerSizes = layerSizes
        self.control = control
        self.patterns = patterns
        self.directory = directory
        self.maxAmplitudeVolts = maxAmplitudeVolts
        self.amplitudeIsAdjustable = amplitudeIsAdjustable
        self.defaultMissPolicy = defaultMissPolicy
        try DurableFile.makeDirectory(directory)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name),
                  var run = try? JSONDecoder().decode(RunDocument.self, from: data) else { continue }
            if !run.isFinished {
                // The daemon died under it (crash, SIGKILL, power): say so, and keep the record.
                run.state = "interrupted"
                try? DurableFile.write(try JSONResponse.encoder.encode(run), to: directory + "/\(run.id).json")
            }
            runs[run.id] = run
            nextID = max(nextID, run.id + 1)
        }
    }

    func list() -> [RunDocument] { runs.values.sorted { $0.id < $1.id } }

    func get(_ id: UInt32) throws(APIFailure) -> RunDocument {
        guard let run = runs[id] else { throw APIFailure(.notFound, "no run \(id)") }
        return run
    }

    var latestRun: RunDocument? { latest.flatMap { runs[$0] } }

    /// Checks the spec completely (nothing is started or stored when it fails), then hands the
    /// patterns and the plan to the loop and waits until the loop has taken them.
    func start(_ spec: RunSpec) async throws -> RunDocument {
        guard RunSpec.protocols.contains(spec.protocol) else {
            throw APIFailure(.badRequest, "protocol '\(spec.protocol)' is not one this daemon runs; known: \(RunSpec.protocols.joined(separator: ", "))", field: "protocol")
        }
        if spec.protocol == "readout" || spec.protocol == "stdp", !amplitudeIsAdjustable {
            throw APIFailure(.badRequest, "protocol \(spec.protocol) reads synapses through column currents\(spec.protocol == "stdp" ? " and sets the programming amplitude" : ""): that needs the simulated breadboard for now (this board's profile has no column-current ADC)", field: "protocol")
        }
        let set: PatternSetDocument
        if spec.protocol == "readout" && spec.patternSet.isEmpty {
            set = PatternSetDocument(name: "", patterns: [])
        } else {
            set = try patterns.load(spec.patternSet, field: "patternSet")
            do { try patterns.check(set) } catch {
                throw APIFailure(.badRequest, "pattern set \(set.name) does not fit this board: \(error.document.error)", field: "patternSet")
            }
        }
        let parameters = spec.parameters
        let plan = try Self.plan(
            spec, parameters: parameters, layerSizes: layerSizes, inputCount: control.inputCount,
            maxPulses: control.maxPulsesPerPresentation, maxAmplitudeVolts: maxAmplitudeVolts,
            longestPulseTicks: longestPulseTicks, tickNanoseconds: tickNanoseconds)
        if case .learn(let learn) = plan, learn.kind == .characterize, learn.sweep == .amplitude, !amplitudeIsAdjustable {
            throw APIFailure(.badRequest, "parameters.sweep amplitude sets the pulse amplitude at each point: that needs the simulated breadboard for now (a real board's amplitude is its profile's); sweep width or interval instead", field: "parameters.sweep")
        }
        if case .learn(let learn) = plan, learn.kind == .rampWTA, !amplitudeIsAdjustable {
            throw APIFailure(.badRequest, "protocol ramp-wta sets the pulse amplitude as it goes: that needs the simulated breadboard for now (a real board's amplitude is its profile's)", field: "protocol")
        }
        let planned: Int
        switch plan {
        case .present(let present): planned = set.patterns.count * present.repeats
        case .learn(let learn): planned = learn.presentations(patterns: set.patterns.count)
        }
        if let volts = parameters.pulseAmplitudeVolts {
            guard volts.isFinite, volts > 0 else {
                throw APIFailure(.badRequest, "parameters.pulseAmplitudeVolts must be a positive number of volts", field: "parameters.pulseAmplitudeVolts")
            }
            guard volts <= maxAmplitudeVolts else {
                throw APIFailure(.badRequest, "parameters.pulseAmplitudeVolts is \(volts) V, beyond this board's limits.max_amplitude_volts of \(maxAmplitudeVolts) V", field: "parameters.pulseAmplitudeVolts")
            }
            guard amplitudeIsAdjustable else {
                throw APIFailure(.badRequest, "parameters.pulseAmplitudeVolts: this board's pulse amplitude is its profile's pulses.amplitude_volts, set at start; per-run amplitudes need the simulated breadboard for now", field: "parameters.pulseAmplitudeVolts")
            }
        }
        var policy = defaultMissPolicy
        if let name = parameters.onDeadlineMiss {
            guard let chosen = DeadlineMissPolicy(rawValue: name) else {
                throw APIFailure(.badRequest, "parameters.onDeadlineMiss is '\(name)'; allowed: continue, stop-run", field: "parameters.onDeadlineMiss")
            }
            policy = chosen
        }
        if let fault = control.haltingFault {
            throw APIFailure(.serviceUnavailable, "the loop halted after a board fault (\(LinuxBoardFault.describe(fault))); runs are refused until somad is restarted; the log stays readable")
        }
        if let logFailure {
            throw APIFailure(.serviceUnavailable, "the event log cannot be written (\(logFailure)); runs are refused until it can: free space under \(directory)/..; writing resumes by itself")
        }
        if control.runIsActive || latestRun.map({ !$0.isFinished }) == true {
            throw APIFailure(.conflict, "run \(latest ?? 0) is running; stop it first (POST /v1/runs/\(latest ?? 0)/stop)")
        }
        guard control.stopRequested == false else { throw APIFailure(.serviceUnavailable, "the daemon is stopping") }
        guard await settle() else { throw APIFailure(.serviceUnavailable, "the loop has not taken the last command yet; try again") }

        // The loop reads the staging area only when it applies the command below.
        let inputs = control.inputCount
        for (index, pattern) in set.patterns.enumerated() {
            for (row, pixel) in pattern.pixels.utf8.enumerated() { control.staging[index * inputs + row] = pixel == UInt8(ascii: "1") }
        }
        let id = nextID
        var run = RunDocument(
            id: id, state: "starting", spec: spec, presentationsBegun: 0,
            presentationsPlanned: UInt64(planned), startedAt: Self.now(), endedAt: nil)
        try save(run)
        nextID += 1
        runs[id] = run
        latest = id
        guard control.send(.startRun(run: id, patternCount: set.patterns.count, plan: plan, inputAmplitudeVolts: parameters.pulseAmplitudeVolts, missPolicy: policy)) else {
            run.state = "refused"
            run.endedAt = Self.now()
            runs[id] = run
            try save(run)
            throw APIFailure(.serviceUnavailable, "the loop's command queue is full; try again")
        }
        _ = await settle()
        refresh()
        return runs[id]!
    }

    /// Told by the daemon's main loop what the log writer says. While the log cannot be written
    /// the running run is ended (as `log-unwritable`), so that events wait in the ring instead of
    /// overflowing it, and new runs are refused.
    func noteLogFailure(_ failure: String?) {
        logFailure = failure
        guard failure != nil, control.runIsActive, let run = latest, endedForLog != run else { return }
        if control.send(.stopRun(run: run, ending: .logUnwritable)) { endedForLog = run }
    }

    func stop(_ id: UInt32) async throws -> RunDocument {
        let run = try get(id)
        guard !run.isFinished else { return run }
        guard control.send(.stopRun(run: id)) else { throw APIFailure(.serviceUnavailable, "the loop's command queue is full; try again") }
        _ = await settle()
        refresh()
        return runs[id]!
    }

    /// The loop's plan for a spec, every parameter checked against its range and the board; a
    /// 400 naming the first field that is wrong.
    static func plan(
        _ spec: RunSpec, parameters: RunParameters, layerSizes: [Int], inputCount: Int, maxPulses: Int, maxAmplitudeVolts: Double,
        longestPulseTicks: Int, tickNanoseconds: Int64
    ) throws(APIFailure) -> RunPlan {
        func check(_ value: Int?, _ name: String, _ allowed: ClosedRange<Int>, why: String = "") throws(APIFailure) {
            guard let value else { return }
            guard allowed.contains(value) else {
                throw APIFailure(.badRequest, "parameters.\(name) is \(value); allowed: \(allowed.lowerBound)…\(allowed.upperBound)\(why)", field: "parameters.\(name)")
            }
        }
        // The learning protocols' parameters, in the order a refusal names the first one given.
        let learningOnly: [(name: String, given: Bool)] = [
            ("epochs", parameters.epochs != nil), ("inferPeriods", parameters.inferPeriods != nil),
            ("layer2Epochs", parameters.layer2Epochs != nil), ("maxPulses", parameters.maxPulses != nil),
            ("noisePixels", parameters.noisePixels != nil), ("observePeriods", parameters.observePeriods != nil),
            ("settlePeriods", parameters.settlePeriods != nil), ("testRepeats", parameters.testRepeats != nil),
            ("seed", parameters.seed != nil), ("rampStartVolts", parameters.rampStartVolts != nil),
            ("rampStepVolts", parameters.rampStepVolts != nil), ("rampMaxVolts", parameters.rampMaxVolts != nil),
        ]
        try check(parameters.restPeriods, "restPeriods", 0...10_000_000)
        // Parameters of one or two protocols only, in the order a refusal names the first one given.
        let protocolOnly: [(name: String, given: Bool, protocols: [String])] = [
            ("stdpWindow", parameters.stdpWindow != nil, ["stdp"]), ("stdpPotentiation", parameters.stdpPotentiation != nil, ["stdp"]),
            ("stdpDepression", parameters.stdpDepression != nil, ["stdp"]), ("stdpTauPotentiationMs", parameters.stdpTauPotentiationMs != nil, ["stdp"]),
            ("stdpTauDepressionMs", parameters.stdpTauDepressionMs != nil, ["stdp"]), ("stdpRow", parameters.stdpRow != nil, ["stdp"]),
            ("stdpNeuron", parameters.stdpNeuron != nil, ["stdp"]), ("stdpFromMs", parameters.stdpFromMs != nil, ["stdp"]),
            ("stdpToMs", parameters.stdpToMs != nil, ["stdp"]), ("stdpStepMs", parameters.stdpStepMs != nil, ["stdp"]),
            ("stdpPulsesAtPeak", parameters.stdpPulsesAtPeak != nil, ["stdp"]), ("stdpProgramVolts", parameters.stdpProgramVolts != nil, ["stdp"]),
            ("stdpRestoreToleranceMicrosiemens", parameters.stdpRestoreToleranceMicrosiemens != nil, ["stdp"]),
            ("stdpRestorePulses", parameters.stdpRestorePulses != nil, ["stdp"]),
            ("sweep", parameters.sweep != nil, ["characterize"]), ("measure", parameters.measure != nil, ["characterize"]),
            ("sweepFrom", parameters.sweepFrom != nil, ["characterize"]), ("sweepTo", parameters.sweepTo != nil, ["characterize"]),
            ("sweepStep", parameters.sweepStep != nil, ["characterize"]),
            ("readoutLayer", parameters.readoutLayer != nil, ["readout"]), ("readVolts", parameters.readVolts != nil, ["readout", "stdp"]),
        ]
        if let wrong = protocolOnly.first(where: { $0.given && !$0.protocols.contains(spec.protocol) }) {
            throw APIFailure(.badRequest, "parameters.\(wrong.name) is for \(wrong.protocols.joined(separator: " and "))", field: "parameters.\(wrong.name)")
        }
        if spec.protocol == "present" {
            if let name = learningOnly.first(where: \.given)?.name {
                throw APIFailure(.badRequest, "parameters.\(name) is for the learning protocols, not present", field: "parameters.\(name)")
            }
            guard let periods = parameters.periodsPerPattern else {
                throw APIFailure(.badRequest, "parameters.periodsPerPattern is required for present", field: "parameters.periodsPerPattern")
            }
            try check(periods, "periodsPerPattern", 1...10_000_000)
            try check(parameters.repeats, "repeats", 1...1_000_000)
            return .present(PresentationPlan(
                periodsPerPattern: periods, restPeriods: parameters.restPeriods ?? 0, repeats: parameters.repeats ?? 1,
                shuffleSeed: parameters.shuffleSeed ?? 0))
        }
        for (name, value) in [("periodsPerPattern", parameters.periodsPerPattern), ("repeats", parameters.repeats)] where value != nil {
            let instead = switch spec.protocol {
            case "stdp": name == "repeats" ? "epochs (passes over the sweep)" : "stdpFromMs, stdpToMs and stdpStepMs"
            case "characterize": name == "repeats" ? "testRepeats (trials a sweep value)" : "inferPeriods (rate) or maxPulses (first-fire)"
            case "readout": "nothing of the kind: it reads every row once"
            default: name == "repeats" ? "epochs, layer2Epochs and testRepeats" : "inferPeriods"
            }
            throw APIFailure(.badRequest, "parameters.\(name) is for present; \(spec.protocol) uses \(instead)", field: "parameters.\(name)")
        }
        if parameters.shuffleSeed != nil {
            throw APIFailure(.badRequest, "parameters.shuffleSeed is for present; \(spec.protocol) shuffles by parameters.seed", field: "parameters.shuffleSeed")
        }
        var plan = LearningPlan(kind: LearningProtocolKind(name: spec.protocol)!)
        try check(parameters.epochs, "epochs", 1...100_000)
        try check(parameters.layer2Epochs, "layer2Epochs", 1...100_000)
        try check(parameters.maxPulses, "maxPulses", 1...maxPulses, why: " (this board's limits.max_pulses_per_presentation)")
        try check(parameters.settlePeriods, "settlePeriods", 1...1_000)
        try check(parameters.observePeriods, "observePeriods", 1...100_000)
        try check(parameters.inferPeriods, "inferPeriods", 1...1_000_000)
        try check(parameters.testRepeats, "testRepeats", 1...100_000)
        try check(parameters.noisePixels, "noisePixels", 0...inputCount, why: " (the board's input count)")
        plan.layer1Epochs = parameters.epochs ?? plan.layer1Epochs
        plan.layer2Epochs = parameters.layer2Epochs ?? plan.layer2Epochs
        plan.maxPulses = min(parameters.maxPulses ?? plan.maxPulses, maxPulses)
        plan.settlePeriods = parameters.settlePeriods ?? plan.settlePeriods
        plan.restPeriods = parameters.restPeriods ?? plan.restPeriods
        plan.observePeriods = parameters.observePeriods ?? plan.observePeriods
        plan.inferPeriods = parameters.inferPeriods ?? plan.inferPeriods
        plan.testRepeats = parameters.testRepeats ?? plan.testRepeats
        plan.noisePixels = parameters.noisePixels ?? plan.noisePixels
        plan.seed = parameters.seed ?? plan.seed
        for (name, value) in [("rampStartVolts", parameters.rampStartVolts), ("rampStepVolts", parameters.rampStepVolts), ("rampMaxVolts", parameters.rampMaxVolts)] {
            guard let value else { continue }
            guard plan.kind == .rampWTA else {
                throw APIFailure(.badRequest, "parameters.\(name) is for ramp-wta", field: "parameters.\(name)")
            }
            guard value.isFinite, value > 0, value <= maxAmplitudeVolts else {
                throw APIFailure(.badRequest, "parameters.\(name) is \(value) V; allowed: more than 0 and at most this board's limits.max_amplitude_volts of \(maxAmplitudeVolts) V", field: "parameters.\(name)")
            }
        }
        plan.rampStartVolts = parameters.rampStartVolts ?? plan.rampStartVolts
        plan.rampStepVolts = parameters.rampStepVolts ?? plan.rampStepVolts
        plan.rampMaxVolts = parameters.rampMaxVolts ?? maxAmplitudeVolts
        for (name, value) in [("readVolts", parameters.readVolts), ("stdpProgramVolts", parameters.stdpProgramVolts)] {
            guard let value else { continue }
            guard value.isFinite, value > 0, value <= maxAmplitudeVolts else {
                throw APIFailure(.badRequest, "parameters.\(name) is \(value) V; allowed: more than 0 and at most this board's limits.max_amplitude_volts of \(maxAmplitudeVolts) V", field: "parameters.\(name)")
            }
        }
        plan.readVolts = parameters.readVolts ?? plan.readVolts
        if plan.kind == .readout {
            plan.readoutLayer = parameters.readoutLayer ?? -1
            try check(parameters.readoutLayer, "readoutLayer", 0...(layerSizes.count - 1))
        }
        if plan.kind == .characterize {
            if let name = parameters.sweep {
                guard let sweep = CharacterizationSweep(name: name) else {
                    throw APIFailure(.badRequest, "parameters.sweep is '\(name)'; allowed: amplitude, width, interval", field: "parameters.sweep")
                }
                plan.sweep = sweep
            }
            if let name = parameters.measure {
                guard let measure = CharacterizationMeasure(name: name) else {
                    throw APIFailure(.badRequest, "parameters.measure is '\(name)'; allowed: first-fire, rate", field: "parameters.measure")
                }
                plan.measure = measure
            }
            let tickMicroseconds = Double(tickNanoseconds) / 1_000
            // Defaults: the amplitudes of seed 000 Fig. 2e, widths of one tick to the longest the
            // limits allow, one to five periods between pulses.
            switch plan.sweep {
            case .amplitude: (plan.sweepFrom, plan.sweepTo, plan.sweepStep) = (1.0, min(2.0, maxAmplitudeVolts), 0.1)
            case .width: (plan.sweepFrom, plan.sweepTo, plan.sweepStep) = (tickMicroseconds, Double(max(1, longestPulseTicks)) * tickMicroseconds, tickMicroseconds)
            case .interval: (plan.sweepFrom, plan.sweepTo, plan.sweepStep) = (1, 5, 1)
            }
            plan.sweepFrom = parameters.sweepFrom ?? plan.sweepFrom
            plan.sweepTo = parameters.sweepTo ?? plan.sweepTo
            plan.sweepStep = parameters.sweepStep ?? plan.sweepStep
            if plan.sweep == .amplitude, plan.sweepTo > maxAmplitudeVolts {
                throw APIFailure(.badRequest, "parameters.sweepTo is \(plan.sweepTo) V, beyond this board's limits.max_amplitude_volts of \(maxAmplitudeVolts) V", field: "parameters.sweepTo")
            }
            if plan.sweep == .width, plan.sweepTo > Double(longestPulseTicks) * tickMicroseconds + 1e-9 {
                throw APIFailure(.badRequest, "parameters.sweepTo is \(plan.sweepTo) µs, longer than this board's limits allow (max_pulse_width_us and max_duty: \(Double(longestPulseTicks) * tickMicroseconds) µs)", field: "parameters.sweepTo")
            }
            if plan.sweep == .width, plan.sweepFrom < tickMicroseconds - 1e-9 {
                throw APIFailure(.badRequest, "parameters.sweepFrom is \(plan.sweepFrom) µs, shorter than one tick (\(tickMicroseconds) µs)", field: "parameters.sweepFrom")
            }
        }
        if plan.kind == .stdp {
            guard let window = STDPWindow(
                shapeName: parameters.stdpWindow, potentiation: parameters.stdpPotentiation, depression: parameters.stdpDepression,
                potentiationTauMilliseconds: parameters.stdpTauPotentiationMs, depressionTauMilliseconds: parameters.stdpTauDepressionMs)
            else {
                throw APIFailure(.badRequest, "parameters.stdpWindow is '\(parameters.stdpWindow ?? "")'; allowed: exponential, alpha", field: "parameters.stdpWindow")
            }
            plan.stdpWindow = window
            plan.stdpRow = parameters.stdpRow ?? plan.stdpRow
            plan.stdpNeuron = parameters.stdpNeuron ?? plan.stdpNeuron
            plan.stdpFromMilliseconds = parameters.stdpFromMs ?? plan.stdpFromMilliseconds
            plan.stdpToMilliseconds = parameters.stdpToMs ?? plan.stdpToMilliseconds
            plan.stdpStepMilliseconds = parameters.stdpStepMs ?? plan.stdpStepMilliseconds
            plan.stdpPulsesAtPeak = parameters.stdpPulsesAtPeak ?? plan.stdpPulsesAtPeak
            plan.stdpProgramVolts = min(parameters.stdpProgramVolts ?? plan.stdpProgramVolts, maxAmplitudeVolts)
            plan.stdpRestoreToleranceSiemens = (parameters.stdpRestoreToleranceMicrosiemens ?? plan.stdpRestoreToleranceSiemens * 1e6) * 1e-6
            plan.stdpRestorePulses = parameters.stdpRestorePulses ?? plan.stdpRestorePulses
            // One pass over the sweep unless epochs says otherwise.
            plan.layer1Epochs = parameters.epochs ?? 1
        }
        if let problem = plan.problem(layerSizes: layerSizes, inputCount: inputCount) {
            let field = problem.field == "protocol" ? "protocol" : "parameters.\(problem.field)"
            throw APIFailure(.badRequest, "\(field): \(problem.allowed)", field: field)
        }
        return .learn(plan)
    }

    /// Brings the latest run's record up to date with the loop's counters; stores it when it ends.
    func refresh() {
        guard let id = latest, var run = runs[id], !run.isFinished else { return }
        if control.lastRefusedRun == id {
            run.state = "refused"
        } else if control.currentRun == id {
            run.presentationsBegun = control.presentationsBegun
            run.fires = control.runFires
            if run.spec.protocol != "present" {
                run.stage = control.stage.description
                run.epoch = control.pass + 1
                run.trainingFires = control.trainingFires
                run.trainingMisses = control.trainingMisses
            }
            if control.runIsActive {
                run.state = "running"
            } else if let ending = control.lastEnding, ending.run == id {
                run.state = ending.ending.description
            }
        }
        if run.isFinished { run.endedAt = Self.now() }
        let stateChanged = run.state != runs[id]?.state
        runs[id] = run
        // The record on disk follows the state (not every counter tick): running, then its end.
        if stateChanged { try? save(run) }
    }

    /// The daemon is stopping: the loop ended the run as `shutdown`; record it.
    func finishAll() {
        refresh()
        guard let id = latest, var run = runs[id], !run.isFinished else { return }
        run.state = RunEnding.shutdown.description
        run.endedAt = Self.now()
        runs[id] = run
        try? save(run)
    }

    /// Waits (up to a second) until the loop has applied every command sent.
    private func settle() async -> Bool {
        for _ in 0..<1_000 {
            if control.commandsSettled { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return control.commandsSettled
    }

    private func save(_ run: RunDocument) throws {
        try DurableFile.write(try JSONResponse.encoder.encode(run), to: directory + "/\(run.id).json")
    }

    private static func now() -> String { ISO8601DateFormatter().string(from: Date()) }
}
