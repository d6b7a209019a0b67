import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SomaBoardProfile
import SomaCore
import SomaLinux
import SomaProtocol
import SomaRuntime
import SomaSim
import SomaStore
import Synchronization

/// Set by SIGTERM/SIGINT; the main thread polls it and stops the loop.
let stopRequested = Atomic<Bool>(false)

/// The board daemon: `somad [serve] --profile FILE` runs the board, `somad doctor` checks that a
/// board and this machine can run it.
@main
struct Somad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "somad",
        abstract: "The board daemon: the neuron loop on a board (or the simulated breadboard), its durable event log and its HTTP API.",
        discussion: "With no subcommand, somad serves: `somad --profile FILE` is `somad serve --profile FILE`.",
        subcommands: [Serve.self, Doctor.self],
        defaultSubcommand: Serve.self
    )
}

/// The neuron loop on a real-time thread, the durable event log, the HTTP API.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the board (the default): the neuron loop, its durable event log and its HTTP API.",
        discussion: """
            Loads and checks a board profile (problems are printed as FILE:LINE:COL and the exit \
            status is 65), takes every line the profile names, runs the neuron core once per tick on \
            a real-time thread, appends every event to the log in --data-dir, and answers the HTTP \
            API under /v1 (see README.md and docs/openapi.json). Once it accepts connections it \
            prints `listening on http://HOST:PORT`.

            It listens on 127.0.0.1 only unless told otherwise; any other address needs \
            --token-file, and with a token file every request must carry \
            `Authorization: Bearer <token>`.

            SIGTERM or SIGINT: a run in progress ends (recorded as `shutdown`), every output is \
            driven to the profile's safe state, the log is flushed and synced, exit 0. A crash or \
            SIGKILL leaves a log whose torn tail the next start cuts and reports; every record \
            synced before it is kept (the loss window is --sync-ms).
            """
    )

    enum Speed: String, ExpressibleByArgument, CaseIterable {
        case realtime, max
    }

    @Option(help: "The board profile (TOML), see Board/README.md.")
    var profile: String

    @Flag(help: "Run against the simulated breadboard instead of the GPIO and I2C lines.")
    var sim = false

    @Option(help: "realtime: one tick per tick of wall time. max (--sim only): while a run is going, virtual time as fast as the machine allows; idle, real time.")
    var speed: Speed = .realtime

    @Option(help: "Where the API listens, HOST[:PORT]; port 0 picks a free port. Anything but loopback needs --token-file.")
    var listen = ListenAddress(argument: "127.0.0.1:\(API.defaultPort)")!

    @Option(help: "A file whose first line is the bearer token every request must carry.")
    var tokenFile: String?

    @Option(help: "Where the event log, pattern sets and run records live (created if missing).")
    var dataDir = "somad-data"

    @Option(help: "Present this input pattern from the start, one 0/1 per input row (bring-up; runs replace it).")
    var pattern: String?

    @Option(help: "Run the clock this many times slower than the profile says (bring-up, breadboard-in-the-loop tests).")
    var clockSlowdown: Double = 1

    @Option(help: "Stop by itself after this many seconds.")
    var seconds: Double?

    @Option(help: "Sync the log at least this often, in milliseconds: the most a power cut can lose.")
    var syncMs: Int = 100

    @Option(help: "Start a new log segment at this size, KiB.")
    var segmentKib: Int = 65_536

    @Option(help: "Start a new log segment once the current one is this many minutes old (0: by size only).")
    var segmentMinutes: Int = 0

    @Option(help: "Log segments kept besides the current one; older ones are deleted.")
    var retainSegments: Int = 64

    @Option(help: "What a missed deadline does to a run: continue (log it) or stop-run. A run spec can override it.")
    var onDeadlineMiss: String = DeadlineMissPolicy.logAndContinue.rawValue

    @Option(help: "End a run once the fire sense cannot be trusted (a stale ADC sample: I2C transfers failing) for longer than this many milliseconds in a row.")
    var untrustedSenseLimitMs: Double = 10

    @Option(help: "Keep the lines in the safe state this long after stopping before releasing them.")
    var holdAfterStopMs: Int = 0

    @Option(help: "SCHED_FIFO priority of the loop (1…99), or 0 for the normal scheduler.")
    var priority: Int32 = 80

    @Option(help: "Pin the loop to this CPU (e.g. one kept free with isolcpus); default: the kernel chooses.")
    var cpu: Int32?

    /// Patterns one set may hold: reserved in the core at start.
    static let patternCapacity = 256

    func validate() throws {
        guard clockSlowdown >= 1 else { throw ValidationError("--clock-slowdown must be 1 or more") }
        guard syncMs >= 1 else { throw ValidationError("--sync-ms must be at least 1") }
        guard segmentKib >= 1, segmentMinutes >= 0, retainSegments >= 1 else {
            throw ValidationError("--segment-kib and --retain-segments must be at least 1, --segment-minutes at least 0")
        }
        guard untrustedSenseLimitMs.isFinite, untrustedSenseLimitMs >= 0 else { throw ValidationError("--untrusted-sense-limit-ms must be 0 or more") }
        guard (0...99).contains(priority) else { throw ValidationError("--priority must be 0…99") }
        if let cpu, cpu < 0 { throw ValidationError("--cpu must be a CPU number, 0 or more") }
        guard DeadlineMissPolicy(rawValue: onDeadlineMiss) != nil else { throw ValidationError("--on-deadline-miss is continue or stop-run") }
        guard sim || speed == .realtime else { throw ValidationError("--speed max needs --sim: a real board runs in real time") }
        if let pattern, pattern.contains(where: { $0 != "0" && $0 != "1" }) {
            throw ValidationError("--pattern takes 0s and 1s, one per input row")
        }
    }

    func run() throws {
        let profile: BoardProfile
        do {
            profile = try BoardProfile.load(path: self.profile)
        } catch {
            complain(error.description)
            throw ExitCode(65)
        }
        if profile.isSimulatedOnly && !sim {
            complain("somad: \(self.profile) describes a simulated breadboard only ([simulation] and no [lines]); run it with --sim")
            throw ExitCode(64)
        }
        var token: [UInt8]?
        if let tokenFile {
            do { token = try TokenFile.read(tokenFile) } catch {
                complain("somad: \(error)")
                throw ExitCode(64)
            }
        }
        guard listen.isLoopback || token != nil else {
            complain("somad: refusing to listen on \(listen) without --token-file: anyone who can reach that address could drive the board")
            throw ExitCode(64)
        }
        installStopSignals()

        let network = profile.network
        var bank: PatternBank?
        if let pattern {
            guard pattern.count == network.inputs else {
                throw ValidationError("--pattern has \(pattern.count) pixels; the profile's network has \(network.inputs) inputs")
            }
            bank = try PatternBank([Pattern(pixels: pattern.map { $0 == "1" })], inputCount: network.inputs)
        }
        var core = try NeuronCore(configuration: network, patterns: bank, patternCapacity: Self.patternCapacity)
        core.enforce(profile.outputLimits)
        if bank != nil { _ = core.present(pattern: 0) }

        do { try DurableFile.makeDirectory(dataDir) } catch {
            complain("somad: cannot create the data directory \(dataDir): \(error.localizedDescription)")
            throw ExitCode(73)
        }
        var logSettings = EventLogSettings(directory: dataDir + "/events")
        logSettings.maxSegmentBytes = segmentKib << 10
        logSettings.maxSegmentAgeSeconds = segmentMinutes > 0 ? segmentMinutes * 60 : nil
        logSettings.retainedSegments = retainSegments
        let log = try EventLog(settings: logSettings)
        if let recovery = log.recovery { say("log: \(recovery)") }
        let tick = Int64(Double(network.clock.tickNanoseconds) * clockSlowdown)
        let faultPolicy = FaultPolicy(untrustedSenseLimitTicks: UInt64(untrustedSenseLimitMs * 1e6 / Double(tick)))
        let control = LoopControl(
            inputCount: network.inputs, patternCapacity: Self.patternCapacity, maxAmplitudeVolts: profile.limits.maxAmplitudeVolts,
            maxPulsesPerPresentation: profile.limits.maxPulsesPerPresentation, faultPolicy: faultPolicy)
        let writer = EventLogWriter(ring: control.events, log: log, syncIntervalMilliseconds: syncMs)
        try writer.start()

        let missPolicy = DeadlineMissPolicy(rawValue: onDeadlineMiss)!
        let patterns = try PatternStore(directory: dataDir + "/patterns", inputs: network.inputs, capacity: Self.patternCapacity)
        let runs = try RunManager(
            control: control, patterns: patterns, directory: dataDir + "/runs", layerSizes: network.layers.map(\.neurons),
            maxAmplitudeVolts: profile.limits.maxAmplitudeVolts, outputLimits: profile.outputLimits,
            tickNanoseconds: network.clock.tickNanoseconds, amplitudeIsAdjustable: sim, defaultMissPolicy: missPolicy)
        let state = DaemonState(
            profile: profile, profilePath: self.profile, profileText: (try? String(contentsOfFile: self.profile, encoding: .utf8)) ?? "",
            backend: sim ? "simulated-breadboard" : "linux", speed: speed.rawValue,
            tickMicroseconds: Double(tick) / 1_000, control: control, log: log, writer: writer,
            dataDirectory: dataDir, runs: runs, patterns: patterns, defaultMissPolicy: missPolicy)

        var settings = RealTimeSettings()
        settings.fifoPriority = priority == 0 ? nil : priority
        settings.cpu = cpu
        let pacing: TickLoop.Pacing = speed == .max ? .asFastAsPossible : .realTime
        let maxTicks = seconds.map { UInt64($0 * 1e9 / Double(tick)) } ?? .max
        let loop: LoopThread
        var linuxBoard: LinuxBoard?
        if sim {
            let simulated: BreadboardSettings
            do { simulated = try BreadboardSettings(profile: profile) } catch {
                complain("somad: \(self.profile): \(error)")
                throw ExitCode(65)
            }
            loop = try LoopThread(core: core, board: try Breadboard(settings: simulated), control: control, tick: tick, pacing: pacing, maxTicks: maxTicks, settings: settings)
        } else {
            let board = try LinuxBoard(profile: profile)
            linuxBoard = board
            say("somad: \(profile.name): \(profile.lines.count) lines held as \(profile.consumer), logging to \(dataDir)")
            loop = try LoopThread(core: core, board: board, control: control, tick: tick, pacing: pacing, maxTicks: maxTicks, settings: settings)
        }
        for warning in loop.warnings { say("somad: warning: \(warning)") }
        state.warnings.withLock { $0 = loop.warnings }
        say("running")

        let server = HTTPServer(state: state, listen: listen, token: token)
        let serverFailure = server.start()
        if let serverFailure { complain("somad: cannot listen on \(listen): \(serverFailure)") }

        // Wait for a stop signal, or --seconds: the loop ending by itself. A loop halted by a board
        // fault leaves the daemon up, in the safe state, so that the log can still be pulled.
        var haltReported = false
        var logFailureReported = false
        while serverFailure == nil, !stopRequested.load(ordering: .relaxed) {
            if loop.finished {
                guard let fault = control.haltingFault else { break }
                if !haltReported {
                    haltReported = true
                    loop.join()
                    let safe = linuxBoard.map { $0.driveSafeState().map { "driving the safe state failed on a line: errno \($0)" } ?? "safe state driven" } ?? "safe state"
                    complain("somad: the loop halted after a board fault: \(LinuxBoardFault.describe(fault)); \(safe); runs are refused until somad is restarted; the log stays readable")
                }
            }
            let logFailure = writer.failure?.description
            if (logFailure != nil) != logFailureReported {
                logFailureReported = logFailure != nil
                complain(logFailure.map { "somad: the event log cannot be written: \($0); the run is ended and runs are refused; events wait in memory until there is room" } ?? "somad: the event log is being written again")
            }
            state.latency.drain(control.wakeLatencies)
            Self.blocking {
                await runs.noteLogFailure(logFailure)
                await runs.refresh()
            }
            usleep(20_000)
        }
        control.requestStop()
        loop.join()
        if let linuxBoard {
            if let failure = linuxBoard.driveSafeState() { say("somad: driving the safe state failed on a line: errno \(failure)") }
            say("safe state driven")
            usleep(UInt32(max(0, holdAfterStopMs)) * 1_000)
        }
        writer.stop()
        Self.blocking { await runs.finishAll() }
        server.stop()
        say("stopped: \(writer.eventsWritten) events logged (sequence \(log.firstSequence)…\(log.durableSequence)), \(control.eventsDropped) dropped, \(control.overruns) overruns")
        if let failure = writer.failure {
            complain("somad: \(log.unsyncedRecords + UInt64(control.events.count)) events could not be written to the log: \(failure)")
            throw ExitCode(74)
        }
        if serverFailure != nil { throw ExitCode(69) }
    }

    /// Runs async work from the main thread and waits for it.
    static func blocking(_ work: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await work()
            done.signal()
        }
        done.wait()
    }

    func installStopSignals() {
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
        // A parent may start us with them blocked (the mask is inherited): unblock, before any
        // thread is created, so every thread inherits the unblocked mask.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
    }
}

func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
func complain(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
