/// A text timing diagram: one lane per signal, one character per tick, like a logic analyser
/// screen. Used by `soma trace` and handy when a test fails.
public struct TimingDiagram: Sendable {
    public struct Lane: Sendable, Equatable {
        public var name: String
        public var levels: [Bool]
        public init(name: String, levels: [Bool]) {
            self.name = name
            self.levels = levels
        }
    }

    public enum Style: String, Sendable, CaseIterable {
        /// Block characters: ▇ high, ▁ low.
        case unicode
        /// Plain ASCII: # high, . low.
        case ascii
    }

    public var lanes: [Lane]
    /// Length of one tick, for the time ruler.
    public var tickMicroseconds: Double
    /// Ticks between ruler marks (a clock period reads best).
    public var ticksPerMark: Int
    public var style: Style
    /// Ticks per block of lines; longer traces are wrapped into several blocks.
    public var ticksPerLine: Int

    public init(
        lanes: [Lane], tickMicroseconds: Double, ticksPerMark: Int = 10, style: Style = .unicode,
        ticksPerLine: Int = 100
    ) {
        self.lanes = lanes
        self.tickMicroseconds = tickMicroseconds
        self.ticksPerMark = max(1, ticksPerMark)
        self.style = style
        self.ticksPerLine = max(ticksPerMark, ticksPerLine)
    }

    public func render() -> String {
        let tickCount = lanes.map(\.levels.count).max() ?? 0
        let nameWidth = max(10, (lanes.map(\.name.count).max() ?? 0) + 2)
        let (high, low): (Character, Character) = style == .unicode ? ("▇", "▁") : ("#", ".")
        var output = ""
        var start = 0
        while start < tickCount {
            let end = min(tickCount, start + ticksPerLine)
            output += "µs".padded(toWidth: nameWidth) + ruler(from: start, to: end) + "\n"
            for lane in lanes {
                var line = lane.name.padded(toWidth: nameWidth)
                for tick in start..<end {
                    line.append(tick < lane.levels.count ? (lane.levels[tick] ? high : low) : " ")
                }
                output += line + "\n"
            }
            start = end
            if start < tickCount { output += "\n" }
        }
        return output
    }

    /// Marks every `ticksPerMark` ticks with the time in microseconds, e.g. "|0        |500".
    private func ruler(from start: Int, to end: Int) -> String {
        var ruler = Array(repeating: Character(" "), count: end - start)
        var tick = start
        while tick < end {
            if tick % ticksPerMark == 0 {
                let label = "|" + formatMicroseconds(Double(tick) * tickMicroseconds)
                let room = min(label.count, ticksPerMark, end - tick)
                for (offset, character) in label.prefix(room).enumerated() {
                    ruler[tick - start + offset] = character
                }
            }
            tick += 1
        }
        return String(ruler)
    }

    private func formatMicroseconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
