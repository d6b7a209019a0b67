import Foundation
import SomaBoardProfile
import SomaCore
import SomaProtocol
import SomaSim
import Testing

let stdpPairProfile = repository.appendingPathComponent("Board/profiles/sim-stdp-pair.toml").path
let evokeSet = PatternSetDocument(name: "evoke", patterns: [PatternDocument(label: "evoke", pixels: "0111")])

extension EventDocument {
    var neuronEvent: NeuronEvent? {
        guard let kind = EventKind(name: kind) else { return nil }
        return NeuronEvent(tick: tick, kind: kind, layer: UInt8(layer), neuron: UInt16(neuron), payload: payload)
    }
}

/// The `stdp` and `readout` protocols through the daemon: the loop runs the same state machine
/// as `soma sim run`, and the pulled log is enough to compute the curve and the maps.
@Suite("somad runs stdp and readout", .serialized)
struct SomadSTDPReadoutTests {
    static func waitUntilFinished(_ somad: Daemon, _ id: UInt32) async throws -> RunDocument {
        var run = try await somad.json(RunDocument.self, "GET", "/v1/runs/\(id)")
        let deadline = Date().addingTimeInterval(120)
        while !run.isFinished, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
            run = try await somad.json(RunDocument.self, "GET", "/v1/runs/\(id)")
        }
        return run
    }

    @Test("stdp: a sweep of pairings through the API; the pulled log gives the curve, which follows the window and equals the same run in-process")
    func stdpThroughTheAPI() async throws {
        let somad = try Daemon.simulated(["--profile", stdpPairProfile, "--speed", "max"])
        defer { somad.terminate() }
        _ = try await somad.json(PatternSetSummary.self, "POST", "/v1/pattern-sets", body: evokeSet, expect: 201)
        var parameters = RunParameters()
        parameters.stdpWindow = "alpha"
        parameters.stdpFromMs = -60
        parameters.stdpToMs = 60
        parameters.stdpStepMs = 10
        let started = try await somad.json(RunDocument.self, "POST", "/v1/runs", body: RunSpec(protocol: "stdp", patternSet: "evoke", parameters: parameters), expect: 201)
        #expect(started.presentationsPlanned == 13)
        let run = try await Self.waitUntilFinished(somad, started.id)
        #expect(run.state == "completed", "\(run)")
        #expect(run.stage == "stdp")
        let status = try await somad.waitForStatus(30, "the run's events synced") { $0.store.lastSequence >= $0.loop.eventsPushed }
        let events = try await somad.pullAll(through: status.store.lastSequence).compactMap(\.neuronEvent)
        let curve = STDPCurve(events: events)
        #expect(curve.points.count == 13)
        #expect(curve.fit(.alpha).largestDeviationOfPeak <= 0.10, "\(curve.fit(.alpha))")

        var plan = LearningPlan(kind: .stdp)
        plan.stdpWindow = .alpha
        plan.stdpFromMilliseconds = -60
        plan.stdpToMilliseconds = 60
        plan.stdpStepMilliseconds = 10
        plan.layer1Epochs = 1
        let profile = try BoardProfile.load(path: stdpPairProfile)
        let replay = try NetworkExperiment(
            settings: try BreadboardSettings(profile: profile), patterns: STDPTestsPatterns.evoke, plan: plan, limits: profile.outputLimits
        ).run()
        #expect(STDPCurve(events: replay.events) == curve)
    }

    @Test("readout with no pattern set: every synapse of both layers, as the simulator holds them")
    func readoutThroughTheAPI() async throws {
        let somad = try Daemon.simulated(["--profile", paperNetworkProfile, "--speed", "max"])
        defer { somad.terminate() }
        let answer = try await somad.request("POST", "/v1/runs", body: Data(#"{"protocol": "readout"}"#.utf8))
        #expect(answer.status == 201, "\(String(decoding: answer.body, as: UTF8.self))")
        let started = try JSONDecoder().decode(RunDocument.self, from: answer.body)
        let run = try await Self.waitUntilFinished(somad, started.id)
        #expect(run.state == "completed", "\(run)")
        let status = try await somad.waitForStatus(30, "the run's events synced") { $0.store.lastSequence >= $0.loop.eventsPushed }
        let maps = ReadoutMaps(events: try await somad.pullAll(through: status.store.lastSequence).compactMap(\.neuronEvent))
        let board = try Breadboard(settings: try BreadboardSettings(profile: try BoardProfile.load(path: paperNetworkProfile)))
        for layer in 0..<2 {
            let truth = board.conductanceMap(layer: layer)
            let measured = try #require(maps.layers[layer])
            #expect(measured.count == truth.count && measured[0].count == truth[0].count)
            let worst = zip(measured.joined(), truth.joined()).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-9, "layer \(layer): largest difference \(worst) S")
        }
    }

    @Test("stdp and readout specs that cannot run are refused before anything is driven, naming the field")
    func refusals() async throws {
        let somad = try Daemon.simulated(["--profile", stdpPairProfile, "--speed", "max"])
        defer { somad.terminate() }
        _ = try await somad.json(PatternSetSummary.self, "POST", "/v1/pattern-sets", body: evokeSet, expect: 201)
        try await somad.expectRunRefused(#"{"protocol": "stdp"}"#, field: "patternSet", saying: "patternSet")
        try await somad.expectRunRefused(#"{"protocol": "layer1-wta", "patternSet": "evoke", "parameters": {"stdpRow": 1}}"#, field: "parameters.stdpRow", saying: "is for stdp")
        try await somad.expectRunRefused(#"{"protocol": "stdp", "patternSet": "evoke", "parameters": {"stdpRow": 4}}"#, field: "parameters.stdpRow", saying: "0…3")
        try await somad.expectRunRefused(#"{"protocol": "stdp", "patternSet": "evoke", "parameters": {"stdpNeuron": 1}}"#, field: "parameters.stdpNeuron", saying: "0…0")
        try await somad.expectRunRefused(#"{"protocol": "stdp", "patternSet": "evoke", "parameters": {"stdpWindow": "gaussian"}}"#, field: "parameters.stdpWindow", saying: "exponential, alpha")
        try await somad.expectRunRefused(#"{"protocol": "stdp", "patternSet": "evoke", "parameters": {"stdpProgramVolts": 2.5}}"#, field: "parameters.stdpProgramVolts", saying: "limits.max_amplitude_volts of 2.0 V")
        try await somad.expectRunRefused(#"{"protocol": "stdp", "patternSet": "evoke", "parameters": {"stdpFromMs": 50, "stdpToMs": 10}}"#, field: "parameters.stdpToMs", saying: "at least stdpFromMs")
        try await somad.expectRunRefused(#"{"protocol": "stdp", "patternSet": "evoke", "parameters": {"stdpTauPotentiationMs": 0}}"#, field: "parameters.stdpTauPotentiationMs", saying: "positive")
        try await somad.expectRunRefused(#"{"protocol": "stdp", "patternSet": "evoke", "parameters": {"epochs": 0}}"#, field: "parameters.epochs", saying: "allowed: 1…")
        try await somad.expectRunRefused(#"{"protocol": "readout", "parameters": {"readVolts": 3}}"#, field: "parameters.readVolts", saying: "limits.max_amplitude_volts")
        try await somad.expectRunRefused(#"{"protocol": "readout", "parameters": {"readoutLayer": 1}}"#, field: "parameters.readoutLayer", saying: "allowed: 0…0")
        try await somad.expectRunRefused(#"{"protocol": "full", "patternSet": "evoke", "parameters": {"readVolts": 0.1}}"#, field: "parameters.readVolts", saying: "is for readout and stdp")
        #expect(try await somad.json(RunList.self, "GET", "/v1/runs").runs.isEmpty, "nothing started")
    }
}

enum STDPTestsPatterns {
    static let evoke = try! PatternBank([Pattern(pixels: [false, true, true, true], label: "evoke")], inputCount: 4)
}

@Suite("somad runs characterize", .serialized)
struct SomadCharacterizeTests {
    @Test("characterize specs that cannot run are refused, naming the field; a width sweep runs and logs a sweep point per width")
    func characterize() async throws {
        let somad = try Daemon.simulated(["--speed", "max"])
        defer { somad.terminate() }
        let both = PatternSetDocument(name: "both", patterns: [PatternDocument(label: "both", pixels: "11")])
        _ = try await somad.json(PatternSetSummary.self, "POST", "/v1/pattern-sets", body: both, expect: 201)
        try await somad.expectRunRefused(#"{"protocol": "characterize", "patternSet": "both", "parameters": {"sweep": "frequency"}}"#, field: "parameters.sweep", saying: "amplitude, width, interval")
        try await somad.expectRunRefused(#"{"protocol": "characterize", "patternSet": "both", "parameters": {"measure": "latency"}}"#, field: "parameters.measure", saying: "first-fire, rate")
        try await somad.expectRunRefused(#"{"protocol": "characterize", "patternSet": "both", "parameters": {"sweepTo": 2.5}}"#, field: "parameters.sweepTo", saying: "limits.max_amplitude_volts of 2.0 V")
        // The profile allows 500 µs pulses but only half of a 500 µs period: 250 µs.
        try await somad.expectRunRefused(#"{"protocol": "characterize", "patternSet": "both", "parameters": {"sweep": "width", "sweepTo": 300}}"#, field: "parameters.sweepTo", saying: "250.0 µs")
        try await somad.expectRunRefused(#"{"protocol": "characterize", "patternSet": "both", "parameters": {"sweep": "width", "sweepFrom": 20}}"#, field: "parameters.sweepFrom", saying: "one tick (50.0 µs)")
        try await somad.expectRunRefused(#"{"protocol": "characterize", "patternSet": "both", "parameters": {"sweep": "interval", "sweepStep": 0.5}}"#, field: "parameters.sweepStep", saying: "whole clock periods")
        try await somad.expectRunRefused(#"{"protocol": "characterize", "patternSet": "both", "parameters": {"sweepFrom": 1.5, "sweepTo": 1.0}}"#, field: "parameters.sweepTo", saying: "at least sweepFrom")
        try await somad.expectRunRefused(#"{"protocol": "infer", "patternSet": "both", "parameters": {"sweep": "width"}}"#, field: "parameters.sweep", saying: "is for characterize")
        #expect(try await somad.json(RunList.self, "GET", "/v1/runs").runs.isEmpty, "nothing started")

        var parameters = RunParameters(testRepeats: 3)
        parameters.sweep = "width"
        let started = try await somad.json(RunDocument.self, "POST", "/v1/runs", body: RunSpec(protocol: "characterize", patternSet: "both", parameters: parameters), expect: 201)
        #expect(started.presentationsPlanned == 15, "5 widths (50…250 µs by 50) × 3 trials")
        let run = try await SomadSTDPReadoutTests.waitUntilFinished(somad, started.id)
        #expect(run.state == "completed" && run.stage == "characterize", "\(run)")
        let status = try await somad.waitForStatus(30, "the run's events synced") { $0.store.lastSequence >= $0.loop.eventsPushed }
        let events = try await somad.pullAll(through: status.store.lastSequence).compactMap(\.neuronEvent)
        let curve = CharacterizationCurve(events: events, trialTicks: 800)
        #expect(curve.points.map(\.value) == [50, 100, 150, 200, 250])
        #expect(curve.points.allSatisfy { $0.pulsesPerTrial.count == 3 })
        #expect(!events.contains { $0.kind == .boardFault }, "no pulse reached a limit")
    }
}
