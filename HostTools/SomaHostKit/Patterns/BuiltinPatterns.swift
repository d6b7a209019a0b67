import SomaCore

/// Pattern sets that ship with Soma.
public enum BuiltinPatterns {
    /// The names `builtin:NAME` accepts.
    public static let names = ["digits", "letters", "prototypes"]

    public static func named(_ name: String) -> [PatternImage]? {
        switch name {
        case "digits": digits
        case "letters": letters
        case "prototypes": prototypes
        default: nil
        }
    }

    /// The paper's 6 × 5 digits 0–9 (`PaperPatterns.digits`).
    public static let digits: [PatternImage] = PaperPatterns.digits.map(image)

    /// Ten capital letters in the same 6 × 5 grid (`PaperPatterns.letters`).
    public static let letters: [PatternImage] = PaperPatterns.letters.map(image)

    /// Seed 001's 30 eight-pixel patterns around three prototypes (`PaperPatterns.prototypes`).
    public static let prototypes: [PatternImage] = PaperPatterns.prototypes.map(image)

    private static func image(_ entry: (label: String, rows: [String])) -> PatternImage {
        PatternImage(
            label: entry.label, width: entry.rows.first?.count ?? 0, height: entry.rows.count,
            pixels: entry.rows.joined().map { $0 == "#" })
    }

    /// Each pattern with exactly `pixels` distinct pixels flipped, chosen by a seeded generator
    /// (SplitMix64): the same seed gives the same noise on every machine.
    public static func noisy(_ patterns: [PatternImage], pixels: Int, seed: UInt64) -> [PatternImage] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return patterns.map { pattern in
            var noisy = pattern
            var positions = Array(0..<pattern.pixels.count)
            for index in 0..<min(pixels, positions.count) {
                let pick = index + Int(next() % UInt64(positions.count - index))
                positions.swapAt(index, pick)
                noisy.pixels[positions[index]].toggle()
            }
            return noisy
        }
    }
}
