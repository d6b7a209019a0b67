/// One layer of neurons: each neuron is one column of synapses fed by the layer's input rows.
public struct LayerConfiguration: Sendable, Equatable {
    /// Neurons (synapse columns) in the layer.
    public var neurons: Int
    /// Whether a lateral-inhibition array gates the layer's columns (winner-take-all).
    public var lateralInhibition: Bool

    public init(neurons: Int, lateralInhibition: Bool = false) {
        self.neurons = neurons
        self.lateralInhibition = lateralInhibition
    }
}

/// Everything the neuron core needs to know before it starts. Sizes come from here, never from
/// constants, and all memory the core uses is reserved from them at start.
///
/// The rows of layer 0 are the pattern inputs; the rows of layer k > 0 are the output spikes (G1)
/// of layer k − 1, as in seed 000 Fig. 5's 30 × 10 × 10 network.
public struct NetworkConfiguration: Sendable, Equatable {
    /// Input rows of the first layer (pattern pixels).
    public var inputs: Int
    public var layers: [LayerConfiguration]
    public var clock: ClockSettings
    public var inputPulse: InputPulseSettings
    public var depression: DepressionPhase
    public var tieRule: TieRule
    public var mode: OperatingMode

    /// Upper bounds that keep a mistyped profile from reserving gigabytes.
    public static let maximumInputs = 4_096
    public static let maximumNeuronsPerLayer = 4_096
    public static let maximumLayers = 16

    public init(
        inputs: Int,
        layers: [LayerConfiguration],
        clock: ClockSettings = ClockSettings(),
        inputPulse: InputPulseSettings = InputPulseSettings(),
        depression: DepressionPhase = .beforeRefractory,
        tieRule: TieRule = .lowestIndex,
        mode: OperatingMode = .fullLogic
    ) {
        self.inputs = inputs
        self.layers = layers
        self.clock = clock
        self.inputPulse = inputPulse
        self.depression = depression
        self.tieRule = tieRule
        self.mode = mode
    }

    /// One neuron with `inputs` rows, as in seed 000 Fig. 3 (two rows: VIN1 and VIN2).
    public static func singleNeuron(inputs: Int = 2) -> NetworkConfiguration {
        NetworkConfiguration(inputs: inputs, layers: [LayerConfiguration(neurons: 1)])
    }

    /// The paper's network (seed 000 Fig. 5): 30 pattern inputs, 10 hidden neurons under lateral
    /// inhibition, 10 output neurons.
    public static func paperNetwork() -> NetworkConfiguration {
        NetworkConfiguration(
            inputs: 30,
            layers: [
                LayerConfiguration(neurons: 10, lateralInhibition: true),
                LayerConfiguration(neurons: 10, lateralInhibition: false),
            ])
    }

    /// Total neurons over all layers.
    public var neuronCount: Int { layers.reduce(0) { $0 + $1.neurons } }

    /// Total rows over all layers (pattern inputs plus every inner layer's spike rows).
    public var rowCount: Int { inputs + layers.dropLast().reduce(0) { $0 + $1.neurons } }

    /// Where each layer's neurons and rows sit in network order: the one place this layout is
    /// worked out, for the core and for every board that maps lines to a circuit.
    public var layerLayouts: [LayerLayout] {
        var layouts: [LayerLayout] = []
        var firstNeuron = 0
        var firstRow = 0
        var rowsFeeding = inputs
        for layer in layers {
            layouts.append(LayerLayout(
                firstNeuron: firstNeuron, neurons: layer.neurons, firstRow: firstRow, rows: rowsFeeding,
                lateralInhibition: layer.lateralInhibition))
            firstNeuron += layer.neurons
            firstRow += rowsFeeding
            rowsFeeding = layer.neurons
        }
        return layouts
    }

    /// Checks every field; throws for the first problem, naming the field and the allowed range.
    public func validate() throws(ConfigurationError) {
        guard inputs >= 1, inputs <= Self.maximumInputs else {
            throw ConfigurationError(
                field: "inputs", value: "\(inputs)", allowed: "1…\(Self.maximumInputs) input rows")
        }
        guard !layers.isEmpty, layers.count <= Self.maximumLayers else {
            throw ConfigurationError(
                field: "layers", value: "\(layers.count) layers",
                allowed: "1…\(Self.maximumLayers) layers")
        }
        for (index, layer) in layers.enumerated() {
            guard layer.neurons >= 1, layer.neurons <= Self.maximumNeuronsPerLayer else {
                throw ConfigurationError(
                    field: "layers[\(index)].neurons", value: "\(layer.neurons)",
                    allowed: "1…\(Self.maximumNeuronsPerLayer) neurons")
            }
        }
        try clock.validate()
        try inputPulse.validate(against: clock)
    }
}

/// One layer's place in network order (see `NetworkConfiguration.layerLayouts`).
public struct LayerLayout: Sendable, Equatable {
    /// Index of the layer's first neuron among all neurons.
    public var firstNeuron: Int
    public var neurons: Int
    /// Index of the first row feeding the layer among all rows.
    public var firstRow: Int
    /// Rows feeding the layer: the pattern inputs for layer 0, the previous layer's neurons after.
    public var rows: Int
    public var lateralInhibition: Bool

    public var neuronRange: Range<Int> { firstNeuron..<(firstNeuron + neurons) }
    public var rowRange: Range<Int> { firstRow..<(firstRow + rows) }
}
