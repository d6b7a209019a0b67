import FuzzDriver
import Foundation
import SomaStore

/// A log segment as found on disk after a crash or corruption: opened (the torn tail cut) and
/// read to the end. Whatever the bytes, opening either recovers or throws a named error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogSegment(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let directory = NSTemporaryDirectory() + "soma-fuzz-log-\(getpid())"
    try? FileManager.default.removeItem(atPath: directory)
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let segment = directory + "/segment-00000000000000000001.log"
    _ = FileManager.default.createFile(atPath: segment, contents: Data(UnsafeBufferPointer(start: data, count: size)))
    do {
        let log = try EventLog(settings: EventLogSettings(directory: directory))
        let records = try log.read(after: 0, limit: 100_000)
        // Records come out in sequence, without gaps, and never more than the bytes could hold.
        for (index, record) in records.enumerated() where record.sequence != UInt64(index + 1) { fatalError("sequence \(record.sequence) at \(index)") }
        if records.count * EventLog.headerBytes > size { fatalError("\(records.count) records from \(size) bytes") }
    } catch {
        if "\(error)".isEmpty { fatalError("an unnamed error") }
    }
    return 0
}

@_cdecl("fuzz_log_segment_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzLogSegment)
}
