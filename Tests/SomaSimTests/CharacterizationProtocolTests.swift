import SomaBoardProfile
import SomaCore
import SomaSim
import Testing

/// The `characterize` protocol: seed 000's sweeps run by the controller's own state machine (the
/// one a board runs), against the simulated single neuron.
@Suite("characterize on the simulated breadboard: seed 000 Fig. 2e/2f, 3c/3d as a board protocol")
struct CharacterizationProtocolTests {
    static func run(amplitude: Double = 1.6, _ configure: (inout LearningPlan) -> Void) throws -> (CharacterizationCurve, LearningPlan, NetworkExperiment.Outcome) {
        let profile = try BoardProfile.load(path: "Board/profiles/gpio-sim-single-neuron.toml")
        var settings = try BreadboardSettings(profile: profile)
        settings.inputAmplitudeVolts = amplitude
        var plan = LearningPlan(kind: .characterize)
        plan.testRepeats = 20
        configure(&plan)
        let both = try PatternBank([Pattern(pixels: [true, true], label: "both")], inputCount: 2)
        let outcome = try NetworkExperiment(settings: settings, patterns: both, plan: plan, limits: profile.outputLimits).run()
        let curve = CharacterizationCurve(events: outcome.events, trialTicks: UInt64(plan.inferPeriods) * 10)
        return (curve, plan, outcome)
    }

    @Test("amplitude sweep, first fire: a point per amplitude, every trial logged, fewer pulses to the first fire at higher amplitude")
    func amplitudeFirstFire() throws {
        let (curve, _, outcome) = try Self.run { plan in
            plan.sweepFrom = 1.2
            plan.sweepTo = 2.0
            plan.sweepStep = 0.2
        }
        #expect(curve.points.map(\.value) == [1.2, 1.4, 1.6, 1.8, 2.0])
        #expect(curve.points.allSatisfy { $0.pulsesPerTrial.count == 20 })
        let medians = curve.points.map { $0.quantile(0.5) ?? .infinity }
        #expect(zip(medians, medians.dropFirst()).allSatisfy { $0 >= $1 }, "\(medians)")
        #expect(medians.first! > medians.last!, "\(medians)")
        #expect(!outcome.events.contains { $0.kind == .boardFault }, "nothing beyond the limits")
    }

    @Test("amplitude sweep, rate: more fires per second at higher amplitude")
    func amplitudeRate() throws {
        let (curve, plan, _) = try Self.run { plan in
            plan.measure = .rate
            plan.sweepFrom = 1.2
            plan.sweepTo = 2.0
            plan.sweepStep = 0.4
            plan.testRepeats = 5
        }
        let seconds = Double(plan.inferPeriods) * 500e-6
        let rates = curve.points.map { $0.rateHertz(trialSeconds: seconds, neurons: 1) }
        #expect(rates.count == 3)
        #expect(rates.last! > rates.first!, "\(rates)")
        #expect(rates.last! > 0)
    }

    @Test("width and interval sweeps: longer pulses fire sooner; wider spacing leaves time to leak, so more pulses (or none within the limit)")
    func widthAndInterval() throws {
        let (widths, _, _) = try Self.run(amplitude: 1.2) { plan in
            plan.sweep = .width
            plan.sweepFrom = 100
            plan.sweepTo = 250
            plan.sweepStep = 150
        }
        #expect(widths.points.map(\.value) == [100, 250])
        let byWidth = widths.points.map { $0.quantile(0.5) ?? .infinity }
        #expect(byWidth[0] > byWidth[1], "\(byWidth)")
        let (intervals, _, _) = try Self.run(amplitude: 1.1) { plan in
            plan.sweep = .interval
            plan.sweepFrom = 1
            plan.sweepTo = 3
            plan.sweepStep = 2
            plan.maxPulses = 50
            plan.testRepeats = 10
        }
        let byInterval = intervals.points.map { $0.quantile(0.5) ?? .infinity }
        #expect(intervals.points.map(\.value) == [1, 3])
        #expect(byInterval[0] < byInterval[1], "\(byInterval)")
    }
}
