import ArgumentParser
import Foundation
import SomaBoardProfile
import SomaCore
import SomaHostKit

struct Profile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Board profiles: the TOML files that say which line carries which signal.",
        subcommands: [Check.self, WiringCommand.self]
    )
}

/// `soma profile check FILE…`: every problem of every file, as FILE:LINE:COL: message.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check board profiles without touching any hardware.",
        discussion: """
            Reports every problem in every file — a TOML syntax error, an unknown signal or key, a \
            line used twice, a shift-chain bit beyond the chain, an I2C address outside 0x03–0x77, a \
            missing or exceeded device limit, and, for a profile whose [frontend] names the \
            front-end's netlist, a level that circuit cannot deliver (naming the part and its \
            limit) — one per line as FILE:LINE:COL: message, and exits with status 65 if there \
            was any. A good profile prints a one-line summary. The daemon \
            runs the same check at start. Profiles are described in Board/README.md.
            """
    )

    @Argument(help: "Profile files (TOML).")
    var files: [String]

    @Flag(help: "Print one JSON document: per file, ok and its problems.")
    var json = false

    func run() throws {
        var failed = false
        var report: [[String: Any]] = []
        for file in files {
            var problems: [ProfileDiagnostic] = []
            var summary = ""
            do {
                summary = Self.summary(try BoardProfile.load(path: file, checkingFrontEnd: true))
            } catch {
                problems = error.diagnostics
            }
            failed = failed || !problems.isEmpty
            if json {
                report.append([
                    "file": file, "ok": problems.isEmpty, "summary": summary,
                    "problems": problems.map { ["line": $0.line, "column": $0.column, "message": $0.message] },
                ])
            } else if problems.isEmpty {
                print("\(file): ok — \(summary)")
            } else {
                for problem in problems { print(problem.description) }
            }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: ["files": report], options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
        if failed { throw ExitCode(65) }
    }

    static func summary(_ profile: BoardProfile) -> String {
        let network = profile.network
        let layers = network.layers.map { String($0.neurons) }.joined(separator: " × ")
        let gpio = profile.lines.values.filter { if case .gpio = $0 { true } else { false } }.count
        let shifted = profile.lines.values.filter { if case .shift = $0 { true } else { false } }.count
        var parts = ["\"\(profile.name)\"", "\(network.inputs) inputs × \(layers) neurons",
                     "\(profile.lines.count) signals (\(gpio) on GPIO, \(shifted) behind shift registers)",
                     "clock \(String(format: "%g", network.clock.frequencyHertz)) Hz"]
        if let i2c = profile.i2c {
            parts.append("I2C bus \(i2c.bus)" + (i2c.adc.map { ", ADC 0x\(String($0.address, radix: 16))" } ?? "")
                + (i2c.dac.map { ", DAC 0x\(String($0.address, radix: 16))" } ?? ""))
        }
        return parts.joined(separator: ", ")
    }
}

/// `soma profile wiring FILE`: the profile as a wiring list (Markdown) and diagram (SVG).
struct WiringCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wiring",
        abstract: "Print a profile's wiring: every line from its header pin or shift-register pin to its breadboard node.",
        discussion: """
            Prints the wiring list as Markdown (or writes it with --markdown); --svg writes the \
            diagram. Board/wiring/ holds both for every shipped Raspberry Pi profile.
            """
    )

    @Argument(help: "A board profile (TOML).")
    var file: String

    @Option(help: "Write the Markdown wiring list here instead of printing it.")
    var markdown: String?

    @Option(help: "Write the SVG diagram here.")
    var svg: String?

    func run() throws {
        let profile: BoardProfile
        do { profile = try BoardProfile.load(path: file, checkingFrontEnd: true) } catch {
            for problem in error.diagnostics { print(problem.description) }
            throw ExitCode(65)
        }
        guard !profile.lines.isEmpty else {
            print("\(file): no [lines]: a simulated breadboard has no wiring")
            throw ExitCode(65)
        }
        let wiring = Wiring(profile: profile)
        let text = wiring.markdown(profilePath: file)
        if let markdown { try text.write(toFile: markdown, atomically: true, encoding: .utf8) } else { print(text, terminator: "") }
        if let svg { try wiring.svg().write(toFile: svg, atomically: true, encoding: .utf8) }
    }
}
