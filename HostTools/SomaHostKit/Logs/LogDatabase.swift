import Foundation
import GRDB
import SomaProtocol

/// The host's copy of boards' event logs: one SQLite file (GRDB), events keyed by board and
/// sequence number, each with the run it belongs to. A pull stores each page and moves the
/// board's cursor in one transaction, so an interrupted pull leaves a consistent database and
/// the next pull goes on from where it stopped, never storing an event twice.
public final class LogDatabase {
    public let path: String
    let queue: DatabaseQueue

    /// `$SOMA_DATA_DIR`, else `$XDG_DATA_HOME/soma`, else `~/.local/share/soma`, + `/logs.sqlite`.
    public static var defaultPath: String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["SOMA_DATA_DIR"], !explicit.isEmpty { return explicit + "/logs.sqlite" }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/soma/logs.sqlite" }
        return FileManager.default.homeDirectoryForCurrentUser.path + "/.local/share/soma/logs.sqlite"
    }

    /// Opens (or creates) the database. A file that is not a database soma can use, or one another
    /// program holds locked, is an error that names it, and the file is left as it was.
    public init(path: String = LogDatabase.defaultPath) throws(HostError) {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(2)
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            // Read before writing anything: a corrupt or foreign file fails here, untouched.
            let tables = try queue.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
            if !tables.isEmpty, !tables.contains("events") {
                throw HostError("\(path) is a SQLite database of something else (tables: \(tables.joined(separator: ", "))); give soma its own file with --database")
            }
            try Self.migrator.migrate(queue)
        } catch let error as HostError {
            throw error
        } catch {
            throw Self.explain(error, path: path)
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE boards (
                    name TEXT PRIMARY KEY NOT NULL,
                    url TEXT NOT NULL,
                    last_sequence INTEGER NOT NULL,
                    current_run INTEGER
                );
                CREATE TABLE events (
                    board TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    run INTEGER,
                    tick INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    layer INTEGER NOT NULL,
                    neuron INTEGER NOT NULL,
                    payload INTEGER NOT NULL,
                    PRIMARY KEY (board, sequence)
                ) WITHOUT ROWID;
                CREATE INDEX events_by_run ON events (board, run, sequence);
                """)
        }
        migrator.registerMigration("v2: tick length per board, for plots in time") { db in
            try db.execute(sql: "ALTER TABLE boards ADD COLUMN tick_microseconds REAL")
        }
        migrator.registerMigration("v3: events a board could not return (damaged on its disk)") { db in
            try db.execute(sql: """
                CREATE TABLE lost_events (
                    board TEXT NOT NULL,
                    first INTEGER NOT NULL,
                    last INTEGER NOT NULL,
                    reason TEXT NOT NULL,
                    PRIMARY KEY (board, first)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }

    /// Records how long a tick of `board` is (from its status), for plots in real time.
    public func setTickMicroseconds(_ value: Double, board: String) throws(HostError) {
        do {
            try queue.write { db in try db.execute(sql: "UPDATE boards SET tick_microseconds = ? WHERE name = ?", arguments: [value, board]) }
        } catch {
            throw Self.explain(error, path: path)
        }
    }

    public func tickMicroseconds(board: String) throws(HostError) -> Double? {
        do {
            return try queue.read { db in try Double.fetchOne(db, sql: "SELECT tick_microseconds FROM boards WHERE name = ?", arguments: [board]) }
        } catch {
            throw Self.explain(error, path: path)
        }
    }

    /// The highest run number stored for `board`.
    public func latestRun(board: String) throws(HostError) -> Int64? {
        do {
            return try queue.read { db in try Int64.fetchOne(db, sql: "SELECT max(run) FROM events WHERE board = ?", arguments: [board]) }
        } catch {
            throw Self.explain(error, path: path)
        }
    }

    static func explain(_ error: any Error, path: String) -> HostError {
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return HostError("the log database \(path) is locked by another program (another `soma logs pull`?); try again when it is done")
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return HostError("\(path) is not a SQLite database soma can use (\(error.message ?? "damaged")); it was left as it is; give another file with --database")
            case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
                return HostError("cannot write the log database \(path): \(error.message ?? "\(error.resultCode)")")
            default:
                return HostError("the log database \(path): \(error.message ?? "\(error)")")
            }
        }
        return HostError("the log database \(path): \(error)")
    }

    /// The last sequence number stored for `board` (0: none yet).
    /// The events `board` reported it could not return (damaged on its disk), in order.
    public func lostEvents(board: String) throws(HostError) -> [LostEvents] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT first, last, reason FROM lost_events WHERE board = ? ORDER BY first", arguments: [board]).map {
                    LostEvents(first: UInt64($0["first"] as Int64), last: UInt64($0["last"] as Int64), reason: $0["reason"])
                }
            }
        } catch {
            throw Self.explain(error, path: path)
        }
    }

    public func cursor(board: String) throws(HostError) -> UInt64 {
        do {
            return try queue.read { db in
                try Int64.fetchOne(db, sql: "SELECT last_sequence FROM boards WHERE name = ?", arguments: [board]).map { UInt64($0) } ?? 0
            }
        } catch {
            throw Self.explain(error, path: path)
        }
    }

    /// Stores one page of `board`'s events, which must follow on from its cursor, and moves the
    /// cursor, in one transaction. Each event is given the run it belongs to (from the
    /// run-started and run-ended events the board logged).
    public func store(board: String, url: String, events: [EventDocument], lost: [LostEvents] = []) throws(HostError) {
        do {
            try queue.write { db in
                let row = try Row.fetchOne(db, sql: "SELECT last_sequence, current_run FROM boards WHERE name = ?", arguments: [board])
                let last = UInt64(row?["last_sequence"] as Int64? ?? 0)
                var run: Int64? = row?["current_run"]
                let insert = try db.makeStatement(sql: "INSERT INTO events (board, sequence, run, tick, kind, layer, neuron, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                let insertLost = try db.makeStatement(sql: "INSERT INTO lost_events (board, first, last, reason) VALUES (?, ?, ?, ?)")
                // Events and the ranges the board reported lost must follow on from `last` with
                // no gap and no overlap; anything else stores nothing.
                var pendingLost = lost.sorted { $0.first < $1.first }[...]
                var expected = last + 1
                func takeLost(upTo sequence: UInt64) throws {
                    while let range = pendingLost.first, range.first < sequence {
                        guard range.first == expected, range.last >= range.first, range.last < sequence else {
                            throw HostError("board '\(board)' reported events \(range.first)…\(range.last) lost where \(expected) was due; nothing of the page was stored")
                        }
                        try insertLost.execute(arguments: [board, Int64(range.first), Int64(range.last), range.reason])
                        expected = range.last + 1
                        pendingLost = pendingLost.dropFirst()
                    }
                }
                for event in events {
                    try takeLost(upTo: event.sequence)
                    guard event.sequence == expected else {
                        throw HostError(expected == last + 1
                            ? "board '\(board)' sent events from sequence \(event.sequence), but the database holds them up to \(last); nothing was stored"
                            : "board '\(board)' skipped from \(expected - 1) to \(event.sequence) in one page; nothing of it was stored")
                    }
                    if event.kind == "run-started" { run = Int64(event.payload) }
                    try insert.execute(arguments: [board, Int64(event.sequence), run, Int64(bitPattern: event.tick), event.kind, event.layer, event.neuron, Int64(event.payload)])
                    if event.kind == "run-ended" { run = nil }
                    expected += 1
                }
                try takeLost(upTo: .max)
                try db.execute(
                    sql: """
                        INSERT INTO boards (name, url, last_sequence, current_run) VALUES (?, ?, ?, ?)
                        ON CONFLICT(name) DO UPDATE SET url = excluded.url, last_sequence = excluded.last_sequence, current_run = excluded.current_run
                        """,
                    arguments: [board, url, Int64(expected - 1), run])
            }
        } catch let error as HostError {
            throw error
        } catch {
            throw Self.explain(error, path: path)
        }
    }

    /// A stored event and where it came from.
    public struct StoredEvent: Sendable, Equatable {
        public var board: String
        public var run: Int64?
        public var event: EventDocument
    }

    /// Stored events in board and sequence order, filtered, handed to `body` one at a time.
    public func forEachEvent(board: String?, run: Int64?, kinds: [String]?, _ body: (StoredEvent) throws -> Void) throws(HostError) {
        var clauses: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let board { clauses.append("board = ?"); arguments.append(board) }
        if let run { clauses.append("run = ?"); arguments.append(run) }
        if let kinds, !kinds.isEmpty {
            clauses.append("kind IN (" + kinds.map { _ in "?" }.joined(separator: ", ") + ")")
            arguments += kinds.map { $0 as (any DatabaseValueConvertible)? }
        }
        let sql = "SELECT * FROM events" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY board, sequence"
        do {
            try queue.read { db in
                let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
                while let row = try rows.next() {
                    try body(StoredEvent(
                        board: row["board"], run: row["run"],
                        event: EventDocument(
                            sequence: UInt64(row["sequence"] as Int64), tick: UInt64(bitPattern: row["tick"] as Int64),
                            kind: row["kind"], layer: row["layer"], neuron: row["neuron"], payload: UInt32(row["payload"] as Int64))))
                }
            }
        } catch let error as HostError {
            throw error
        } catch {
            throw Self.explain(error, path: path)
        }
    }

    /// Events stored per board.
    public func counts() throws(HostError) -> [String: Int] {
        do {
            return try queue.read { db in
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT board, count(*) AS n FROM events GROUP BY board").map { ($0["board"] as String, $0["n"] as Int) })
            }
        } catch {
            throw Self.explain(error, path: path)
        }
    }
}
