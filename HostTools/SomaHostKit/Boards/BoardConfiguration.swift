import Foundation

/// The boards a user has added (`soma board add`), in `boards.json` under the user's config
/// directory: `$SOMA_CONFIG_DIR`, else `$XDG_CONFIG_HOME/soma`, else `~/.config/soma`.
public struct BoardConfiguration: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var url: String
        /// A file whose first line is the board's bearer token.
        public var tokenFile: String?
        public init(url: String, tokenFile: String?) {
            self.url = url
            self.tokenFile = tokenFile
        }
    }

    public var boards: [String: Entry] = [:]
    /// The board commands use when `--board` is not given.
    public var defaultBoard: String?

    public init() {}

    public static var directory: String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["SOMA_CONFIG_DIR"], !explicit.isEmpty { return explicit }
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/soma" }
        return FileManager.default.homeDirectoryForCurrentUser.path + "/.config/soma"
    }

    public static var path: String { directory + "/boards.json" }

    /// The saved configuration; an empty one if there is none yet.
    public static func load() throws(HostError) -> BoardConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else { return BoardConfiguration() }
        do {
            return try JSONDecoder().decode(BoardConfiguration.self, from: data)
        } catch {
            throw HostError("\(path) is not a board list soma can read (\(error.localizedDescription)); fix or remove it")
        }
    }

    public func save() throws(HostError) {
        do {
            try FileManager.default.createDirectory(atPath: Self.directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(self).write(to: URL(fileURLWithPath: Self.path), options: .atomic)
        } catch {
            throw HostError("cannot save \(Self.path): \(error.localizedDescription)")
        }
    }

    /// The board `name`, or the default one.
    public func resolve(_ name: String?) throws(HostError) -> (name: String, entry: Entry) {
        guard let chosen = name ?? defaultBoard else {
            throw HostError("no board given and no default board; add one with `soma board add NAME URL`")
        }
        guard let entry = boards[chosen] else {
            let known = boards.keys.sorted()
            throw HostError("no board named '\(chosen)'" + (known.isEmpty ? "; add one with `soma board add NAME URL`" : "; known: \(known.joined(separator: ", "))"))
        }
        return (chosen, entry)
    }
}

/// A problem a host command reports as one sentence (no stack trace), exit status 1 unless said.
public struct HostError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public var exitCode: Int32
    public init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}
