import Foundation
import SomaProtocol
import TOMLKit

/// A run spec file, TOML or JSON (by its extension; anything else is tried as JSON):
///
///     protocol = "present"
///     patternSet = "digits"
///     [parameters]
///     periodsPerPattern = 20
///     repeats = 5
///
/// Checked here as strictly as the daemon checks it (unknown fields refused), so a typo is
/// caught before anything reaches the board.
public enum RunSpecFile {
    public static func load(_ path: String) throws(HostError) -> RunSpec {
        guard let data = FileManager.default.contents(atPath: path) else { throw HostError("cannot read the run spec \(path)", exitCode: 65) }
        var json = data
        if path.hasSuffix(".toml") {
            do {
                json = Data(try TOMLTable(string: String(decoding: data, as: UTF8.self)).convert(to: .json).utf8)
            } catch let error as TOMLParseError {
                throw HostError("\(path):\(error.source.begin.line):\(error.source.begin.column): \(error.description)", exitCode: 65)
            } catch {
                throw HostError("\(path): not TOML: \(error)", exitCode: 65)
            }
        }
        do {
            return try JSONDecoder().decode(RunSpec.self, from: json)
        } catch {
            throw HostError("\(path): \(describe(error))", exitCode: 65)
        }
    }

    static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }
        switch error {
        case DecodingError.keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is required"
        case DecodingError.typeMismatch(_, let context): return "\(path(context.codingPath)) has the wrong type"
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty: return "\(path(context.codingPath)): \(context.debugDescription)"
        default: return "not a run spec (JSON or TOML with protocol, patternSet, parameters)"
        }
    }
}
