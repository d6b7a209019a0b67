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

/// Damage in the middle of the log: the reader goes on at the next whole record, and says which
/// sequence numbers it could not return; nothing after the damage is lost with it.
@Suite("Event log: reading past damage")
struct EventLogDamageTests {
    /// A log of 1…count in segments of about `segmentBytes`, synced; the segment files in order.
    func makeLog(_ directory: String, count: Int, segmentBytes: Int = 1_000) throws -> (EventLog, [String]) {
        var settings = EventLogSettings(directory: directory)
        settings.maxSegmentBytes = segmentBytes
        let log = try EventLog(settings: settings)
        for index in 1...count { try log.append(payload(index)) }
        try log.sync()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map { directory + "/" + $0 }
        return (log, files)
    }

    func damage(_ path: String, at offset: Int, _ change: (inout UInt8) -> Void) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        change(&bytes[offset])
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    @Test("a flipped bit in an older segment: every other record is returned, the damaged one is reported lost with its place, and records plus lost ranges cover the log without a gap")
    func flippedBit() throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (log, files) = try makeLog(directory, count: 200)
        try damage(files[0], at: 40) { $0 ^= 0x01 }  // inside record 2 (records 1 and 2 are 16 + 17 and 16 + 18 bytes)
        let page = try log.readPage(after: 0, limit: 1_000)
        #expect(page.lost.map { "\($0.first)…\($0.last)" } == ["2…2"])
        #expect(page.lost.first?.segment == URL(fileURLWithPath: files[0]).lastPathComponent && page.lost.first?.reason == "a checksum mismatch")
        #expect(page.records.map(\.sequence) == [1] + Array(3...200))
        for record in page.records { #expect(record.payload == payload(Int(record.sequence))) }
        // Paging through it in small pages gives the same, each lost range once.
        var after: UInt64 = 0
        var seen: [UInt64] = []
        var lost: [String] = []
        while true {
            let small = try log.readPage(after: after, limit: 7)
            if small.records.isEmpty && small.lost.isEmpty { break }
            seen += small.records.map(\.sequence)
            lost += small.lost.map { "\($0.first)…\($0.last)" }
            after = max(small.records.last?.sequence ?? after, small.lost.last?.last ?? after)
        }
        #expect(seen == [1] + Array(3...200) && lost == ["2…2"])
    }

    @Test("a damaged length field that looks like a record running past the end does not end the read early: the rest comes back")
    func damagedLength() throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (log, files) = try makeLog(directory, count: 200)
        try damage(files[0], at: 34) { $0 = 0xF0 }  // record 2's length: 240 bytes, past the segment's end
        let page = try log.readPage(after: 0, limit: 1_000)
        #expect(page.lost.map { "\($0.first)…\($0.last)" } == ["2…2"])
        #expect(page.records.count == 199 && page.records.last?.sequence == 200)
    }

    @Test("damage in the newest segment found at start is not taken for a torn tail: nothing after it is cut, appending goes on, reads skip only the damaged record")
    func damageInNewestSegmentAtStart() throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (first, files) = try makeLog(directory, count: 50, segmentBytes: 1 << 20)
        _ = first
        #expect(files.count == 1)
        try damage(files[0], at: 40) { $0 ^= 0xFF }
        let reopened = try EventLog(settings: EventLogSettings(directory: directory))
        #expect(reopened.recovery == nil, "no tail was cut")
        #expect(reopened.nextSequence == 51)
        try reopened.append(payload(51))
        try reopened.sync()
        let page = try reopened.readPage(after: 0, limit: 1_000)
        #expect(page.lost.map { "\($0.first)…\($0.last)" } == ["2…2"])
        #expect(page.records.map(\.sequence) == [1] + Array(3...51))
        #expect(throws: EventLogError.self) { try reopened.read(after: 0, limit: 1_000) }
    }

    @Test("a torn tail is still cut at start, and a whole segment's worth of damage is one lost range")
    func tornTailAndWholeSegment() throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (log, files) = try makeLog(directory, count: 200)
        // Every byte of the second segment after its first record is garbage.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: files[1]))
        let firstOfSecond = UInt64(URL(fileURLWithPath: files[1]).lastPathComponent.split(whereSeparator: { !$0.isNumber }).first.flatMap { UInt64($0) } ?? 0)
        for index in 40..<bytes.count { bytes[index] = 0x5A }
        try bytes.write(to: URL(fileURLWithPath: files[1]))
        let page = try log.readPage(after: 0, limit: 1_000)
        let nextSegmentFirst = UInt64(URL(fileURLWithPath: files[2]).lastPathComponent.split(whereSeparator: { !$0.isNumber }).first.flatMap { UInt64($0) } ?? 0)
        #expect(page.lost.count == 1 && page.lost[0].last == nextSegmentFirst - 1 && page.lost[0].first <= firstOfSecond + 2)
        let returned = Set(page.records.map(\.sequence))
        let lostSet = Set(page.lost[0].first...page.lost[0].last)
        #expect(returned.isDisjoint(with: lostSet) && returned.union(lostSet) == Set(1...200))

        // A torn tail on the newest segment: cut and reported as before.
        let newest = try FileManager.default.contentsOfDirectory(atPath: directory).sorted().last!
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/" + newest))
        handle.seekToEndOfFile()
        handle.write(Data([0x20, 0, 0, 0, 1, 2, 3]))
        try handle.close()
        let reopened = try EventLog(settings: EventLogSettings(directory: directory))
        #expect(reopened.recovery?.bytesCut == 7 && reopened.nextSequence == 201)
    }
}
