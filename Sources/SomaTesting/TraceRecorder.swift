import SomaCore

/// The lines of one tick, copied out of the core's memory.
public struct TickSnapshot: Sendable, Equatable {
    public var tick: UInt64
    public var clock: ClockPhase
    public var fireSense: [Bool]
    public var rows: [Bool]
    public var neurons: [NeuronSignals]
}

/// Wraps a board and records every tick's sensed and driven lines, for timing diagrams and
/// tick-by-tick tests. Allocates on every tick: not for the real-time path.
public struct TraceRecorder<Inner: Board>: Board {
    public var inner: Inner
    public private(set) var snapshots: [TickSnapshot] = []
    private var lastFireSense: [Bool] = []

    public init(_ inner: Inner) { self.inner = inner }

    public mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? {
        let fault = inner.sense(lines, tick: tick)
        lastFireSense = Array(lines.fireSense)
        return fault
    }

    public mutating func drive(_ lines: DrivenLines) -> BoardFault? {
        snapshots.append(
            TickSnapshot(
                tick: lines.tick, clock: lines.clock, fireSense: lastFireSense,
                rows: Array(lines.rows), neurons: Array(lines.neurons)))
        return inner.drive(lines)
    }
}

/// Replays a fixed fire-sense trace: `trace[tick][neuron]`; past its end every sense is low.
public struct FireSenseTrace: Board {
    public let trace: [[Bool]]
    public init(_ trace: [[Bool]]) { self.trace = trace }

    public mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? {
        let row = tick < UInt64(trace.count) ? trace[Int(tick)] : []
        for neuron in 0..<lines.fireSense.count {
            lines.fireSense[neuron] = neuron < row.count ? row[neuron] : false
        }
        return nil
    }

    public mutating func drive(_ lines: DrivenLines) -> BoardFault? { nil }
}
