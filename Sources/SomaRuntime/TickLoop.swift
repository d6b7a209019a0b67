import SomaCore
#if canImport(Glibc)
import Glibc
#endif

/// What the loop asks of the code around it, once per tick. The daemon's `BoardLoop` takes
/// commands and runs protocols in `beforeTick`, pushes events in `afterTick` and records wake-up
/// latency in `woke`. Every method is called on the loop thread and must not allocate, lock or
/// block.
public protocol TickHooks: ~Copyable {
    /// Checked before every tick (and when a sleep is interrupted).
    mutating func shouldStop() -> Bool
    /// Before `core.tick`: commands, protocol steps.
    mutating func beforeTick(_ core: inout NeuronCore)
    /// After `core.tick`: its events and signals, and the reaction to a board fault.
    mutating func afterTick(_ core: inout NeuronCore)
    /// The loop woke from its sleep this late after the deadline (real-time pacing only).
    mutating func woke(latenessNanoseconds: Int64)
    /// Whole ticks were missed (the core has been told and logs an overrun event).
    mutating func missed(ticks: UInt64, core: inout NeuronCore)
    /// Under `asFastAsPossible` pacing: true while nothing is going on (no run), so the loop
    /// ticks in real time instead of burning a core on idle virtual time.
    mutating func isIdle() -> Bool
}

extension TickHooks where Self: ~Copyable {
    public mutating func isIdle() -> Bool { false }
}

/// The loop that runs the core against a board in real time: sense → step → drive, then sleep to
/// the next absolute deadline on CLOCK_MONOTONIC (`clock_nanosleep`, `TIMER_ABSTIME`), so the
/// clock does not drift with the work done in a tick. Missed deadlines are counted and given to
/// the core as overrun events, never absorbed silently. The thread it runs on (priority, affinity,
/// locked memory) is `RealTimeThread`'s business.
public struct TickLoop {
    /// How ticks follow the wall clock.
    public enum Pacing: Sendable {
        /// One tick per `tickNanoseconds` of real time (a board, or `somad --sim` by default).
        case realTime
        /// As fast as the machine allows (the simulator's virtual time, `--speed max`) while the
        /// hooks say something is going on; in real time, with no deadline accounting, while
        /// they say the loop is idle.
        case asFastAsPossible

        /// Whether every tick waits for its deadline (false: virtual time, which must not drop events).
        public var followsWallClock: Bool {
            if case .realTime = self { return true }
            return false
        }
    }

    public let tickNanoseconds: Int64
    public let pacing: Pacing
    public private(set) var overrunEvents: UInt64 = 0
    public private(set) var missedTicks: UInt64 = 0

    /// `tickNanoseconds` below 1 is taken as 1.
    public init(tickNanoseconds: Int64, pacing: Pacing = .realTime) {
        self.tickNanoseconds = max(1, tickNanoseconds)
        self.pacing = pacing
    }

    /// Runs until `hooks.shouldStop()` is true or `maxTicks` ticks have run. Allocation-free.
    public mutating func run<B: Board, Hooks: TickHooks & ~Copyable>(
        core: inout NeuronCore, board: inout B, maxTicks: UInt64 = .max, hooks: inout Hooks
    ) {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        var ran: UInt64 = 0
        var idling = false
        while ran < maxTicks, !hooks.shouldStop() {
            hooks.beforeTick(&core)
            core.tick(on: &board)
            hooks.afterTick(&core)
            ran += 1
            if case .asFastAsPossible = pacing {
                guard hooks.isIdle() else {
                    idling = false
                    continue
                }
                // Idle virtual time: a tick per tick of real time, never counted as late.
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                if !idling || Self.nanoseconds(now) > Self.nanoseconds(deadline) { deadline = now }
                idling = true
                Self.advance(&deadline, by: tickNanoseconds)
                while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {
                    if hooks.shouldStop() { break }
                }
                continue
            }
            Self.advance(&deadline, by: tickNanoseconds)
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let late = Self.nanoseconds(now) - Self.nanoseconds(deadline)
            if late > tickNanoseconds {
                // Whole ticks missed: the next tick waits for the next free deadline, and the core
                // records how many were lost.
                let missed = UInt64(late / tickNanoseconds)
                core.noteOverrun(missedTicks: missed)
                overrunEvents += 1
                missedTicks += missed
                Self.advance(&deadline, by: Int64(missed) * tickNanoseconds)
                hooks.missed(ticks: missed, core: &core)
            }
            var interrupted = false
            while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {
                if hooks.shouldStop() { interrupted = true; break }
            }
            if !interrupted {
                clock_gettime(CLOCK_MONOTONIC, &now)
                hooks.woke(latenessNanoseconds: Self.nanoseconds(now) - Self.nanoseconds(deadline))
            }
        }
    }

    @inline(__always)
    public static func nanoseconds(_ time: timespec) -> Int64 { Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec) }

    @inline(__always)
    public static func advance(_ time: inout timespec, by nanoseconds: Int64) {
        let total = Int64(time.tv_nsec) + nanoseconds
        time.tv_sec += Int(total / 1_000_000_000)
        time.tv_nsec = Int(total % 1_000_000_000)
    }
}
