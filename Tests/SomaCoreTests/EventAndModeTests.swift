import SomaCore
import SomaTesting
import Testing

/// A board that reports a fault on every drive, and drives nothing.
struct FaultyBoard: Board {
    var drives = 0
    mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? { nil }
    mutating func drive(_ lines: DrivenLines) -> BoardFault? {
        drives += 1
        return BoardFault(code: 5)
    }
}

/// A board that records only the last lines it was told to drive.
struct LastLinesBoard: Board {
    var clock: ClockPhase?
    var rows: [Bool] = []
    var neurons: [NeuronSignals] = []
    mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? { nil }
    mutating func drive(_ lines: DrivenLines) -> BoardFault? {
        clock = lines.clock
        rows = Array(lines.rows)
        neurons = Array(lines.neurons)
        return nil
    }
}

@Suite("Events and modes")
struct EventAndModeTests {
    @Test("events are 16-byte records stamped with their tick")
    func eventLayout() {
        #expect(MemoryLayout<NeuronEvent>.size == 16)
        #expect(MemoryLayout<NeuronEvent>.stride == 16)
    }

    @Test("an overrun noted between ticks is reported in the next tick with the ticks missed")
    func overrun() throws {
        var core = try NeuronCore(configuration: .singleNeuron())
        var board = LastLinesBoard()
        core.tick(on: &board)
        core.noteOverrun(missedTicks: 3)
        core.tick(on: &board)
        #expect(Array(core.events) == [NeuronEvent(tick: 1, kind: .overrun, layer: 0, neuron: 0, payload: 3)])
        core.tick(on: &board)
        #expect(core.events.isEmpty)
    }

    @Test("a board fault becomes an event of the tick it begins in, repeats count as one streak, the loop goes on")
    func boardFault() throws {
        var core = try NeuronCore(configuration: .singleNeuron())
        var board = FaultyBoard()
        core.tick(on: &board)
        #expect(Array(core.events) == [NeuronEvent(tick: 0, kind: .boardFault, layer: 0, neuron: 0, payload: 5)])
        for _ in 0..<2 { core.tick(on: &board) }
        #expect(board.drives == 3)
        #expect(core.events.isEmpty, "the same fault again is the same streak")
        #expect(core.activeFault == FaultStreak(fault: BoardFault(code: 5), firstTick: 0, lastTick: 2))
        // Cleared once a whole clock period (10 ticks) has gone by without it.
        var healthy = LastLinesBoard()
        for _ in 3..<12 {
            core.tick(on: &healthy)
            #expect(core.events.isEmpty && core.activeFault != nil)
        }
        core.tick(on: &healthy)
        #expect(Array(core.events) == [NeuronEvent(tick: 12, kind: .faultCleared, layer: 0, neuron: 0, payload: 3)])
        #expect(core.activeFault == nil)
    }

    @Test("the safe state: clock low, no pulses, every gate off")
    func safeState() throws {
        var core = try NeuronCore(
            configuration: .paperNetwork(),
            patterns: PatternBank([Pattern(pixels: Array(repeating: true, count: 30))], inputCount: 30))
        core.present(pattern: 0)
        var board = LastLinesBoard()
        var random = RandomFireSenseBoard(seed: 3, flipsPerThousand: 300)
        for _ in 0..<3 { core.tick(on: &random) }
        core.tick(on: &board)
        #expect(board.rows.contains(true))
        #expect(core.driveSafeState(on: &board) == nil)
        #expect(board.clock == .low)
        #expect(board.rows == Array(repeating: false, count: 40))
        #expect(board.neurons == Array(repeating: NeuronSignals(), count: 20))
    }

    @Test("clock-and-monitor: the chips' lines are read back and logged, Soma drives clock and inputs")
    func clockAndMonitor() throws {
        var configuration = NetworkConfiguration(
            inputs: 2, layers: [LayerConfiguration(neurons: 2, lateralInhibition: true)])
        configuration.mode = .clockAndMonitor
        var core = try NeuronCore(
            configuration: configuration, patterns: PatternBank([Pattern(pixels: [true, false])], inputCount: 2))
        core.present(pattern: 0)

        struct MonitoredBoard: Board {
            var script: [UInt64: [NeuronSignals]]
            var driven: [DrivenLines.Mode] = []
            mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? {
                if let signals = script[tick] {
                    for (index, value) in signals.enumerated() { lines.monitored[index] = value }
                }
                lines.fireSense[0] = true  // ignored in this mode: the chips latch, not Soma
                return nil
            }
            mutating func drive(_ lines: DrivenLines) -> BoardFault? {
                driven.append(lines.mode)
                return nil
            }
        }
        var board = MonitoredBoard(script: [
            0: [.columnGate, .columnGate],
            2: [[.latch1, .inhibition, .columnGate], []],
            6: [[.latch1, .latch2, .inhibition, .potentiation, .columnGate], []],
            10: [[.latch2, .spike, .inhibition, .potentiation, .columnGate], []],
            15: [.columnGate, .columnGate],
        ])
        var events: [NeuronEvent] = []
        for _ in 0..<20 {
            core.tick(on: &board)
            events += core.events
        }
        #expect(board.driven.allSatisfy { $0 == .clockAndMonitor })
        #expect(core.signals(ofNeuron: 0) == .columnGate)
        #expect(events.map(\.kind) == [
            .fire, .lateralInhibition, .potentiationWindow, .spike, .inhibitionReleased,
        ])
        #expect(events.map(\.tick) == [2, 2, 6, 10, 15])
        #expect(core.pulsesDelivered == 2)
    }
}

extension DrivenLines {
    typealias Mode = OperatingMode
}
