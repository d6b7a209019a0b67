import SomaCore

/// How the simulated breadboard is built. Every voltage and resistance carries its unit.
public struct BreadboardSettings: Sendable {
    /// The network the core runs; the breadboard has one TS neuron per neuron and one synapse per
    /// row and neuron of each layer.
    public var network: NetworkConfiguration
    public var device: DiffusiveMemristor.Parameters = .fig2
    /// Read-out resistor from node 2 to ground (seed 000 Fig. 2c/3a).
    public var readoutOhms: Double = 10_000
    /// Fire-sense comparator threshold on node 2.
    public var comparatorVolts: Double = 0.3
    /// Pulse amplitude on the pattern rows (seed 000 Fig. 5: 1.6 V).
    public var inputAmplitudeVolts: Double = 1.6
    /// Amplitude of the output spikes G1 that drive the next layer's rows (Fig. 3c: 2.0 V).
    public var spikeAmplitudeVolts: Double = 2.0
    /// Node 1 while T3 conducts (the depression module lifts it).
    public var depressionLiftVolts: Double = 1.5
    /// Starting conductance of each layer's synapses (seed 000: layer 1 ≈ 400 µS, layer 2 ≈ 40 µS).
    /// Missing layers take the last value.
    public var initialConductanceSiemens: [Double] = [400e-6, 40e-6]
    /// Explicit starting conductances for some layers, row-major (`row * neurons + neuron`), in
    /// siemens; they replace `initialConductanceSiemens` and the jitter for those layers.
    public var explicitConductanceSiemens: [Int: [Double]] = [:]
    /// Relative spread of the starting conductances (uniform ±), as fabricated arrays have.
    public var conductanceJitter: Double = 0.05
    /// Fixed resistors instead of RS synapses: conductances never change (seed 000 Fig. 3b).
    public var fixedSynapses: Bool = false
    public var synapse = ResistiveSynapse.Parameters()
    /// Device stochasticity (threshold and relaxation); off reproduces seed 000 Supp. Fig. 11.
    public var stochastic: Bool = true
    public var seed: UInt64 = 1

    public init(network: NetworkConfiguration) { self.network = network }

    /// Seed 000's 30 × 10 × 10 network (Fig. 5) on the breadboard: `fig5` neurons and synapses,
    /// T3 lifting node 1 to 1.9 V, ties in the WTA broken by a seeded draw.
    public static func paperNetwork(seed: UInt64 = 1, stochastic: Bool = true) -> BreadboardSettings {
        var network = NetworkConfiguration.paperNetwork()
        network.tieRule = .seededRandom(seed: seed)
        var settings = BreadboardSettings(network: network)
        settings.useFig5Circuit()
        settings.seed = seed
        settings.stochastic = stochastic
        return settings
    }

    /// The `fig5` device, its synapses, and the 1.9 V T3 lift they are made for.
    public mutating func useFig5Circuit() {
        device = .fig5
        synapse = .fig5
        depressionLiftVolts = 1.9
        conductanceJitter = 0.05
    }
}

/// The simulated breadboard: TS neurons, RS synapse arrays, read-out resistors and comparators,
/// advanced by one tick of virtual time per `drive`. It implements the same `Board` interface as
/// the Linux backend, so the unchanged core drives it.
///
/// The circuit of each neuron (seed 000 Fig. 3a): input rows through synapse conductances G_i into
/// node 1; the TS device from node 1 to node 2; the read-out resistor from node 2 to ground; the
/// comparator on node 2 gives the fire sense. Node 1 solves Kirchhoff's current law,
///
///     V1 = Σ G_i V_i / (Σ G_i + 1 / (R_TS + R_readout)),
///
/// unless T1 holds it at virtual ground (0 V) or T3 lifts it (`depressionLiftVolts`). With its LG
/// line at 0 the column's access transistors are off: no current enters node 1 and the synapses
/// cannot be programmed; with LG at 1 but PG at 0 the gates sit at the read level, current flows
/// but its compliance is too low to SET or RESET (reading without writing). Each synapse sees V_i − V1 and is programmed by it (SET/RESET).
///
/// In clock-and-monitor mode the breadboard also carries the latch and gate chips: it computes L1,
/// L2, G1, G3, T1, T3 from the clock it is driven with and its own comparators, and reports them
/// as the read-back lines (LG stays 1: no hardware lateral-inhibition array).
public struct Breadboard: Board, Sendable {
    public let settings: BreadboardSettings
    public let tickSeconds: Double
    public private(set) var virtualSeconds: Double = 0
    public private(set) var devices: [DiffusiveMemristor]
    /// Synapses of every layer, row-major within a layer: `synapses[layerOffset + row * neurons + neuron]`.
    public private(set) var synapses: [ResistiveSynapse]
    /// Physical fires of each device (on-switches), whether or not the latches caught them.
    public private(set) var deviceFires: [Int]
    /// Node voltages of the last tick, per neuron.
    public private(set) var node1Volts: [Double]
    public private(set) var node2Volts: [Double]
    /// Per neuron, the current that flowed into node 1 through T1 to ground in the last tick (0
    /// with T1 off): what the column's sense resistor and ADC measure in a read.
    public private(set) var columnCurrentAmperes: [Double]

    private var random: SeededRandom
    private let layouts: [LayerLayout]
    /// Index of each layer's first synapse in `synapses`.
    private let layerSynapseOffset: [Int]
    private var comparator: [Bool]
    private var chips: [NeuronSignals]

    public init(settings: BreadboardSettings) throws(ConfigurationError) {
        try settings.network.validate()
        self.settings = settings
        let network = settings.network
        tickSeconds = Double(network.clock.tickNanoseconds) * 1e-9
        random = SeededRandom.stream(seed: settings.seed, component: 1)
        var devices: [DiffusiveMemristor] = []
        for index in 0..<network.neuronCount {
            var deviceRandom = SeededRandom.stream(seed: settings.seed, component: 1_000 + UInt64(index))
            devices.append(DiffusiveMemristor(parameters: settings.device, stochastic: settings.stochastic, random: &deviceRandom))
        }
        self.devices = devices
        let layouts = network.layerLayouts
        var synapseOffset: [Int] = []
        var synapses: [ResistiveSynapse] = []
        var synapseParameters = settings.synapse
        if settings.fixedSynapses {
            // Fixed resistors: any value, never programmed.
            synapseParameters.minimumSiemens = 0
            synapseParameters.maximumSiemens = .infinity
        }
        var jitter = SeededRandom.stream(seed: settings.seed, component: 2)
        for (layerIndex, layout) in layouts.enumerated() {
            synapseOffset.append(synapses.count)
            let count = layout.rows * layout.neurons
            if let explicit = settings.explicitConductanceSiemens[layerIndex] {
                guard explicit.count == count else {
                    throw ConfigurationError(
                        field: "explicitConductanceSiemens[\(layerIndex)]", value: "\(explicit.count) values",
                        allowed: "\(count) values (\(layout.rows) rows × \(layout.neurons) neurons)")
                }
                synapses += explicit.map { ResistiveSynapse(conductanceSiemens: $0, parameters: synapseParameters) }
                continue
            }
            let start = settings.initialConductanceSiemens.isEmpty
                ? 400e-6 : settings.initialConductanceSiemens[min(layerIndex, settings.initialConductanceSiemens.count - 1)]
            for _ in 0..<count {
                let spread = settings.conductanceJitter * (2 * jitter.unit() - 1)
                synapses.append(ResistiveSynapse(conductanceSiemens: start * (1 + spread), parameters: synapseParameters))
            }
        }
        self.synapses = synapses
        self.layouts = layouts
        layerSynapseOffset = synapseOffset
        deviceFires = Array(repeating: 0, count: network.neuronCount)
        node1Volts = Array(repeating: 0, count: network.neuronCount)
        node2Volts = Array(repeating: 0, count: network.neuronCount)
        columnCurrentAmperes = Array(repeating: 0, count: network.neuronCount)
        comparator = Array(repeating: false, count: network.neuronCount)
        chips = Array(repeating: .columnGate, count: network.neuronCount)
    }

    /// Conductance of the synapse at `row` of `neuron`'s column in `layer`, in siemens.
    public func conductance(layer: Int, row: Int, neuron: Int) -> Double {
        let neurons = settings.network.layers[layer].neurons
        return synapses[layerSynapseOffset[layer] + row * neurons + neuron].conductanceSiemens
    }

    public mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? {
        for index in 0..<lines.fireSense.count { lines.fireSense[index] = comparator[index] }
        if case .clockAndMonitor = lines.mode {
            for index in 0..<lines.monitored.count { lines.monitored[index] = chips[index] }
        }
        if lines.columnCurrentAmperes.count == columnCurrentAmperes.count {
            for index in columnCurrentAmperes.indices { lines.columnCurrentAmperes[index] = columnCurrentAmperes[index] }
        }
        return nil
    }

    public mutating func drive(_ lines: DrivenLines) -> BoardFault? {
        let network = settings.network
        let monitorMode: Bool
        if case .clockAndMonitor = lines.mode { monitorMode = true } else { monitorMode = false }
        if monitorMode {
            // The latch and gate chips on the breadboard follow the clock and the comparators.
            for index in chips.indices {
                let position = lines.tick % UInt64(network.clock.ticksPerPeriod)
                var next = NeuronLogic.next(
                    old: chips[index], fireSense: comparator[index], clockHigh: lines.clock == .high,
                    clockFell: position == UInt64(network.clock.ticksPerPhase), depression: .beforeRefractory)
                next.insert(.columnGate)
                next.insert(.programming)
                chips[index] = next
            }
        }
        for (layerIndex, layout) in layouts.enumerated() {
            let neurons = layout.neurons
            let rowCount = layout.rows
            let firstRow = layout.firstRow
            // A read tick puts the read voltage on every row that is on (seed 000 reads at 0.2 V).
            let amplitude = lines.readVolts
                ?? (layerIndex == 0 ? (lines.inputAmplitudeVolts ?? settings.inputAmplitudeVolts) : settings.spikeAmplitudeVolts)
            let synapseBase = layerSynapseOffset[layerIndex]
            for local in 0..<neurons {
                let index = layout.firstNeuron + local
                let gates = monitorMode ? chips[index] : lines.neurons[index]
                let gateOn = gates.contains(.columnGate)
                let programs = gateOn && gates.contains(.programming)
                let outside = devices[index].resistanceOhms + settings.readoutOhms
                var node1: Double
                var groundCurrent = 0.0
                if gates.contains(.potentiation) {
                    node1 = 0
                    if gateOn {
                        synapses.withUnsafeBufferPointer { column in
                            for row in 0..<rowCount where lines.rows[firstRow + row] {
                                groundCurrent += column[synapseBase + row * neurons + local].conductanceSiemens * amplitude
                            }
                        }
                    }
                } else if gates.contains(.depression) {
                    node1 = settings.depressionLiftVolts
                } else if gateOn {
                    var current = 0.0
                    var conductance = 0.0
                    synapses.withUnsafeBufferPointer { column in
                        for row in 0..<rowCount {
                            let g = column[synapseBase + row * neurons + local].conductanceSiemens
                            conductance += g
                            if lines.rows[firstRow + row] { current += g * amplitude }
                        }
                    }
                    node1 = current / (conductance + 1 / outside)
                } else {
                    node1 = 0
                }
                // Only a column whose gates are at the programming level can change.
                if programs && !settings.fixedSynapses {
                    let seconds = tickSeconds
                    synapses.withUnsafeMutableBufferPointer { column in
                        for row in 0..<rowCount {
                            let volts = (lines.rows[firstRow + row] ? amplitude : 0) - node1
                            column[synapseBase + row * neurons + local].program(volts: volts, seconds: seconds, gateOn: true)
                        }
                    }
                }
                let across = node1 * devices[index].resistanceOhms / outside
                if devices[index].advance(volts: across, seconds: tickSeconds, random: &random) {
                    deviceFires[index] += 1
                }
                node1Volts[index] = node1
                columnCurrentAmperes[index] = groundCurrent
                // Node 2 after the step, with the lines as driven: what the comparator sees when
                // the next tick reads it.
                let node2 = node1 * settings.readoutOhms / (devices[index].resistanceOhms + settings.readoutOhms)
                node2Volts[index] = node2
                comparator[index] = node2 > settings.comparatorVolts
            }
        }
        virtualSeconds += tickSeconds
        return nil
    }
}
