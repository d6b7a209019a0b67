import ArgumentParser
import Foundation
import SomaCore
import SomaHostKit
import SomaProtocol

struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Boards' event logs on this host: pull them into a SQLite database, export them.",
        discussion: """
            The database is $SOMA_DATA_DIR/logs.sqlite, else $XDG_DATA_HOME/soma/logs.sqlite, else \
            ~/.local/share/soma/logs.sqlite (--database picks another). Events are keyed by board and \
            sequence number and carry the run they belong to.
            """,
        subcommands: [LogsPull.self, LogsExport.self, LogsTail.self]
    )
}

struct DatabaseOption: ParsableArguments {
    @Option(help: "The log database (SQLite).")
    var database: String = LogDatabase.defaultPath
}

struct LogsPull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Pull a board's new events into the database: resumable after any interruption, never duplicating.")

    @OptionGroup var target: BoardChoice

    @OptionGroup var database: DatabaseOption

    @Option(help: "Events asked for per request (1…10000).")
    var pageSize: Int = API.maxPageSize

    @Flag(help: "Print the outcome as JSON: board, pulled, lastSequence.")
    var json = false

    func validate() throws {
        guard (1...API.maxPageSize).contains(pageSize) else { throw ValidationError("--page-size must be 1…\(API.maxPageSize)") }
    }

    func run() throws {
        let (client, pulled, last, lost) = try hostCommand { () throws(HostError) -> (BoardClient, Int, UInt64, [LostEvents]) in
            let client = try target.client()
            let store = try LogDatabase(path: database.database)
            var lastReport = Date.distantPast
            let pulled = try LogPuller.pull(client, into: store, pageSize: pageSize) { progress in
                guard !json, Date().timeIntervalSince(lastReport) > 0.5 else { return }
                lastReport = Date()
                FileHandle.standardError.write(Data("pulled \(progress.pulled) events (up to sequence \(progress.stored) of \(progress.target))\n".utf8))
            }
            return (client, pulled, try store.cursor(board: client.name), try store.lostEvents(board: client.name))
        }
        let lostCount = lost.reduce(0) { $0 + Int($1.last - $1.first + 1) }
        if json {
            print(try jsonText(["board": client.name, "pulled": pulled, "lastSequence": last, "lostEvents": lostCount] as [String: Any]))
        } else {
            print("pulled \(pulled) new events from \(client.name); the database holds its events up to sequence \(last)")
            for range in lost {
                FileHandle.standardError.write(Data("soma: events \(range.first)…\(range.last) are damaged on the board's disk and could not be pulled (\(range.reason))\n".utf8))
            }
        }
    }
}

struct LogsExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write pulled events as CSV or NDJSON, filtered by board, run and kind.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, ndjson }

    @Option(help: "csv (with a header row) or ndjson (one JSON object a line).")
    var format: Format = .csv

    @Option(help: "Only this board's events.")
    var board: String?

    @Option(name: .customLong("run"), help: "Only this run's events.")
    var runID: Int64?

    @Option(help: "Only these kinds, comma-separated (fire,spike,…).")
    var kind: String?

    @Option(help: "Write here instead of stdout.")
    var out: String?

    @OptionGroup var database: DatabaseOption

    static let kinds = EventKind.allCases.map(\.description)

    func validate() throws {
        if let kind {
            for name in kind.split(separator: ",").map(String.init) where !Self.kinds.contains(name) {
                throw ValidationError("--kind: unknown kind '\(name)'; kinds: \(Self.kinds.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        let target: FileHandle
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil), let opened = FileHandle(forWritingAtPath: out) else {
                FileHandle.standardError.write(Data("soma: cannot write \(out)\n".utf8))
                throw ExitCode(1)
            }
            target = opened
        } else {
            target = FileHandle.standardOutput
        }
        // Written in 64 KiB pieces: exports run to millions of lines.
        var output = ""
        var written = 0
        func sink(_ line: String) {
            output += line
            if output.utf8.count > 1 << 16 { target.write(Data(output.utf8)); output = "" }
        }
        if format == .csv { sink("board,sequence,run,tick,kind,layer,neuron,payload\n") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try hostCommand { () throws(HostError) in
            let store = try LogDatabase(path: database.database)
            try store.forEachEvent(board: board, run: runID, kinds: kind?.split(separator: ",").map(String.init)) { stored in
                let event = stored.event
                switch format {
                case .csv:
                    sink("\(Self.csvField(stored.board)),\(event.sequence),\(stored.run.map(String.init) ?? ""),\(event.tick),\(event.kind),\(event.layer),\(event.neuron),\(event.payload)\n")
                case .ndjson:
                    let object = NDJSONEvent(board: stored.board, run: stored.run, sequence: event.sequence, tick: event.tick, kind: event.kind, layer: event.layer, neuron: event.neuron, payload: event.payload)
                    sink(String(decoding: try encoder.encode(object), as: UTF8.self) + "\n")
                }
                written += 1
            }
        }
        target.write(Data(output.utf8))
        if let out {
            target.closeFile()
            FileHandle.standardError.write(Data("wrote \(written) events to \(out)\n".utf8))
        }
    }

    struct NDJSONEvent: Encodable {
        var board: String
        var run: Int64?
        var sequence: UInt64
        var tick: UInt64
        var kind: String
        var layer: Int
        var neuron: Int
        var payload: UInt32
    }

    /// Board names are the user's: quote them when CSV needs it.
    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}

struct LogsTail: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Follow a board's events live, as it logs them (Ctrl-C to stop).")

    @OptionGroup var target: BoardChoice

    @Option(help: "Start after this sequence number (default: only events from now on).")
    var after: UInt64?

    @Option(help: "Stop after this many events.")
    var count: Int?

    @Flag(help: "One JSON object a line (NDJSON) instead of text.")
    var json = false

    func run() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var shown = 0
        try hostCommand { () throws(HostError) in
            let client = try target.client()
            let start: UInt64 = if let after { after } else { try client.get("/v1/status", as: StatusDocument.self).store.lastSequence }
            try EventStream.follow(client, after: start) { event in
                let line = json
                    ? String(decoding: (try? encoder.encode(event)) ?? Data(), as: UTF8.self)
                    : "#\(event.sequence)  tick \(event.tick)  \(event.kind)  L\(event.layer) n\(event.neuron)" + (event.payload != 0 ? "  \(event.payload)" : "")
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
                shown += 1
                return count.map { shown < $0 } ?? true
            }
        }
    }
}
