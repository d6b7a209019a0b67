/// What a learning run showed, computed from its events alone, so that the same numbers come out
/// of an in-process simulation and of logs pulled from a board. Feed the run's events in order
/// with `add`.
///
/// - Layer 1: the winner of each pattern is the neuron of its last `learned` event in layer-1
///   training (the WTA winner the last time the pattern was trained).
/// - Inference: every fire of every neuron is counted against the pattern being presented. A
///   presentation is classified by its most active output neuron (none if no output fired, or if
///   two tie for the most); it is correct when that neuron is the pattern's class
///   (`pattern % outputs`). Accuracy is correct presentations over all.
public struct LearningReport: Sendable, Equatable {
    public let patternCount: Int
    public let hiddenNeurons: Int
    public let outputNeurons: Int
    public let hiddenLayer: Int

    /// Layer-1 winner of each pattern (nil: never fired in training).
    public private(set) var winnerByPattern: [Int?]
    /// Pulses each layer-1 / layer-2 training presentation took to its fire.
    public private(set) var layer1Pulses: [Int] = []
    public private(set) var layer2Pulses: [Int] = []
    /// Training presentations that gave up.
    public private(set) var trainingMisses = 0
    /// Inference fires: `[pattern][neuron]`.
    public private(set) var hiddenFires: [[Int]]
    public private(set) var outputFires: [[Int]]
    public private(set) var inferencePresentations: [Int]
    /// `[class][predicted]` counts of inference presentations; the last column counts those with
    /// no single most active output neuron.
    public private(set) var confusion: [[Int]]
    public private(set) var events = 0

    private var stage = ProtocolStage.presenting
    private var pattern = -1
    private var presentationOutputs: [Int]

    public init(patternCount: Int, hiddenNeurons: Int, outputNeurons: Int, hiddenLayer: Int = 0) {
        self.patternCount = patternCount
        self.hiddenNeurons = hiddenNeurons
        self.outputNeurons = outputNeurons
        self.hiddenLayer = hiddenLayer
        winnerByPattern = Array(repeating: nil, count: patternCount)
        hiddenFires = Array(repeating: Array(repeating: 0, count: hiddenNeurons), count: patternCount)
        outputFires = Array(repeating: Array(repeating: 0, count: outputNeurons), count: patternCount)
        inferencePresentations = Array(repeating: 0, count: patternCount)
        let classes = min(patternCount, max(1, outputNeurons))
        confusion = Array(repeating: Array(repeating: 0, count: outputNeurons + 1), count: classes)
        presentationOutputs = Array(repeating: 0, count: outputNeurons)
    }

    public mutating func add(_ event: NeuronEvent) {
        events += 1
        switch event.kind {
        case .presentation:
            closePresentation()
            stage = ProtocolStage(rawValue: event.layer) ?? .presenting
            pattern = Int(event.payload) < patternCount ? Int(event.payload) : -1
        case .stageStarted, .runEnded, .runStarted:
            closePresentation()
            stage = .presenting
            pattern = -1
        case .learned:
            if stage == .layer1, pattern >= 0, Int(event.layer) == hiddenLayer {
                winnerByPattern[pattern] = Int(event.neuron)
                layer1Pulses.append(Int(event.payload))
            } else if stage == .layer2 {
                layer2Pulses.append(Int(event.payload))
            }
        case .noFire:
            trainingMisses += 1
        case .fire:
            guard stage == .inference, pattern >= 0 else { return }
            let neuron = Int(event.neuron)
            if Int(event.layer) == hiddenLayer, neuron < hiddenNeurons {
                hiddenFires[pattern][neuron] += 1
            } else if Int(event.layer) == hiddenLayer + 1, neuron < outputNeurons {
                outputFires[pattern][neuron] += 1
                presentationOutputs[neuron] += 1
            }
        default:
            break
        }
    }

    /// Call after the last event (a run's events end with `runEnded`, which does it).
    public mutating func finish() { closePresentation() }

    private mutating func closePresentation() {
        defer {
            for index in presentationOutputs.indices { presentationOutputs[index] = 0 }
            pattern = -1
        }
        guard stage == .inference, pattern >= 0, outputNeurons > 0 else { return }
        inferencePresentations[pattern] += 1
        let label = pattern % outputNeurons
        guard label < confusion.count else { return }
        confusion[label][Self.singleMax(presentationOutputs) ?? outputNeurons] += 1
    }

    /// The index of the largest positive count, or nil when none is positive or two tie.
    static func singleMax(_ counts: [Int]) -> Int? {
        guard let top = counts.max(), top > 0 else { return nil }
        let at = counts.indices.filter { counts[$0] == top }
        return at.count == 1 ? at[0] : nil
    }

    /// Distinct layer-1 winners over the patterns.
    public var distinctWinners: Int { Set(winnerByPattern.compactMap { $0 }).count }

    /// Fraction of inference presentations classified as their class; nil without any.
    public var accuracy: Double? {
        let total = confusion.reduce(0) { $0 + $1.reduce(0, +) }
        guard total > 0 else { return nil }
        let correct = confusion.indices.reduce(0) { $0 + confusion[$1][$1] }
        return Double(correct) / Double(total)
    }

    /// The most active hidden neuron of each pattern in inference (nil: none fired, or a tie).
    public var inferenceWinnerByPattern: [Int?] { hiddenFires.map(Self.singleMax) }

    /// Fires per presentation of each hidden neuron for each pattern in inference.
    public var hiddenRates: [[Double]] { rates(hiddenFires) }
    public var outputRates: [[Double]] { rates(outputFires) }

    private func rates(_ fires: [[Int]]) -> [[Double]] {
        fires.indices.map { pattern in
            let shown = Double(max(1, inferencePresentations[pattern]))
            return fires[pattern].map { Double($0) / shown }
        }
    }
}
