/// A resistive-switching (RS) synapse in a 1T1R cell: a HfO2 memristor behind an access
/// transistor whose gate is the column's LG line (seed 000 Fig. 4/5).
///
/// ## Model
/// Conductance G is bounded to [`minimumSiemens`, `maximumSiemens`] (40–1000 µS). With the gate on
/// and a voltage V across the cell (row minus node 1):
/// - V ≥ `setVolts`: SET, a saturating step toward the maximum, `dG = α_set · (G_max − G)` per
///   `stepSeconds` of exposure;
/// - V ≤ −`resetVolts`: RESET, `dG = −α_reset · (G − G_min)` per `stepSeconds`;
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
        public init() {}
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
            let keep = _exp(exposure * _log(1 - p.setStep))
            conductanceSiemens = p.maximumSiemens - (p.maximumSiemens - conductanceSiemens) * keep
        } else if volts <= -p.resetVolts {
            let keep = _exp(exposure * _log(1 - p.resetStep))
            conductanceSiemens = p.minimumSiemens + (conductanceSiemens - p.minimumSiemens) * keep
        }
    }

    /// The current read at `readVolts`, in amperes.
    public var readCurrentAmperes: Double { conductanceSiemens * parameters.readVolts }
}
