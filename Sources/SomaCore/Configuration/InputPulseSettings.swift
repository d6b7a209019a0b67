/// When an input row carries its pulse within each clock period.
///
/// A pattern pixel that is 1 drives its row with one pulse per clock period, aligned to a clock
/// phase (seed 000: 250 µs pulses at 2 kHz, aligned with CLK high, so a pulse fills the phase in
/// which L1 is transparent). A 0 pixel keeps its row grounded. The amplitude is the board's
/// business (a DAC rail); the core only decides which rows are on in which tick.
public struct InputPulseSettings: Sendable, Equatable {
    /// The clock phase the pulses are aligned to. Default `.high`.
    public var phase: ClockPhase
    /// Ticks from the start of that phase to the pulse's rising edge. Default 0.
    public var offsetTicks: Int
    /// Pulse width in ticks. `nil` (the default) means the whole phase.
    public var widthTicks: Int?

    public init(phase: ClockPhase = .high, offsetTicks: Int = 0, widthTicks: Int? = nil) {
        self.phase = phase
        self.offsetTicks = offsetTicks
        self.widthTicks = widthTicks
    }

    /// The width in ticks once the clock is known.
    public func resolvedWidthTicks(_ clock: ClockSettings) -> Int {
        widthTicks ?? (clock.ticksPerPhase - offsetTicks)
    }

    public func validate(against clock: ClockSettings) throws(ConfigurationError) {
        guard offsetTicks >= 0, offsetTicks < clock.ticksPerPhase else {
            throw ConfigurationError(
                field: "inputPulse.offsetTicks", value: "\(offsetTicks)",
                allowed: "0…\(clock.ticksPerPhase - 1) (the pulse must start inside its \(clock.ticksPerPhase)-tick phase)")
        }
        let width = resolvedWidthTicks(clock)
        let room = clock.ticksPerPhase - offsetTicks
        guard width >= 1, width <= room else {
            throw ConfigurationError(
                field: "inputPulse.widthTicks", value: "\(width)",
                allowed: "1…\(room) (a pulse starting \(offsetTicks) ticks into a \(clock.ticksPerPhase)-tick phase must end inside it)")
        }
    }
}

/// When the depression transistor T3 conducts, lifting node 1 so that the synapses of grounded
/// inputs are depressed (seed 000 Fig. 3a, Supp. Fig. 3).
///
/// Whatever the choice, T3 is never on in a tick where T1 (= L2) is on: the two act in different
/// clock phases so that potentiation and depression do not conflict.
public enum DepressionPhase: String, Sendable, Equatable, CaseIterable {
    /// T3 never conducts (seed 000 Fig. 3b was measured this way).
    case disabled
    /// T3 = L1 AND NOT L2: from the latched fire to the end of that clock-high phase, while the
    /// input pulses that caused the fire are still on. The default.
    case beforeRefractory
    /// T3 conducts for the clock-low phase in which T1 switches off, right after the
    /// refractory period, for boards that pulse inputs in the low phase.
    case afterRefractory
}

/// How the software lateral-inhibition array picks one winner when several neurons of a layer
/// raise G3 in the same tick and no winner is held.
///
/// Brian2 runs of the same network show that with 50 µs ticks two neurons often cross threshold
/// in the same tick; without a rule the winner-take-all does not work.
public enum TieRule: Sendable, Equatable {
    /// The candidate with the lowest index in its layer wins. The default: simple to reason
    /// about on a scope.
    case lowestIndex
    /// The first candidate at or after the neuron following the previous winner, cyclically, so
    /// that no neuron is favoured over many ties.
    case roundRobin
    /// A candidate drawn by a seeded generator inside the core: reproducible for a given seed,
    /// unbiased over many ties.
    case seededRandom(seed: UInt64)
}

/// Who computes the latches and gates.
public enum OperatingMode: Sendable, Equatable, CaseIterable {
    /// Soma is the CMOS: it computes L1, L2, G1, G3, T1, T3 and the lateral inhibition, and
    /// drives their lines.
    case fullLogic
    /// Real latch and gate chips sit on the breadboard. Soma drives only CLK and the input
    /// pulses, reads L1, L2, G1, G3, T1, T3 and the LG lines back, and logs their edges.
    case clockAndMonitor
}
