import SomaProtocol

/// Spikes per neuron over time: one row per neuron that spiked, one mark per spike
/// (`<line class="spike">`), time in milliseconds from the first event shown.
public struct RasterPlot: Sendable {
    public var title: String
    public var events: [EventDocument]
    public var tickMicroseconds: Double

    public init(title: String, events: [EventDocument], tickMicroseconds: Double) {
        self.title = title
        self.events = events
        self.tickMicroseconds = tickMicroseconds
    }

    public func svg(width: Double = 900) -> String {
        let neurons = Array(Set(events.map { NeuronKey(layer: $0.layer, neuron: $0.neuron) })).sorted()
        let row = Dictionary(uniqueKeysWithValues: neurons.enumerated().map { ($1, $0) })
        let left = 90.0, right = 20.0, top = 40.0, bottom = 50.0, rowHeight = 14.0
        let height = top + bottom + rowHeight * Double(max(1, neurons.count))
        let first = events.map(\.tick).min() ?? 0
        let last = events.map(\.tick).max() ?? first
        let milliseconds = max(Double(last - first) * tickMicroseconds / 1_000, 1e-3)
        func x(_ tick: UInt64) -> Double { left + Double(tick - first) * tickMicroseconds / 1_000 / milliseconds * (width - left - right) }
        let f = SVG.number
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="24" text-anchor="middle" font-family="sans-serif" font-size="16">\(SVG.escape(title))</text>
            <line x1="\(f(left))" y1="\(f(height - bottom))" x2="\(f(width - right))" y2="\(f(height - bottom))" stroke="black"/>
            <text x="\(f(width / 2))" y="\(f(height - 12))" text-anchor="middle" font-family="sans-serif" font-size="13">time (ms)</text>

            """
        for step in 0...4 {
            let value = milliseconds * Double(step) / 4
            svg += "<text x=\"\(f(left + value / milliseconds * (width - left - right)))\" y=\"\(f(height - bottom + 16))\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"11\">\(f(value))</text>\n"
        }
        for (index, neuron) in neurons.enumerated() {
            let y = top + rowHeight * (Double(index) + 0.5)
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"11\">L\(neuron.layer) n\(neuron.neuron)</text>\n"
        }
        for event in events {
            guard let index = row[NeuronKey(layer: event.layer, neuron: event.neuron)] else { continue }
            let y = top + rowHeight * Double(index)
            let position = f(x(event.tick))
            svg += "<line class=\"spike\" x1=\"\(position)\" x2=\"\(position)\" y1=\"\(f(y + 2))\" y2=\"\(f(y + rowHeight - 2))\" stroke=\"#1f5fa8\" stroke-width=\"1\"/>\n"
        }
        return svg + "</svg>\n"
    }
}

struct NeuronKey: Hashable, Comparable, Sendable {
    var layer: Int
    var neuron: Int
    static func < (a: NeuronKey, b: NeuronKey) -> Bool { (a.layer, a.neuron) < (b.layer, b.neuron) }
}
