import SomaBoardProfile
import SomaCore
import SomaSim
import Testing

/// The `stdp` and `readout` protocols against the simulated synapse: the controller only
/// schedules pulses and reads; the conductance changes happen in the synapse model.
@Suite("STDP windows and weight read-out on the simulated breadboard")
struct STDPTests {
    static let evoke = try! PatternBank([Pattern(pixels: [false, true, true, true], label: "evoke")], inputCount: 4)

    static func run(_ window: STDPWindow, from: Double, to: Double, step: Double, seed: UInt64 = 1) throws -> (STDPCurve, NetworkExperiment.Outcome) {
        let profile = try BoardProfile.load(path: "Board/profiles/sim-stdp-pair.toml")
        var settings = try BreadboardSettings(profile: profile)
        settings.seed = seed
        var plan = LearningPlan(kind: .stdp)
        plan.stdpWindow = window
        plan.stdpFromMilliseconds = from
        plan.stdpToMilliseconds = to
        plan.stdpStepMilliseconds = step
        plan.layer1Epochs = 1
        plan.seed = seed
        let outcome = try NetworkExperiment(settings: settings, patterns: evoke, plan: plan, limits: profile.outputLimits).run()
        return (STDPCurve(events: outcome.events), outcome)
    }

    /// Measured Δt lands where the sweep put it: a pre-first pair's post spike comes one clock
    /// period and the fire's latency after the target; a post-first pair's pre pulse waits for
    /// the next pulse window.
    static func expectTimes(_ curve: STDPCurve, from: Double, step: Double) {
        for (index, point) in curve.points.enumerated() {
            let target = from + Double(index) * step
            if target >= 0 {
                #expect(point.deltaMilliseconds >= target && point.deltaMilliseconds < target + 5, "target \(target) ms, measured \(point.deltaMilliseconds)")
            } else {
                #expect(point.deltaMilliseconds <= target && point.deltaMilliseconds > target - 1, "target \(target) ms, measured \(point.deltaMilliseconds)")
            }
        }
    }

    @Test("exponential window (seed 003 parameters): every pairing measured, Δw(Δt) within 10 % of the peak of the window, potentiation before, depression after")
    func exponential() throws {
        let window = STDPWindow.seed003
        for seed: UInt64 in [1, 2] {
            let (curve, outcome) = try Self.run(window, from: -100, to: 200, step: 10, seed: seed)
            #expect(curve.points.count == 31, "seed \(seed): \(outcome.report.trainingMisses) pairings without a fire")
            Self.expectTimes(curve, from: -100, step: 10)
            let fit = curve.fit(window)
            #expect(fit.largestDeviationOfPeak <= 0.10, "seed \(seed): \(fit)")
            #expect((fit.potentiationGain ?? 0) > 0 && (fit.depressionGain ?? 0) > 0, "seed \(seed): \(fit)")
            // The largest potentiation is the closest pre-first pair; depression weakens with |Δt|.
            let strongest = try #require(curve.points.max { $0.changeSiemens < $1.changeSiemens })
            #expect(strongest.deltaMilliseconds < 5)
            let negative = curve.points.filter { $0.deltaMilliseconds < 0 }
            #expect(negative.last!.changeSiemens < negative.first!.changeSiemens)
            // The measured curve is not just any curve: against the alpha shape it fails.
            #expect(curve.fit(.alpha).largestDeviationOfPeak > 0.3)
        }
    }

    @Test("alpha window (seed 004 shape): Δw(Δt) within 10 % of the peak, near zero at Δt → 0, largest near τ on both sides")
    func alpha() throws {
        let window = STDPWindow.alpha
        let (curve, outcome) = try Self.run(window, from: -100, to: 100, step: 5)
        #expect(curve.points.count == 41, "\(outcome.report.trainingMisses) pairings without a fire")
        Self.expectTimes(curve, from: -100, step: 5)
        let fit = curve.fit(window)
        #expect(fit.largestDeviationOfPeak <= 0.10, "\(fit)")
        let up = try #require(curve.points.filter { $0.deltaMilliseconds >= 0 }.max { $0.changeSiemens < $1.changeSiemens })
        let down = try #require(curve.points.filter { $0.deltaMilliseconds < 0 }.min { $0.changeSiemens < $1.changeSiemens })
        #expect(abs(up.deltaMilliseconds - window.potentiationTauMilliseconds) <= 10, "\(up)")
        #expect(abs(-down.deltaMilliseconds - window.depressionTauMilliseconds) <= 10, "\(down)")
        let nearZero = try #require(curve.points.min { abs($0.deltaMilliseconds) < abs($1.deltaMilliseconds) })
        #expect(abs(nearZero.changeSiemens) < 0.25 * up.changeSiemens, "\(nearZero)")
        #expect(curve.fit(.seed003).largestDeviationOfPeak > 0.3)
    }

    @Test("every pulse the protocol sent stayed within the profile's limits, and the synapse ended where the reads say")
    func withinLimits() throws {
        let (curve, outcome) = try Self.run(.seed003, from: -50, to: 50, step: 25)
        #expect(!outcome.events.contains { $0.kind == .boardFault }, "the output stage had to cut a pulse")
        let lastRead = try #require(outcome.events.last { $0.kind == .synapseRead })
        let truth = outcome.board.conductance(layer: 0, row: 0, neuron: 0)
        #expect(abs(Double(lastRead.payload) * 1e-9 - truth) < 1e-9)
        #expect(curve.points.count == 5)
    }

    @Test("readout: the map read through the rows and column currents equals the synapses' conductances, and reading changes none")
    func readoutMatchesConductances() throws {
        // A trained network first, so that the map is not uniform.
        var plan = LearningPlan(kind: .layer1WTA)
        plan.layer1Epochs = 2
        let digits = PaperPatterns.bank(PaperPatterns.digits)
        let trained = try NetworkExperiment(settings: .paperNetwork(seed: 3), patterns: digits, plan: plan).run()
        var settings = BreadboardSettings.paperNetwork(seed: 3)
        for layer in 0..<2 {
            settings.explicitConductanceSiemens[layer] = trained.board.conductanceMap(layer: layer).flatMap { $0 }
        }
        let read = try NetworkExperiment(settings: settings, patterns: digits, plan: LearningPlan(kind: .readout)).run()
        let maps = ReadoutMaps(events: read.events)
        for layer in 0..<2 {
            let truth = trained.board.conductanceMap(layer: layer)
            let measured = try #require(maps.layers[layer], "layer \(layer) not read")
            #expect(measured.count == truth.count)
            for (row, values) in truth.enumerated() {
                for (neuron, siemens) in values.enumerated() {
                    #expect(abs(measured[row][neuron] - siemens) <= 1e-9, "layer \(layer) row \(row) neuron \(neuron)")
                }
            }
            // Reading at 0.2 V programs nothing.
            #expect(read.board.conductanceMap(layer: layer) == truth)
        }
        // Two ticks per row: 30 + 10 rows.
        #expect(read.ticks <= 2 * 40 + 2)
    }
}
