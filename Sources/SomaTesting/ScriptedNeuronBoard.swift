import SomaCore

/// A test double for the fire sense: each neuron "integrates" by counting input pulses and fires
/// on the N-th one, like the TS device of seed 000 Fig. 3b but with no physics at all.
///
/// A pulse counts for a neuron when one of its layer's rows rises while the neuron's column is
/// enabled (LG) and its node 1 is not grounded (T1 off). On the `pulsesToFire`-th pulse the fire
/// sense goes high `fireDelayTicks` ticks after the pulse's rising edge and stays high for
/// `holdTicks` ticks (the device relaxing once the pulse is gone). The count restarts after each
/// fire. Deterministic and allocation-free after `init`.
public struct ScriptedNeuronBoard: Board {
    public let pulsesToFire: Int
    public let fireDelayTicks: Int
    public let holdTicks: Int

    private let rowRanges: [Range<Int>]
    private var previousRows: [Bool]
    private var pulseCount: [Int]
    /// Tick from which the fire sense reads high, and the first tick it reads low again.
    private var fireFrom: [UInt64]
    private var fireUntil: [UInt64]
    private var lastTick: UInt64 = 0

    /// - Parameters:
    ///   - configuration: the network the core runs (for its row layout).
    ///   - pulsesToFire: pulses integrated before the fire. Default 5 (seed 000 Fig. 3b).
    ///   - fireDelayTicks: ticks from the pulse's rising edge to the fire sense reading high (≥ 1:
    ///     the sense of a tick is read before that tick's rows are driven).
    ///   - holdTicks: ticks the fire sense stays high.
    public init(
        configuration: NetworkConfiguration, pulsesToFire: Int = 5, fireDelayTicks: Int = 2,
        holdTicks: Int = 4
    ) {
        precondition(pulsesToFire >= 1 && fireDelayTicks >= 1 && holdTicks >= 1)
        self.pulsesToFire = pulsesToFire
        self.fireDelayTicks = fireDelayTicks
        self.holdTicks = holdTicks
        var ranges: [Range<Int>] = []
        for layout in configuration.layerLayouts {
            ranges += Array(repeating: layout.rowRange, count: layout.neurons)
        }
        rowRanges = ranges
        previousRows = Array(repeating: false, count: configuration.rowCount)
        pulseCount = Array(repeating: 0, count: ranges.count)
        fireFrom = Array(repeating: .max, count: ranges.count)
        fireUntil = Array(repeating: 0, count: ranges.count)
    }

    public mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? {
        for neuron in 0..<lines.fireSense.count {
            lines.fireSense[neuron] = tick >= fireFrom[neuron] && tick < fireUntil[neuron]
        }
        return nil
    }

    public mutating func drive(_ lines: DrivenLines) -> BoardFault? {
        for neuron in 0..<rowRanges.count {
            let signals = lines.neurons[neuron]
            var rose = false
            for row in rowRanges[neuron] where lines.rows[row] && !previousRows[row] { rose = true }
            guard rose, signals.contains(.columnGate), !signals.contains(.potentiation) else { continue }
            pulseCount[neuron] += 1
            if pulseCount[neuron] == pulsesToFire {
                pulseCount[neuron] = 0
                fireFrom[neuron] = lines.tick + UInt64(fireDelayTicks)
                fireUntil[neuron] = fireFrom[neuron] + UInt64(holdTicks)
            }
        }
        for row in 0..<lines.rows.count { previousRows[row] = lines.rows[row] }
        return nil
    }
}
