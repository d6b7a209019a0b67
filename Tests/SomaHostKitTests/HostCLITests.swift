import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import GRDB
import SomaProtocol
import Testing

/// Runs `soma` with its board list in `configDirectory`.
func soma(_ arguments: [String], config configDirectory: String) throws -> (status: Int32, stdout: String, stderr: String) {
    try runSoma(arguments, environment: ["SOMA_CONFIG_DIR": configDirectory, "SOMA_DATA_DIR": configDirectory + "/data"])
}

/// The real `somad --sim` on a free loopback port, for the CLI to talk to.
final class SimulatedBoard {
    let process = Process()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soma-cli-board-\(UUID().uuidString)").path
    private(set) var url = ""

    init(_ extra: [String] = [], profile name: String = "gpio-sim-single-neuron.toml") throws {
        let profile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Board/profiles/" + name).path
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

    @Test("a record damaged on the board's disk: the pull goes past it, stores every other event, records the lost one and says so")
    func pullPastDamage() throws {
        defer { try? FileManager.default.removeItem(atPath: config) }
        let board = try SimulatedBoard(["--speed", "max", "--segment-kib", "8", "--retain-segments", "1000"])
        _ = try soma(["board", "add", "sim", board.url], config: config)
        let set = config + "-pair.txt"
        try "label: left\n#.\n\nlabel: both\n##\n".write(toFile: set, atomically: true, encoding: .utf8)
        let spec = config + "-spec.toml"
        try "protocol = \"present\"\npatternSet = \"pair\"\n[parameters]\nperiodsPerPattern = 20\nrepeats = 50\n".write(toFile: spec, atomically: true, encoding: .utf8)
        defer { for file in [set, spec] { try? FileManager.default.removeItem(atPath: file) } }
        #expect(try soma(["patterns", "upload", set, "--name", "pair"], config: config).status == 0)
        #expect(try soma(["run", "start", spec], config: config).status == 0)
        #expect(try soma(["run", "watch", "--interval", "0.1"], config: config).status == 0)
        var status: StatusDocument
        repeat {
            status = try JSONDecoder().decode(StatusDocument.self, from: Data(try soma(["board", "status", "--json"], config: config).stdout.utf8))
        } while status.store.lastSequence != status.loop.eventsPushed
        #expect(status.store.segments > 2)

        // Flip a bit inside record 2 (records are 32 bytes) of the oldest segment.
        let events = board.directory + "/events"
        let oldest = events + "/" + (try FileManager.default.contentsOfDirectory(atPath: events).sorted().first ?? "")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: oldest))
        bytes[40] ^= 0x04
        try bytes.write(to: URL(fileURLWithPath: oldest))

        let pulled = try soma(["logs", "pull", "--json"], config: config)
        #expect(pulled.status == 0, "\(pulled.stderr)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(pulled.stdout.utf8)) as? [String: Any])
        #expect((outcome["pulled"] as? Int).map(UInt64.init) == status.loop.eventsPushed - 1)
        #expect(outcome["lostEvents"] as? Int == 1)
        #expect((outcome["lastSequence"] as? Int).map(UInt64.init) == status.loop.eventsPushed, "the cursor is past the lost record")
        let again = try soma(["logs", "pull"], config: config)
        #expect(again.status == 0 && again.stderr.contains("events 2…2 are damaged on the board's disk and could not be pulled"), "\(again.stderr)")
        let csv = config + "/events.csv"
        #expect(try soma(["logs", "export", "--format", "csv", "--out", csv], config: config).status == 0)
        let sequences = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst().compactMap { UInt64($0.split(separator: ",")[1]) }
        #expect(sequences == [1] + Array(3...status.loop.eventsPushed), "every event but the damaged one, once")
    }

    @Test("run a spec to completion, pull the log twice, export CSV: every event once; an interrupted pull resumes to the same database")
    func runPullExport() throws {
        defer { try? FileManager.default.removeItem(atPath: config) }
        let board = try SimulatedBoard(["--speed", "max"])
        _ = try soma(["board", "add", "sim", board.url], config: config)
        let set = config + "-pair.txt"
        try "label: left\n#.\n\nlabel: both\n##\n".write(toFile: set, atomically: true, encoding: .utf8)
        let spec = config + "-spec.toml"
        try "protocol = \"present\"\npatternSet = \"pair\"\n[parameters]\nperiodsPerPattern = 20\nrepeats = 400\n".write(toFile: spec, atomically: true, encoding: .utf8)
        defer { for file in [set, spec] { try? FileManager.default.removeItem(atPath: file) } }
        #expect(try soma(["patterns", "upload", set, "--name", "pair"], config: config).status == 0)
        let started = try soma(["run", "start", spec, "--json"], config: config)
        #expect(started.status == 0, "\(started.stderr)")
        let run = try JSONDecoder().decode(RunDocument.self, from: Data(started.stdout.utf8))
        let watched = try soma(["run", "watch", "--interval", "0.1"], config: config)
        #expect(watched.status == 0, "\(watched.stderr)")
        #expect(watched.stdout.hasPrefix("run \(run.id) completed: 800 of 800 presentations"), "\(watched.stdout)")
        #expect(watched.stderr.contains("[##############################] 800/800"), "the progress bar reached its end")

        // The daemon's own count, once everything it pushed is synced (idle: nothing more comes).
        var status: StatusDocument
        repeat {
            status = try JSONDecoder().decode(StatusDocument.self, from: Data(try soma(["board", "status", "--json"], config: config).stdout.utf8))
        } while status.store.lastSequence != status.loop.eventsPushed
        let pulled = try soma(["logs", "pull", "--json"], config: config)
        #expect(pulled.status == 0, "\(pulled.stderr)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(pulled.stdout.utf8)) as? [String: Any])
        #expect((outcome["pulled"] as? Int).map(UInt64.init) == status.loop.eventsPushed)
        let again = try soma(["logs", "pull", "--json"], config: config)
        #expect((try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])?["pulled"] as? Int == 0, "a second pull adds nothing")

        let csv = config + "/events.csv"
        #expect(try soma(["logs", "export", "--format", "csv", "--out", csv], config: config).status == 0)
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "board,sequence,run,tick,kind,layer,neuron,payload")
        #expect(UInt64(rows.count - 1) == status.loop.eventsPushed, "one row per event the daemon logged")
        #expect(rows.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false)[2] == "\(run.id)" }, "every event of this board belongs to the run")
        let finished = try JSONDecoder().decode(RunDocument.self, from: Data(try soma(["run", "stop", "\(run.id)", "--json"], config: config).stdout.utf8))
        let fires = try soma(["logs", "export", "--format", "ndjson", "--kind", "fire", "--run", "\(run.id)"], config: config)
        #expect(UInt64(fires.stdout.split(separator: "\n").count) == finished.fires, "the run's fire count, from the log")

        // Plots of the pulled run: one mark per spike, one cell per neuron and pattern; real SVG.
        let spikes = try soma(["logs", "export", "--format", "ndjson", "--kind", "spike", "--run", "\(run.id)"], config: config).stdout.split(separator: "\n").count
        let raster = config + "/raster.svg"
        let drawn = try soma(["plot", "raster", "--out", raster, "--json"], config: config)
        #expect(drawn.status == 0, "\(drawn.stderr)")
        #expect((try JSONSerialization.jsonObject(with: Data(drawn.stdout.utf8)) as? [String: Any])?["marks"] as? Int == spikes)
        #expect(try SVGCensus(file: raster).count(ofClass: "spike") == spikes)
        #expect(spikes > 0)
        let heat = config + "/rates.svg"
        let rates = try soma(["plot", "rates", "--out", heat, "--json"], config: config)
        let map = try #require(try JSONSerialization.jsonObject(with: Data(rates.stdout.utf8)) as? [String: Any])
        #expect(map["patterns"] as? [Int] == [0, 1])
        let values = try #require(map["rates"] as? [[Double]])
        #expect(values.count == 1 && values[0][1] > values[0][0], "both inputs drive the neuron faster than one: \(values)")
        #expect(try SVGCensus(file: heat).count(ofClass: "cell") == 2)
        // They open in a browser: Chromium renders each to a screenshot that is not blank.
        let blank = config + "/blank.svg"
        try #"<svg xmlns="http://www.w3.org/2000/svg" width="900" height="400"><rect width="100%" height="100%" fill="white"/></svg>"#.write(toFile: blank, atomically: true, encoding: .utf8)
        let empty = try screenshot(blank)
        for plot in [raster, heat] {
            let shot = try screenshot(plot)
            #expect(shot.count > 2 * empty.count, "\(plot) renders to more than a blank page (\(shot.count) bytes of PNG against \(empty.count))")
        }

        // An interrupted pull (killed mid-way), repeated, gives the database an uninterrupted one gives.
        let interrupted = config + "/interrupted.sqlite"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("soma")
        process.arguments = ["logs", "pull", "--database", interrupted, "--page-size", "50"]
        process.environment = ProcessInfo.processInfo.environment.merging(["SOMA_CONFIG_DIR": config]) { $1 }
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        usleep(1_000_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the pull was still going when killed")
        let partial = try soma(["logs", "export", "--format", "csv", "--database", interrupted], config: config).stdout.split(separator: "\n").count - 1
        #expect(partial > 0 && UInt64(partial) < status.loop.eventsPushed, "killed mid-way: \(partial) of \(status.loop.eventsPushed) stored")
        #expect(try soma(["logs", "pull", "--database", interrupted, "--page-size", "777"], config: config).status == 0)
        let resumed = try soma(["logs", "export", "--format", "ndjson", "--database", interrupted], config: config).stdout
        let whole = try soma(["logs", "export", "--format", "ndjson"], config: config).stdout
        #expect(resumed == whole)
    }

    @Test("logs tail follows the live stream: every event once, in order, from where it was asked to start")
    func tail() throws {
        defer { try? FileManager.default.removeItem(atPath: config) }
        let board = try SimulatedBoard(["--speed", "max"])
        _ = try soma(["board", "add", "sim", board.url], config: config)
        let set = config + "-pair.txt"
        try "#.\n\n##\n".write(toFile: set, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: set) }
        #expect(try soma(["patterns", "upload", set, "--name", "pair"], config: config).status == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("soma")
        process.arguments = ["logs", "tail", "--after", "0", "--count", "500", "--json"]
        process.environment = ProcessInfo.processInfo.environment.merging(["SOMA_CONFIG_DIR": config]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let spec = config + "-spec.json"
        try #"{"protocol": "present", "patternSet": "pair", "parameters": {"periodsPerPattern": 20, "repeats": 1000}}"#.write(toFile: spec, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: spec) }
        #expect(try soma(["run", "start", spec], config: config).status == 0)
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let events = try text.split(separator: "\n").map { try JSONDecoder().decode(EventDocument.self, from: Data($0.utf8)) }
        #expect(events.map(\.sequence) == Array(1...500))
        #expect(events.first?.kind == "run-started")
    }

    @Test("a locked or a corrupt database: a clear error, and the file is left as it was")
    func badDatabase() throws {
        defer { try? FileManager.default.removeItem(atPath: config) }
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        let board = try SimulatedBoard()
        _ = try soma(["board", "add", "sim", board.url], config: config)
        let corrupt = config + "/corrupt.sqlite"
        let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try garbage.write(to: URL(fileURLWithPath: corrupt))
        let result = try soma(["logs", "pull", "--database", corrupt], config: config)
        #expect(result.status == 1)
        #expect(result.stderr.contains("is not a SQLite database soma can use") && result.stderr.contains("left as it is"), "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: corrupt)) == garbage)

        // Another program holds the database: a writer with an exclusive transaction open.
        let locked = config + "/locked.sqlite"
        #expect(try soma(["logs", "pull", "--database", locked], config: config).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: locked))
        let holder = try DatabaseHolder(path: locked)
        let blocked = try soma(["logs", "pull", "--database", locked], config: config)
        holder.release()
        #expect(blocked.status == 1)
        #expect(blocked.stderr.contains("is locked by another program"), "\(blocked.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: locked)) == before)
    }
}

/// Another program's hold on a database: an open exclusive transaction.
final class DatabaseHolder {
    let queue: DatabaseQueue
    init(path: String) throws {
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true  // holding it open is the point
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.inDatabase { db in try db.execute(sql: "BEGIN EXCLUSIVE") }
    }
    func release() { try? queue.inDatabase { db in try db.execute(sql: "ROLLBACK") } }
}

/// Parses an SVG file as XML (it must be well formed) and counts elements by class.
final class SVGCensus: NSObject, XMLParserDelegate {
    private var classes: [String: Int] = [:]

    init(file: String) throws {
        super.init()
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: file)))
        parser.delegate = self
        guard parser.parse() else { throw HostTestError("\(file) is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")") }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if let name = attributes["class"] { classes[name, default: 0] += 1 }
    }

    func count(ofClass name: String) -> Int { classes[name] ?? 0 }
}

/// Renders a file in headless Chromium (Debian's package, installed by `make deps`); the PNG.
func screenshot(_ file: String) throws -> Data {
    let png = file + ".png"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
    process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=900,400",
                         "--user-data-dir=" + file + ".profile", "--screenshot=" + png, "file://" + file]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let data = FileManager.default.contents(atPath: png) else {
        throw HostTestError("chromium could not render \(file) (exit \(process.terminationStatus))")
    }
    #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
    return data
}
