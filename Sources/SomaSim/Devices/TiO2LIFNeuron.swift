/// The Ag/TiO2/Pt threshold-switching neuron of seed 003, as the leaky integrate-and-fire fit the
/// paper gives for it.
///
/// ## Model
///
///     τ · du/dt = −(u − u_rest) + R·I,      R·I = V_in · R_m / (R_m + R_in + R_series)
///
/// integrated exactly per step (V_in constant within a step). The device switches on when u reaches
/// the threshold (about 0.25 V; with stochasticity, drawn per cycle from N(0.25 V, σ)) and the
/// membrane then discharges through it (`onSeconds` time constant) until u falls below the return
/// voltage (about 0.1 V), where it switches off again.
///
/// | parameter | value | source |
/// | --- | --- | --- |
/// | τ | 9.41 ms | seed 003 LIF fit |
/// | u_rest | 0.43 mV | seed 003 LIF fit |
/// | threshold | 0.25 V, σ 0.02 V | seed 003: TS threshold ~0.25 V |
/// | return voltage | 0.1 V | seed 003: returns below ~0.1 V |
/// | R_m, R_in | 1 MΩ, 1 MΩ | chosen: half of the pulse amplitude drives R·I |
/// | on discharge | 20 µs | chosen: fast against τ |
public struct TiO2LIFNeuron: PulseDrivenNeuron {
    public struct Parameters: Sendable, Equatable {
        public var tauSeconds = 9.41e-3
        public var restVolts = 0.43e-3
        public var thresholdVolts = 0.25
        public var thresholdSpreadVolts = 0.02
        public var returnVolts = 0.1
        public var membraneOhms = 1e6
        public var inputOhms = 1e6
        public var onDischargeSeconds = 20e-6
        public init() {}
    }

    public let parameters: Parameters
    public let stochastic: Bool
    public private(set) var membraneVolts: Double
    public private(set) var isOn = false
    private var threshold: Double

    public init(parameters: Parameters = Parameters(), stochastic: Bool = true, random: inout SeededRandom) {
        self.parameters = parameters
        self.stochastic = stochastic
        membraneVolts = parameters.restVolts
        threshold = Self.drawThreshold(parameters, stochastic, &random)
    }

    private static func drawThreshold(_ p: Parameters, _ stochastic: Bool, _ random: inout SeededRandom) -> Double {
        guard stochastic else { return p.thresholdVolts }
        return max(p.returnVolts * 1.5, p.thresholdVolts + p.thresholdSpreadVolts * random.gaussian())
    }

    public mutating func drive(volts: Double, seriesOhms: Double, seconds: Double, random: inout SeededRandom) -> Bool {
        let p = parameters
        if isOn {
            membraneVolts *= _exp(-seconds / p.onDischargeSeconds)
            if membraneVolts < p.returnVolts {
                isOn = false
                threshold = Self.drawThreshold(p, stochastic, &random)
            }
            return false
        }
        let drive = volts * p.membraneOhms / (p.membraneOhms + p.inputOhms + seriesOhms)
        let steady = p.restVolts + drive
        membraneVolts = steady + (membraneVolts - steady) * _exp(-seconds / p.tauSeconds)
        guard membraneVolts >= threshold else { return false }
        isOn = true
        return true
    }
}
