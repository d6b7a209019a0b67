import Foundation
import SomaBoardProfile
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
        return try parse(data, file: path, isTOML: path.hasSuffix(".toml"))
    }

    /// Parses a run spec's bytes; `file` names it in errors.
    public static func parse(_ data: Data, file path: String, isTOML: Bool) throws(HostError) -> RunSpec {
        var json = data
        if isTOML {
            do {
                json = Data(try TOMLHeaderCheck.table(from: String(decoding: data, as: UTF8.self)).convert(to: .json).utf8)
            } catch {
                throw HostError("\(path):\(error.line):\(error.column): \(error.message)", exitCode: 65)
            }
        }
        do {
            return try JSONDecoder().decode(RunSpec.self, from: json)
        } catch {
            let problem = DecodingProblem(error)
            throw HostError("\(path): " + (problem.field == nil ? "not a run spec (JSON or TOML with protocol, patternSet, parameters)" : problem.message), exitCode: 65)
        }
    }
}
