import Foundation
import SomaHostKit
import Testing

private func parse(_ text: String, file: String = "set.txt") -> PatternFileReport {
    PatternReader.parse(Array(text.utf8), file: file)
}

@Suite("Pattern files")
struct PatternReaderTests {
    @Test("a text grid: labels, blank lines between patterns, # and . or 1 and 0, a declared size")
    func textGrid() throws {
        let report = parse("""
            size: 3x2
            label: bar
            ###
            ...

            label: dots
            1 0 1
            0 1 0
            """)
        #expect(report.problems == [])
        #expect(report.patterns == [
            PatternImage(label: "bar", width: 3, height: 2, pixels: [true, true, true, false, false, false]),
            PatternImage(label: "dots", width: 3, height: 2, pixels: [true, false, true, false, true, false]),
        ])
    }

    @Test("every problem of a text grid, each at its line and column, and no patterns from a bad file")
    func textGridProblems() {
        let report = parse("""
            size: 3x2
            label: ragged
            ###
            ##

            label: odd
            #x#
            ...

            label: tall
            ###
            ...
            ###

            colour: red
            label: lonely
            """)
        #expect(report.patterns.isEmpty)
        #expect(report.problems.map(\.description) == [
            "set.txt:4:3: a ragged row: 2 pixels where the pattern's first row (line 3) has 3",
            "set.txt:7:2: unknown character 'x'; pixels are '#' or '.', or '1' or '0'",
            "set.txt:11:1: pattern 'tall' is 3 × 3 (width × height); line 1 declares size 3x2",
            "set.txt:15:1: unknown line 'colour:'; a line with a colon is label: or size:",
            "set.txt:16:1: label 'lonely' has no pattern under it",
        ])
    }

    @Test("patterns of different sizes with no declared size: the odd one is named")
    func sizesDiffer() {
        let report = parse("##\n..\n\n###\n...\n")
        #expect(report.problems.map(\.description) == ["set.txt:4:1: the pattern at line 4 is 3 × 2 (width × height); the first pattern is 2 × 2"])
    }

    @Test("an empty file, a binary file, a file of prose: one clear problem each")
    func notPatterns() {
        #expect(parse("").problems.map(\.description) == ["set.txt:1:1: the file is empty: no patterns"])
        #expect(parse("\n  \n").problems.map(\.description) == ["set.txt:1:1: the file is empty: no patterns"])
        let binary = PatternReader.parse([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x00, 0x01], file: "a.out")
        #expect(binary.problems.map(\.description) == ["a.out:1:6: not a pattern file: binary data (byte 0x00 at offset 5)"])
        let latin1 = PatternReader.parse(Array("##\n#".utf8) + [0xE9], file: "x.txt")
        #expect(latin1.problems.first?.message.contains("binary data (byte 0xE9") == true)
        #expect(parse("hello world").problems.first?.message == "unknown character 'h'; pixels are '#' or '.', or '1' or '0'")
    }

    @Test("PBM P1 and P4 read to the same pattern; comments and free spacing in P1 are fine")
    func pbm() {
        let p1 = PatternReader.parse(Array("P1\n# a cross\n3 3\n010 111\n0 1 0\n".utf8), file: "cross.pbm", defaultLabel: "cross")
        #expect(p1.problems == [])
        let cross = PatternImage(label: "cross", width: 3, height: 3, pixels: [false, true, false, true, true, true, false, true, false])
        #expect(p1.patterns == [cross])
        // P4: rows padded to a byte, most significant bit first.
        let p4 = PatternReader.parse(Array("P4\n3 3\n".utf8) + [0b0100_0000, 0b1110_0000, 0b0100_0000], file: "cross.pbm", defaultLabel: "cross")
        #expect(p4.patterns == [cross])
    }

    @Test("a truncated PBM says how much it needed and how much it found")
    func truncatedPBM() {
        let p4 = PatternReader.parse(Array("P4\n5 6\n".utf8) + [0xFF, 0x00], file: "five.pbm")
        #expect(p4.problems.map(\.message) == ["truncated PBM: 5 × 6 needs 6 bytes of pixels, found 2"])
        let p1 = PatternReader.parse(Array("P1\n2 2\n1 0 1".utf8), file: "t.pbm")
        #expect(p1.problems.map(\.description) == ["t.pbm:3:6: truncated PBM: 2 × 2 needs 4 pixels, found 3"])
        let header = PatternReader.parse(Array("P1\n2".utf8), file: "h.pbm")
        #expect(header.problems.map(\.message) == ["truncated or malformed PBM header: the height is missing"])
        let huge = PatternReader.parse(Array("P1\n99999 2\n".utf8), file: "big.pbm")
        #expect(huge.problems.first?.message.contains("each side must be 1…4096") == true)
    }

    @Test("JSON: the daemon's document; a pattern of the wrong length is shown at its line")
    func json() {
        let good = parse(#"{"name": "pair", "width": 2, "patterns": [{"label": "a", "pixels": "1001"}, {"pixels": "0110"}]}"#, file: "p.json")
        #expect(good.patterns == [
            PatternImage(label: "a", width: 2, height: 2, pixels: [true, false, false, true]),
            PatternImage(label: nil, width: 2, height: 2, pixels: [false, true, true, false]),
        ])
        let bad = parse("""
            {"patterns": [
              {"pixels": "1001"},
              {"pixels": "10"}
            ]}
            """, file: "p.json")
        #expect(bad.problems.map(\.description) == ["p.json:3:4: patterns[1].pixels has 2 pixels; patterns[0] has 4"])
        #expect(parse("{\"patterns\": 3}", file: "p.json").problems.first?.message.contains("not a pattern-set JSON document") == true)
    }

    @Test("the built-in digits: 10 patterns of 6 × 5, 5/6 and 8/9 close; seeded noise flips exactly K pixels")
    func builtins() throws {
        let digits = BuiltinPatterns.digits
        #expect(digits.count == 10 && digits.allSatisfy { $0.width == 5 && $0.height == 6 })
        #expect(digits.map(\.label) == (0...9).map { String($0) })
        #expect(digits[5].hammingDistance(to: digits[6]) <= 3)
        #expect(digits[8].hammingDistance(to: digits[9]) <= 3)
        #expect(Set(digits.map(\.bitString)).count == 10, "all different")
        #expect(BuiltinPatterns.letters.count == 10)
        let noisy = BuiltinPatterns.noisy(digits, pixels: 2, seed: 7)
        #expect(zip(noisy, digits).allSatisfy { $0.hammingDistance(to: $1) == 2 })
        #expect(BuiltinPatterns.noisy(digits, pixels: 2, seed: 7) == noisy)
        #expect(BuiltinPatterns.noisy(digits, pixels: 2, seed: 8) != noisy)
    }

    @Test("a directory of PBM files is one set, in name order, labelled by file name")
    func directory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soma-pbm-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "P1 2 1 1 0".write(toFile: directory + "/b.pbm", atomically: true, encoding: .utf8)
        try "P1 2 1 0 1".write(toFile: directory + "/a.pbm", atomically: true, encoding: .utf8)
        try "not a pattern".write(toFile: directory + "/notes.md", atomically: true, encoding: .utf8)
        let report = PatternReader.read(path: directory)
        #expect(report.patterns.map(\.label) == ["a", "b"])
        #expect(report.patterns.map(\.bitString) == ["01", "10"])
    }
}
