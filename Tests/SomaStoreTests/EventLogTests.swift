import Foundation
import SomaStore
import Testing

private func scratchDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("soma-log-\(UUID().uuidString)").path
    return path
}

private func payload(_ sequence: Int) -> [UInt8] {
    (0..<(8 + sequence % 9)).map { UInt8(truncatingIfNeeded: sequence &* 31 &+ $0) }
}

/// Writes records 1…count into a fresh log in `directory`, synced, and closes it; returns the
/// path of its (only) segment.
@discardableResult
private func writeClosedLog(_ directory: String, records count: Int) throws -> String {
    do {
        let log = try EventLog(settings: EventLogSettings(directory: directory))
        for index in 1...count { try log.append(payload(index)) }
        try log.sync()
    }
    return directory + "/" + (try FileManager.default.contentsOfDirectory(atPath: directory)).sorted()[0]
}

@Suite("Event log")
struct EventLogTests {
    @Test("appended and synced records come back in order after a reopen, in pages, none missing or repeated")
    func roundTrip() throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try writeClosedLog(directory, records: 1_000)
        let log = try EventLog(settings: EventLogSettings(directory: directory))
        #expect(log.recovery == nil)
        #expect(log.nextSequence == 1_001)
        var pulled: [LogRecord] = []
        var after: UInt64 = 0
        while true {
            let page = try log.read(after: after, limit: 128)
            if page.isEmpty { break }
            pulled += page
            after = page.last!.sequence
        }
        #expect(pulled.map(\.sequence) == (1...1_000).map(UInt64.init))
        #expect(pulled.map(\.payload) == (1...1_000).map(payload))
    }

    @Test("a torn tail (a record half written when the power went) is cut and reported; earlier records intact")
    func tornTail() throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let segment = try writeClosedLog(directory, records: 100)
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        handle.seekToEndOfFile()
        handle.write(Data([40, 0, 0, 0, 1, 2, 3, 4, 101, 0, 0]))  // a header cut short
        handle.closeFile()
        let log = try EventLog(settings: EventLogSettings(directory: directory))
        let recovery = try #require(log.recovery)
        #expect(recovery.bytesCut == 11)
        #expect(recovery.reason.contains("partial record"))
        #expect(log.nextSequence == 101)
        #expect(try log.read(after: 0, limit: 1_000).map(\.sequence) == (1...100).map(UInt64.init))
        #expect(try log.append([9, 9]) == 101)
        try log.sync()
        #expect(try log.read(after: 100, limit: 10).map(\.payload) == [[9, 9]])
    }

    @Test("a damaged last record (checksum mismatch) is cut, not returned")
    func damagedTail() throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let segment = try writeClosedLog(directory, records: 10)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: segment))
        let log = try EventLog(settings: EventLogSettings(directory: directory))
        #expect(log.recovery?.reason == "a checksum mismatch")
        #expect(try log.read(after: 0, limit: 100).map(\.sequence) == (1...9).map(UInt64.init))
    }

    @Test("segments rotate by size; reading rotated-away records says what is still available")
    func rotation() throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = EventLogSettings(directory: directory)
        settings.maxSegmentBytes = 1_000
        settings.retainedSegments = 2
        let log = try EventLog(settings: settings)
        for index in 1...500 {
            try log.append(payload(index))
            if index % 10 == 0 { try log.sync() }
        }
        try log.sync()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(files.count == 3)
        #expect(log.firstSequence > 1)
        do {
            _ = try log.read(after: 0, limit: 10)
            Issue.record("read records that were rotated away")
        } catch {
            #expect(error == .rotatedAway(requested: 0, available: log.firstSequence...500))
            #expect(error.description.contains("are available"))
        }
        let kept = try log.read(after: log.firstSequence - 1, limit: 1_000)
        #expect(kept.map(\.sequence) == (log.firstSequence...500).map { $0 })
    }

    @Test("damage in the middle of an older segment: a read names the segment and the offset")
    func damageInTheMiddle() throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = EventLogSettings(directory: directory)
        settings.maxSegmentBytes = 1_000
        let log = try EventLog(settings: settings)
        for index in 1...200 { try log.append(payload(index)) }
        try log.sync()
        let first = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()[0]
        var bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + first))
        bytes[40] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: directory + "/" + first))
        do {
            _ = try log.read(after: 0, limit: 1_000)
            Issue.record("returned damaged records")
        } catch {
            guard case .corrupt(let segment, let offset, let reason) = error else { Issue.record("\(error)"); return }
            #expect(segment == first)
            #expect(offset < 40)
            #expect(reason == "a checksum mismatch")
        }
    }

    @Test("readers see synced records only: a record a crash could still take away is never served")
    func unsyncedIsInvisible() throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try EventLog(settings: EventLogSettings(directory: directory))
        for index in 1...10 { try log.append(payload(index)) }
        try log.sync()
        for index in 11...20 { try log.append(payload(index)) }
        #expect(log.durableSequence == 10)
        #expect(try log.read(after: 0, limit: 100).map(\.sequence) == (1...10).map(UInt64.init))
        try log.sync()
        #expect(try log.read(after: 10, limit: 100).map(\.sequence) == (11...20).map(UInt64.init))
    }

    @Test("a read from the middle of a long log starts at the right record, across segments and index strides")
    func readFromTheMiddle() throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = EventLogSettings(directory: directory)
        settings.maxSegmentBytes = 64 << 10
        do {
            let log = try EventLog(settings: settings)
            for index in 1...20_000 { try log.append(payload(index)) }
            try log.sync()
        }
        // Reopened: the older segments are indexed on first read.
        let log = try EventLog(settings: settings)
        #expect(log.segmentCount > 3)
        for after in [0, 1, 1_023, 1_024, 1_025, 7_777, 19_990, 19_999, 20_000] as [UInt64] {
            let page = try log.read(after: after, limit: 50)
            let expected = Array((after + 1)...min(after + 50, 20_000 + 1)).filter { $0 <= 20_000 }
            #expect(page.map(\.sequence) == expected, "after \(after)")
            #expect(page.map(\.payload) == expected.map { payload(Int($0)) })
        }
    }

    @Test("segments also rotate by age, so retention drops old records on a board that logs slowly")
    func rotationByAge() throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = EventLogSettings(directory: directory)
        settings.maxSegmentAgeSeconds = 1
        settings.retainedSegments = 1
        let log = try EventLog(settings: settings)
        try log.append(payload(1))
        try log.sync()
        #expect(log.segmentCount == 1)
        usleep(1_100_000)
        try log.append(payload(2))
        try log.sync()
        #expect(log.segmentCount == 2)
        usleep(1_100_000)
        try log.append(payload(3))
        try log.sync()
        #expect(log.segmentCount == 2)
        #expect(log.firstSequence == 2)
        #expect(try log.read(after: 1, limit: 10).map(\.sequence) == [2, 3])
    }

    @Test("a reader running beside the writer always sees a gap-free prefix of the log")
    func concurrentReader() async throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = EventLogSettings(directory: directory)
        settings.maxSegmentBytes = 16 << 10
        let log = try EventLog(settings: settings)
        let total = 30_000
        let reader = Task.detached { () throws -> [UInt64] in
            var seen: [UInt64] = []
            var after: UInt64 = 0
            while after < UInt64(total) {
                let page = try log.read(after: after, limit: 777)
                seen += page.map(\.sequence)
                after = page.last?.sequence ?? after
            }
            return seen
        }
        for index in 1...total {
            try log.append(payload(index))
            if index % 500 == 0 { try log.sync() }
        }
        try log.sync()
        let seen = try await reader.value
        #expect(seen == (1...UInt64(total)).map { $0 })
    }
}
