import FuzzDriver
import Foundation
import SomaStore

/// A log segment as found on disk after a crash or corruption: opened (the torn tail cut) and
/// read to the end past any damage. Whatever the bytes, opening either recovers or throws a named
/// error, and reading accounts for every sequence number.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogSegment(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let directory = NSTemporaryDirectory() + "soma-fuzz-log-\(getpid())"
    try? FileManager.default.removeItem(atPath: directory)
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let segment = directory + "/segment-00000000000000000001.log"
    _ = FileManager.default.createFile(atPath: segment, contents: Data(UnsafeBufferPointer(start: data, count: size)))
    do {
        let log = try EventLog(settings: EventLogSettings(directory: directory))
        let (records, lost) = try log.readPage(after: 0, limit: 100_000)
        // Records and lost ranges cover 1…durable in order, without gap or overlap, and there are
        // never more records than the bytes could hold.
        var expected: UInt64 = 1
        var nextRecord = 0
        var nextLost = 0
        while expected <= log.durableSequence {
            if nextRecord < records.count, records[nextRecord].sequence == expected {
                nextRecord += 1
                expected += 1
            } else if nextLost < lost.count, lost[nextLost].first == expected, lost[nextLost].last >= expected {
                expected = lost[nextLost].last + 1
                nextLost += 1
            } else {
                fatalError("nothing covers sequence \(expected)")
            }
        }
        if nextRecord != records.count || nextLost != lost.count { fatalError("records or lost ranges past the durable end") }
        if records.count * EventLog.headerBytes > size { fatalError("\(records.count) records from \(size) bytes") }
        // The strict reader agrees: it returns the same records when nothing is lost, or names the damage.
        if lost.isEmpty, try log.read(after: 0, limit: 100_000) != records { fatalError("read and readPage differ") }
    } catch {
        if "\(error)".isEmpty { fatalError("an unnamed error") }
    }
    return 0
}

@_cdecl("fuzz_log_segment_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzLogSegment)
}
