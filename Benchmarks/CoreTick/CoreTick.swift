import Benchmark
import SomaCore
import SomaSim
import SomaTesting

/// Fire senses from the same generator for both implementations.
struct FireSenseSource {
    var state: UInt64
    mutating func next() -> Bool {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return (state &* 0x2545_F491_4F6C_DD1D) % 1000 < 80
    }
}

func patterns(inputs: Int) -> [[Bool]] {
    var source = FireSenseSource(state: 99)
    return (0..<10).map { _ in (0..<inputs).map { _ in source.next() } }
}

func makeCore(_ configuration: NetworkConfiguration) -> NeuronCore {
    let bank = try! PatternBank(patterns(inputs: configuration.inputs).map { Pattern(pixels: $0) }, inputCount: configuration.inputs)
    var core = try! NeuronCore(configuration: configuration, patterns: bank)
    core.present(pattern: 0)
    return core
}

/// Runs both implementations side by side for `ticks` ticks and stops the benchmark run if any
/// line differs: the baseline must do the same work.
func checkEquivalence(_ configuration: NetworkConfiguration, ticks: Int) {
    var core = makeCore(configuration)
    let naive = NaiveNetwork(configuration: configuration, patterns: patterns(inputs: configuration.inputs))
    naive.presented = 0
    var source = FireSenseSource(state: 7)
    struct Feed: Board {
        var senses: [Bool] = []
        var rows: [Bool] = []
        mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? {
            for index in 0..<lines.fireSense.count { lines.fireSense[index] = senses[index] }
            return nil
        }
        mutating func drive(_ lines: DrivenLines) -> BoardFault? {
            rows = Array(lines.rows)
            return nil
        }
    }
    var feed = Feed()
    for tick in 0..<ticks {
        let senses = (0..<configuration.neuronCount).map { _ in source.next() }
        feed.senses = senses
        core.tick(on: &feed)
        var offset = 0
        let grouped = configuration.layers.map { layer -> [Bool] in
            defer { offset += layer.neurons }
            return Array(senses[offset..<(offset + layer.neurons)])
        }
        let (rows, _) = naive.step(fireSense: grouped)
        precondition(rows.flatMap { $0 } == feed.rows, "baseline and core disagree at tick \(tick)")
    }
}

/// The same work a board does for the baseline: fixed fire senses in, the rows looked at.
struct FixedSenseBoard: Board {
    let senses: [Bool]
    var pulsingRows = 0
    var eventCount = 0
    mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? {
        for index in 0..<lines.fireSense.count { lines.fireSense[index] = senses[index] }
        return nil
    }
    mutating func drive(_ lines: DrivenLines) -> BoardFault? {
        pulsingRows &+= lines.rows.count
        return nil
    }
}

/// Times `core` ticking against fixed fire senses, after 1,000 ticks of warm-up.
func timeTicks(_ benchmark: Benchmark, _ core: inout NeuronCore, _ configuration: NetworkConfiguration) {
    var source = FireSenseSource(state: 7)
    var board = FixedSenseBoard(senses: (0..<configuration.neuronCount).map { _ in source.next() })
    for _ in 0..<1_000 { core.tick(on: &board) }
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
        core.tick(on: &board)
        board.eventCount &+= core.events.count
    }
    benchmark.stopMeasurement()
    blackHole(board.eventCount &+ board.pulsingRows)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )

    let shapes: [(String, NetworkConfiguration)] = [
        ("1 neuron", .singleNeuron()),
        ("30x10x10", .paperNetwork()),
    ]
    for (name, configuration) in shapes {
        checkEquivalence(configuration, ticks: 20_000)

        Benchmark("core tick, \(name)") { benchmark in
            var core = makeCore(configuration)
            timeTicks(benchmark, &core, configuration)
        }

        Benchmark("core tick with output stage, \(name)") { benchmark in
            // The same ticks with every row held to the paper profile's limits (width, duty,
            // pulses per second, amplitude), as somad runs them: the stage's own cost.
            var core = makeCore(configuration)
            core.enforce(OutputLimits(
                maxAmplitudeVolts: 2.0, boardAmplitudeVolts: 1.6, maxPulseWidthMicroseconds: 500, maxDuty: 0.5,
                maxPulsesPerSecond: 2000, clock: configuration.clock))
            timeTicks(benchmark, &core, configuration)
        }

        Benchmark("sim tick, \(name)") { benchmark in
            // The core driving the simulated breadboard: every neuron's circuit solved and its
            // device and synapses advanced each tick.
            var settings = BreadboardSettings(network: configuration)
            settings.inputAmplitudeVolts = 1.8
            var board = try! Breadboard(settings: settings)
            var core = makeCore(configuration)
            for _ in 0..<1_000 { core.tick(on: &board) }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { core.tick(on: &board) }
            benchmark.stopMeasurement()
            blackHole(board.virtualSeconds)
        }

        Benchmark("naive tick (baseline), \(name)") { benchmark in
            let naive = NaiveNetwork(configuration: configuration, patterns: patterns(inputs: configuration.inputs))
            naive.presented = 0
            var source = FireSenseSource(state: 7)
            let senses = configuration.layers.map { layer in (0..<layer.neurons).map { _ in source.next() } }
            var checksum = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let (rows, events) = naive.step(fireSense: senses)
                checksum &+= rows.count &+ events.count
            }
            benchmark.stopMeasurement()
            blackHole(checksum)
        }
    }
}
