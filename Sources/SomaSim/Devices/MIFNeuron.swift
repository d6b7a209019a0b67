/// The memristive integrate-and-fire (MIF) neuron of seed 004: two volatile memristors M1 and M2,
/// tied to the sources E_rest and E_reset, in parallel with a capacitor C.
///
/// ## Model (seed 004 eq. 1–2)
///
///     C · dv/dt = I − G1 · (v − E_rest) − G2 · (v − E_reset)
///     τ1 · dx1/dt = (1 − x1) · σ((v_on − u1) / k_th) − x1 · σ((u1 − v_off) / k_th),   u1 = v − E_rest
///     τ2 · dx2/dt = (1 − x2) · σ((v_on − u2) / k_th) − x2 · σ((u2 − v_off) / k_th),   u2 = v − E_reset
///     G_k = x_k / R_on + (1 − x_k) / R_off,     σ(z) = 1 / (1 + e^z)
///
/// and the alpha-shaped synaptic current τ_syn · dI/dt = a − I, τ_syn · da/dt = −a, with `a`
/// stepping up by the weight W at each input spike. Two corrections to the printed equations:
/// eq. 1e prints x1 where x2 is meant (G2 depends on M2's own state); and eq. 1c drives M2 by
/// v − E_rest, which with Table I's identical parameters makes M1 and M2 indistinguishable, so v
/// would settle at (E_rest + E_reset) / 2 with no undershoot, contradicting the paper's own Fig. 2.
/// We drive each memristor by the voltage across it (v − E_reset for M2): then an input
/// depolarises v past threshold, both memristors switch on, v undershoots its resting level
/// (hyperpolarisation) as M2 switches off first, and returns to rest as M1 follows
/// (repolarisation).
///
/// A spike is counted when v crosses the threshold upward, at most once per refractory period.
/// Integrated with explicit Euler steps of `stepSeconds` (0.1 ns, a tenth of τ_syn).
///
/// | parameter | value (seed 004 Table I) |
/// | --- | --- |
/// | E_rest, E_reset | 0 mV, 50 mV |
/// | C | 100 pF |
/// | k_th | 15 mV |
/// | v_off, v_on | 0 mV, 100 mV |
/// | R_off, R_on | 0.1 MΩ, 1 kΩ |
/// | τ1, τ2 | 1 µs |
/// | τ_syn | 10 ns |
/// | threshold, refractory | 25 mV, 3 µs |
public struct MIFNeuron: PulseDrivenNeuron {
    public struct Parameters: Sendable, Equatable {
        public var restVolts = 0.0
        public var resetVolts = 0.050
        public var capacitanceFarads = 100e-12
        public var thermalVolts = 0.015
        public var offVolts = 0.0
        public var onVolts = 0.100
        public var offOhms = 0.1e6
        public var onOhms = 1e3
        public var tau1Seconds = 1e-6
        public var tau2Seconds = 1e-6
        public var synapseTauSeconds = 10e-9
        public var thresholdVolts = 0.025
        public var refractorySeconds = 3e-6
        /// Input resistor when driven by a voltage pulse (first-fire characterisation).
        public var inputOhms = 10_000.0
        public var stepSeconds = 0.1e-9
        public init() {}
    }

    public let parameters: Parameters
    public private(set) var volts: Double
    public private(set) var state1 = 0.0
    public private(set) var state2 = 0.0
    public private(set) var synapticAmperes = 0.0
    private var alpha = 0.0
    private var sinceSpikeSeconds = Double.infinity

    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
        volts = parameters.restVolts
    }

    /// An input spike through a synapse of weight `weightAmperes`: starts an alpha-shaped current.
    public mutating func receiveSpike(weightAmperes: Double) {
        alpha += weightAmperes
    }

    /// Advances by `seconds` with an extra input current; returns true if a spike was counted.
    public mutating func advance(externalAmperes: Double, seconds: Double) -> Bool {
        advance(seconds: seconds) { _ in externalAmperes }
    }

    private mutating func advance(seconds: Double, external: (Double) -> Double) -> Bool {
        let p = parameters
        var spiked = false
        var remaining = seconds
        while remaining > 0 {
            let dt = min(p.stepSeconds, remaining)
            remaining -= dt
            let g1 = state1 / p.onOhms + (1 - state1) / p.offOhms
            let g2 = state2 / p.onOhms + (1 - state2) / p.offOhms
            let current = synapticAmperes + external(volts)
            let dv = (current - g1 * (volts - p.restVolts) - g2 * (volts - p.resetVolts)) / p.capacitanceFarads
            let u1 = volts - p.restVolts
            let u2 = volts - p.resetVolts
            let dx1 = ((1 - state1) * Self.sigmoid((p.onVolts - u1) / p.thermalVolts)
                - state1 * Self.sigmoid((u1 - p.offVolts) / p.thermalVolts)) / p.tau1Seconds
            let dx2 = ((1 - state2) * Self.sigmoid((p.onVolts - u2) / p.thermalVolts)
                - state2 * Self.sigmoid((u2 - p.offVolts) / p.thermalVolts)) / p.tau2Seconds
            let dI = (alpha - synapticAmperes) / p.synapseTauSeconds
            let before = volts
            volts += dv * dt
            state1 = min(1, max(0, state1 + dx1 * dt))
            state2 = min(1, max(0, state2 + dx2 * dt))
            synapticAmperes += dI * dt
            alpha -= alpha / p.synapseTauSeconds * dt
            sinceSpikeSeconds += dt
            if before < p.thresholdVolts && volts >= p.thresholdVolts && sinceSpikeSeconds >= p.refractorySeconds {
                spiked = true
                sinceSpikeSeconds = 0
            }
        }
        return spiked
    }

    public mutating func drive(volts input: Double, seriesOhms: Double, seconds: Double, random: inout SeededRandom) -> Bool {
        let resistance = parameters.inputOhms + seriesOhms
        return advance(seconds: seconds) { v in (input - v) / resistance }
    }

    private static func sigmoid(_ z: Double) -> Double { 1 / (1 + _exp(z)) }
}
