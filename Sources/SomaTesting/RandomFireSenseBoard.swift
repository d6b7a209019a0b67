import SomaCore

/// A test double whose fire senses switch at random, from a seeded xorshift generator: every
/// tick each neuron's fire sense flips with probability `flipsPerThousand / 1000`. Exercises every
/// path of the core (fires, spikes, ties, inhibition) for soak and allocation tests. In
/// clock-and-monitor mode it also makes up read-back lines. Allocation-free.
public struct RandomFireSenseBoard: Board {
    private var state: UInt64
    public let flipsPerThousand: UInt64
    /// Every line the core drove, folded into one number, so that an optimiser cannot drop the
    /// work and tests can compare runs.
    public private(set) var checksum: UInt64 = 0

    public init(seed: UInt64, flipsPerThousand: UInt64 = 50) {
        state = seed == 0 ? 0x2545_F491_4F6C_DD1D : seed
        self.flipsPerThousand = flipsPerThousand
    }

    @inline(__always)
    private mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    @_noAllocation @_noLocks
    public mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? {
        for neuron in 0..<lines.fireSense.count where next() % 1000 < flipsPerThousand {
            lines.fireSense[neuron].toggle()
        }
        // Column currents of a read: anything from 0 to 255 µA.
        for neuron in 0..<lines.columnCurrentAmperes.count {
            lines.columnCurrentAmperes[neuron] = Double(next() >> 56) * 1e-6
        }
        if case .clockAndMonitor = lines.mode {
            for neuron in 0..<lines.monitored.count {
                lines.monitored[neuron] = NeuronSignals(rawValue: UInt8(truncatingIfNeeded: next() >> 57))
            }
        }
        return nil
    }

    @_noAllocation @_noLocks
    public mutating func drive(_ lines: DrivenLines) -> BoardFault? {
        var folded = lines.tick &* 31 &+ UInt64(lines.clock.rawValue)
        for row in 0..<lines.rows.count where lines.rows[row] { folded = folded &* 1_099_511_628_211 &+ UInt64(row) }
        for neuron in 0..<lines.neurons.count {
            folded = folded &* 1_099_511_628_211 &+ UInt64(lines.neurons[neuron].rawValue)
        }
        checksum ^= folded
        return nil
    }
}
