import ArgumentParser
import Foundation
import SomaHostKit
import SomaCore
import SomaProtocol

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start, watch and stop runs on a board.",
        discussion: """
            A run spec is TOML or JSON: protocol ("present"), patternSet (a set uploaded with \
            `soma patterns upload`) and parameters (periodsPerPattern, restPeriods, repeats, \
            shuffleSeed, pulseAmplitudeVolts, onDeadlineMiss; see README.md). Unknown fields are \
            refused, here and by the board.
            """,
        subcommands: [RunStart.self, RunWatch.self, RunStop.self, RunReport.self]
    )
}

struct RunStart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a run from a run spec file.")

    @Argument(help: "The run spec (.toml or .json).")
    var spec: String

    @OptionGroup var target: BoardChoice

    @Flag(help: "Print the run as JSON.")
    var json = false

    func run() throws {
        let run = try hostCommand { () throws(HostError) -> RunDocument in
            let spec = try RunSpecFile.load(spec)
            return try target.client().post("/v1/runs", spec, as: RunDocument.self)
        }
        if json { print(try jsonText(run)) } else {
            print("started run \(run.id): \(run.spec.protocol) on \(run.spec.patternSet), \(run.presentationsPlanned) presentations")
        }
    }
}

struct RunStop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a run (default: the board's latest).")

    @Argument(help: "The run's id.")
    var id: UInt32?

    @OptionGroup var target: BoardChoice

    @Flag(help: "Print the run as JSON.")
    var json = false

    func run() throws {
        let run = try hostCommand { () throws(HostError) -> RunDocument in
            let client = try target.client()
            let target = if let id { id } else { try RunWatch.latest(client) }
            return try client.post("/v1/runs/\(target)/stop", as: RunDocument.self)
        }
        if json { print(try jsonText(run)) } else { print("run \(run.id) \(run.state)") }
    }
}

struct RunWatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Follow a run to its end with a progress bar, then print a summary.")

    @Argument(help: "The run's id (default: the board's latest).")
    var id: UInt32?

    @OptionGroup var target: BoardChoice

    @Option(help: "Seconds between updates.")
    var interval: Double = 0.25

    @Flag(help: "No progress bar; print the finished run as JSON.")
    var json = false

    static func latest(_ client: BoardClient) throws(HostError) -> UInt32 {
        guard let run = try client.get("/v1/status", as: StatusDocument.self).run else {
            throw HostError("board '\(client.name)' has run nothing since it started; start a run with `soma run start SPEC`")
        }
        return run.id
    }

    func run() throws {
        let terminal = isatty(STDERR_FILENO) == 1
        let finished = try hostCommand { () throws(HostError) -> (RunDocument, Double) in
            let client = try target.client()
            let target = if let id { id } else { try Self.latest(client) }
            let started = Date()
            var lastLine = Date.distantPast
            while true {
                let run = try client.get("/v1/runs/\(target)", as: RunDocument.self)
                let elapsed = Date().timeIntervalSince(started)
                if !json, terminal || Date().timeIntervalSince(lastLine) >= 2 || run.isFinished {
                    lastLine = Date()
                    let line = Self.progressLine(run, elapsed: elapsed)
                    FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
                }
                if run.isFinished {
                    if terminal && !json { FileHandle.standardError.write(Data("\n".utf8)) }
                    return (run, elapsed)
                }
                usleep(UInt32(max(0.05, interval) * 1e6))
            }
        }
        let (run, elapsed) = finished
        if json { print(try jsonText(run)); return }
        print("run \(run.id) \(run.state): \(run.presentationsBegun) of \(run.presentationsPlanned) presentations, \(run.fires ?? 0) fires, watched for \(String(format: "%.1f", elapsed)) s")
        if let learned = run.trainingFires {
            let misses = run.trainingMisses ?? 0
            switch run.spec.protocol {
            case "stdp": print("stdp: \(learned) pairings measured and programmed, \(misses) got no postsynaptic fire; `soma logs pull` then `soma run report` for the Δw(Δt) curve")
            case "characterize": print("characterize: \(learned) first-fire trials fired, \(misses) gave up; `soma logs pull` then `soma run report` for the curve")
            case "readout": print("readout: `soma logs pull` then `soma run report --out DIR` for the conductance maps")
            default: print("training: \(learned) presentations reached their fire, \(misses) gave up; `soma logs pull` then `soma run report` for winners and accuracy")
            }
        }
        if !["completed", "stopped"].contains(run.state) { throw ExitCode(1) }
    }

    static func progressLine(_ run: RunDocument, elapsed: Double) -> String {
        let fraction = run.presentationsPlanned == 0 ? 0 : Double(run.presentationsBegun) / Double(run.presentationsPlanned)
        let filled = Int((fraction * 30).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
        let rate = elapsed > 0 ? Double(run.fires ?? 0) / elapsed : 0
        let stage = run.stage.map { " \($0) epoch \(run.epoch ?? 1)," } ?? ""
        return "run \(run.id) [\(bar)]\(stage) \(run.presentationsBegun)/\(run.presentationsPlanned) presentations, \(run.fires ?? 0) fires (\(String(format: "%.1f", rate))/s), \(run.state)"
    }
}

/// `soma run report`: what a learning run showed, from the pulled log.
struct RunReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise a learning run from the pulled log: layer-1 winners, layer-2 accuracy, confusion; an stdp curve; read-out maps.",
        discussion: """
            Reads the run's events from the local database (`soma logs pull` first) and asks the \
            board for the run's pattern set (its labels) and the network's layer sizes. The numbers \
            are computed from the events alone, exactly as `soma sim run` computes them. With --out, \
            writes summary.json and SVG plots: rates-hidden.svg, rates-output.svg, confusion.svg. \
            An stdp run gives its pairings and their fit to the window (stdp.json, stdp.svg); a \
            readout run the measured maps (weights.json, weights-layer*.svg, for `soma plot weights`); \
            a characterize run its curve (characterize.json, as `soma sim characterize --json` prints \
            it, and characterize.svg).
            """
    )

    @OptionGroup var target: BoardChoice

    @Option(name: .customLong("run"), help: "The run (default: the board's latest).")
    var runID: UInt32?

    @OptionGroup var database: DatabaseOption

    @Option(help: "Directory for summary.json and the plots.")
    var out: String?

    @Flag(help: "Print the summary as one JSON document.")
    var json = false

    func run() throws {
        try hostCommand { () throws(HostError) in
            let client = try target.client()
            let id = if let runID { runID } else { try RunWatch.latest(client) }
            let document = try client.get("/v1/runs/\(id)", as: RunDocument.self)
            guard document.spec.protocol != "present" else {
                throw HostError("run \(id) is a present run; a report needs a learning or measuring protocol (layer1-wta, layer2-supervised, infer, full, ramp-wta, stdp, readout, characterize)")
            }
            let store = try LogDatabase(path: database.database)
            if ["stdp", "readout", "characterize"].contains(document.spec.protocol) {
                return try measurementReport(document, client: client, store: store)
            }
            let profile = try client.get("/v1/profile", as: ProfileDocument.self)
            let set = try client.get("/v1/pattern-sets/\(document.spec.patternSet)", as: PatternSetDocument.self)
            var report = LearningReport(
                patternCount: set.patterns.count, hiddenNeurons: profile.layers.first ?? 0,
                outputNeurons: profile.layers.count > 1 ? profile.layers[1] : 0)
            let pulled = try Self.pulledEvents(of: id, client: client, store: store)
            for event in pulled.events { report.add(event) }
            report.finish()
            let labels = set.patterns.enumerated().map { $0.element.label ?? String($0.offset) }
            let summary = LearningSummary(
                report: report, labels: labels, virtualSeconds: pulled.seconds, wallSeconds: nil)
            if let out { try summary.write(to: out) }
            if json {
                do { print(String(decoding: try LearningSummary.encoder.encode(summary), as: UTF8.self)) } catch {
                    throw HostError("cannot encode the summary: \(error)")
                }
            } else {
                print("run \(id) (\(document.spec.protocol), \(document.state)), pattern set \(set.name):")
                print(summary.text)
                print("\(summary.events) events over \(String(format: "%.2f", summary.virtualSeconds)) s of board time")
                if let out { print("wrote \(out)/: summary.json, rates-hidden.svg, rates-output.svg, confusion.svg") }
            }
        }
    }
}

extension RunReport {
    /// An stdp run's curve, or a readout run's maps, from the pulled events.
    /// The run's events from the local database, and the board time they span; an error saying
    /// to pull first when there are none.
    static func pulledEvents(of run: UInt32, client: BoardClient, store: LogDatabase) throws(HostError) -> (events: [NeuronEvent], seconds: Double, tickSeconds: Double) {
        var events: [NeuronEvent] = []
        try store.forEachEvent(board: client.name, run: Int64(run), kinds: nil) { stored in
            let event = stored.event
            guard let kind = EventKind(name: event.kind) else { return }
            events.append(NeuronEvent(
                tick: event.tick, kind: kind, layer: UInt8(clamping: event.layer), neuron: UInt16(clamping: event.neuron),
                payload: event.payload))
        }
        guard let first = events.first, let last = events.last else {
            throw HostError("the database holds no events of run \(run) of board '\(client.name)'; pull them with `soma logs pull --board \(client.name)`")
        }
        let tickSeconds = (try store.tickMicroseconds(board: client.name) ?? 50) * 1e-6
        return (events, Double(last.tick - first.tick) * tickSeconds, tickSeconds)
    }

    private func measurementReport(_ document: RunDocument, client: BoardClient, store: LogDatabase) throws(HostError) {
        let (events, seconds, tickSeconds) = try Self.pulledEvents(of: document.id, client: client, store: store)
        let encoded: Data
        do {
            if document.spec.protocol == "characterize" {
                let p = document.spec.parameters
                let profile = try client.get("/v1/profile", as: ProfileDocument.self)
                let periodSeconds = 1 / profile.clockHz
                let trialSeconds = Double(p.inferPeriods ?? 80) * periodSeconds
                let trialTicks = UInt64((trialSeconds / tickSeconds).rounded())
                let summary = CharacterizationSummary(
                    curve: CharacterizationCurve(events: events, trialTicks: trialTicks),
                    measure: p.measure.flatMap(CharacterizationMeasure.init(name:)) ?? .firstFire,
                    sweep: p.sweep.flatMap(CharacterizationSweep.init(name:)) ?? .amplitude,
                    trialSeconds: trialSeconds, neurons: profile.layers.first ?? 1)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                encoded = try encoder.encode(summary)
                if let out {
                    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                    try encoded.write(to: URL(fileURLWithPath: out + "/characterize.json"))
                    try summary.plot.svg().write(toFile: out + "/characterize.svg", atomically: true, encoding: .utf8)
                }
                if !json {
                    print("run \(document.id) (characterize, \(document.state)):")
                    print(summary.text)
                    if let out { print("wrote \(out)/: characterize.json, characterize.svg") }
                }
            } else if document.spec.protocol == "stdp" {
                let p = document.spec.parameters
                let window = STDPWindow(
                    shapeName: p.stdpWindow, potentiation: p.stdpPotentiation, depression: p.stdpDepression,
                    potentiationTauMilliseconds: p.stdpTauPotentiationMs, depressionTauMilliseconds: p.stdpTauDepressionMs) ?? .seed003
                let summary = STDPSummary(events: events, window: window, virtualSeconds: seconds, wallSeconds: nil)
                if let out { try summary.write(to: out) }
                encoded = try LearningSummary.encoder.encode(summary)
                if !json {
                    print("run \(document.id) (stdp, \(document.state)):")
                    print(summary.text)
                    if let out { print("wrote \(out)/: stdp.json, stdp.svg") }
                }
            } else {
                // Drawn as images when the run names a pattern set with a width (e.g. the digits, 5).
                var imageSize: (Int, Int)?
                if !document.spec.patternSet.isEmpty,
                   let set = try? client.get("/v1/pattern-sets/\(document.spec.patternSet)", as: PatternSetDocument.self),
                   let width = set.width, let first = set.patterns.first, width > 0 {
                    imageSize = (width, first.pixels.count / width)
                }
                let maps = WeightMap.measured(ReadoutMaps(events: events), imageSize: imageSize)
                if let out { try WeightMap.write(maps, to: out) }
                encoded = try LearningSummary.encoder.encode(maps)
                if !json {
                    print("run \(document.id) (readout, \(document.state)):")
                    for map in maps { print(map.text) }
                    if let out { print("wrote \(out)/: weights.json, weights-layer*.svg") }
                }
            }
        } catch let error as HostError {
            throw error
        } catch {
            throw HostError("cannot write the report: \(error)")
        }
        if json { print(String(decoding: encoded, as: UTF8.self)) }
    }
}
