import ArgumentParser
import Foundation
import SomaBoardProfile
import SomaCore
import SomaLinux
import SomaRuntime
import SomaSim
import SomaStore
import Synchronization

/// Set by SIGTERM/SIGINT; read by the loop every tick.
let stopRequested = Atomic<Bool>(false)

/// The board daemon. This first version runs the loop and the durable event log; the HTTP API
/// (issue 5) comes next.
@main
struct Somad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "somad",
        abstract: "The board daemon: the neuron loop on a board (or the simulated breadboard) and its durable event log.",
        discussion: """
            Loads and checks a board profile (problems are printed as FILE:LINE:COL and the exit \
            status is 65), takes every line the profile names, runs the neuron core once per tick on \
            a real-time thread, and appends every event to the log in --data-dir. SIGTERM or SIGINT: \
            the loop stops, every output is driven to the profile's safe state, the log is flushed \
            and synced, exit 0. A crash or SIGKILL leaves a log whose torn tail the next start cuts \
            and reports; every record synced before it is kept.
            """
    )

    @Option(help: "The board profile (TOML), see Board/README.md.")
    var profile: String

    @Flag(help: "Run against the simulated breadboard instead of the GPIO and I2C lines.")
    var sim = false

    @Option(help: "Where the event log lives (created if missing).")
    var dataDir = "somad-data"

    @Option(help: "Present this input pattern from the start, one 0/1 per input row (e.g. 10).")
    var pattern: String?

    @Option(help: "Run the clock this many times slower than the profile says (bring-up, breadboard-in-the-loop tests).")
    var clockSlowdown: Double = 1

    @Option(help: "Stop by itself after this many seconds.")
    var seconds: Double?

    @Option(help: "Sync the log at least this often, in milliseconds: the most a power cut can lose.")
    var syncMs: Int = 100

    @Option(help: "Keep the lines in the safe state this long after stopping before releasing them.")
    var holdAfterStopMs: Int = 0

    @Option(help: "SCHED_FIFO priority of the loop (1…99), or 0 for the normal scheduler.")
    var priority: Int32 = 80

    func validate() throws {
        guard clockSlowdown >= 1 else { throw ValidationError("--clock-slowdown must be 1 or more") }
        guard syncMs >= 1 else { throw ValidationError("--sync-ms must be at least 1") }
        guard (0...99).contains(priority) else { throw ValidationError("--priority must be 0…99") }
        if let pattern, pattern.contains(where: { $0 != "0" && $0 != "1" }) {
            throw ValidationError("--pattern takes 0s and 1s, one per input row")
        }
    }

    func run() throws {
        let profile: BoardProfile
        do {
            profile = try BoardProfile.load(path: self.profile)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(65)
        }
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
        // A parent may start us with them blocked (the mask is inherited): unblock, before any
        // thread is created, so every thread inherits the unblocked mask.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)

        let network = profile.network
        var bank: PatternBank?
        if let pattern {
            guard pattern.count == network.inputs else {
                throw ValidationError("--pattern has \(pattern.count) pixels; the profile's network has \(network.inputs) inputs")
            }
            bank = try PatternBank([Pattern(pixels: pattern.map { $0 == "1" })], inputCount: network.inputs)
        }
        var core = try NeuronCore(configuration: network, patterns: bank)
        if bank != nil { _ = core.present(pattern: 0) }

        let log = try EventLog(settings: EventLogSettings(directory: dataDir))
        if let recovery = log.recovery { say("log: \(recovery)") }
        let ring = SPSCRing<NeuronEvent>(capacity: 1 << 16)
        let writer = EventLogWriter(ring: ring, log: log, syncIntervalMilliseconds: syncMs)
        try writer.start()


        let tick = Int64(Double(network.clock.tickNanoseconds) * clockSlowdown)
        let maxTicks = seconds.map { UInt64($0 * 1e9 / Double(tick)) } ?? .max
        var settings = RealTimeSettings()
        settings.fifoPriority = priority == 0 ? nil : priority
        let outcome = LoopOutcome()

        if sim {
            var settingsForSim = BreadboardSettings(network: network)
            settingsForSim.inputAmplitudeVolts = profile.pulseAmplitudeVolts
            let board = try Breadboard(settings: settingsForSim)
            try runLoop(core, board, ring: ring, tick: tick, maxTicks: maxTicks, settings: settings, outcome: outcome)
        } else {
            let board = try LinuxBoard(profile: profile)
            say("somad: \(profile.name): \(profile.lines.count) lines held as \(profile.consumer), logging to \(dataDir)")
            try runLoop(core, board, ring: ring, tick: tick, maxTicks: maxTicks, settings: settings, outcome: outcome)
            if let failure = board.driveSafeState() { say("somad: driving the safe state failed on a line: errno \(failure)") }
            say("safe state driven")
            usleep(UInt32(max(0, holdAfterStopMs)) * 1_000)
        }
        writer.stop()
        say("stopped: \(writer.eventsWritten) events logged (sequence \(log.firstSequence)…\(log.nextSequence - 1)), \(outcome.dropped) dropped, \(outcome.overruns) overruns")
        if let failure = writer.failure { say("somad: log write failed: \(failure)"); throw ExitCode(74) }
    }

    func runLoop<B: Board>(
        _ core: consuming NeuronCore, _ board: B, ring: SPSCRing<NeuronEvent>, tick: Int64, maxTicks: UInt64,
        settings: RealTimeSettings, outcome: LoopOutcome
    ) throws {
        // The loop owns core and board on its thread; they come back when it ends.
        let box = LoopBox(core: core, board: board)
        let thread = RealTimeThread(settings: settings) {
            var loop = TickLoop(tickNanoseconds: tick)
            var dropped: UInt64 = 0
            box.run { core, board in
                loop.run(core: &core, board: &board, maxTicks: maxTicks, shouldStop: { stopRequested.load(ordering: .relaxed) }) { core in
                    for event in core.events where !ring.push(event) { dropped &+= 1 }
                }
            }
            outcome.dropped = dropped
            outcome.overruns = loop.overrunEvents
        }
        try thread.start()
        for warning in thread.warnings { say("somad: warning: \(warning)") }
        say("running")
        thread.join()
    }
}

func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

final class LoopOutcome: @unchecked Sendable {
    var dropped: UInt64 = 0
    var overruns: UInt64 = 0
}

/// Carries the non-copyable core and the board to the loop thread and back.
final class LoopBox<B: Board>: @unchecked Sendable {
    var core: NeuronCore?
    var board: B
    init(core: consuming NeuronCore, board: B) {
        self.core = .some(core)
        self.board = board
    }
    func run(_ body: (inout NeuronCore, inout B) -> Void) {
        var core = self.core.take()!
        body(&core, &board)
        self.core = .some(core)
    }
}
