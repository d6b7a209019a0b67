import SomaBoardProfile

/// One input pattern as a host tool holds it: a width × height bitmap (row-major, `true` = a
/// black pixel, which the board pulses) and what it shows.
public struct PatternImage: Sendable, Equatable {
    public var label: String?
    public var width: Int
    public var height: Int
    public var pixels: [Bool]

    public init(label: String?, width: Int, height: Int, pixels: [Bool]) {
        precondition(pixels.count == width * height, "a \(width) × \(height) pattern has \(width * height) pixels")
        self.label = label
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// "0110…", one character per pixel, as the daemon's API takes it.
    public var bitString: String { String(pixels.map { $0 ? "1" : "0" }) }

    /// Pixels in which the two differ (same size assumed).
    public func hammingDistance(to other: PatternImage) -> Int {
        zip(pixels, other.pixels).filter { $0 != $1 }.count
    }
}

/// A problem in a pattern file, where it is (`FILE:LINE:COL: message`, as for profiles).
public typealias PatternDiagnostic = FileDiagnostic

/// A file's patterns, or every problem found in it.
public struct PatternFileReport: Sendable {
    public var file: String
    public var patterns: [PatternImage]
    public var problems: [PatternDiagnostic]
    public var isOK: Bool { problems.isEmpty }
}
