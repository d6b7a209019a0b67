import FuzzDriver
import SomaHostKit

/// Pattern files: the first byte picks the reader (text grid, PBM, JSON), the rest is the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPatterns(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let file = ["fuzz.txt", "fuzz.pbm", "fuzz.json"][Int(data[0]) % 3]
    let report = PatternReader.parse(bytes, file: file)
    // Every problem names the file and a place in it.
    for problem in report.problems where !problem.description.hasPrefix(file + ":") { fatalError("unplaced problem: \(problem)") }
    return 0
}

@_cdecl("fuzz_patterns_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzPatterns)
}
