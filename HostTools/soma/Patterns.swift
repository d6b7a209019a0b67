import ArgumentParser
import Foundation
import SomaHostKit
import SomaProtocol

struct Patterns: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Input patterns: check files, draw them, upload them to a board.",
        discussion: """
            A pattern source is a file, a directory, or a built-in set (builtin:digits, the paper's \
            6 × 5 digits 0–9; builtin:letters, ten 6 × 5 letters; builtin:prototypes, seed 001's 30 \
            eight-pixel patterns around three prototypes). Files are a text grid (rows of \
            #/. or 1/0, a blank line between patterns, optional `label: …` before a pattern and \
            `size: WxH` at the top), netpbm PBM (P1 or P4, one pattern a file, labelled by the file \
            name; a directory of them is one set) or JSON ({"name", "width", "patterns": \
            [{"label", "pixels": "0110…"}]}).
            """,
        subcommands: [PatternsCheck.self, PatternsShow.self, PatternsUpload.self, PatternsList.self]
    )
}

struct NoiseOptions: ParsableArguments {
    @Option(help: "Flip this many pixels of every pattern (noisy variants).")
    var noisePixels: Int = 0

    @Option(help: "Seed of the noise: the same seed, the same flipped pixels.")
    var seed: UInt64 = 1

    func validate() throws {
        guard noisePixels >= 0 else { throw ValidationError("--noise-pixels must be 0 or more") }
    }
}

/// `soma patterns check FILE…`
struct PatternsCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check pattern files: every problem of every file as FILE:LINE:COL: message, exit 65 if any.")

    @Argument(help: "Pattern files or directories.")
    var files: [String]

    @Flag(help: "Print one JSON document: per file, ok, its patterns' size and count, its problems.")
    var json = false

    func run() throws {
        var failed = false
        var report: [[String: Any]] = []
        for file in files {
            let result = PatternReader.read(path: file)
            failed = failed || !result.isOK
            if json {
                var entry: [String: Any] = [
                    "file": file, "ok": result.isOK, "patterns": result.patterns.count,
                    "problems": result.problems.map { ["line": $0.line, "column": $0.column, "message": $0.message] },
                ]
                if let first = result.patterns.first { entry["width"] = first.width; entry["height"] = first.height }
                report.append(entry)
            } else if result.isOK {
                let first = result.patterns[0]
                let labels = result.patterns.compactMap(\.label)
                print("\(file): ok — \(result.patterns.count) patterns of \(first.width) × \(first.height)" + (labels.isEmpty ? "" : " (\(labels.joined(separator: " ")))"))
            } else {
                for problem in result.problems { print(problem.description) }
            }
        }
        if json { print(try jsonText(["files": report])) }
        if failed { throw ExitCode(65) }
    }
}

/// `soma patterns show SOURCE`
struct PatternsShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Draw patterns in the terminal: a file, a directory, builtin:NAME, or (with --board) a set on a board.")

    @Argument(help: "A pattern source, or with --board the name of a set stored on the board.")
    var source: String

    @OptionGroup var noise: NoiseOptions

    @Option(help: "Show the set of this name stored on this board.")
    var board: String?

    @Flag(help: "Draw with # and . instead of block characters.")
    var ascii = false

    @Flag(help: "Print the patterns as JSON (label, width, height, pixels) instead.")
    var json = false

    func run() throws {
        let patterns = try hostCommand { () throws(HostError) -> [PatternImage] in
            if let board {
                let client = try BoardClient.configured(board)
                let set = try client.get("/v1/pattern-sets/\(source)", as: PatternSetDocument.self)
                return BuiltinPatterns.noisy(set.patterns.map { pattern in
                    let width = set.width ?? pattern.pixels.count
                    return PatternImage(label: pattern.label, width: width, height: pattern.pixels.count / max(1, width), pixels: pattern.pixels.map { $0 == "1" })
                }, pixels: noise.noisePixels, seed: noise.seed)
            }
            let report = PatternSource.load(source, noisePixels: noise.noisePixels, seed: noise.seed)
            guard report.isOK else { throw HostError(report.problems.map(\.description).joined(separator: "\n"), exitCode: 65) }
            return report.patterns
        }
        if json {
            print(try jsonText(["patterns": patterns.map { ["label": $0.label ?? NSNull(), "width": $0.width, "height": $0.height, "pixels": $0.bitString] as [String: Any] }]))
        } else {
            print(PatternDrawing.render(patterns, ascii: ascii))
        }
    }
}

/// `soma patterns upload SOURCE`
struct PatternsUpload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload", abstract: "Check a pattern source and store it on a board as a named set.")

    @Argument(help: "A file, a directory, or builtin:digits / builtin:letters / builtin:prototypes.")
    var source: String

    @Option(help: "The set's name on the board (default: the file's name, or the built-in set's).")
    var name: String?

    @OptionGroup var noise: NoiseOptions

    @OptionGroup var target: BoardChoice

    @Flag(help: "Print the stored set's summary as JSON.")
    var json = false

    func run() throws {
        let summary = try hostCommand { () throws(HostError) -> PatternSetSummary in
            let report = PatternSource.load(source, noisePixels: noise.noisePixels, seed: noise.seed)
            guard report.isOK else { throw HostError(report.problems.map(\.description).joined(separator: "\n"), exitCode: 65) }
            let setName = name ?? (source.hasPrefix("builtin:") ? String(source.dropFirst(8)) : ((source as NSString).lastPathComponent as NSString).deletingPathExtension)
            let document = PatternSetDocument(
                name: setName, width: report.patterns[0].width,
                patterns: report.patterns.map { PatternDocument(label: $0.label, pixels: $0.bitString) })
            return try target.client().post("/v1/pattern-sets", document, as: PatternSetSummary.self)
        }
        if json { print(try jsonText(summary)) } else { print("uploaded \(summary.name): \(summary.count) patterns of \(summary.pixels) pixels") }
    }
}

/// `soma patterns list`
struct PatternsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The pattern sets stored on a board.")

    @OptionGroup var target: BoardChoice

    @Flag(help: "Print the list as JSON.")
    var json = false

    func run() throws {
        let list = try hostCommand { () throws(HostError) in try target.client().get("/v1/pattern-sets", as: PatternSetList.self) }
        if json { print(try jsonText(list)); return }
        if list.patternSets.isEmpty { print("no pattern sets on this board; upload one with `soma patterns upload builtin:digits`") }
        for set in list.patternSets {
            print("\(set.name)  \(set.count) patterns × \(set.pixels) pixels  \(set.labels.compactMap { $0 }.joined(separator: " "))")
        }
    }
}
