/// Where each key of a TOML document starts, so that a problem found after parsing (a line used
/// twice, a limit exceeded) can be reported as FILE:LINE:COL like a syntax error. TOMLKit parses;
/// this only scans table headers and `key =` lines, which is all a board profile uses.
///
/// Paths are dotted, with array-of-tables entries indexed: `lines.L0.n0.fire` is written as
/// `lines."L0.n0.fire"` in TOML and recorded as `lines.L0.n0.fire`; the second `[[shift_out]]`
/// table's `data` key is `shift_out[1].data`.
struct SourceLocator {
    struct Position: Equatable, Sendable {
        var line: Int
        var column: Int
    }

    private(set) var positions: [String: Position] = [:]

    init(text: String) {
        var table = ""
        var arrayCounts: [String: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let leading = rawLine.prefix { $0 == " " || $0 == "\t" }.count
            let line = rawLine.dropFirst(leading)
            if line.hasPrefix("[[") {
                let name = Self.keyPath(line.dropFirst(2).prefix { $0 != "]" })
                let count = arrayCounts[name, default: 0]
                arrayCounts[name] = count + 1
                table = "\(name)[\(count)]"
                positions[table] = Position(line: lineNumber, column: leading + 1)
            } else if line.hasPrefix("[") {
                table = Self.keyPath(line.dropFirst().prefix { $0 != "]" })
                positions[table] = Position(line: lineNumber, column: leading + 1)
            } else if let equals = Self.assignment(in: line) {
                let key = Self.keyPath(line[..<equals])
                guard !key.isEmpty else { continue }
                let path = table.isEmpty ? key : table + "." + key
                if positions[path] == nil { positions[path] = Position(line: lineNumber, column: leading + 1) }
            }
        }
    }

    /// The position of `path`, else of the nearest enclosing table that has one, else 1:1.
    func position(of path: String) -> Position {
        var candidate = path
        while true {
            if let position = positions[candidate] { return position }
            if candidate.hasSuffix("]"), let bracket = candidate.lastIndex(of: "[") {
                candidate = String(candidate[..<bracket])
                continue
            }
            guard let dot = candidate.lastIndex(of: ".") else { return Position(line: 1, column: 1) }
            candidate = String(candidate[..<dot])
        }
    }

    /// The index of the `=` of a `key = value` line, outside quotes; nil for other lines.
    private static func assignment(in line: Substring) -> Substring.Index? {
        guard let first = line.first, first != "#" else { return nil }
        var quote: Character?
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "=" {
                return index
            } else if character == "#" {
                return nil
            }
            index = line.index(after: index)
        }
        return nil
    }

    /// `a."b.c" . d` → `a.b.c.d`: quoted parts kept whole, whitespace dropped.
    private static func keyPath(_ raw: Substring) -> String {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for character in raw {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "." {
                parts.append(current)
                current = ""
            } else if character != " " && character != "\t" {
                current.append(character)
            }
        }
        parts.append(current)
        return parts.joined(separator: ".")
    }
}
