import FuzzDriver
import Foundation
import SomaHostKit

/// Run spec files: the first byte picks TOML or JSON, the rest is the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRunSpec(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let isTOML = data[0] & 1 == 1
    let bytes = Data(UnsafeBufferPointer(start: data + 1, count: size - 1))
    do {
        _ = try RunSpecFile.parse(bytes, file: isTOML ? "fuzz.toml" : "fuzz.json", isTOML: isTOML)
    } catch {
        if !error.description.hasPrefix("fuzz.") { fatalError("an error that does not name the file: \(error.description)") }
    }
    return 0
}

@_cdecl("fuzz_run_spec_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzRunSpec)
}
