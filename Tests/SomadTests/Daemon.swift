import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SomaProtocol
import Testing

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let singleNeuronProfile = repository.appendingPathComponent("Board/profiles/gpio-sim-single-neuron.toml").path

func scratchDirectory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("somad-test-\(UUID().uuidString)").path
}

struct DaemonError: Error, CustomStringConvertible {
    var description: String
}

/// The real `somad` (built next to this test bundle) as a child process, and an HTTP client for
/// it over loopback. Everything it prints is kept for failure messages.
final class Daemon: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var printed = Data()
    private(set) var base: URL?
    var token: String?
    /// A data directory this daemon made for itself, removed when it is terminated.
    private var ownDirectory: String?

    /// `somad --sim` on the single-neuron profile, on a free loopback port, its data in a fresh
    /// directory removed again by `terminate()`; `extra` adds or overrides options.
    static func simulated(_ extra: [String] = []) throws -> Daemon {
        let directory = scratchDirectory()
        let daemon = try Daemon(["--profile", singleNeuronProfile, "--sim", "--priority", "0", "--listen", "127.0.0.1:0", "--data-dir", directory] + extra)
        daemon.ownDirectory = directory
        return daemon
    }

    var dataDirectory: String? { ownDirectory }

    /// Starts `somad ARGUMENTS`; with `waitForListening`, returns once it prints its URL.
    init(_ arguments: [String], waitForListening: Bool = true) throws {
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("somad")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let reader = pipe.fileHandleForReading
        reader.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            if data.isEmpty { handle.readabilityHandler = nil; return }
            self.lock.lock(); self.printed.append(data); self.lock.unlock()
        }
        try process.run()
        guard waitForListening else { return }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning || !output.isEmpty {
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix("listening on http://") }) {
                base = URL(string: String(line.dropFirst("listening on ".count)))
                return
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        throw DaemonError(description: "somad did not start listening:\n\(output)")
    }

    var output: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: printed, as: UTF8.self)
    }

    /// SIGTERM, then waits; the exit status.
    @discardableResult
    func terminate() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        usleep(50_000)  // the last output
        if let ownDirectory { try? FileManager.default.removeItem(atPath: ownDirectory) }
        return process.terminationStatus
    }

    /// Waits for it to exit by itself.
    func waitForExit() -> Int32 {
        process.waitUntilExit()
        usleep(50_000)
        return process.terminationStatus
    }

    func killNine() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// One HTTP request; the status and the body.
    func request(_ method: String, _ path: String, body: Data? = nil, token: String? = nil, headers: [String: String] = [:]) async throws -> (status: Int, body: Data) {
        guard let base else { throw DaemonError(description: "not listening") }
        var request = URLRequest(url: URL(string: base.absoluteString + path)!)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let token = token ?? self.token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, data)
    }

    /// GET (or another method) that must answer `expect`, decoded.
    func json<T: Decodable>(_ type: T.Type, _ method: String = "GET", _ path: String, body: (any Encodable)? = nil, expect: Int = 200) async throws -> T {
        let data = try body.map { try JSONEncoder().encode($0) }
        let answer = try await request(method, path, body: data)
        guard answer.status == expect else {
            throw DaemonError(description: "\(method) \(path): \(answer.status) \(String(decoding: answer.body, as: UTF8.self)), expected \(expect)")
        }
        return try JSONDecoder().decode(T.self, from: answer.body)
    }

    /// An error answer: its status and document.
    func failure(_ method: String, _ path: String, raw: Data?) async throws -> (status: Int, document: ErrorDocument) {
        let answer = try await request(method, path, body: raw)
        return (answer.status, try JSONDecoder().decode(ErrorDocument.self, from: answer.body))
    }

    /// Pulls events after `after` in pages of `pageSize`, until a page comes back empty or the
    /// last pulled reaches `through`.
    func pullAll(after: UInt64 = 0, through: UInt64 = .max, pageSize: Int = 500) async throws -> [EventDocument] {
        var pulled: [EventDocument] = []
        var cursor = after
        while cursor < through {
            let page = try await json(EventsPage.self, "GET", "/v1/events?after=\(cursor)&limit=\(pageSize)")
            if page.events.isEmpty { break }
            pulled += page.events
            cursor = page.next
        }
        return pulled
    }

    /// Waits until `condition` holds (polling the status), or fails after `seconds`.
    func waitForStatus(_ seconds: Double = 30, _ what: String, _ condition: (StatusDocument) -> Bool) async throws -> StatusDocument {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let status = try await json(StatusDocument.self, "GET", "/v1/status")
            if condition(status) { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DaemonError(description: "timed out waiting for \(what)")
    }
}

/// The paper's-style two-pattern set for the single-neuron profile (2 inputs).
let twoPatterns = PatternSetDocument(name: "pair", patterns: [
    PatternDocument(label: "left", pixels: "10"), PatternDocument(label: "both", pixels: "11"),
])

extension Daemon {
    /// POSTs a run spec that must be refused: 400, naming `field`, the error containing `words`.
    func expectRunRefused(_ body: String, field: String, saying words: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let answer = try await failure("POST", "/v1/runs", raw: Data(body.utf8))
        #expect(answer.status == 400, "\(body) → \(answer)", sourceLocation: sourceLocation)
        #expect(answer.document.field == field, "\(body) → \(answer.document)", sourceLocation: sourceLocation)
        #expect(answer.document.error.contains(words), "\(body) → \(answer.document.error)", sourceLocation: sourceLocation)
    }
}
