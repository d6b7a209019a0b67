/// The RC variant of the diffusive-memristor neuron (seed 001): the input reaches the membrane node
/// through an axial resistor Ra; a membrane capacitor Cm from that node to ground is in parallel
/// with the TS device and its read-out resistor.
///
/// ## Model
/// With the device resistance R_TS constant over a step, the membrane node is linear:
///
///     Cm · dVm/dt = (V_in − Vm) / (Ra + R_series) − Vm / (R_TS + R_readout)
///
/// integrated exactly per step; the device (`DiffusiveMemristor`, its own equations) sees
/// Vm · R_TS / (R_TS + R_readout). Between pulses the input is grounded, so Cm discharges back
/// through Ra: longer intervals lose more charge. Consequences (seed 001 Fig. 2): larger Cm or Ra
/// → slower charging → more pulses to fire; shorter pulses → more pulses; shorter intervals →
/// fewer. When the device fires it discharges Cm through its on resistance.
///
/// | parameter | default | seed 001 |
/// | --- | --- | --- |
/// | Ra | 50 kΩ | width and interval studies: 50 kΩ; amplitude study: 47 kΩ |
/// | Cm | 5 nF | width and interval studies: 5 nF; amplitude study: 10 nF (> 1 nF) |
/// | device | `fig2` set | Ag-doped SiOxNy diffusive memristor |
public struct RCDiffusiveNeuron: PulseDrivenNeuron {
    public var axialOhms: Double
    public var membraneFarads: Double
    public var readoutOhms: Double
    public private(set) var device: DiffusiveMemristor
    /// Membrane node voltage.
    public private(set) var membraneVolts: Double = 0

    public init(
        device: DiffusiveMemristor, axialOhms: Double = 50_000, membraneFarads: Double = 5e-9,
        readoutOhms: Double = 10_000
    ) {
        self.device = device
        self.axialOhms = axialOhms
        self.membraneFarads = membraneFarads
        self.readoutOhms = readoutOhms
    }

    public mutating func drive(volts: Double, seriesOhms: Double, seconds: Double, random: inout SeededRandom) -> Bool {
        let inputConductance = 1 / (axialOhms + seriesOhms)
        let deviceConductance = 1 / (device.resistanceOhms + readoutOhms)
        let total = inputConductance + deviceConductance
        let steady = volts * inputConductance / total
        membraneVolts = steady + (membraneVolts - steady) * _exp(-seconds * total / membraneFarads)
        let across = membraneVolts * device.resistanceOhms / (device.resistanceOhms + readoutOhms)
        return device.advance(volts: across, seconds: seconds, random: &random)
    }
}
