import SomaProtocol

/// Firing rate of every neuron for every pattern of a run, from its log: the spikes each neuron
/// made while a pattern was on the inputs, over the time it was on, averaged over the
/// pattern's presentations.
public struct FiringRates: Sendable, Equatable {
    /// (layer, neuron) in order, the rows.
    public var neurons: [[Int]]
    /// Pattern indices in order, the columns.
    public var patterns: [Int]
    /// rates[row][column], spikes per second.
    public var rates: [[Double]]

    /// From one run's events in sequence order. `kind` is what counts as a spike.
    public init(events: [EventDocument], tickMicroseconds: Double, kind: String = "spike") {
        var counts: [NeuronKey: [Int: Int]] = [:]
        var seconds: [Int: Double] = [:]
        var current: (pattern: Int, start: UInt64)?
        func close(at tick: UInt64) {
            if let open = current { seconds[open.pattern, default: 0] += Double(tick - open.start) * tickMicroseconds / 1e6 }
            current = nil
        }
        var neuronsSeen = Set<NeuronKey>()
        for event in events {
            switch event.kind {
            case "presentation":
                close(at: event.tick)
                current = (Int(event.payload), event.tick)
            case "run-ended":
                close(at: event.tick)
            case kind:
                let key = NeuronKey(layer: event.layer, neuron: event.neuron)
                neuronsSeen.insert(key)
                if let open = current { counts[key, default: [:]][open.pattern, default: 0] += 1 }
            default:
                break
            }
        }
        if let last = events.last { close(at: last.tick) }
        let rows = neuronsSeen.sorted()
        let columns = seconds.keys.sorted()
        patterns = columns
        neurons = rows.map { [$0.layer, $0.neuron] }
        rates = rows.map { key in
            columns.map { pattern in
                let time = seconds[pattern] ?? 0
                return time > 0 ? Double(counts[key]?[pattern] ?? 0) / time : 0
            }
        }
    }

    /// A heat map: one `<rect class="cell">` per neuron and pattern, darker for a higher rate,
    /// with the rate in its tooltip.
    public func svg(title: String, patternLabels: [Int: String] = [:]) -> String {
        let cell = 36.0, left = 90.0, top = 60.0
        let width = max(left + cell * Double(max(1, patterns.count)) + 90, Double(title.count) * 8.5 + 40)
        let height = top + cell * Double(max(1, neurons.count)) + 40
        let highest = rates.flatMap { $0 }.max() ?? 0
        let f = SVG.number
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="24" text-anchor="middle" font-family="sans-serif" font-size="16">\(SVG.escape(title))</text>
            <text x="\(f(width - 10))" y="\(f(height - 12))" text-anchor="end" font-family="sans-serif" font-size="11">darkest: \(f(highest)) per second</text>

            """
        for (column, pattern) in patterns.enumerated() {
            svg += "<text x=\"\(f(left + cell * (Double(column) + 0.5)))\" y=\"\(f(top - 8))\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"11\">\(SVG.escape(patternLabels[pattern] ?? String(pattern)))</text>\n"
        }
        for (row, neuron) in neurons.enumerated() {
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(top + cell * (Double(row) + 0.5) + 4))\" text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"11\">L\(neuron[0]) n\(neuron[1])</text>\n"
            for column in patterns.indices {
                let rate = rates[row][column]
                let shade = highest > 0 ? Int(255 - 200 * rate / highest) : 255
                svg += "<rect class=\"cell\" x=\"\(f(left + cell * Double(column)))\" y=\"\(f(top + cell * Double(row)))\" width=\"\(f(cell - 2))\" height=\"\(f(cell - 2))\" fill=\"rgb(\(shade),\(shade),255)\"><title>L\(neuron[0]) n\(neuron[1]), pattern \(patterns[column]): \(f(rate)) per second</title></rect>\n"
            }
        }
        return svg + "</svg>\n"
    }
}
