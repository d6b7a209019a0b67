import Foundation
import SomaProtocol
import Testing

/// Auth, bad input and the edges of the API, against the real `somad --sim` over loopback.
@Suite("somad HTTP API: auth and bad input", .serialized)
struct SomadAPITests {
    @Test("off loopback without a token file: refuses to start, naming why")
    func offLoopbackNeedsAToken() throws {
        let somad = try Daemon(["--profile", singleNeuronProfile, "--sim", "--listen", "0.0.0.0:0", "--data-dir", scratchDirectory()], waitForListening: false)
        #expect(somad.waitForExit() == 64)
        #expect(somad.output.contains("refusing to listen on 0.0.0.0:0 without --token-file"), "\(somad.output)")
        let short = scratchDirectory() + ".token"
        try "abc\n".write(toFile: short, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: short) }
        let weak = try Daemon(["--profile", singleNeuronProfile, "--sim", "--listen", "0.0.0.0:0", "--token-file", short], waitForListening: false)
        #expect(weak.waitForExit() == 64)
        #expect(weak.output.contains("shorter than 16 characters"), "\(weak.output)")
    }

    @Test("a port already taken: exit 69 naming the address, after stopping the loop and closing the log")
    func portTaken() throws {
        let first = try Daemon.simulated()
        defer { first.terminate() }
        let taken = try #require(first.base?.port)
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let second = try Daemon(["--profile", singleNeuronProfile, "--sim", "--priority", "0", "--listen", "127.0.0.1:\(taken)", "--data-dir", directory], waitForListening: false)
        #expect(second.waitForExit() == 69)
        #expect(second.output.contains("cannot listen on 127.0.0.1:\(taken)"), "\(second.output)")
        #expect(second.output.contains("stopped: "), "the loop was stopped and the log closed")
    }

    @Test("with a token file every request needs the token, on loopback too: none or a wrong one gets 401")
    func tokenRequired() async throws {
        let tokenFile = scratchDirectory() + ".token"
        try "s3cret-token-for-the-bench\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let somad = try Daemon.simulated(["--token-file", tokenFile])
        defer { somad.terminate() }
        for path in ["/v1/status", "/metrics", "/v1/events?after=0", "/v1/nothing-here"] {
            #expect(try await somad.request("GET", path).status == 401, "\(path) without a token")
            #expect(try await somad.request("GET", path, token: "s3cret-token-for-the-bench-not").status == 401, "\(path) with a wrong token")
        }
        let refused = try await somad.request("POST", "/v1/pattern-sets", body: try JSONEncoder().encode(twoPatterns))
        #expect(refused.status == 401)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("Authorization: Bearer"))
        somad.token = "s3cret-token-for-the-bench"
        #expect(try await somad.request("GET", "/v1/status").status == 200)
        #expect(try await somad.json(PatternSetList.self, "GET", "/v1/pattern-sets").patternSets.isEmpty, "the refused upload stored nothing")
    }

    @Test("malformed JSON, unknown fields, a limit exceeded, a wrong-sized set: 400 naming the field; nothing started, nothing stored")
    func badInput() async throws {
        let somad = try Daemon.simulated()
        defer { somad.terminate() }
        func expectFailure(_ method: String, _ path: String, _ body: String, status: Int = 400, field: String?, saying words: String) async throws {
            let answer = try await somad.failure(method, path, raw: Data(body.utf8))
            #expect(answer.status == status, "\(body) → \(answer)")
            #expect(answer.document.field == field, "\(body) → \(answer.document)")
            #expect(answer.document.error.contains(words), "\(body) → \(answer.document.error)")
        }
        try await expectFailure("POST", "/v1/pattern-sets", "{\"name\": \"x\", \"patterns\": [", field: nil, saying: "not valid JSON")
        try await expectFailure("POST", "/v1/pattern-sets", "", field: nil, saying: "no body")
        try await expectFailure("POST", "/v1/pattern-sets", #"{"name": "x", "patterns": [{"pixels": "101"}]}"#, field: "patterns[0].pixels", saying: "has 3 pixels; this board's network has 2 inputs")
        try await expectFailure("POST", "/v1/pattern-sets", #"{"name": "x", "patterns": [{"pixels": "1x"}]}"#, field: "patterns[0].pixels", saying: "'x' at position 1")
        try await expectFailure("POST", "/v1/pattern-sets", #"{"name": "../etc", "patterns": [{"pixels": "10"}]}"#, field: "name", saying: "letters, digits")
        try await expectFailure("POST", "/v1/pattern-sets", #"{"name": "x", "patterns": []}"#, field: "patterns", saying: "at least one pattern")
        #expect(try await somad.json(PatternSetList.self, "GET", "/v1/pattern-sets").patternSets.isEmpty)

        _ = try await somad.json(PatternSetSummary.self, "POST", "/v1/pattern-sets", body: twoPatterns, expect: 201)
        try await expectFailure("POST", "/v1/pattern-sets", try String(decoding: JSONEncoder().encode(twoPatterns), as: UTF8.self), status: 409, field: "name", saying: "exists")
        try await expectFailure("POST", "/v1/runs", #"{"protocol": "present", "patternSet": "pair", "parameters": {"periodsPerPattern": 5, "repeets": 2}}"#, field: "parameters.repeets", saying: "unknown field")
        try await expectFailure("POST", "/v1/runs", #"{"protocol": "present", "patternSet": "pair", "parameters": {"periodsPerPattern": 5}, "extra": 1}"#, field: "extra", saying: "unknown field")
        try await expectFailure("POST", "/v1/runs", #"{"protocol": "present", "patternSet": "pair", "parameters": {"periodsPerPattern": 5, "pulseAmplitudeVolts": 2.5}}"#, field: "parameters.pulseAmplitudeVolts", saying: "beyond this board's limits.max_amplitude_volts of 2.0 V")
        try await expectFailure("POST", "/v1/runs", #"{"protocol": "present", "patternSet": "pair", "parameters": {"periodsPerPattern": "five"}}"#, field: "parameters.periodsPerPattern", saying: "must be a whole number")
        try await expectFailure("POST", "/v1/runs", #"{"protocol": "present", "patternSet": "pair", "parameters": {}}"#, field: "parameters.periodsPerPattern", saying: "is required")
        try await expectFailure("POST", "/v1/runs", #"{"protocol": "present", "patternSet": "pair", "parameters": {"periodsPerPattern": 0}}"#, field: "parameters.periodsPerPattern", saying: "allowed: 1…")
        try await expectFailure("POST", "/v1/runs", #"{"protocol": "hebbian", "patternSet": "pair", "parameters": {"periodsPerPattern": 5}}"#, field: "protocol", saying: "known: present")
        try await expectFailure("POST", "/v1/runs", #"{"protocol": "present", "patternSet": "none", "parameters": {"periodsPerPattern": 5}}"#, status: 404, field: "patternSet", saying: "no pattern set named none")
        // A set stored for another board (written straight into the store): refused at run time.
        try #"{"name":"wide","patterns":[{"pixels":"101"}]}"#.write(toFile: somad.dataDirectory! + "/patterns/wide.json", atomically: true, encoding: .utf8)
        try await expectFailure("POST", "/v1/runs", #"{"protocol": "present", "patternSet": "wide", "parameters": {"periodsPerPattern": 5}}"#, field: "patternSet", saying: "does not fit this board")
        try await expectFailure("GET", "/v1/events?after=minus-one", "", field: "after", saying: "whole number")
        try await expectFailure("GET", "/v1/events?limit=0", "", field: "limit", saying: "limit must be")
        try await expectFailure("GET", "/v1/runs/seven", "", field: "id", saying: "not a number")
        try await expectFailure("GET", "/v1/runs/7", "", status: 404, field: nil, saying: "no run 7")

        let huge = Data(count: 2 << 20)
        let tooLarge = try await somad.request("POST", "/v1/pattern-sets", body: huge)
        #expect(tooLarge.status == 413)
        #expect(try await somad.json(RunList.self, "GET", "/v1/runs").runs.isEmpty, "nothing started")
        let status = try await somad.json(StatusDocument.self, "GET", "/v1/status")
        #expect(status.loop.state == "idle")
        let logged = try await somad.pullAll(through: status.store.lastSequence)
        #expect(!logged.contains { $0.kind == "run-started" || $0.kind == "presentation" }, "no run reached the loop")
    }

    @Test("a run beyond its end is refused while another runs (409); stop ends it; a second run gets the next number")
    func runLifecycle() async throws {
        let somad = try Daemon.simulated()
        defer { somad.terminate() }
        _ = try await somad.json(PatternSetSummary.self, "POST", "/v1/pattern-sets", body: twoPatterns, expect: 201)
        let long = RunSpec(protocol: "present", patternSet: "pair", parameters: RunParameters(periodsPerPattern: 1_000, repeats: 100))
        let first = try await somad.json(RunDocument.self, "POST", "/v1/runs", body: long, expect: 201)
        let busy = try await somad.failure("POST", "/v1/runs", raw: try JSONEncoder().encode(long))
        #expect(busy.status == 409)
        #expect(busy.document.error.contains("run \(first.id) is running"))
        #expect(try await somad.json(RunDocument.self, "POST", "/v1/runs/\(first.id)/stop").state == "stopped")
        let short = RunSpec(protocol: "present", patternSet: "pair", parameters: RunParameters(periodsPerPattern: 2, restPeriods: 1, repeats: 3, shuffleSeed: 7, pulseAmplitudeVolts: 1.8))
        let second = try await somad.json(RunDocument.self, "POST", "/v1/runs", body: short, expect: 201)
        #expect(second.id == first.id + 1)
        #expect(second.presentationsPlanned == 6)
        let done = try await somad.waitForStatus(10, "the short run to complete") { $0.run?.state == "completed" }
        #expect(done.run?.presentationsBegun == 6)
        #expect(try await somad.json(RunList.self, "GET", "/v1/runs").runs.map(\.state) == ["stopped", "completed"])
        // Deleting a set: gone from the list, 404 after.
        #expect(try await somad.request("DELETE", "/v1/pattern-sets/pair").status == 204)
        #expect(try await somad.request("GET", "/v1/pattern-sets/pair").status == 404)
    }

    @Test("events that were rotated away: 410 saying which sequence range is still there")
    func rotatedAway() async throws {
        let somad = try Daemon.simulated(["--speed", "max", "--segment-kib", "4", "--retain-segments", "2"])
        defer { somad.terminate() }
        _ = try await somad.json(PatternSetSummary.self, "POST", "/v1/pattern-sets", body: twoPatterns, expect: 201)
        let run = try await somad.json(RunDocument.self, "POST", "/v1/runs", body: SomadProcessTests.present, expect: 201)
        _ = try await somad.waitForStatus(30, "the oldest segments to rotate away") { $0.store.firstSequence > 1 }
        _ = try await somad.json(RunDocument.self, "POST", "/v1/runs/\(run.id)/stop")
        let status = try await somad.waitForStatus(10, "the log to settle") { $0.store.lastSequence == $0.loop.eventsPushed }
        let gone = try await somad.failure("GET", "/v1/events?after=0", raw: nil)
        #expect(gone.status == 410)
        let available = try #require(gone.document.available)
        #expect(available.first >= status.store.firstSequence)
        #expect(gone.document.error.contains("are available"))
        let page = try await somad.json(EventsPage.self, "GET", "/v1/events?after=\(available.first - 1)&limit=10")
        #expect(page.events.first?.sequence == available.first)
    }

    @Test("the live stream sends every event once, in order, as it is synced")
    func liveStream() async throws {
        let somad = try Daemon.simulated(["--speed", "max"])
        defer { somad.terminate() }
        _ = try await somad.json(PatternSetSummary.self, "POST", "/v1/pattern-sets", body: twoPatterns, expect: 201)
        let port = try #require(somad.base?.port)
        // Subscribe before the run starts, from sequence 0.
        let stream = try StreamReader(port: port, path: "/v1/events/stream?after=0")
        _ = try await somad.json(RunDocument.self, "POST", "/v1/runs", body: SomadProcessTests.present, expect: 201)
        let lines = try stream.readLines(2_000, timeoutSeconds: 30)
        let events = try lines.map { try JSONDecoder().decode(EventDocument.self, from: Data($0.utf8)) }
        #expect(events.map(\.sequence) == Array(1...2_000))
        #expect(events.first?.kind == "run-started")
        let pulled = try await somad.json(EventsPage.self, "GET", "/v1/events?after=0&limit=2000").events
        #expect(pulled == events, "the stream and the pages agree")
    }
}

/// A TCP connection to 127.0.0.1:`port`; the socket, which the caller closes.
func connectToLoopback(port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        close(fd)
        throw DaemonError(description: "connect to 127.0.0.1:\(port): errno \(errno)")
    }
    return fd
}

/// A plain HTTP/1.1 client on a socket for the streamed answer: reads the chunked body line by line.
final class StreamReader {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, path: String) throws {
        fd = try connectToLoopback(port: port)
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
    }

    deinit { close(fd) }

    /// The first `count` lines of the body (chunk framing removed).
    func readLines(_ count: Int, timeoutSeconds: Double) throws -> [String] {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while Date() < deadline {
            let body = Self.dechunk(buffer)
            // Whole lines only: the last piece may still be arriving.
            var lines = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            lines.removeLast()
            if lines.count >= count { return lines.prefix(count).map { String(decoding: $0, as: UTF8.self) } }
            let received = recv(fd, &chunk, chunk.count, 0)
            if received > 0 { buffer += chunk.prefix(received) }
            if received == 0 { break }
        }
        throw DaemonError(description: "the stream ended or stalled: \(String(decoding: buffer.prefix(500), as: UTF8.self))")
    }

    /// The body of a chunked HTTP/1.1 answer, as far as it has arrived.
    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        func find(_ pattern: [UInt8], from start: Int) -> Int? {
            guard bytes.count >= pattern.count else { return nil }
            var index = start
            while index + pattern.count <= bytes.count {
                if bytes[index..<(index + pattern.count)].elementsEqual(pattern) { return index }
                index += 1
            }
            return nil
        }
        guard let headerEnd = find([13, 10, 13, 10], from: 0) else { return [] }
        var position = headerEnd + 4
        var body: [UInt8] = []
        while let lineEnd = find([13, 10], from: position),
              let size = Int(String(decoding: bytes[position..<lineEnd], as: UTF8.self), radix: 16), size > 0 {
            let start = lineEnd + 2
            let arrived = min(size, bytes.count - start)
            body += bytes[start..<(start + arrived)]
            if arrived < size { break }
            position = start + size + 2
        }
        return body
    }
}
