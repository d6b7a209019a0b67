import SomaCore
#if canImport(Glibc)
import Glibc
#endif

/// The loop that runs the core against a board in real time: sense → step → drive, then sleep to
/// the next absolute deadline on CLOCK_MONOTONIC (`clock_nanosleep`, `TIMER_ABSTIME`), so the
/// clock does not drift with the work done in a tick. Missed deadlines are counted and given to
/// the core as overrun events, never absorbed silently.
///
/// Not yet here (issue 5): SCHED_FIFO, mlockall, CPU affinity, the rings to the service side.
public struct TickLoop {
    /// How ticks follow the wall clock.
    public enum Pacing: Sendable {
        /// One tick per `tickNanoseconds` of real time (a board, or `somad --sim` by default).
        case realTime
        /// As fast as the machine allows (the simulator's virtual time, `--speed max`).
        case asFastAsPossible
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

    /// Runs until `shouldStop()` is true (checked every tick) or `maxTicks` ticks have run.
    /// `afterTick` sees the core after each tick (its events, its signals). Allocation-free.
    public mutating func run<B: Board>(
        core: inout NeuronCore, board: inout B, maxTicks: UInt64 = .max,
        shouldStop: () -> Bool, afterTick: (borrowing NeuronCore) -> Void
    ) {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        var ran: UInt64 = 0
        while ran < maxTicks, !shouldStop() {
            core.tick(on: &board)
            afterTick(core)
            ran += 1
            if case .asFastAsPossible = pacing { continue }
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
            }
            while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {
                if shouldStop() { break }
            }
        }
    }

    @inline(__always)
    static func nanoseconds(_ time: timespec) -> Int64 { Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec) }

    @inline(__always)
    static func advance(_ time: inout timespec, by nanoseconds: Int64) {
        let total = Int64(time.tv_nsec) + nanoseconds
        time.tv_sec += Int(total / 1_000_000_000)
        time.tv_nsec = Int(total % 1_000_000_000)
    }
}
