/// The two halves of one period of the global clock (CLK), seed 000 Fig. 3b.
public enum ClockPhase: UInt8, Sendable, CaseIterable {
    /// CLK is high: L1 is transparent (follows the fire sense), L2 holds, G1 may be high.
    case high
    /// CLK is low: L1 holds, L2 is transparent (follows L1).
    case low
}

/// The global clock and how finely the loop divides it.
///
/// A clock period is two phases (high, then low) of equal length (50 % duty); each phase is
/// divided into `ticksPerPhase` ticks. The loop runs once per tick. Tick 0 is the first tick of a
/// high phase.
public struct ClockSettings: Sendable, Equatable {
    /// Global clock frequency. Default 2 kHz (seed 000).
    public var frequencyHertz: Double
    /// Ticks in one clock phase. Default 5, giving 50 µs ticks at 2 kHz.
    public var ticksPerPhase: Int

    /// The shortest tick the loop is designed for. A Linux SBC without PREEMPT_RT wakes with tens
    /// of microseconds of jitter; shorter ticks would be noise, not resolution.
    public static let minimumTickNanoseconds: Int64 = 10_000
    /// The slowest clock accepted: one period per 10 s. Slower clocks are used to watch a
    /// breadboard by eye, but beyond this the tick counters make little sense.
    public static let minimumFrequencyHertz: Double = 0.1

    public init(frequencyHertz: Double = 2_000, ticksPerPhase: Int = 5) {
        self.frequencyHertz = frequencyHertz
        self.ticksPerPhase = ticksPerPhase
    }

    /// Ticks in one full clock period (high + low).
    public var ticksPerPeriod: Int { 2 * ticksPerPhase }

    /// Length of one clock phase, rounded to the nanosecond.
    public var phaseNanoseconds: Int64 { Int64((500_000_000.0 / frequencyHertz).rounded()) }

    /// Length of one tick, rounded to the nanosecond.
    public var tickNanoseconds: Int64 {
        Int64((500_000_000.0 / (frequencyHertz * Double(ticksPerPhase))).rounded())
    }

    /// The clock phase of a given tick.
    @inlinable
    public func phase(ofTick tick: UInt64) -> ClockPhase {
        tick % UInt64(ticksPerPeriod) < UInt64(ticksPerPhase) ? .high : .low
    }

    /// Checks the settings; throws naming the field and the allowed range.
    public func validate(fieldPrefix: String = "clock") throws(ConfigurationError) {
        guard frequencyHertz.isFinite, frequencyHertz >= Self.minimumFrequencyHertz else {
            throw ConfigurationError(
                field: "\(fieldPrefix).frequencyHertz", value: "\(frequencyHertz)",
                allowed: "a frequency of at least \(Self.minimumFrequencyHertz) Hz")
        }
        let maximumFrequency = 1e9 / Double(2 * Self.minimumTickNanoseconds)
        guard frequencyHertz <= maximumFrequency else {
            throw ConfigurationError(
                field: "\(fieldPrefix).frequencyHertz", value: "\(frequencyHertz)",
                allowed: "at most \(Int(maximumFrequency)) Hz (one tick per phase of at least \(Self.minimumTickNanoseconds / 1000) µs)")
        }
        guard ticksPerPhase >= 1 else {
            throw ConfigurationError(
                field: "\(fieldPrefix).ticksPerPhase", value: "\(ticksPerPhase)",
                allowed: "at least 1 tick per phase")
        }
        let fitting = Int((500_000_000.0 / frequencyHertz) / Double(Self.minimumTickNanoseconds))
        guard ticksPerPhase <= fitting else {
            throw ConfigurationError(
                field: "\(fieldPrefix).ticksPerPhase", value: "\(ticksPerPhase)",
                allowed: "1…\(fitting) at \(frequencyHertz) Hz: a \(phaseNanoseconds / 1000) µs phase holds at most \(fitting) ticks of \(Self.minimumTickNanoseconds / 1000) µs")
        }
    }
}
