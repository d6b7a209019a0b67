/// The conductance maps a `readout` run measured, from its events (`readRow` then one
/// `synapseRead` per column): per layer, `[row][neuron]` in siemens, NaN where the board sensed
/// nothing. A layer read more than once keeps its last values. Not for the tick: it allocates.
public struct ReadoutMaps: Sendable {
    public var layers: [Int: [[Double]]] = [:]
    /// Synapses read with no current sensed (a board without column-current sense).
    public var unsensed = 0

    public init<Events: Sequence>(events: Events) where Events.Element == NeuronEvent {
        var row = -1
        for event in events {
            switch event.kind {
            case .readRow:
                row = Int(event.neuron)
            case .synapseRead where row >= 0:
                let layer = Int(event.layer)
                let neuron = Int(event.neuron)
                var map = layers[layer] ?? []
                while map.count <= row { map.append([]) }
                while map[row].count <= neuron { map[row].append(.nan) }
                if event.payload == UInt32.max {
                    unsensed += 1
                    map[row][neuron] = .nan
                } else {
                    map[row][neuron] = Double(event.payload) * 1e-9
                }
                layers[layer] = map
            default:
                break
            }
        }
    }
}
