import Foundation
import SomaProtocol

/// The JSON form: the daemon's pattern-set document (`{"name", "width", "patterns": [{"label",
/// "pixels": "0110…"}]}`), the name optional. Without `width`, each pattern is one row.
enum JSONPatterns {
    /// As the API's document, but the name is optional in a file (`--name` or the file's name).
    struct FileSet: Decodable {
        var name: String?
        var width: Int?
        var patterns: [PatternDocument]
    }

    static func parse(_ text: String, file: String) -> PatternFileReport {
        let set: FileSet
        do {
            set = try JSONDecoder().decode(FileSet.self, from: Data(text.utf8))
        } catch {
            return PatternReader.failure(file, 1, 1, "not a pattern-set JSON document (\"name\", \"patterns\": [{\"label\", \"pixels\"}]): \(DecodingProblem(error).message)")
        }
        var problems: [PatternDiagnostic] = []
        var patterns: [PatternImage] = []
        let locations = pixelLocations(text)
        guard !set.patterns.isEmpty else { return PatternReader.failure(file, 1, 1, "\"patterns\" is empty") }
        let size = set.patterns[0].pixels.count
        for (index, pattern) in set.patterns.enumerated() {
            let (line, column) = index < locations.count ? locations[index] : (1, 1)
            if let bad = pattern.pixels.firstIndex(where: { $0 != "0" && $0 != "1" }) {
                problems.append(PatternDiagnostic(file: file, line: line, column: column, message: "patterns[\(index)].pixels has '\(pattern.pixels[bad])'; pixels are 0 or 1"))
                continue
            }
            if pattern.pixels.count != size {
                problems.append(PatternDiagnostic(file: file, line: line, column: column, message: "patterns[\(index)].pixels has \(pattern.pixels.count) pixels; patterns[0] has \(size)"))
                continue
            }
            let width = set.width ?? size
            guard width > 0, size % width == 0 else {
                problems.append(PatternDiagnostic(file: file, line: 1, column: 1, message: "width \(width) does not divide the \(size) pixels of a pattern"))
                break
            }
            patterns.append(PatternImage(label: pattern.label, width: width, height: size / width, pixels: pattern.pixels.map { $0 == "1" }))
        }
        return PatternFileReport(file: file, patterns: problems.isEmpty ? patterns : [], problems: problems)
    }

    /// Line and column of each `"pixels"` key, in order: where a pattern's problem is shown.
    static func pixelLocations(_ text: String) -> [(Int, Int)] {
        var found: [(Int, Int)] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = line[...]
            while let range = rest.range(of: "\"pixels\"") {
                found.append((number + 1, line.distance(from: line.startIndex, to: range.lowerBound) + 1))
                rest = rest[range.upperBound...]
            }
        }
        return found
    }
}
