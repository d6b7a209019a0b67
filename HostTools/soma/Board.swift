import ArgumentParser
import Foundation
import SomaHostKit
import SomaProtocol

struct Board: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The boards this host talks to (somad's URL and token), and their status.",
        discussion: "Boards are kept in boards.json under $SOMA_CONFIG_DIR, $XDG_CONFIG_HOME/soma or ~/.config/soma.",
        subcommands: [BoardAdd.self, BoardList.self, BoardStatus.self]
    )
}

struct BoardAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add (or replace) a board; the first one added becomes the default.")

    @Argument(help: "A short name for the board.")
    var name: String

    @Argument(help: "somad's URL, as it printed it (http://HOST:PORT).")
    var url: String

    @Option(help: "A file whose first line is the board's token (somad --token-file).")
    var tokenFile: String?

    @Flag(help: "Make it the default board.")
    var makeDefault = false

    func validate() throws {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw ValidationError("'\(url)' is not an http:// URL; give it as somad printed it, e.g. http://127.0.0.1:7878")
        }
        if let tokenFile, !FileManager.default.isReadableFile(atPath: tokenFile) {
            throw ValidationError("cannot read the token file \(tokenFile)")
        }
    }

    func run() throws {
        try hostCommand { () throws(HostError) in
            var configuration = try BoardConfiguration.load()
            let absoluteToken = tokenFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            configuration.boards[name] = .init(url: url, tokenFile: absoluteToken)
            if makeDefault || configuration.defaultBoard == nil { configuration.defaultBoard = name }
            try configuration.save()
        }
        print("added board \(name) at \(url)")
    }
}

struct BoardList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The boards added, the default one marked *.")

    @Flag(help: "Print the list as JSON.")
    var json = false

    func run() throws {
        let configuration = try hostCommand { () throws(HostError) in try BoardConfiguration.load() }
        if json {
            print(try jsonText(["default": configuration.defaultBoard ?? NSNull(), "boards": configuration.boards.keys.sorted().map { name -> [String: Any] in
                ["name": name, "url": configuration.boards[name]!.url, "tokenFile": configuration.boards[name]!.tokenFile ?? NSNull()]
            }] as [String: Any]))
            return
        }
        if configuration.boards.isEmpty { print("no boards; add one with `soma board add NAME URL`") }
        for name in configuration.boards.keys.sorted() {
            let entry = configuration.boards[name]!
            print("\(name == configuration.defaultBoard ? "*" : " ") \(name)  \(entry.url)" + (entry.tokenFile != nil ? "  (token)" : ""))
        }
    }
}

struct BoardStatus: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Loop state, latency percentiles, overruns, store size and the latest run of a board.")

    @Argument(help: "The board (default: the default board).")
    var name: String?

    @Flag(help: "Print the daemon's status document as JSON.")
    var json = false

    func run() throws {
        let status = try hostCommand { () throws(HostError) in try BoardClient.configured(name).get("/v1/status", as: StatusDocument.self) }
        if json { print(try jsonText(status)); return }
        for line in StatusText.lines(status) { print(line) }
    }
}

/// `--board NAME`: which added board a command talks to.
struct BoardChoice: ParsableArguments {
    @Option(help: "The board (default: the default board).")
    var board: String?

    func client() throws(HostError) -> BoardClient { try BoardClient.configured(board) }
}

extension BoardClient {
    /// The client for a configured board (or the default one).
    static func configured(_ name: String?) throws(HostError) -> BoardClient {
        let (chosen, entry) = try BoardConfiguration.load().resolve(name)
        return try BoardClient(chosen, entry)
    }
}

/// Runs a host command's work; a HostError becomes one sentence on stderr and its exit status.
func hostCommand<T>(_ work: () throws(HostError) -> T) throws -> T {
    do {
        return try work()
    } catch {
        FileHandle.standardError.write(Data(("soma: " + error.description.replacingOccurrences(of: "\n", with: "\nsoma: ") + "\n").utf8))
        throw ExitCode(error.exitCode)
    }
}

/// One JSON document: Encodable values, or JSONSerialization-style dictionaries.
func jsonText(_ value: Any) throws -> String {
    if let encodable = value as? any Encodable {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(encodable), as: UTF8.self)
    }
    return String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
}
