/// A threshold-switching (TS) diffusive memristor: Ag-doped SiO2 (seed 000) or SiOxNy (seed 001).
///
/// ## Model
/// Off state (high resistance `offOhms`): Ag clusters gather under voltage and disperse without
/// it. A state variable x (dimensionless, 0 = fully dispersed) integrates with leak:
///
///     dx/dt = r(V) − x / τ_leak,     r(V) = r_ref · exp((V − V_ref) / V_slope)  for V > V_min, else 0
///
/// where V is the voltage across the device. Integrated exactly over each time step (V constant
/// within a step). The device fires — switches abruptly to the on state (`onOhms`) — when x
/// reaches a threshold θ drawn for each firing cycle from a normal distribution N(1, σ_θ), clipped
/// to [0.5, 1.5]. Higher amplitude → faster integration → fewer pulses to fire (seed 000 Fig. 2d–f).
///
/// On state: held while V ≥ `holdVolts`. Below it the filament ruptures spontaneously after an
/// exponentially distributed time with mean
///
///     τ_relax = τ_relax,ref · exp((V_fire − V_ref) / V_relax)
///
/// where V_fire is the voltage across the device when it fired: relaxation time rises with
/// amplitude (Fig. 2d). On rupture the device is back in its initial state (x = 0): it needs no
/// reset. If the next pulse comes before it relaxes, it is still on: the "sub-threshold firing"
/// of Fig. 2e that the refractory period prevents.
///
/// Escape noise (optional, `escapeRatePerSecond` > 0): filament formation is a nucleation event,
/// so while a voltage above `minimumVolts` is applied the device may also fire before x reaches
/// θ, with a hazard that grows steeply as x approaches it,
///
///     λ = λ_0 · exp((x − θ) / δ)        (per second; δ = `escapeWidth`)
///
/// which makes the firing time broadly distributed, as measured delay times are (seed 001: the
/// number of pulses to fire is roughly Gaussian with a wide spread). Neurons driven at nearly the
/// same voltage then win a race in turn rather than by a fixed margin: what lets a WTA layer
/// spread patterns over its neurons (seed 000 Supp. Fig. 11).
///
/// With stochasticity off, θ = 1, there is no escape noise and the relaxation takes exactly τ_relax.
public struct DiffusiveMemristor: Sendable {
    /// Parameters. Units are in the names.
    public struct Parameters: Sendable, Equatable {
        public var name: String
        public var offOhms: Double
        public var onOhms: Double
        /// Integration rate at `referenceVolts` (1/s).
        public var referenceRatePerSecond: Double
        public var referenceVolts: Double
        /// Voltage for an e-fold change of the integration rate.
        public var slopeVolts: Double
        /// No integration below this voltage (the 0.05 V read-out bias does not integrate).
        public var minimumVolts: Double
        public var leakSeconds: Double
        /// Standard deviation of the firing threshold θ (mean 1).
        public var thresholdSpread: Double
        public var holdVolts: Double
        /// Mean relaxation time when fired at `referenceVolts`.
        public var relaxSecondsAtReference: Double
        /// Voltage for an e-fold change of the relaxation time.
        public var relaxSlopeVolts: Double
        /// Escape-noise hazard at x = θ (1/s); 0 turns escape noise off.
        public var escapeRatePerSecond: Double = 0
        /// Integration below θ for an e-fold drop of the hazard.
        public var escapeWidth: Double = 0.1

        /// Calibrated to seed 000 Fig. 2e/2f: 1.1 V, 250 µs pulses, 250 µs intervals through a
        /// 10 kΩ read-out → first fire on the 4th pulse in the median; fewer pulses at higher
        /// amplitude over 1.0–1.4 V. The default set.
        public static let fig2 = Parameters(
            name: "fig2", offOhms: 1e9, onOhms: 2_000, referenceRatePerSecond: 1_300,
            referenceVolts: 1.1, slopeVolts: 0.2, minimumVolts: 0.3, leakSeconds: 5e-3,
            thresholdSpread: 0.15, holdVolts: 0.1, relaxSecondsAtReference: 300e-6,
            relaxSlopeVolts: 1.0)

        /// Calibrated to seed 000 Fig. 3b/3c/3d, a different device in a different circuit:
        /// 1.8 V pulses through S1 = 10 kΩ with S2 = 40 kΩ grounded put about 1.44 V across the
        /// device; it fires on the 5th pulse in the median and keeps firing at 1.4–2.0 V inputs,
        /// faster at higher amplitude. Its slower leak and gentler slope are what let it fire at
        /// 1.4 V at all; no single parameter set meets both figures.
        public static let fig3 = Parameters(
            name: "fig3", offOhms: 1e9, onOhms: 2_000, referenceRatePerSecond: 1_100,
            referenceVolts: 1.44, slopeVolts: 0.5, minimumVolts: 0.3, leakSeconds: 5e-3,
            thresholdSpread: 0.15, holdVolts: 0.1, relaxSecondsAtReference: 200e-6,
            relaxSlopeVolts: 1.0)

        /// Calibrated to seed 000 Fig. 5, the 30 × 10 × 10 network: node 1 sits at 0.5–0.9 V while
        /// an untrained neuron integrates a digit (the share of active rows in its conductance
        /// times 1.6 V), so the device integrates from lower voltages than in Fig. 2, and it
        /// carries escape noise, the broad spread of firing times that lets the WTA layer spread
        /// the digits over its neurons (Supp. Fig. 11).
        public static let fig5 = Parameters(
            name: "fig5", offOhms: 1e9, onOhms: 2_000, referenceRatePerSecond: 300,
            referenceVolts: 0.75, slopeVolts: 0.2, minimumVolts: 0.3, leakSeconds: 10e-3,
            thresholdSpread: 0.05, holdVolts: 0.1, relaxSecondsAtReference: 300e-6,
            relaxSlopeVolts: 1.0, escapeRatePerSecond: 1_000, escapeWidth: 0.4)

        public static let sets: [Parameters] = [.fig2, .fig3, .fig5]
    }

    public let parameters: Parameters
    public let stochastic: Bool
    public private(set) var integration: Double = 0
    public private(set) var isOn = false
    private var threshold: Double
    private var relaxSeconds: Double = 0
    /// Time spent below the hold voltage while on (deterministic mode).
    private var belowHoldSeconds: Double = 0
    /// exp(−step / τ_leak) for the last step length: every tick has the same length.
    private var decayStepSeconds: Double = -1
    private var decayFactor: Double = 1

    public init(parameters: Parameters = .fig2, stochastic: Bool = true, random: inout SeededRandom) {
        self.parameters = parameters
        self.stochastic = stochastic
        threshold = Self.drawThreshold(parameters, stochastic: stochastic, &random)
    }

    public var resistanceOhms: Double { isOn ? parameters.onOhms : parameters.offOhms }

    private static func drawThreshold(
        _ parameters: Parameters, stochastic: Bool, _ random: inout SeededRandom
    ) -> Double {
        guard stochastic else { return 1 }
        return min(1.5, max(0.5, 1 + parameters.thresholdSpread * random.gaussian()))
    }

    /// Advances the device by `seconds` with `volts` across it. Returns true if it fired in this
    /// step.
    @discardableResult
    public mutating func advance(volts: Double, seconds: Double, random: inout SeededRandom) -> Bool {
        let p = parameters
        if isOn {
            if volts >= p.holdVolts {
                belowHoldSeconds = 0
                return false
            }
            let ruptured: Bool
            if stochastic {
                ruptured = random.unit() < 1 - _exp(-seconds / relaxSeconds)
            } else {
                belowHoldSeconds += seconds
                ruptured = belowHoldSeconds >= relaxSeconds
            }
            if ruptured {
                isOn = false
                integration = 0
                belowHoldSeconds = 0
                threshold = Self.drawThreshold(parameters, stochastic: stochastic, &random)
            }
            return false
        }
        let rate = volts > p.minimumVolts
            ? p.referenceRatePerSecond * _exp((volts - p.referenceVolts) / p.slopeVolts) : 0
        let steady = rate * p.leakSeconds
        if seconds != decayStepSeconds {
            decayStepSeconds = seconds
            decayFactor = _exp(-seconds / p.leakSeconds)
        }
        integration = steady + (integration - steady) * decayFactor
        var escaped = false
        if stochastic, p.escapeRatePerSecond > 0, volts > p.minimumVolts, integration < threshold {
            let hazard = p.escapeRatePerSecond * _exp((integration - threshold) / p.escapeWidth)
            escaped = random.unit() < 1 - _exp(-hazard * seconds)
        }
        guard escaped || integration >= threshold else { return false }
        isOn = true
        belowHoldSeconds = 0
        relaxSeconds = p.relaxSecondsAtReference * _exp((volts - p.referenceVolts) / p.relaxSlopeVolts)
        return true
    }
}
