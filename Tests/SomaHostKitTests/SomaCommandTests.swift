import Foundation
import Testing

/// Runs the real `soma` binary, built next to the test bundle by `swift build --build-tests`.
func runSoma(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("soma")
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

@Suite("soma command line")
struct SomaCommandTests {
    @Test("soma trace draws the Fig. 3b cycle and lists its events")
    func trace() throws {
        let result = try runSoma(["trace", "--periods", "7", "--style", "ascii"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let l2 = try #require(lines.first { $0.hasPrefix("L2 ") })
        #expect(l2.hasSuffix(String(repeating: ".", count: 45) + String(repeating: "#", count: 10) + String(repeating: ".", count: 15)))
        #expect(result.stdout.contains("2100 µs  tick 42  fire"))
        #expect(result.stdout.contains("1 fires, 1 output spikes in 7 clock periods."))
    }

    @Test("sim characterize --json: one object with the documented fields")
    func characterizeJSON() throws {
        let result = try runSoma(["sim", "characterize", "--amplitudes", "1.1,1.3", "--trials", "40", "--json"])
        #expect(result.status == 0)
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["model"] as? String == "ts-diffusive")
        #expect(object["mode"] as? String == "first-fire")
        let points = try #require(object["points"] as? [[String: Any]])
        #expect(points.count == 2)
        #expect(Set(points[0].keys) == ["amplitude_v", "median_pulses", "p10_pulses", "p90_pulses", "fired_fraction"])
        #expect(points[0]["median_pulses"] as? Double == 4)
        let rate = try runSoma(["sim", "characterize", "--mode", "rate", "--parameter-set", "fig3", "--amplitudes", "1.8", "--trials", "2", "--duration-ms", "30", "--json"])
        let rateObject = try #require(JSONSerialization.jsonObject(with: Data(rate.stdout.utf8)) as? [String: Any])
        let ratePoints = try #require(rateObject["points"] as? [[String: Any]])
        #expect(Set(ratePoints[0].keys) == ["amplitude_v", "rate_hz"])
        #expect((ratePoints[0]["rate_hz"] as? Double ?? 0) > 100)
    }

    @Test("every model characterises through the command; fewer pulses at higher amplitude", arguments: [
        ["--model", "ts-rc", "--amplitudes", "2.0,3.0", "--width-us", "100", "--interval-us", "100"],
        ["--model", "tio2-lif", "--amplitudes", "1.5,3.0"],
        ["--model", "mif", "--amplitudes", "0.6,1.0", "--width-us", "0.02", "--interval-us", "0.5", "--duration-ms", "0.02"],
    ])
    func models(arguments: [String]) throws {
        let result = try runSoma(["sim", "characterize", "--trials", "15", "--json"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["model"] as? String == arguments[1])
        let points = try #require(object["points"] as? [[String: Any]])
        let medians = points.map { $0["median_pulses"] as? Double ?? .infinity }
        #expect(medians.count == 2 && medians[1] < medians[0], "\(medians)")
        #expect(points.allSatisfy { $0.keys.contains("p90_pulses") })
    }

    @Test("sim characterize --plot writes an SVG with one marker per amplitude")
    func plot() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("soma-plot-\(UUID()).svg")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try runSoma(["sim", "characterize", "--amplitudes", "1.0:1.4:0.1", "--trials", "20", "--plot", file.path])
        #expect(result.status == 0)
        let svg = try String(contentsOf: file, encoding: .utf8)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 5)
        #expect(result.stdout.contains("1.1         4"))
    }

    @Test("sim characterize --board spice: the core drives the front-end netlist beside the breadboard; both fire on the 5th pulse at 1.8 V")
    func spiceBoard() throws {
        let result = try runSoma(["sim", "characterize", "--board", "spice", "--amplitudes", "1.8", "--duration-ms", "4", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(document["board"] as? String == "spice")
        #expect((document["netlist"] as? String)?.hasSuffix("Board/hardware/neuron-fig3.cir") == true)
        let point = try #require((document["points"] as? [[String: Any]])?.first)
        #expect(point["spice"] as? Double == 5)
        #expect(point["sim"] as? Double == 5)
        #expect((point["spice_us_per_tick"] as? Double ?? 0) > 0)
    }

    @Test("bad input: exit status 64 and a message naming the option", arguments: [
        (["--model", "memristor"], "--model"),
        (["--width-us=-3"], "--width-us"),
        (["--amplitudes", "7.5"], "--amplitudes"),
        (["--amplitudes", ""], "--amplitudes"),
        (["--amplitudes", "1.4:1.0:0.1"], "--amplitudes"),
        (["--parameter-set", "fig9"], "--parameter-set"),
        (["--mode", "rate", "--width-us", "100"], "--width-us"),
        (["--mode", "rate", "--model", "ts-rc"], "--mode rate"),
        (["--model", "mif", "--amplitudes", "2.0"], "--amplitudes"),
        (["--model", "ts-rc", "--membrane-nf", "0"], "--membrane-nf"),
        (["--board", "spice", "--model", "mif", "--amplitudes", "0.5"], "--board spice"),
        (["--board", "spice", "--width-us", "100"], "--width-us"),
        (["--board", "spice", "--netlist", "/nonexistent/neuron.cir"], "--netlist"),
        (["--netlist", "Board/hardware/neuron-fig3.cir"], "--netlist"),
    ])
    func badInput(arguments: [String], option: String) throws {
        let result = try runSoma(["sim", "characterize"] + arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(option), "\(result.stderr)")
        #expect(!result.stdout.contains("nan"))
    }
}

@Suite("soma profile check")
struct ProfileCheckCommandTests {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("good and broken files together: each problem as FILE:LINE:COL, the good one still checked, exit 65")
    func mixed() throws {
        let good = repository.appendingPathComponent("Board/profiles/gpio-sim-single-neuron.toml").path
        let broken = repository.appendingPathComponent("Tests/SomaBoardProfileTests/broken/several-problems.toml").path
        let binary = FileManager.default.temporaryDirectory.appendingPathComponent("soma-binary-\(getpid()).toml")
        try Data([0x00, 0x01, 0xFF, 0x7F]).write(to: binary)
        defer { try? FileManager.default.removeItem(at: binary) }
        let result = try runSoma(["profile", "check", broken, good, binary.path, "/nonexistent/profile.toml"])
        #expect(result.status == 65)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("\(broken):") }.count == 3)
        #expect(lines.contains("\(broken):26:1: missing limits.max_duty"))
        #expect(lines.contains { $0.hasPrefix("\(good): ok — \"single neuron on gpio-sim\"") })
        #expect(lines.contains("\(binary.path):1:1: not a text file (a TOML profile is UTF-8 text)"))
        #expect(lines.contains("/nonexistent/profile.toml:1:1: cannot read the file (missing or not readable)"))
    }

    @Test("--json: one document with every file's verdict and problems")
    func json() throws {
        let good = repository.appendingPathComponent("Board/profiles/gpio-sim-shift-registers.toml").path
        let result = try runSoma(["profile", "check", "--json", good])
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let files = try #require(document["files"] as? [[String: Any]])
        #expect(files.count == 1)
        #expect(files[0]["ok"] as? Bool == true)
        #expect((files[0]["problems"] as? [Any])?.isEmpty == true)
    }
}
