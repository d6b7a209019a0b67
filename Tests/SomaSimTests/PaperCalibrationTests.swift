import SomaCore
import SomaSim
import Testing

/// The simulated breadboard against the numbers of seed 000 (`paper-facts.md`).
@Suite("Calibration against seed 000")
struct PaperCalibrationTests {
    /// Device set `fig2` (the default): Fig. 2e/2f were measured on the bare device through its
    /// read-out resistor.
    @Test("Fig. 2e: 1.1 V, 250 µs pulses and intervals: first fire on the 4th pulse in the median, spread over trials")
    func firstFireAt1V1() {
        let point = Characterization.firstFire(
            device: .fig2, amplitudeVolts: 1.1, train: .init(), trials: 201, seed: 11, stochastic: true)
        #expect(point.firedFraction == 1)
        let median = point.quantile(0.5)
        #expect(median.map { (3...5).contains($0) } == true, "median \(String(describing: median))")
        #expect(median == 4)
        let p10 = point.quantile(0.1)!
        let p90 = point.quantile(0.9)!
        #expect(p10 < p90, "trials should spread: p10 \(p10), p90 \(p90)")
        #expect(Set(point.pulsesPerTrial).count >= 3)
    }

    @Test("Fig. 2f: fewer pulses to fire at higher amplitude, monotone over 1.0–1.4 V")
    func firstFireFallsWithAmplitude() {
        let medians = stride(from: 1.0, through: 1.4001, by: 0.05).map { amplitude in
            Characterization.firstFire(
                device: .fig2, amplitudeVolts: amplitude, train: .init(), trials: 101, seed: 5,
                stochastic: true
            ).quantile(0.5)!
        }
        #expect(zip(medians, medians.dropFirst()).allSatisfy { $0 >= $1 }, "\(medians)")
        #expect(medians.first! > medians.last!)
        #expect(medians.last! <= 2)
    }

    /// Device set `fig3`: Fig. 3b–3d were measured on another device in the neuron circuit (about
    /// 1.44 V across it at 1.8 V input); the `fig2` device would fire on the first pulse there.
    @Test("Fig. 3b through the core: first fire on the 5th pulse in the median")
    func fig3bFirstFire() throws {
        var pulses: [Int] = []
        for seed in 0..<41 {
            let run = try Characterization.runNeuron(
                device: .fig3, amplitudeVolts: 1.8, seconds: 0.05, seed: UInt64(seed), stochastic: true)
            let first = try #require(run.fireTicks.first)
            pulses.append(Int(first / 10) + 1)  // one pulse per 10-tick clock period
        }
        let median = pulses.sorted()[pulses.count / 2]
        #expect((4...6).contains(median), "\(pulses.sorted())")
    }

    @Test("Fig. 3b without stochasticity: the 5th pulse, one period of refractory, then the same again and again")
    func fig3bDeterministic() throws {
        let run = try Characterization.runNeuron(
            device: .fig3, amplitudeVolts: 1.8, seconds: 0.05, seed: 1, stochastic: false)
        // Pulse k starts at tick 10 (k − 1); the fire is latched during the 5th (ticks 40…44).
        #expect((40..<45).contains(try #require(run.fireTicks.first)))
        // Continuous firing: every cycle is 5 pulses plus the refractory period, 60 ticks (3 ms).
        let gaps = zip(run.spikeTicks, run.spikeTicks.dropFirst()).map { $1 - $0 }
        #expect(run.spikeTicks.count >= 15)
        #expect(Set(gaps) == [60], "\(gaps)")
        // Each spike comes 8 ticks after its fire: the rest of the high phase, the low phase of
        // the refractory period, then one high phase long.
        #expect(zip(run.fireTicks, run.spikeTicks).allSatisfy { $1 - $0 <= 10 })
    }

    @Test("Fig. 3c/3d: the spiking rate rises with amplitude over 1.4–2.0 V")
    func rateRisesWithAmplitude() throws {
        var rates: [Double] = []
        for amplitude in stride(from: 1.4, through: 2.0001, by: 0.1) {
            var total = 0.0
            for seed in 0..<8 {
                let run = try Characterization.runNeuron(
                    device: .fig3, amplitudeVolts: amplitude, seconds: 0.1, seed: UInt64(seed), stochastic: true)
                total += Characterization.rate(spikeTicks: run.spikeTicks, tickSeconds: run.tickSeconds, totalTicks: 2_000)
            }
            rates.append(total / 8)
        }
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 < $1 }, "\(rates)")
        #expect(rates.first! > 0)
        // The refractory period bounds the rate: at most one spike per 1.5 ms cycle (1 pulse + RP).
        #expect(rates.last! < 1 / 1.5e-3)
    }
}

@Suite("Breadboard")
struct BreadboardTests {
    /// Two RS synapses from ~400 µS into one neuron; VIN1 pulses at 1.8 V, VIN2 grounded; the core
    /// with T3 before the refractory period. Device set `fig2`: with 400 µS on both rows node 1 sits
    /// at 0.9 V, where that device still fires.
    static func learningRun(seed: UInt64, seconds: Double) throws -> (board: Breadboard, spikes: [UInt64]) {
        let network = NetworkConfiguration(
            inputs: 2, layers: [LayerConfiguration(neurons: 1)], depression: .beforeRefractory)
        var settings = BreadboardSettings(network: network)
        settings.inputAmplitudeVolts = 1.8
        settings.explicitConductanceSiemens = [0: [400e-6, 400e-6]]
        settings.seed = seed
        var board = try Breadboard(settings: settings)
        var core = try NeuronCore(
            configuration: network, patterns: PatternBank([Pattern(pixels: [true, false])], inputCount: 2))
        core.present(pattern: 0)
        var spikes: [UInt64] = []
        for _ in 0..<Int(seconds / board.tickSeconds) {
            core.tick(on: &board)
            spikes += core.events.filter { $0.kind == .spike }.map(\.tick)
        }
        return (board, spikes)
    }

    @Test("Supp. Fig. 3: in-situ learning drives the pulsed synapse to ~980 µS and the grounded one to ~42 µS")
    func twoSynapseLearning() throws {
        let (board, spikes) = try Self.learningRun(seed: 3, seconds: 0.1)
        let driven = board.conductance(layer: 0, row: 0, neuron: 0)
        let grounded = board.conductance(layer: 0, row: 1, neuron: 0)
        #expect((950e-6...1000e-6).contains(driven), "driven \(driven * 1e6) µS")
        #expect((40e-6...50e-6).contains(grounded), "grounded \(grounded * 1e6) µS")
        // The output rate rises during learning: more spikes in the second half than the first.
        let half = UInt64(0.05 / board.tickSeconds)
        let early = spikes.filter { $0 < half }.count
        let late = spikes.filter { $0 >= half }.count
        #expect(late > early, "early \(early), late \(late)")
    }

    @Test("same seed, same run bit for bit; another seed, other spike times")
    func reproducible() throws {
        let first = try Self.learningRun(seed: 21, seconds: 0.03)
        let again = try Self.learningRun(seed: 21, seconds: 0.03)
        let other = try Self.learningRun(seed: 22, seconds: 0.03)
        #expect(first.spikes == again.spikes)
        #expect(first.board.synapses == again.board.synapses)
        #expect(first.board.node1Volts == again.board.node1Volts)
        #expect(first.spikes != other.spikes)
    }

    @Test("without stochasticity the seed changes nothing")
    func deterministic() throws {
        let a = try Characterization.runNeuron(device: .fig3, amplitudeVolts: 1.7, seconds: 0.02, seed: 1, stochastic: false)
        let b = try Characterization.runNeuron(device: .fig3, amplitudeVolts: 1.7, seconds: 0.02, seed: 99, stochastic: false)
        #expect(a.spikeTicks == b.spikeTicks)
        let p = Characterization.firstFire(device: .fig2, amplitudeVolts: 1.1, train: .init(), trials: 20, seed: 4, stochastic: false)
        #expect(Set(p.pulsesPerTrial).count == 1)
    }

    @Test("a column whose LG is 0 gets no current and is not programmed; LG without PG (read level) is not programmed either; LG and PG program")
    func floatedColumn() throws {
        let network = NetworkConfiguration(inputs: 1, layers: [LayerConfiguration(neurons: 1)])
        var settings = BreadboardSettings(network: network)
        settings.explicitConductanceSiemens = [0: [400e-6]]
        var board = try Breadboard(settings: settings)
        let rows = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 1)
        let neurons = UnsafeMutableBufferPointer<NeuronSignals>.allocate(capacity: 1)
        defer { rows.deallocate(); neurons.deallocate() }
        rows[0] = true
        // T1 on with the gate off: the 1.6 V row would SET the synapse if the gate were on.
        neurons[0] = [.potentiation]
        let lines = DrivenLines(
            tick: 0, clock: .high, rows: UnsafeBufferPointer(rows), neurons: UnsafeBufferPointer(neurons),
            mode: .fullLogic)
        for _ in 0..<10 { _ = board.drive(lines) }
        #expect(board.conductance(layer: 0, row: 0, neuron: 0) == 400e-6)
        neurons[0] = [.potentiation, .columnGate]
        for _ in 0..<10 { _ = board.drive(lines) }
        #expect(board.conductance(layer: 0, row: 0, neuron: 0) == 400e-6, "gates at the read level program nothing")
        neurons[0] = [.potentiation, .columnGate, .programming]
        for _ in 0..<10 { _ = board.drive(lines) }
        #expect(board.conductance(layer: 0, row: 0, neuron: 0) > 900e-6)
    }

    @Test("clock-and-monitor: the breadboard's own latch chips fire the neuron; the core logs their edges")
    func clockAndMonitorChips() throws {
        var network = NetworkConfiguration(inputs: 2, layers: [LayerConfiguration(neurons: 1)])
        network.mode = .clockAndMonitor
        network.depression = .disabled
        var settings = BreadboardSettings(network: network)
        settings.device = .fig3
        settings.inputAmplitudeVolts = 1.8
        settings.fixedSynapses = true
        settings.explicitConductanceSiemens = [0: [1 / 10_000, 1 / 40_000]]
        settings.stochastic = false
        var board = try Breadboard(settings: settings)
        var core = try NeuronCore(
            configuration: network, patterns: PatternBank([Pattern(pixels: [true, false])], inputCount: 2))
        core.present(pattern: 0)
        var kinds: [EventKind: [UInt64]] = [:]
        for _ in 0..<600 {
            core.tick(on: &board)
            for event in core.events { kinds[event.kind, default: []].append(event.tick) }
        }
        // The same cycle as in full-logic mode: the chips latch the fire of the 5th pulse, the
        // spike follows, and the neuron keeps firing every 60 ticks.
        let spikes = try #require(kinds[.spike])
        #expect(spikes.count >= 8)
        #expect(Set(zip(spikes, spikes.dropFirst()).map { $1 - $0 }) == [60])
        #expect(kinds[.fire]?.count == spikes.count)
    }

    @Test("explicit conductances of the wrong size are refused, naming the field")
    func wrongConductanceCount() {
        var settings = BreadboardSettings(network: .paperNetwork())
        settings.explicitConductanceSiemens = [1: [1e-4, 1e-4]]
        #expect(throws: ConfigurationError(field: "explicitConductanceSiemens[1]", value: "2 values", allowed: "100 values (10 rows × 10 neurons)")) {
            _ = try Breadboard(settings: settings)
        }
    }
}
