import SomaCore
import SomaTesting
import Testing

/// Which rows pulse in which ticks.
@Suite("Input pulse scheduling")
struct InputPulseTests {
    static let digitOne: [Bool] = [
        0, 0, 1, 0, 0,
        0, 1, 1, 0, 0,
        0, 0, 1, 0, 0,
        0, 0, 1, 0, 0,
        0, 0, 1, 0, 0,
        0, 1, 1, 1, 0,
    ].map { $0 == 1 }

    static func record(
        configuration: NetworkConfiguration, patterns: [Pattern], ticks: Int,
        before: (inout NeuronCore) -> Void = { _ in }
    ) throws -> ([TickSnapshot], pulsesDelivered: UInt64) {
        let bank = try PatternBank(patterns, inputCount: configuration.inputs)
        var core = try NeuronCore(configuration: configuration, patterns: bank)
        before(&core)
        var board = TraceRecorder(FireSenseTrace([]))
        for _ in 0..<ticks { core.tick(on: &board) }
        return (board.snapshots, core.pulsesDelivered)
    }

    @Test("a 1 pixel pulses its row through every clock-high phase; a 0 pixel stays grounded")
    func paperPattern() throws {
        let (snapshots, pulsesDelivered) = try Self.record(
            configuration: .paperNetwork(), patterns: [Pattern(pixels: Self.digitOne, label: "1")],
            ticks: 100
        ) { $0.present(pattern: 0) }
        for snapshot in snapshots {
            let pulsing = snapshot.clock == .high
            #expect(Array(snapshot.rows[0..<30]) == Self.digitOne.map { $0 && pulsing }, "tick \(snapshot.tick)")
        }
        #expect(pulsesDelivered == 10)
    }

    @Test("offset, width and phase place the pulse inside the clock period")
    func pulsePlacement() throws {
        let configuration = NetworkConfiguration(
            inputs: 1, layers: [LayerConfiguration(neurons: 1)],
            clock: ClockSettings(frequencyHertz: 1_000, ticksPerPhase: 5),
            inputPulse: InputPulseSettings(phase: .low, offsetTicks: 1, widthTicks: 3))
        let (snapshots, _) = try Self.record(
            configuration: configuration, patterns: [Pattern(pixels: [true])], ticks: 30
        ) { $0.present(pattern: 0) }
        #expect(String(snapshots.map { $0.rows[0] ? "1" : "0" }) == String(repeating: "0000001110", count: 3))
    }

    @Test("no pattern, no pulses; withdrawing grounds every row; a missing pattern is refused")
    func presentAndWithdraw() throws {
        let configuration = NetworkConfiguration.singleNeuron(inputs: 2)
        var core = try NeuronCore(
            configuration: configuration,
            patterns: PatternBank([Pattern(pixels: [true, true])], inputCount: 2))
        var board = TraceRecorder(FireSenseTrace([]))
        for _ in 0..<10 { core.tick(on: &board) }
        let presented1 = core.present(pattern: 1)
        #expect(presented1 == false)
        let presentedMinus1 = core.present(pattern: -1)
        #expect(presentedMinus1 == false)
        #expect(core.presented == nil)
        let presented0 = core.present(pattern: 0)
        #expect(presented0)
        for _ in 0..<10 { core.tick(on: &board) }
        core.withdrawPattern()
        for _ in 0..<10 { core.tick(on: &board) }
        let pulsing = board.snapshots.map { $0.rows[0] && $0.rows[1] }
        #expect(pulsing == Array(repeating: false, count: 10) + (0..<10).map { $0 < 5 } + Array(repeating: false, count: 10))
        #expect(core.pulsesDelivered == 0)
    }

    @Test("the rows of an inner layer carry the previous layer's output spikes (G1)")
    func innerLayerRows() throws {
        let configuration = NetworkConfiguration.paperNetwork()
        var core = try NeuronCore(configuration: configuration)
        // Hidden neuron 6 latches a fire at the end of the first high phase; its spike comes in the
        // next.
        let trace = (0..<6).map { _ in (0..<20).map { $0 == 6 } }
        var board = TraceRecorder(FireSenseTrace(trace))
        for _ in 0..<30 { core.tick(on: &board) }
        for snapshot in board.snapshots {
            let hiddenSpikes = (0..<10).map { snapshot.neurons[$0].contains(.spike) }
            #expect(Array(snapshot.rows[30..<40]) == hiddenSpikes, "tick \(snapshot.tick)")
        }
        #expect((10..<15).allSatisfy { board.snapshots[$0].rows[36] })
        #expect(board.snapshots.filter { $0.rows[30..<40].contains(true) }.count == 5)
    }
}
