/// The stage of a run, logged in the `layer` field of `presentation` and `stageStarted` events.
public enum ProtocolStage: UInt8, Sendable, BitwiseCopyable, CaseIterable, CustomStringConvertible {
    /// The `present` protocol: patterns on the inputs, nothing else.
    case presenting = 0
    /// Unsupervised WTA training of the hidden layer (seed 000 Methods).
    case layer1 = 1
    /// Supervised training of the output layer.
    case layer2 = 2
    /// Inference: fixed-length, optionally noisy presentations, learning off.
    case inference = 3

    public var description: String {
        switch self {
        case .presenting: "present"
        case .layer1: "layer1-wta"
        case .layer2: "layer2-supervised"
        case .inference: "infer"
        }
    }
}

/// Which of seed 000's learning protocols a run performs.
public enum LearningProtocolKind: UInt8, Sendable, BitwiseCopyable, NamedCases {
    /// Per pattern, input pulses until a hidden neuron fires; the winner's lateral inhibition
    /// gates the other columns while its T1/T3 windows program its synapses.
    case layer1WTA = 1
    /// Per pattern, the label's output column alone is gated on; its inputs are the hidden
    /// neurons' spikes; pulses until the target fires.
    case layer2Supervised = 2
    /// Every pattern (noisy if asked) for a fixed number of periods, learning off everywhere.
    case infer = 3
    /// layer1-wta, then layer2-supervised, then infer.
    case full = 4
    /// Seed 001 Methods: per pattern, the input amplitude starts at `rampStartVolts` and rises by
    /// `rampStepVolts` every clock period until a neuron fires; the winner's lateral inhibition
    /// floats the losers' columns while its T1/T3 windows program its column.
    case rampWTA = 5

    public var description: String {
        switch self {
        case .layer1WTA: "layer1-wta"
        case .layer2Supervised: "layer2-supervised"
        case .infer: "infer"
        case .full: "full"
        case .rampWTA: "ramp-wta"
        }
    }
}

/// What a learning run does. Times are in clock periods (500 µs at 2 kHz). Class `c` of the set
/// is its pattern `c`; output neuron `c % outputs` learns it.
public struct LearningPlan: Sendable, Equatable, BitwiseCopyable {
    public var kind: LearningProtocolKind
    /// Passes over the set in layer-1 training, each in an order shuffled by `seed`.
    public var layer1Epochs: Int = 20
    /// Passes over the set in layer-2 training.
    public var layer2Epochs: Int = 3
    /// A training presentation gives up (a `noFire` event) after this many pulses.
    public var maxPulses: Int = 200
    /// After the fire the pattern stays on to the end of this many more high phases, so that
    /// the T1 window (the period after the fire) potentiates with whole input pulses.
    public var settlePeriods: Int = 1
    /// Inputs grounded between presentations, so that the TS devices relax and what the losers
    /// integrated leaks away (5 ms: half the `fig5` device's leak time constant).
    public var restPeriods: Int = 10
    /// Layer-2 training first watches the hidden layer this long with the output layer gated
    /// off, to find the hidden neuron that fires most for the pattern: the input terminal the
    /// target is then trained from.
    public var observePeriods: Int = 20
    /// Length of each inference presentation.
    public var inferPeriods: Int = 80
    /// Passes over the set in inference.
    public var testRepeats: Int = 10
    /// Pixels flipped in each inference presentation (seed 000 Fig. 5g/5k: noisy digits).
    public var noisePixels: Int = 2
    /// Seeds the presentation order and the noise. 0 keeps the set's order.
    public var seed: UInt64 = 1
    /// ramp-wta: the amplitude each presentation starts at, the rise per clock period, and the
    /// most it may reach (never beyond the profile's limit).
    public var rampStartVolts: Double = 0.5
    public var rampStepVolts: Double = 0.05
    public var rampMaxVolts: Double = 2.0
    /// The layers trained by the two stages.
    public var hiddenLayer: Int = 0
    public var outputLayer: Int = 1

    public init(kind: LearningProtocolKind) { self.kind = kind }

    var stages: (first: ProtocolStage, last: ProtocolStage) {
        switch kind {
        case .layer1WTA: (.layer1, .layer1)
        case .layer2Supervised: (.layer2, .layer2)
        case .infer: (.inference, .inference)
        case .full: (.layer1, .inference)
        case .rampWTA: (.layer1, .layer1)
        }
    }

    /// Passes over the set the stage makes.
    public func passes(_ stage: ProtocolStage) -> Int {
        switch stage {
        case .presenting: 0
        case .layer1: layer1Epochs
        case .layer2: layer2Epochs
        case .inference: testRepeats
        }
    }

    /// Presentations the run makes over `patterns` patterns.
    /// Safe in tick (an index loop: a `for … in` range allocates in a debug build).
    public func presentations(patterns: Int) -> Int {
        let (first, last) = stages
        var total = 0
        var raw = first.rawValue
        while raw <= last.rawValue {
            total += passes(ProtocolStage(rawValue: raw)!) * patterns
            raw += 1
        }
        return total
    }

    /// The first field that cannot run on `core`, with what it allows; nil when the plan can run.
    public func problem(layerSizes layers: [Int], inputCount: Int) -> (field: String, allowed: String)? {
        let (first, last) = stages
        for raw in first.rawValue...last.rawValue where passes(ProtocolStage(rawValue: raw)!) < 1 {
            let stage = ProtocolStage(rawValue: raw)!
            return (stage == .inference ? "testRepeats" : stage == .layer1 ? "epochs" : "layer2Epochs", "at least 1")
        }
        if maxPulses < 1 { return ("maxPulses", "at least 1") }
        if settlePeriods < 1 { return ("settlePeriods", "at least 1 (the T1/T3 windows need the pattern on)") }
        if restPeriods < 0 { return ("restPeriods", "0 or more") }
        if inferPeriods < 1 { return ("inferPeriods", "at least 1") }
        if observePeriods < 1 { return ("observePeriods", "at least 1") }
        if kind == .rampWTA {
            if !(rampStartVolts > 0) { return ("rampStartVolts", "a positive number of volts") }
            if !(rampStepVolts > 0) { return ("rampStepVolts", "a positive number of volts") }
            if !(rampMaxVolts >= rampStartVolts) { return ("rampMaxVolts", "at least rampStartVolts") }
        }
        if noisePixels < 0 || noisePixels > inputCount { return ("noisePixels", "0…\(inputCount)") }
        if hiddenLayer < 0 || hiddenLayer >= layers.count { return ("hiddenLayer", "0…\(layers.count - 1)") }
        if kind != .layer1WTA && kind != .rampWTA {
            guard layers.count >= 2 else { return ("protocol", "layer1-wta only: the board has one layer, \(kind) needs a hidden and an output layer") }
            if outputLayer != hiddenLayer + 1 || outputLayer >= layers.count {
                return ("outputLayer", "the layer after the hidden layer (\(hiddenLayer + 1)), on a board with \(layers.count) layers")
            }
        }
        return nil
    }
}

/// A learning protocol (seed 000 Methods) as a state machine the loop steps once before every
/// tick, so that it runs the same on a board and on the simulator. It drives only what the
/// controller drives: the pattern on the inputs, the LG lines of each layer and whether the
/// learning windows may program. Weights change in the hardware (or the simulator's synapse
/// model), never by arithmetic here. Memory is reserved at init; `start` and `advance` allocate
/// nothing.
public struct LearningRun: ~Copyable {
    private let order: UnsafeMutableBufferPointer<Int32>
    /// Events of the last `advance`, for the loop to log.
    @usableFromInline let pending: UnsafeMutableBufferPointer<NeuronEvent>
    @usableFromInline var pendingCount = 0
    public private(set) var plan = LearningPlan(kind: .layer1WTA)
    private var patternCount = 0
    private var ticksPerPeriod: UInt64 = 1
    private var phase = Phase.idle
    public private(set) var stage = ProtocolStage.layer1
    private var ticksLeft: UInt64 = 0
    private var settleEndTick: UInt64 = 0
    private var hiddenSelected = false
    /// ramp-wta: the amplitude of the current presentation.
    private var rampVolts: Double = 0
    /// Hidden fires per neuron while a layer-2 presentation observes (room for the largest layer).
    private let responses: UnsafeMutableBufferPointer<UInt32>
    private var position = 0
    public private(set) var pass = 0
    private var shuffle: UInt64 = 0
    private var currentPattern = 0
    /// Presentations begun so far in this run.
    public private(set) var presentationsBegun = 0
    /// Training presentations that ended in a fire / gave up.
    public private(set) var fires = 0
    public private(set) var misses = 0

    enum Phase { case idle, waitingForPeriod, observing, training, settling, inferring, resting }

    /// Room for runs over at most `capacity` patterns.
    public init(capacity: Int) {
        order = .allocate(capacity: max(1, capacity))
        order.initialize(repeating: 0)
        pending = .allocate(capacity: 4)
        pending.initialize(repeating: NeuronEvent(tick: 0, kind: .learned, layer: 0, neuron: 0))
        responses = .allocate(capacity: NetworkConfiguration.maximumNeuronsPerLayer)
        responses.initialize(repeating: 0)
    }

    deinit {
        order.deallocate()
        pending.deallocate()
        responses.deallocate()
    }

    public var isActive: Bool {
        if case .idle = phase { return false }
        return true
    }

    /// Presentations the run makes in all.
    public var presentationsPlanned: Int { plan.presentations(patterns: patternCount) }

    /// The events the last `start` or `advance` produced (stage changes, presentations, training
    /// results): log them before the next `advance`.
    @inlinable
    public var events: UnsafeBufferPointer<NeuronEvent> {
        UnsafeBufferPointer(rebasing: pending[0..<pendingCount])
    }

    /// Begins a run over the core's loaded patterns. False (nothing started) when the plan cannot
    /// run on this core (see `LearningPlan.problem`, which the service checks first to name the
    /// field) or the core holds more patterns than this has room for. Safe in tick.
    @_noAllocation @_noLocks
    public mutating func start(_ plan: LearningPlan, core: inout NeuronCore) -> Bool {
        guard core.patternCount > 0, core.patternCount <= order.count, plan.maxPulses > 0,
              plan.settlePeriods > 0, plan.restPeriods >= 0, plan.inferPeriods > 0, plan.observePeriods > 0,
              plan.noisePixels >= 0, plan.noisePixels <= core.inputCount,
              plan.hiddenLayer >= 0, plan.hiddenLayer < core.layerCount,
              plan.kind == .layer1WTA || plan.kind == .rampWTA || plan.outputLayer == plan.hiddenLayer + 1 && plan.outputLayer < core.layerCount,
              plan.kind != .rampWTA || (plan.rampStartVolts > 0 && plan.rampStepVolts > 0 && plan.rampMaxVolts >= plan.rampStartVolts)
        else { return false }
        let first = plan.stages.first.rawValue
        let last = plan.stages.last.rawValue
        var raw = first
        while raw <= last {
            if plan.passes(ProtocolStage(rawValue: raw)!) < 1 { return false }
            raw += 1
        }
        self.plan = plan
        patternCount = core.patternCount
        ticksPerPeriod = core.ticksPerPeriod
        presentationsBegun = 0
        fires = 0
        misses = 0
        shuffle = plan.seed
        pendingCount = 0
        hiddenSelected = false
        enter(plan.stages.first, core: &core)
        return true
    }

    /// Ends the run now: inputs grounded, every layer's columns back as wired. Safe in tick.
    @_noAllocation @_noLocks
    public mutating func stop(core: inout NeuronCore) {
        if isActive {
            core.withdrawPattern()
            core.resetColumns()
        }
        hiddenSelected = false
        phase = .idle
    }

    /// Call once before every tick; then log `events`. Returns true when the run has just
    /// finished (inputs grounded, columns as wired). Safe in tick.
    @_noAllocation @_noLocks
    public mutating func advance(core: inout NeuronCore) -> Bool {
        pendingCount = 0
        switch phase {
        case .idle:
            return false
        case .waitingForPeriod:
            guard core.currentTick % ticksPerPeriod == 0 else { return false }
            presentCurrent(core: &core)
            return false
        case .observing:
            countHiddenFires(core)
            if ticksLeft > 0 {
                ticksLeft -= 1
                return false
            }
            return selectHiddenResponder(core: &core)
        case .training:
            if let neuron = trainedFire(core) {
                fires += 1
                emit(core, .learned, layer: trainedLayer, neuron: neuron, payload: UInt32(clamping: core.pulsesDelivered))
                // The pattern stays on until the end of the high phase `settlePeriods` periods after
                // the fire's: the T1 window of the next period sees whole input pulses.
                let fireTick = core.currentTick - 1
                settleEndTick = fireTick - fireTick % ticksPerPeriod + UInt64(plan.settlePeriods) * ticksPerPeriod + core.ticksPerPhase
                phase = .settling
            } else if core.pulsesDelivered > UInt64(plan.maxPulses) {
                misses += 1
                emit(core, .noFire, layer: trainedLayer, neuron: 0, payload: UInt32(clamping: core.pulsesDelivered - 1))
                return endPresentation(core: &core)
            } else if plan.kind == .rampWTA, core.currentTick % ticksPerPeriod == 0, core.pulsesDelivered > 0 {
                // No fire in this period: one step up for the next pulse, up to the ramp's top.
                rampVolts = min(plan.rampMaxVolts, rampVolts + plan.rampStepVolts)
                core.setInputAmplitude(volts: rampVolts)
            }
            return false
        case .settling:
            if core.currentTick < settleEndTick { return false }
            return endPresentation(core: &core)
        case .inferring:
            if ticksLeft > 0 {
                ticksLeft -= 1
                return false
            }
            return endPresentation(core: &core)
        case .resting:
            if ticksLeft > 0 {
                ticksLeft -= 1
                return false
            }
            return presentNext(core: &core)
        }
    }

    private var trainedLayer: Int { stage == .layer2 ? plan.outputLayer : plan.hiddenLayer }

    /// Layer-2 training drives the output layer from one input terminal: the hidden neuron with
    /// the highest rate for the pattern (seed 000: "the locations of the potentiated synapses
    /// just right cater to the neurons with the highest rate in the hidden layer"; Methods: pulses
    /// "on the selected input terminals"). It is found by watching the hidden layer for
    /// `observePeriods` with the output layer gated off; then only that neuron's column stays on,
    /// the target's column opens, and the pulses are counted afresh until the target fires.
    /// If no hidden neuron fired at all, the presentation gives up (`noFire`).
    private mutating func countHiddenFires(_ core: borrowing NeuronCore) {
        let layer = UInt8(truncatingIfNeeded: plan.hiddenLayer)
        var index = 0
        while index < core.eventCount {
            let event = core.eventStorage[index]
            if case .fire = event.kind, event.layer == layer, Int(event.neuron) < responses.count {
                responses[Int(event.neuron)] &+= 1
            }
            index += 1
        }
    }

    private mutating func selectHiddenResponder(core: inout NeuronCore) -> Bool {
        let hidden = core.layers[plan.hiddenLayer].neuronCount
        var best = -1
        var most: UInt32 = 0
        var neuron = 0
        while neuron < hidden {
            if responses[neuron] > most {
                most = responses[neuron]
                best = neuron
            }
            neuron += 1
        }
        guard best >= 0 else {
            misses += 1
            emit(core, .noFire, layer: plan.outputLayer, neuron: 0, payload: 0)
            return endPresentation(core: &core)
        }
        core.setColumns(ofLayer: plan.hiddenLayer, .only(neuron: best), plastic: false)
        hiddenSelected = true
        core.setColumns(
            ofLayer: plan.outputLayer, .only(neuron: currentPattern % core.layers[plan.outputLayer].neuronCount),
            plastic: true)
        core.present(pattern: currentPattern)
        phase = .training
        return false
    }

    /// The neuron whose fire ends a training presentation, from the last tick's events: in layer 1
    /// the neuron the lateral inhibition picked (or the first that fired, without an LIA); in
    /// layer 2 the target.
    private func trainedFire(_ core: borrowing NeuronCore) -> Int? {
        let layer = UInt8(truncatingIfNeeded: trainedLayer)
        var firstFire = -1
        var index = 0
        while index < core.eventCount {
            let event = core.eventStorage[index]
            if event.layer == layer {
                switch event.kind {
                case .lateralInhibition:
                    if stage == .layer1 { return Int(event.neuron) }
                case .fire:
                    if stage == .layer2 {
                        if Int(event.neuron) == currentPattern % core.layers[plan.outputLayer].neuronCount { return Int(event.neuron) }
                    } else if firstFire < 0 {
                        firstFire = Int(event.neuron)
                    }
                default:
                    break
                }
            }
            index += 1
        }
        return firstFire >= 0 ? firstFire : nil
    }

    /// Sets the columns for `stage` and starts its first pass.
    private mutating func enter(_ next: ProtocolStage, core: inout NeuronCore) {
        stage = next
        core.resetColumns()
        var layer = 0
        while layer < core.layerCount {
            switch next {
            case .layer1:
                // Layers after the hidden one are gated off: their synapses would otherwise be
                // programmed by the hidden spikes before they are trained.
                if layer > plan.hiddenLayer { core.setColumns(ofLayer: layer, .closed, plastic: false) }
            case .layer2:
                if layer == plan.hiddenLayer { core.setColumns(ofLayer: layer, .asWired, plastic: false) }
                if layer > plan.outputLayer { core.setColumns(ofLayer: layer, .closed, plastic: false) }
            case .inference, .presenting:
                core.setColumns(ofLayer: layer, .asWired, plastic: false)
            }
            layer += 1
        }
        pass = 0
        position = 0
        arrangeOrder()
        emit(core, .stageStarted, layer: Int(next.rawValue), neuron: 0, payload: UInt32(clamping: plan.passes(next)))
        phase = .waitingForPeriod
    }

    private mutating func endPresentation(core: inout NeuronCore) -> Bool {
        core.withdrawPattern()
        if hiddenSelected {
            core.setColumns(ofLayer: plan.hiddenLayer, .asWired, plastic: false)
            hiddenSelected = false
        }
        if plan.restPeriods > 0 {
            phase = .resting
            ticksLeft = UInt64(plan.restPeriods) * ticksPerPeriod - 1
            return false
        }
        return presentNext(core: &core)
    }

    /// Moves to the next presentation (or stage, or the end); it begins on the next clock-period
    /// boundary, so that every presentation holds whole pulses and counts them from the first.
    private mutating func presentNext(core: inout NeuronCore) -> Bool {
        position += 1
        if position == patternCount {
            position = 0
            pass += 1
            if pass == plan.passes(stage) {
                if stage == plan.stages.last {
                    core.resetColumns()
                    phase = .idle
                    return true
                }
                enter(ProtocolStage(rawValue: stage.rawValue + 1)!, core: &core)
            } else {
                arrangeOrder()
            }
        }
        phase = .waitingForPeriod
        if core.currentTick % ticksPerPeriod == 0 { presentCurrent(core: &core) }
        return false
    }

    private mutating func presentCurrent(core: inout NeuronCore) {
        currentPattern = Int(order[position])
        if stage == .inference {
            // Each presentation's noise is its own: the seed mixed with the presentation number.
            let noiseSeed = (plan.seed &+ 1) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(presentationsBegun)
            core.present(pattern: currentPattern, flippingPixels: plan.noisePixels, seed: noiseSeed)
            phase = .inferring
            ticksLeft = UInt64(plan.inferPeriods) * ticksPerPeriod - 1
        } else if stage == .layer2 {
            // Watch the hidden layer first, the output layer gated off (see selectHiddenResponder).
            core.setColumns(ofLayer: plan.outputLayer, .closed, plastic: false)
            var neuron = 0
            while neuron < core.layers[plan.hiddenLayer].neuronCount {
                responses[neuron] = 0
                neuron += 1
            }
            core.present(pattern: currentPattern)
            phase = .observing
            ticksLeft = UInt64(plan.observePeriods) * ticksPerPeriod - 1
        } else {
            if plan.kind == .rampWTA {
                rampVolts = plan.rampStartVolts
                core.setInputAmplitude(volts: rampVolts)
            }
            core.present(pattern: currentPattern)
            phase = .training
        }
        emit(core, .presentation, layer: Int(stage.rawValue), neuron: presentationsBegun, payload: UInt32(currentPattern))
        presentationsBegun += 1
    }

    private mutating func emit(_ core: borrowing NeuronCore, _ kind: EventKind, layer: Int, neuron: Int, payload: UInt32) {
        guard pendingCount < pending.count else { return }
        // Field by field: the allocation checker cannot see into an initialiser from another
        // file in a debug build.
        let slot = pending.baseAddress! + pendingCount
        slot.pointee.tick = core.currentTick
        slot.pointee.kind = kind
        slot.pointee.layer = UInt8(truncatingIfNeeded: layer)
        slot.pointee.neuron = UInt16(truncatingIfNeeded: neuron)
        slot.pointee.payload = payload
        pendingCount += 1
    }

    /// The set's order, or a Fisher–Yates shuffle of it (xorshift64*), anew for every pass.
    private mutating func arrangeOrder() {
        ShuffledOrder.arrange(order, count: patternCount, shuffling: plan.seed != 0, state: &shuffle)
    }
}
