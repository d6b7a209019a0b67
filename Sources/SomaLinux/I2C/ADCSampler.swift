import SomaRuntime
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One ADC result as the loop sees it: the code, when it was taken, and how old it is now.
public struct ADCSample: Sendable, Equatable {
    public var code: Int16
    /// CLOCK_MONOTONIC microseconds when the conversion finished (the ALERT/RDY edge's kernel
    /// timestamp when the pin is wired, else when the read completed).
    public var timestampMicroseconds: UInt64
    /// How many samples the sampler has published so far; 0 means none yet.
    public var sequence: UInt64

    public func ageMicroseconds(nowMicroseconds: UInt64) -> UInt64 {
        nowMicroseconds > timestampMicroseconds ? nowMicroseconds - timestampMicroseconds : 0
    }
}

/// The latest ADC sample, shared between the sampler thread (the only writer) and the loop (a
/// reader that never waits): code and timestamp are packed into one 64-bit atomic, so a read is
/// one load — no lock, no torn sample.
public final class ADCSampleSlot: Sendable {
    private let packed = Atomic<UInt64>(0)
    private let published = Atomic<UInt64>(0)
    private let failures = Atomic<UInt64>(0)
    private let lastErrno = Atomic<Int32>(0)

    public init() {}

    /// Publishes a sample (sampler thread only).
    public func publish(code: Int16, timestampMicroseconds: UInt64) {
        let word = (timestampMicroseconds & 0x0000_FFFF_FFFF_FFFF) << 16 | UInt64(UInt16(bitPattern: code))
        packed.store(word, ordering: .releasing)
        published.add(1, ordering: .releasing)
    }

    /// Records a failed transfer; the slot keeps its last good sample, which then ages.
    public func recordFailure(errno: Int32) {
        failures.add(1, ordering: .relaxed)
        lastErrno.store(errno, ordering: .relaxed)
    }

    /// The latest sample. Safe in tick: one atomic load each, no allocation.
    @inline(__always)
    public func latest() -> ADCSample {
        let sequence = published.load(ordering: .acquiring)
        let word = packed.load(ordering: .acquiring)
        return ADCSample(code: Int16(bitPattern: UInt16(truncatingIfNeeded: word)), timestampMicroseconds: word >> 16, sequence: sequence)
    }

    public var failureCount: UInt64 { failures.load(ordering: .relaxed) }
    public var lastFailureErrno: Int32 { lastErrno.load(ordering: .relaxed) }
}

/// CLOCK_MONOTONIC in microseconds (the clock of gpio edge timestamps and the loop's deadlines).
@inline(__always)
public func monotonicMicroseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
}

/// Reads an ADS1x15 in continuous mode on its own thread, so that a slow I2C transfer never stalls
/// a tick: the loop reads `slot.latest()`. With the ALERT/RDY pin wired to an edge-detecting GPIO
/// input, each read follows a conversion-ready edge (and takes its timestamp); otherwise the
/// sampler reads once per conversion period.
public final class ADCSampler: @unchecked Sendable {
    public let slot = ADCSampleSlot()
    private var adc: ADS1x15
    private let dataReady: GPIOLineRequest?
    private let worker = WorkerThread()

    /// Takes ownership of the ADC (which must be in continuous mode) and of the data-ready request.
    public init(adc: consuming ADS1x15, dataReady: GPIOLineRequest? = nil) {
        self.adc = adc
        self.dataReady = dataReady
    }

    deinit { stop() }

    /// Starts the sampler thread (a plain thread: it is not the real-time loop).
    public func start() throws(SystemCallError) {
        do {
            try worker.start { self.run() }
        } catch {
            throw SystemCallError(call: "pthread_create", subject: "ADC sampler", errno: error.errno)
        }
    }

    /// Stops the thread and waits for it.
    public func stop() { worker.stop() }

    private func run() {
        let periodNanoseconds = 1_000_000_000 / Int64(max(1, adc.configuration.samplesPerSecond))
        let edges = UnsafeMutableBufferPointer<GPIOEdge>.allocate(capacity: 16)
        defer { edges.deallocate() }
        while worker.isRunning {
            var timestamp = monotonicMicroseconds()
            if let request = dataReady {
                // ALERT/RDY is active low: a falling edge means a conversion is ready.
                guard (try? request.waitForEdges(timeoutNanoseconds: 4 * periodNanoseconds)) == true else {
                    continue
                }
                let count = request.readEdges(into: edges)
                guard count > 0, let falling = edges.prefix(count).last(where: { !$0.isRising }) else { continue }
                timestamp = falling.timestamp_ns / 1_000
            } else {
                var pause = timespec(tv_sec: 0, tv_nsec: Int(periodNanoseconds))
                nanosleep(&pause, nil)
                timestamp = monotonicMicroseconds()
            }
            do {
                let code = try adc.readCode()
                slot.publish(code: code, timestampMicroseconds: timestamp)
            } catch {
                if case .transfer(let failure) = error { slot.recordFailure(errno: failure.errno) }
            }
        }
    }
}
