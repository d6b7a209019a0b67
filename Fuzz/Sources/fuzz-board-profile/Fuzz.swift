import FuzzDriver
import SomaBoardProfile

/// Board profiles (TOML): parsed and checked as `soma profile check` and somad do.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBoardProfile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        _ = try BoardProfile.parse(text, file: "fuzz.toml")
    } catch {
        // A refused profile says why, with a place.
        if error.diagnostics.isEmpty { fatalError("refused without a problem") }
        for problem in error.diagnostics where problem.line < 1 { fatalError("problem without a line: \(problem)") }
    }
    return 0
}

@_cdecl("fuzz_board_profile_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzBoardProfile)
}
