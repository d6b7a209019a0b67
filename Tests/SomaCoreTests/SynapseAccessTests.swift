import SomaCore
import Testing

/// A board that senses nothing and remembers what it was driven with.
private struct SilentBoard: Board {
    var lastReadVolts: Double?
    mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? { nil }
    mutating func drive(_ lines: DrivenLines) -> BoardFault? {
        lastReadVolts = lines.readVolts
        return nil
    }
}

/// The controller's half of read-out and STDP programming: one tick of lines per access.
@Suite("synapse accesses: SET, RESET and read lines for one tick")
struct SynapseAccessTests {
    static func core() throws -> NeuronCore {
        try NeuronCore(configuration: .paperNetwork(), patterns: PaperPatterns.bank(PaperPatterns.digits))
    }

    @Test("potentiate: the selected row pulses, the others are grounded; the column's LG, PG and T1 are on, T3 off; the layer's other columns are gated off")
    func potentiate() throws {
        var core = try Self.core()
        core.present(pattern: 0)
        do { let accepted = core.selectAccessRow(4, ofLayer: 0); #expect(accepted) }
        do { let accepted = core.access(.potentiate, layer: 0, column: 2); #expect(accepted) }
        core.step()
        for row in 0..<30 { #expect(core.rowIsPulsing(row) == (row == 4), "row \(row)") }
        let lines = core.signals(ofNeuron: 2)
        #expect(lines.isSuperset(of: [.columnGate, .programming, .potentiation]) && !lines.contains(.depression))
        for neuron in [0, 1, 3, 9] {
            #expect(!core.signals(ofNeuron: neuron).contains(.columnGate) && !core.signals(ofNeuron: neuron).contains(.programming))
        }
        #expect(core.drivenLines.readVolts == nil)
        // One tick only: the pattern is back on the next pulse tick.
        core.step()
        var others = 0
        for row in 0..<30 where row != 4 && core.rowIsPulsing(row) { others += 1 }
        #expect(others > 0)
    }

    @Test("depress: the selected row is grounded and every other row of the layer held on; T3 on, T1 off, PG on")
    func depress() throws {
        var core = try Self.core()
        core.selectAccessRow(7, ofLayer: 0)
        do { let accepted = core.access(.depress, layer: 0, column: 5); #expect(accepted) }
        core.step()
        for row in 0..<30 { #expect(core.rowIsPulsing(row) == (row != 7), "row \(row)") }
        let lines = core.signals(ofNeuron: 5)
        #expect(lines.isSuperset(of: [.columnGate, .programming, .depression]) && !lines.contains(.potentiation))
    }

    @Test("read: every column of the layer reads (LG and T1 on, PG off), the tick carries the read voltage, and a board without column sense leaves NaN")
    func read() throws {
        var core = try Self.core()
        var board = SilentBoard()
        core.selectAccessRow(0, ofLayer: 1)
        do { let accepted = core.access(.read, layer: 1, column: nil, readVolts: 0.2); #expect(accepted) }
        core.tick(on: &board)
        #expect(board.lastReadVolts == 0.2)
        for neuron in 10..<20 {
            let lines = core.signals(ofNeuron: neuron)
            #expect(lines.isSuperset(of: [.columnGate, .potentiation]) && !lines.contains(.programming), "neuron \(neuron)")
        }
        #expect(core.rowIsPulsing(30) && !core.rowIsPulsing(31))
        core.tick(on: &board)
        #expect(board.lastReadVolts == nil)
        let current = core.columnCurrentAmperes(layer: 1, neuron: 0)
        #expect(current.isNaN)
    }

    @Test("refused: a row, layer or column that does not exist, and clock-and-monitor mode (the latch chips drive T1 and T3)")
    func refused() throws {
        var core = try Self.core()
        do { let accepted = core.selectAccessRow(30, ofLayer: 0); #expect(!accepted) }
        do { let accepted = core.selectAccessRow(0, ofLayer: 2); #expect(!accepted) }
        do { let accepted = core.access(.potentiate, layer: 0, column: 10); #expect(!accepted) }
        do { let accepted = core.access(.read, layer: 2, column: nil); #expect(!accepted) }
        var configuration = NetworkConfiguration.paperNetwork()
        configuration.mode = .clockAndMonitor
        var monitored = try NeuronCore(configuration: configuration)
        do { let accepted = monitored.access(.read, layer: 0, column: nil, readVolts: 0.2); #expect(!accepted) }
    }

    @Test("a single presynaptic pulse: one pulse window on that row, once; a held-low row carries no pattern pulses")
    func singlePulseAndHeldRow() throws {
        var core = try Self.core()
        core.holdInputRowLow(1)
        core.present(pattern: 0)
        var pattern = [Bool](repeating: false, count: 30)
        core.step()
        for row in 0..<30 { pattern[row] = core.rowIsPulsing(row) }
        #expect(!pattern[1])
        core.withdrawPattern()
        for _ in 1..<10 { core.step() }
        do { let accepted = core.pulseInputRow(1); #expect(accepted) }
        var onTicks = 0
        for _ in 0..<40 {
            core.step()
            if core.rowIsPulsing(1) { onTicks += 1 }
            let otherRow = core.rowIsPulsing(0)
            #expect(!otherRow)
        }
        #expect(onTicks == 5, "one pulse of the profile's width (5 ticks)")
    }
}

@Suite("pattern pulse width and spacing set by a run (characterisation sweeps)")
struct PatternPulseTests {
    /// Ticks with row 0 on, over `periods` clock periods from a presentation at a period start.
    static func onTicks(width: Int, every: Int, periods: Int) throws -> (on: Int, pulses: UInt64) {
        var core = try NeuronCore(configuration: .singleNeuron(), patterns: PatternBank([Pattern(pixels: [true, true])], inputCount: 2))
        let accepted = core.setPatternPulses(widthTicks: width, everyPeriods: every)
        #expect(accepted)
        core.present(pattern: 0)
        var on = 0
        for _ in 0..<(periods * 10) {
            core.step()
            if core.rowIsPulsing(0) { on += 1 }
        }
        return (on, core.pulsesDelivered)
    }

    @Test("width: every pulse that many ticks; spacing: a pulse every k-th period from the presentation's first, counted as delivered")
    func widthAndSpacing() throws {
        #expect(try Self.onTicks(width: 2, every: 1, periods: 4) == (8, 4))
        #expect(try Self.onTicks(width: 5, every: 3, periods: 7) == (15, 3), "periods 0, 3 and 6")
        #expect(try Self.onTicks(width: 10, every: 1, periods: 2) == (20, 2), "the whole period, when the pulse starts at its beginning")
    }

    @Test("refused: no width, a width past the period's end, a spacing below 1; reset gives the profile's pulses back")
    func refusedAndReset() throws {
        var core = try NeuronCore(configuration: .singleNeuron(), patterns: PatternBank([Pattern(pixels: [true, true])], inputCount: 2))
        let zero = core.setPatternPulses(widthTicks: 0, everyPeriods: 1)
        let long = core.setPatternPulses(widthTicks: 11, everyPeriods: 1)
        let never = core.setPatternPulses(widthTicks: 2, everyPeriods: 0)
        #expect(!zero && !long && !never)
        core.setPatternPulses(widthTicks: 1, everyPeriods: 2)
        core.resetPatternPulses()
        core.present(pattern: 0)
        var on = 0
        for _ in 0..<20 {
            core.step()
            if core.rowIsPulsing(0) { on += 1 }
        }
        #expect(on == 10, "the single-neuron profile's 5-tick pulses, every period")
    }
}
