import TOMLKit

/// A table header whose first character is not a key (`[#x]`, `[=]`, `[.]`, `[` then a line
/// break, a non-ASCII character) trips an assertion inside toml++ (TOMLKit 0.6.0's parser, found by
/// `make fuzz`): the process aborts instead of reporting a syntax error. Every TOML document Soma
/// reads passes this check first, so such a file gets a FILE:LINE:COL error like any other.
///
/// A small lexer finds the headers as the parser would: it skips strings (basic, literal and their
/// multi-line forms, with escapes), comments, and lines inside an array value.
public enum TOMLHeaderCheck {
    /// The one way Soma parses TOML: the header check, then the parser; any problem as a line,
    /// a column and a message (without the file, which the caller knows).
    public static func table(from text: String) throws(TOMLSyntaxError) -> TOMLTable {
        if let header = firstHeaderWithoutKey(text) {
            throw TOMLSyntaxError(line: header.line, column: header.column, message: message(found: header.found))
        }
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw TOMLSyntaxError(line: error.source.begin.line, column: error.source.begin.column, message: "TOML syntax: \(error.description)")
        } catch {
            throw TOMLSyntaxError(line: 1, column: 1, message: "TOML syntax: \(error)")
        }
    }

    enum Mode { case code, comment, basic, literal, multilineBasic, multilineLiteral }

    /// The line and column (1-based, in characters) of the first table header that does not start
    /// with a key, and what is there instead; nil when there is none.
    public static func firstHeaderWithoutKey(_ text: String) -> (line: Int, column: Int, found: String)? {
        let scalars = Array(text.unicodeScalars)
        func at(_ index: Int) -> UInt32 { index < scalars.count ? scalars[index].value : 0 }
        func starts(_ index: Int, _ quote: UInt32) -> Bool { at(index) == quote && at(index + 1) == quote && at(index + 2) == quote }
        let newline: UInt32 = 0x0A, quote: UInt32 = 0x22, apostrophe: UInt32 = 0x27, backslash: UInt32 = 0x5C
        var mode = Mode.code
        var arrayDepth = 0
        var line = 1, lineStart = 0
        var atLineStart = true
        var index = 0
        while index < scalars.count {
            let value = scalars[index].value
            if value == newline {
                if mode == .comment || mode == .basic || mode == .literal { mode = .code }
                line += 1
                lineStart = index + 1
                atLineStart = true
                index += 1
                continue
            }
            switch mode {
            case .comment:
                index += 1
            case .basic:
                index += value == backslash ? 2 : 1
                if value == quote { mode = .code }
            case .literal:
                index += 1
                if value == apostrophe { mode = .code }
            case .multilineBasic:
                if value == backslash {
                    index += 2
                } else if starts(index, quote) {
                    mode = .code
                    index += 3
                } else {
                    index += 1
                }
            case .multilineLiteral:
                if starts(index, apostrophe) {
                    mode = .code
                    index += 3
                } else {
                    index += 1
                }
            case .code:
                if atLineStart {
                    if isSpace(value) || value == 0x0D {
                        index += 1
                        continue
                    }
                    atLineStart = false
                    if value == 0x5B, arrayDepth == 0, let problem = headerProblem(scalars, at: index) {
                        return (line, problem.offset - lineStart + 1, problem.found)
                    }
                }
                switch value {
                case 0x23: mode = .comment
                case quote: mode = starts(index, quote) ? .multilineBasic : .basic
                case apostrophe: mode = starts(index, apostrophe) ? .multilineLiteral : .literal
                case 0x5B: arrayDepth += 1
                case 0x5D: arrayDepth = max(0, arrayDepth - 1)
                default: break
                }
                index += (mode == .multilineBasic || mode == .multilineLiteral) ? 3 : 1
            }
        }
        return nil
    }

    /// For a `[` that opens a header at `index`: where its first key should be and what is there
    /// instead, or nil when it is a key, a quote or the closing bracket.
    static func headerProblem(_ scalars: [Unicode.Scalar], at index: Int) -> (offset: Int, found: String)? {
        var position = index + 1
        if position < scalars.count, scalars[position] == "[" { position += 1 }
        while position < scalars.count, isSpace(scalars[position].value) { position += 1 }
        guard position < scalars.count, scalars[position] != "\n", scalars[position] != "\r" else {
            return (position, "the end of the line")
        }
        let next = scalars[position]
        let isKey = (next.isASCII && (next.properties.isAlphabetic || ("0"..."9").contains(next))) || "_-\"']".unicodeScalars.contains(next)
        if isKey { return nil }
        return (position, next.isASCII ? "'\(Character(next))'" : "a non-ASCII character (quote such a key)")
    }

    /// Tabs, spaces, a byte-order mark and the Unicode spaces the parser skips as well.
    static func isSpace(_ value: UInt32) -> Bool {
        value == 0x20 || value == 0x09 || value == 0xFEFF || value == 0xA0 || value == 0x1680
            || (0x2000...0x200A).contains(value) || value == 0x202F || value == 0x205F || value == 0x3000
    }

    /// The message for a header found by `firstHeaderWithoutKey`.
    public static func message(found: String) -> String {
        "TOML syntax: a table header must start with a key (letters, digits, _ or -, or a quoted string), not \(found)"
    }
}

/// A TOML document that does not parse: where, and why.
public struct TOMLSyntaxError: Error, Sendable, Equatable {
    public var line: Int
    public var column: Int
    public var message: String
}
