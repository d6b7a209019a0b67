import SomaProtocol

/// `soma logs pull`: pages of events from a board into the database, from the board's cursor on.
public enum LogPuller {
    public struct Progress: Sendable {
        public var pulled: Int
        /// The last sequence stored, and the last the board had synced when the pull began.
        public var stored: UInt64
        public var target: UInt64
    }

    /// Pulls every event the board has synced (as of the first page) into the database; returns
    /// how many were added. Pages are stored one transaction each.
    public static func pull(
        _ client: BoardClient, into database: LogDatabase, pageSize: Int = API.maxPageSize,
        progress: (Progress) -> Void = { _ in }
    ) throws(HostError) -> Int {
        let tick = try client.get("/v1/status", as: StatusDocument.self).loop.tickMicroseconds
        var after = try database.cursor(board: client.name)
        var pulled = 0
        var target: UInt64?
        while true {
            let page = try client.get("/v1/events?after=\(after)&limit=\(pageSize)", as: EventsPage.self)
            target = target ?? page.lastSequence
            let lost = page.lost ?? []
            if page.events.isEmpty && lost.isEmpty { break }
            try database.store(board: client.name, url: client.url, events: page.events, lost: lost)
            pulled += page.events.count
            after = page.next
            progress(Progress(pulled: pulled, stored: after, target: target ?? after))
            if after >= target ?? after { break }
        }
        try database.setTickMicroseconds(tick, board: client.name)
        return pulled
    }
}
