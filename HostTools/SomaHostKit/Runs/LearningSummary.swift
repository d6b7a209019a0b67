import Foundation
import SomaCore

/// What a learning run showed, as `soma sim run --json` and `soma run report --json` print it.
/// Computed by `LearningReport` from the run's events alone, so an in-process simulation and
/// logs pulled from a board give the same document.
public struct LearningSummary: Codable, Sendable, Equatable {
    public struct Layer1: Codable, Sendable, Equatable {
        /// Label → the hidden neuron that won it the last time it was trained (a label shared by
        /// several patterns: the neuron that won most of them).
        public var winnerByLabel: [String: Int]
        public var distinctWinners: Int
        /// Label → the hidden neuron that fired most for it in inference.
        public var inferenceWinnerByLabel: [String: Int]
        /// Mean input pulses to the fire per training presentation.
        public var meanPulsesToFire: Double?
        /// `[label index][neuron]`: hidden fires per inference presentation.
        public var rates: [[Double]]

        enum CodingKeys: String, CodingKey {
            case winnerByLabel = "winner_by_label", distinctWinners = "distinct_winners"
            case inferenceWinnerByLabel = "inference_winner_by_label", meanPulsesToFire = "mean_pulses_to_fire", rates
        }
    }

    public struct Layer2: Codable, Sendable, Equatable {
        /// Fraction of inference presentations whose most active output neuron is the label's.
        public var accuracy: Double?
        /// `[label][predicted]`; the last column counts presentations with no single most
        /// active output neuron.
        public var confusion: [[Int]]
        public var meanPulsesToFire: Double?
        /// `[label index][neuron]`: output fires per inference presentation.
        public var rates: [[Double]]

        enum CodingKeys: String, CodingKey {
            case accuracy, confusion, meanPulsesToFire = "mean_pulses_to_fire", rates
        }
    }

    public var labels: [String]
    public var layer1: Layer1
    public var layer2: Layer2
    /// Training presentations that reached the pulse limit without a fire.
    public var trainingMisses: Int
    public var events: Int
    public var virtualSeconds: Double
    public var wallSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case labels, layer1, layer2, trainingMisses = "training_misses", events
        case virtualSeconds = "virtual_seconds", wallSeconds = "wall_seconds"
    }

    public init(report: LearningReport, labels: [String], virtualSeconds: Double, wallSeconds: Double?) {
        self.labels = labels
        func label(_ index: Int) -> String { index < labels.count ? labels[index] : String(index) }
        func mean(_ values: [Int]) -> Double? { values.isEmpty ? nil : Double(values.reduce(0, +)) / Double(values.count) }
        // A label shared by several patterns (noisy variants of a prototype) gets the neuron that
        // won most of them (the lowest on a tie).
        func byLabel(_ perPattern: [Int?]) -> [String: Int] {
            var counts: [String: [Int: Int]] = [:]
            for (index, winner) in perPattern.enumerated() { if let winner { counts[label(index), default: [:]][winner, default: 0] += 1 } }
            return counts.mapValues { tally in tally.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!.key }
        }
        let winners = byLabel(report.winnerByPattern)
        let inferenceWinners = byLabel(report.inferenceWinnerByPattern)
        layer1 = Layer1(
            winnerByLabel: winners, distinctWinners: report.distinctWinners, inferenceWinnerByLabel: inferenceWinners,
            meanPulsesToFire: mean(report.layer1Pulses), rates: report.hiddenRates)
        layer2 = Layer2(accuracy: report.accuracy, confusion: report.confusion, meanPulsesToFire: mean(report.layer2Pulses), rates: report.outputRates)
        trainingMisses = report.trainingMisses
        events = report.events
        self.virtualSeconds = virtualSeconds
        self.wallSeconds = wallSeconds
    }

    /// Sorted keys, for scripts.
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }()

    /// The summary as lines for a terminal: winners, accuracy, the confusion matrix.
    public var text: String {
        var lines: [String] = []
        var uniqueLabels: [String] = []
        for label in labels where !uniqueLabels.contains(label) { uniqueLabels.append(label) }
        let winnerLine = uniqueLabels.map { "\($0)→\(layer1.winnerByLabel[$0].map { "n\($0)" } ?? "-")" }.joined(separator: " ")
        let counted = uniqueLabels.count == labels.count ? "\(labels.count) labels" : "\(labels.count) patterns of \(uniqueLabels.count) labels"
        lines.append("layer 1: \(layer1.distinctWinners) distinct winners for \(counted): \(winnerLine)")
        if let pulses = layer1.meanPulsesToFire { lines.append("         \(String(format: "%.1f", pulses)) pulses to a fire on average in training") }
        if let accuracy = layer2.accuracy {
            lines.append("layer 2: accuracy \(String(format: "%.1f", accuracy * 100)) % on noisy presentations")
            let columns = Array(0..<(layer2.confusion.first?.count ?? 0))
            lines.append("         confusion (rows: label, columns: most active output; - none)")
            lines.append("         " + "label".padding(toLength: 6, withPad: " ", startingAt: 0) + columns.map { $0 == columns.count - 1 ? "    -" : String(format: "%5d", $0) }.joined())
            for (row, counts) in layer2.confusion.enumerated() {
                let name = row < labels.count ? labels[row] : String(row)
                lines.append("         " + name.padding(toLength: 6, withPad: " ", startingAt: 0) + counts.map { String(format: "%5d", $0) }.joined())
            }
        }
        if trainingMisses > 0 { lines.append("         \(trainingMisses) training presentations reached the pulse limit without a fire") }
        return lines.joined(separator: "\n")
    }
}

extension LearningSummary {
    /// Writes summary.json and the plots a summary makes: rates-hidden.svg, rates-output.svg and
    /// confusion.svg, into `directory` (created if needed).
    public func write(to directory: String) throws(HostError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Self.encoder.encode(self).write(to: URL(fileURLWithPath: directory + "/summary.json"))
            for plot in plots {
                try plot.svg.write(toFile: directory + "/" + plot.file, atomically: true, encoding: .utf8)
            }
        } catch {
            throw HostError("cannot write \(directory): \(error.localizedDescription)", exitCode: 73)
        }
    }

    /// The summary's plots, with their file names.
    public var plots: [(file: String, svg: String)] {
        let hidden = MatrixPlot(
            title: "Hidden (layer 1) fires per noisy presentation", rowTitle: "label", columnTitle: "hidden neuron",
            rowLabels: labels, columnLabels: (0..<(layer1.rates.first?.count ?? 0)).map { "n\($0)" }, values: layer1.rates)
        let output = MatrixPlot(
            title: "Output (layer 2) fires per noisy presentation", rowTitle: "label", columnTitle: "output neuron",
            rowLabels: labels, columnLabels: (0..<(layer2.rates.first?.count ?? 0)).map { "n\($0)" }, values: layer2.rates)
        let columns = layer2.confusion.first?.count ?? 0
        let confusion = MatrixPlot(
            title: "Confusion: label → most active output neuron", rowTitle: "label", columnTitle: "predicted",
            rowLabels: Array(labels.prefix(layer2.confusion.count)),
            columnLabels: (0..<columns).map { $0 == columns - 1 ? "none" : "n\($0)" },
            values: layer2.confusion.map { $0.map(Double.init) })
        return [("rates-hidden.svg", hidden.svg()), ("rates-output.svg", output.svg()), ("confusion.svg", confusion.svg())]
    }
}
