#if canImport(Glibc)
import Glibc
#endif

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
    /// Closed segments kept; older ones are deleted (their sequence numbers become unavailable).
    public var retainedSegments: Int = 64

    public init(directory: String) { self.directory = directory }
}

/// One record: its sequence number (1, 2, 3, … with no gaps) and its payload.
public struct LogRecord: Sendable, Equatable {
    public var sequence: UInt64
    public var payload: [UInt8]
}

/// The board's append-only event log: segment files of checksummed records.
///
/// File layout: `segment-<first sequence, 20 digits>.log`; each record is
/// `length u32 | crc32c u32 | sequence u64 | payload`, little-endian, where the checksum covers
/// sequence and payload. `append` buffers; `sync` writes the buffer and fsyncs, and only synced
/// records are promised to survive a crash. On open, the newest segment is scanned and a torn or
/// damaged tail is cut and reported in `recovery`.
public final class EventLog {
    public static let headerBytes = 16
    public static let maxPayloadBytes = 1 << 16

    public let settings: EventLogSettings
    /// What opening the log cut from its tail, if anything.
    public private(set) var recovery: TailRecovery?
    /// The sequence number the next appended record gets.
    public private(set) var nextSequence: UInt64
    /// The first sequence number still stored (after rotation), or `nextSequence` if none.
    public private(set) var firstSequence: UInt64

    private var segments: [(first: UInt64, path: String)] = []
    private var descriptor: Int32 = -1
    private var segmentBytes = 0
    private var pending: [UInt8] = []

    public init(settings: EventLogSettings) throws(EventLogError) {
        self.settings = settings
        nextSequence = 1
        firstSequence = 1
        if mkdir(settings.directory, 0o755) != 0 && errno != EEXIST {
            throw .io(call: "mkdir", path: settings.directory, errno: errno)
        }
        segments = try Self.listSegments(settings.directory)
        if let newest = segments.last {
            let (next, bytes, cut) = try Self.recoverTail(path: newest.path, first: newest.first)
            recovery = cut
            nextSequence = next
            segmentBytes = bytes
            descriptor = open(newest.path, O_WRONLY | O_APPEND | O_CLOEXEC)
            guard descriptor >= 0 else { throw .io(call: "open", path: newest.path, errno: errno) }
            firstSequence = segments[0].first
        } else {
            try startSegment()
        }
    }

    deinit {
        try? sync()
        if descriptor >= 0 { close(descriptor) }
    }

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

    /// Scans a segment; returns the next sequence, the good length and what was cut.
    static func recoverTail(path: String, first: UInt64) throws(EventLogError) -> (UInt64, Int, TailRecovery?) {
        let bytes = try readFile(path)
        var offset = 0
        var expected = first
        var reason: String?
        while offset < bytes.count {
            switch decode(bytes, at: offset, expecting: expected) {
            case .success(let record, let length):
                _ = record
                offset += length
                expected += 1
            case .failure(let why):
                reason = why
            }
            if reason != nil { break }
        }
        guard let reason else { return (expected, offset, nil) }
        guard truncate(path, off_t(offset)) == 0 else { throw .io(call: "truncate", path: path, errno: errno) }
        let name = String(path.split(separator: "/").last ?? "")
        return (expected, offset, TailRecovery(segment: name, offset: offset, bytesCut: bytes.count - offset, reason: reason))
    }

    enum Decoded {
        case success(LogRecord, length: Int)
        case failure(String)
    }

    static func decode(_ bytes: [UInt8], at offset: Int, expecting sequence: UInt64) -> Decoded {
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
        guard found == sequence else { return .failure("sequence \(found) where \(sequence) was due") }
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

    private func startSegment() throws(EventLogError) {
        let path = settings.directory + "/" + Self.segmentName(nextSequence)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(call: "open", path: path, errno: errno) }
        if descriptor >= 0 { close(descriptor) }
        descriptor = fd
        segmentBytes = 0
        segments.append((nextSequence, path))
        // Retention: delete the oldest closed segments beyond the limit.
        while segments.count > settings.retainedSegments + 1 {
            let oldest = segments.removeFirst()
            unlink(oldest.path)
        }
        firstSequence = segments[0].first
    }

    /// Appends one record; returns its sequence number. Buffered until `sync`.
    @discardableResult
    public func append(_ payload: [UInt8]) throws(EventLogError) -> UInt64 {
        guard payload.count <= Self.maxPayloadBytes else { throw .payloadTooLarge(bytes: payload.count, limit: Self.maxPayloadBytes) }
        if segmentBytes + pending.count >= settings.maxSegmentBytes {
            try sync()
            try startSegment()
        }
        let sequence = nextSequence
        var body: [UInt8] = []
        body.reserveCapacity(8 + payload.count)
        for index in 0..<8 { body.append(UInt8(truncatingIfNeeded: sequence >> (8 * index))) }
        body += payload
        let checksum = CRC32C.checksum(body)
        for index in 0..<4 { pending.append(UInt8(truncatingIfNeeded: UInt32(payload.count) >> (8 * index))) }
        for index in 0..<4 { pending.append(UInt8(truncatingIfNeeded: checksum >> (8 * index))) }
        pending += body
        nextSequence += 1
        return sequence
    }

    /// Writes what is buffered and fsyncs: the records appended so far survive a crash.
    public func sync() throws(EventLogError) {
        let path = segments.last?.path ?? settings.directory
        var written = 0
        while written < pending.count {
            let count = pending[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else {
                let saved = errno
                pending.removeFirst(written)
                segmentBytes += written
                throw .io(call: "write", path: path, errno: saved)
            }
            written += count
        }
        segmentBytes += written
        pending.removeAll(keepingCapacity: true)
        guard fsync(descriptor) == 0 else { throw .io(call: "fsync", path: path, errno: errno) }
    }

    /// Records with sequence numbers after `after`, at most `limit` of them (synced ones only).
    /// Asking for records that were rotated away is an error that says what is available.
    public func read(after: UInt64, limit: Int) throws(EventLogError) -> [LogRecord] {
        guard after + 1 >= firstSequence || nextSequence == firstSequence else {
            throw .rotatedAway(requested: after, available: firstSequence...max(firstSequence, nextSequence - 1))
        }
        var records: [LogRecord] = []
        for (index, segment) in segments.enumerated() {
            let end = index + 1 < segments.count ? segments[index + 1].first : UInt64.max
            guard end > after + 1, records.count < limit else { continue }
            let bytes = try Self.readFile(segment.path)
            var offset = 0
            var expected = segment.first
            while offset < bytes.count, records.count < limit {
                switch Self.decode(bytes, at: offset, expecting: expected) {
                case .success(let record, let length):
                    if record.sequence > after { records.append(record) }
                    offset += length
                    expected += 1
                case .failure(let reason):
                    throw .corrupt(segment: String(segment.path.split(separator: "/").last ?? ""), offset: offset, reason: reason)
                }
            }
        }
        return records
    }
}
