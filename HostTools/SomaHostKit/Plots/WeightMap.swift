import Foundation
import SomaCore

/// Synapse conductances of one layer (seed 000 Fig. 5d–j), as an SVG. Each synapse is one
/// `<rect class="cell">`, shaded on a fixed scale (`lowMicrosiemens`…`highMicrosiemens`) so that
/// maps of different layers and times compare "under the same color bar".
///
/// With `imageWidth × imageHeight == rows` (the first layer, fed by a 6 × 5 pattern) each
/// neuron's column is drawn as a small image of its input pixels, so a learned weight map looks
/// like the digit it learned; otherwise the layer is drawn as one rows × neurons matrix.
public struct WeightMap: Sendable, Equatable, Codable {
    public var title: String
    /// Conductances in µS, `[row][neuron]`.
    public var microsiemens: [[Double]]
    public var imageWidth: Int?
    public var imageHeight: Int?
    public var lowMicrosiemens: Double = 40
    public var highMicrosiemens: Double = 1000

    public init(title: String, microsiemens: [[Double]], imageWidth: Int? = nil, imageHeight: Int? = nil) {
        self.title = title
        self.microsiemens = microsiemens
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
    }

    public var rows: Int { microsiemens.count }
    public var neurons: Int { microsiemens.first?.count ?? 0 }

    private func shade(_ value: Double) -> Int {
        let fraction = min(1, max(0, (value - lowMicrosiemens) / (highMicrosiemens - lowMicrosiemens)))
        return Int(255 - 215 * fraction)
    }

    private func cell(x: Double, y: Double, size: Double, value: Double, tooltip: String) -> String {
        let f = SVG.number
        let level = shade(value)
        return "<rect class=\"cell\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(size - 1))\" height=\"\(f(size - 1))\" fill=\"rgb(\(level),\(level),\(min(255, level + 40)))\"><title>\(SVG.escape(tooltip)): \(f(value)) µS</title></rect>\n"
    }

    public func svg() -> String {
        let f = SVG.number
        var body = ""
        var width: Double
        var height: Double
        let top = 56.0, left = 40.0
        if let w = imageWidth, let h = imageHeight, w * h == rows, rows > 0 {
            let size = 14.0, gap = 18.0
            let panel = Double(w) * size + gap
            width = left + panel * Double(max(1, neurons)) + 20
            height = top + Double(h) * size + 60
            for neuron in 0..<neurons {
                let x0 = left + panel * Double(neuron)
                body += "<text x=\"\(f(x0 + Double(w) * size / 2))\" y=\"\(f(top - 8))\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"11\">n\(neuron)</text>\n"
                for row in 0..<rows {
                    body += cell(
                        x: x0 + Double(row % w) * size, y: top + Double(row / w) * size, size: size,
                        value: microsiemens[row][neuron], tooltip: "n\(neuron) row \(row)")
                }
            }
        } else {
            let size = 26.0
            width = left + 30 + size * Double(max(1, neurons)) + 20
            height = top + size * Double(max(1, rows)) + 60
            for neuron in 0..<neurons {
                body += "<text x=\"\(f(left + 30 + size * (Double(neuron) + 0.5)))\" y=\"\(f(top - 8))\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"11\">n\(neuron)</text>\n"
            }
            for row in 0..<rows {
                body += "<text x=\"\(f(left + 24))\" y=\"\(f(top + size * (Double(row) + 0.5) + 4))\" text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"11\">row \(row)</text>\n"
                for neuron in 0..<neurons {
                    body += cell(
                        x: left + 30 + size * Double(neuron), y: top + size * Double(row), size: size,
                        value: microsiemens[row][neuron], tooltip: "row \(row), n\(neuron)")
                }
            }
        }
        width = max(width, Double(title.count) * 8.5 + 40)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="24" text-anchor="middle" font-family="sans-serif" font-size="16">\(SVG.escape(title))</text>
            <text x="\(f(width - 10))" y="\(f(height - 12))" text-anchor="end" font-family="sans-serif" font-size="11">light \(f(lowMicrosiemens)) µS … dark \(f(highMicrosiemens)) µS</text>

            """ + body + "</svg>\n"
    }
}

/// A labelled matrix of counts (a confusion matrix, rates per pattern and neuron), as an SVG:
/// one `<rect class="cell">` per entry, darker for more, the value written in each.
public struct MatrixPlot: Sendable, Equatable {
    public var title: String
    public var rowTitle: String
    public var columnTitle: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    public var values: [[Double]]

    public init(title: String, rowTitle: String, columnTitle: String, rowLabels: [String], columnLabels: [String], values: [[Double]]) {
        self.title = title
        self.rowTitle = rowTitle
        self.columnTitle = columnTitle
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
    }

    public func svg() -> String {
        let f = SVG.number
        let size = 34.0, left = 110.0, top = 70.0
        let width = max(left + size * Double(max(1, columnLabels.count)) + 30, Double(title.count) * 8.5 + 40)
        let height = top + size * Double(max(1, rowLabels.count)) + 30
        let highest = values.flatMap { $0 }.max() ?? 0
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="22" text-anchor="middle" font-family="sans-serif" font-size="16">\(SVG.escape(title))</text>
            <text x="\(f(left + size * Double(columnLabels.count) / 2))" y="\(f(top - 26))" text-anchor="middle" font-family="sans-serif" font-size="12">\(SVG.escape(columnTitle))</text>
            <text x="12" y="\(f(top - 8))" font-family="sans-serif" font-size="12">\(SVG.escape(rowTitle))</text>

            """
        for (column, label) in columnLabels.enumerated() {
            svg += "<text x=\"\(f(left + size * (Double(column) + 0.5)))\" y=\"\(f(top - 8))\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"11\">\(SVG.escape(label))</text>\n"
        }
        for (row, label) in rowLabels.enumerated() {
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(top + size * (Double(row) + 0.5) + 4))\" text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"11\">\(SVG.escape(label))</text>\n"
            for column in columnLabels.indices {
                let value = row < values.count && column < values[row].count ? values[row][column] : 0
                let level = highest > 0 ? Int(255 - 200 * value / highest) : 255
                let x = left + size * Double(column), y = top + size * Double(row)
                svg += "<rect class=\"cell\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(size - 2))\" height=\"\(f(size - 2))\" fill=\"rgb(\(level),\(level),255)\"><title>\(SVG.escape(label)), \(SVG.escape(columnLabels[column])): \(f(value))</title></rect>\n"
                if value != 0 {
                    svg += "<text x=\"\(f(x + size / 2 - 1))\" y=\"\(f(y + size / 2 + 3))\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"10\" fill=\"\(level < 120 ? "white" : "black")\">\(f(value))</text>\n"
                }
            }
        }
        return svg + "</svg>\n"
    }
}

extension WeightMap {
    /// The maps a read-out measured (`ReadoutMaps`), one per layer read, in layer order. The
    /// first layer is drawn as images of `imageSize` when its rows match. A synapse the board
    /// could not sense is left out of the JSON as the lowest value and named in the title.
    public static func measured(_ readout: ReadoutMaps, imageSize: (Int, Int)?) -> [WeightMap] {
        readout.layers.keys.sorted().map { layer in
            let values = readout.layers[layer] ?? []
            let unsensed = values.joined().filter(\.isNaN).count
            let image = layer == 0 ? imageSize : nil
            return WeightMap(
                title: "Layer \(layer + 1) synapse conductances, read out" + (unsensed > 0 ? " (\(unsensed) not sensed)" : ""),
                microsiemens: values.map { $0.map { $0.isNaN ? 0 : $0 * 1e6 } },
                imageWidth: image?.0, imageHeight: image?.1)
        }
    }

    /// weights.json (every map) and weights-layer<N>.svg (one per map) in `directory`.
    public static func write(_ maps: [WeightMap], to directory: String) throws(HostError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try LearningSummary.encoder.encode(maps).write(to: URL(fileURLWithPath: directory + "/weights.json"))
            for (layer, map) in maps.enumerated() {
                try map.svg().write(toFile: directory + "/weights-layer\(layer + 1).svg", atomically: true, encoding: .utf8)
            }
        } catch {
            throw HostError("cannot write \(directory): \(error.localizedDescription)", exitCode: 73)
        }
    }

    /// One line: the map's size and range.
    public var text: String {
        let values = microsiemens.joined()
        guard let low = values.min(), let high = values.max() else { return "\(title): empty" }
        let mean = values.reduce(0, +) / Double(values.count)
        return String(format: "%@: %d rows × %d neurons, %.1f…%.1f µS, mean %.1f µS", title, rows, neurons, low, high, mean)
    }
}
