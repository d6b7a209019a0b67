/// What the loop reads from the board at the start of a tick. A view into memory the core
/// reserved at start; valid only during the `sense` call that receives it.
public struct SensedLines {
    /// Fire sense of every neuron (node 2 through a comparator or an ADC threshold), in network
    /// order: layer 0's neurons first.
    public let fireSense: UnsafeMutableBufferPointer<Bool>
    /// Clock-and-monitor mode only: the latch and gate lines read back from the chips on the
    /// breadboard, per neuron. Ignored in full-logic mode.
    public let monitored: UnsafeMutableBufferPointer<NeuronSignals>
    public let mode: OperatingMode
    /// After a read tick (`DrivenLines.readVolts` set): per neuron, the current sensed into its
    /// column's node 1, in amperes. A board that can sense column currents fills the accessed
    /// columns; one that cannot leaves NaN. Empty when no core asked.
    public let columnCurrentAmperes: UnsafeMutableBufferPointer<Double>

    /// Public so that backends and their tests can sense without a core.
    @inlinable
    public init(
        fireSense: UnsafeMutableBufferPointer<Bool>, monitored: UnsafeMutableBufferPointer<NeuronSignals>, mode: OperatingMode,
        columnCurrentAmperes: UnsafeMutableBufferPointer<Double> = UnsafeMutableBufferPointer(start: nil, count: 0)
    ) {
        self.fireSense = fireSense
        self.monitored = monitored
        self.mode = mode
        self.columnCurrentAmperes = columnCurrentAmperes
    }
}

/// What the loop drives at the end of a tick. A view into memory the core owns; valid only during
/// the `drive` call that receives it. Backends must change every line of a tick at once (one bulk
/// set, or one shift-register latch pulse).
public struct DrivenLines {
    public let tick: UInt64
    /// The global clock CLK.
    public let clock: ClockPhase
    /// Every row of every layer, in network order: the pattern inputs first, then the rows that
    /// carry layer 0's spikes into layer 1, and so on. `true` = pulse on.
    public let rows: UnsafeBufferPointer<Bool>
    /// Every neuron's lines, in network order.
    public let neurons: UnsafeBufferPointer<NeuronSignals>
    /// `fullLogic`: drive rows, clock and every neuron line. `clockAndMonitor`: drive only the
    /// clock and layer 0's rows (the chips on the breadboard drive the rest; `neurons` then mirrors
    /// what was read back).
    public let mode: OperatingMode
    /// The amplitude a run asked for on the pattern rows (layer 0), already checked against the
    /// profile's limit; nil: the board's own setting (the profile's `pulses.amplitude_volts`).
    public let inputAmplitudeVolts: Double?
    /// A read tick (`SynapseAccess.read`): the rows that are on carry this voltage instead of
    /// their pulse amplitude, and the board senses the current of every column whose T1 is on
    /// (node 1 at virtual ground) for the next tick's `SensedLines.columnCurrentAmperes`. Nil on
    /// every other tick.
    public let readVolts: Double?

    /// Lines to drive; the core makes these every tick. Public so that backends and their tests can
    /// drive a chosen state (a safe state, a test pattern) without a core.
    @inlinable
    public init(
        tick: UInt64, clock: ClockPhase, rows: UnsafeBufferPointer<Bool>,
        neurons: UnsafeBufferPointer<NeuronSignals>, mode: OperatingMode, inputAmplitudeVolts: Double? = nil,
        readVolts: Double? = nil
    ) {
        self.readVolts = readVolts
        self.tick = tick
        self.clock = clock
        self.rows = rows
        self.neurons = neurons
        self.mode = mode
        self.inputAmplitudeVolts = inputAmplitudeVolts
    }
}

/// A board fault reported by `sense` or `drive` — data, not an exception, so the tick never
/// throws. The core logs it as a `boardFault` event (once per streak: a fault that repeats tick
/// after tick is one event when it begins and one `faultCleared` when it ends); what to do about
/// it is the runtime's fault policy, by `kind`.
public struct BoardFault: Sendable, Equatable {
    /// What a fault means for the tick, which decides the reaction.
    public enum Kind: UInt8, Sendable, BitwiseCopyable, NamedCases {
        /// Reading or writing the lines failed (the Linux backend: an ioctl's errno). The lines may
        /// not be as commanded: the run stops, the safe state is driven, the loop halts.
        case ioFailure = 0
        /// A sensed value could not be trusted this tick (an ADC sample too old after I2C errors)
        /// and was read as "no fire". The sampler retries; a run stops if it lasts too long.
        case untrustedSense = 1
        /// The output stage cut an output that would have passed a device limit. The run goes on;
        /// the cut is in the log.
        case limitEnforced = 2

        public var description: String {
            switch self {
            case .ioFailure: "io-failure"
            case .untrustedSense: "untrusted-sense"
            case .limitEnforced: "limit-enforced"
            }
        }
    }

    /// Backend-defined code (an errno for the Linux backend's I/O failures).
    public var code: UInt32
    public var kind: Kind
    @inlinable
    public init(code: UInt32, kind: Kind = .ioFailure) {
        self.code = code
        self.kind = kind
    }
}

/// A board fault that has been reported in one tick or more, with no gap of a whole clock period
/// between reports (a limit cut once a period is one streak, not one per period).
public struct FaultStreak: Sendable, Equatable {
    public var fault: BoardFault
    /// The tick it was first reported in.
    public var firstTick: UInt64
    /// The tick it was last reported in.
    public var lastTick: UInt64
    /// Ticks from the first report to the last, both included.
    @inlinable public var ticks: UInt64 { lastTick - firstTick + 1 }

    @inlinable
    public init(fault: BoardFault, firstTick: UInt64, lastTick: UInt64) {
        self.fault = fault
        self.firstTick = firstTick
        self.lastTick = lastTick
    }
}

/// The small interface the neuron core drives once per tick: the simulated breadboard, the Linux
/// backend (libgpiod, i2c-dev) and test doubles all implement it, and the core never knows which.
///
/// Both methods are called on the loop thread, once per tick, in the order sense → step → drive.
/// Implementations used in real time must not allocate, lock or block in them.
public protocol Board {
    /// Fills the sensed lines for the tick that is about to be computed. Safe in tick.
    mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault?
    /// Applies the outputs of the tick just computed. Safe in tick.
    mutating func drive(_ lines: DrivenLines) -> BoardFault?
}
