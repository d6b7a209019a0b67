import Foundation
import Testing

private let paperProfile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Board/profiles/sim-paper-network.toml").path

/// Counts `<rect class="cell">` marks in an SVG after checking that it parses as XML.
private func cells(_ path: String) throws -> Int { try SVGCensus(file: path).count(ofClass: "cell") }

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
        // Rendered in a browser, the maps are not blank pages.
        let blank = out + "/blank.svg"
        try #"<svg xmlns="http://www.w3.org/2000/svg" width="900" height="400"><rect width="100%" height="100%" fill="white"/></svg>"#.write(toFile: blank, atomically: true, encoding: .utf8)
        let empty = try screenshot(blank)
        for plot in ["weights-layer1.svg", "confusion.svg"] {
            let shot = try screenshot(out + "/" + plot)
            #expect(shot.count > 2 * empty.count, "\(plot) renders to more than a blank page (\(shot.count) bytes of PNG against \(empty.count))")
        }
        let lines = try String(contentsOfFile: out + "/events.ndjson", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == document["events"] as? Int)
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil })

        // soma plot weights draws the weights.json of that run, a layer at a time.
        let weights = try soma(["plot", "weights", "--from", out + "/weights.json", "--layer", "1", "--out", out + "/w1.svg", "--json"], config: config)
        #expect(weights.status == 0, "\(weights.stderr)")
        #expect(try cells(out + "/w1.svg") == 300)
        let drawn = try JSONSerialization.jsonObject(with: Data(weights.stdout.utf8)) as? [String: Any]
        #expect(drawn?["rows"] as? Int == 30 && drawn?["neurons"] as? Int == 10)
        let noLayer = try soma(["plot", "weights", "--from", out + "/weights.json", "--layer", "3", "--out", out + "/w3.svg"], config: config)
        #expect(noLayer.status == 64 && noLayer.stderr.contains("has layers 1…2"), "\(noLayer.stderr)")
        let notWeights = try soma(["plot", "weights", "--from", out + "/summary.json", "--out", out + "/x.svg"], config: config)
        #expect(notWeights.status == 65 && notWeights.stderr.contains("is not a weights file"), "\(notWeights.stderr)")
    }

    @Test("soma plot characterize draws soma sim characterize --json output, one point per amplitude")
    func plotCharacterize() throws {
        defer { try? FileManager.default.removeItem(atPath: config) }
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        for (mode, extra) in [("first-fire", ["--trials", "20"]), ("rate", ["--parameter-set", "fig3", "--trials", "2"])] {
            let measured = try soma(["sim", "characterize", "--mode", mode, "--amplitudes", "1.4:2.0:0.2", "--json"] + extra, config: config)
            #expect(measured.status == 0, "\(measured.stderr)")
            let file = config + "/\(mode).json"
            try measured.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            let plotted = try soma(["plot", "characterize", "--from", file, "--out", config + "/\(mode).svg"], config: config)
            #expect(plotted.status == 0, "\(plotted.stderr)")
            #expect(try SVGCensus(file: config + "/\(mode).svg").count(ofClass: "point") == 4, "\(mode): 1.4, 1.6, 1.8, 2.0 V")
        }
        let missing = try soma(["plot", "characterize", "--from", config + "/nothing.json", "--out", config + "/n.svg"], config: config)
        #expect(missing.status == 66 && missing.stderr.contains("cannot read"), "\(missing.stderr)")
    }

    @Test("soma sim run refuses bad options and bad patterns with one sentence")
    func simRunBadInput() throws {
        defer { try? FileManager.default.removeItem(atPath: config) }
        let protocolName = try soma(["sim", "run", "--protocol", "stdp-ish"], config: config)
        #expect(protocolName.status == 64 && protocolName.stderr.contains("--protocol is one of"), "\(protocolName.stderr)")
        let characterize = try soma(["sim", "run", "--protocol", "characterize"], config: config)
        #expect(characterize.status == 64 && characterize.stderr.contains("soma sim characterize"), "\(characterize.stderr)")
        let stdpWithoutBoard = try soma(["sim", "run", "--protocol", "stdp"], config: config)
        #expect(stdpWithoutBoard.status == 64 && stdpWithoutBoard.stderr.contains("needs --profile"), "\(stdpWithoutBoard.stderr)")
        let window = try soma(["sim", "run", "--protocol", "stdp", "--profile", paperProfile, "--stdp-window", "gauss"], config: config)
        #expect(window.status == 64 && window.stderr.contains("exponential or alpha"), "\(window.stderr)")
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

    @Test("the built-in digits on a 30-input board: a learning run watched to completion, pulled (a second pull adds nothing), exported to CSV (a row per event), reported: the summary soma sim run gives for the same profile and seed")
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
        let pulled = try soma(["logs", "pull", "--json"], config: config)
        let pulledCount = try #require((try JSONSerialization.jsonObject(with: Data(pulled.stdout.utf8)) as? [String: Any])?["pulled"] as? Int)
        #expect(pulledCount > 1000)
        let again = try soma(["logs", "pull", "--json"], config: config)
        #expect((try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])?["pulled"] as? Int == 0, "a second pull adds nothing")
        #expect(try soma(["logs", "export", "--format", "csv", "--out", config + "/events.csv"], config: config).status == 0)
        let rows = try String(contentsOfFile: config + "/events.csv", encoding: .utf8).split(separator: "\n").count - 1
        #expect(rows == pulledCount, "one CSV row per event the board logged")
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

    @Test("stdp and readout on a board: started from run specs, pulled, reported: the same curve as soma sim run, and read-out maps soma plot weights draws")
    func stdpAndReadoutReports() throws {
        defer { try? FileManager.default.removeItem(atPath: config) }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let pairProfile = repository.appendingPathComponent("Board/profiles/sim-stdp-pair.toml").path
        let evoke = repository.appendingPathComponent("Board/patterns/stdp-evoke.txt").path
        let board = try SimulatedBoard(["--speed", "max"], profile: "sim-stdp-pair.toml")
        #expect(try soma(["board", "add", "pair", board.url], config: config).status == 0)
        #expect(try soma(["patterns", "upload", evoke, "--name", "evoke"], config: config).status == 0)
        let spec = config + "/stdp.toml"
        try """
            protocol = "stdp"
            patternSet = "evoke"
            [parameters]
            stdpWindow = "exponential"
            stdpFromMs = -40
            stdpToMs = 80
            stdpStepMs = 20
            """.write(toFile: spec, atomically: true, encoding: .utf8)
        let started = try soma(["run", "start", spec], config: config)
        #expect(started.status == 0, "\(started.stderr)")
        #expect(try soma(["run", "watch", "--json"], config: config).status == 0)
        #expect(try soma(["logs", "pull"], config: config).status == 0)
        let report = try soma(["run", "report", "--json", "--out", config + "/stdp"], config: config)
        #expect(report.status == 0, "\(report.stderr)")
        let simulated = try soma(
            ["sim", "run", "--protocol", "stdp", "--profile", pairProfile, "--patterns", evoke, "--stdp-from-ms=-40", "--stdp-to-ms", "80", "--stdp-step-ms", "20", "--json"],
            config: config)
        #expect(simulated.status == 0, "\(simulated.stderr)")
        let fromBoard = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let inProcess = try #require(try JSONSerialization.jsonObject(with: Data(simulated.stdout.utf8)) as? [String: Any])
        let boardPoints = try #require(fromBoard["points"] as? [[String: Any]])
        #expect(boardPoints.count == 7)
        #expect(boardPoints.map { $0["delta_g_us"] as? Double } == (inProcess["points"] as? [[String: Any]])?.map { $0["delta_g_us"] as? Double })
        #expect((fromBoard["largest_deviation_of_peak"] as? Double ?? 1) <= 0.10)
        #expect(try SVGCensus(file: config + "/stdp/stdp.svg").count(ofClass: "point") == 7)

        // A read-out of the same board afterwards: one synapse moved by the pairings, the rest as built.
        try #"{"protocol": "readout"}"#.write(toFile: config + "/readout.json", atomically: true, encoding: .utf8)
        let readout = try soma(["run", "start", config + "/readout.json"], config: config)
        #expect(readout.status == 0, "\(readout.stderr)")
        #expect(try soma(["run", "watch", "--json"], config: config).status == 0)
        #expect(try soma(["logs", "pull"], config: config).status == 0)
        let maps = try soma(["run", "report", "--out", config + "/maps"], config: config)
        #expect(maps.status == 0, "\(maps.stderr)")
        #expect(maps.stdout.contains("4 rows × 1 neurons"), "\(maps.stdout)")
        let drawn = try soma(["plot", "weights", "--from", config + "/maps/weights.json", "--out", config + "/maps/w.svg"], config: config)
        #expect(drawn.status == 0, "\(drawn.stderr)")
        #expect(try cells(config + "/maps/w.svg") == 4)
    }

    @Test("characterize on a board: an amplitude sweep started from a run spec, reported as soma sim characterize prints curves, and drawn by soma plot characterize")
    func characterizeReport() throws {
        defer { try? FileManager.default.removeItem(atPath: config) }
        let board = try SimulatedBoard(["--speed", "max"])
        #expect(try soma(["board", "add", "neuron", board.url], config: config).status == 0)
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try "label: both\n##\n".write(toFile: config + "/both.txt", atomically: true, encoding: .utf8)
        #expect(try soma(["patterns", "upload", config + "/both.txt"], config: config).status == 0)
        try """
            protocol = "characterize"
            patternSet = "both"
            [parameters]
            sweep = "amplitude"
            sweepFrom = 1.2
            sweepTo = 2.0
            sweepStep = 0.2
            testRepeats = 10
            """.write(toFile: config + "/sweep.toml", atomically: true, encoding: .utf8)
        let started = try soma(["run", "start", config + "/sweep.toml"], config: config)
        #expect(started.status == 0, "\(started.stderr)")
        #expect(try soma(["run", "watch", "--json"], config: config).status == 0)
        #expect(try soma(["logs", "pull"], config: config).status == 0)
        let report = try soma(["run", "report", "--json", "--out", config + "/curve"], config: config)
        #expect(report.status == 0, "\(report.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        #expect(document["mode"] as? String == "first-fire" && document["sweep"] as? String == "amplitude")
        let points = try #require(document["points"] as? [[String: Any]])
        #expect(points.compactMap { $0["amplitude_v"] as? Double } == [1.2, 1.4, 1.6, 1.8, 2.0])
        #expect(points.allSatisfy { $0["trials"] as? Int == 10 && $0["fired_fraction"] is Double })
        let plotted = try soma(["plot", "characterize", "--from", config + "/curve/characterize.json", "--out", config + "/curve/plot.svg"], config: config)
        #expect(plotted.status == 0, "\(plotted.stderr)")
        #expect(try SVGCensus(file: config + "/curve/plot.svg").count(ofClass: "point") == points.filter { !($0["median_pulses"] is NSNull) }.count)
    }
}
