/// A neuron device model that a pulse generator can drive: the bare-device measurements of
/// `soma sim characterize --mode first-fire` (seed 000 Fig. 2c/2e, seed 001's RC studies) run
/// against this interface.
public protocol PulseDrivenNeuron {
    /// Applies `volts` at the input terminal, through `seriesOhms` of extra series resistance (a
    /// synapse), for `seconds`. Returns true if the neuron fired in this step.
    mutating func drive(volts: Double, seriesOhms: Double, seconds: Double, random: inout SeededRandom) -> Bool
}

extension DiffusiveMemristor {
    /// The device in series with its read-out resistor (seed 000 Fig. 2c) and the series resistor.
    public struct WithReadout: PulseDrivenNeuron {
        public var device: DiffusiveMemristor
        public var readoutOhms: Double

        public init(device: DiffusiveMemristor, readoutOhms: Double = 10_000) {
            self.device = device
            self.readoutOhms = readoutOhms
        }

        public mutating func drive(volts: Double, seriesOhms: Double, seconds: Double, random: inout SeededRandom) -> Bool {
            let resistance = device.resistanceOhms
            let across = volts * resistance / (resistance + readoutOhms + seriesOhms)
            return device.advance(volts: across, seconds: seconds, random: &random)
        }
    }
}
