import Foundation
import SomaBoardProfile
import SomaCore
import SomaLinux
import SomaProtocol
import SomaRuntime
import SomaStore
import Testing

/// Failures the test VM's i2c-stub (built by vm.sh with a fault switch) produces on demand,
/// through `/sys/module/i2c_stub_soma/parameters/`: the kernel's i2c-dev path returns them to the
/// code under test exactly as a failing bus would.
struct I2CFaults {
    let directory = "/sys/module/i2c_stub_soma/parameters"

    private func write(_ name: String, _ value: Int) throws {
        try String(value).write(toFile: "\(directory)/\(name)", atomically: false, encoding: .utf8)
    }

    /// Fails transfers to `address` with `errno` (`count` of them, -1: all), each after `delayMilliseconds`.
    func inject(errno: Int32, address: UInt8, count: Int = -1, delayMilliseconds: Int = 0) throws {
        try write("fault_seen", 0)
        try write("fault_addr", Int(address))
        try write("fault_count", count)
        try write("fault_delay_ms", delayMilliseconds)
        try write("fault_errno", Int(errno))
    }

    func clear() throws { try write("fault_errno", 0) }

    /// Transfers failed since the last `inject`.
    var seen: Int {
        (try? String(contentsOfFile: "\(directory)/fault_seen", encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? -1
    }
}

/// A gpio-sim device of its own (one chip, found by `label`), made for one test and taken away
/// by it: a board whose chip disappears, without touching the chips other tests use.
final class VanishingChip {
    let device: String
    let label: String
    let sysfs: String

    init(label: String, lines: Int = 16) throws {
        guard let configfs = ProcessInfo.processInfo.environment["SOMA_HIL_GPIO_CONFIGFS"] else {
            throw HILError("not inside the test VM: SOMA_HIL_GPIO_CONFIGFS is unset")
        }
        device = URL(fileURLWithPath: configfs).deletingLastPathComponent().appendingPathComponent(label).path
        self.label = label
        try FileManager.default.createDirectory(atPath: device + "/bank0", withIntermediateDirectories: true)
        try String(lines).write(toFile: device + "/bank0/num_lines", atomically: false, encoding: .utf8)
        try label.write(toFile: device + "/bank0/label", atomically: false, encoding: .utf8)
        try "1".write(toFile: device + "/live", atomically: false, encoding: .utf8)
        let platform = try String(contentsOfFile: device + "/dev_name", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let chip = try String(contentsOfFile: device + "/bank0/chip_name", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        sysfs = "/sys/devices/platform/\(platform)/\(chip)"
    }

    /// Unplugs the chip: its lines vanish under whoever holds them.
    func remove() throws {
        try "0".write(toFile: device + "/live", atomically: false, encoding: .utf8)
    }

    func level(_ line: UInt32) throws -> Bool {
        try String(contentsOfFile: "\(sysfs)/sim_gpio\(line)/value", encoding: .utf8).hasPrefix("1")
    }

    func pull(_ line: UInt32, up: Bool) throws {
        try (up ? "pull-up" : "pull-down").write(toFile: "\(sysfs)/sim_gpio\(line)/pull", atomically: false, encoding: .utf8)
    }

    deinit {
        try? "0".write(toFile: device + "/live", atomically: false, encoding: .utf8)
        rmdir(device + "/bank0")
        rmdir(device)
    }
}

/// Waits up to `seconds` for `condition`, polling every 5 ms.
func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(5_000)
    }
    return try condition()
}

@Suite("Faults injected through the real kernel drivers", .serialized, .enabled(if: GPIOSimulator.isAvailable, "runs inside the test VM: make test-hil"))
struct FaultInjectionTests {
    let faults = I2CFaults()
    let stub: I2CStub
    init() throws { stub = try I2CStub() }

    /// The single neuron with its fire sense through an ADS1015 at 0x49 (3300 samples/s), on a
    /// chip of its own so no other test's lines are touched.
    func adcProfile(chip: String, maxAgeMicroseconds: Int) throws -> BoardProfile {
        try shippedProfile("gpio-sim-single-neuron.toml") {
            withADCFireSense($0.replacingOccurrences(of: "main = \"gpiochip0\"", with: "main = \"label:\(chip)\""), bus: stub.bus, maxAgeMicroseconds: maxAgeMicroseconds)
        }
    }

    /// The loop as the daemon runs it (1 ms ticks, real time, normal scheduler) on a Linux board.
    struct RunningLoop {
        let control: LoopControl
        let thread: LoopThread
        var events: [NeuronEvent] = []

        init(board: LinuxBoard, untrustedLimitTicks: UInt64) throws {
            let network = board.profile.network
            control = LoopControl(inputCount: network.inputs, patternCapacity: 4, maxAmplitudeVolts: 2, faultPolicy: FaultPolicy(untrustedSenseLimitTicks: untrustedLimitTicks))
            control.staging[0] = true
            control.staging[1] = true
            let core = try NeuronCore(configuration: network, patternCapacity: 4)
            thread = try LoopThread(core: core, board: board, control: control, tick: 1_000_000, pacing: .realTime, maxTicks: .max, settings: .none)
        }

        mutating func start(run: UInt32) {
            _ = control.send(.startRun(run: run, patternCount: 1, plan: .present(PresentationPlan(periodsPerPattern: 1_000_000)), inputAmplitudeVolts: nil, missPolicy: .logAndContinue))
        }

        mutating func drain() -> [NeuronEvent] {
            while let event = control.events.pop() { events.append(event) }
            return events
        }

        mutating func stop() -> [NeuronEvent] {
            control.requestStop()
            thread.join()
            return drain()
        }
    }

    @Test("the ADC stops answering (ENXIO) or times out (ETIMEDOUT) mid-run: the sampler retries, the sense is untrusted, the run ends as board-fault, the loop keeps its ticks, and the next run goes once the ADC is back", arguments: [(ENXIO, 0), (ETIMEDOUT, 40)])
    func adcGoesQuiet(errno failure: Int32, delayMilliseconds: Int) throws {
        let chip = try VanishingChip(label: "soma-adc-\(failure)")
        let adc = try stub.chip(0x49)
        try adc.writeBigEndianWord(register: 0x00, UInt16(600 << 4))  // 0.6 V: above the 0.5 V threshold
        defer { try? faults.clear() }
        let board = try LinuxBoard(profile: adcProfile(chip: chip.label, maxAgeMicroseconds: 20_000))
        let sampler = try #require(board.adcSampler)
        var loop = try RunningLoop(board: board, untrustedLimitTicks: 100)
        loop.start(run: 1)
        #expect(eventually(3) { loop.drain().contains { $0.kind == .fire } }, "fires are sensed through the ADC")
        let failuresBefore = sampler.slot.failureCount

        try faults.inject(errno: failure, address: 0x49, delayMilliseconds: delayMilliseconds)
        let ticksAtFault = loop.control.ticks
        #expect(eventually(5) { loop.control.lastEnding?.ending == .boardFault }, "the run ends once the sense has been untrusted for 100 ticks")
        #expect(loop.control.haltingFault == nil, "an untrusted sense does not halt the loop")
        // The rows (lines 1 and 2) stay grounded after the fault-policy stop, from the next tick on.
        usleep(5_000)
        var rowLevels: [Bool] = []
        for _ in 0..<30 {
            rowLevels += [try chip.level(1), try chip.level(2)]
            usleep(10_000)
        }
        #expect(!rowLevels.contains(true), "no pulse on a row after the run ended")
        usleep(300_000)
        #expect(loop.control.ticks - ticksAtFault >= 150, "the loop ticks on while the sampler waits on the bus")
        #expect(sampler.slot.failureCount > failuresBefore && sampler.slot.lastFailureErrno == failure)
        #expect(faults.seen > 1, "the sampler retried")
        let faulted = loop.drain()
        let fault = try #require(faulted.first { $0.kind == .boardFault })
        #expect(fault.payload == LinuxBoardFault.staleSample && fault.layer == BoardFault.Kind.untrustedSense.rawValue)
        #expect(!faulted.contains { $0.kind == .fire && $0.tick > fault.tick }, "no fire is invented from a stale sample")
        #expect(faulted.filter { $0.kind == .boardFault }.count == 1, "one event for the whole streak")

        try faults.clear()
        #expect(eventually(3) { loop.drain().contains { $0.kind == .faultCleared } }, "fresh samples clear the fault")
        loop.start(run: 2)
        #expect(eventually(3) { loop.control.currentRun == 2 && loop.control.runIsActive })
        usleep(200_000)
        #expect(loop.control.runIsActive, "run 2 goes on: the sense is trusted again")
        let events = loop.stop()
        let endings = events.filter { $0.kind == .runEnded }.map { "run \($0.payload) \(RunEnding(rawValue: $0.neuron)?.description ?? "?") at \($0.tick)" }
        let faultLog = events.filter { $0.kind == .boardFault || $0.kind == .faultCleared || $0.kind == .runStarted }.map(\.description)
        #expect(endings == ["run 1 board-fault at \(fault.tick + 101)", "run 2 shutdown at \(loop.control.ticks)"], "\(endings) \(faultLog) refused \(loop.control.lastRefusedRun)")
    }

    @Test("a short burst of bus errors (3 × EIO) is absorbed by the sampler's retries: no fault reaches the loop, the run goes on")
    func busErrorBurst() throws {
        let chip = try VanishingChip(label: "soma-adc-burst")
        let adc = try stub.chip(0x49)
        try adc.writeBigEndianWord(register: 0x00, UInt16(600 << 4))
        defer { try? faults.clear() }
        let board = try LinuxBoard(profile: adcProfile(chip: chip.label, maxAgeMicroseconds: 100_000))
        let sampler = try #require(board.adcSampler)
        var loop = try RunningLoop(board: board, untrustedLimitTicks: 100)
        loop.start(run: 1)
        #expect(eventually(3) { loop.drain().contains { $0.kind == .fire } })
        let failuresBefore = sampler.slot.failureCount
        try faults.inject(errno: EIO, address: 0x49, count: 3)
        #expect(eventually(3) { faults.seen == 3 })
        usleep(200_000)
        let events = loop.stop()
        #expect(sampler.slot.failureCount - failuresBefore == 3 && sampler.slot.lastFailureErrno == EIO)
        #expect(!events.contains { $0.kind == .boardFault || $0.kind == .runEnded && $0.neuron != RunEnding.shutdown.rawValue })
    }

    @Test("the DAC fails as the board starts (EIO): the board does not start, the error names the chip and errno, every line is released at its safe level")
    func dacFailsAtStart() throws {
        let chip = try VanishingChip(label: "soma-dac")
        for line: UInt32 in 0..<10 { try chip.pull(line, up: false) }
        defer { try? faults.clear() }
        try faults.inject(errno: EIO, address: 0x60)
        let profile = try shippedProfile("gpio-sim-single-neuron.toml") {
            $0.replacingOccurrences(of: "main = \"gpiochip0\"", with: "main = \"label:\(chip.label)\"")
                .replacingOccurrences(of: "[lines]", with: """
                    [i2c]
                    bus = \(stub.bus)

                    [i2c.dac]
                    model = "mcp4728"
                    address = 0x60
                    reference = "internal-x2"
                    input_pulse_channel = "a"

                    [lines]
                    """)
        }
        do {
            _ = try LinuxBoard(profile: profile)
            Issue.record("the board started with a failing DAC")
        } catch {
            #expect(error.description.contains("0x60") && error.description.contains("errno 5"), "\(error)")
        }
        #expect(faults.seen >= 1)
        let gpio = try GPIOChip("label:\(chip.label)")
        for line: UInt32 in 0..<10 {
            #expect(try gpio.consumer(ofLine: line) == nil, "line \(line) released")
            #expect(try chip.level(line) == false)
        }
    }
}

@Suite("Faults in the running daemon", .serialized, .enabled(if: GPIOSimulator.isAvailable, "runs inside the test VM: make test-hil"))
struct DaemonFaultTests {
    func dataDirectory() -> String {
        (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/somad-\(UUID().uuidString)"
    }

    func startSomad(_ arguments: [String]) throws -> (ToolProcess, Int) {
        let somad = try ToolProcess("somad", arguments + ["--listen", "127.0.0.1:0"])
        let listening = try #require(somad.waitForLine(startingWith: "listening on http://127.0.0.1:"))
        return (somad, try #require(Int(listening.split(separator: ":").last ?? "")))
    }

    func status(_ port: Int) throws -> StatusDocument {
        try JSONDecoder().decode(StatusDocument.self, from: Data(try httpRequest(port: port, "GET", "/v1/status").body.utf8))
    }

    func startRun(_ port: Int) throws -> (status: Int, body: String) {
        try httpRequest(port: port, "POST", "/v1/runs", body: #"{"protocol": "present", "patternSet": "pair", "parameters": {"periodsPerPattern": 1000000}}"#)
    }

    @Test("a GPIO chip disappears under a running somad: the run ends as board-fault, the loop halts, the lines still there are driven to the safe state, runs are refused, the log stays readable")
    func chipDisappears() throws {
        let kept = try VanishingChip(label: "soma-kept")
        let vanishing = try VanishingChip(label: "soma-vanishing")
        // Clock and rows on the chip that goes; the neuron's gates stay. Pulled up, a gate reads
        // 0 only while somad drives it low.
        let gates: [UInt32] = [4, 5, 6, 7, 8, 9]
        for line in gates { try kept.pull(line, up: true) }
        try kept.pull(3, up: false)
        let text = try String(contentsOfFile: repositoryRoot.appendingPathComponent("Board/profiles/gpio-sim-single-neuron.toml").path, encoding: .utf8)
            .replacingOccurrences(of: "main = \"gpiochip0\"", with: "main = \"label:soma-kept\"\ngone = \"label:soma-vanishing\"")
            .replacingOccurrences(of: "clk = \"main:0\"", with: "clk = \"gone:0\"")
            .replacingOccurrences(of: "\"L0.row0\" = \"main:1\"", with: "\"L0.row0\" = \"gone:1\"")
            .replacingOccurrences(of: "\"L0.row1\" = \"main:2\"", with: "\"L0.row1\" = \"gone:2\"")
        let directory = dataDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let profile = directory + "/two-chips.toml"
        try text.write(toFile: profile, atomically: true, encoding: .utf8)

        let (somad, port) = try startSomad(["--profile", profile, "--clock-slowdown", "20", "--priority", "0", "--data-dir", directory + "/data"])
        #expect(try httpRequest(port: port, "POST", "/v1/pattern-sets", body: #"{"name": "pair", "patterns": [{"pixels": "11"}]}"#).status == 201)
        #expect(try startRun(port).status == 201)
        #expect(try eventually(3) { try status(port).loop.state == "running" })
        usleep(200_000)
        try vanishing.remove()

        #expect(try eventually(5) { try status(port).loop.state == "halted" })
        let halted = try status(port)
        #expect(halted.loop.halt?.contains("errno 19") == true, "\(halted.loop.halt ?? "no halt")")
        #expect(halted.run?.state == "board-fault")
        #expect(try gates.allSatisfy { try !kept.level($0) }, "the lines left are held in the safe state")
        let refused = try startRun(port)
        #expect(refused.status == 503 && refused.body.contains("halted after a board fault"), "\(refused)")
        let page = try JSONDecoder().decode(EventsPage.self, from: Data(try httpRequest(port: port, "GET", "/v1/events?after=0&limit=10000").body.utf8))
        let kinds = page.events.map(\.kind)
        #expect(kinds.suffix(2) == ["board-fault", "run-ended"], "\(kinds.suffix(5))")
        #expect(page.events.last(where: { $0.kind == "board-fault" })?.payload == 19)
        #expect(page.events.map(\.sequence) == Array(1...UInt64(page.events.count)), "every event once, in order")

        kill(somad.processIdentifier, SIGTERM)
        let result = somad.finish()
        #expect(result.status == 0, "\(result.output)")
        let stored = try EventLog(settings: EventLogSettings(directory: directory + "/data/events")).read(after: 0, limit: 100_000)
        #expect(stored.count == page.events.count, "nothing logged after the halt but what the pull saw")
    }

    @Test("the disk fills up under somad: the run ends as log-unwritable, runs are refused, nothing is lost, and writing resumes once there is room")
    func diskFills() throws {
        let mountPoint = dataDirectory()
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=4m") == 0 else { throw HILError("mount tmpfs: errno \(errno)") }
        defer { umount2(mountPoint, Int32(MNT_DETACH)) }
        let profile = repositoryRoot.appendingPathComponent("Board/profiles/gpio-sim-single-neuron.toml").path
        let (somad, port) = try startSomad(["--profile", profile, "--sim", "--priority", "0", "--sync-ms", "20", "--data-dir", mountPoint + "/data"])
        #expect(try httpRequest(port: port, "POST", "/v1/pattern-sets", body: #"{"name": "pair", "patterns": [{"pixels": "11"}]}"#).status == 201)
        let started = try startRun(port)
        #expect(started.status == 201, "\(started)")
        // Fill the disk but for 64 KiB: a couple of thousand events.
        var space = statvfs()
        statvfs(mountPoint, &space)
        let filler = mountPoint + "/filler"
        let filled = FileManager.default.createFile(atPath: filler, contents: Data(count: max(0, Int(space.f_bavail) * Int(space.f_bsize) - 64 * 1024)))
        #expect(filled, "the filler file was written")

        #expect(try eventually(20) { try status(port).store.writeFailure != nil })
        let full = try status(port)
        #expect(full.store.writeFailure?.contains("No space left on device") == true, "\(full.store.writeFailure ?? "none")")
        #expect(try eventually(3) { try status(port).run?.state == "log-unwritable" })
        let refused = try startRun(port)
        #expect(refused.status == 503 && refused.body.contains("cannot be written"), "\(refused)")

        try FileManager.default.removeItem(atPath: filler)
        #expect(try eventually(5) { try status(port).store.writeFailure == nil }, "writing resumes once there is room")
        kill(somad.processIdentifier, SIGTERM)
        let result = somad.finish()
        #expect(result.status == 0, "\(result.output)")
        let stopped = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("stopped: ") })
        let numbers = stopped.split(whereSeparator: { !$0.isNumber }).compactMap { UInt64($0) }

        let log = try EventLog(settings: EventLogSettings(directory: mountPoint + "/data/events"))
        #expect(log.recovery == nil, "no torn record was left in the log: \(log.recovery?.description ?? "")")
        let stored = try log.read(after: 0, limit: 1_000_000)
        #expect(stored.map(\.sequence) == Array(1...UInt64(stored.count)))
        let events = stored.compactMap { NeuronEvent(logPayload: $0.payload) }
        // "stopped: N events logged (sequence 1…N), D dropped, O overruns"
        #expect(numbers.first == UInt64(events.count) && numbers.count >= 4 && numbers[3] == 0, "every event the loop pushed is in the log, none dropped: \(stopped)")
        #expect(events.contains { $0.kind == .runEnded && $0.neuron == RunEnding.logUnwritable.rawValue })
    }

    @Test("somad cannot listen after the board started (the port is taken): it stops with the outputs in the safe state, exit 69")
    func listenFailureExit() throws {
        let sim = try GPIOSimulator()
        let outputs: [UInt32] = [0, 1, 2, 4, 5, 6, 7, 8, 9]
        for line in outputs { try sim.pull(sim.primary, line, up: true) }
        let taken = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(taken) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(taken, $0, length) } }
        listen(taken, 1)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(taken, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let profile = repositoryRoot.appendingPathComponent("Board/profiles/gpio-sim-single-neuron.toml").path
        let somad = try ToolProcess("somad", ["--profile", profile, "--clock-slowdown", "100", "--priority", "0", "--hold-after-stop-ms", "3000", "--data-dir", dataDirectory(), "--listen", "127.0.0.1:\(port)"])
        #expect(somad.waitFor("safe state driven"))
        #expect(try sim.levels(sim.primary, outputs).allSatisfy { !$0 }, "driven to the safe state, still held")
        #expect(somad.finish().status == 69)
    }
}
