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
public final class EventLogWriter: @unchecked Sendable {
    public let ring: SPSCRing<NeuronEvent>
    public let log: EventLog
    public let syncIntervalMilliseconds: Int
    private let worker = WorkerThread()
    private let written = Atomic<UInt64>(0)
    private let lastError = Mutex<EventLogError?>(nil)

    public init(ring: SPSCRing<NeuronEvent>, log: EventLog, syncIntervalMilliseconds: Int = 100) {
        self.ring = ring
        self.log = log
        self.syncIntervalMilliseconds = max(1, syncIntervalMilliseconds)
    }

    /// Events appended to the log so far.
    public var eventsWritten: UInt64 { written.load(ordering: .relaxed) }
    /// The first write or sync failure, if any (the writer stops appending after it).
    public var failure: EventLogError? { lastError.withLock { $0 } }

    public func start() throws(EventLogError) {
        do {
            try worker.start { self.drain() }
        } catch {
            throw .io(call: "pthread_create", path: log.settings.directory, errno: error.errno)
        }
    }

    /// Stops after draining the ring and syncing.
    public func stop() { worker.stop() }

    private func drain() {
        var lastSync = monotonicMilliseconds()
        var dirty = false
        while true {
            let stopping = !worker.isRunning
            var moved = 0
            while let event = ring.pop() {
                do {
                    try event.withLogPayload { (bytes) throws(EventLogError) in _ = try log.append(bytes: bytes) }
                    written.add(1, ordering: .relaxed)
                    dirty = true
                } catch {
                    lastError.withLock { if $0 == nil { $0 = error } }
                }
                moved += 1
                if moved >= 4096 { break }
            }
            let now = monotonicMilliseconds()
            if dirty && (stopping || now - lastSync >= Int64(syncIntervalMilliseconds)) {
                do { try log.sync() } catch { lastError.withLock { if $0 == nil { $0 = error } } }
                dirty = false
                lastSync = now
            }
            if stopping && ring.count == 0 { break }
            if moved == 0 { usleep(1_000) }
        }
    }

    private func monotonicMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
    }
}
