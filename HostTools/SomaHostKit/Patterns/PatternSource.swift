import Foundation

/// Where a command's patterns come from: `builtin:digits`, `builtin:letters`, or a file or
/// directory, optionally with seeded noise.
public enum PatternSource {
    public static func load(_ source: String, noisePixels: Int = 0, seed: UInt64 = 1) -> PatternFileReport {
        var report: PatternFileReport
        if source.hasPrefix("builtin:") {
            let name = String(source.dropFirst("builtin:".count))
            guard let set = BuiltinPatterns.named(name) else {
                return PatternReader.failure(source, 1, 1, "no built-in pattern set '\(name)'; built in: \(BuiltinPatterns.names.map { "builtin:" + $0 }.joined(separator: ", "))")
            }
            report = PatternFileReport(file: source, patterns: set, problems: [])
        } else {
            report = PatternReader.read(path: source)
        }
        if noisePixels > 0, report.isOK { report.patterns = BuiltinPatterns.noisy(report.patterns, pixels: noisePixels, seed: seed) }
        return report
    }
}

/// Patterns drawn side by side in a terminal, each under its label.
public enum PatternDrawing {
    public static func render(_ patterns: [PatternImage], ascii: Bool = false, perLine: Int = 10) -> String {
        let on = ascii ? "#" : "█", off = ascii ? "." : "·"
        var blocks: [String] = []
        var index = 0
        while index < patterns.count {
            let group = Array(patterns[index..<min(index + perLine, patterns.count)])
            let height = group.map(\.height).max() ?? 0
            // Each column as wide as its pattern or its label, whichever is wider.
            let widths = group.map { max($0.width, $0.label?.count ?? 0) }
            func line(_ cells: [String]) -> String {
                zip(cells, widths).map { $0 + String(repeating: " ", count: max(0, $1 - $0.count)) }.joined(separator: "  ")
                    .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            }
            var lines = [line(group.map { $0.label ?? "" })]
            for row in 0..<height {
                lines.append(line(group.map { pattern in
                    guard row < pattern.height else { return "" }
                    return pattern.pixels[(row * pattern.width)..<((row + 1) * pattern.width)].map { $0 ? on : off }.joined()
                }))
            }
            blocks.append(lines.joined(separator: "\n"))
            index += perLine
        }
        return blocks.joined(separator: "\n\n")
    }
}
