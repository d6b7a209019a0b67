import CSpiceLoop
import SomaCore

#if canImport(Glibc)
import Glibc
#endif

/// Why the SPICE board could not start or go on: the netlist, the line or the simulator's words.
public struct SpiceBoardError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The front-end's netlist as a board: ngspice (its shared library) simulates the single-neuron
/// circuit of `Board/hardware/neuron-fig3.cir`, parts and all, and the unchanged neuron core drives
/// it tick by tick through the same `Board` interface as the breadboard and the Linux backend.
///
/// Each `drive` sets the circuit's `external` sources for the coming tick and runs the transient
/// to the next tick boundary; `sense` reads the comparator's output there. The netlist's contract:
/// sources `Venable` (the enable line, active low), `Vrow0`, `Vrow1` (the rows' GPIO lines),
/// `Vt1`, `Vt3` (T1, T3), `Vread` (the read selector) at 0 or `logicVolts`, `Vcodea` (the pulse
/// rail's DAC code, in volts); nodes `fire` (the comparator's output), `node1`, `node2` and
/// `rail_pulse`. A netlist that lacks one is refused, naming it.
///
/// ngspice is one simulator per process: one `SpiceBoard` at a time (a second is refused).
/// Host-side only (not real-time): each tick waits for the simulator.
public final class SpiceBoard: Board {
    public static let sourceNames = ["Venable", "Vrow0", "Vrow1", "Vt1", "Vt3", "Vread", "Vcodea"]
    public static let probeNames = ["fire", "node1", "node2", "rail_pulse"]
    nonisolated(unsafe) private static var open = false

    public let netlistPath: String
    public let network: NetworkConfiguration
    /// The SBC's logic level: a line at 1.
    public let logicVolts: Double
    /// The pulse rail's level when a run asks for none (the profile's `pulses.amplitude_volts`).
    public let pulseAmplitudeVolts: Double
    public let tickSeconds: Double
    /// Node voltages at the last tick boundary.
    public private(set) var node1Volts = 0.0
    public private(set) var node2Volts = 0.0
    public private(set) var railVolts = 0.0
    public private(set) var comparatorVolts = 0.0
    /// What stopped the simulation, once it has.
    public private(set) var failure: SpiceBoardError?

    private var levels = [Double](repeating: 0, count: SpiceBoard.sourceNames.count)
    private var values = [Double](repeating: 0, count: SpiceBoard.probeNames.count)

    /// Loads `netlist` and runs it for `settleSeconds` with every line low and the enable line
    /// released (high): the circuit's own power-up, before the core's first tick.
    public init(
        netlist: String, network: NetworkConfiguration, pulseAmplitudeVolts: Double, logicVolts: Double = 3.3,
        settleSeconds: Double = 1e-3
    ) throws(SpiceBoardError) {
        guard network.inputs == 2, network.layers.count == 1, network.layers[0].neurons == 1 else {
            throw SpiceBoardError("the SPICE board carries one neuron with two inputs (seed 000 Fig. 3a); this network has \(network.inputs) inputs and layers \(network.layers.map(\.neurons))")
        }
        guard !Self.open else { throw SpiceBoardError("a SPICE board is already open in this process (ngspice is one simulator per process)") }
        self.netlistPath = netlist
        self.network = network
        self.logicVolts = logicVolts
        self.pulseAmplitudeVolts = pulseAmplitudeVolts
        tickSeconds = Double(network.clock.tickNanoseconds) * 1e-9
        let sources = Self.sourceNames.map { strdup($0) }
        let probes = Self.probeNames.map { strdup($0) }
        defer {
            sources.forEach { free($0) }
            probes.forEach { free($0) }
        }
        // Power-up: the enable line released (high, outputs off), every other line low, the DAC at
        // the board's pulse amplitude (somad sets it before the first run).
        levels[0] = logicVolts
        levels[6] = pulseAmplitudeVolts
        var message = [CChar](repeating: 0, count: 2048)
        let status = sources.map { UnsafePointer($0) }.withUnsafeBufferPointer { sourcePointers in
            probes.map { UnsafePointer($0) }.withUnsafeBufferPointer { probePointers in
                soma_spice_open(
                    netlist, sourcePointers.baseAddress, levels, Int32(sources.count), probePointers.baseAddress,
                    Int32(probes.count), tickSeconds, settleSeconds, &message, Int32(message.count))
            }
        }
        guard status == 0 else { throw SpiceBoardError(String(cString: message)) }
        Self.open = true
    }

    deinit {
        soma_spice_close()
        Self.open = false
    }

    /// Simulated time at the last tick boundary, seconds.
    public var simulatedSeconds: Double { soma_spice_time() }

    public func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? {
        if lines.fireSense.count > 0 { lines.fireSense[0] = values[0] > logicVolts / 2 }
        return failure == nil ? nil : BoardFault(code: 1, kind: .ioFailure)
    }

    public func drive(_ lines: DrivenLines) -> BoardFault? {
        guard failure == nil else { return BoardFault(code: 1, kind: .ioFailure) }
        let high = logicVolts
        levels[0] = 0  // enable held active (low) while the core drives
        levels[1] = lines.rows.count > 0 && lines.rows[0] ? high : 0
        levels[2] = lines.rows.count > 1 && lines.rows[1] ? high : 0
        let neuron = lines.neurons.count > 0 ? lines.neurons[0] : NeuronSignals(rawValue: 0)
        levels[3] = neuron.contains(.potentiation) ? high : 0
        levels[4] = neuron.contains(.depression) ? high : 0
        levels[5] = lines.readVolts == nil ? 0 : high
        levels[6] = lines.inputAmplitudeVolts ?? pulseAmplitudeVolts
        var message = [CChar](repeating: 0, count: 1024)
        let status = soma_spice_step(levels, &values, &message, Int32(message.count))
        guard status == 0 else {
            failure = SpiceBoardError(String(cString: message))
            return BoardFault(code: 1, kind: .ioFailure)
        }
        comparatorVolts = values[0]
        node1Volts = values[1]
        node2Volts = values[2]
        railVolts = values[3]
        return nil
    }
}
