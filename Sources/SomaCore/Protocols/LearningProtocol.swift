// The plan, its option types, the STDP window and the run that steps them share this file: the
// compiler's allocation checks on `LearningRun`'s tick methods cannot see types or functions of
// other files in a debug (file-by-file) build, and refuse them. The read-outs of finished runs
// (`STDPCurve`, `ReadoutMaps`, `CharacterizationCurve`, `LearningReport`) are not tick code and
// live in files of their own.

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
    /// Weight read-out: every synapse read at the read voltage, row by row.
    case readout = 4
    /// STDP pairings: pre/post pairs at a sweep of Δt, each followed by the window's programming
    /// pulses, with read-outs around them.
    case stdp = 5
    /// Characterisation: a sweep of pulse amplitude, width or spacing, trials at each point.
    case characterize = 6

    public var description: String {
        switch self {
        case .presenting: "present"
        case .layer1: "layer1-wta"
        case .layer2: "layer2-supervised"
        case .inference: "infer"
        case .readout: "readout"
        case .stdp: "stdp"
        case .characterize: "characterize"
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
    /// DESIGN.md "Weight read-out": a small read voltage on each row in turn, the current of
    /// every column sensed with node 1 at virtual ground: a conductance map (`synapseRead` events).
    case readout = 6
    /// Seeds 003/004: pair-based STDP as programming pulses the controller schedules from pre and
    /// post spike times. For each Δt of a sweep: the synapse under study is brought back to its
    /// starting conductance (read, pulse, read), a presynaptic pulse and an evoked fire of the
    /// neuron make the pair, the window's value at the measured Δt becomes a number of SET
    /// (Δt ≥ 0) or RESET (Δt < 0) pulses, and a read-out measures what they did.
    case stdp = 7
    /// Seed 000 Fig. 2e/2f, 3c/3d on the board itself: for each point of a sweep of the pulse
    /// amplitude, width or spacing, `testRepeats` trials of the set's first pattern: pulses to
    /// the first fire (`first-fire`) or fires in `inferPeriods` clock periods (`rate`), with the
    /// inputs resting between trials and learning off.
    case characterize = 8

    public var description: String {
        switch self {
        case .layer1WTA: "layer1-wta"
        case .layer2Supervised: "layer2-supervised"
        case .infer: "infer"
        case .full: "full"
        case .rampWTA: "ramp-wta"
        case .readout: "readout"
        case .stdp: "stdp"
        case .characterize: "characterize"
        }
    }
}

/// What a characterisation sweeps (`LearningPlan.sweep`).
public enum CharacterizationSweep: UInt8, Sendable, BitwiseCopyable, NamedCases {
    /// Pulse amplitude, volts (needs an adjustable amplitude).
    case amplitude = 0
    /// Pulse width, microseconds (whole ticks, within the clock period after the pulse's start).
    case width = 1
    /// Spacing: a pulse every k clock periods (the interval between pulses is k periods less the width).
    case interval = 2

    public var description: String {
        switch self {
        case .amplitude: "amplitude"
        case .width: "width"
        case .interval: "interval"
        }
    }
}

/// What a characterisation measures at each point (`LearningPlan.measure`).
public enum CharacterizationMeasure: UInt8, Sendable, BitwiseCopyable, NamedCases {
    /// Pulses to the first fire of any neuron of the first layer (Fig. 2e/2f).
    case firstFire = 0
    /// Fires of every neuron in a fixed time (Fig. 3c/3d).
    case rate = 1

    public var description: String {
        switch self {
        case .firstFire: "first-fire"
        case .rate: "rate"
        }
    }
}

/// A pair-based STDP learning window: the weight change a pre/post pair asks for, as a function
/// of Δt = t_post − t_pre. Weights are in the window's own units (seed 003 gives W± in arbitrary
/// units); only the shape and the ratio of the two branches reach the hardware, as pulse counts.
public struct STDPWindow: Sendable, Equatable, BitwiseCopyable {
    public enum Shape: UInt8, Sendable, BitwiseCopyable, NamedCases {
        /// Seed 003: Δw = W+ · exp(−Δt/τ+) for Δt ≥ 0, −W− · exp(Δt/τ−) for Δt < 0.
        case exponential = 1
        /// Seed 004 eq. 3: Δw = U_pre · (|Δt|/τ_pre) · exp(−|Δt|/τ_pre) for Δt ≥ 0, and
        /// −|U_post| · (|Δt|/τ_post) · exp(−|Δt|/τ_post) for Δt < 0: zero at Δt = 0, largest at τ.
        case alpha = 2

        public var description: String {
            switch self {
            case .exponential: "exponential"
            case .alpha: "alpha"
            }
        }
    }

    public var shape: Shape
    /// The potentiating branch's amplitude (W+ or U_pre), positive.
    public var potentiation: Double
    /// The depressing branch's amplitude (W− or |U_post|), positive: its changes are negative.
    public var depression: Double
    public var potentiationTauMilliseconds: Double
    public var depressionTauMilliseconds: Double

    public init(shape: Shape, potentiation: Double, depression: Double, potentiationTauMilliseconds: Double, depressionTauMilliseconds: Double) {
        self.shape = shape
        self.potentiation = potentiation
        self.depression = depression
        self.potentiationTauMilliseconds = potentiationTauMilliseconds
        self.depressionTauMilliseconds = depressionTauMilliseconds
    }

    /// Seed 003's fit: W+ = 138.61, W− = 103.46, τ+ = 64.1 ms, τ− = 29.2 ms.
    public static var seed003: STDPWindow {
        STDPWindow(shape: .exponential, potentiation: 138.61, depression: 103.46, potentiationTauMilliseconds: 64.1, depressionTauMilliseconds: 29.2)
    }

    /// Seed 004's alpha window with its Fig. 3 amplitudes (U_pre = 1, U_post = −1). Its τ of 3 µs
    /// is shorter than a tick of any controller clock, so the time constants here are 20 ms, on
    /// the scale a 2 kHz clock resolves; the shape is the paper's.
    public static var alpha: STDPWindow {
        STDPWindow(shape: .alpha, potentiation: 1, depression: 1, potentiationTauMilliseconds: 20, depressionTauMilliseconds: 20)
    }

    /// A window as a run spec gives it: a shape name (`exponential`, the default, or `alpha`)
    /// whose defaults (`seed003`, `alpha`) the given values replace. Nil for an unknown name.
    public init?(shapeName: String?, potentiation: Double?, depression: Double?, potentiationTauMilliseconds: Double?, depressionTauMilliseconds: Double?) {
        var window = STDPWindow.seed003
        if let shapeName {
            guard let shape = Shape(name: shapeName) else { return nil }
            if shape == .alpha { window = .alpha }
        }
        if let potentiation { window.potentiation = potentiation }
        if let depression { window.depression = depression }
        if let potentiationTauMilliseconds { window.potentiationTauMilliseconds = potentiationTauMilliseconds }
        if let depressionTauMilliseconds { window.depressionTauMilliseconds = depressionTauMilliseconds }
        self = window
    }

    /// The change the window asks for at `deltaMilliseconds` = t_post − t_pre.
    public func change(atMilliseconds deltaMilliseconds: Double) -> Double {
        let potentiating = deltaMilliseconds >= 0
        let tau = potentiating ? potentiationTauMilliseconds : depressionTauMilliseconds
        let amplitude = potentiating ? potentiation : -depression
        let x = (potentiating ? deltaMilliseconds : -deltaMilliseconds) / tau
        switch shape {
        case .exponential: return amplitude * _exp(-x)
        case .alpha: return amplitude * x * _exp(-x)
        }
    }

    /// The largest |change| over both branches: what `pulsesAtPeak` stands for.
    public var peak: Double {
        let larger = potentiation > depression ? potentiation : depression
        switch shape {
        case .exponential: return larger
        case .alpha: return larger / _exp(1)
        }
    }

    /// Why the window cannot be used, or nil.
    public var problem: (field: String, allowed: String)? {
        if !(potentiation >= 0 && potentiation.isFinite) { return ("stdpPotentiation", "a finite number, 0 or more") }
        if !(depression >= 0 && depression.isFinite) { return ("stdpDepression", "a finite number, 0 or more") }
        if !(potentiation > 0 || depression > 0) { return ("stdpPotentiation", "a window with a branch: stdpPotentiation or stdpDepression above 0") }
        if !(potentiationTauMilliseconds > 0 && potentiationTauMilliseconds.isFinite) { return ("stdpTauPotentiationMs", "a positive number of milliseconds") }
        if !(depressionTauMilliseconds > 0 && depressionTauMilliseconds.isFinite) { return ("stdpTauDepressionMs", "a positive number of milliseconds") }
        return nil
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
    /// The layers trained by the two stages; `stdp` studies a synapse of `hiddenLayer`.
    public var hiddenLayer: Int = 0
    public var outputLayer: Int = 1
    /// readout, stdp: the voltage a read puts on a row (seed 000 reads at 0.2 V, far below SET
    /// and RESET).
    public var readVolts: Double = 0.2
    /// readout: the layer to read, or −1 for every layer.
    public var readoutLayer: Int = -1
    /// stdp: the window, the synapse (`stdpRow` of neuron `stdpNeuron`'s column) and the sweep:
    /// Δt from `stdpFromMilliseconds` to `stdpToMilliseconds` by `stdpStepMilliseconds`, the
    /// whole sweep `passes` times (`layer1Epochs`).
    public var stdpWindow: STDPWindow = .seed003
    public var stdpRow: Int = 0
    public var stdpNeuron: Int = 0
    public var stdpFromMilliseconds: Double = -100
    public var stdpToMilliseconds: Double = 200
    public var stdpStepMilliseconds: Double = 10
    /// stdp: SET/RESET pulses at the window's peak |Δw|; a pair gets round(|Δw| / peak × this).
    public var stdpPulsesAtPeak: Int = 8
    /// stdp: the pattern rows' amplitude while programming (the SET voltage, and the hold level
    /// of the unselected rows during a RESET). Within the profile's amplitude limit.
    public var stdpProgramVolts: Double = 1.32
    /// stdp: before each pair the synapse is brought back to the conductance read at the start,
    /// to within this or within one pulse's step, with at most `stdpRestorePulses` pulses.
    public var stdpRestoreToleranceSiemens: Double = 2e-6
    public var stdpRestorePulses: Int = 200
    /// characterize: what is swept, from `sweepFrom` to `sweepTo` by `sweepStep` (volts,
    /// microseconds or clock periods), and what is measured; `testRepeats` trials a point.
    public var sweep: CharacterizationSweep = .amplitude
    public var measure: CharacterizationMeasure = .firstFire
    public var sweepFrom: Double = 1.0
    public var sweepTo: Double = 2.0
    public var sweepStep: Double = 0.1

    public init(kind: LearningProtocolKind) { self.kind = kind }

    /// Values in a sweep from `from` to `to` by `step` (0 when they make none, or too many).
    public static func sweepPoints(from: Double, to: Double, step: Double) -> Int {
        guard step > 0, from.isFinite, to.isFinite, to >= from, (to - from) / step < 1_000_000 else { return 0 }
        // Truncation is the floor here (a non-negative value); `rounded(.down)` is not tick-safe.
        return Int((to - from) / step + 1e-9) + 1
    }

    /// characterize: the points of the sweep.
    public var characterizationPoints: Int { Self.sweepPoints(from: sweepFrom, to: sweepTo, step: sweepStep) }

    /// stdp: the Δt values of one pass.
    public var stdpSweepPoints: Int {
        Self.sweepPoints(from: stdpFromMilliseconds, to: stdpToMilliseconds, step: stdpStepMilliseconds)
    }

    /// stdp: the target Δt of sweep point `index`, in milliseconds.
    public func stdpTarget(_ index: Int) -> Double { stdpFromMilliseconds + Double(index) * stdpStepMilliseconds }

    var stages: (first: ProtocolStage, last: ProtocolStage) {
        switch kind {
        case .layer1WTA: (.layer1, .layer1)
        case .layer2Supervised: (.layer2, .layer2)
        case .infer: (.inference, .inference)
        case .full: (.layer1, .inference)
        case .rampWTA: (.layer1, .layer1)
        case .readout: (.readout, .readout)
        case .stdp: (.stdp, .stdp)
        case .characterize: (.characterize, .characterize)
        }
    }

    /// Passes over the set the stage makes.
    public func passes(_ stage: ProtocolStage) -> Int {
        switch stage {
        case .presenting: 0
        case .layer1: layer1Epochs
        case .layer2: layer2Epochs
        case .inference: testRepeats
        case .readout: 1
        case .stdp: layer1Epochs
        case .characterize: 1
        }
    }

    /// Presentations the run makes over `patterns` patterns.
    /// Safe in tick (an index loop: a `for … in` range allocates in a debug build).
    public func presentations(patterns: Int) -> Int {
        if case .readout = kind { return 0 }
        if case .stdp = kind { return stdpSweepPoints * layer1Epochs }
        if case .characterize = kind { return characterizationPoints * testRepeats }
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
            return (stage == .inference ? "testRepeats" : stage == .layer1 || stage == .stdp ? "epochs" : "layer2Epochs", "at least 1")
        }
        if !(readVolts > 0 && readVolts.isFinite) { return ("readVolts", "a positive number of volts") }
        if kind == .readout {
            if readoutLayer < -1 || readoutLayer >= layers.count { return ("readoutLayer", "-1 (every layer) or 0…\(layers.count - 1)") }
            return nil
        }
        if kind == .characterize {
            let points = characterizationPoints
            if !(sweepStep > 0) { return ("sweepStep", "a positive number") }
            if !(sweepFrom.isFinite && sweepTo.isFinite && sweepTo >= sweepFrom) { return ("sweepTo", "a number, at least sweepFrom") }
            if points < 1 || points > 10_000 { return ("sweepStep", "a sweep of 1…10000 points") }
            if sweep == .interval && sweepTo > 1_000_000 { return ("sweepTo", "at most 1000000 clock periods") }
            if !(sweepFrom > 0) { return ("sweepFrom", sweep == .amplitude ? "a positive number of volts" : sweep == .width ? "a positive number of microseconds" : "1 or more clock periods") }
            if sweep == .interval {
                // Whole periods only.
                var index = 0
                while index < points {
                    let value = sweepFrom + Double(index) * sweepStep
                    if value != value.rounded() { return ("sweepStep", "whole clock periods (sweepFrom and sweepStep integers) for an interval sweep") }
                    index += 1
                }
            }
        }
        if kind == .stdp {
            if hiddenLayer != 0 { return ("hiddenLayer", "0: stdp studies a synapse of the input layer, whose presynaptic spikes are input pulses") }
            if let problem = stdpWindow.problem { return problem }
            if stdpRow < 0 || stdpRow >= inputCount { return ("stdpRow", "0…\(inputCount - 1), an input row") }
            if stdpNeuron < 0 || stdpNeuron >= layers[0] { return ("stdpNeuron", "0…\(layers[0] - 1)") }
            if !(stdpStepMilliseconds > 0) { return ("stdpStepMs", "a positive number of milliseconds") }
            if !(stdpFromMilliseconds.isFinite && stdpToMilliseconds.isFinite && stdpToMilliseconds >= stdpFromMilliseconds) {
                return ("stdpToMs", "a number of milliseconds, at least stdpFromMs")
            }
            if stdpSweepPoints < 1 || stdpSweepPoints > 100_000 { return ("stdpStepMs", "a sweep of 1…100000 points") }
            if abs(stdpFromMilliseconds) > 10_000 || abs(stdpToMilliseconds) > 10_000 { return ("stdpFromMs", "Δt within ±10000 ms (and stdpToMs too)") }
            if stdpPulsesAtPeak < 1 || stdpPulsesAtPeak > 10_000 { return ("stdpPulsesAtPeak", "1…10000") }
            if !(stdpProgramVolts > 0 && stdpProgramVolts.isFinite) { return ("stdpProgramVolts", "a positive number of volts") }
            if !(stdpRestoreToleranceSiemens >= 0 && stdpRestoreToleranceSiemens.isFinite) { return ("stdpRestoreToleranceMicrosiemens", "0 or more") }
            if stdpRestorePulses < 0 { return ("stdpRestorePulses", "0 or more") }
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
        if kind != .layer1WTA && kind != .rampWTA && kind != .stdp && kind != .readout && kind != .characterize {
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

    // Read-out: the layer and row being read, and where the two-tick read is.
    private var readLayer = 0
    private var readRow = 0
    private var readStep: UInt8 = 0
    /// The conductance the last read measured (its last column), in siemens; NaN: none.
    private var lastReadSiemens = Double.nan

    // STDP: where the current pairing is (see `advanceSTDP`).
    private var stdpStep = STDPStep.baseline
    private var stdpPoint = 0
    private var baselineSiemens = Double.nan
    /// The restore's last error (read − baseline), to see a pulse overshoot.
    private var restoreError = 0.0
    private var restorePulsesUsed = 0
    private var preTick: UInt64 = 0
    private var postTick: UInt64 = 0
    private var waitUntilTick: UInt64 = 0
    private var programLeft = 0
    private var programDepresses = false
    /// The pattern rows' amplitude the run had before the programming pulses changed it.
    private var runAmplitude: Double?
    private var runAmplitudeSaved = false

    // Characterisation: the sweep point and the trial within it.
    private var sweepIndex = 0
    private var trial = 0
    private var trialStep = TrialStep.next

    enum Phase { case idle, waitingForPeriod, observing, training, settling, inferring, resting, reading, pairing, characterizing }

    enum TrialStep { case next, waiting, firstFire, counting, resting }

    enum STDPStep {
        /// Read the synapse: the conductance every pair starts from.
        case baseline
        /// Read, and pulse toward the baseline until within tolerance or one pulse's step.
        case restoreRead, restorePulse
        /// Δt ≥ 0: the presynaptic pulse, then after Δt the evoking pattern until the fire.
        case preFirst, waitingToEvoke
        case evoking
        /// Δt < 0: after the fire, wait |Δt|, then the presynaptic pulse.
        case waitingForPre
        /// The pair is complete once its last spike and T1 window are over.
        case waitingToProgram
        case programming
        case readAfter
        case resting
    }

    /// Room for runs over at most `capacity` patterns.
    public init(capacity: Int) {
        order = .allocate(capacity: max(1, capacity))
        order.initialize(repeating: 0)
        // Room for a read-out row: the row and every column of the largest layer.
        pending = .allocate(capacity: 6 + NetworkConfiguration.maximumNeuronsPerLayer)
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
        if plan.kind == .readout || plan.kind == .stdp {
            guard plan.readVolts > 0, plan.readVolts.isFinite else { return false }
        }
        if plan.kind == .readout {
            guard plan.readoutLayer >= -1, plan.readoutLayer < core.layerCount else { return false }
        }
        if plan.kind == .stdp {
            guard plan.hiddenLayer == 0, plan.stdpRow >= 0, plan.stdpRow < core.inputCount,
                  plan.stdpNeuron >= 0, plan.stdpNeuron < core.layers[0].neuronCount,
                  plan.stdpSweepPoints > 0, plan.stdpPulsesAtPeak > 0, plan.stdpProgramVolts > 0,
                  plan.stdpRestorePulses >= 0, plan.stdpWindow.peak > 0, plan.stdpWindow.peak.isFinite,
                  plan.stdpWindow.potentiationTauMilliseconds > 0, plan.stdpWindow.depressionTauMilliseconds > 0
            else { return false }
        }
        if plan.kind == .characterize {
            let points = plan.characterizationPoints
            guard points > 0, plan.sweepFrom > 0 else { return false }
            // Every point must be one the lines can carry.
            var index = 0
            while index < points {
                let value = plan.sweepFrom + Double(index) * plan.sweepStep
                if case .width = plan.sweep {
                    let ticks = Self.ticks(microseconds: value, tickNanoseconds: core.tickNanoseconds)
                    if ticks < 1 || UInt64(ticks) > core.ticksPerPeriod - core.pulseStart { return false }
                } else if case .interval = plan.sweep {
                    if value < 1 || value > 1_000_000 || value != Double(Int(value)) { return false }
                }
                index += 1
            }
        }
        guard core.patternCount > 0 || plan.kind == .readout, core.patternCount <= order.count, plan.maxPulses > 0,
              plan.settlePeriods > 0, plan.restPeriods >= 0, plan.inferPeriods > 0, plan.observePeriods > 0,
              plan.noisePixels >= 0, plan.noisePixels <= core.inputCount,
              plan.hiddenLayer >= 0, plan.hiddenLayer < core.layerCount,
              plan.kind == .layer1WTA || plan.kind == .rampWTA || plan.kind == .readout || plan.kind == .stdp
                || plan.kind == .characterize || plan.outputLayer == plan.hiddenLayer + 1 && plan.outputLayer < core.layerCount,
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
        runAmplitudeSaved = false
        enter(plan.stages.first, core: &core)
        return true
    }

    /// Ends the run now: inputs grounded, every layer's columns back as wired. Safe in tick.
    @_noAllocation @_noLocks
    public mutating func stop(core: inout NeuronCore) {
        if isActive {
            core.withdrawPattern()
            core.resetColumns()
            core.holdInputRowLow(nil)
            core.clearAccessRows()
            core.resetPatternPulses()
            if runAmplitudeSaved { core.setInputAmplitude(volts: runAmplitude) }
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
        case .reading:
            guard read(core: &core, layer: readLayer, row: readRow, column: -1) else { return false }
            readRow += 1
            if readRow == core.layers[readLayer].rowCount {
                readRow = 0
                readLayer += 1
                if plan.readoutLayer >= 0 || readLayer == core.layerCount { return finish(core: &core) }
            }
            // The next row's read tick follows at once: two ticks a row.
            _ = read(core: &core, layer: readLayer, row: readRow, column: -1)
            return false
        case .pairing:
            return advancePairing(core: &core)
        case .characterizing:
            return advanceCharacterization(core: &core)
        }
    }

    /// microseconds as whole ticks, rounded to the nearest.
    static func ticks(microseconds: Double, tickNanoseconds: Int64) -> Int {
        guard microseconds > 0, microseconds < 1e9 else { return 0 }
        return Int(microseconds * 1_000 / Double(tickNanoseconds) + 0.5)
    }

    /// The `characterize` protocol, one step per tick (see `LearningProtocolKind.characterize`).
    private mutating func advanceCharacterization(core: inout NeuronCore) -> Bool {
        switch trialStep {
        case .next:
            if trial == 0 { beginSweepPoint(core: &core) }
            trialStep = .waiting
            return false
        case .waiting:
            guard core.currentTick % ticksPerPeriod == 0 else { return false }
            core.present(pattern: 0)
            emit(core, .presentation, layer: Int(ProtocolStage.characterize.rawValue), neuron: presentationsBegun, payload: 0)
            presentationsBegun += 1
            if case .rate = plan.measure {
                ticksLeft = UInt64(plan.inferPeriods) * ticksPerPeriod - 1
                trialStep = .counting
            } else {
                trialStep = .firstFire
            }
            return false
        case .firstFire:
            if let neuron = firstFireInLayer0(core) {
                fires += 1
                emit(core, .learned, layer: 0, neuron: neuron, payload: UInt32(clamping: core.pulsesDelivered))
            } else if core.pulsesDelivered > UInt64(plan.maxPulses) {
                misses += 1
                emit(core, .noFire, layer: 0, neuron: 0, payload: UInt32(clamping: core.pulsesDelivered - 1))
            } else {
                return false
            }
            endTrial(core: &core)
            return false
        case .counting:
            if ticksLeft > 0 {
                ticksLeft -= 1
                return false
            }
            endTrial(core: &core)
            return false
        case .resting:
            if ticksLeft > 0 {
                ticksLeft -= 1
                return false
            }
            trial += 1
            if trial == plan.testRepeats {
                trial = 0
                sweepIndex += 1
                if sweepIndex == plan.characterizationPoints {
                    core.resetPatternPulses()
                    return finish(core: &core)
                }
            }
            trialStep = .next
            return false
        }
    }

    private mutating func endTrial(core: inout NeuronCore) {
        core.withdrawPattern()
        ticksLeft = UInt64(plan.restPeriods) * ticksPerPeriod
        trialStep = .resting
    }

    /// Sets the lines for sweep point `sweepIndex` and logs it.
    private mutating func beginSweepPoint(core: inout NeuronCore) {
        let value = plan.sweepFrom + Double(sweepIndex) * plan.sweepStep
        var logged: UInt32 = 0
        if case .amplitude = plan.sweep {
            if !runAmplitudeSaved {
                runAmplitude = core.inputAmplitudeVolts
                runAmplitudeSaved = true
            }
            core.setInputAmplitude(volts: value)
            logged = UInt32(clamping: Int(value * 1_000 + 0.5))
        } else if case .width = plan.sweep {
            let ticks = Self.ticks(microseconds: value, tickNanoseconds: core.tickNanoseconds)
            core.setPatternPulses(widthTicks: ticks, everyPeriods: 1)
            logged = UInt32(clamping: Int64(ticks) * core.tickNanoseconds / 1_000)
        } else {
            core.setPatternPulses(widthTicks: Int(core.pulseEnd - core.pulseStart), everyPeriods: Int(value))
            logged = UInt32(clamping: Int(value))
        }
        emit(core, .sweepPoint, layer: Int(plan.sweep.rawValue), neuron: sweepIndex, payload: logged)
    }

    private func firstFireInLayer0(_ core: borrowing NeuronCore) -> Int? {
        var index = 0
        while index < core.eventCount {
            let event = core.eventStorage[index]
            if case .fire = event.kind, event.layer == 0 { return Int(event.neuron) }
            index += 1
        }
        return nil
    }

    /// The run is over: inputs grounded, columns as wired, the run's amplitude back.
    private mutating func finish(core: inout NeuronCore) -> Bool {
        core.withdrawPattern()
        core.resetColumns()
        core.holdInputRowLow(nil)
        core.clearAccessRows()
        if runAmplitudeSaved {
            core.setInputAmplitude(volts: runAmplitude)
            runAmplitudeSaved = false
        }
        phase = .idle
        return true
    }

    /// One row of a read-out (`column` −1: every column of the layer), over two ticks: the read
    /// tick, then the tick whose sense brings the answer. True once the answer is in: a `readRow`
    /// event and a `synapseRead` per column, and `lastReadSiemens`.
    private mutating func read(core: inout NeuronCore, layer: Int, row: Int, column: Int) -> Bool {
        if readStep == 0 {
            core.clearAccessRows()
            core.selectAccessRow(row, ofLayer: layer)
            if column >= 0 {
                core.access(.read, layer: layer, column: column, readVolts: plan.readVolts)
            } else {
                core.access(.read, layer: layer, column: nil, readVolts: plan.readVolts)
            }
            readStep = 1
            return false
        }
        if readStep == 1 {
            readStep = 2
            return false
        }
        readStep = 0
        core.clearAccessRows()
        emit(core, .readRow, layer: layer, neuron: row, payload: UInt32(clamping: Int(plan.readVolts * 1000 + 0.5)))
        var neuron = column >= 0 ? column : 0
        let end = column >= 0 ? column + 1 : core.layers[layer].neuronCount
        while neuron < end {
            let siemens = core.columnCurrents[core.layers[layer].firstNeuron + neuron] / plan.readVolts
            lastReadSiemens = siemens
            var nanosiemens = UInt32.max
            if siemens.isFinite { nanosiemens = UInt32(clamping: Int64(max(0, min(4e9, siemens * 1e9)) + 0.5)) }
            emit(core, .synapseRead, layer: layer, neuron: neuron, payload: nanosiemens)
            neuron += 1
        }
        return true
    }

    /// The `stdp` protocol, one step per tick (see `LearningProtocolKind.stdp`).
    private mutating func advancePairing(core: inout NeuronCore) -> Bool {
        let layer = plan.hiddenLayer
        let row = plan.stdpRow
        let column = plan.stdpNeuron
        let atPeriodStart = core.currentTick % ticksPerPeriod == 0
        switch stdpStep {
        case .baseline:
            // From a period boundary, so that a run's timing does not depend on when it was started.
            if readStep == 0 && !atPeriodStart { return false }
            guard read(core: &core, layer: layer, row: row, column: column) else { return false }
            baselineSiemens = lastReadSiemens
            beginPairing(core)
        case .restoreRead:
            guard read(core: &core, layer: layer, row: row, column: column) else { return false }
            let error = lastReadSiemens - baselineSiemens
            // Done within tolerance, or once a pulse overshot (within one pulse's step), or when
            // the board cannot read (NaN), or out of pulses.
            let overshot = restorePulsesUsed > 0 && (error > 0) != (restoreError > 0)
            if !(abs(error) > plan.stdpRestoreToleranceSiemens) || overshot || restorePulsesUsed >= plan.stdpRestorePulses {
                useRunAmplitude(&core)
                if plan.stdpTarget(stdpPoint) >= 0 {
                    stdpStep = .preFirst
                } else {
                    // The evoking pattern starts on the next period boundary, as every presentation does.
                    waitUntilTick = 0
                    stdpStep = .waitingToEvoke
                }
                return false
            }
            restoreError = error
            programDepresses = error > 0
            stdpStep = .restorePulse
        case .restorePulse:
            guard atPeriodStart else { return false }
            programPulse(&core)
            restorePulsesUsed += 1
            stdpStep = .restoreRead
        case .preFirst:
            guard atPeriodStart else { return false }
            core.pulseInputRow(row)
            preTick = nextPulseStart(core)
            waitUntilTick = preTick + ticks(milliseconds: plan.stdpTarget(stdpPoint), core)
            stdpStep = .waitingToEvoke
        case .waitingToEvoke:
            guard core.currentTick >= waitUntilTick, atPeriodStart else { return false }
            core.present(pattern: 0)
            stdpStep = .evoking
        case .evoking:
            if firedInLastTick(core, layer: layer, neuron: column) {
                postTick = core.currentTick - 1
                core.withdrawPattern()
                if plan.stdpTarget(stdpPoint) >= 0 {
                    stdpStep = .waitingToProgram
                } else {
                    waitUntilTick = postTick + ticks(milliseconds: -plan.stdpTarget(stdpPoint), core)
                    stdpStep = .waitingForPre
                }
            } else if core.pulsesDelivered > UInt64(plan.maxPulses) {
                misses += 1
                emit(core, .noFire, layer: layer, neuron: column, payload: UInt32(clamping: core.pulsesDelivered - 1))
                core.withdrawPattern()
                rest(core)
            }
        case .waitingForPre:
            guard core.currentTick >= waitUntilTick else { return false }
            core.pulseInputRow(row)
            preTick = nextPulseStart(core)
            stdpStep = .waitingToProgram
        case .waitingToProgram:
            // Both spikes and the fire's T1 window are over before any pulse programs.
            let last = preTick > postTick ? preTick : postTick
            guard core.currentTick >= last + 2 * ticksPerPeriod, atPeriodStart else { return false }
            let deltaTicks = Int64(postTick) - Int64(preTick)
            let deltaMicroseconds = deltaTicks * core.tickNanoseconds / 1_000
            let change = plan.stdpWindow.change(atMilliseconds: Double(deltaMicroseconds) / 1_000)
            let magnitude = change < 0 ? -change : change
            programLeft = Int(magnitude / plan.stdpWindow.peak * Double(plan.stdpPulsesAtPeak) + 0.5)
            programDepresses = deltaTicks < 0
            fires += 1
            emit(core, .stdpPairing, layer: layer, neuron: programLeft, payload: UInt32(bitPattern: Int32(clamping: deltaMicroseconds)))
            stdpStep = .programming
        case .programming:
            if programLeft == 0 {
                stdpStep = .readAfter
                return false
            }
            guard atPeriodStart else { return false }
            programPulse(&core)
            programLeft -= 1
        case .readAfter:
            guard read(core: &core, layer: layer, row: row, column: column) else { return false }
            useRunAmplitude(&core)
            rest(core)
        case .resting:
            if ticksLeft > 0 {
                ticksLeft -= 1
                return false
            }
            stdpPoint += 1
            if stdpPoint == plan.stdpSweepPoints {
                stdpPoint = 0
                pass += 1
                if pass == plan.layer1Epochs { return finish(core: &core) }
            }
            beginPairing(core)
        }
        return false
    }

    private mutating func beginPairing(_ core: borrowing NeuronCore) {
        restorePulsesUsed = 0
        restoreError = 0
        stdpStep = .restoreRead
        emit(core, .presentation, layer: Int(ProtocolStage.stdp.rawValue), neuron: presentationsBegun, payload: 0)
        presentationsBegun += 1
    }

    private mutating func rest(_ core: borrowing NeuronCore) {
        ticksLeft = UInt64(plan.restPeriods) * ticksPerPeriod
        stdpStep = .resting
    }

    /// One programming pulse on the synapse under study, one tick long, at the program amplitude.
    private mutating func programPulse(_ core: inout NeuronCore) {
        if !runAmplitudeSaved {
            runAmplitude = core.inputAmplitudeVolts
            runAmplitudeSaved = true
        }
        core.setInputAmplitude(volts: plan.stdpProgramVolts)
        core.clearAccessRows()
        core.selectAccessRow(plan.stdpRow, ofLayer: plan.hiddenLayer)
        core.access(programDepresses ? .depress : .potentiate, layer: plan.hiddenLayer, column: plan.stdpNeuron)
    }

    private mutating func useRunAmplitude(_ core: inout NeuronCore) {
        guard runAmplitudeSaved else { return }
        core.setInputAmplitude(volts: runAmplitude)
        runAmplitudeSaved = false
    }

    private func ticks(milliseconds: Double, _ core: borrowing NeuronCore) -> UInt64 {
        guard milliseconds > 0 else { return 0 }
        return UInt64(milliseconds * 1_000_000 / Double(core.tickNanoseconds) + 0.5)
    }

    /// The tick the next pulse window opens in (where `pulseInputRow` puts its pulse).
    private func nextPulseStart(_ core: borrowing NeuronCore) -> UInt64 {
        let position = core.currentTick % core.ticksPerPeriod
        let periodStart = core.currentTick - position
        return position <= core.pulseStart ? periodStart + core.pulseStart : periodStart + core.ticksPerPeriod + core.pulseStart
    }

    private func firedInLastTick(_ core: borrowing NeuronCore, layer: Int, neuron: Int) -> Bool {
        var index = 0
        while index < core.eventCount {
            let event = core.eventStorage[index]
            if case .fire = event.kind, Int(event.layer) == layer, Int(event.neuron) == neuron { return true }
            index += 1
        }
        return false
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
            case .inference, .presenting, .readout, .characterize:
                core.setColumns(ofLayer: layer, .asWired, plastic: false)
            case .stdp:
                // Only the studied column integrates; nothing programs but the scheduled pulses.
                if layer == plan.hiddenLayer {
                    core.setColumns(ofLayer: layer, .only(neuron: plan.stdpNeuron), plastic: false)
                } else {
                    core.setColumns(ofLayer: layer, .closed, plastic: false)
                }
            }
            layer += 1
        }
        pass = 0
        position = 0
        emit(core, .stageStarted, layer: Int(next.rawValue), neuron: 0, payload: UInt32(clamping: plan.passes(next)))
        if case .readout = next {
            core.withdrawPattern()
            readLayer = plan.readoutLayer >= 0 ? plan.readoutLayer : 0
            readRow = 0
            readStep = 0
            phase = .reading
            return
        }
        if case .characterize = next {
            core.withdrawPattern()
            sweepIndex = 0
            trial = 0
            trialStep = .next
            phase = .characterizing
            return
        }
        if case .stdp = next {
            core.withdrawPattern()
            core.holdInputRowLow(plan.stdpRow)
            readStep = 0
            stdpPoint = 0
            stdpStep = .baseline
            phase = .pairing
            return
        }
        arrangeOrder()
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
