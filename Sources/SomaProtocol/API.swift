/// The board daemon's HTTP/JSON API (`somad`), as plain Codable values shared by the daemon and
/// the host tools. Every path is under `/v1`; `docs/openapi.json` describes the same documents and
/// a test checks the running daemon against it.
public enum API {
    public static let version = "v1"
    /// `somad --listen` default port.
    public static let defaultPort = 7878
    /// The most events one `GET /v1/events` page returns.
    public static let maxPageSize = 10_000
    /// Largest request body accepted (413 beyond it).
    public static let maxRequestBytes = 1 << 20
}

/// Every error response: what went wrong, in one sentence, and where.
public struct ErrorDocument: Codable, Sendable, Equatable {
    public var error: String
    /// The request field at fault, as a dotted path (`parameters.repeats`), when there is one.
    public var field: String?
    /// 410 only: the sequence numbers still stored.
    public var available: SequenceRange?

    public init(error: String, field: String? = nil, available: SequenceRange? = nil) {
        self.error = error
        self.field = field
        self.available = available
    }
}

public struct SequenceRange: Codable, Sendable, Equatable {
    public var first: UInt64
    public var last: UInt64
    public init(first: UInt64, last: UInt64) {
        self.first = first
        self.last = last
    }
}

// MARK: - Status

public struct StatusDocument: Codable, Sendable {
    /// The profile's `name`.
    public var board: String
    /// `simulated-breadboard` or `linux`.
    public var backend: String
    /// `realtime` or `max`.
    public var speed: String
    public var uptimeSeconds: Double
    public var loop: LoopDocument
    public var latency: LatencyDocument
    public var rings: RingsDocument
    public var store: StoreDocument
    /// The latest run, if any was started since the daemon started.
    public var run: RunDocument?

    public init(board: String, backend: String, speed: String, uptimeSeconds: Double, loop: LoopDocument, latency: LatencyDocument, rings: RingsDocument, store: StoreDocument, run: RunDocument?) {
        self.board = board
        self.backend = backend
        self.speed = speed
        self.uptimeSeconds = uptimeSeconds
        self.loop = loop
        self.latency = latency
        self.rings = rings
        self.store = store
        self.run = run
    }
}

public struct LoopDocument: Codable, Sendable {
    /// `idle` (no run), `running` (a run is presenting), `stopping`, `halted` (see `halt`).
    public var state: String
    public var ticks: UInt64
    public var tickMicroseconds: Double
    /// Times the loop woke a whole tick or more late, and the ticks lost.
    public var overruns: UInt64
    public var missedTicks: UInt64
    public var eventsPushed: UInt64
    public var eventsDropped: UInt64
    /// What a missed deadline does to a run by default: `continue` or `stop-run`.
    public var onDeadlineMiss: String
    /// Warnings from starting the loop thread (no SCHED_FIFO, no mlockall, …).
    public var warnings: [String]
    /// State `halted`: the board fault that halted the loop (a line that could not be read or
    /// written). Runs are refused until somad is restarted; the log stays readable.
    public var halt: String?

    public init(state: String, ticks: UInt64, tickMicroseconds: Double, overruns: UInt64, missedTicks: UInt64, eventsPushed: UInt64, eventsDropped: UInt64, onDeadlineMiss: String, warnings: [String], halt: String? = nil) {
        self.state = state
        self.ticks = ticks
        self.tickMicroseconds = tickMicroseconds
        self.overruns = overruns
        self.missedTicks = missedTicks
        self.eventsPushed = eventsPushed
        self.eventsDropped = eventsDropped
        self.onDeadlineMiss = onDeadlineMiss
        self.warnings = warnings
        self.halt = halt
    }
}

/// Wake-up latency of the loop (how late it woke after each deadline), from an HdrHistogram.
/// Null percentiles when there are no samples (`--speed max` never sleeps).
public struct LatencyDocument: Codable, Sendable {
    public var samples: UInt64
    public var p50Microseconds: Double?
    public var p99Microseconds: Double?
    public var p999Microseconds: Double?
    public var maxMicroseconds: Double?

    public init(samples: UInt64, p50Microseconds: Double?, p99Microseconds: Double?, p999Microseconds: Double?, maxMicroseconds: Double?) {
        self.samples = samples
        self.p50Microseconds = p50Microseconds
        self.p99Microseconds = p99Microseconds
        self.p999Microseconds = p999Microseconds
        self.maxMicroseconds = maxMicroseconds
    }
}

public struct RingDocument: Codable, Sendable {
    public var capacity: Int
    public var highWater: Int
    public var refused: UInt64
    public init(capacity: Int, highWater: Int, refused: UInt64) {
        self.capacity = capacity
        self.highWater = highWater
        self.refused = refused
    }
}

public struct RingsDocument: Codable, Sendable {
    public var events: RingDocument
    public var commands: RingDocument
    public var latency: RingDocument
    public init(events: RingDocument, commands: RingDocument, latency: RingDocument) {
        self.events = events
        self.commands = commands
        self.latency = latency
    }
}

public struct StoreDocument: Codable, Sendable {
    public var directory: String
    public var bytes: Int
    public var segments: Int
    /// The first stored and the last synced sequence numbers (last = 0: empty).
    public var firstSequence: UInt64
    public var lastSequence: UInt64
    /// What start-up cut from a torn tail, if anything.
    public var recovery: String?
    /// Why events cannot be written now (a full disk), if they cannot: they wait in memory, the
    /// running run was ended, runs are refused, and writing resumes by itself once there is room.
    public var writeFailure: String?
    public init(directory: String, bytes: Int, segments: Int, firstSequence: UInt64, lastSequence: UInt64, recovery: String?, writeFailure: String? = nil) {
        self.directory = directory
        self.bytes = bytes
        self.segments = segments
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.recovery = recovery
        self.writeFailure = writeFailure
    }
}

// MARK: - Pattern sets

/// A pattern set as uploaded and as returned: every pattern has one pixel per input row of the
/// board's network, written as a string of `0`/`1`.
public struct PatternSetDocument: Codable, Sendable, Equatable {
    public var name: String
    /// Pixels per row when drawn (e.g. 5 for the paper's 6 × 5 digits); must divide every pattern.
    public var width: Int?
    public var patterns: [PatternDocument]

    public init(name: String, width: Int? = nil, patterns: [PatternDocument]) {
        self.name = name
        self.width = width
        self.patterns = patterns
    }
}

public struct PatternDocument: Codable, Sendable, Equatable {
    public var label: String?
    public var pixels: String
    public init(label: String? = nil, pixels: String) {
        self.label = label
        self.pixels = pixels
    }
}

public struct PatternSetSummary: Codable, Sendable, Equatable {
    public var name: String
    public var count: Int
    public var pixels: Int
    public var labels: [String?]
    public init(name: String, count: Int, pixels: Int, labels: [String?]) {
        self.name = name
        self.count = count
        self.pixels = pixels
        self.labels = labels
    }
}

public struct PatternSetList: Codable, Sendable {
    public var patternSets: [PatternSetSummary]
    public init(patternSets: [PatternSetSummary]) { self.patternSets = patternSets }
}

// MARK: - Runs

/// What to run. Unknown fields are refused (400 naming the field), so a misspelt parameter never
/// silently falls back to a default.
public struct RunSpec: Codable, Sendable, Equatable {
    /// `present` (each pattern for a number of clock periods), one of seed 000's learning
    /// protocols: `layer1-wta`, `layer2-supervised`, `infer`, `full` (the three in turn), seed
    /// 001's `ramp-wta`, `readout` (a conductance map of every synapse) or `stdp` (seeds 003/004:
    /// a sweep of pre/post pairings, each followed by the window's programming pulses).
    public var `protocol`: String
    /// The uploaded pattern set; `readout` needs none (""). For `stdp`, its first pattern evokes
    /// the postsynaptic fire (the studied row held low).
    public var patternSet: String
    public var parameters: RunParameters

    /// The protocols a daemon runs.
    public static let protocols = ["present", "layer1-wta", "layer2-supervised", "infer", "full", "ramp-wta", "readout", "stdp", "characterize"]

    public init(protocol: String, patternSet: String, parameters: RunParameters) {
        self.protocol = `protocol`
        self.patternSet = patternSet
        self.parameters = parameters
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case `protocol`, patternSet, parameters }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, known: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        `protocol` = try container.decode(String.self, forKey: .protocol)
        patternSet = try container.decodeIfPresent(String.self, forKey: .patternSet) ?? ""
        if patternSet.isEmpty && `protocol` != "readout" {
            throw DecodingError.keyNotFound(CodingKeys.patternSet, .init(codingPath: container.codingPath, debugDescription: "patternSet is required for \(`protocol`)"))
        }
        parameters = try container.decodeIfPresent(RunParameters.self, forKey: .parameters) ?? RunParameters()
    }
}

/// A run's parameters. Which apply depends on the protocol; every one left out takes the
/// default named here. Times are in clock periods (500 µs at 2 kHz).
public struct RunParameters: Codable, Sendable, Equatable {
    /// present: clock periods each pattern is on the inputs (required for `present`).
    public var periodsPerPattern: Int?
    /// Clock periods with every input grounded after each pattern (present: 0; learning: 10).
    public var restPeriods: Int?
    /// present: times through the whole set (default 1).
    public var repeats: Int?
    /// present: 0 (default) keeps the set's order; otherwise a seed for a new shuffle per repeat.
    public var shuffleSeed: UInt64?
    /// Learning: layer-1 epochs (passes over the set, each shuffled by `seed`; default 20).
    public var epochs: Int?
    /// Learning: layer-2 epochs (default 3).
    public var layer2Epochs: Int?
    /// Learning: a training presentation gives up after this many pulses (default 200; at
    /// most the profile's limits.max_pulses_per_presentation).
    public var maxPulses: Int?
    /// Learning: high phases the pattern stays on after the fire, for T1/T3 (default 1).
    public var settlePeriods: Int?
    /// layer2-supervised: clock periods the hidden layer is watched to find the neuron that
    /// fires most for the pattern, the target's input (default 20).
    public var observePeriods: Int?
    /// infer: length of each presentation (default 80).
    public var inferPeriods: Int?
    /// infer: passes over the set (default 10).
    public var testRepeats: Int?
    /// infer: pixels flipped in each presentation (default 2).
    public var noisePixels: Int?
    /// Learning: seeds the order and the noise (default 1; 0 keeps the set's order).
    public var seed: UInt64?
    /// ramp-wta: each presentation's starting amplitude, its rise per clock period, and its top
    /// (defaults 0.5 V, 0.05 V, the profile's limits.max_amplitude_volts; never beyond it).
    public var rampStartVolts: Double?
    public var rampStepVolts: Double?
    public var rampMaxVolts: Double?
    /// readout, stdp: the voltage a read puts on a row (default 0.2 V).
    public var readVolts: Double?
    /// readout: the layer to read (default: every layer).
    public var readoutLayer: Int?
    /// stdp: the window, `exponential` (seed 003, the default) or `alpha` (seed 004), and its
    /// branches: amplitudes (defaults: 138.61 and 103.46, or 1 and 1) and time constants in ms
    /// (64.1 and 29.2, or 20 and 20).
    public var stdpWindow: String?
    public var stdpPotentiation: Double?
    public var stdpDepression: Double?
    public var stdpTauPotentiationMs: Double?
    public var stdpTauDepressionMs: Double?
    /// stdp: the synapse studied: input row (default 0) and neuron of the first layer (default 0).
    public var stdpRow: Int?
    public var stdpNeuron: Int?
    /// stdp: the Δt sweep, ms (defaults −100 to 200 by 10); `epochs` passes over it (default 1).
    public var stdpFromMs: Double?
    public var stdpToMs: Double?
    public var stdpStepMs: Double?
    /// stdp: programming pulses at the window's peak (default 8), their amplitude (default 1.32 V,
    /// within limits.max_amplitude_volts), and the restore before each pair: to within this
    /// many µS of the starting conductance (default 2) or one pulse's step, in at most this many
    /// pulses (default 200).
    public var stdpPulsesAtPeak: Int?
    public var stdpProgramVolts: Double?
    public var stdpRestoreToleranceMicrosiemens: Double?
    public var stdpRestorePulses: Int?
    /// characterize: what is swept (`amplitude`, the default, in volts; `width`, in µs;
    /// `interval`, clock periods from one pulse to the next), what is measured (`first-fire`,
    /// the default, or `rate` over `inferPeriods`), and the sweep (defaults: 1.0…2.0 V by 0.1;
    /// one tick to the longest pulse the limits allow, by a tick; 1…5 periods by 1).
    /// `testRepeats` trials a point (default 10).
    public var sweep: String?
    public var measure: String?
    public var sweepFrom: Double?
    public var sweepTo: Double?
    public var sweepStep: Double?
    /// Pulse amplitude on the pattern rows, volts; must be within the profile's
    /// `limits.max_amplitude_volts`. Default: the profile's `pulses.amplitude_volts`.
    public var pulseAmplitudeVolts: Double?
    /// `continue` or `stop-run`; default: the daemon's `--on-deadline-miss`.
    public var onDeadlineMiss: String?

    public init(
        periodsPerPattern: Int? = nil, restPeriods: Int? = nil, repeats: Int? = nil, shuffleSeed: UInt64? = nil,
        epochs: Int? = nil, layer2Epochs: Int? = nil, maxPulses: Int? = nil, settlePeriods: Int? = nil,
        observePeriods: Int? = nil, inferPeriods: Int? = nil, testRepeats: Int? = nil, noisePixels: Int? = nil, seed: UInt64? = nil,
        rampStartVolts: Double? = nil, rampStepVolts: Double? = nil, rampMaxVolts: Double? = nil,
        pulseAmplitudeVolts: Double? = nil, onDeadlineMiss: String? = nil
    ) {
        self.periodsPerPattern = periodsPerPattern
        self.restPeriods = restPeriods
        self.repeats = repeats
        self.shuffleSeed = shuffleSeed
        self.epochs = epochs
        self.layer2Epochs = layer2Epochs
        self.maxPulses = maxPulses
        self.settlePeriods = settlePeriods
        self.observePeriods = observePeriods
        self.inferPeriods = inferPeriods
        self.testRepeats = testRepeats
        self.noisePixels = noisePixels
        self.seed = seed
        self.rampStartVolts = rampStartVolts
        self.rampStepVolts = rampStepVolts
        self.rampMaxVolts = rampMaxVolts
        self.pulseAmplitudeVolts = pulseAmplitudeVolts
        self.onDeadlineMiss = onDeadlineMiss
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case periodsPerPattern, restPeriods, repeats, shuffleSeed, epochs, layer2Epochs, maxPulses, settlePeriods
        case observePeriods, inferPeriods, testRepeats, noisePixels, seed, rampStartVolts, rampStepVolts, rampMaxVolts
        case pulseAmplitudeVolts, onDeadlineMiss
        case readVolts, readoutLayer, stdpWindow, stdpPotentiation, stdpDepression, stdpTauPotentiationMs, stdpTauDepressionMs
        case stdpRow, stdpNeuron, stdpFromMs, stdpToMs, stdpStepMs, stdpPulsesAtPeak, stdpProgramVolts
        case stdpRestoreToleranceMicrosiemens, stdpRestorePulses
        case sweep, measure, sweepFrom, sweepTo, sweepStep
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, known: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        periodsPerPattern = try container.decodeIfPresent(Int.self, forKey: .periodsPerPattern)
        restPeriods = try container.decodeIfPresent(Int.self, forKey: .restPeriods)
        repeats = try container.decodeIfPresent(Int.self, forKey: .repeats)
        shuffleSeed = try container.decodeIfPresent(UInt64.self, forKey: .shuffleSeed)
        epochs = try container.decodeIfPresent(Int.self, forKey: .epochs)
        layer2Epochs = try container.decodeIfPresent(Int.self, forKey: .layer2Epochs)
        maxPulses = try container.decodeIfPresent(Int.self, forKey: .maxPulses)
        settlePeriods = try container.decodeIfPresent(Int.self, forKey: .settlePeriods)
        observePeriods = try container.decodeIfPresent(Int.self, forKey: .observePeriods)
        inferPeriods = try container.decodeIfPresent(Int.self, forKey: .inferPeriods)
        testRepeats = try container.decodeIfPresent(Int.self, forKey: .testRepeats)
        noisePixels = try container.decodeIfPresent(Int.self, forKey: .noisePixels)
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed)
        rampStartVolts = try container.decodeIfPresent(Double.self, forKey: .rampStartVolts)
        rampStepVolts = try container.decodeIfPresent(Double.self, forKey: .rampStepVolts)
        rampMaxVolts = try container.decodeIfPresent(Double.self, forKey: .rampMaxVolts)
        pulseAmplitudeVolts = try container.decodeIfPresent(Double.self, forKey: .pulseAmplitudeVolts)
        onDeadlineMiss = try container.decodeIfPresent(String.self, forKey: .onDeadlineMiss)
        readVolts = try container.decodeIfPresent(Double.self, forKey: .readVolts)
        readoutLayer = try container.decodeIfPresent(Int.self, forKey: .readoutLayer)
        stdpWindow = try container.decodeIfPresent(String.self, forKey: .stdpWindow)
        stdpPotentiation = try container.decodeIfPresent(Double.self, forKey: .stdpPotentiation)
        stdpDepression = try container.decodeIfPresent(Double.self, forKey: .stdpDepression)
        stdpTauPotentiationMs = try container.decodeIfPresent(Double.self, forKey: .stdpTauPotentiationMs)
        stdpTauDepressionMs = try container.decodeIfPresent(Double.self, forKey: .stdpTauDepressionMs)
        stdpRow = try container.decodeIfPresent(Int.self, forKey: .stdpRow)
        stdpNeuron = try container.decodeIfPresent(Int.self, forKey: .stdpNeuron)
        stdpFromMs = try container.decodeIfPresent(Double.self, forKey: .stdpFromMs)
        stdpToMs = try container.decodeIfPresent(Double.self, forKey: .stdpToMs)
        stdpStepMs = try container.decodeIfPresent(Double.self, forKey: .stdpStepMs)
        stdpPulsesAtPeak = try container.decodeIfPresent(Int.self, forKey: .stdpPulsesAtPeak)
        stdpProgramVolts = try container.decodeIfPresent(Double.self, forKey: .stdpProgramVolts)
        stdpRestoreToleranceMicrosiemens = try container.decodeIfPresent(Double.self, forKey: .stdpRestoreToleranceMicrosiemens)
        stdpRestorePulses = try container.decodeIfPresent(Int.self, forKey: .stdpRestorePulses)
        sweep = try container.decodeIfPresent(String.self, forKey: .sweep)
        measure = try container.decodeIfPresent(String.self, forKey: .measure)
        sweepFrom = try container.decodeIfPresent(Double.self, forKey: .sweepFrom)
        sweepTo = try container.decodeIfPresent(Double.self, forKey: .sweepTo)
        sweepStep = try container.decodeIfPresent(Double.self, forKey: .sweepStep)
    }
}

public struct RunDocument: Codable, Sendable, Equatable {
    public var id: UInt32
    /// `starting`, `running`, then how it ended: `completed`, `stopped`, `deadline-missed`,
    /// `board-fault` (the fault policy ended it), `log-unwritable` (events could not be stored),
    /// `shutdown` (the daemon stopped under it), or `refused` (the loop would not start it).
    public var state: String
    public var spec: RunSpec
    public var presentationsBegun: UInt64
    public var presentationsPlanned: UInt64
    /// Fire events (any neuron) while the run ran.
    public var fires: UInt64?
    /// Learning runs: the stage (`layer1-wta`, `layer2-supervised`, `infer`), the epoch or
    /// repeat within it (from 1), and training presentations that got their fire or gave up.
    public var stage: String?
    public var epoch: UInt64?
    public var trainingFires: UInt64?
    public var trainingMisses: UInt64?
    public var startedAt: String
    public var endedAt: String?

    public init(id: UInt32, state: String, spec: RunSpec, presentationsBegun: UInt64, presentationsPlanned: UInt64, fires: UInt64? = nil, startedAt: String, endedAt: String?) {
        self.id = id
        self.state = state
        self.spec = spec
        self.presentationsBegun = presentationsBegun
        self.presentationsPlanned = presentationsPlanned
        self.fires = fires
        self.startedAt = startedAt
        self.endedAt = endedAt
    }

    public var isFinished: Bool { !["starting", "running"].contains(state) }
}

public struct RunList: Codable, Sendable {
    public var runs: [RunDocument]
    public init(runs: [RunDocument]) { self.runs = runs }
}

// MARK: - Events

/// One logged event. `kind` is one of fire, spike, lateral-inhibition, inhibition-released,
/// potentiation-window, depression-window, overrun, board-fault, presentation, run-started,
/// run-ended, stage-started, learned, no-fire, fault-cleared, read-row, synapse-read, stdp-pairing, sweep-point; `payload` and `neuron` mean what the kind says (see README).
public struct EventDocument: Codable, Sendable, Equatable {
    public var sequence: UInt64
    public var tick: UInt64
    public var kind: String
    public var layer: Int
    public var neuron: Int
    public var payload: UInt32

    public init(sequence: UInt64, tick: UInt64, kind: String, layer: Int, neuron: Int, payload: UInt32) {
        self.sequence = sequence
        self.tick = tick
        self.kind = kind
        self.layer = layer
        self.neuron = neuron
        self.payload = payload
    }
}

public struct EventsPage: Codable, Sendable {
    public var events: [EventDocument]
    /// Pass as `after` for the next page (the last sequence this page covers, events and lost
    /// ranges alike, or `after` if it covers none).
    public var next: UInt64
    /// The last synced sequence number: everything up to it can be pulled now.
    public var lastSequence: UInt64
    /// Sequence numbers in this page's span whose records are damaged on the board's disk (absent
    /// when there are none). With `events` they cover the span without a gap.
    public var lost: [LostEvents]?

    public init(events: [EventDocument], next: UInt64, lastSequence: UInt64, lost: [LostEvents]? = nil) {
        self.events = events
        self.next = next
        self.lastSequence = lastSequence
        self.lost = lost
    }
}

/// Events the board logged but cannot return: the bytes holding them are damaged.
public struct LostEvents: Codable, Sendable, Equatable {
    public var first: UInt64
    public var last: UInt64
    /// The segment, the byte offset and what is wrong there.
    public var reason: String

    public init(first: UInt64, last: UInt64, reason: String) {
        self.first = first
        self.last = last
        self.reason = reason
    }
}

// MARK: - Strict decoding

/// Refuses keys a document does not define, naming the first one.
public enum StrictKeys {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public static func check(_ decoder: any Decoder, known: [String]) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where !known.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + [key],
                debugDescription: "unknown field; known fields here: \(known.joined(separator: ", "))"))
        }
    }
}

// MARK: - Profile

/// The board profile the daemon runs: its TOML as loaded, and the facts a client needs.
public struct ProfileDocument: Codable, Sendable {
    public var name: String
    public var file: String
    public var toml: String
    /// Pattern pixels this board takes (the network's input rows).
    public var inputs: Int
    /// Neurons per layer.
    public var layers: [Int]
    public var clockHz: Double
    public var pulseAmplitudeVolts: Double
    public var limits: LimitsDocument

    public init(name: String, file: String, toml: String, inputs: Int, layers: [Int], clockHz: Double, pulseAmplitudeVolts: Double, limits: LimitsDocument) {
        self.name = name
        self.file = file
        self.toml = toml
        self.inputs = inputs
        self.layers = layers
        self.clockHz = clockHz
        self.pulseAmplitudeVolts = pulseAmplitudeVolts
        self.limits = limits
    }
}

public struct LimitsDocument: Codable, Sendable {
    public var maxAmplitudeVolts: Double
    public var maxPulseWidthMicroseconds: Double
    public var maxDuty: Double
    public var maxPulsesPerSecond: Double
    /// Most pulses one training presentation may add (`parameters.maxPulses` is capped by it).
    public var maxPulsesPerPresentation: Int
    public init(maxAmplitudeVolts: Double, maxPulseWidthMicroseconds: Double, maxDuty: Double, maxPulsesPerSecond: Double, maxPulsesPerPresentation: Int) {
        self.maxAmplitudeVolts = maxAmplitudeVolts
        self.maxPulseWidthMicroseconds = maxPulseWidthMicroseconds
        self.maxDuty = maxDuty
        self.maxPulsesPerSecond = maxPulsesPerSecond
        self.maxPulsesPerPresentation = maxPulsesPerPresentation
    }
}
