import CRealTime
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How the loop thread asks the kernel for real-time treatment. Every request that the process is
/// not allowed is reported as a warning with the errno and what to do, and the loop runs anyway
/// (the documented fallback); none is silently dropped.
public struct RealTimeSettings: Sendable, Equatable {
    /// SCHED_FIFO priority 1…99; nil keeps the normal scheduler.
    public var fifoPriority: Int32? = 80
    /// The CPU to pin the loop to; nil lets the kernel choose.
    public var cpu: Int32? = nil
    /// mlockall(MCL_CURRENT | MCL_FUTURE): no page faults from swapped-out memory. Process-wide.
    public var lockMemory = true
    /// Bytes of the loop thread's stack touched at start, so the first ticks do not page-fault.
    public var prefaultStackBytes = 256 << 10
    /// Hold /dev/cpu_dma_latency at 0 µs while running (keeps CPUs out of deep idle states).
    public var holdDMALatency = true
    /// How much later than asked the kernel may wake the thread (PR_SET_TIMERSLACK). A normal
    /// thread gets 50 µs, a whole tick at 2 kHz; SCHED_FIFO threads get none whatever this says.
    /// nil leaves the default.
    public var timerSlackNanoseconds: UInt? = 1

    public init() {}

    /// Nothing requested: a plain thread (tests, `--speed max` simulation).
    public static var none: RealTimeSettings {
        var settings = RealTimeSettings()
        settings.fifoPriority = nil
        settings.lockMemory = false
        settings.prefaultStackBytes = 0
        settings.holdDMALatency = false
        settings.timerSlackNanoseconds = nil
        return settings
    }
}

/// One refused real-time request: what, the errno, and the remedy.
public struct RealTimeWarning: Error, Sendable, Equatable, CustomStringConvertible {
    public var request: String
    public var errno: Int32
    public var remedy: String
    public var description: String {
        "\(request) refused: \(String(cString: strerror(errno))) (errno \(errno)); \(remedy)"
    }
}

/// The loop's own thread, set up as `RealTimeSettings` asks before `body` runs.
public final class RealTimeThread: @unchecked Sendable {
    public let settings: RealTimeSettings
    private let body: () -> Void
    private var thread: pthread_t?
    private var dmaLatency: Int32 = -1
    /// What the kernel refused, filled before `body` starts.
    public private(set) var warnings: [RealTimeWarning] = []
    private var started = pthread_mutex_t()
    private var ready = false
    private var readyCondition = pthread_cond_t()

    public init(settings: RealTimeSettings, body: @escaping () -> Void) {
        self.settings = settings
        self.body = body
        pthread_mutex_init(&started, nil)
        pthread_cond_init(&readyCondition, nil)
    }

    deinit {
        join()
        if dmaLatency >= 0 { close(dmaLatency) }
        pthread_mutex_destroy(&started)
        pthread_cond_destroy(&readyCondition)
    }

    /// Starts the thread; returns once its set-up is done and `warnings` is final.
    public func start() throws(RealTimeWarning) {
        if settings.lockMemory, mlockall(MCL_CURRENT | MCL_FUTURE) != 0 {
            warnings.append(RealTimeWarning(request: "mlockall", errno: errno, remedy: "raise LimitMEMLOCK (systemd) or run with CAP_IPC_LOCK; memory may page-fault"))
        }
        if settings.holdDMALatency {
            let fd = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC)
            var zero: Int32 = 0
            if fd < 0 || write(fd, &zero, 4) != 4 {
                warnings.append(RealTimeWarning(request: "/dev/cpu_dma_latency = 0", errno: errno, remedy: "run as root or grant write access; CPUs may enter deep idle states"))
                if fd >= 0 { close(fd) }
            } else {
                dmaLatency = fd  // held open while running: closing it releases the request
            }
        }
        let context = Unmanaged.passRetained(self).toOpaque()
        var handle = pthread_t()
        let status = pthread_create(&handle, nil, { context in
            let thread = Unmanaged<RealTimeThread>.fromOpaque(context!).takeRetainedValue()
            thread.setUp()
            thread.body()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<RealTimeThread>.fromOpaque(context).release()
            throw RealTimeWarning(request: "pthread_create", errno: status, remedy: "the loop cannot start")
        }
        thread = handle
        pthread_mutex_lock(&started)
        while !ready { pthread_cond_wait(&readyCondition, &started) }
        pthread_mutex_unlock(&started)
    }

    /// Waits for the thread to end.
    public func join() {
        guard let thread else { return }
        pthread_join(thread, nil)
        self.thread = nil
    }

    private func setUp() {
        var found: [RealTimeWarning] = []
        if let cpu = settings.cpu {
            let status = soma_pin_to_cpu(cpu)
            if status != 0 { found.append(RealTimeWarning(request: "pin to CPU \(cpu)", errno: status, remedy: "choose a CPU this process may use")) }
        }
        if let priority = settings.fifoPriority {
            var parameters = sched_param(sched_priority: priority)
            let status = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
            if status != 0 {
                found.append(RealTimeWarning(
                    request: "SCHED_FIFO priority \(priority)", errno: status,
                    remedy: "grant CAP_SYS_NICE or LimitRTPRIO (systemd); the loop runs under the normal scheduler and may miss deadlines"))
            }
        }
        if let slack = settings.timerSlackNanoseconds {
            let status = soma_set_timer_slack(slack)
            if status != 0 { found.append(RealTimeWarning(request: "timer slack \(slack) ns", errno: status, remedy: "the loop may wake up to 50 µs late")) }
        }
        if settings.prefaultStackBytes > 0 { Self.prefault(settings.prefaultStackBytes) }
        pthread_mutex_lock(&started)
        warnings += found
        ready = true
        pthread_cond_signal(&readyCondition)
        pthread_mutex_unlock(&started)
    }

    /// Touches `bytes` of stack so its pages are mapped (and locked) before the first tick.
    @inline(never)
    private static func prefault(_ bytes: Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes) { buffer in
            var index = 0
            while index < buffer.count {
                buffer[index] = 0
                index += 4096
            }
        }
    }

    /// The calling thread's scheduling policy (SCHED_FIFO, SCHED_OTHER) and CPU, for tests and status.
    public static func currentPolicy() -> (policy: Int32, priority: Int32, cpu: Int32) {
        var policy: Int32 = 0
        var parameters = sched_param()
        pthread_getschedparam(pthread_self(), &policy, &parameters)
        return (policy, parameters.sched_priority, soma_current_cpu())
    }
}

/// A plain service thread (ADC sampler, log writer) that runs its body until `stop()`: the body
/// loops while `isRunning`. `stop()` clears the flag and waits for the body to return.
public final class WorkerThread: @unchecked Sendable {
    private let running = Atomic<Bool>(false)
    private var thread: RealTimeThread?

    public init() {}

    /// True from `start` until `stop`; the body's loop condition.
    public var isRunning: Bool { running.load(ordering: .acquiring) }

    /// Starts `body` on a new thread; does nothing if already running.
    public func start(_ body: @escaping () -> Void) throws(RealTimeWarning) {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = RealTimeThread(settings: .none, body: body)
        do {
            try thread.start()
        } catch {
            running.store(false, ordering: .releasing)
            throw error
        }
        self.thread = thread
    }

    /// Asks the body to return and waits for it.
    public func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        thread?.join()
        thread = nil  // the body usually holds its owner; dropping the thread ends that cycle
    }
}
