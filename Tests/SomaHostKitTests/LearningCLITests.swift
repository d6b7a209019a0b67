import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

private let paperProfile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Board/profiles/sim-paper-network.toml").path

/// Counts `<rect class="cell">` marks in an SVG after checking that it parses as XML.
private func cells(_ path: String) throws -> Int {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    _ = try XMLDocument(data: data)
    return String(decoding: data, as: UTF8.self).components(separatedBy: "class=\"cell\"").count - 1
}

@Suite("soma sim run and soma run report", .serialized)
struct LearningCLITests {
    let config = FileManager.default.temporaryDirectory.appendingPathComponent("soma-learning-\(UUID().uuidString)").path

    /// The small experiment both sides run: 3 layer-1 epochs, 1 layer-2 epoch, 2 inference repeats.
    static let small = ["--epochs", "3", "--layer2-epochs", "1", "--test-repeats", "2", "--infer-periods", "20", "--seed", "4"]

    @Test("soma sim run --json: one document with the summary's keys; --out writes events, weights and plots that parse, one cell per synapse")
    func simRun() throws {
        defer { try? FileManager.default.removeItem(atPath: config) }
        let out = config + "/out"
        let result = try soma(["sim", "run", "--profile", paperProfile, "--json", "--out", out] + Self.small, config: config)
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let layer1 = try #require(document["layer1"] as? [String: Any])
        let layer2 = try #require(document["layer2"] as? [String: Any])
        let winners = try #require(layer1["winner_by_label"] as? [String: Int])
        #expect(Set(winners.keys) == Set((0...9).map(String.init)))
        #expect(layer1["distinct_winners"] as? Int == Set(winners.values).count)
        #expect((layer2["confusion"] as? [[Int]])?.count == 10)
        #expect(layer2["accuracy"] is Double)
        #expect((document["events"] as? Int ?? 0) > 1000)
        #expect((document["virtual_seconds"] as? Double ?? 0) > 0 && document["wall_seconds"] is Double)
        #expect(try cells(out + "/weights-layer1.svg") == 300, "30 synapses × 10 hidden neurons")
        #expect(try cells(out + "/weights-layer2.svg") == 100)
        #expect(try cells(out + "/confusion.svg") == 110)
        #expect(try cells(out + "/rates-hidden.svg") == 100)
        let lines = try String(contentsOfFile: out + "/events.ndjson", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == document["events"] as? Int)
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil })
    }

    @Test("soma sim run refuses bad options and bad patterns with one sentence")
    func simRunBadInput() throws {
        defer { try? FileManager.default.removeItem(atPath: config) }
        let protocolName = try soma(["sim", "run", "--protocol", "stdp-ish"], config: config)
        #expect(protocolName.status == 64 && protocolName.stderr.contains("--protocol is one of"), "\(protocolName.stderr)")
        let epochs = try soma(["sim", "run", "--epochs", "0"], config: config)
        #expect(epochs.status == 64 && epochs.stderr.contains("--epochs"), "\(epochs.stderr)")
        let patterns = try soma(["sim", "run", "--patterns", "builtin:nothing"], config: config)
        #expect(patterns.status == 65 && patterns.stderr.contains("no built-in pattern set 'nothing'"), "\(patterns.stderr)")
        let pair = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Board/patterns/pair.txt").path
        let wrongSize = try soma(["sim", "run", "--patterns", pair], config: config)
        #expect(wrongSize.status == 65 && wrongSize.stderr.contains("30 input rows"), "\(wrongSize.stderr)")
        #expect(!wrongSize.stderr.contains("Fatal error"))
    }

    @Test("a learning run on a board, pulled and reported, gives the summary soma sim run gives for the same profile and seed")
    func reportMatchesSimulation() throws {
        defer { try? FileManager.default.removeItem(atPath: config) }
        let board = try SimulatedBoard(["--speed", "max"], profile: "sim-paper-network.toml")
        #expect(try soma(["board", "add", "paper", board.url], config: config).status == 0)
        #expect(try soma(["patterns", "upload", "builtin:digits"], config: config).status == 0)
        let spec = config + "/small.toml"
        try """
            protocol = "full"
            patternSet = "digits"
            [parameters]
            epochs = 3
            layer2Epochs = 1
            testRepeats = 2
            inferPeriods = 20
            seed = 1
            """.write(toFile: spec, atomically: true, encoding: .utf8)
        #expect(try soma(["run", "start", spec], config: config).status == 0)
        let watched = try soma(["run", "watch", "--json"], config: config)
        #expect(watched.status == 0, "\(watched.stderr)")
        #expect(watched.stdout.contains("\"stage\" : \"infer\""), "\(watched.stdout)")
        #expect(try soma(["logs", "pull"], config: config).status == 0)
        let report = try soma(["run", "report", "--json", "--out", config + "/report"], config: config)
        #expect(report.status == 0, "\(report.stderr)")
        // No --seed: the profile's seeds for the devices and ties, 1 for the order, as on the board.
        let simulated = try soma(["sim", "run", "--profile", paperProfile, "--json"] + Self.small.dropLast(2), config: config)
        let fromBoard = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let inProcess = try #require(try JSONSerialization.jsonObject(with: Data(simulated.stdout.utf8)) as? [String: Any])
        let boardLayer1 = try #require(fromBoard["layer1"] as? [String: Any])
        let simLayer1 = try #require(inProcess["layer1"] as? [String: Any])
        #expect(boardLayer1["winner_by_label"] as? [String: Int] == simLayer1["winner_by_label"] as? [String: Int])
        let boardLayer2 = try #require(fromBoard["layer2"] as? [String: Any])
        let simLayer2 = try #require(inProcess["layer2"] as? [String: Any])
        #expect(boardLayer2["confusion"] as? [[Int]] == simLayer2["confusion"] as? [[Int]])
        #expect(try cells(config + "/report/confusion.svg") == 110)
        // A present run has nothing to report.
        let none = try soma(["run", "report", "--run", "99"], config: config)
        #expect(none.status != 0 && none.stderr.contains("no run 99"), "\(none.stderr)")
    }
}
