import FuzzDriver
import Foundation
import SomaHostKit
import SomaProtocol

/// The bodies the daemon decodes (POST /v1/patterns, POST /v1/runs): the first byte picks the
/// document, the rest is the body. A refusal must name what is wrong, as the API's 400 does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAPIRequests(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let body = Data(UnsafeBufferPointer(start: data + 1, count: size - 1))
    do {
        if data[0] & 1 == 0 {
            let set = try JSONDecoder().decode(PatternSetDocument.self, from: body)
            // The host reads the same document as a pattern file.
            _ = PatternReader.parse(Array(body), file: "\(set.name).json")
        } else {
            _ = try JSONDecoder().decode(RunSpec.self, from: body)
        }
    } catch {
        if DecodingProblem(error).message.isEmpty { fatalError("a refusal with no message") }
    }
    return 0
}

@_cdecl("fuzz_api_requests_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzAPIRequests)
}
