/// A resistive-switching (RS) synapse in a 1T1R cell: a HfO2 memristor behind an access
/// transistor whose gate is the column's LG line (seed 000 Fig. 4/5).
///
/// ## Model
/// Conductance G is bounded to [`minimumSiemens`, `maximumSiemens`] (40–1000 µS). With the gate on
/// and a voltage V across the cell (row minus node 1):
/// - V ≥ `setVolts`: SET, a saturating step toward the maximum, `dG = α_set(V) · (G_max − G)` per
///   `stepSeconds` of exposure;
/// - V ≤ −`resetVolts`: RESET, `dG = −α_reset(|V|) · (G − G_min)` per `stepSeconds`;
/// - the step grows exponentially with the voltage, as RS switching speed does:
///   `α(V) = min(0.95, α_ref · exp((V − V_ref) / V_slope))`; an infinite slope makes it constant.
///   This is how one device gives both of seed 000's regimes: gradual Hebbian steps at the 1.6 V
///   pattern pulses (layer 1, ~30 firing events to learn a digit) and potentiation "within one
///   cycle" at the 2.0 V spikes of layer 2.
/// - otherwise, or with the gate off: no change. Steps are applied in proportion to the exposure
///   time, so results do not depend on the tick length.
/// Read-out is at 0.2 V (`readVolts`), far below both thresholds.
public struct ResistiveSynapse: Sendable, Equatable {
    public struct Parameters: Sendable, Equatable {
        public var minimumSiemens: Double = 40e-6
        public var maximumSiemens: Double = 1000e-6
        public var setVolts: Double = 1.2
        public var resetVolts: Double = 1.0
        public var setStep: Double = 0.25
        public var resetStep: Double = 0.25
        public var stepSeconds: Double = 50e-6
        public var readVolts: Double = 0.2
        /// Voltage at which `setStep` / `resetStep` apply, and the voltage for an e-fold change.
        public var setReferenceVolts: Double = 1.6
        public var setSlopeVolts: Double = .infinity
        public var resetReferenceVolts: Double = 1.5
        public var resetSlopeVolts: Double = .infinity
        public init() {}

        /// The step per `stepSeconds` at `volts` (SET) or `-volts` (RESET) across the cell.
        @inline(__always)
        func step(_ reference: Double, at volts: Double, referenceVolts: Double, slopeVolts: Double) -> Double {
            guard slopeVolts.isFinite else { return reference }
            return min(0.95, reference * _exp((volts - referenceVolts) / slopeVolts))
        }
    }

    public var parameters: Parameters
    public private(set) var conductanceSiemens: Double

    public init(conductanceSiemens: Double, parameters: Parameters = Parameters()) {
        self.parameters = parameters
        self.conductanceSiemens = min(parameters.maximumSiemens, max(parameters.minimumSiemens, conductanceSiemens))
    }

    /// Applies `volts` across the cell for `seconds` with the access transistor `gateOn`.
    public mutating func program(volts: Double, seconds: Double, gateOn: Bool) {
        guard gateOn else { return }
        let p = parameters
        let exposure = seconds / p.stepSeconds
        if volts >= p.setVolts {
            let step = p.step(p.setStep, at: volts, referenceVolts: p.setReferenceVolts, slopeVolts: p.setSlopeVolts)
            let keep = _exp(exposure * _log(1 - step))
            conductanceSiemens = p.maximumSiemens - (p.maximumSiemens - conductanceSiemens) * keep
        } else if volts <= -p.resetVolts {
            let step = p.step(p.resetStep, at: -volts, referenceVolts: p.resetReferenceVolts, slopeVolts: p.resetSlopeVolts)
            let keep = _exp(exposure * _log(1 - step))
            conductanceSiemens = p.minimumSiemens + (conductanceSiemens - p.minimumSiemens) * keep
        }
    }

    /// The current read at `readVolts`, in amperes.
    public var readCurrentAmperes: Double { conductanceSiemens * parameters.readVolts }
}

extension ResistiveSynapse.Parameters {
    /// The synapses of seed 000's 30 × 10 × 10 network (Fig. 5), to go with the `fig5` neuron
    /// device: switching speed rising steeply with voltage, so that a T1 window at the 1.6 V
    /// pattern pulses moves a synapse most of the way toward its bound, while the 2.0 V spikes of
    /// layer 2 SET a 40 µS synapse "within one cycle";
    /// thresholds above what node 1 reaches while integrating (SET 1.3 V, RESET 1.6 V), so that
    /// only the T1/T3 windows and the spikes program. T3 lifts node 1 to 1.9 V in this circuit.
    public static var fig5: Self {
        var parameters = Self()
        parameters.setVolts = 1.3
        parameters.resetVolts = 1.6
        parameters.setStep = 0.4
        parameters.setReferenceVolts = 1.6
        parameters.setSlopeVolts = 0.1
        parameters.resetStep = 0.4
        parameters.resetReferenceVolts = 1.9
        parameters.resetSlopeVolts = 0.05
        return parameters
    }
}
