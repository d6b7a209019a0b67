import SomaCore

/// A board profile: which line carries which signal, the I2C chips, the shift-register chains,
/// the clock and network, the device limits and the safe state. Read from TOML by
/// `BoardProfile.parse(_:file:)`; every profile that parses has passed every check.
public struct BoardProfile: Sendable, Equatable {
    public var name: String
    /// The consumer name the lines are requested under (`somad`).
    public var consumer: String
    public var network: NetworkConfiguration
    public var pulseAmplitudeVolts: Double
    /// Chip aliases used in line addresses → chip name or path (`main` → `gpiochip0`).
    public var chips: [String: String]
    public var lines: [Signal: LineAddress]
    public var shiftOutChains: [ShiftChain]
    public var shiftInChains: [ShiftChain]
    public var i2c: I2CSettings?
    public var limits: DeviceLimits
    /// Outputs held at 1 in the safe state; every other output is 0.
    public var safeHigh: Set<Signal>
    /// The simulated breadboard's devices (`[simulation]`), if the profile describes them.
    public var simulation: SimulationProfile?
    /// The analog front-end (`[frontend]`): its enable line and the levels asked of it.
    public var frontEnd: FrontEndSettings? = nil

    /// A profile with `[simulation]` and no `[lines]`: it can only drive the simulated breadboard.
    public var isSimulatedOnly: Bool { simulation != nil && lines.isEmpty }

    /// Whether `signal` is driven by Soma (an output) or read (an input) in this profile's mode.
    public func isOutput(_ signal: Signal) -> Bool { signal.isOutput(in: network.mode) }
}

/// A named signal of the neuron circuit (DESIGN.md, "The neuron, tick by tick").
public enum Signal: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The global clock CLK.
    case clock
    /// Row `row` (layer-local) of layer `layer`: an input pulse gate.
    case row(layer: Int, row: Int)
    /// One line of neuron `neuron` (layer-local) of layer `layer`.
    case neuron(layer: Int, neuron: Int, line: NeuronLine)

    /// The name used in profiles: `clk`, `L0.row3`, `L1.n2.fire`.
    public var description: String {
        switch self {
        case .clock: "clk"
        case .row(let layer, let row): "L\(layer).row\(row)"
        case .neuron(let layer, let neuron, let line): "L\(layer).n\(neuron).\(line.rawValue)"
        }
    }

    /// Parses a profile name; nil when it is not of one of the three forms.
    public init?(name: String) {
        if name == "clk" { self = .clock; return }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("L"), let layer = Int(parts[0].dropFirst()), layer >= 0 else { return nil }
        if parts.count == 2, parts[1].hasPrefix("row"), let row = Int(parts[1].dropFirst(3)), row >= 0 {
            self = .row(layer: layer, row: row)
        } else if parts.count == 3, parts[1].hasPrefix("n"), let neuron = Int(parts[1].dropFirst()), neuron >= 0,
            let line = NeuronLine(rawValue: String(parts[2]))
        {
            self = .neuron(layer: layer, neuron: neuron, line: line)
        } else {
            return nil
        }
    }

    public func isOutput(in mode: OperatingMode) -> Bool {
        switch self {
        case .clock, .row: true
        case .neuron(_, _, .fire): false
        case .neuron: mode == .fullLogic
        }
    }

    public static func < (lhs: Signal, rhs: Signal) -> Bool { lhs.description < rhs.description }
}

/// The lines of one neuron, named as in the paper's circuit.
public enum NeuronLine: String, CaseIterable, Sendable {
    /// Node 2 through a comparator (or an ADC threshold): the neuron fired.
    case fire
    /// D-latch L1 and L2 outputs.
    case latch1, latch2
    /// G1 = L2 ∧ CLK, the output spike.
    case spike
    /// G3 = L1 ∨ L2, the lateral-inhibition request.
    case inhibition
    /// T1: node 1 to virtual ground, potentiating active inputs.
    case potentiation
    /// T3: node 1 lifted, depressing grounded inputs.
    case depression
    /// LG: this neuron's synapse column enabled by the lateral-inhibition array.
    case columnGate = "column_gate"
    /// PG: the column's gates at the programming voltage rather than the read level (optional:
    /// boards without it program whenever the column is enabled).
    case programGate = "program_gate"

    /// The core's signal this line carries; nil for `fire`, which is sensed, not computed.
    public var signal: NeuronSignals? {
        switch self {
        case .fire: nil
        case .latch1: .latch1
        case .latch2: .latch2
        case .spike: .spike
        case .inhibition: .inhibition
        case .potentiation: .potentiation
        case .depression: .depression
        case .columnGate: .columnGate
        case .programGate: .programming
        }
    }
}

/// Where a signal is: a GPIO line, an output or input of a shift-register chain, or the ADC.
public enum LineAddress: Hashable, Sendable, CustomStringConvertible {
    case gpio(chip: String, offset: UInt32)
    case shift(chain: String, bit: Int)
    /// The ADC of the `[i2c.adc]` table, compared with its threshold (fire sense only).
    case adc

    public var description: String {
        switch self {
        case .gpio(let chip, let offset): "\(chip):\(offset)"
        case .shift(let chain, let bit): "\(chain):\(bit)"
        case .adc: "adc"
        }
    }
}

/// A chain of 74HC595 (outputs) or 74HC165 (inputs) shift registers, 8 bits per chip.
public struct ShiftChain: Sendable, Equatable {
    public enum Kind: String, Sendable { case output595 = "74HC595", input165 = "74HC165" }
    public var name: String
    public var kind: Kind
    public var chipCount: Int
    /// 74HC595: serial data in (SER). 74HC165: serial data out (QH), an input.
    public var data: LineAddress
    /// 74HC595: SRCLK. 74HC165: CLK.
    public var clock: LineAddress
    /// 74HC595: RCLK, one pulse moves the shifted frame to every output at once.
    /// 74HC165: SH/LD, low loads every input in parallel.
    public var latch: LineAddress

    public var bitCount: Int { 8 * chipCount }
}

/// The I2C side of a board: an ADC for fire sense or read-out, a DAC for the pulse rails.
public struct I2CSettings: Sendable, Equatable {
    public var bus: Int
    public var adc: ADCSettings?
    public var dac: DACSettings?
}

public struct ADCSettings: Sendable, Equatable {
    public var model: ADS1x15Model
    public var address: UInt8
    /// Written in the profile as `ain0`…`ain3`, or `ain0-ain1` and the other pairs.
    public var input: ADS1x15Input
    public var fullScaleVolts: Double
    public var samplesPerSecond: Int
    public var dataReady: LineAddress?
    /// Fire sense through the ADC: node 2 above this voltage is a fire.
    public var fireThresholdVolts: Double?
    /// A sample older than this is stale: the tick reports a board fault instead of using it.
    public var maxAgeMicroseconds: Int
}

public struct DACSettings: Sendable, Equatable {
    public var address: UInt8
    /// Full scale in volts: the supply voltage (reference = "supply") or 2.048/4.096 (internal).
    public var reference: String
    public var fullScaleVolts: Double
    /// The channel (`a`…`d`) that sets the input pulse amplitude.
    public var inputPulseChannel: Int
    public var loadDAC: LineAddress?
}

/// The `[simulation]` table: what the simulated breadboard is built of.
public struct SimulationProfile: Sendable, Equatable {
    /// TS device parameter set (`fig2`, `fig3`, `fig5`; see the simulator's `DiffusiveMemristor`).
    public var device = "fig5"
    public var stochastic = true
    public var seed: UInt64 = 1
    /// Starting synapse conductance per layer, µS (seed 000: 400 for layer 1, 40 for layer 2).
    public var conductanceMicrosiemens: [Double] = [400, 40]
    public var conductanceJitter = 0.05
    /// Height of the output spikes that drive the next layer (seed 000 Fig. 3c: 2.0 V).
    public var spikeAmplitudeVolts = 2.0
    /// What T3 lifts node 1 to (nil: the device set's own; `fig5`: 1.9 V). The RESET voltage
    /// across a grounded row, so it sets how hard a depression pulse programs.
    public var depressionLiftVolts: Double?
    public init() {}
}

/// What the devices on this board may never be driven beyond. Checked when a profile is read,
/// when a run is started, and again at the output stage of every tick.
extension BoardProfile {
    /// The limits the core's output stage holds every tick's rows to.
    public var outputLimits: OutputLimits {
        OutputLimits(
            maxAmplitudeVolts: limits.maxAmplitudeVolts, boardAmplitudeVolts: pulseAmplitudeVolts,
            maxPulseWidthMicroseconds: limits.maxPulseWidthMicroseconds,
            maxDuty: limits.maxDuty, maxPulsesPerSecond: limits.maxPulsesPerSecond, clock: network.clock)
    }
}

public struct DeviceLimits: Sendable, Equatable {
    public var maxAmplitudeVolts: Double
    public var maxPulseWidthMicroseconds: Double
    /// Pulse width over clock period, 0…1.
    public var maxDuty: Double
    public var maxPulsesPerSecond: Double
    /// Most pulses one training presentation may add before giving up ("pulses until a fire"
    /// must end somewhere on a device that never fires). Optional in profiles; default 1000.
    public var maxPulsesPerPresentation: Int

    public static let defaultMaxPulsesPerPresentation = 1000

    public init(maxAmplitudeVolts: Double, maxPulseWidthMicroseconds: Double, maxDuty: Double, maxPulsesPerSecond: Double, maxPulsesPerPresentation: Int = DeviceLimits.defaultMaxPulsesPerPresentation) {
        self.maxAmplitudeVolts = maxAmplitudeVolts
        self.maxPulseWidthMicroseconds = maxPulseWidthMicroseconds
        self.maxDuty = maxDuty
        self.maxPulsesPerSecond = maxPulsesPerSecond
        self.maxPulsesPerPresentation = maxPulsesPerPresentation
    }
}
