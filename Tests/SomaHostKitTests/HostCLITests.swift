import Foundation
import SomaProtocol
import Testing

/// Runs `soma` with its board list in `configDirectory`.
private func soma(_ arguments: [String], config configDirectory: String) throws -> (status: Int32, stdout: String, stderr: String) {
    try runSoma(arguments, environment: ["SOMA_CONFIG_DIR": configDirectory])
}

/// The real `somad --sim` on a free loopback port, for the CLI to talk to.
private final class SimulatedBoard {
    let process = Process()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soma-cli-board-\(UUID().uuidString)").path
    private(set) var url = ""

    init(_ extra: [String] = []) throws {
        let profile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Board/profiles/gpio-sim-single-neuron.toml").path
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("somad")
        process.arguments = ["--profile", profile, "--sim", "--priority", "0", "--listen", "127.0.0.1:0", "--data-dir", directory] + extra
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        var seen = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            seen += String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
            if let line = seen.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                url = String(line.dropFirst("listening on ".count))
                return
            }
        }
        throw HostTestError("somad did not start: \(seen)")
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct HostTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite("soma board and soma patterns against a real somad", .serialized)
struct HostCLITests {
    let config = FileManager.default.temporaryDirectory.appendingPathComponent("soma-cli-config-\(UUID().uuidString)").path

    @Test("add a board, see its status, upload the built-in digits, list and show them from the board")
    func boardAndPatterns() throws {
        defer { try? FileManager.default.removeItem(atPath: config) }
        let board = try SimulatedBoard()
        let added = try soma(["board", "add", "lab", board.url], config: config)
        #expect(added.status == 0, "\(added.stderr)")
        let list = try soma(["board", "list", "--json"], config: config)
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        #expect(listed["default"] as? String == "lab")

        let status = try soma(["board", "status", "--json"], config: config)
        #expect(status.status == 0, "\(status.stderr)")
        let document = try JSONDecoder().decode(StatusDocument.self, from: Data(status.stdout.utf8))
        #expect(document.backend == "simulated-breadboard")
        let human = try soma(["board", "status"], config: config)
        #expect(human.stdout.contains("loop     idle"), "\(human.stdout)")

        // The single-neuron board has 2 inputs: the 30-pixel digits do not fit, and the board says so.
        let wrong = try soma(["patterns", "upload", "builtin:digits"], config: config)
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("soma: board 'lab': patterns[0].pixels has 30 pixels; this board's network has 2 inputs"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("Error:"), "one sentence, no trace")

        let file = config + "-pair.txt"
        try "label: left\n#.\n\nlabel: both\n##\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let uploaded = try soma(["patterns", "upload", file, "--name", "pair", "--json"], config: config)
        #expect(uploaded.status == 0, "\(uploaded.stderr)")
        #expect(try JSONDecoder().decode(PatternSetSummary.self, from: Data(uploaded.stdout.utf8)) == PatternSetSummary(name: "pair", count: 2, pixels: 2, labels: ["left", "both"]))
        let sets = try JSONDecoder().decode(PatternSetList.self, from: Data(try soma(["patterns", "list", "--json"], config: config).stdout.utf8))
        #expect(sets.patternSets.map(\.name) == ["pair"])
        let shown = try soma(["patterns", "show", "pair", "--board", "lab", "--ascii"], config: config)
        #expect(shown.stdout == "left  both\n#.    ##\n", "\(shown.stdout)")
    }

    @Test("a wrong token, a missing token, an unreachable board, an unknown board: one sentence and a non-zero exit")
    func clearFailures() throws {
        defer { try? FileManager.default.removeItem(atPath: config) }
        let tokenFile = config + ".token"
        try "a-long-enough-board-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let wrongToken = config + ".wrong"
        try "not-the-board-token-at-all\n".write(toFile: wrongToken, atomically: true, encoding: .utf8)
        defer { for file in [tokenFile, wrongToken] { try? FileManager.default.removeItem(atPath: file) } }
        let board = try SimulatedBoard(["--token-file", tokenFile])

        _ = try soma(["board", "add", "open", board.url], config: config)
        let missing = try soma(["board", "status", "open"], config: config)
        #expect(missing.status == 1 && missing.stderr == "soma: board 'open' needs a token: add it again with `soma board add open \(board.url) --token-file FILE`\n")
        _ = try soma(["board", "add", "wrong", board.url, "--token-file", wrongToken], config: config)
        let wrong = try soma(["board", "status", "wrong"], config: config)
        #expect(wrong.status == 1 && wrong.stderr == "soma: board 'wrong' refused the token (401): check its token file\n")
        _ = try soma(["board", "add", "right", board.url, "--token-file", tokenFile], config: config)
        #expect(try soma(["board", "status", "right"], config: config).status == 0)

        _ = try soma(["board", "add", "gone", "http://127.0.0.1:1"], config: config)
        let gone = try soma(["board", "status", "gone"], config: config)
        #expect(gone.status == 1)
        #expect(gone.stderr.hasPrefix("soma: cannot reach board 'gone' at http://127.0.0.1:1: "), "\(gone.stderr)")
        #expect(gone.stderr.split(separator: "\n").count == 1)
        let unknown = try soma(["board", "status", "nowhere"], config: config)
        #expect(unknown.status == 1 && unknown.stderr.contains("no board named 'nowhere'; known: gone, open, right, wrong"))
        let badURL = try soma(["board", "add", "x", "localhost:7878"], config: config)
        #expect(badURL.status == 64 && badURL.stderr.contains("is not an http:// URL"))
    }

    @Test("patterns check: each problem as FILE:LINE:COL, the good files still checked, exit 65; --json is one document")
    func check() throws {
        let directory = config
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = directory + "/good.txt", ragged = directory + "/ragged.txt", empty = directory + "/empty.txt", truncated = directory + "/short.pbm"
        try "##\n..\n".write(toFile: good, atomically: true, encoding: .utf8)
        try "###\n##\n".write(toFile: ragged, atomically: true, encoding: .utf8)
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        try Data(Array("P4\n8 2\n".utf8) + [0xFF]).write(to: URL(fileURLWithPath: truncated))
        let result = try soma(["patterns", "check", good, ragged, empty, truncated], config: config)
        #expect(result.status == 65)
        #expect(result.stdout.split(separator: "\n").map(String.init) == [
            "\(good): ok — 1 patterns of 2 × 2",
            "\(ragged):2:3: a ragged row: 2 pixels where the pattern's first row (line 1) has 3",
            "\(empty):1:1: the file is empty: no patterns",
            "\(truncated):3:2: truncated PBM: 8 × 2 needs 2 bytes of pixels, found 1",
        ])
        let json = try soma(["patterns", "check", good, ragged, "--json"], config: config)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let files = try #require(object["files"] as? [[String: Any]])
        #expect(files.map { $0["ok"] as? Bool } == [true, false])
        let builtin = try soma(["patterns", "show", "builtin:digits", "--noise-pixels", "2", "--seed", "3", "--json"], config: config)
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(builtin.stdout.utf8)) as? [String: Any])
        #expect((shown["patterns"] as? [Any])?.count == 10)
    }
}
