/// Why a run ended: the `neuron` field of a `runEnded` event.
public enum RunEnding: UInt16, Sendable, BitwiseCopyable, CaseIterable, CustomStringConvertible {
    /// Every planned presentation was made.
    case completed = 0
    /// Someone asked it to stop.
    case stopped = 1
    /// The loop missed a deadline and the miss policy says a miss ends the run.
    case deadlineMissed = 2
    /// The daemon is shutting down (SIGTERM/SIGINT).
    case shutdown = 3
    /// The board faulted under it and the fault policy ended it (an I/O failure, or a sensed
    /// value that could not be trusted for longer than the policy allows).
    case boardFault = 4
    /// The daemon could not store events (a full disk) and ended the run rather than lose them.
    case logUnwritable = 5

    public var description: String {
        switch self {
        case .completed: "completed"
        case .stopped: "stopped"
        case .deadlineMissed: "deadline-missed"
        case .shutdown: "shutdown"
        case .boardFault: "board-fault"
        case .logUnwritable: "log-unwritable"
        }
    }
}

/// What a `present` run does: every loaded pattern, for a number of clock periods each, with the
/// inputs grounded for a rest between patterns, the whole set `repeats` times, in order or in an
/// order shuffled per repeat from a seed.
public struct PresentationPlan: Sendable, Equatable, BitwiseCopyable {
    public var periodsPerPattern: Int
    public var restPeriods: Int
    public var repeats: Int
    /// 0: the set's own order; anything else seeds a new shuffle of the set for every repeat.
    public var shuffleSeed: UInt64

    public init(periodsPerPattern: Int, restPeriods: Int = 0, repeats: Int = 1, shuffleSeed: UInt64 = 0) {
        self.periodsPerPattern = periodsPerPattern
        self.restPeriods = restPeriods
        self.repeats = repeats
        self.shuffleSeed = shuffleSeed
    }
}

/// What `PatternPresentation.advance` did before a tick.
public enum PresentationStep: Sendable, Equatable, BitwiseCopyable {
    /// Nothing changed.
    case unchanged
    /// Pattern `pattern` is on the inputs from this tick on; it is presentation `number` (0-based)
    /// of the run.
    case presented(pattern: Int, number: Int)
    /// The last presentation ended; the inputs are grounded.
    case finished
}

/// The `present` protocol as a state machine the loop steps once before every tick, so that it
/// runs the same on a board and on the simulator. Starts at a clock-period boundary, so every
/// presentation holds whole pulses. Memory for the order is reserved at init; `start` and
/// `advance` allocate nothing.
public struct PatternPresentation: ~Copyable {
    private let order: UnsafeMutableBufferPointer<Int32>
    private var plan = PresentationPlan(periodsPerPattern: 1)
    private var patternCount = 0
    private var ticksPerPeriod: UInt64 = 1
    private var stage = Stage.idle
    private var ticksLeft: UInt64 = 0
    private var position = 0
    private var repetition = 0
    private var random: UInt64 = 0
    /// Presentations begun so far in this run.
    public private(set) var presentationsBegun = 0

    enum Stage { case idle, waitingForPeriod, presenting, resting }

    /// Room for runs over at most `capacity` patterns.
    public init(capacity: Int) {
        order = .allocate(capacity: max(1, capacity))
        order.initialize(repeating: 0)
    }

    deinit { order.deallocate() }

    public var isActive: Bool {
        if case .idle = stage { return false }
        return true
    }

    /// Presentations the run makes in all.
    public var presentationsPlanned: Int { patternCount * plan.repeats }

    /// Begins a run over the core's loaded patterns. False (nothing started) when the plan is
    /// empty or the core holds more patterns than this has room for. Safe in tick.
    @_noAllocation @_noLocks
    public mutating func start(_ plan: PresentationPlan, core: borrowing NeuronCore) -> Bool {
        guard plan.periodsPerPattern > 0, plan.restPeriods >= 0, plan.repeats > 0,
              core.patternCount > 0, core.patternCount <= order.count else { return false }
        self.plan = plan
        patternCount = core.patternCount
        ticksPerPeriod = core.ticksPerPeriod
        position = 0
        repetition = 0
        presentationsBegun = 0
        random = plan.shuffleSeed
        arrangeOrder()
        stage = .waitingForPeriod
        return true
    }

    /// Ends the run now and grounds the inputs. Safe in tick.
    @_noAllocation @_noLocks
    public mutating func stop(core: inout NeuronCore) {
        if isActive { core.withdrawPattern() }
        stage = .idle
    }

    /// Call once before every tick. Safe in tick.
    @_noAllocation @_noLocks
    public mutating func advance(core: inout NeuronCore) -> PresentationStep {
        switch stage {
        case .idle:
            return .unchanged
        case .waitingForPeriod:
            guard core.currentTick % ticksPerPeriod == 0 else { return .unchanged }
            return presentCurrent(core: &core)
        case .presenting:
            if ticksLeft > 0 {
                ticksLeft -= 1
                return .unchanged
            }
            core.withdrawPattern()
            if plan.restPeriods > 0 {
                stage = .resting
                ticksLeft = UInt64(plan.restPeriods) * ticksPerPeriod - 1
                return .unchanged
            }
            return presentNext(core: &core)
        case .resting:
            if ticksLeft > 0 {
                ticksLeft -= 1
                return .unchanged
            }
            return presentNext(core: &core)
        }
    }

    private mutating func presentNext(core: inout NeuronCore) -> PresentationStep {
        position += 1
        if position == patternCount {
            position = 0
            repetition += 1
            if repetition == plan.repeats {
                stage = .idle
                return .finished
            }
            arrangeOrder()
        }
        return presentCurrent(core: &core)
    }

    private mutating func presentCurrent(core: inout NeuronCore) -> PresentationStep {
        let pattern = Int(order[position])
        core.present(pattern: pattern)
        stage = .presenting
        ticksLeft = UInt64(plan.periodsPerPattern) * ticksPerPeriod - 1
        presentationsBegun += 1
        return .presented(pattern: pattern, number: presentationsBegun - 1)
    }

    /// The set's order, or a Fisher–Yates shuffle of it from the seed (xorshift64*).
    private mutating func arrangeOrder() {
        ShuffledOrder.arrange(order, count: patternCount, shuffling: plan.shuffleSeed != 0, state: &random)
    }
}
