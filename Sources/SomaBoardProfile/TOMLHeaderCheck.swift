/// A table header whose first character is not a key (`[#x]`, `[=]`, `[.]`, `[` then a line
/// break, a non-ASCII character) trips an assertion inside toml++ (TOMLKit 0.6.0's parser, found by `make fuzz`): the
/// process aborts instead of reporting a syntax error. Every TOML document Soma reads passes this
/// check first, so such a file gets a FILE:LINE:COL error like any other.
public enum TOMLHeaderCheck {
    /// The line and column (1-based) of the first table header that does not start with a key,
    /// or nil when there is none. Lines inside multi-line strings and inside arrays are skipped.
    public static func firstHeaderWithoutKey(_ text: String) -> (line: Int, column: Int, found: String)? {
        var inMultilineString = false
        // Open brackets of a value (an array) carried over from earlier lines: a line inside one
        // that starts with `[` is an element, not a header.
        var arrayDepth = 0
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let triples = line.components(separatedBy: "\"\"\"").count - 1 + line.components(separatedBy: "'''").count - 1
            defer { if triples % 2 == 1 { inMultilineString.toggle() } }
            if inMultilineString { continue }
            let characters = Array(line.utf8)
            var position = Self.leadingSpace(characters)
            guard arrayDepth == 0, position < characters.count, characters[position] == UInt8(ascii: "[") else {
                arrayDepth = max(0, arrayDepth + bracketBalance(characters))
                continue
            }
            position += 1
            if position < characters.count, characters[position] == UInt8(ascii: "[") { position += 1 }
            position += Self.leadingSpace(Array(characters[position...]))
            guard position < characters.count else { return (index + 1, position + 1, "the end of the line") }
            let next = characters[position]
            let isKey = (next >= 0x30 && next <= 0x39) || (next >= 0x41 && next <= 0x5A) || (next >= 0x61 && next <= 0x7A)
                || next == UInt8(ascii: "_") || next == UInt8(ascii: "-") || next == UInt8(ascii: "\"") || next == UInt8(ascii: "'")
                || next == UInt8(ascii: "]")
            if !isKey {
                // Column in characters, as the parser's own errors count them.
                let column = String(decoding: characters[..<position], as: UTF8.self).count + 1
                let shown = next < 0x80 ? "'\(Character(Unicode.Scalar(next)))'" : "a non-ASCII character (quote such a key)"
                return (index + 1, column, shown)
            }
        }
        return nil
    }

    /// Bytes of space before the first character that is not: tabs, spaces, a byte-order mark and
    /// the Unicode spaces the parser skips as well (U+00A0, U+1680, U+2000…U+200A, U+202F, U+205F,
    /// U+3000).
    static func leadingSpace(_ characters: [UInt8]) -> Int {
        var bytes = 0
        for scalar in String(decoding: characters, as: UTF8.self).unicodeScalars {
            let value = scalar.value
            let isSpace = value == 0x20 || value == 0x09 || value == 0xFEFF || value == 0xA0 || value == 0x1680
                || (0x2000...0x200A).contains(value) || value == 0x202F || value == 0x205F || value == 0x3000
            guard isSpace else { break }
            bytes += String(scalar).utf8.count
        }
        return bytes
    }

    /// `[` minus `]` outside quoted strings and before a comment.
    static func bracketBalance(_ characters: [UInt8]) -> Int {
        var balance = 0
        var quote: UInt8?
        var escaped = false
        for character in characters {
            if let open = quote {
                if escaped {
                    escaped = false
                } else if character == UInt8(ascii: "\\") && open == UInt8(ascii: "\"") {
                    escaped = true
                } else if character == open {
                    quote = nil
                }
                continue
            }
            switch character {
            case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = character
            case UInt8(ascii: "#"): return balance
            case UInt8(ascii: "["): balance += 1
            case UInt8(ascii: "]"): balance -= 1
            default: break
            }
        }
        return balance
    }

    /// The message for a header found by `firstHeaderWithoutKey`.
    public static func message(found: String) -> String {
        "TOML syntax: a table header must start with a key (letters, digits, _ or -, or a quoted string), not \(found)"
    }
}
