import Foundation
import SomaProtocol

/// Reads pattern files: a text grid, netpbm PBM (P1 or P4, one pattern a file, the label from the
/// file name), or JSON (the daemon's pattern-set document). Every problem is reported with its
/// line and column, and a file with problems yields no patterns.
///
/// The text grid: rows of `#`/`.` (or `1`/`0`), a blank line between patterns, an optional
/// `label: …` line before a pattern and an optional `size: WxH` line at the top that every
/// pattern must match.
public enum PatternReader {
    /// Reads a file, or every `.pbm`, `.txt` and `.json` file of a directory (in name order, as one set).
    public static func read(path: String) -> PatternFileReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return failure(path, 1, 1, "no such file or directory")
        }
        if isDirectory.boolValue {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
                .filter { $0.hasSuffix(".pbm") || $0.hasSuffix(".txt") || $0.hasSuffix(".json") }.sorted()
            guard !names.isEmpty else { return failure(path, 1, 1, "the directory holds no .pbm, .txt or .json pattern files") }
            var report = PatternFileReport(file: path, patterns: [], problems: [])
            for name in names {
                let one = read(path: path + "/" + name)
                report.patterns += one.patterns
                report.problems += one.problems
            }
            if !report.problems.isEmpty { report.patterns = [] }
            return report
        }
        guard let data = FileManager.default.contents(atPath: path) else { return failure(path, 1, 1, "cannot read the file") }
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return parse(Array(data), file: path, defaultLabel: stem)
    }

    /// Parses the bytes of one file; `defaultLabel` names a PBM's pattern.
    public static func parse(_ bytes: [UInt8], file: String, defaultLabel: String? = nil) -> PatternFileReport {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return failure(file, 1, 1, "the file is empty: no patterns")
        }
        if bytes.starts(with: Array("P4".utf8)) { return PBM.parse(bytes, file: file, label: defaultLabel, binary: true) }
        if let zero = bytes.firstIndex(of: 0) ?? (String(validating: bytes, as: UTF8.self) == nil ? bytes.indices.first { bytes[$0] >= 0x80 } : nil) {
            let (line, column) = position(of: zero, in: bytes)
            return failure(file, line, column, String(format: "not a pattern file: binary data (byte 0x%02X at offset %d)", bytes[zero], zero))
        }
        if bytes.starts(with: Array("P1".utf8)) { return PBM.parse(bytes, file: file, label: defaultLabel, binary: false) }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.drop(while: \.isWhitespace).first == "{" { return JSONPatterns.parse(text, file: file) }
        return TextGrid.parse(text, file: file)
    }

    static func failure(_ file: String, _ line: Int, _ column: Int, _ message: String) -> PatternFileReport {
        PatternFileReport(file: file, patterns: [], problems: [PatternDiagnostic(file: file, line: line, column: column, message: message)])
    }

    /// 1-based line and column of a byte offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> (Int, Int) {
        var line = 1
        var column = 1
        for byte in bytes.prefix(offset) {
            if byte == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }
}

/// The text grid format.
enum TextGrid {
    static func parse(_ text: String, file: String) -> PatternFileReport {
        var problems: [PatternDiagnostic] = []
        var patterns: [PatternImage] = []
        var declared: (width: Int, height: Int, line: Int)?
        var label: (text: String, line: Int)?
        var rows: [(pixels: [Bool], line: Int)] = []
        func problem(_ line: Int, _ column: Int, _ message: String) {
            problems.append(PatternDiagnostic(file: file, line: line, column: column, message: message))
        }
        func finishPattern() {
            defer { rows = []; label = nil }
            guard let first = rows.first else { return }
            let width = first.pixels.count
            let name = label.map { "pattern '\($0.text)'" } ?? "the pattern at line \(first.line)"
            if let declared, (declared.width, declared.height) != (width, rows.count) {
                problem(first.line, 1, "\(name) is \(width) × \(rows.count) (width × height); line \(declared.line) declares size \(declared.width)x\(declared.height)")
            } else if declared == nil, let previous = patterns.first, (previous.width, previous.height) != (width, rows.count) {
                problem(first.line, 1, "\(name) is \(width) × \(rows.count) (width × height); the first pattern is \(previous.width) × \(previous.height)")
            }
            // Ragged rows were reported; pad or cut them so the rest can still be checked.
            let pixels = rows.flatMap { row in Array(row.pixels.prefix(width)) + Array(repeating: false, count: max(0, width - row.pixels.count)) }
            patterns.append(PatternImage(label: label?.text, width: width, height: rows.count, pixels: pixels))
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                if let label, rows.isEmpty { problem(label.line, 1, "label '\(label.text)' has no pattern under it") }
                finishPattern()
                continue
            }
            if let colon = trimmed.firstIndex(of: ":") {
                let key = trimmed[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                switch key {
                case "label":
                    if !rows.isEmpty { finishPattern() }
                    label = (value, number)
                case "size":
                    let parts = value.lowercased().split(separator: "x").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                    if parts.count == 2, parts[0] > 0, parts[1] > 0, patterns.isEmpty, rows.isEmpty {
                        declared = (parts[0], parts[1], number)
                    } else if !(patterns.isEmpty && rows.isEmpty) {
                        problem(number, 1, "size: belongs at the top, before the first pattern")
                    } else {
                        problem(number, trimmed.distance(from: trimmed.startIndex, to: colon) + 3, "size must be WIDTHxHEIGHT with both above 0, e.g. size: 5x6; found '\(value)'")
                    }
                default:
                    problem(number, 1, "unknown line '\(key):'; a line with a colon is label: or size:")
                }
                continue
            }
            var pixels: [Bool] = []
            var reported = false
            for (column, character) in line.enumerated() {
                switch character {
                case "#", "1": pixels.append(true)
                case ".", "0": pixels.append(false)
                case " ", "\t": continue
                default:
                    // Reported once a row, and counted as a pixel so the row's size stays right.
                    if !reported { problem(number, column + 1, "unknown character '\(character)'; pixels are '#' or '.', or '1' or '0'") }
                    reported = true
                    pixels.append(false)
                }
            }
            if let first = rows.first, first.pixels.count != pixels.count {
                problem(number, min(pixels.count, first.pixels.count) + 1, "a ragged row: \(pixels.count) pixels where the pattern's first row (line \(first.line)) has \(first.pixels.count)")
            }
            rows.append((pixels, number))
        }
        if let label, rows.isEmpty { problem(label.line, 1, "label '\(label.text)' has no pattern under it") }
        finishPattern()
        if patterns.isEmpty && problems.isEmpty { problem(1, 1, "no patterns: no rows of '#'/'.' or '1'/'0'") }
        return PatternFileReport(file: file, patterns: problems.isEmpty ? patterns : [], problems: problems)
    }
}
