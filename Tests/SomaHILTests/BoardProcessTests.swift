import Foundation
import SomaCore
import SomaLinux
import SomaRuntime
import SomaStore
import Testing

/// A process built next to this test bundle (somad, soma-hil-tool), its stdout read line by line.
/// Started with posix_spawn: Foundation's Process needs a CFSocket wakeup pair, which the minimal
/// guest cannot create.
final class ToolProcess {
    let processIdentifier: pid_t
    private let readEnd: Int32
    private var text = ""

    init(_ program: String, _ arguments: [String]) throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(program).path
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw HILError("pipe failed: errno \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_addclose(&actions, ends[0])
        let argv: [UnsafeMutablePointer<CChar>?] = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // The child starts with no signal blocked, whatever the test thread blocks.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid = pid_t()
        let status = posix_spawn(&pid, binary, &actions, &attributes, argv, environ)
        close(ends[1])
        guard status == 0 else { close(ends[0]); throw HILError("posix_spawn \(binary) failed: errno \(status)") }
        processIdentifier = pid
        readEnd = ends[0]
    }

    deinit { close(readEnd) }

    private func readMore() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(readEnd, &buffer, buffer.count)
        guard count > 0 else { return false }
        text += String(decoding: buffer.prefix(count), as: UTF8.self)
        return true
    }

    /// Reads the process's output until `line` appears or the output ends.
    func waitFor(_ line: String) -> Bool {
        while !text.split(separator: "\n").contains(where: { $0 == line }) {
            if !readMore() { return false }
        }
        return true
    }

    /// Reads until a line starting with `prefix` appears; that line, or nil if the output ends.
    func waitForLine(startingWith prefix: String) -> String? {
        while true {
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) { return String(line) }
            if !readMore() { return nil }
        }
    }

    func finish() -> (status: Int32, output: String) {
        while readMore() {}
        var status: Int32 = 0
        waitpid(processIdentifier, &status, 0)
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), text)
    }
}

@Suite("Board loop processes", .serialized, .enabled(if: GPIOSimulator.isAvailable, "runs inside the test VM: make test-hil"))
struct BoardProcessTests {
    let sim: GPIOSimulator
    init() throws { sim = try GPIOSimulator() }
    let profile = repositoryRoot.appendingPathComponent("Board/profiles/gpio-sim-single-neuron.toml").path
    let outputs: [UInt32] = [0, 1, 2, 4, 5, 6, 7, 8, 9]

    /// Pull every output up: a released line then reads 1, so only a driven safe state reads 0.
    func pullOutputsUp() throws { for line in outputs { try sim.pull(sim.primary, line, up: true) } }

    func dataDirectory() -> String {
        (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/somad-\(UUID().uuidString)"
    }

    @Test("somad on SIGTERM: the loop stops, every output is driven to the safe state, the log is flushed, exit 0")
    func sigterm() throws {
        try pullOutputsUp()
        let somad = try ToolProcess("somad", ["--profile", profile, "--clock-slowdown", "100", "--hold-after-stop-ms", "3000", "--data-dir", dataDirectory(), "--listen", "127.0.0.1:0"])
        #expect(somad.waitFor("running"))
        // The API answers on the Linux backend too.
        let listening = try #require(somad.waitForLine(startingWith: "listening on http://127.0.0.1:"))
        let port = try #require(Int(listening.split(separator: ":").last ?? ""))
        let status = try httpGet(port: port, path: "/v1/status")
        #expect(status.hasPrefix("HTTP/1.1 200"), "\(status)")
        #expect(status.contains(#""backend":"linux""#) && status.contains(#""state":"idle""#), "\(status)")
        // The clock line toggles while the loop runs.
        var clockLevels = Set<Bool>()
        for _ in 0..<40 where clockLevels.count < 2 {
            clockLevels.insert(try sim.level(sim.primary, 0))
            usleep(5_000)
        }
        #expect(clockLevels == [true, false])
        kill(somad.processIdentifier, SIGTERM)
        #expect(somad.waitFor("safe state driven"))
        #expect(try sim.levels(sim.primary, outputs).allSatisfy { !$0 }, "driven to the safe state, still held")
        let result = somad.finish()
        #expect(result.status == 0)
        #expect(result.output.contains("stopped: "))
        #expect(try sim.levels(sim.primary, outputs).allSatisfy { $0 }, "released after exit: back to the pulls")
    }

    /// With the process killed nothing drives the safe state: the kernel releases every line. The
    /// enable line falls back to its pull-up (on a board, the 10 k on /OE): the front-end's
    /// outputs go high-impedance and every switch control to its pull-down, which
    /// `make check-hardware` shows in SPICE ("software gone": rows grounded, T1/T3 open, gate lines
    /// at 0 V).
    @Test("SIGKILL: nothing runs the safe state, and the kernel releases the enable line to its pull-up (outputs off)")
    func sigkillReleasesTheEnableLine() throws {
        let enable: UInt32 = 10
        try sim.pull(sim.primary, enable, up: true)
        let somad = try ToolProcess("somad", ["--profile", profile, "--pattern", "10", "--clock-slowdown", "100", "--data-dir", dataDirectory(), "--listen", "127.0.0.1:0"])
        #expect(somad.waitFor("running"))
        var heldOn = false
        for _ in 0..<100 where !heldOn {
            heldOn = try !sim.level(sim.primary, enable)
            usleep(5_000)
        }
        #expect(heldOn, "somad holds the enable line on (low) while it drives")
        kill(somad.processIdentifier, SIGKILL)
        let result = somad.finish()
        #expect(result.status == 128 + SIGKILL)
        #expect(!result.output.contains("safe state driven"), "a killed process drives nothing")
        #expect(try sim.level(sim.primary, enable), "released: back to its pull-up, outputs off")
        #expect(try GPIOChip(sim.primary).consumer(ofLine: enable) != "somad", "no longer requested")
    }

    @Test("a run that reaches its end stops in the safe state too")
    func normalStop() throws {
        try pullOutputsUp()
        let somad = try ToolProcess("somad", ["--profile", profile, "--clock-slowdown", "100", "--seconds", "1", "--hold-after-stop-ms", "3000", "--data-dir", dataDirectory(), "--listen", "127.0.0.1:0"])
        #expect(somad.waitFor("safe state driven"))
        #expect(try sim.levels(sim.primary, outputs).allSatisfy { !$0 })
        #expect(somad.finish().status == 0)
    }

    @Test("breadboard in the loop: somad on the Linux backend, the simulator's neuron played through gpio-sim fires, and the log records it")
    func breadboardInTheLoop() throws {
        try sim.pull(sim.primary, 3, up: false)
        let directory = dataDirectory()
        let player = try ToolProcess("soma-hil-tool", ["play-breadboard", profile, "--slowdown", "200", "--seconds", "8"])
        let somad = try ToolProcess("somad", ["--profile", profile, "--pattern", "11", "--clock-slowdown", "200", "--seconds", "8", "--data-dir", directory, "--listen", "127.0.0.1:0"])
        let result = somad.finish()
        let played = player.finish()
        #expect(result.status == 0)
        #expect(played.status == 0)
        let records = try EventLog(settings: EventLogSettings(directory: directory + "/events")).read(after: 0, limit: 100_000)
        let events = records.compactMap { NeuronEvent(logPayload: $0.payload) }
        #expect(events.count == records.count)
        let fires = events.filter { $0.kind == .fire && $0.layer == 0 && $0.neuron == 0 }
        #expect(fires.count >= 3, "\(result.output)\n\(played.output)")
        #expect(result.output.contains("stopped: \(records.count) events logged"))
        #expect(played.output.contains("the device fired"))
    }
}

/// GET over a plain socket (Foundation's URLSession needs more than the test VM has): the whole
/// answer, head and body.
func httpGet(port: Int, path: String) throws -> String {
    try httpExchange(port: port, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
}

/// A request over a plain socket: the answer's status code and body.
func httpRequest(port: Int, _ method: String, _ path: String, body: String = "") throws -> (status: Int, body: String) {
    let answer = try httpExchange(
        port: port,
        "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
    let status = answer.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
    let text = answer.range(of: "\r\n\r\n").map { String(answer[$0.upperBound...]) } ?? ""
    return (status, text)
}

private func httpExchange(port: Int, _ request: String) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw HILError("connect to port \(port): errno \(errno)") }
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var answer: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = recv(fd, &buffer, buffer.count, 0)
        if count <= 0 { break }
        answer += buffer.prefix(count)
    }
    return String(decoding: answer, as: UTF8.self)
}
