import Foundation
import SomaCore
import TOMLKit

/// One problem in a file (a profile, a pattern file), at its line and column.
public struct FileDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `FILE:LINE:COL: message`, the form editors and compilers use.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// One problem in a profile, at the line and column of the key (or table) it is about.
public typealias ProfileDiagnostic = FileDiagnostic

/// Every problem found in a profile; thrown only when there is at least one.
public struct ProfileErrors: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ProfileDiagnostic]
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

extension BoardProfile {
    /// Largest number of lines one request may hold (libgpiod v1's bulk limit, kept for v2).
    public static let maximumLinesPerRequest = 64

    /// Reads and checks the profile at `path`; an unreadable or binary file is a problem at 1:1.
    /// With `checkingFrontEnd` (`soma profile check`, the host's design-time check) a profile that
    /// names a front-end netlist is also held to what that circuit delivers, and a netlist that
    /// cannot be read is a problem; without it (somad on a board, where only the profile is
    /// deployed) the netlist is not read.
    public static func load(path: String, checkingFrontEnd: Bool = false) throws(ProfileErrors) -> BoardProfile {
        func fail(_ message: String) -> ProfileErrors {
            ProfileErrors(diagnostics: [ProfileDiagnostic(file: path, line: 1, column: 1, message: message)])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail("cannot read the file (missing or not readable)")
        }
        guard !data.contains(0), let text = String(data: data, encoding: .utf8) else {
            throw fail("not a text file (a TOML profile is UTF-8 text)")
        }
        return try parse(text, file: path, checkingFrontEnd: checkingFrontEnd)
    }

    /// Reads a profile, checking everything that can be checked without the hardware. Reports
    /// every problem, not just the first.
    public static func parse(_ text: String, file: String, checkingFrontEnd: Bool = false) throws(ProfileErrors) -> BoardProfile {
        var parser = ProfileParser(text: text, file: file)
        parser.checkingFrontEnd = checkingFrontEnd
        guard let profile = parser.parse(), parser.diagnostics.isEmpty else {
            throw ProfileErrors(diagnostics: parser.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        return profile
    }
}

/// The rules, in one place. Reads the tables in document order of concern: board, clock, network,
/// pulses, limits, chips, shift chains, I2C, lines, safe state.
struct ProfileParser {
    let text: String
    let file: String
    let locator: SourceLocator
    var diagnostics: [ProfileDiagnostic] = []
    /// Hold `[frontend]` levels to the netlist it names (`BoardProfile.load(path:checkingFrontEnd:)`).
    var checkingFrontEnd = false

    init(text: String, file: String) {
        self.text = text
        self.file = file
        self.locator = SourceLocator(text: text)
    }

    mutating func problem(_ path: String, _ message: String) {
        let position = locator.position(of: path)
        diagnostics.append(ProfileDiagnostic(file: file, line: position.line, column: position.column, message: message))
    }

    // MARK: typed reads that report what is wrong

    /// Reads `key` as a `kind` with `convert`; a missing required key or a wrong type is a problem.
    mutating func read<T>(
        _ table: TOMLTable, _ key: String, path: String, required: Bool, kind: String,
        missing: String? = nil, _ convert: (TOMLValueConvertible) -> T?
    ) -> T? {
        guard let value = table[key] else {
            if required { problem(path, missing ?? "missing \(path)") }
            return nil
        }
        guard let converted = convert(value) else { problem(path, "\(path) must be \(kind)"); return nil }
        return converted
    }

    mutating func table(_ parent: TOMLTable, _ key: String, path: String, required: Bool) -> TOMLTable? {
        read(parent, key, path: path, required: required, kind: "a table", missing: "missing table [\(path)]") { $0.table }
    }

    mutating func number(_ table: TOMLTable, _ key: String, path: String, required: Bool) -> Double? {
        read(table, key, path: path, required: required, kind: "a number") { value in
            if let double = value.double, double.isFinite { return double }
            return value.int.map(Double.init)
        }
    }

    mutating func integer(_ table: TOMLTable, _ key: String, path: String, required: Bool) -> Int? {
        read(table, key, path: path, required: required, kind: "an integer") { $0.int }
    }

    mutating func string(_ table: TOMLTable, _ key: String, path: String, required: Bool) -> String? {
        read(table, key, path: path, required: required, kind: "a string") { $0.string }
    }

    mutating func choice<T>(_ table: TOMLTable, _ key: String, path: String, _ options: [(String, T)], default value: T) -> T {
        guard let name = string(table, key, path: path, required: false) else { return value }
        guard let match = options.first(where: { $0.0 == name }) else {
            problem(path, "\(path) = \"\(name)\" is not one of \(options.map { "\"\($0.0)\"" }.joined(separator: ", "))")
            return value
        }
        return match.1
    }

    mutating func unknownKeys(_ table: TOMLTable, path: String, known: Set<String>) {
        for key in table.keys.sorted() where !known.contains(key) {
            let full = path.isEmpty ? key : "\(path).\(key)"
            problem(full, "unknown key '\(full)'; expected one of: \(known.sorted().joined(separator: ", "))")
        }
    }

    mutating func address(_ table: TOMLTable, _ key: String, path: String) -> UInt8? {
        guard let value = integer(table, key, path: path, required: true) else { return nil }
        guard (0x03...0x77).contains(value) else {
            problem(path, "I2C address 0x\(String(value, radix: 16)) is outside 0x03–0x77 (7-bit addresses not reserved by the I2C specification)")
            return nil
        }
        return UInt8(value)
    }

    // MARK: the profile

    mutating func parse() -> BoardProfile? {
        let root: TOMLTable
        do {
            root = try TOMLHeaderCheck.table(from: text)
        } catch {
            diagnostics.append(ProfileDiagnostic(file: file, line: error.line, column: error.column, message: error.message))
            return nil
        }
        unknownKeys(root, path: "", known: ["board", "clock", "network", "pulses", "limits", "chips", "shift_out", "shift_in", "i2c", "lines", "safe_state", "simulation", "frontend"])

        // [board]
        var name = "unnamed board", consumer = "somad"
        if let board = table(root, "board", path: "board", required: true) {
            unknownKeys(board, path: "board", known: ["name", "consumer"])
            name = string(board, "name", path: "board.name", required: true) ?? name
            consumer = string(board, "consumer", path: "board.consumer", required: false) ?? consumer
        }

        // [clock], [network], [pulses] → NetworkConfiguration
        var clock = ClockSettings()
        if let table = table(root, "clock", path: "clock", required: true) {
            unknownKeys(table, path: "clock", known: ["frequency_hz", "ticks_per_phase"])
            clock.frequencyHertz = number(table, "frequency_hz", path: "clock.frequency_hz", required: true) ?? clock.frequencyHertz
            clock.ticksPerPhase = integer(table, "ticks_per_phase", path: "clock.ticks_per_phase", required: false) ?? clock.ticksPerPhase
        }
        var network = NetworkConfiguration(inputs: 1, layers: [LayerConfiguration(neurons: 1)], clock: clock)
        if let table = table(root, "network", path: "network", required: true) {
            unknownKeys(table, path: "network", known: ["inputs", "layers", "lateral_inhibition", "mode", "depression", "tie_rule", "tie_seed"])
            network.inputs = integer(table, "inputs", path: "network.inputs", required: true) ?? 1
            if let layers = table["layers"]?.array {
                let sizes = layers.map { $0.int }
                if sizes.contains(where: { $0 == nil }) { problem("network.layers", "network.layers must list neurons per layer as integers, e.g. [10, 10]") }
                network.layers = sizes.compactMap { $0 }.map { LayerConfiguration(neurons: $0) }
            } else {
                problem("network.layers", table["layers"] == nil ? "missing network.layers (neurons per layer, e.g. [1])" : "network.layers must be an array of integers")
            }
            if let inhibition = table["lateral_inhibition"] {
                let flags = inhibition.array?.map { $0.bool }
                if let flags, flags.count == network.layers.count, !flags.contains(where: { $0 == nil }) {
                    for (index, flag) in flags.enumerated() { network.layers[index].lateralInhibition = flag! }
                } else {
                    problem("network.lateral_inhibition", "network.lateral_inhibition must be one true/false per layer (\(network.layers.count))")
                }
            }
            network.mode = choice(table, "mode", path: "network.mode", [("full-logic", OperatingMode.fullLogic), ("clock-and-monitor", .clockAndMonitor)], default: .fullLogic)
            network.depression = choice(table, "depression", path: "network.depression",
                [("before-refractory", DepressionPhase.beforeRefractory), ("after-refractory", .afterRefractory), ("disabled", .disabled)], default: .beforeRefractory)
            let seed = integer(table, "tie_seed", path: "network.tie_seed", required: false) ?? 1
            network.tieRule = choice(table, "tie_rule", path: "network.tie_rule",
                [("lowest-index", TieRule.lowestIndex), ("round-robin", .roundRobin), ("seeded-random", .seededRandom(seed: UInt64(truncatingIfNeeded: seed)))], default: .lowestIndex)
        }
        var amplitude = 0.0
        if let table = table(root, "pulses", path: "pulses", required: true) {
            unknownKeys(table, path: "pulses", known: ["amplitude_volts", "phase", "offset_ticks", "width_ticks"])
            amplitude = number(table, "amplitude_volts", path: "pulses.amplitude_volts", required: true) ?? 0
            network.inputPulse.phase = choice(table, "phase", path: "pulses.phase", [("high", ClockPhase.high), ("low", .low)], default: .high)
            network.inputPulse.offsetTicks = integer(table, "offset_ticks", path: "pulses.offset_ticks", required: false) ?? 0
            network.inputPulse.widthTicks = integer(table, "width_ticks", path: "pulses.width_ticks", required: false)
        }
        var networkValid = true
        do {
            try network.validate()
        } catch {
            networkValid = false
            let path: String =
                switch error.field {
                case "inputs": "network.inputs"
                case let field where field.hasPrefix("layers"): "network.layers"
                case "clock.frequencyHertz": "clock.frequency_hz"
                case "clock.ticksPerPhase": "clock.ticks_per_phase"
                case "inputPulse.offsetTicks": "pulses.offset_ticks"
                case "inputPulse.widthTicks": "pulses.width_ticks"
                default: error.field
                }
            problem(path, "\(path) = \(error.value) is out of range: \(error.allowed)")
        }

        // [limits]: every limit must be present; the settings must sit inside them.
        var limits = DeviceLimits(maxAmplitudeVolts: 0, maxPulseWidthMicroseconds: 0, maxDuty: 0, maxPulsesPerSecond: 0)
        if let table = table(root, "limits", path: "limits", required: true) {
            unknownKeys(table, path: "limits", known: ["max_amplitude_volts", "max_pulse_width_us", "max_duty", "max_pulses_per_second", "max_pulses_per_presentation"])
            func positive(_ value: Double?, _ path: String, upTo ceiling: Double = .infinity) -> Double? {
                guard let value else { return nil }
                guard value > 0, value <= ceiling else {
                    problem(path, "\(path) = \(value) must be greater than 0\(ceiling.isFinite ? " and at most \(ceiling)" : "")")
                    return nil
                }
                return value
            }
            let amplitudeLimit = positive(number(table, "max_amplitude_volts", path: "limits.max_amplitude_volts", required: true), "limits.max_amplitude_volts")
            let width = positive(number(table, "max_pulse_width_us", path: "limits.max_pulse_width_us", required: true), "limits.max_pulse_width_us")
            let duty = positive(number(table, "max_duty", path: "limits.max_duty", required: true), "limits.max_duty", upTo: 1)
            let rate = positive(number(table, "max_pulses_per_second", path: "limits.max_pulses_per_second", required: true), "limits.max_pulses_per_second")
            let perPresentation = positive(number(table, "max_pulses_per_presentation", path: "limits.max_pulses_per_presentation", required: false), "limits.max_pulses_per_presentation")
            limits = DeviceLimits(
                maxAmplitudeVolts: amplitudeLimit ?? 0, maxPulseWidthMicroseconds: width ?? 0, maxDuty: duty ?? 0, maxPulsesPerSecond: rate ?? 0,
                maxPulsesPerPresentation: perPresentation.map { Int($0) } ?? DeviceLimits.defaultMaxPulsesPerPresentation)
            if let amplitudeLimit, abs(amplitude) > amplitudeLimit {
                problem("pulses.amplitude_volts", "pulses.amplitude_volts = \(amplitude) exceeds limits.max_amplitude_volts = \(amplitudeLimit)")
            }
            if networkValid {
                let widthMicroseconds = Double(network.inputPulse.resolvedWidthTicks(network.clock)) * Double(network.clock.tickNanoseconds) / 1000
                let periodMicroseconds = Double(network.clock.ticksPerPeriod) * Double(network.clock.tickNanoseconds) / 1000
                if let width, widthMicroseconds > width {
                    problem("pulses", "input pulses are \(widthMicroseconds) µs wide, beyond limits.max_pulse_width_us = \(width)")
                }
                if let duty, widthMicroseconds / periodMicroseconds > duty + 1e-12 {
                    problem("pulses", "input pulses have duty \(widthMicroseconds / periodMicroseconds), beyond limits.max_duty = \(duty)")
                }
                if let rate, network.clock.frequencyHertz > rate {
                    problem("clock.frequency_hz", "one pulse per clock period at \(network.clock.frequencyHertz) Hz exceeds limits.max_pulses_per_second = \(rate)")
                }
            }
        }

        // [chips]
        var chips: [String: String] = [:]
        if let table = table(root, "chips", path: "chips", required: false) {
            for key in table.keys.sorted() {
                guard let path = string(table, key, path: "chips.\(key)", required: true) else { continue }
                if key == "adc" { problem("chips.adc", "'adc' is reserved for the ADC; name the chip something else") }
                if path.hasPrefix("label:") && path.count == "label:".count {
                    problem("chips.\(key)", "chips.\(key) = \"label:\" names no label; write e.g. \"label:pinctrl-rp1\" (gpiodetect lists the labels)")
                }
                chips[key] = path
            }
        }

        // Line addresses are checked as they are read; the uses are collected for the duplicate check.
        var uses: [(address: LineAddress, user: String, path: String, output: Bool)] = []
        var shiftOut: [ShiftChain] = [], shiftIn: [ShiftChain] = []
        for (key, kind) in [("shift_out", ShiftChain.Kind.output595), ("shift_in", .input165)] {
            guard let value = root[key] else { continue }
            guard let array = value.array else { problem(key, "\(key) must be an array of tables: [[\(key)]]"); continue }
            for (index, element) in array.enumerated() {
                let path = "\(key)[\(index)]"
                guard let table = element.table else { problem(path, "\(path) must be a table"); continue }
                let controls = kind == .output595 ? ["data", "shift_clock", "latch_clock"] : ["data", "clock", "load"]
                unknownKeys(table, path: path, known: Set(["name", "chips"] + controls))
                guard let name = string(table, "name", path: "\(path).name", required: true) else { continue }
                if chips[name] != nil || name == "adc" || (shiftOut + shiftIn).contains(where: { $0.name == name }) {
                    problem("\(path).name", "chain name '\(name)' is already used by a chip or another chain")
                }
                let count = integer(table, "chips", path: "\(path).chips", required: true) ?? 1
                if count < 1 || count > 64 { problem("\(path).chips", "\(path).chips = \(count) must be 1…64") }
                var lines: [LineAddress] = []
                for control in controls {
                    let controlPath = "\(path).\(control)"
                    guard let text = string(table, control, path: controlPath, required: true),
                          let address = gpioAddress(text, path: controlPath, chips: chips) else { continue }
                    let output = !(kind == .input165 && control == "data")
                    uses.append((address, "shift chain '\(name)' \(control)", controlPath, output))
                    lines.append(address)
                }
                guard lines.count == 3 else { continue }
                // The clocking lines must share one request, so one bulk set moves them together.
                let clocking = kind == .output595 ? lines : Array(lines[1...2])
                let clockingChips = Set(clocking.compactMap { if case .gpio(let chip, _) = $0 { chip } else { nil } })
                if clockingChips.count > 1 {
                    problem(path, "shift chain '\(name)': \(kind == .output595 ? "data, shift_clock and latch_clock" : "clock and load") must be on one chip (they are on \(clockingChips.sorted().joined(separator: ", ")))")
                }
                let chain = ShiftChain(name: name, kind: kind, chipCount: max(1, min(count, 64)), data: lines[0], clock: lines[1], latch: lines[2])
                if kind == .output595 { shiftOut.append(chain) } else { shiftIn.append(chain) }
            }
        }

        // [i2c]
        var i2c: I2CSettings?
        if let table = table(root, "i2c", path: "i2c", required: false) {
            unknownKeys(table, path: "i2c", known: ["bus", "adc", "dac"])
            var settings = I2CSettings(bus: integer(table, "bus", path: "i2c.bus", required: true) ?? 0)
            if settings.bus < 0 { problem("i2c.bus", "i2c.bus = \(settings.bus) must be 0 or more (/dev/i2c-N)") }
            if let adc = self.table(table, "adc", path: "i2c.adc", required: false) {
                unknownKeys(adc, path: "i2c.adc", known: ["model", "address", "input", "full_scale_volts", "samples_per_second", "data_ready", "fire_threshold_volts", "max_age_us"])
                let model = choice(adc, "model", path: "i2c.adc.model", ADS1x15Model.allCases.map { ($0.rawValue, $0) }, default: .ads1115)
                let rates = Array(Set(model.dataRates)).sorted()
                let rate = integer(adc, "samples_per_second", path: "i2c.adc.samples_per_second", required: false) ?? rates.last!
                if !rates.contains(rate) { problem("i2c.adc.samples_per_second", "\(model.rawValue) has no data rate \(rate) SPS; it has \(rates.map(String.init).joined(separator: ", "))") }
                let fullScale = number(adc, "full_scale_volts", path: "i2c.adc.full_scale_volts", required: false) ?? 4.096
                if !ADS1x15Model.fullScaleVolts.contains(fullScale) {
                    problem("i2c.adc.full_scale_volts", "\(model.rawValue) has no full scale of \(fullScale) V; it has \(ADS1x15Model.fullScaleVolts.map { "\($0)" }.joined(separator: ", "))")
                }
                let inputName = string(adc, "input", path: "i2c.adc.input", required: false) ?? "ain0"
                let input = ADS1x15Input(profileName: inputName)
                if input == nil {
                    problem("i2c.adc.input", "i2c.adc.input = \"\(inputName)\": use ain0…ain3 or one of the pairs ain0-ain1, ain0-ain3, ain1-ain3, ain2-ain3")
                }
                var dataReady: LineAddress?
                if let text = string(adc, "data_ready", path: "i2c.adc.data_ready", required: false) {
                    dataReady = gpioAddress(text, path: "i2c.adc.data_ready", chips: chips)
                    if let dataReady { uses.append((dataReady, "ADC ALERT/RDY", "i2c.adc.data_ready", false)) }
                }
                settings.adc = ADCSettings(
                    model: model, address: address(adc, "address", path: "i2c.adc.address") ?? 0x48, input: input ?? .single(0),
                    fullScaleVolts: fullScale, samplesPerSecond: rate, dataReady: dataReady,
                    fireThresholdVolts: number(adc, "fire_threshold_volts", path: "i2c.adc.fire_threshold_volts", required: false),
                    maxAgeMicroseconds: integer(adc, "max_age_us", path: "i2c.adc.max_age_us", required: false) ?? 5_000)
            }
            if let dac = self.table(table, "dac", path: "i2c.dac", required: false) {
                unknownKeys(dac, path: "i2c.dac", known: ["model", "address", "reference", "supply_volts", "input_pulse_channel", "ldac"])
                _ = choice(dac, "model", path: "i2c.dac.model", [("mcp4728", "mcp4728")], default: "mcp4728")
                let reference = choice(dac, "reference", path: "i2c.dac.reference", [("supply", "supply"), ("internal", "internal"), ("internal-x2", "internal-x2")], default: "supply")
                var fullScale = reference == "internal" ? 2.048 : 4.096
                if reference == "supply" {
                    fullScale = number(dac, "supply_volts", path: "i2c.dac.supply_volts", required: true) ?? 5
                }
                let channelName = choice(dac, "input_pulse_channel", path: "i2c.dac.input_pulse_channel", [("a", 0), ("b", 1), ("c", 2), ("d", 3)], default: 0)
                var loadDAC: LineAddress?
                if let text = string(dac, "ldac", path: "i2c.dac.ldac", required: false) {
                    loadDAC = gpioAddress(text, path: "i2c.dac.ldac", chips: chips)
                    if let loadDAC { uses.append((loadDAC, "DAC LDAC", "i2c.dac.ldac", true)) }
                }
                if amplitude > fullScale { problem("pulses.amplitude_volts", "pulses.amplitude_volts = \(amplitude) is beyond the DAC's full scale of \(fullScale) V") }
                settings.dac = DACSettings(
                    address: address(dac, "address", path: "i2c.dac.address") ?? 0x60, reference: reference,
                    fullScaleVolts: fullScale, inputPulseChannel: channelName, loadDAC: loadDAC)
            }
            i2c = settings
        }

        // [lines]: every signal known, in the right direction, on an existing chip or chain bit.
        var lines: [Signal: LineAddress] = [:]
        let layouts = networkValid ? network.layerLayouts : []
        func exists(_ signal: Signal) -> String? {
            switch signal {
            case .clock: return nil
            case .row(let layer, let row):
                guard layer < layouts.count else { return "the network has layers L0…L\(layouts.count - 1)" }
                return row < layouts[layer].rows ? nil : "layer \(layer) has rows row0…row\(layouts[layer].rows - 1)"
            case .neuron(let layer, let neuron, let line):
                guard layer < layouts.count else { return "the network has layers L0…L\(layouts.count - 1)" }
                guard neuron < layouts[layer].neurons else { return "layer \(layer) has neurons n0…n\(layouts[layer].neurons - 1)" }
                if line == .depression && network.depression == .disabled { return "depression is disabled in [network]" }
                return nil
            }
        }
        // [simulation]: the simulated breadboard's devices. With it and no [lines], the profile
        // describes a simulated board only.
        var simulation: SimulationProfile?
        if let table = table(root, "simulation", path: "simulation", required: false) {
            unknownKeys(table, path: "simulation", known: ["device", "stochastic", "seed", "conductance_us", "conductance_jitter", "spike_amplitude_volts", "depression_lift_volts"])
            var settings = SimulationProfile()
            settings.device = string(table, "device", path: "simulation.device", required: false) ?? settings.device
            if let value = table["stochastic"] {
                if let flag = value.bool { settings.stochastic = flag } else { problem("simulation.stochastic", "simulation.stochastic must be true or false") }
            }
            if let seed = integer(table, "seed", path: "simulation.seed", required: false) {
                if seed >= 0 { settings.seed = UInt64(seed) } else { problem("simulation.seed", "simulation.seed must be 0 or more") }
            }
            if let value = table["conductance_us"] {
                let values = value.array?.compactMap { $0.double ?? $0.int.map(Double.init) } ?? []
                if values.isEmpty || values.count != value.array?.count || values.contains(where: { !($0 > 0) }) {
                    problem("simulation.conductance_us", "simulation.conductance_us must be an array of positive numbers (µS), one per layer, e.g. [400, 40]")
                } else {
                    settings.conductanceMicrosiemens = values
                }
            }
            if let jitter = number(table, "conductance_jitter", path: "simulation.conductance_jitter", required: false) {
                if (0..<1).contains(jitter) { settings.conductanceJitter = jitter } else { problem("simulation.conductance_jitter", "simulation.conductance_jitter must be in 0…1 (a relative spread)") }
            }
            if let volts = number(table, "spike_amplitude_volts", path: "simulation.spike_amplitude_volts", required: false) {
                if volts > 0 { settings.spikeAmplitudeVolts = volts } else { problem("simulation.spike_amplitude_volts", "simulation.spike_amplitude_volts must be positive") }
            }
            if let volts = number(table, "depression_lift_volts", path: "simulation.depression_lift_volts", required: false) {
                if volts > 0 && volts <= 5 { settings.depressionLiftVolts = volts } else { problem("simulation.depression_lift_volts", "simulation.depression_lift_volts must be in (0, 5] volts") }
            }
            simulation = settings
        }
        let simulatedOnly = simulation != nil && root["lines"] == nil
        if !simulatedOnly, let table = table(root, "lines", path: "lines", required: true), networkValid {
            // Signals that have a key, even a wrong one: reported once, not again as missing.
            var mentioned: Set<Signal> = []
            for key in table.keys {
                let path = "lines.\(key)"
                let text = string(table, key, path: path, required: true)
                guard let signal = Signal(name: key) else {
                    problem(path, "unknown signal '\(key)'; signals are clk, L<layer>.row<r>, and L<layer>.n<i>.<line> with line one of \(NeuronLine.allCases.map(\.rawValue).joined(separator: ", "))")
                    continue
                }
                if let reason = exists(signal) {
                    problem(path, "unknown signal '\(key)': \(reason)")
                    continue
                }
                mentioned.insert(signal)
                guard let text else { continue }
                let output = signal.isOutput(in: network.mode)
                guard let address = lineAddress(text, path: path, chips: chips, shiftOut: shiftOut, shiftIn: shiftIn, output: output, signal: signal, adc: i2c?.adc) else { continue }
                lines[signal] = address
                uses.append((address, "'\(key)'", path, output))
            }
            // What the mode needs.
            var required: [Signal] = [.clock]
            for (index, layout) in layouts.enumerated() {
                if index == 0 { required += (0..<layout.rows).map { .row(layer: 0, row: $0) } }
                for neuron in 0..<layout.neurons {
                    required.append(.neuron(layer: index, neuron: neuron, line: .fire))
                    if network.mode == .fullLogic {
                        required.append(.neuron(layer: index, neuron: neuron, line: .spike))
                        required.append(.neuron(layer: index, neuron: neuron, line: .potentiation))
                        if network.depression != .disabled { required.append(.neuron(layer: index, neuron: neuron, line: .depression)) }
                        if layout.lateralInhibition { required.append(.neuron(layer: index, neuron: neuron, line: .columnGate)) }
                    }
                }
            }
            let missing = required.filter { lines[$0] == nil && !mentioned.contains($0) }
            if !missing.isEmpty {
                let shown = missing.prefix(8).map(\.description).joined(separator: ", ")
                problem("lines", "missing line\(missing.count == 1 ? "" : "s") for \(shown)\(missing.count > 8 ? " and \(missing.count - 8) more" : "") (needed in \(network.mode == .fullLogic ? "full-logic" : "clock-and-monitor") mode)")
            }
        }

        // [frontend]: the enable line, and the netlist the levels are held to.
        var frontEnd: FrontEndSettings?
        if let table = table(root, "frontend", path: "frontend", required: false) {
            unknownKeys(table, path: "frontend", known: ["enable", "enable_active", "netlist", "spike_volts", "depression_lift_volts", "program_gate_volts", "read_volts", "comparator_volts"])
            var settings = FrontEndSettings()
            if let text = string(table, "enable", path: "frontend.enable", required: false) {
                // A GPIO, not a chain bit: it is what turns the chains' outputs on.
                settings.enable = gpioAddress(text, path: "frontend.enable", chips: chips)
                if let enable = settings.enable { uses.append((enable, "the front-end's enable line", "frontend.enable", true)) }
            }
            settings.enableActiveLow = choice(table, "enable_active", path: "frontend.enable_active", [("low", true), ("high", false)], default: true)
            func level(_ key: String, upTo ceiling: Double) -> Double? {
                guard let volts = number(table, key, path: "frontend.\(key)", required: false) else { return nil }
                guard volts > 0, volts <= ceiling else {
                    problem("frontend.\(key)", "frontend.\(key) = \(volts) must be in (0, \(ceiling)] volts")
                    return nil
                }
                return volts
            }
            settings.spikeVolts = level("spike_volts", upTo: 5)
            settings.depressionLiftVolts = level("depression_lift_volts", upTo: 5)
            settings.programGateVolts = level("program_gate_volts", upTo: 5)
            settings.readVolts = level("read_volts", upTo: 1)
            settings.comparatorVolts = level("comparator_volts", upTo: 5)
            if let name = string(table, "netlist", path: "frontend.netlist", required: false) {
                let path = Self.resolve(name, besideProfile: file)
                settings.netlistPath = path
                if checkingFrontEnd {
                    do {
                        let capabilities = try FrontEndCapabilities.read(path: path)
                        settings.capabilities = capabilities
                        checkFrontEnd(
                            settings, capabilities: capabilities, i2c: i2c, amplitude: amplitude, limits: limits,
                            network: networkValid ? network : nil)
                    } catch {
                        // The netlist's own problems, named at the netlist's file and line, and once at the key.
                        diagnostics += error.diagnostics
                        problem("frontend.netlist", "frontend.netlist = \"\(name)\": \(path) cannot be checked (see its problems above)")
                    }
                }
            }
            frontEnd = settings
        }

        // A line used twice, reported at the second use (in document order).
        let ordered = uses.sorted { a, b in
            let pa = locator.position(of: a.path), pb = locator.position(of: b.path)
            return (pa.line, pa.column) < (pb.line, pb.column)
        }
        var firstUse: [LineAddress: String] = [:]
        for use in ordered where use.address != .adc {
            if let earlier = firstUse[use.address] {
                problem(use.path, "line \(use.address) is used twice: by \(earlier) and by \(use.user)")
            } else {
                firstUse[use.address] = use.user
            }
        }
        // One request per chip and direction: libgpiod v1 takes at most 64 lines in one.
        var perRequest: [String: Int] = [:]
        for use in ordered {
            if case .gpio(let chip, _) = use.address { perRequest["\(chip) \(use.output ? "outputs" : "inputs")", default: 0] += 1 }
        }
        for (request, count) in perRequest.sorted(by: { $0.key < $1.key }) where count > BoardProfile.maximumLinesPerRequest {
            problem("lines", "chip \(request): \(count) lines in one request, more than libgpiod allows (\(BoardProfile.maximumLinesPerRequest)); move signals behind a shift-register chain")
        }

        // [safe_state]
        var safeHigh: Set<Signal> = []
        if let table = table(root, "safe_state", path: "safe_state", required: false) {
            unknownKeys(table, path: "safe_state", known: ["high"])
            if let array = table["high"]?.array {
                for name in array.map({ $0.string }) {
                    guard let name, let signal = Signal(name: name), lines[signal] != nil, signal.isOutput(in: network.mode) else {
                        problem("safe_state.high", "safe_state.high: \(name.map { "'\($0)'" } ?? "an entry") is not an output line of this profile")
                        continue
                    }
                    safeHigh.insert(signal)
                }
            } else if table["high"] != nil {
                problem("safe_state.high", "safe_state.high must be an array of signal names")
            }
        }

        return BoardProfile(
            name: name, consumer: consumer, network: network, pulseAmplitudeVolts: amplitude, chips: chips, lines: lines,
            shiftOutChains: shiftOut, shiftInChains: shiftIn, i2c: i2c, limits: limits, safeHigh: safeHigh,
            simulation: simulation, frontEnd: frontEnd)
    }

    /// A path written in a profile, relative to the profile's folder; `..` collapsed, and kept
    /// relative to the working directory when it was relative (messages stay short).
    static func resolve(_ name: String, besideProfile file: String) -> String {
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        let resolved = URL(fileURLWithPath: name, relativeTo: folder).standardizedFileURL.path
        let here = FileManager.default.currentDirectoryPath + "/"
        return !name.hasPrefix("/") && resolved.hasPrefix(here) ? String(resolved.dropFirst(here.count)) : resolved
    }

    // MARK: addresses

    /// `chip:offset` with a known chip alias.
    mutating func gpioAddress(_ text: String, path: String, chips: [String: String]) -> LineAddress? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let offset = UInt32(parts[1]) else {
            problem(path, "\(path) = \"\(text)\" is not a line address; write CHIP:OFFSET, e.g. \"main:4\"")
            return nil
        }
        let chip = String(parts[0])
        guard chips[chip] != nil else {
            problem(path, "\(path) = \"\(text)\": unknown chip '\(chip)'; [chips] defines \(chips.keys.sorted().joined(separator: ", ").ifEmpty("none"))")
            return nil
        }
        return .gpio(chip: chip, offset: offset)
    }

    /// A signal's address: a GPIO line, a bit of a chain in the right direction, or the ADC.
    mutating func lineAddress(
        _ text: String, path: String, chips: [String: String], shiftOut: [ShiftChain], shiftIn: [ShiftChain],
        output: Bool, signal: Signal, adc: ADCSettings?
    ) -> LineAddress? {
        if text == "adc" {
            guard case .neuron(_, _, .fire) = signal else {
                problem(path, "\(path): only fire-sense signals can come from the ADC"); return nil
            }
            guard let adc, adc.fireThresholdVolts != nil else {
                problem(path, "\(path) = \"adc\" needs [i2c.adc] with fire_threshold_volts"); return nil
            }
            return .adc
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let name = String(parts.first ?? "")
        if let chain = (shiftOut + shiftIn).first(where: { $0.name == name }) {
            guard parts.count == 2, let bit = Int(parts[1]), bit >= 0 else {
                problem(path, "\(path) = \"\(text)\" is not a chain address; write CHAIN:BIT, e.g. \"\(name):3\""); return nil
            }
            guard bit < chain.bitCount else {
                problem(path, "\(path) = \"\(text)\": bit \(bit) is beyond shift chain '\(name)' (\(chain.chipCount) × \(chain.kind.rawValue) = \(chain.bitCount) \(chain.kind == .output595 ? "outputs" : "inputs"), bits 0…\(chain.bitCount - 1))")
                return nil
            }
            guard (chain.kind == .output595) == output else {
                problem(path, "\(path): \(signal) is an \(output ? "output" : "input") but '\(name)' is a \(chain.kind.rawValue) \(chain.kind == .output595 ? "output" : "input") chain")
                return nil
            }
            return .shift(chain: name, bit: bit)
        }
        return gpioAddress(text, path: path, chips: chips)
    }
}

extension String {
    fileprivate func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
