/// One input pattern: a pixel per input row, 1 = pulse the row, 0 = keep it grounded.
public struct Pattern: Sendable, Equatable {
    public var pixels: [Bool]
    /// What the pattern shows (a digit, a letter), if known.
    public var label: String?

    public init(pixels: [Bool], label: String? = nil) {
        self.pixels = pixels
        self.label = label
    }
}

/// A pattern that does not fit the board.
public struct PatternError: Error, Equatable, CustomStringConvertible, Sendable {
    public var index: Int
    public var label: String?
    public var pixelCount: Int
    public var inputCount: Int

    public init(index: Int, label: String?, pixelCount: Int, inputCount: Int) {
        self.index = index
        self.label = label
        self.pixelCount = pixelCount
        self.inputCount = inputCount
    }

    public var description: String {
        let name = label.map { "pattern \(index) ('\($0)')" } ?? "pattern \(index)"
        return "\(name) has \(pixelCount) pixels; the network has \(inputCount) input rows, so every pattern needs exactly \(inputCount) pixels"
    }
}

/// Patterns checked against the network's input count before the loop starts, so that presenting
/// one inside the loop cannot fail.
public struct PatternBank: Sendable, Equatable {
    public let inputCount: Int
    public let patterns: [Pattern]

    public init(_ patterns: [Pattern], inputCount: Int) throws(PatternError) {
        for (index, pattern) in patterns.enumerated() where pattern.pixels.count != inputCount {
            throw PatternError(
                index: index, label: pattern.label, pixelCount: pattern.pixels.count,
                inputCount: inputCount)
        }
        self.inputCount = inputCount
        self.patterns = patterns
    }

    public var count: Int { patterns.count }
}
