import SomaCore

/// A learning run of the whole network on the simulated breadboard, in virtual time: the very
/// core and `LearningRun` a board runs, stepped as fast as the machine allows. What
/// `soma sim run` and the learning tests run.
public struct NetworkExperiment {
    public struct Outcome: Sendable {
        /// Every event, as a board would have logged them (`runStarted` … `runEnded`).
        public var events: [NeuronEvent]
        public var report: LearningReport
        /// The breadboard after the run: its synapse conductances are the weight maps.
        public var board: Breadboard
        public var ticks: UInt64
        public var virtualSeconds: Double
        /// Presentations the run made, and training presentations that gave up.
        public var presentations: Int
    }

    public var settings: BreadboardSettings
    public var patterns: PatternBank
    public var plan: LearningPlan
    /// The device limits the output stage holds the rows to, as on a board (nil: none).
    public var limits: OutputLimits?

    public init(settings: BreadboardSettings, patterns: PatternBank, plan: LearningPlan, limits: OutputLimits? = nil) {
        self.settings = settings
        self.patterns = patterns
        self.plan = plan
        self.limits = limits
    }

    /// Runs to the end. `progress` is called at every presentation with (begun, planned, stage).
    public func run(progress: ((Int, Int, ProtocolStage) -> Void)? = nil) throws(ConfigurationError) -> Outcome {
        let network = settings.network
        let sizes = network.layers.map(\.neurons)
        if let problem = plan.problem(layerSizes: sizes, inputCount: network.inputs) {
            throw ConfigurationError(field: problem.field, value: "as given", allowed: problem.allowed)
        }
        var core = try NeuronCore(configuration: network, patterns: patterns)
        if let limits { core.enforce(limits) }
        var board = try Breadboard(settings: settings)
        var learning = LearningRun(capacity: patterns.count)
        guard learning.start(plan, core: &core) else {
            throw ConfigurationError(field: "patterns", value: "\(patterns.count) patterns", allowed: "at least 1")
        }
        let planned = learning.presentationsPlanned
        var report = LearningReport(
            patternCount: patterns.count, hiddenNeurons: sizes[plan.hiddenLayer],
            outputNeurons: plan.outputLayer < sizes.count ? sizes[plan.outputLayer] : 0, hiddenLayer: plan.hiddenLayer)
        var events: [NeuronEvent] = [NeuronEvent(tick: 0, kind: .runStarted, layer: 0, neuron: 0, payload: 1)]
        for event in learning.events { events.append(event) }
        var begun = 0
        while true {
            let finished = learning.advance(core: &core)
            for event in learning.events { events.append(event) }
            if learning.presentationsBegun != begun {
                begun = learning.presentationsBegun
                progress?(begun, planned, learning.stage)
            }
            if finished { break }
            core.tick(on: &board)
            for event in core.events { events.append(event) }
        }
        events.append(NeuronEvent(tick: core.nextTick, kind: .runEnded, layer: 0, neuron: RunEnding.completed.rawValue, payload: 1))
        for event in events { report.add(event) }
        report.finish()
        return Outcome(
            events: events, report: report, board: board, ticks: core.nextTick,
            virtualSeconds: board.virtualSeconds, presentations: learning.presentationsBegun)
    }
}

extension Breadboard {
    /// Conductances of layer `layer`, `[row][neuron]`, in siemens: the weight map a read-out
    /// would measure.
    public func conductanceMap(layer: Int) -> [[Double]] {
        let layout = settings.network.layerLayouts[layer]
        return (0..<layout.rows).map { row in (0..<layout.neurons).map { conductance(layer: layer, row: row, neuron: $0) } }
    }
}
