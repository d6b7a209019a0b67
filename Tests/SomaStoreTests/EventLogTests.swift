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
}
