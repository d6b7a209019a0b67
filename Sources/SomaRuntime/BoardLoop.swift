import SomaCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a missed deadline does to a run.
public enum DeadlineMissPolicy: String, Sendable, CaseIterable, BitwiseCopyable {
    /// Count it, log an overrun event, carry on (the default: the miss is in the log for the
    /// analysis to see).
    case logAndContinue = "continue"
    /// End the run (grounding the inputs) with a `runEnded` event that says `deadline-missed`.
    case stopRun = "stop-run"
}

/// What the loop does about board faults, by kind (`BoardFault.Kind`):
/// - an I/O failure (a line read or write failed): the run ends as `board-fault`, the loop halts
///   and the daemon drives the safe state; nothing more is driven until the daemon restarts;
/// - an untrusted sense (a stale ADC sample): read as "no fire"; a run ends as `board-fault` once
///   it has lasted longer than `untrustedSenseLimitTicks` in a row;
/// - a limit enforced by the output stage: logged, the run goes on.
/// Every fault is in the log as a `board-fault` event when it begins and `fault-cleared` when it
/// ends.
public struct FaultPolicy: Sendable, BitwiseCopyable, Equatable {
    /// Consecutive ticks of untrusted fire sense a run tolerates.
    public var untrustedSenseLimitTicks: UInt64

    public init(untrustedSenseLimitTicks: UInt64 = 200) {
        self.untrustedSenseLimitTicks = untrustedSenseLimitTicks
    }
}

/// What a run does: the `present` protocol, or one of the learning protocols.
public enum RunPlan: Sendable, Equatable, BitwiseCopyable {
    case present(PresentationPlan)
    case learn(LearningPlan)
}

/// A command from the service side to the loop. Fixed size, so the ring carries it without
/// allocating.
public enum LoopCommand: Sendable, BitwiseCopyable {
    /// Load the first `patternCount` patterns from `LoopControl.staging` into the core and run
    /// them per `plan` as run `run`, at `inputAmplitudeVolts` (nil: the board's own), ending it
    /// on a missed deadline if `missPolicy` says so.
    case startRun(run: UInt32, patternCount: Int, plan: RunPlan, inputAmplitudeVolts: Double?, missPolicy: DeadlineMissPolicy)
    /// End run `run` now, if it is the one running, with `ending` in its `runEnded` event
    /// (`stopped` when someone asked; `log-unwritable` when the daemon cannot store events).
    case stopRun(run: UInt32, ending: RunEnding = .stopped)
}

/// What the service side and the loop share: the rings both ways, the pattern staging area and
/// the loop's counters. Everything is reserved at creation; the loop only touches atomics and the
/// rings.
public final class LoopControl: @unchecked Sendable {
    public let commands: SPSCRing<LoopCommand>
    public let events: SPSCRing<NeuronEvent>
    /// How late the loop woke from each sleep, nanoseconds (clamped to Int32): the service side
    /// drains these into a histogram.
    public let wakeLatencies: SPSCRing<Int32>
    /// Where the service writes a pattern set (row-major, `inputCount` pixels a pattern) before it
    /// sends `startRun`; written only while no run is active and every sent command was applied.
    public let staging: UnsafeMutableBufferPointer<Bool>
    public let inputCount: Int
    public let patternCapacity: Int
    /// The profile's amplitude limit: the loop refuses a run beyond it even if the service let it by.
    public let maxAmplitudeVolts: Double
    /// The profile's limit on pulses per training presentation, enforced by the loop as well.
    public let maxPulsesPerPresentation: Int
    public let faultPolicy: FaultPolicy

    let stopFlag = Atomic<Bool>(false)
    let commandsSentCount = Atomic<UInt64>(0)
    let commandsAppliedCount = Atomic<UInt64>(0)
    let tickCount = Atomic<UInt64>(0)
    let pushedCount = Atomic<UInt64>(0)
    let droppedCount = Atomic<UInt64>(0)
    let overrunCount = Atomic<UInt64>(0)
    let missedTickCount = Atomic<UInt64>(0)
    let runNumber = Atomic<UInt64>(0)
    let runActive = Atomic<Bool>(false)
    let presentationsBegunCount = Atomic<UInt64>(0)
    let presentationsPlannedCount = Atomic<UInt64>(0)
    let runFireCount = Atomic<UInt64>(0)
    /// Learning runs: the stage (`ProtocolStage`), the pass within it, training fires and misses.
    let stageCode = Atomic<UInt64>(0)
    let passCount = Atomic<UInt64>(0)
    let learnedCount = Atomic<UInt64>(0)
    let noFireCount = Atomic<UInt64>(0)
    /// `run << 16 | RunEnding.rawValue` of the last run that ended, or UInt64.max.
    let lastEndingPacked = Atomic<UInt64>(.max)
    /// The last run the loop refused to start (0: none), e.g. an amplitude beyond the limit.
    let refusedRun = Atomic<UInt64>(0)
    /// `kind << 32 | code` of the I/O failure that halted the loop, or UInt64.max.
    let haltPacked = Atomic<UInt64>(.max)

    public init(inputCount: Int, patternCapacity: Int, maxAmplitudeVolts: Double, maxPulsesPerPresentation: Int = 1000, faultPolicy: FaultPolicy = FaultPolicy(), eventRingCapacity: Int = 1 << 16, commandRingCapacity: Int = 64, latencyRingCapacity: Int = 1 << 14) {
        self.inputCount = inputCount
        self.patternCapacity = patternCapacity
        self.maxAmplitudeVolts = maxAmplitudeVolts
        self.maxPulsesPerPresentation = maxPulsesPerPresentation
        self.faultPolicy = faultPolicy
        commands = SPSCRing(capacity: commandRingCapacity)
        events = SPSCRing(capacity: eventRingCapacity)
        wakeLatencies = SPSCRing(capacity: latencyRingCapacity)
        staging = .allocate(capacity: max(1, inputCount * patternCapacity))
        staging.initialize(repeating: false)
    }

    deinit { staging.deallocate() }

    // MARK: Service side

    /// Asks the loop to finish (it checks every tick).
    public func requestStop() { stopFlag.store(true, ordering: .relaxed) }
    public var stopRequested: Bool { stopFlag.load(ordering: .relaxed) }

    /// Sends a command; false if the ring is full. One service thread sends.
    public func send(_ command: LoopCommand) -> Bool {
        guard commands.push(command) else { return false }
        commandsSentCount.add(1, ordering: .relaxed)
        return true
    }

    /// True when the loop has applied every command sent so far.
    public var commandsSettled: Bool {
        commandsAppliedCount.load(ordering: .acquiring) == commandsSentCount.load(ordering: .relaxed)
    }

    /// Ticks computed so far.
    public var ticks: UInt64 { tickCount.load(ordering: .relaxed) }
    /// Events the loop put in the ring (runs' own events included).
    public var eventsPushed: UInt64 { pushedCount.load(ordering: .relaxed) }
    /// Events the loop could not push because the ring was full.
    public var eventsDropped: UInt64 { droppedCount.load(ordering: .relaxed) }
    /// Times the loop woke past a whole tick, and the ticks lost.
    public var overruns: UInt64 { overrunCount.load(ordering: .relaxed) }
    public var missedTicks: UInt64 { missedTickCount.load(ordering: .relaxed) }
    /// The run the loop last started (0: none yet) and whether it is still going.
    public var currentRun: UInt32 { UInt32(truncatingIfNeeded: runNumber.load(ordering: .relaxed)) }
    public var runIsActive: Bool { runActive.load(ordering: .acquiring) }
    public var presentationsBegun: UInt64 { presentationsBegunCount.load(ordering: .relaxed) }
    public var presentationsPlanned: UInt64 { presentationsPlannedCount.load(ordering: .relaxed) }
    /// Fire events during the current (or last) run.
    public var runFires: UInt64 { runFireCount.load(ordering: .relaxed) }
    /// Learning runs: the stage being run, and which pass (epoch or repeat) of it, from 0.
    public var stage: ProtocolStage { ProtocolStage(rawValue: UInt8(truncatingIfNeeded: stageCode.load(ordering: .relaxed))) ?? .presenting }
    public var pass: UInt64 { passCount.load(ordering: .relaxed) }
    /// Learning runs: training presentations that got their fire, and those that gave up.
    public var trainingFires: UInt64 { learnedCount.load(ordering: .relaxed) }
    public var trainingMisses: UInt64 { noFireCount.load(ordering: .relaxed) }
    /// The board fault that halted the loop (an I/O failure), if one did. After it the loop drives
    /// nothing and takes no command; the daemon drives the safe state and refuses runs.
    public var haltingFault: BoardFault? {
        let packed = haltPacked.load(ordering: .acquiring)
        guard packed != .max else { return nil }
        return BoardFault(code: UInt32(truncatingIfNeeded: packed), kind: BoardFault.Kind(rawValue: UInt8(truncatingIfNeeded: packed >> 32)) ?? .ioFailure)
    }
    /// The last run the loop refused to start (0: none).
    public var lastRefusedRun: UInt32 { UInt32(truncatingIfNeeded: refusedRun.load(ordering: .relaxed)) }
    /// The last run that ended and why.
    public var lastEnding: (run: UInt32, ending: RunEnding)? {
        let packed = lastEndingPacked.load(ordering: .acquiring)
        guard packed != .max, let ending = RunEnding(rawValue: UInt16(packed & 0xFFFF)) else { return nil }
        return (UInt32(truncatingIfNeeded: packed >> 16), ending)
    }
}

/// The daemon's loop body: takes commands, steps the run's protocol, pushes events and latency
/// samples, and keeps the counters the status page shows. Runs on the loop thread as the
/// `TickLoop`'s hooks; allocates nothing, locks nothing.
public struct BoardLoop: TickHooks, ~Copyable {
    public let control: LoopControl
    var presentation: PatternPresentation
    var learning: LearningRun
    var run: UInt32 = 0
    var missPolicy = DeadlineMissPolicy.logAndContinue
    /// Wait for room in a full event ring instead of dropping: right for virtual time
    /// (`--speed max`), where no deadline is at stake; wrong for a real-time board.
    let waitsForRoom: Bool

    /// `waitsForRoom`: see above; pass true only when the loop is not paced by real time.
    public init(control: LoopControl, waitsForRoom: Bool = false) {
        self.control = control
        self.waitsForRoom = waitsForRoom
        presentation = PatternPresentation(capacity: control.patternCapacity)
        learning = LearningRun(capacity: control.patternCapacity)
    }

    var runIsActive: Bool { presentation.isActive || learning.isActive }

    public mutating func shouldStop() -> Bool {
        control.stopFlag.load(ordering: .relaxed) || control.haltPacked.load(ordering: .relaxed) != .max
    }

    /// No run, no command waiting: at `--speed max` the loop then ticks in real time.
    public mutating func isIdle() -> Bool { !runIsActive && control.commands.count == 0 }

    public mutating func beforeTick(_ core: inout NeuronCore) {
        if let command = control.commands.pop() { apply(command, core: &core) }
        switch presentation.advance(core: &core) {
        case .unchanged:
            break
        case .presented(let pattern, let number):
            control.presentationsBegunCount.store(UInt64(number + 1), ordering: .relaxed)
            emit(NeuronEvent(tick: core.nextTick, kind: .presentation, layer: 0, neuron: UInt16(truncatingIfNeeded: number), payload: UInt32(pattern)))
        case .finished:
            end(.completed, core: &core)
        }
        if learning.isActive {
            let finished = learning.advance(core: &core)
            let events = learning.events
            var index = 0
            while index < events.count {
                let event = events[index]
                emit(event)
                // `if case`, not `switch`: a switch over another module's enum allocates in a
                // debug build.
                if case .learned = event.kind { control.learnedCount.add(1, ordering: .relaxed) }
                if case .noFire = event.kind { control.noFireCount.add(1, ordering: .relaxed) }
                index += 1
            }
            if events.count > 0 {
                control.presentationsBegunCount.store(UInt64(learning.presentationsBegun), ordering: .relaxed)
                control.stageCode.store(UInt64(learning.stage.rawValue), ordering: .relaxed)
                control.passCount.store(UInt64(learning.pass), ordering: .relaxed)
            }
            if finished { end(.completed, core: &core) }
        }
    }

    public mutating func afterTick(_ core: inout NeuronCore) {
        let events = core.events
        let counting = runIsActive
        var index = 0
        while index < events.count {
            emit(events[index])
            if counting, case .fire = events[index].kind { control.runFireCount.add(1, ordering: .relaxed) }
            index += 1
        }
        control.tickCount.store(core.nextTick, ordering: .relaxed)
        if let streak = core.activeFault { react(to: streak, core: &core) }
    }

    /// The fault policy (see `FaultPolicy`).
    private mutating func react(to streak: FaultStreak, core: inout NeuronCore) {
        // `if case`, not `switch`: a switch over another module's enum allocates in a debug build.
        if case .ioFailure = streak.fault.kind {
            if runIsActive { end(.boardFault, core: &core) }
            control.haltPacked.store(UInt64(streak.fault.kind.rawValue) << 32 | UInt64(streak.fault.code), ordering: .releasing)
        } else if case .untrustedSense = streak.fault.kind {
            if runIsActive, streak.ticks > control.faultPolicy.untrustedSenseLimitTicks { end(.boardFault, core: &core) }
        }
        // A limit the output stage enforced is logged; the run goes on.
    }

    public mutating func woke(latenessNanoseconds: Int64) {
        _ = control.wakeLatencies.push(Int32(clamping: latenessNanoseconds))
    }

    public mutating func missed(ticks: UInt64, core: inout NeuronCore) {
        control.overrunCount.add(1, ordering: .relaxed)
        control.missedTickCount.add(ticks, ordering: .relaxed)
        if case .stopRun = missPolicy, runIsActive { end(.deadlineMissed, core: &core) }
    }

    /// When the loop is done: a run still going ends as `shutdown`. Call on the loop thread after
    /// `TickLoop.run` returns.
    public mutating func finish(core: inout NeuronCore) {
        if runIsActive { end(.shutdown, core: &core) }
    }

    private mutating func apply(_ command: LoopCommand, core: inout NeuronCore) {
        switch command {
        case .startRun(let number, let count, let plan, let amplitude, let policy):
            let amplitudeAllowed = amplitude.map { $0.isFinite && abs($0) <= control.maxAmplitudeVolts } ?? true
            var pulsesAllowed = true
            if case .learn(let learn) = plan {
                // ramp-wta raises the amplitude itself: its top must be within the limit too.
                pulsesAllowed = learn.maxPulses <= control.maxPulsesPerPresentation
                if case .rampWTA = learn.kind {
                    pulsesAllowed = pulsesAllowed && learn.rampMaxVolts.isFinite && learn.rampMaxVolts <= control.maxAmplitudeVolts
                }
                // stdp programs at its own amplitude, and reads at the read voltage: within the limit too.
                if case .stdp = learn.kind {
                    pulsesAllowed = pulsesAllowed && learn.stdpProgramVolts.isFinite && learn.stdpProgramVolts <= control.maxAmplitudeVolts
                }
                pulsesAllowed = pulsesAllowed && learn.readVolts.isFinite && learn.readVolts <= control.maxAmplitudeVolts
                if case .characterize = learn.kind, case .amplitude = learn.sweep {
                    pulsesAllowed = pulsesAllowed && learn.sweepTo.isFinite && learn.sweepTo <= control.maxAmplitudeVolts
                }
            }
            if !runIsActive, amplitudeAllowed, pulsesAllowed, count >= 0, count <= control.patternCapacity,
               core.loadPatterns(UnsafeBufferPointer(rebasing: control.staging[0..<(count * control.inputCount)]), count: count),
               start(plan, core: &core)
            {
                run = number
                missPolicy = policy
                core.setInputAmplitude(volts: amplitude)
                control.runNumber.store(UInt64(number), ordering: .relaxed)
                control.presentationsBegunCount.store(0, ordering: .relaxed)
                control.runFireCount.store(0, ordering: .relaxed)
                control.presentationsPlannedCount.store(UInt64(presentation.isActive ? presentation.presentationsPlanned : learning.presentationsPlanned), ordering: .relaxed)
                control.learnedCount.store(0, ordering: .relaxed)
                control.noFireCount.store(0, ordering: .relaxed)
                control.passCount.store(0, ordering: .relaxed)
                control.stageCode.store(UInt64(learning.isActive ? learning.stage.rawValue : ProtocolStage.presenting.rawValue), ordering: .relaxed)
                control.runActive.store(true, ordering: .releasing)
                emit(NeuronEvent(tick: core.nextTick, kind: .runStarted, layer: 0, neuron: 0, payload: number))
                // A learning run logs its first stage as it starts.
                if learning.isActive {
                    let events = learning.events
                    var index = 0
                    while index < events.count {
                        emit(events[index])
                        index += 1
                    }
                }
            } else {
                control.refusedRun.store(UInt64(number), ordering: .relaxed)
            }
        case .stopRun(let number, let ending):
            if runIsActive, number == run { end(ending, core: &core) }
        }
        control.commandsAppliedCount.add(1, ordering: .releasing)
    }

    private mutating func start(_ plan: RunPlan, core: inout NeuronCore) -> Bool {
        switch plan {
        case .present(let present): presentation.start(present, core: core)
        case .learn(let learn): learning.start(learn, core: &core)
        }
    }

    private mutating func end(_ ending: RunEnding, core: inout NeuronCore) {
        presentation.stop(core: &core)
        learning.stop(core: &core)
        core.setInputAmplitude(volts: nil)
        emit(NeuronEvent(tick: core.nextTick, kind: .runEnded, layer: 0, neuron: ending.rawValue, payload: run))
        control.lastEndingPacked.store(UInt64(run) << 16 | UInt64(ending.rawValue), ordering: .relaxed)
        control.runActive.store(false, ordering: .releasing)
    }

    @inline(__always)
    private func emit(_ event: NeuronEvent) {
        var pushed = control.events.push(event)
        while !pushed && waitsForRoom && !control.stopFlag.load(ordering: .relaxed) {
            sched_yield()
            pushed = control.events.push(event)
        }
        if pushed {
            control.pushedCount.add(1, ordering: .relaxed)
        } else {
            control.droppedCount.add(1, ordering: .relaxed)
        }
    }
}
