import Foundation
import SomaCore

/// `[frontend]`: the analog front-end between the board's lines and the memristors
/// (Board/hardware/frontend.cir): the line that holds its outputs on, the netlist the profile is
/// held to, and the levels the profile asks of it.
public struct FrontEndSettings: Sendable, Equatable {
    /// The line that holds every front-end output on: /OE of the 74HC595 chains and of the buffer
    /// of directly wired control lines, pulled up on the board to "outputs off". somad drives it
    /// active only while it drives the lines; at power-up, after a stop, a crash or a SIGKILL it is
    /// released and the pull-up turns every row, T1, T3 and gate line off.
    public var enable: LineAddress?
    /// Active low (/OE), as the 74HC595 and 74LVC244A have it.
    public var enableActiveLow = true
    /// The front-end netlist (absolute), when the profile names one: every level below is then
    /// checked against what that circuit delivers.
    public var netlistPath: String?
    /// G1's level on layer-2 rows (the spike rail, DAC channel b).
    public var spikeVolts: Double?
    /// What T3 lifts node 1 to (the lift rail, DAC channel c).
    public var depressionLiftVolts: Double?
    /// The programming-gate level (PG = 1; DAC channel d).
    public var programGateVolts: Double?
    /// The fixed read level on rows during a read-out.
    public var readVolts: Double?
    /// The fire-sense comparators' threshold on node 2.
    public var comparatorVolts: Double?
    /// What the netlist delivers, once the profile has been checked against it
    /// (`BoardProfile.load(path:checkingFrontEnd:)`); nil otherwise.
    public var capabilities: FrontEndCapabilities?

    public init() {}

    /// The MCP4728 channels of the front-end's rails (Board/hardware/frontend.cir, FE_DAC_CHANNEL_*):
    /// a pulse (the profile's `i2c.dac.input_pulse_channel`), b spike, c T3 lift, d programming gate.
    public static let spikeChannel = 1, liftChannel = 2, programGateChannel = 3
    /// The MCP4728's channels by index, as profiles and the datasheet name them.
    public static let channelNames = ["a", "b", "c", "d"]

    /// The four channels' levels at start: the pulse rail at `pulseVolts` on `pulseChannel`, the
    /// other rails at this front-end's levels (0 V where the profile names none).
    public func dacVolts(pulseVolts: Double, pulseChannel: Int) -> [Double] {
        var volts = [0.0, 0.0, 0.0, 0.0]
        volts[Self.spikeChannel] = spikeVolts ?? 0
        volts[Self.liftChannel] = depressionLiftVolts ?? 0
        volts[Self.programGateChannel] = programGateVolts ?? 0
        volts[max(0, min(3, pulseChannel))] = pulseVolts
        return volts
    }
}

/// What a front-end netlist delivers: its `.param FE_*` values (volts, amperes, siemens, ohms).
public struct FrontEndCapabilities: Sendable, Equatable {
    public var values: [String: Double]
    /// The file and the line each value was read from.
    public var lines: [String: Int]
    public var file: String

    public static let required = [
        "FE_DAC_SUPPLY_VOLTS", "FE_DAC_REFERENCE_VOLTS", "FE_DAC_GAIN", "FE_DAC_CHANNEL_PULSE",
        "FE_DAC_CHANNEL_SPIKE", "FE_DAC_CHANNEL_LIFT", "FE_DAC_CHANNEL_PROGRAM_GATE", "FE_BUFFER_SUPPLY_VOLTS",
        "FE_BUFFER_HEADROOM_VOLTS", "FE_RAIL_CURRENT_LIMIT_AMPERES", "FE_SWITCH_SUPPLY_VOLTS", "FE_READ_VOLTS",
        "FE_COMPARATOR_VOLTS", "FE_SYNAPSE_MAX_SIEMENS",
    ]

    public subscript(_ name: String) -> Double { values[name] ?? .nan }

    /// Reads the `.param FE_*` lines (and their `+` continuations) of a netlist. A value that is
    /// not a number, or a required one that is missing, is a problem at its file and line.
    public static func read(path: String) throws(ProfileErrors) -> FrontEndCapabilities {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ProfileErrors(diagnostics: [FileDiagnostic(file: path, line: 1, column: 1, message: "cannot read the netlist (missing or not text)")])
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ProfileErrors) -> FrontEndCapabilities {
        var capabilities = FrontEndCapabilities(values: [:], lines: [:], file: file)
        var problems: [FileDiagnostic] = []
        for parameter in SPICEParameter.scan(text) where parameter.name.hasPrefix("FE_") {
            guard let value = parameter.value else {
                problems.append(FileDiagnostic(file: file, line: parameter.line, column: parameter.column, message: "\(parameter.name) = \(parameter.text) is not a number"))
                continue
            }
            capabilities.values[parameter.name] = value
            capabilities.lines[parameter.name] = parameter.line
        }
        for name in required where capabilities.values[name] == nil && !problems.contains(where: { $0.message.hasPrefix(name + " ") }) {
            problems.append(FileDiagnostic(file: file, line: 1, column: 1, message: "the netlist has no .param \(name): what the front-end delivers cannot be checked"))
        }
        if !problems.isEmpty { throw ProfileErrors(diagnostics: problems) }
        return capabilities
    }

    /// The highest level the MCP4728 sets: its reference times its gain, never above its supply.
    public var dacCeilingVolts: Double { min(self["FE_DAC_SUPPLY_VOLTS"], self["FE_DAC_GAIN"] * self["FE_DAC_REFERENCE_VOLTS"]) }

    /// The highest level the DAC, its rail buffer and the row switches let through, with what
    /// limits it, for messages.
    public var railCeiling: (volts: Double, why: String) {
        let dac = dacCeilingVolts
        let buffer = self["FE_BUFFER_SUPPLY_VOLTS"] - self["FE_BUFFER_HEADROOM_VOLTS"]
        let switches = self["FE_SWITCH_SUPPLY_VOLTS"]
        let ceiling = min(dac, buffer, switches)
        let why: String
        if ceiling == dac {
            why = "the MCP4728 at VDD \(format(self["FE_DAC_SUPPLY_VOLTS"])) V with its \(format(self["FE_DAC_REFERENCE_VOLTS"])) V reference ×\(format(self["FE_DAC_GAIN"])) tops out at \(format(dac)) V"
        } else if ceiling == buffer {
            why = "the OPA569 rail buffer on \(format(self["FE_BUFFER_SUPPLY_VOLTS"])) V swings to \(format(buffer)) V"
        } else {
            why = "the TS5A23159 row switches on \(format(switches)) V pass 0…\(format(switches)) V"
        }
        return (ceiling, why)
    }
}

/// One `name=value` of a SPICE `.param` line (or its `+` continuation), where it stands, and its
/// value read as a SPICE number (nil when it is not one).
public struct SPICEParameter: Sendable, Equatable {
    /// Upper-cased, as SPICE names are case-insensitive.
    public var name: String
    public var text: String
    public var value: Double?
    public var line: Int
    public var column: Int

    /// Every parameter of every `.param` line of `text`, in order.
    public static func scan(_ text: String) -> [SPICEParameter] {
        var found: [SPICEParameter] = []
        var inParam = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.lowercased().hasPrefix(".param") {
                inParam = true
            } else if !(inParam && line.hasPrefix("+")) {
                inParam = false
                continue
            }
            let body = line.lowercased().hasPrefix(".param") ? String(line.dropFirst(6)) : String(line.dropFirst())
            // name=value pairs, spaces allowed around '='.
            let compact = body.replacingOccurrences(of: #"\s*=\s*"#, with: "=", options: .regularExpression)
            for pair in compact.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                let column = (raw.range(of: parts[0])?.lowerBound).map { raw.distance(from: raw.startIndex, to: $0) + 1 } ?? 1
                found.append(SPICEParameter(name: parts[0].uppercased(), text: parts[1], value: number(parts[1]), line: index + 1, column: column))
            }
        }
        return found
    }

    /// A SPICE number: 1.5, 2e-3, 10k, 4.7u, 1meg (suffix case-insensitive, trailing units ignored).
    public static func number(_ text: String) -> Double? {
        let lower = text.lowercased()
        var end = lower.startIndex
        while end < lower.endIndex, "0123456789.+-e".contains(lower[end]) {
            // 'e' only as an exponent: followed by a digit or a sign.
            if lower[end] == "e" {
                let next = lower.index(after: end)
                guard next < lower.endIndex, "0123456789+-".contains(lower[next]) else { break }
            }
            end = lower.index(after: end)
        }
        guard let mantissa = Double(lower[..<end]) else { return nil }
        let suffix = lower[end...]
        let scales: [(String, Double)] = [("meg", 1e6), ("mil", 25.4e-6), ("t", 1e12), ("g", 1e9), ("k", 1e3), ("m", 1e-3), ("u", 1e-6), ("n", 1e-9), ("p", 1e-12), ("f", 1e-15)]
        for (name, scale) in scales where suffix.hasPrefix(name) { return mantissa * scale }
        guard suffix.allSatisfy({ $0.isLetter }) else { return nil }
        return mantissa
    }

}

func format(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
}

extension ProfileParser {
    /// Holds the profile's levels, DAC, limits and lines to what the front-end netlist delivers.
    mutating func checkFrontEnd(
        _ frontEnd: FrontEndSettings, capabilities fe: FrontEndCapabilities, i2c: I2CSettings?, amplitude: Double,
        limits: DeviceLimits?, network: NetworkConfiguration?
    ) {
        let netlist = fe.file
        let (ceiling, why) = fe.railCeiling
        func atLine(_ name: String) -> String { "\(netlist):\(fe.lines[name] ?? 1)" }
        // The DAC: powered and referenced as the circuit has it.
        if let dac = i2c?.dac {
            if dac.reference == "supply" {
                problem("i2c.dac.reference", "i2c.dac.reference = \"supply\": the front-end (\(atLine("FE_DAC_SUPPLY_VOLTS"))) powers the MCP4728 at \(format(fe["FE_DAC_SUPPLY_VOLTS"])) V with its internal \(format(fe["FE_DAC_REFERENCE_VOLTS"])) V reference ×\(format(fe["FE_DAC_GAIN"])): use reference = \"internal-x2\" (at VDD 5 V its SDA/SCL would need 0.7·VDD = 3.5 V, above the 3.3 V the I2C bus pulls up to; MCP4728 DS22187E p.6)")
            } else if dac.reference == "internal" && fe["FE_DAC_GAIN"] != 1 {
                problem("i2c.dac.reference", "i2c.dac.reference = \"internal\" (gain 1, 2.048 V full scale): the front-end (\(atLine("FE_DAC_GAIN"))) runs the MCP4728 at gain \(format(fe["FE_DAC_GAIN"])): use \"internal-x2\"")
            }
            for (key, channel) in [
                ("FE_DAC_CHANNEL_SPIKE", FrontEndSettings.spikeChannel), ("FE_DAC_CHANNEL_LIFT", FrontEndSettings.liftChannel),
                ("FE_DAC_CHANNEL_PROGRAM_GATE", FrontEndSettings.programGateChannel),
            ] where Int(fe[key]) != channel {
                problem("frontend.netlist", "\(atLine(key)): \(key) = \(format(fe[key])), but somad sets that rail on MCP4728 channel \(FrontEndSettings.channelNames[channel])")
            }
            if dac.inputPulseChannel != Int(fe["FE_DAC_CHANNEL_PULSE"]) {
                let names = FrontEndSettings.channelNames
                problem("i2c.dac.input_pulse_channel", "i2c.dac.input_pulse_channel = \"\(names[min(3, max(0, dac.inputPulseChannel))])\": the front-end's pulse rail is on channel \(names[min(3, max(0, Int(fe["FE_DAC_CHANNEL_PULSE"])))]) (\(atLine("FE_DAC_CHANNEL_PULSE")))")
            }
        } else {
            problem("frontend.netlist", "the front-end (\(netlist)) sets its rails from an MCP4728: the profile needs an [i2c.dac] table")
        }
        // Levels: every rail the DAC sets must be within what the DAC, buffer and switches pass.
        var levels: [(path: String, volts: Double, what: String)] = [("pulses.amplitude_volts", amplitude, "the pulse amplitude")]
        if let limits { levels.append(("limits.max_amplitude_volts", limits.maxAmplitudeVolts, "the amplitude limit")) }
        if let volts = frontEnd.spikeVolts { levels.append(("frontend.spike_volts", volts, "the spike level")) }
        if let volts = frontEnd.depressionLiftVolts { levels.append(("frontend.depression_lift_volts", volts, "the T3 lift")) }
        for level in levels where level.volts > ceiling + 1e-9 {
            problem(level.path, "\(level.path) = \(format(level.volts)) V: \(level.what) is beyond what the front-end delivers, \(format(ceiling)) V (\(why); \(netlist))")
        }
        if let volts = frontEnd.programGateVolts {
            let gateCeiling = min(fe.dacCeilingVolts, fe["FE_SWITCH_SUPPLY_VOLTS"])
            if volts > gateCeiling + 1e-9 {
                problem("frontend.program_gate_volts", "frontend.program_gate_volts = \(format(volts)) V is beyond \(format(gateCeiling)) V, what the MCP4728 channel d and the gate switches deliver (\(netlist))")
            }
        }
        // Fixed levels: what the dividers on the reference make.
        for (path, value, name, tolerance) in [
            ("frontend.read_volts", frontEnd.readVolts, "FE_READ_VOLTS", 0.01), ("frontend.comparator_volts", frontEnd.comparatorVolts, "FE_COMPARATOR_VOLTS", 0.02),
        ] {
            guard let value else { continue }
            if abs(value - fe[name]) > tolerance * fe[name] {
                problem(path, "\(path) = \(format(value)) V: the front-end's divider makes \(format(fe[name])) V (\(atLine(name))); the profile must say what the board has")
            }
        }
        // Current: the largest layer with every synapse at its top and every row on, node 1 grounded.
        if let network, let limits, network.inputs > 0, let first = network.layers.first {
            let amperes = Double(network.inputs * first.neurons) * fe["FE_SYNAPSE_MAX_SIEMENS"] * limits.maxAmplitudeVolts
            if amperes > fe["FE_RAIL_CURRENT_LIMIT_AMPERES"] {
                problem("limits.max_amplitude_volts", "limits.max_amplitude_volts = \(format(limits.maxAmplitudeVolts)) V: \(network.inputs) rows × \(first.neurons) synapses at \(format(fe["FE_SYNAPSE_MAX_SIEMENS"] * 1e6)) µS draw \(String(format: "%.2f", amperes)) A from the pulse rail, beyond its \(format(fe["FE_RAIL_CURRENT_LIMIT_AMPERES"])) A current limit (\(atLine("FE_RAIL_CURRENT_LIMIT_AMPERES")))")
            }
        }
        // The safe state needs the enable line.
        if frontEnd.enable == nil {
            problem("frontend", "[frontend] has no enable line: without it the 74HC595/74LVC244A outputs are not held off at power-up or after a crash (Board/hardware/frontend.cir, FE_ENABLE)")
        }
    }
}
