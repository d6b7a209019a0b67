import SomaCore
import SomaSim
import Testing

@Suite("the 30 × 10 × 10 network learns the digits (seed 000 Fig. 5)")
struct NetworkLearningTests {
    static func experiment(seed: UInt64, stochastic: Bool = true) -> NetworkExperiment {
        var settings = BreadboardSettings(network: .paperNetwork())
        settings.seed = seed
        settings.stochastic = stochastic
        var plan = LearningPlan(kind: .full)
        plan.seed = seed
        return NetworkExperiment(settings: settings, patterns: PaperPatterns.bank(PaperPatterns.digits), plan: plan)
    }

    @Test("explore")
    func explore() throws {
        for seed: UInt64 in [1, 2, 3] {
            let outcome = try Self.experiment(seed: seed).run()
            let r = outcome.report
            print("seed \(seed): ticks \(outcome.ticks) events \(outcome.events.count) winners \(r.winnerByPattern.map { $0.map(String.init) ?? "-" }) distinct \(r.distinctWinners) acc \(r.accuracy ?? -1) misses \(r.trainingMisses)")
            print("  l1 pulses \(r.layer1Pulses.prefix(40))")
            print("  l2 pulses \(r.layer2Pulses)")
            print("  infer winners \(r.inferenceWinnerByPattern.map { $0.map(String.init) ?? "-" })")
            for row in r.confusion { print("  ", row) }
        }
    }
}
