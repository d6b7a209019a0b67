/// What happened in a tick. Stored as one byte in a `NeuronEvent`.
public enum EventKind: UInt8, Sendable, BitwiseCopyable, NamedCases {
    /// L1 captured a fire: the fire sense was high while L1 was transparent (L1 rising edge).
    case fire = 1
    /// G1 rose: an output spike, one clock-high phase long.
    case spike = 2
    /// A layer's lateral-inhibition array picked this neuron as the winner; every other LG line of
    /// the layer went to 0. `payload` = how many neurons were candidates in that tick (> 1: a tie).
    case lateralInhibition = 3
    /// The layer's winner released G3 and every LG line of the layer returned to 1.
    case inhibitionReleased = 4
    /// T1 switched on: the refractory period began and active-input synapses are potentiated.
    case potentiationWindow = 5
    /// T3 switched on: grounded-input synapses are depressed.
    case depressionWindow = 6
    /// The loop missed deadlines. `payload` = ticks missed. `layer`/`neuron` are 0.
    case overrun = 7
    /// The board (or the output stage) reported a fault that was not already being reported
    /// within the last clock period. `payload` = the board's fault code (an errno for I/O failures); `layer` =
    /// its kind (`BoardFault.Kind`: 0 I/O failure, 1 untrusted sense, 2 limit enforced).
    case boardFault = 8
    /// A run began presenting a pattern on the input rows. `payload` = the pattern's index in the
    /// loaded set; `neuron` = the presentation's number within the run (wrapping at 65536);
    /// `layer` = the protocol stage (`ProtocolStage`: 0 plain presentation, 1 layer-1 training,
    /// 2 layer-2 training, 3 inference, whose presentations may be noisy).
    case presentation = 9
    /// A run started. `payload` = the run's number.
    case runStarted = 10
    /// A run ended. `payload` = the run's number; `neuron` = why (`RunEnding`).
    case runEnded = 11
    /// A learning run entered a stage. `layer` = the stage (`ProtocolStage`); `payload` = how many
    /// epochs (training) or repeats (inference) it makes.
    case stageStarted = 12
    /// A training presentation got its fire: `layer` = the layer trained, `neuron` = the neuron
    /// that fired (layer 1: the WTA winner; layer 2: the target); `payload` = input pulses it took.
    case learned = 13
    /// A training presentation gave up: no fire within the run's pulse limit. `layer` = the layer
    /// trained; `payload` = the pulses delivered.
    case noFire = 14
    /// The board fault of the last `boardFault` event has not been reported for a whole clock
    /// period (logged then). `payload` = ticks from its first report to its last; `layer` = its kind.
    case faultCleared = 15
    /// A read-out read one row of a layer's synapse array (`SynapseAccess.read`): `layer` = the
    /// layer, `neuron` = the row, `payload` = the read voltage in millivolts. The `synapseRead`
    /// events that follow are that row's synapses.
    case readRow = 16
    /// One synapse of the row read just before: `layer` = the layer, `neuron` = its column (the
    /// neuron), `payload` = its conductance in nanosiemens, the sensed current over the read
    /// voltage (4294967295: the board sensed no current, e.g. it has no column-current ADC).
    case synapseRead = 17
    /// A pre/post pair was measured (protocol `stdp`) and its programming pulses come next:
    /// `layer` = the layer, `neuron` = the pulses the window asks for (potentiation for Δt ≥ 0,
    /// depression for Δt < 0), `payload` = Δt = t_post − t_pre in microseconds, a signed 32-bit
    /// integer. The `synapseRead` before it is the synapse before the pair, the one after it
    /// the synapse after the pulses: their difference is the pair's Δw.
    case stdpPairing = 18
    /// A characterisation moved to the next point of its sweep (protocol `characterize`): `layer`
    /// = what is swept (0 amplitude, 1 pulse width, 2 pulse spacing), `neuron` = the point's
    /// index, `payload` = its value: millivolts, microseconds, or clock periods between pulses.
    /// The trials that follow (`presentation`, then `learned`/`no-fire` or `fire`s) are its.
    case sweepPoint = 19

    public var description: String {
        switch self {
        case .fire: "fire"
        case .spike: "spike"
        case .lateralInhibition: "lateral-inhibition"
        case .inhibitionReleased: "inhibition-released"
        case .potentiationWindow: "potentiation-window"
        case .depressionWindow: "depression-window"
        case .overrun: "overrun"
        case .boardFault: "board-fault"
        case .presentation: "presentation"
        case .runStarted: "run-started"
        case .runEnded: "run-ended"
        case .stageStarted: "stage-started"
        case .learned: "learned"
        case .noFire: "no-fire"
        case .faultCleared: "fault-cleared"
        case .readRow: "read-row"
        case .synapseRead: "synapse-read"
        case .stdpPairing: "stdp-pairing"
        case .sweepPoint: "sweep-point"
        }
    }
}

/// An enumeration whose cases are written by name (their `description`) in the API, the logs and
/// command lines, and read back with `init?(name:)`.
public protocol NamedCases: CaseIterable, CustomStringConvertible {}

extension NamedCases {
    /// The case written as `name`, or nil.
    public init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = found
    }
}

/// A fixed-size (16-byte) record of one event, stamped with the tick it happened in.
///
/// Fixed size so that the loop can hand events to the log writer through a preallocated ring
/// without allocating.
public struct NeuronEvent: Sendable, Hashable, BitwiseCopyable, CustomStringConvertible {
    /// Tick number since the core started (tick 0 is the first high tick of the clock).
    public var tick: UInt64
    /// Kind-specific value (see `EventKind`); 0 when the kind has none.
    public var payload: UInt32
    /// Neuron index within its layer.
    public var neuron: UInt16
    /// Layer index (0 = the layer fed by the pattern inputs).
    public var layer: UInt8
    public var kind: EventKind

    @inlinable
    public init(tick: UInt64, kind: EventKind, layer: UInt8, neuron: UInt16, payload: UInt32 = 0) {
        self.tick = tick
        self.payload = payload
        self.neuron = neuron
        self.layer = layer
        self.kind = kind
    }

    public var description: String {
        "tick \(tick) \(kind) layer \(layer) neuron \(neuron)" + (payload != 0 ? " payload \(payload)" : "")
    }
}
