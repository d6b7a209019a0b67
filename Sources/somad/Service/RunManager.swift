import Foundation
import SomaCore
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
    /// Only the simulated breadboard follows a run's amplitude (a real board's rail is set at start).
    let amplitudeIsAdjustable: Bool
    let defaultMissPolicy: DeadlineMissPolicy
    private var runs: [UInt32: RunDocument] = [:]
    private var nextID: UInt32 = 1
    private(set) var latest: UInt32?

    init(control: LoopControl, patterns: PatternStore, directory: String, maxAmplitudeVolts: Double, amplitudeIsAdjustable: Bool, defaultMissPolicy: DeadlineMissPolicy) throws {
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
        guard spec.protocol == "present" else {
            throw APIFailure(.badRequest, "protocol '\(spec.protocol)' is not one this daemon runs; known: present", field: "protocol")
        }
        let set = try patterns.load(spec.patternSet, field: "patternSet")
        do { try patterns.check(set) } catch {
            throw APIFailure(.badRequest, "pattern set \(set.name) does not fit this board: \(error.document.error)", field: "patternSet")
        }
        let parameters = spec.parameters
        func range(_ value: Int, _ name: String, _ allowed: ClosedRange<Int>) throws(APIFailure) {
            guard allowed.contains(value) else {
                throw APIFailure(.badRequest, "parameters.\(name) is \(value); allowed: \(allowed.lowerBound)…\(allowed.upperBound)", field: "parameters.\(name)")
            }
        }
        try range(parameters.periodsPerPattern, "periodsPerPattern", 1...10_000_000)
        try range(parameters.restPeriods, "restPeriods", 0...10_000_000)
        try range(parameters.repeats, "repeats", 1...1_000_000)
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
        let plan = PresentationPlan(periodsPerPattern: parameters.periodsPerPattern, restPeriods: parameters.restPeriods, repeats: parameters.repeats, shuffleSeed: parameters.shuffleSeed)
        var run = RunDocument(
            id: id, state: "starting", spec: spec, presentationsBegun: 0,
            presentationsPlanned: UInt64(set.patterns.count * parameters.repeats), startedAt: Self.now(), endedAt: nil)
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

    func stop(_ id: UInt32) async throws -> RunDocument {
        let run = try get(id)
        guard !run.isFinished else { return run }
        guard control.send(.stopRun(run: id)) else { throw APIFailure(.serviceUnavailable, "the loop's command queue is full; try again") }
        _ = await settle()
        refresh()
        return runs[id]!
    }

    /// Brings the latest run's record up to date with the loop's counters; stores it when it ends.
    func refresh() {
        guard let id = latest, var run = runs[id], !run.isFinished else { return }
        if control.lastRefusedRun == id {
            run.state = "refused"
        } else if control.currentRun == id {
            run.presentationsBegun = control.presentationsBegun
            run.fires = control.runFires
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
