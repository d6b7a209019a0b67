/// A board profile's device limits in the units of the tick: what the output stage lets reach the
/// rows, whatever computed them (a protocol, a command, a bug).
public struct OutputLimits: Sendable, Equatable {
    /// The highest amplitude the pattern rows may be pulsed at.
    public var maxAmplitudeVolts: Double
    /// What the pattern rows are pulsed at when a run sets no amplitude (the board's own rail).
    public var boardAmplitudeVolts: Double
    /// The longest pulse, in ticks.
    public var maxPulseWidthTicks: Int
    /// The most on-ticks in any window of one clock period (the duty limit).
    public var maxOnTicksPerPeriod: Int
    /// The most pulses (rising edges) on a row in any window of `ticksPerSecond` ticks.
    public var maxPulsesPerSecond: Int
    public var ticksPerSecond: Int
    public var ticksPerPeriod: Int

    /// From a profile's `[limits]` and the clock: widths round down to whole ticks, the duty to
    /// whole ticks of a period, the rate to whole pulses.
    public init(maxAmplitudeVolts: Double, boardAmplitudeVolts: Double, maxPulseWidthMicroseconds: Double, maxDuty: Double, maxPulsesPerSecond: Double, clock: ClockSettings) {
        let tickMicroseconds = Double(clock.tickNanoseconds) / 1_000
        let period = 2 * clock.ticksPerPhase
        self.maxAmplitudeVolts = maxAmplitudeVolts
        self.boardAmplitudeVolts = boardAmplitudeVolts
        self.maxPulseWidthTicks = max(0, Int((maxPulseWidthMicroseconds / tickMicroseconds + 1e-9).rounded(.down)))
        self.maxOnTicksPerPeriod = max(0, Int((maxDuty * Double(period) + 1e-9).rounded(.down)))
        self.maxPulsesPerSecond = max(0, Int(min(maxPulsesPerSecond, Double(1 << 20)).rounded(.down)))
        self.ticksPerSecond = max(1, Int((1e6 / tickMicroseconds).rounded()))
        self.ticksPerPeriod = period
    }
}

/// Fault codes of the output stage (`BoardFault.Kind.limitEnforced`).
public enum OutputLimitFault {
    /// A pulse would have lasted longer than the width limit: cut where it reached it.
    @inlinable public static var pulseWidth: UInt32 { 0x2_0001 }
    /// A row would have been on for more of a clock period than the duty limit: cut.
    @inlinable public static var duty: UInt32 { 0x2_0002 }
    /// A pulse would have been one too many within a second: not started.
    @inlinable public static var pulseRate: UInt32 { 0x2_0003 }
    /// The pattern rows' amplitude is beyond the limit: no pulse started at it.
    @inlinable public static var amplitude: UInt32 { 0x2_0004 }
}

/// The last stage of every tick: the rows the core computed go through it on their way to the
/// board, and whatever would pass a device limit is held off. A pulse that is cut stays off until
/// the core stops asking for it, so a cut never turns into a second, shorter pulse. Memory is
/// reserved at `init` and given back by `deallocate()` (the core owns it); `apply` allocates
/// nothing and, being a struct of pointers, retains nothing.
@usableFromInline
struct OutputStage {
    @usableFromInline let limits: OutputLimits
    @usableFromInline let inputRows: Int
    /// What this stage drove, per row.
    @usableFromInline let driven: UnsafeMutableBufferPointer<Bool>
    @usableFromInline let blocked: UnsafeMutableBufferPointer<Bool>
    @usableFromInline let onRun: UnsafeMutableBufferPointer<Int>
    /// Per row, the last period's levels (a ring indexed by tick) and how many were on.
    @usableFromInline let periodHistory: UnsafeMutableBufferPointer<Bool>
    @usableFromInline let onInPeriod: UnsafeMutableBufferPointer<Int>
    /// Per row, the ticks of the last `maxPulsesPerSecond` rising edges (a ring) and how many.
    @usableFromInline let riseTicks: UnsafeMutableBufferPointer<UInt64>
    @usableFromInline let riseStart: UnsafeMutableBufferPointer<Int>
    @usableFromInline let riseCount: UnsafeMutableBufferPointer<Int>

    init(limits: OutputLimits, rows: Int, inputRows: Int) {
        self.limits = limits
        self.inputRows = inputRows
        let count = max(1, rows)
        driven = .allocate(capacity: count)
        driven.initialize(repeating: false)
        blocked = .allocate(capacity: count)
        blocked.initialize(repeating: false)
        onRun = .allocate(capacity: count)
        onRun.initialize(repeating: 0)
        periodHistory = .allocate(capacity: count * max(1, limits.ticksPerPeriod))
        periodHistory.initialize(repeating: false)
        onInPeriod = .allocate(capacity: count)
        onInPeriod.initialize(repeating: 0)
        riseTicks = .allocate(capacity: count * max(1, limits.maxPulsesPerSecond))
        riseTicks.initialize(repeating: 0)
        riseStart = .allocate(capacity: count)
        riseStart.initialize(repeating: 0)
        riseCount = .allocate(capacity: count)
        riseCount.initialize(repeating: 0)
    }

    func deallocate() {
        driven.deallocate()
        blocked.deallocate()
        onRun.deallocate()
        periodHistory.deallocate()
        onInPeriod.deallocate()
        riseTicks.deallocate()
        riseStart.deallocate()
        riseCount.deallocate()
    }

    /// Passes `requested` through the limits into `driven`; returns the first limit enforced this
    /// tick, if any.
    @inlinable
    func apply(_ requested: UnsafeMutableBufferPointer<Bool>, tick: UInt64, inputAmplitudeVolts: Double?) -> BoardFault? {
        var fault: BoardFault?
        let period = max(1, limits.ticksPerPeriod)
        let slot = Int(tick % UInt64(period))
        let rateCapacity = limits.maxPulsesPerSecond
        // nil: the board's own amplitude (which the profile check holds to the limit too).
        var volts = limits.boardAmplitudeVolts
        if let asked = inputAmplitudeVolts { volts = asked }  // not `??`: its autoclosure is a call
        let amplitudeAllowed = volts <= limits.maxAmplitudeVolts  // false for NaN too
        var row = 0
        while row < driven.count && row < requested.count {
            var on = false
            var cut: UInt32 = 0
            if !requested[row] {
                blocked[row] = false
            } else if !blocked[row] {
                let rising = !driven[row]
                let historySlot = row * period + slot
                // The slot about to be overwritten leaves the window.
                let onInWindow = onInPeriod[row] - (periodHistory[historySlot] ? 1 : 0)
                if rising && row < inputRows && !amplitudeAllowed {
                    cut = OutputLimitFault.amplitude
                } else if rising && (rateCapacity == 0 || riseCount[row] == rateCapacity
                    && tick - riseTicks[row * rateCapacity + riseStart[row]] < UInt64(limits.ticksPerSecond))
                {
                    cut = OutputLimitFault.pulseRate
                } else if onRun[row] + 1 > limits.maxPulseWidthTicks {
                    cut = OutputLimitFault.pulseWidth
                } else if onInWindow + 1 > limits.maxOnTicksPerPeriod {
                    cut = OutputLimitFault.duty
                } else {
                    on = true
                }
                if cut != 0 {
                    blocked[row] = true
                    // `if case`, not `== nil`: BoardFault is Equatable, and its `==` is a call.
                    if case .none = fault { fault = BoardFault(code: cut, kind: .limitEnforced) }
                }
            }
            let historySlot = row * period + slot
            onInPeriod[row] += (on ? 1 : 0) - (periodHistory[historySlot] ? 1 : 0)
            periodHistory[historySlot] = on
            onRun[row] = on ? onRun[row] + 1 : 0
            if on && !driven[row] && rateCapacity > 0 {
                // Remember this rising edge; the oldest goes once the ring is full.
                if riseCount[row] == rateCapacity {
                    riseTicks[row * rateCapacity + riseStart[row]] = tick
                    riseStart[row] = (riseStart[row] + 1) % rateCapacity
                } else {
                    riseTicks[row * rateCapacity + (riseStart[row] + riseCount[row]) % rateCapacity] = tick
                    riseCount[row] += 1
                }
            }
            driven[row] = on
            row += 1
        }
        return fault
    }
}
