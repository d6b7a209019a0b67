/// netpbm PBM: P1 (ASCII: `0`/`1`, whitespace and `#` comments allowed) and P4 (binary: rows of
/// bits, most significant first, each row padded to whole bytes). 1 = black = an active pixel.
enum PBM {
    static let maxSide = 4_096

    static func parse(_ bytes: [UInt8], file: String, label: String?, binary: Bool) -> PatternFileReport {
        var offset = 2
        func fail(_ at: Int, _ message: String) -> PatternFileReport {
            let (line, column) = PatternReader.position(of: min(at, bytes.count), in: bytes)
            return PatternReader.failure(file, line, column, message)
        }
        /// The next header number, skipping whitespace and comments.
        func number() -> Int? {
            while offset < bytes.count {
                if bytes[offset] == UInt8(ascii: "#") {
                    while offset < bytes.count, bytes[offset] != 0x0A { offset += 1 }
                } else if isSpace(bytes[offset]) {
                    offset += 1
                } else {
                    break
                }
            }
            var value = 0
            var digits = 0
            while offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]), digits < 7 {
                value = value * 10 + Int(bytes[offset] - UInt8(ascii: "0"))
                offset += 1
                digits += 1
            }
            return digits > 0 ? value : nil
        }
        guard offset < bytes.count, isSpace(bytes[offset]) || bytes[offset] == UInt8(ascii: "#") else {
            return fail(offset, "not a PBM header: P1 or P4 must be followed by whitespace")
        }
        guard let width = number() else { return fail(offset, "truncated or malformed PBM header: the width is missing") }
        guard let height = number() else { return fail(offset, "truncated or malformed PBM header: the height is missing") }
        guard (1...maxSide).contains(width), (1...maxSide).contains(height) else {
            return fail(offset, "a PBM of \(width) × \(height) pixels; each side must be 1…\(maxSide)")
        }
        var pixels: [Bool] = []
        pixels.reserveCapacity(width * height)
        if binary {
            guard offset < bytes.count, isSpace(bytes[offset]) else {
                return fail(offset, "truncated PBM: the header ends without the whitespace before the pixels")
            }
            offset += 1
            let rowBytes = (width + 7) / 8
            let needed = rowBytes * height
            let available = bytes.count - offset
            guard available >= needed else {
                return fail(bytes.count, "truncated PBM: \(width) × \(height) needs \(needed) bytes of pixels, found \(available)")
            }
            for row in 0..<height {
                for column in 0..<width {
                    let byte = bytes[offset + row * rowBytes + column / 8]
                    pixels.append(byte & (0x80 >> UInt8(column % 8)) != 0)
                }
            }
        } else {
            while pixels.count < width * height {
                guard offset < bytes.count else {
                    return fail(bytes.count, "truncated PBM: \(width) × \(height) needs \(width * height) pixels, found \(pixels.count)")
                }
                let byte = bytes[offset]
                switch byte {
                case UInt8(ascii: "0"): pixels.append(false)
                case UInt8(ascii: "1"): pixels.append(true)
                case UInt8(ascii: "#"):
                    while offset < bytes.count, bytes[offset] != 0x0A { offset += 1 }
                    continue
                default:
                    if !isSpace(byte) { return fail(offset, "unexpected '\(Character(Unicode.Scalar(byte)))' in the pixels of a P1 PBM; pixels are 0 or 1") }
                }
                offset += 1
            }
        }
        return PatternFileReport(file: file, patterns: [PatternImage(label: label, width: width, height: height, pixels: pixels)], problems: [])
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0B || byte == 0x0C }

    /// A P1 file of one pattern (for exports and tests).
    static func p1(_ pattern: PatternImage) -> String {
        var text = "P1\n\(pattern.width) \(pattern.height)\n"
        for row in 0..<pattern.height {
            text += pattern.pixels[(row * pattern.width)..<((row + 1) * pattern.width)].map { $0 ? "1" : "0" }.joined(separator: " ") + "\n"
        }
        return text
    }
}
