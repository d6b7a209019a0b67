import SomaCore
import SomaLinux
import SomaRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Runs a loop at the profile's tick on a thread set up as somad sets up its loop (SCHED_FIFO,
/// mlockall, CPU pinning) and measures how long after each deadline the tick's work was done.
///
/// With a board, each tick does the real tick's line I/O without changing any output: every chain
/// is shifted and latched with its safe bits, every chip written with its safe levels, every input
/// read. Without one (a simulated profile, or lines that could not be opened) it measures the
/// wake-up alone.
struct LoopLatencyProbe {
    struct Result {
        /// Ticks measured (deadlines skipped while behind are not counted).
        var ticks: Int
        /// Ticks whose work ended after the next tick's deadline: somad would log deadline misses.
        var overruns: Int
        /// Deadline to end of the tick's work (wake-up latency plus I/O), nanoseconds.
        var p50: Int64, p99: Int64, max: Int64
        /// The I/O alone, p99, nanoseconds (0 without a board).
        var ioP99: Int64
        /// What the kernel refused when the thread was set up.
        var warnings: [RealTimeWarning]
    }

    var tickNanoseconds: Int64
    var seconds: Double
    var settings: RealTimeSettings

    func run(board: LinuxBoard?) throws(RealTimeWarning) -> Result {
        let count = max(1, Int(seconds * 1e9 / Double(tickNanoseconds)))
        let done = UnsafeMutableBufferPointer<Int64>.allocate(capacity: count)
        let io = UnsafeMutableBufferPointer<Int64>.allocate(capacity: count)
        defer { done.deallocate(); io.deallocate() }
        done.initialize(repeating: 0)
        io.initialize(repeating: 0)
        let neurons = board.map { $0.profile.network.layers.reduce(0) { $0 + $1.neurons } } ?? 0
        let fires = UnsafeMutableBufferPointer<Bool>.allocate(capacity: max(1, neurons))
        let monitored = UnsafeMutableBufferPointer<NeuronSignals>.allocate(capacity: max(1, neurons))
        defer { fires.deallocate(); monitored.deallocate() }
        fires.initialize(repeating: false)
        monitored.initialize(repeating: [])
        let sensed = board.map { SensedLines(fireSense: fires, monitored: monitored, mode: $0.profile.network.mode) }
        let tick = tickNanoseconds
        let measured = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        defer { measured.deallocate() }
        measured.pointee = 0

        let thread = RealTimeThread(settings: settings) {
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let stop = TickLoop.nanoseconds(deadline) + Int64(count) * tick
            TickLoop.advance(&deadline, by: tick)
            var now = timespec()
            for index in 0..<count {
                // A loop slower than its tick misses deadlines: stop at the wall time asked for.
                if TickLoop.nanoseconds(deadline) > stop { break }
                measured.pointee = index + 1
                while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {}
                clock_gettime(CLOCK_MONOTONIC, &now)
                let woke = TickLoop.nanoseconds(now)
                if let board, let sensed {
                    _ = board.sense(sensed, tick: UInt64(index))
                    _ = board.driveSafeState()
                    clock_gettime(CLOCK_MONOTONIC, &now)
                }
                let end = TickLoop.nanoseconds(now)
                done[index] = end - TickLoop.nanoseconds(deadline)
                io[index] = end - woke
                TickLoop.advance(&deadline, by: tick)
                // Behind by more than a tick: skip the missed deadlines, as the loop does.
                while TickLoop.nanoseconds(deadline) < end { TickLoop.advance(&deadline, by: tick) }
            }
        }
        try thread.start()
        thread.join()

        let ticks = measured.pointee
        let sortedDone = done.prefix(ticks).sorted(), sortedIO = io.prefix(ticks).sorted()
        func percentile(_ values: [Int64], _ p: Double) -> Int64 { values.isEmpty ? 0 : values[min(values.count - 1, Int(Double(values.count) * p))] }
        return Result(
            ticks: ticks, overruns: sortedDone.filter { $0 > tick }.count,
            p50: percentile(sortedDone, 0.5), p99: percentile(sortedDone, 0.99), max: sortedDone.last ?? 0,
            ioP99: board == nil ? 0 : percentile(sortedIO, 0.99), warnings: thread.warnings)
    }
}
