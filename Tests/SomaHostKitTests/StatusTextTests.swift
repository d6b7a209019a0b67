import SomaHostKit
import SomaProtocol
import Testing

/// `soma board status`: what a user reads about a daemon that needs them.
@Suite("Board status text")
struct StatusTextTests {
    func status(halt: String? = nil, writeFailure: String? = nil) -> StatusDocument {
        let ring = RingDocument(capacity: 64, highWater: 0, refused: 0)
        return StatusDocument(
            board: "bench", backend: "linux", speed: "realtime", uptimeSeconds: 12,
            loop: LoopDocument(
                state: halt == nil ? "idle" : "halted", ticks: 1_000, tickMicroseconds: 50, overruns: 0, missedTicks: 0,
                eventsPushed: 10, eventsDropped: 0, onDeadlineMiss: "continue", warnings: [], halt: halt),
            latency: LatencyDocument(samples: 0, p50Microseconds: nil, p99Microseconds: nil, p999Microseconds: nil, maxMicroseconds: nil),
            rings: RingsDocument(events: ring, commands: ring, latency: ring),
            store: StoreDocument(directory: "d", bytes: 0, segments: 1, firstSequence: 1, lastSequence: 10, recovery: nil, writeFailure: writeFailure),
            run: nil)
    }

    @Test("a halted loop and a log that cannot be written each get a line that says what it means and what to do")
    func faults() {
        let normal = StatusText.lines(status())
        #expect(!normal.contains { $0.hasPrefix("HALTED") || $0.hasPrefix("LOG FULL") })
        #expect(normal[1].hasPrefix("loop     idle, 1000 ticks of 50 µs"))
        let halted = StatusText.lines(status(halt: "io-failure: No such device (errno 19)"))
        #expect(halted.contains("HALTED   io-failure: No such device (errno 19): runs are refused until somad is restarted; the log can still be pulled"))
        #expect(halted[1].hasPrefix("loop     halted"))
        let full = StatusText.lines(status(writeFailure: "write on d/events/x failed: No space left on device (errno 28)"))
        #expect(full.contains { $0.hasPrefix("LOG FULL write on d/events/x failed: No space left on device (errno 28): the run was ended") })
    }
}
