#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// What went wrong with the log, naming the file, the offset or the sequence numbers.
public enum EventLogError: Error, Equatable, CustomStringConvertible {
    /// A system call failed on a log file.
    case io(call: String, path: String, errno: Int32)
    /// A record that should be whole is not (outside the tail recovery cuts): where and why.
    case corrupt(segment: String, offset: Int, reason: String)
    /// Records after `requested` were rotated away; `available` is what is still there.
    case rotatedAway(requested: UInt64, available: ClosedRange<UInt64>)
    /// A payload longer than a record may carry.
    case payloadTooLarge(bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .io(let call, let path, let errno): "\(call) on \(path) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case .corrupt(let segment, let offset, let reason): "\(segment) at byte \(offset): \(reason)"
        case .rotatedAway(let requested, let available):
            "records after \(requested) were rotated away; sequence numbers \(available.lowerBound)…\(available.upperBound) are available"
        case .payloadTooLarge(let bytes, let limit): "a record payload of \(bytes) bytes exceeds the limit of \(limit)"
        }
    }
}

/// What start-up found at the end of the newest segment and cut: a record torn by a crash or
/// power cut (a partial write) or damaged. Records before it are kept; nothing after it is invented.
public struct TailRecovery: Sendable, Equatable, CustomStringConvertible {
    public var segment: String
    public var offset: Int
    public var bytesCut: Int
    public var reason: String
    public var description: String { "cut \(bytesCut) bytes at offset \(offset) of \(segment): \(reason)" }
}

public struct EventLogSettings: Sendable {
    public var directory: String
    /// A segment is closed and a new one started when it reaches this size.
    public var maxSegmentBytes: Int = 64 << 20
    /// A segment is also closed once it is this old (seconds), so that retention can drop old
    /// records on a board that logs slowly. Nil: by size only.
    public var maxSegmentAgeSeconds: Int? = nil
    /// Closed segments kept; older ones are deleted (their sequence numbers become unavailable).
    public var retainedSegments: Int = 64

    public init(directory: String) { self.directory = directory }
}

/// One record: its sequence number (1, 2, 3, … with no gaps) and its payload.
public struct LogRecord: Sendable, Equatable {
    public var sequence: UInt64
    public var payload: [UInt8]
}

/// Records a read could not return because the bytes that held them are damaged: their sequence
/// numbers, and where the damage starts and what it is.
public struct LostRecords: Sendable, Equatable, CustomStringConvertible {
    public var first: UInt64
    public var last: UInt64
    public var segment: String
    public var offset: Int
    public var reason: String

    public var description: String {
        "records \(first)…\(last) lost: \(segment) at byte \(offset): \(reason)"
    }
}

/// The board's append-only event log: segment files of checksummed records.
///
/// File layout: `segment-<first sequence, 20 digits>.log`; each record is
/// `length u32 | crc32c u32 | sequence u64 | payload`, little-endian, where the checksum covers
/// sequence and payload. `append` buffers; `sync` writes the buffer and fsyncs, and only synced
/// records are promised to survive a crash — and only synced records are read back, so a reader
/// never sees a record that a crash could take away. On open, the newest segment is scanned and a
/// torn or damaged tail is cut and reported in `recovery`.
///
/// One thread appends and syncs (the writer); any number of threads may read at the same time.
public final class EventLog: @unchecked Sendable {
    public static let headerBytes = 16
    public static let maxPayloadBytes = 1 << 16
    /// Every this many records a segment remembers the offset of one, so a read seeks instead of
    /// scanning the segment from its start.
    static let indexStride: UInt64 = 1024

    public let settings: EventLogSettings
    /// What opening the log cut from its tail, if anything.
    public let recovery: TailRecovery?
    /// The sequence number the next appended record gets (writer thread).
    public private(set) var nextSequence: UInt64

    /// What readers and the writer share.
    struct Segment {
        var first: UInt64
        var path: String
        /// Offsets of records first, first + stride, …; nil until someone reads the segment.
        var index: [Int]?
    }
    struct Shared {
        var segments: [Segment] = []
        /// One past the last synced record.
        var durableNext: UInt64 = 1
    }
    private let shared = Mutex(Shared())

    // Writer-thread state.
    private var descriptor: Int32 = -1
    private var segmentBytes = 0
    private var segmentStartedSeconds: Int64 = 0
    /// The first sequence number of the segment being written.
    private var segmentFirst: UInt64 = 1
    private var pending: [UInt8] = []
    /// A failed write left part of `pending` in the file: cut it before writing again.
    private var tornWrite = false

    public init(settings: EventLogSettings) throws(EventLogError) {
        self.settings = settings
        nextSequence = 1
        if mkdir(settings.directory, 0o755) != 0 && errno != EEXIST {
            throw .io(call: "mkdir", path: settings.directory, errno: errno)
        }
        var segments = try Self.listSegments(settings.directory).map { Segment(first: $0.first, path: $0.path, index: nil) }
        if let newest = segments.last {
            let scan = try Self.recoverTail(path: newest.path, first: newest.first)
            recovery = scan.cut
            nextSequence = scan.next
            segmentBytes = scan.goodBytes
            segmentFirst = newest.first
            segments[segments.count - 1].index = scan.index
            descriptor = open(newest.path, O_WRONLY | O_APPEND | O_CLOEXEC)
            guard descriptor >= 0 else { throw .io(call: "open", path: newest.path, errno: errno) }
            segmentStartedSeconds = Self.monotonicSeconds()
            let next = nextSequence
            shared.withLock {
                $0.segments = segments
                $0.durableNext = next
            }
        } else {
            recovery = nil
            try startSegment()
        }
    }

    deinit {
        try? sync()
        if descriptor >= 0 { close(descriptor) }
    }

    /// The first sequence number still stored (after rotation), or `durableSequence + 1` if none.
    public var firstSequence: UInt64 { shared.withLock { $0.segments.first?.first ?? $0.durableNext } }
    /// The last synced sequence number (0 when nothing was ever synced): what readers can see.
    public var durableSequence: UInt64 { shared.withLock { $0.durableNext - 1 } }
    /// Bytes in the segment files.
    public var storedBytes: Int {
        let paths = shared.withLock { $0.segments.map(\.path) }
        var total = 0
        for path in paths {
            var info = stat()
            if stat(path, &info) == 0 { total += Int(info.st_size) }
        }
        return total
    }
    /// Segment files on disk.
    public var segmentCount: Int { shared.withLock { $0.segments.count } }

    static func segmentName(_ first: UInt64) -> String {
        let digits = String(first)
        return "segment-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".log"
    }

    static func listSegments(_ directory: String) throws(EventLogError) -> [(first: UInt64, path: String)] {
        guard let handle = opendir(directory) else { throw .io(call: "opendir", path: directory, errno: errno) }
        defer { closedir(handle) }
        var found: [(UInt64, String)] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix("segment-"), name.hasSuffix(".log"),
                  let first = UInt64(name.dropFirst(8).dropLast(4)) else { continue }
            found.append((first, directory + "/" + name))
        }
        return found.sorted { $0.0 < $1.0 }
    }

    struct Scan {
        var next: UInt64
        var goodBytes: Int
        var index: [Int]
        var cut: TailRecovery?
    }

    /// Scans a segment: the next sequence, the good length, the offset index and what was cut
    /// (if `cutTail`, the bad tail is also truncated away).
    static func recoverTail(path: String, first: UInt64, cutTail: Bool = true) throws(EventLogError) -> Scan {
        let bytes = try readFile(path)
        var offset = 0
        var expected = first
        var reason: String?
        var index: [Int] = []
        /// Damage with whole records after it is not a tail: reading goes on past it.
        var damaged = false
        while offset < bytes.count {
            switch decode(bytes, at: offset, expecting: expected) {
            case .success(_, let length):
                // The index maps sequence to offset only up to the first damage.
                if !damaged && (expected - first) % indexStride == 0 { index.append(offset) }
                offset += length
                expected += 1
            case .failure(let why):
                var resume = offset + 1
                var found: LogRecord?
                // No record in this file can carry a sequence number beyond this.
                let bound = expected + UInt64(bytes.count / headerBytes) + 1
                while resume < bytes.count {
                    if case .success(let record, _) = decode(bytes, at: resume, expectingFrom: expected, before: bound) {
                        found = record
                        break
                    }
                    resume += 1
                }
                if let found {
                    damaged = true
                    offset = resume
                    expected = found.sequence
                } else {
                    reason = why
                }
            }
            if reason != nil { break }
        }
        guard let reason else { return Scan(next: expected, goodBytes: offset, index: index, cut: nil) }
        let name = String(path.split(separator: "/").last ?? "")
        let cut = TailRecovery(segment: name, offset: offset, bytesCut: bytes.count - offset, reason: reason)
        guard cutTail else { return Scan(next: expected, goodBytes: offset, index: index, cut: cut) }
        guard truncate(path, off_t(offset)) == 0 else { throw .io(call: "truncate", path: path, errno: errno) }
        return Scan(next: expected, goodBytes: offset, index: index, cut: cut)
    }

    enum Decoded {
        case success(LogRecord, length: Int)
        case failure(String)
    }

    static func decode(_ bytes: [UInt8], at offset: Int, expecting sequence: UInt64) -> Decoded {
        let decoded = decodeRecord(bytes, at: offset)
        guard case .success(let record, _) = decoded, record.sequence != sequence else { return decoded }
        return .failure("sequence \(record.sequence) where \(sequence) was due")
    }

    /// A whole record with a sequence number in `sequence..<stop` (looking past damage).
    static func decode(_ bytes: [UInt8], at offset: Int, expectingFrom sequence: UInt64, before stop: UInt64) -> Decoded {
        // The sequence number first: most offsets inside damage fail here, before a checksum.
        if bytes.count - offset >= headerBytes {
            var found: UInt64 = 0
            for index in 0..<8 { found |= UInt64(bytes[offset + 8 + index]) << (8 * index) }
            guard (sequence..<stop).contains(found) else { return .failure("sequence \(found) outside \(sequence)..<\(stop)") }
        }
        let decoded = decodeRecord(bytes, at: offset)
        guard case .success(let record, _) = decoded, !(sequence..<stop).contains(record.sequence) else { return decoded }
        return .failure("sequence \(record.sequence) outside \(sequence)..<\(stop)")
    }

    /// A record whose length and checksum hold, whatever its sequence number.
    static func decodeRecord(_ bytes: [UInt8], at offset: Int) -> Decoded {
        guard bytes.count - offset >= headerBytes else { return .failure("a partial record header (\(bytes.count - offset) bytes)") }
        func word<T: FixedWidthInteger>(_ at: Int, _: T.Type) -> T {
            var value: T = 0
            for index in 0..<MemoryLayout<T>.size { value |= T(bytes[at + index]) << (8 * index) }
            return value
        }
        let length = Int(word(offset, UInt32.self))
        let checksum = word(offset + 4, UInt32.self)
        guard length <= maxPayloadBytes else { return .failure("a record length of \(length) bytes, beyond the limit") }
        guard bytes.count - offset >= headerBytes + length else {
            return .failure("a partial record (\(bytes.count - offset) of \(headerBytes + length) bytes)")
        }
        let body = Array(bytes[(offset + 8)..<(offset + headerBytes + length)])
        guard CRC32C.checksum(body) == checksum else { return .failure("a checksum mismatch") }
        let found = word(offset + 8, UInt64.self)
        return .success(LogRecord(sequence: found, payload: Array(body.dropFirst(8))), length: headerBytes + length)
    }

    static func readFile(_ path: String) throws(EventLogError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(call: "open", path: path, errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = Glibc.read(fd, &chunk, chunk.count)
            guard count >= 0 else { throw .io(call: "read", path: path, errno: errno) }
            if count == 0 { break }
            bytes += chunk.prefix(count)
        }
        return bytes
    }

    static func monotonicSeconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec)
    }

    private func startSegment() throws(EventLogError) {
        let path = settings.directory + "/" + Self.segmentName(nextSequence)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(call: "open", path: path, errno: errno) }
        if descriptor >= 0 { close(descriptor) }
        descriptor = fd
        segmentBytes = 0
        segmentStartedSeconds = Self.monotonicSeconds()
        segmentFirst = nextSequence
        let first = nextSequence
        let retained = settings.retainedSegments
        // Retention: forget and delete the oldest closed segments beyond the limit.
        let doomed: [String] = shared.withLock {
            $0.segments.append(Segment(first: first, path: path, index: []))
            var doomed: [String] = []
            while $0.segments.count > retained + 1 { doomed.append($0.segments.removeFirst().path) }
            if $0.segments.count == 1 { $0.durableNext = first }
            return doomed
        }
        for path in doomed { unlink(path) }
    }

    /// Appends one record; returns its sequence number. Buffered until `sync`. Writer thread.
    @discardableResult
    public func append(_ payload: [UInt8]) throws(EventLogError) -> UInt64 {
        let appended = payload.withUnsafeBytes { bytes in Result { () throws(EventLogError) in try append(bytes: bytes) } }
        return try appended.get()
    }

    /// `append` without an array: the record is built straight into the write buffer.
    @discardableResult
    public func append(bytes payload: UnsafeRawBufferPointer) throws(EventLogError) -> UInt64 {
        guard payload.count <= Self.maxPayloadBytes else { throw .payloadTooLarge(bytes: payload.count, limit: Self.maxPayloadBytes) }
        if segmentBytes + pending.count >= settings.maxSegmentBytes
            || (settings.maxSegmentAgeSeconds.map { Self.monotonicSeconds() - segmentStartedSeconds >= Int64($0) } ?? false)
                && segmentBytes + pending.count > 0
        {
            try sync()
            try startSegment()
        }
        let sequence = nextSequence
        let offset = segmentBytes + pending.count
        if (sequence - segmentFirst) % Self.indexStride == 0 {
            shared.withLock { $0.segments[$0.segments.count - 1].index?.append(offset) }
        }
        // length u32 | crc32c u32 | sequence u64 | payload; the checksum covers sequence and payload.
        let start = pending.count
        for index in 0..<4 { pending.append(UInt8(truncatingIfNeeded: UInt32(payload.count) >> (8 * index))) }
        for _ in 0..<4 { pending.append(0) }
        for index in 0..<8 { pending.append(UInt8(truncatingIfNeeded: sequence >> (8 * index))) }
        pending.append(contentsOf: payload)
        let checksum = pending.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(start + 8)...])) }
        for index in 0..<4 { pending[start + 4 + index] = UInt8(truncatingIfNeeded: checksum >> (8 * index)) }
        nextSequence += 1
        return sequence
    }

    /// Writes what is buffered and fsyncs: the records appended so far survive a crash, and
    /// readers see them from now on. Writer thread.
    ///
    /// A failed write (a full disk) loses nothing: what part of the buffer reached the file is cut
    /// again, so the segment ends on a whole record, and the whole buffer stays for the next
    /// `sync`, which writes it once there is room.
    public func sync() throws(EventLogError) {
        let path = shared.withLock { $0.segments.last?.path } ?? settings.directory
        if tornWrite {
            guard ftruncate(descriptor, off_t(segmentBytes)) == 0 else { throw .io(call: "ftruncate", path: path, errno: errno) }
            tornWrite = false
        }
        var written = 0
        while written < pending.count {
            let count = pending[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else {
                let saved = count == 0 ? ENOSPC : errno
                if written > 0 { tornWrite = ftruncate(descriptor, off_t(segmentBytes)) != 0 }
                throw .io(call: "write", path: path, errno: saved)
            }
            written += count
        }
        segmentBytes += written
        pending.removeAll(keepingCapacity: true)
        guard fsync(descriptor) == 0 else { throw .io(call: "fsync", path: path, errno: errno) }
        let next = nextSequence
        shared.withLock { $0.durableNext = next }
    }

    /// Records appended but not yet synced (buffered, or waiting for room on the disk).
    public var unsyncedRecords: UInt64 { nextSequence - shared.withLock { $0.durableNext } }

    /// Synced records with sequence numbers after `after`, at most `limit` of them, in order.
    /// Asking for records that were rotated away is an error that says what is available; damage
    /// is an error that names the segment and offset (`readPage` reads past it). Any thread.
    public func read(after: UInt64, limit: Int) throws(EventLogError) -> [LogRecord] {
        let page = try readPage(after: after, limit: limit)
        if let lost = page.lost.first { throw .corrupt(segment: lost.segment, offset: lost.offset, reason: lost.reason) }
        return page.records
    }

    /// Like `read`, but damaged bytes do not stop it: the reader finds the next whole record past
    /// them (its checksum and a later sequence number), and the sequence numbers in between are
    /// returned as lost, with where and why. Records and lost ranges together cover `after + 1`
    /// onwards without a gap.
    public func readPage(after: UInt64, limit: Int) throws(EventLogError) -> (records: [LogRecord], lost: [LostRecords]) {
        let (segments, durableNext) = shared.withLock { ($0.segments, $0.durableNext) }
        let first = segments.first?.first ?? durableNext
        guard after + 1 >= first || durableNext == first else {
            throw .rotatedAway(requested: after, available: first...max(first, durableNext - 1))
        }
        var records: [LogRecord] = []
        var lost: [LostRecords] = []
        var position = 0
        while position < segments.count, records.count < limit {
            defer { position += 1 }
            let segment = segments[position]
            let end = position + 1 < segments.count ? segments[position + 1].first : durableNext
            let wanted = max(after + 1, segment.first)
            let stop = min(end, durableNext)
            guard wanted < stop else { continue }
            var index: [Int]
            if let known = segment.index { index = known } else { index = try indexSegment(at: position, segment) }
            var sequence = segment.first
            var offset = 0
            if !index.isEmpty {
                let checkpoint = min(Int((wanted - segment.first) / Self.indexStride), index.count - 1)
                sequence = segment.first + UInt64(checkpoint) * Self.indexStride
                offset = index[checkpoint]
            }
            var found: [LostRecords] = []
            let before = records.count
            try scan(segment, from: offset, sequence: &sequence, stop: stop, lost: &found) { record in
                guard record.sequence < stop, records.count < limit else { return false }
                if record.sequence >= wanted { records.append(record) }
                return true
            }
            // Only what this page covers: lost ranges before `wanted` were reported already, and
            // one past the page's last record belongs to the next page.
            let covered = records.count > before ? records[records.count - 1].sequence : stop - 1
            for range in found where range.last >= wanted && range.first <= covered + 1 {
                var clipped = range
                clipped.first = max(range.first, wanted)
                lost.append(clipped)
            }
            if records.count >= limit { break }
        }
        return (records, lost)
    }

    /// Builds (once) the offset index of a closed segment that nobody has read yet.
    private func indexSegment(at position: Int, _ segment: Segment) throws(EventLogError) -> [Int] {
        let scan = try Self.recoverTail(path: segment.path, first: segment.first, cutTail: false)
        shared.withLock {
            if let slot = $0.segments.firstIndex(where: { $0.first == segment.first }) { $0.segments[slot].index = scan.index }
        }
        return scan.index
    }

    /// Decodes records from `offset` on, in chunks, handing each to `body` until it returns false
    /// or the file ends. Damage (anything but a record still being written past `stop`) is noted
    /// in `lost`, and decoding goes on at the next whole record with a later sequence number.
    private func scan(
        _ segment: Segment, from offset: Int, sequence: inout UInt64, stop: UInt64, lost: inout [LostRecords],
        _ body: (LogRecord) -> Bool
    ) throws(EventLogError) {
        let name = String(segment.path.split(separator: "/").last ?? "")
        let fd = open(segment.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            // Rotation deleted it between the snapshot and now.
            if errno == ENOENT { throw .rotatedAway(requested: sequence - 1, available: firstSequence...max(firstSequence, durableSequence)) }
            throw .io(call: "open", path: segment.path, errno: errno)
        }
        defer { close(fd) }
        var fileOffset = offset
        var buffer: [UInt8] = []
        var consumed = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var atEnd = false
        /// Set while looking for the next whole record after damage: where it began and why.
        var damage: (offset: Int, reason: String)?
        while true {
            if !atEnd {
                let count = pread(fd, &chunk, chunk.count, off_t(fileOffset))
                guard count >= 0 else { throw .io(call: "pread", path: segment.path, errno: errno) }
                if count == 0 {
                    atEnd = true
                } else {
                    buffer += chunk.prefix(count)
                    fileOffset += count
                }
            }
            decoding: while consumed < buffer.count && sequence < stop {
                let here = fileOffset - buffer.count + consumed
                let decoded = damage == nil
                    ? Self.decode(buffer, at: consumed, expecting: sequence)
                    : Self.decode(buffer, at: consumed, expectingFrom: sequence, before: stop)
                switch decoded {
                case .success(let record, let length):
                    if let damaged = damage {
                        if record.sequence > sequence {
                            lost.append(LostRecords(first: sequence, last: record.sequence - 1, segment: name, offset: damaged.offset, reason: damaged.reason))
                        }
                        damage = nil
                        sequence = record.sequence
                    }
                    guard body(record) else { return }
                    consumed += length
                    sequence += 1
                case .failure(let reason):
                    // A record cut by the end of this chunk: read more.
                    if reason.hasPrefix("a partial") && !atEnd { break decoding }
                    if damage == nil { damage = (here, reason) }
                    consumed += 1
                }
            }
            if atEnd || sequence >= stop {
                // Synced records the file does not hold whole are lost, not silently missing.
                if sequence < stop {
                    let damaged = damage ?? (fileOffset - buffer.count + consumed, "the segment ends early")
                    lost.append(LostRecords(first: sequence, last: stop - 1, segment: name, offset: damaged.offset, reason: damaged.reason))
                    sequence = stop
                }
                return
            }
            buffer.removeFirst(consumed)
            consumed = 0
        }
    }
}
