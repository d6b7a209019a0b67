import Foundation
import Synchronization
import SomaCore
import SomaSim
import Testing

/// Seed 000 Fig. 5 on the simulated breadboard: the full protocol (layer-1 WTA, layer-2
/// supervised, noisy inference) on the built-in digits, the very core and protocol a board runs.
///
/// What the simulator reproduces: layer 1 spreads the ten digits over at least 8 hidden neurons
/// with stochastic devices, the pairs 5/6 and 8/9 share their hidden responses on most seeds while
/// unrelated digits do not, weight maps look like the digits, and without stochasticity one or two
/// greedy neurons take everything (Supp. Fig. 11). What it does not yet: layer-2 accuracy on noisy
/// digits is 30–65 %, well above chance (10 %) but short of the paper's clear recognition (the
/// issue asks for 90 %): digits whose hidden responses overlap tie in the output layer.
@Suite("the 30 × 10 × 10 network learns the digits (seed 000 Fig. 5)")
struct NetworkLearningTests {
    static let digits = PaperPatterns.bank(PaperPatterns.digits)
    static let seeds: [UInt64] = [1, 2, 3, 4]

    static func run(seed: UInt64, stochastic: Bool = true) throws -> NetworkExperiment.Outcome {
        var plan = LearningPlan(kind: .full)
        plan.seed = seed
        return try NetworkExperiment(
            settings: .paperNetwork(seed: seed, stochastic: stochastic), patterns: digits, plan: plan
        ).run()
    }

    /// The full protocol for each of `seeds`, run once (side by side) for all the tests below.
    static let stochasticRuns: [NetworkExperiment.Outcome] = {
        let results = Mutex<[Int: NetworkExperiment.Outcome]>([:])
        DispatchQueue.concurrentPerform(iterations: seeds.count) { index in
            guard let outcome = try? run(seed: seeds[index]) else { return }
            results.withLock { $0[index] = outcome }
        }
        return results.withLock { found in seeds.indices.compactMap { found[$0] } }
    }()

    /// How much of digit `a`'s hidden response goes to digit `b`'s most active hidden neuron: 1
    /// when they share it, else that neuron's rate on `a` over `a`'s own winner's rate.
    static func shared(_ report: LearningReport, _ a: Int, _ b: Int) -> Double {
        guard let own = report.inferenceWinnerByPattern[a], let other = report.inferenceWinnerByPattern[b] else { return 0 }
        if own == other { return 1 }
        return report.hiddenRates[a][other] / max(1e-9, report.hiddenRates[a][own])
    }

    @Test("stochastic neurons: at least 8 distinct hidden winners for the 10 digits on every seed, and layer 2 recognises noisy digits well above chance")
    func spreadAndRecognition() throws {
        try #require(Self.stochasticRuns.count == Self.seeds.count)
        for (seed, outcome) in zip(Self.seeds, Self.stochasticRuns) {
            let report = outcome.report
            #expect(report.distinctWinners >= 8, "seed \(seed): winners \(report.winnerByPattern)")
            // A few layer-2 presentations may reach the pulse limit (of 230 training presentations).
            #expect(report.trainingMisses <= 5, "seed \(seed)")
            let accuracy = try #require(report.accuracy)
            #expect(accuracy >= 0.25, "seed \(seed): layer-2 accuracy \(accuracy)")
            // Every inference presentation was classified (a row of the confusion matrix each).
            let classified = report.confusion.map { $0.reduce(0, +) }.reduce(0, +)
            #expect(classified == 10 * 10, "seed \(seed)")
        }
    }

    @Test("5/6 and 8/9 share their hidden responses on most seeds (small Hamming distance); unrelated digits never do")
    func sharedResponses() throws {
        try #require(Self.stochasticRuns.count == Self.seeds.count)
        for (a, b) in [(5, 6), (8, 9)] {
            let sharing = Self.stochasticRuns.filter { Self.shared($0.report, a, b) >= 0.5 && Self.shared($0.report, b, a) >= 0.5 }
            #expect(sharing.count >= 3, "\(a)/\(b) share on \(sharing.count) of \(Self.seeds.count) seeds")
        }
        for (seed, outcome) in zip(Self.seeds, Self.stochasticRuns) {
            for (a, b) in [(1, 7), (2, 4), (0, 4), (4, 1)] {
                #expect(Self.shared(outcome.report, a, b) < 0.3, "seed \(seed): digit \(a) → digit \(b)'s neuron: \(Self.shared(outcome.report, a, b))")
            }
        }
    }

    @Test("weight maps after layer 1 resemble the digits: each winner's potentiated synapses are its digit's pixels")
    func weightMapsResembleDigits() throws {
        try #require(Self.stochasticRuns.count == Self.seeds.count)
        for (seed, outcome) in zip(Self.seeds, Self.stochasticRuns) {
            let map = outcome.board.conductanceMap(layer: 0)
            var similarities: [Double] = []
            for (digit, winner) in outcome.report.winnerByPattern.enumerated() {
                let neuron = try #require(winner)
                // Potentiated: clearly above the starting 400 µS.
                let potentiated = Set((0..<30).filter { map[$0][neuron] > 520e-6 })
                let ink = Set((0..<30).filter { Self.digits.patterns[digit].pixels[$0] })
                similarities.append(Double(potentiated.intersection(ink).count) / Double(potentiated.union(ink).count))
            }
            let mean = similarities.reduce(0, +) / Double(similarities.count)
            #expect(mean >= 0.8, "seed \(seed): Jaccard similarity of winner maps and digits: \(similarities)")
            #expect(similarities.filter { $0 >= 0.8 }.count >= 7, "seed \(seed): \(similarities)")
        }
    }

    @Test("without stochasticity one or two greedy neurons capture every digit (Supp. Fig. 11)", arguments: [1, 2] as [UInt64])
    func deterministicCollapse(seed: UInt64) throws {
        let outcome = try Self.run(seed: seed, stochastic: false)
        #expect(outcome.report.distinctWinners <= 2, "winners \(outcome.report.winnerByPattern)")
    }

    @Test("the same seed gives the same run, event for event")
    func reproducible() throws {
        var plan = LearningPlan(kind: .layer1WTA)
        plan.layer1Epochs = 2
        let experiment = NetworkExperiment(settings: .paperNetwork(seed: 9), patterns: Self.digits, plan: plan)
        let first = try experiment.run()
        let second = try experiment.run()
        #expect(first.events == second.events)
        #expect(first.board.conductanceMap(layer: 0) == second.board.conductanceMap(layer: 0))
    }

    /// Seed 001's 8 × 3 layer as `Board/profiles/sim-seed001-8x3.toml` describes it.
    static func rampSettings(seed: UInt64) -> BreadboardSettings {
        var settings = BreadboardSettings(network: NetworkConfiguration(
            inputs: 8, layers: [LayerConfiguration(neurons: 3, lateralInhibition: true)], tieRule: .seededRandom(seed: seed)))
        settings.useFig5Circuit()
        settings.seed = seed
        settings.initialConductanceSiemens = [100e-6]
        return settings
    }

    @Test("ramp-wta (seed 001): the three 8-pixel prototypes, each with nine noisy variants, go to three different neurons on at least 4 of 6 seeds")
    func rampSeparatesPrototypes() throws {
        var separated: [UInt64] = []
        for seed: UInt64 in 1...6 {
            var plan = LearningPlan(kind: .rampWTA)
            plan.seed = seed
            plan.layer1Epochs = 5
            plan.rampMaxVolts = 2.5
            let outcome = try NetworkExperiment(
                settings: Self.rampSettings(seed: seed), patterns: PaperPatterns.bank(PaperPatterns.prototypes), plan: plan
            ).run()
            // Each prototype's neuron: the one that won most of its ten patterns in the last epoch
            // (the lowest index on a tie, so that the count does not depend on hashing order).
            let winners = outcome.report.winnerByPattern
            let majority = (0..<3).map { group -> Int? in
                let won = (0..<10).compactMap { winners[group * 10 + $0] }
                return (0..<3).max { a, b in
                    let (countA, countB) = (won.filter { $0 == a }.count, won.filter { $0 == b }.count)
                    return countA < countB || (countA == countB && a > b)
                }.flatMap { won.contains($0) ? $0 : nil }
            }
            if Set(majority.compactMap { $0 }).count == 3 { separated.append(seed) }
            #expect(outcome.report.trainingMisses == 0, "seed \(seed): every presentation fired below the ramp's top")
        }
        // Seeds 1, 2, 4 and 5 separate them; on 3 and 6 two prototypes share a neuron.
        #expect(separated.count >= 4, "separated on seeds \(separated)")
    }
}
