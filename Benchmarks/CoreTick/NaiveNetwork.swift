import SomaCore

/// The baseline: the same neuron logic written the way a first version usually is — an object
/// per neuron, fresh arrays for the rows and the events of every tick, a dictionary for the
/// winners. It computes exactly what `NeuronCore` computes (the benchmark checks that the lines
/// agree), so the ratio measures the cost of the representation, not of different work.
final class NaiveNeuron {
    var latch1 = false
    var latch2 = false
    var spike = false
    var inhibition = false
    var potentiation = false
    var depression = false
    var columnGate = true
}

struct NaiveEvent {
    var tick: Int
    var kind: String
    var layer: Int
    var neuron: Int
}

final class NaiveNetwork {
    let configuration: NetworkConfiguration
    var layers: [[NaiveNeuron]]
    var winners: [Int: Int] = [:]
    var patterns: [[Bool]]
    var presented: Int?
    var tick = 0

    init(configuration: NetworkConfiguration, patterns: [[Bool]]) {
        self.configuration = configuration
        self.layers = configuration.layers.map { layer in (0..<layer.neurons).map { _ in NaiveNeuron() } }
        self.patterns = patterns
    }

    /// One tick: fire senses in, rows and events out.
    func step(fireSense: [[Bool]]) -> (rows: [[Bool]], events: [NaiveEvent]) {
        let ticksPerPhase = configuration.clock.ticksPerPhase
        let position = tick % (2 * ticksPerPhase)
        let clockHigh = position < ticksPerPhase
        var events: [NaiveEvent] = []
        var rows: [[Bool]] = []
        for (layerIndex, layer) in layers.enumerated() {
            for (index, neuron) in layer.enumerated() {
                let before = (neuron.latch1, neuron.spike, neuron.potentiation, neuron.depression)
                if clockHigh || position == ticksPerPhase { neuron.latch1 = fireSense[layerIndex][index] }
                if !clockHigh { neuron.latch2 = neuron.latch1 }
                neuron.spike = neuron.latch2 && clockHigh
                neuron.inhibition = neuron.latch1 || neuron.latch2
                neuron.potentiation = neuron.latch2
                neuron.depression = neuron.latch1 && !neuron.latch2
                if neuron.latch1 && !before.0 { events.append(NaiveEvent(tick: tick, kind: "fire", layer: layerIndex, neuron: index)) }
                if neuron.spike && !before.1 { events.append(NaiveEvent(tick: tick, kind: "spike", layer: layerIndex, neuron: index)) }
                if neuron.potentiation && !before.2 { events.append(NaiveEvent(tick: tick, kind: "potentiation", layer: layerIndex, neuron: index)) }
                if neuron.depression && !before.3 { events.append(NaiveEvent(tick: tick, kind: "depression", layer: layerIndex, neuron: index)) }
            }
            if configuration.layers[layerIndex].lateralInhibition {
                if let winner = winners[layerIndex], !layer[winner].inhibition {
                    winners[layerIndex] = nil
                    events.append(NaiveEvent(tick: tick, kind: "released", layer: layerIndex, neuron: winner))
                }
                if winners[layerIndex] == nil, let first = layer.firstIndex(where: { $0.inhibition }) {
                    winners[layerIndex] = first
                    events.append(NaiveEvent(tick: tick, kind: "inhibition", layer: layerIndex, neuron: first))
                }
                for (index, neuron) in layer.enumerated() {
                    neuron.columnGate = winners[layerIndex].map { $0 == index } ?? true
                }
            }
        }
        let pulseOn = presented != nil && position < ticksPerPhase
        rows.append((0..<configuration.inputs).map { pulseOn && patterns[presented ?? 0][$0] })
        for layer in layers.dropLast() { rows.append(layer.map(\.spike)) }
        tick += 1
        return (rows, events)
    }
}
