import ArgumentParser
import Foundation
import SomaHostKit
import SomaProtocol

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start, watch and stop runs on a board.",
        discussion: """
            A run spec is TOML or JSON: protocol ("present"), patternSet (a set uploaded with \
            `soma patterns upload`) and parameters (periodsPerPattern, restPeriods, repeats, \
            shuffleSeed, pulseAmplitudeVolts, onDeadlineMiss; see README.md). Unknown fields are \
            refused, here and by the board.
            """,
        subcommands: [RunStart.self, RunWatch.self, RunStop.self]
    )
}

struct RunStart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a run from a run spec file.")

    @Argument(help: "The run spec (.toml or .json).")
    var spec: String

    @OptionGroup var target: BoardChoice

    @Flag(help: "Print the run as JSON.")
    var json = false

    func run() throws {
        let run = try hostCommand { () throws(HostError) -> RunDocument in
            let spec = try RunSpecFile.load(spec)
            return try target.client().post("/v1/runs", spec, as: RunDocument.self)
        }
        if json { print(try jsonText(run)) } else {
            print("started run \(run.id): \(run.spec.protocol) on \(run.spec.patternSet), \(run.presentationsPlanned) presentations")
        }
    }
}

struct RunStop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a run (default: the board's latest).")

    @Argument(help: "The run's id.")
    var id: UInt32?

    @OptionGroup var target: BoardChoice

    @Flag(help: "Print the run as JSON.")
    var json = false

    func run() throws {
        let run = try hostCommand { () throws(HostError) -> RunDocument in
            let client = try target.client()
            let target = if let id { id } else { try RunWatch.latest(client) }
            return try client.post("/v1/runs/\(target)/stop", as: RunDocument.self)
        }
        if json { print(try jsonText(run)) } else { print("run \(run.id) \(run.state)") }
    }
}

struct RunWatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Follow a run to its end with a progress bar, then print a summary.")

    @Argument(help: "The run's id (default: the board's latest).")
    var id: UInt32?

    @OptionGroup var target: BoardChoice

    @Option(help: "Seconds between updates.")
    var interval: Double = 0.25

    @Flag(help: "No progress bar; print the finished run as JSON.")
    var json = false

    static func latest(_ client: BoardClient) throws(HostError) -> UInt32 {
        guard let run = try client.get("/v1/status", as: StatusDocument.self).run else {
            throw HostError("board '\(client.name)' has run nothing since it started; start a run with `soma run start SPEC`")
        }
        return run.id
    }

    func run() throws {
        let terminal = isatty(STDERR_FILENO) == 1
        let finished = try hostCommand { () throws(HostError) -> (RunDocument, Double) in
            let client = try target.client()
            let target = if let id { id } else { try Self.latest(client) }
            let started = Date()
            var lastLine = Date.distantPast
            while true {
                let run = try client.get("/v1/runs/\(target)", as: RunDocument.self)
                let elapsed = Date().timeIntervalSince(started)
                if !json, terminal || Date().timeIntervalSince(lastLine) >= 2 || run.isFinished {
                    lastLine = Date()
                    let line = Self.progressLine(run, elapsed: elapsed)
                    FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
                }
                if run.isFinished {
                    if terminal && !json { FileHandle.standardError.write(Data("\n".utf8)) }
                    return (run, elapsed)
                }
                usleep(UInt32(max(0.05, interval) * 1e6))
            }
        }
        let (run, elapsed) = finished
        if json { print(try jsonText(run)); return }
        print("run \(run.id) \(run.state): \(run.presentationsBegun) of \(run.presentationsPlanned) presentations, \(run.fires ?? 0) fires, watched for \(String(format: "%.1f", elapsed)) s")
        if !["completed", "stopped"].contains(run.state) { throw ExitCode(1) }
    }

    static func progressLine(_ run: RunDocument, elapsed: Double) -> String {
        let fraction = run.presentationsPlanned == 0 ? 0 : Double(run.presentationsBegun) / Double(run.presentationsPlanned)
        let filled = Int((fraction * 30).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
        let rate = elapsed > 0 ? Double(run.fires ?? 0) / elapsed : 0
        return "run \(run.id) [\(bar)] \(run.presentationsBegun)/\(run.presentationsPlanned) presentations, \(run.fires ?? 0) fires (\(String(format: "%.1f", rate))/s), \(run.state)"
    }
}
