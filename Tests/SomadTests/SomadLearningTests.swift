import Foundation
import SomaBoardProfile
import SomaCore
import SomaProtocol
import SomaSim
import Testing

let paperNetworkProfile = repository.appendingPathComponent("Board/profiles/sim-paper-network.toml").path

/// The built-in digits as the API takes them (30 pixels of 0/1 each).
let digitSet = PatternSetDocument(name: "digits", width: 5, patterns: PaperPatterns.digits.map {
    PatternDocument(label: $0.label, pixels: String($0.rows.joined().map { $0 == "#" ? "1" : "0" }))
})

@Suite("somad runs the learning protocols", .serialized)
struct SomadLearningTests {
    static func paperDaemon() throws -> Daemon {
        try Daemon.simulated(["--profile", paperNetworkProfile, "--speed", "max"])
    }

    @Test("a learning run spec that cannot run is refused before anything is driven, naming the field")
    func refusals() async throws {
        let somad = try Self.paperDaemon()
        defer { somad.terminate() }
        _ = try await somad.json(PatternSetSummary.self, "POST", "/v1/pattern-sets", body: digitSet, expect: 201)
        try await somad.expectRunRefused(#"{"protocol": "ramp-up", "patternSet": "digits"}"#, field: "protocol", saying: "known: present, layer1-wta, layer2-supervised, infer, full, ramp-wta")
        try await somad.expectRunRefused(#"{"protocol": "full", "patternSet": "digits", "parameters": {"epochs": 0}}"#, field: "parameters.epochs", saying: "allowed: 1…")
        try await somad.expectRunRefused(#"{"protocol": "layer1-wta", "patternSet": "digits", "parameters": {"maxPulses": 5000}}"#, field: "parameters.maxPulses", saying: "limits.max_pulses_per_presentation")
        try await somad.expectRunRefused(#"{"protocol": "infer", "patternSet": "digits", "parameters": {"noisePixels": 31}}"#, field: "parameters.noisePixels", saying: "the board's input count")
        try await somad.expectRunRefused(#"{"protocol": "full", "patternSet": "digits", "parameters": {"pulseAmplitudeVolts": 2.4}}"#, field: "parameters.pulseAmplitudeVolts", saying: "limits.max_amplitude_volts")
        try await somad.expectRunRefused(#"{"protocol": "layer1-wta", "patternSet": "digits", "parameters": {"periodsPerPattern": 5}}"#, field: "parameters.periodsPerPattern", saying: "is for present")
        try await somad.expectRunRefused(#"{"protocol": "present", "patternSet": "digits", "parameters": {"periodsPerPattern": 5, "epochs": 2}}"#, field: "parameters.epochs", saying: "learning protocols")
        try await somad.expectRunRefused(#"{"protocol": "full", "patternSet": "digits", "parameters": {"epoch": 2}}"#, field: "parameters.epoch", saying: "unknown field")
        try await somad.expectRunRefused(#"{"protocol": "ramp-wta", "patternSet": "digits", "parameters": {"rampMaxVolts": 3.0}}"#, field: "parameters.rampMaxVolts", saying: "limits.max_amplitude_volts of 2.0 V")
        try await somad.expectRunRefused(#"{"protocol": "full", "patternSet": "digits", "parameters": {"rampStepVolts": 0.1}}"#, field: "parameters.rampStepVolts", saying: "is for ramp-wta")
        // A two-pixel set does not fit the 30-input network.
        let answer = try await somad.failure("POST", "/v1/pattern-sets", raw: try JSONEncoder().encode(twoPatterns))
        #expect(answer.status == 400 && answer.document.field == "patterns[0].pixels")
        #expect(try await somad.json(RunList.self, "GET", "/v1/runs").runs.isEmpty, "nothing started")

        // The single-neuron board has no output layer for layer-2 training.
        let small = try Daemon.simulated()
        defer { small.terminate() }
        _ = try await small.json(PatternSetSummary.self, "POST", "/v1/pattern-sets", body: twoPatterns, expect: 201)
        let oneLayer = try await small.failure("POST", "/v1/runs", raw: Data(#"{"protocol": "full", "patternSet": "pair"}"#.utf8))
        #expect(oneLayer.status == 400 && oneLayer.document.field == "protocol" && oneLayer.document.error.contains("hidden and an output layer"), "\(oneLayer)")
    }

    @Test("a simulation-only profile needs --sim: exit 64 saying so")
    func simulatedOnlyProfile() throws {
        let somad = try Daemon(["--profile", paperNetworkProfile, "--listen", "127.0.0.1:0", "--data-dir", scratchDirectory()], waitForListening: false)
        #expect(somad.waitForExit() == 64)
        #expect(somad.output.contains("run it with --sim"), "\(somad.output)")
    }

    @Test("the full protocol on the digits through the API: stages in order, progress by stage and epoch, every training presentation logged with its winner, a log a report can be computed from, and the same events as the same run in-process")
    func fullProtocol() async throws {
        let somad = try Self.paperDaemon()
        defer { somad.terminate() }
        _ = try await somad.json(PatternSetSummary.self, "POST", "/v1/pattern-sets", body: digitSet, expect: 201)
        let spec = RunSpec(protocol: "full", patternSet: "digits", parameters: RunParameters(epochs: 3, layer2Epochs: 1, inferPeriods: 20, testRepeats: 2, seed: 4))
        let started = try await somad.json(RunDocument.self, "POST", "/v1/runs", body: spec, expect: 201)
        #expect(started.presentationsPlanned == 60)
        var run = started
        // The start answer names the stage the run began in; at --speed max a loaded machine may
        // finish layer-1 training before the first poll.
        var stagesSeen: Set<String> = started.stage.map { [$0] } ?? []
        let deadline = Date().addingTimeInterval(300)
        while !run.isFinished, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
            run = try await somad.json(RunDocument.self, "GET", "/v1/runs/\(started.id)")
            if let stage = run.stage { stagesSeen.insert(stage) }
        }
        #expect(run.state == "completed", "\(run)")
        #expect(run.presentationsBegun == 60)
        #expect(run.stage == "infer" && run.epoch == 2)
        #expect(stagesSeen.contains("layer1-wta") && stagesSeen.contains("infer"), "\(stagesSeen)")
        #expect((run.trainingFires ?? 0) + (run.trainingMisses ?? 0) == 40)

        let status = try await somad.waitForStatus(30, "the run's events synced") { $0.store.lastSequence >= $0.loop.eventsPushed }
        let events = try await somad.pullAll(through: status.store.lastSequence)
        #expect(events.filter { $0.kind == "stage-started" }.map(\.layer) == [1, 2, 3])
        #expect(events.filter { $0.kind == "presentation" }.count == 60)
        #expect(events.filter { $0.kind == "learned" || $0.kind == "no-fire" }.count == 40)
        #expect(events.filter { $0.kind == "learned" && $0.layer == 0 }.allSatisfy { $0.neuron < 10 && $0.payload >= 1 })
        // The pulled log is enough to compute the run's report.
        var report = LearningReport(patternCount: 10, hiddenNeurons: 10, outputNeurons: 10)
        for event in events {
            guard let kind = EventKind(name: event.kind) else {
                Issue.record("unknown kind \(event.kind)")
                continue
            }
            report.add(NeuronEvent(tick: event.tick, kind: kind, layer: UInt8(event.layer), neuron: UInt16(event.neuron), payload: event.payload))
        }
        report.finish()
        #expect(report.winnerByPattern.compactMap { $0 }.count == 10, "every digit won by a hidden neuron: \(report.winnerByPattern)")
        #expect(report.confusion.reduce(0) { $0 + $1.reduce(0, +) } == 20, "every inference presentation classified")

        // The same code on the board's loop and in-process: the same profile, seed and plan give
        // the same run, event for event, but for where in time it started.
        var plan = LearningPlan(kind: .full)
        plan.layer1Epochs = 3
        plan.layer2Epochs = 1
        plan.inferPeriods = 20
        plan.testRepeats = 2
        plan.seed = 4
        let profile = try BoardProfile.load(path: paperNetworkProfile)
        let replay = try NetworkExperiment(
            settings: try BreadboardSettings(profile: profile),
            patterns: PaperPatterns.bank(PaperPatterns.digits), plan: plan, limits: profile.outputLimits
        ).run()
        let logged = events.filter { $0.kind != "run-started" && $0.kind != "run-ended" }.map { "\($0.kind) \($0.layer) \($0.neuron) \($0.payload)" }
        let replayed = replay.events.filter { $0.kind != .runStarted && $0.kind != .runEnded }.map { "\($0.kind) \($0.layer) \($0.neuron) \($0.payload)" }
        #expect(logged.count == replayed.count)
        #expect(logged == replayed, "first difference at \(zip(logged, replayed).enumerated().first { $0.element.0 != $0.element.1 }.map { "\($0.offset): \($0.element)" } ?? "the end")")
    }
}
