import SomaCore
import SomaStore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension NeuronEvent {
    /// The 16-byte record payload: tick u64, payload u32, neuron u16, layer u8, kind u8 (little-endian).
    public var logPayload: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for index in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: tick >> (8 * index))) }
        for index in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: payload >> (8 * index))) }
        for index in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: neuron >> (8 * index))) }
        bytes.append(layer)
        bytes.append(kind.rawValue)
        return bytes
    }

    /// The same 16 bytes, on the stack, for the writer's hot path.
    @inlinable
    public func withLogPayload<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var bytes: (UInt64, UInt32, UInt16, UInt8, UInt8) = (tick.littleEndian, payload.littleEndian, neuron.littleEndian, layer, kind.rawValue)
        return try withUnsafeBytes(of: &bytes) { (raw) throws(E) -> R in try body(raw) }
    }

    /// Decodes a log payload; nil when it is not 16 bytes or names no known event kind.
    public init?(logPayload bytes: [UInt8]) {
        guard bytes.count == 16, let kind = EventKind(rawValue: bytes[15]) else { return nil }
        func value<T: FixedWidthInteger>(_ at: Int, _ count: Int) -> T {
            (0..<count).reduce(T(0)) { $0 | T(bytes[at + $1]) << (8 * $1) }
        }
        self.init(tick: value(0, 8), kind: kind, layer: bytes[14], neuron: value(12, 2), payload: value(8, 4))
    }
}

/// The writer thread of the service side: drains the loop's event ring into the event log and
/// syncs every `syncIntervalMilliseconds`, so at most that much is lost on a power cut. Stopping
/// drains what is left and syncs.
///
/// When the log cannot be written (a full disk), nothing is thrown away: the event that failed
/// is held, the ring fills behind it, `failure` says why, and the writer tries again every
/// `retryIntervalMilliseconds`; once there is room every held event is written, in order. The
/// daemon ends the running run meanwhile, so that the ring does not overflow.
public final class EventLogWriter: @unchecked Sendable {
    public let ring: SPSCRing<NeuronEvent>
    public let log: EventLog
    public let syncIntervalMilliseconds: Int
    public let retryIntervalMilliseconds: Int
    private let worker = WorkerThread()
    private let written = Atomic<UInt64>(0)
    private let failures = Atomic<UInt64>(0)
    private let currentFailure = Mutex<EventLogError?>(nil)

    public init(ring: SPSCRing<NeuronEvent>, log: EventLog, syncIntervalMilliseconds: Int = 100, retryIntervalMilliseconds: Int = 500) {
        self.ring = ring
        self.log = log
        self.syncIntervalMilliseconds = max(1, syncIntervalMilliseconds)
        self.retryIntervalMilliseconds = max(1, retryIntervalMilliseconds)
    }

    /// Events appended to the log so far.
    public var eventsWritten: UInt64 { written.load(ordering: .relaxed) }
    /// Why the log cannot be written right now (nil: it can).
    public var failure: EventLogError? { currentFailure.withLock { $0 } }
    /// Write or sync attempts that failed so far.
    public var failedAttempts: UInt64 { failures.load(ordering: .relaxed) }

    public func start() throws(EventLogError) {
        do {
            try worker.start { self.drain() }
        } catch {
            throw .io(call: "pthread_create", path: log.settings.directory, errno: error.errno)
        }
    }

    /// Stops after draining the ring and syncing (one last try if the log is failing).
    public func stop() { worker.stop() }

    private func failed(_ error: EventLogError) {
        failures.add(1, ordering: .relaxed)
        currentFailure.withLock { $0 = error }
    }

    private func drain() {
        var lastSync = monotonicMilliseconds()
        var lastFailure: Int64 = 0
        var dirty = false
        /// Popped from the ring but not yet in the log (its append failed).
        var held: NeuronEvent?
        while true {
            let stopping = !worker.isRunning
            if currentFailure.withLock({ $0 != nil }) {
                // Failing: wait for the next try, then first write what is buffered.
                if !stopping && monotonicMilliseconds() - lastFailure < Int64(retryIntervalMilliseconds) {
                    usleep(1_000)
                    continue
                }
                if dirty {
                    do {
                        try log.sync()
                        dirty = false
                        lastSync = monotonicMilliseconds()
                    } catch {
                        failed(error)
                        lastFailure = monotonicMilliseconds()
                        if stopping { break }
                        continue
                    }
                }
            }
            var moved = 0
            var appendFailed = false
            while let event = held ?? ring.pop() {
                do {
                    try event.withLogPayload { (bytes) throws(EventLogError) in _ = try log.append(bytes: bytes) }
                    held = nil
                    written.add(1, ordering: .relaxed)
                    dirty = true
                } catch {
                    held = event
                    failed(error)
                    lastFailure = monotonicMilliseconds()
                    appendFailed = true
                    break
                }
                moved += 1
                if moved >= 4096 { break }
            }
            let now = monotonicMilliseconds()
            if !appendFailed && dirty && (stopping || now - lastSync >= Int64(syncIntervalMilliseconds)) {
                do {
                    try log.sync()
                    dirty = false
                } catch {
                    failed(error)
                    lastFailure = now
                }
                lastSync = now
            }
            if !appendFailed && !dirty { currentFailure.withLock { $0 = nil } }
            // Stopping: done once everything is in, or after one more failed try.
            if stopping && (ring.count == 0 && held == nil || currentFailure.withLock({ $0 != nil })) { break }
            if moved == 0 { usleep(1_000) }
        }
    }

    private func monotonicMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
    }
}
