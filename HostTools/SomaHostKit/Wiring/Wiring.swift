import Foundation
import SomaBoardProfile
import SomaCore

/// A board profile as a wiring list: for every line, where it leaves the single-board computer
/// (header pin, or shift-register chip and pin) and which breadboard node it goes to. Written as
/// Markdown (`markdown()`) and as an SVG diagram (`svg()`) by `soma profile wiring`; the files in
/// `Board/wiring/` are its output for the shipped profiles, and a test keeps them current.
public struct Wiring: Sendable {
    /// One wire.
    public struct Wire: Sendable, Equatable {
        /// Where it starts: `pin 11 (GPIO17)`, `rows #1 pin 15 (QA)`.
        public var from: String
        /// The profile's name for what it carries: `clk`, `L0.row3`, `rows.shift_clock`.
        public var signal: String
        /// `out` (Soma drives it) or `in` (Soma reads it).
        public var direction: String
        /// Where it ends on the breadboard, and what it does there.
        public var to: String
    }

    /// A chain of 74HC595s or 74HC165s.
    public struct Chain: Sendable, Equatable {
        public var name: String
        public var part: String
        public var chips: Int
        /// The control wires (SER/SRCLK/RCLK or SH/LD/CLK/QH) from the header.
        public var controls: [Wire]
        /// One wire per bit that carries a signal.
        public var bits: [Wire]
    }

    public var title: String
    public var profileName: String
    /// The header, if the profile's chip is a Raspberry Pi header chip (named by label).
    public var header: String?
    public var direct: [Wire] = []
    public var chains: [Chain]
    public var i2c: [Wire]

    /// BCM GPIO → 40-pin header pin, the same on every Pi since the B+.
    static let headerPins: [UInt32: Int] = [
        2: 3, 3: 5, 4: 7, 17: 11, 27: 13, 22: 15, 10: 19, 9: 21, 11: 23, 0: 27, 5: 29, 6: 31, 13: 33, 19: 35, 26: 37,
        14: 8, 15: 10, 18: 12, 23: 16, 24: 18, 25: 22, 8: 24, 7: 26, 1: 28, 12: 32, 16: 36, 20: 38, 21: 40,
    ]
    /// Chip labels whose lines 0…27 are the 40-pin header's GPIOs.
    static let headerChips = ["label:pinctrl-bcm2711": "Raspberry Pi 4", "label:pinctrl-rp1": "Raspberry Pi 5", "label:pinctrl-bcm2835": "Raspberry Pi 3"]

    public init(profile: BoardProfile) {
        title = profile.name
        profileName = profile.name
        let headerChip = profile.chips.first { Self.headerChips[$0.value] != nil }
        header = headerChip.flatMap { Self.headerChips[$0.value] }

        func origin(_ address: LineAddress) -> String {
            guard case .gpio(let alias, let offset) = address else { return address.description }
            if alias == headerChip?.key, let pin = Self.headerPins[offset] { return "pin \(pin) (GPIO\(offset))" }
            return "\(profile.chips[alias] ?? alias) line \(offset)"
        }
        func direction(_ signal: Signal) -> String { profile.isOutput(signal) ? "out" : "in" }

        let signals = profile.lines.sorted { $0.key < $1.key }
        // Header lines in pin order, then any other chip's lines by name.
        func order(_ address: LineAddress) -> (Int, String) {
            guard case .gpio(let alias, let offset) = address, alias == headerChip?.key, let pin = Self.headerPins[offset] else {
                return (Int.max, origin(address))
            }
            return (pin, "")
        }
        // With a front-end, the directly wired outputs that reach a switch pass its enable-gated
        // buffer (U12, 74LVC244A); the enable line itself drives every /OE.
        let frontEnd = profile.frontEnd
        func through(_ signal: Signal) -> String {
            let node = Self.node(signal, profile)
            guard frontEnd?.enable != nil, profile.isOutput(signal) else { return node }
            switch signal {
            case .row, .neuron(_, _, .potentiation), .neuron(_, _, .depression):
                return "U12 (74LVC244A, gated by enable), then " + node
            default: return node
            }
        }
        var direct = signals.filter { if case .gpio = $0.value { true } else { false } }
            .sorted { order($0.value) < order($1.value) }
            .map { signal, address in Wire(from: origin(address), signal: signal.description, direction: direction(signal), to: through(signal)) }
        if let enable = frontEnd?.enable {
            let level = frontEnd?.enableActiveLow ?? true ? "low" : "high"
            direct.insert(Wire(
                from: origin(enable), signal: "frontend.enable", direction: "out",
                to: "the /OE net: OE (pin 13) of every 74HC595 and /1OE, /2OE (pins 1, 19) of U12 74LVC244A; R15 10 kΩ to 3V3 holds the outputs off, somad drives it \(level) only while it runs"), at: 0)
        }
        self.direct = direct
        let chipPins = ["QA": 15, "QB": 1, "QC": 2, "QD": 3, "QE": 4, "QF": 5, "QG": 6, "QH": 7, "A": 11, "B": 12, "C": 13, "D": 14, "E": 3, "F": 4, "G": 5, "H": 6]
        /// One wire per chain bit that carries a signal, in bit order; `pinName` names the chip pin
        /// of bit k mod 8.
        func bitWires(_ chainName: String, _ direction: String, pinName: (Int) -> String) -> [Wire] {
            let bits: [(signal: Signal, bit: Int)] = signals.compactMap { signal, address in
                guard case .shift(let name, let bit) = address, name == chainName else { return nil }
                return (signal, bit)
            }
            return bits.sorted { $0.bit < $1.bit }.map { signal, bit in
                let pin = pinName(bit % 8)
                return Wire(from: "\(chainName) #\(bit / 8 + 1) pin \(chipPins[pin]!) (\(pin))", signal: signal.description, direction: direction, to: Self.node(signal, profile))
            }
        }
        var chains: [Chain] = []
        for chain in profile.shiftOutChains {
            let controls = [
                Wire(from: origin(chain.data), signal: "\(chain.name).data", direction: "out", to: "SER (pin 14) of \(chain.name) #1; each chip's QH' (pin 9) feeds the next one's SER"),
                Wire(from: origin(chain.clock), signal: "\(chain.name).shift_clock", direction: "out", to: "SRCLK (pin 11) of every \(chain.name) chip"),
                Wire(from: origin(chain.latch), signal: "\(chain.name).latch_clock", direction: "out", to: "RCLK (pin 12) of every \(chain.name) chip; \(frontEnd?.enable != nil ? "OE (pin 13) to the /OE net (frontend.enable)" : "OE (pin 13) to GND: no enable line in this profile, so the outputs are live at power-up (docs/hardware.md)"), SRCLR (pin 10) to 3V3"),
            ]
            // Bit k is output Q(A + k mod 8) of chip k / 8 + 1 (pins QA 15, QB…QH 1…7).
            let bits = bitWires(chain.name, "out") { ["QA", "QB", "QC", "QD", "QE", "QF", "QG", "QH"][$0] }
            chains.append(Chain(name: chain.name, part: "74HC595", chips: chain.chipCount, controls: controls, bits: bits))
        }
        for chain in profile.shiftInChains {
            let controls = [
                Wire(from: origin(chain.latch), signal: "\(chain.name).load", direction: "out", to: "SH/LD (pin 1) of every \(chain.name) chip"),
                Wire(from: origin(chain.clock), signal: "\(chain.name).clock", direction: "out", to: "CLK (pin 2) of every \(chain.name) chip; CLK INH (pin 15) to GND"),
                Wire(from: origin(chain.data), signal: "\(chain.name).data", direction: "in", to: "QH (pin 9) of \(chain.name) #1; each chip's SER (pin 10) takes the next one's QH"),
            ]
            // Bit 0 is input H of the chip driving QH, bit 7 its input A, then the next chip.
            let bits = bitWires(chain.name, "in") { ["H", "G", "F", "E", "D", "C", "B", "A"][$0] }
            chains.append(Chain(name: chain.name, part: "74HC165", chips: chain.chipCount, controls: controls, bits: bits))
        }
        self.chains = chains

        var i2c: [Wire] = []
        if let bus = profile.i2c {
            let sda = header != nil && bus.bus == 1 ? "pin 3 (GPIO2)" : "bus \(bus.bus) SDA"
            let scl = header != nil && bus.bus == 1 ? "pin 5 (GPIO3)" : "bus \(bus.bus) SCL"
            var devices: [String] = []
            if let adc = bus.adc { devices.append("\(adc.model.rawValue.uppercased()) 0x\(String(adc.address, radix: 16))") }
            if let dac = bus.dac { devices.append("MCP4728 0x\(String(dac.address, radix: 16))") }
            let list = devices.joined(separator: ", ")
            i2c.append(Wire(from: sda, signal: "i2c.sda", direction: "both", to: "SDA of \(list) (the Pi has 1.8 kΩ pull-ups to 3V3)"))
            i2c.append(Wire(from: scl, signal: "i2c.scl", direction: "out", to: "SCL of \(list)"))
            if let adc = bus.adc {
                let threshold = adc.fireThresholdVolts.map { ", fire sense above \($0) V" } ?? ", read-out"
                let input = ADS1x15Input.byProfileName.first { $0.input == adc.input }?.name.uppercased() ?? "AIN0"
                i2c.append(Wire(from: "\(adc.model.rawValue.uppercased()) \(input)", signal: "i2c.adc.input", direction: "in", to: "node 2 of L0.n0 (±\(adc.fullScaleVolts) V full scale\(threshold))"))
                if let ready = adc.dataReady {
                    i2c.append(Wire(from: origin(ready), signal: "i2c.adc.data_ready", direction: "in", to: "ALERT/RDY of the \(adc.model.rawValue.uppercased()) (open drain: 10 kΩ pull-up to 3V3)"))
                }
            }
            if let dac = bus.dac {
                let name = { (channel: Int) in "MCP4728 V" + FrontEndSettings.channelNames[max(0, min(3, channel))].uppercased() }
                // The front-end's rails, on the channels `soma profile check` holds its netlist to;
                // the netlist is read here only if the profile was loaded without that check.
                if let frontEnd = profile.frontEnd, let netlist = frontEnd.netlistPath,
                    let fe = frontEnd.capabilities ?? (try? FrontEndCapabilities.read(path: netlist))
                {
                    let ceiling = String(format: "%g", fe.railCeiling.volts)
                    func level(_ volts: Double?) -> String { volts.map { "\($0) V" } ?? "unused" }
                    i2c.append(Wire(from: name(dac.inputPulseChannel), signal: "i2c.dac.rail", direction: "out", to: "pulse rail: U16 read selector, then U3 OPA569 buffer, to every layer-0 row switch (\(profile.pulseAmplitudeVolts) V, 0…\(ceiling) V, capped at \(profile.limits.maxAmplitudeVolts) V)"))
                    i2c.append(Wire(from: name(FrontEndSettings.spikeChannel), signal: "frontend.spike_volts", direction: "out", to: "spike rail: OPA569 buffer to the layer-1 row switches (\(level(frontEnd.spikeVolts)))"))
                    i2c.append(Wire(from: name(FrontEndSettings.liftChannel), signal: "frontend.depression_lift_volts", direction: "out", to: "lift rail: OPA569 buffer to every T3 switch (\(level(frontEnd.depressionLiftVolts)))"))
                    i2c.append(Wire(from: name(FrontEndSettings.programGateChannel), signal: "frontend.program_gate_volts", direction: "out", to: "programming-gate level: OPA2197 buffer to every PG selector (\(level(frontEnd.programGateVolts)))"))
                } else {
                    i2c.append(Wire(from: name(dac.inputPulseChannel), signal: "i2c.dac.rail", direction: "out", to: "the input pulse rail: common terminal of every row switch (0…\(dac.fullScaleVolts) V, capped at \(profile.limits.maxAmplitudeVolts) V)"))
                }
                if let load = dac.loadDAC {
                    i2c.append(Wire(from: origin(load), signal: "i2c.dac.ldac", direction: "out", to: "LDAC of the MCP4728"))
                }
            }
        }
        self.i2c = i2c
    }

    /// The breadboard node a signal goes to (DESIGN.md, "The neuron, tick by tick").
    static func node(_ signal: Signal, _ profile: BoardProfile) -> String {
        let network = profile.network
        switch signal {
        case .clock:
            return network.mode == .clockAndMonitor
                ? "CLK: clock input of every neuron's latch chips and the input pulse timing"
                : "CLK: the global clock (a probe point; the latches are computed by Soma in full-logic mode)"
        case .row(let layer, let row):
            if network.inputs == 2 && layer == 0 {
                return "VIN\(row + 1) switch: the pulse rail (or ground) into synapse S\(row + 1) (\(row == 0 ? "10 kΩ" : "40 kΩ") in seed 000 Fig. 3b) to node 1"
            }
            return "row switch \(row) of layer \(layer): the pulse rail onto row \(row) of the synapse array (grounded when off)"
        case .neuron(let layer, let neuron, let line):
            let name = "L\(layer).n\(neuron)"
            switch line {
            case .fire: return "comparator on node 2 of \(name): high when the TS device switches on (fires)"
            case .latch1: return "L1 of \(name): a probe point (Soma computes the latch)"
            case .latch2: return "L2 of \(name): a probe point (Soma computes the latch)"
            case .spike:
                return layer + 1 < network.layers.count
                    ? "G1 of \(name): switch putting the output spike on row \(neuron) of layer \(layer + 1)"
                    : "G1 of \(name): switch putting the output spike on \(name)'s output (probe point)"
            case .inhibition: return "G3 of \(name): lateral inhibition (to a hardware LIA, or a probe point)"
            case .potentiation: return "T1 of \(name): switch from node 1 to virtual ground during the refractory period (potentiates active-input synapses)"
            case .depression: return "T3 of \(name): switch lifting node 1 (depresses the synapses of grounded inputs)"
            case .columnGate: return "LG of \(name): gate line of \(name)'s synapse column (1T1R transistor gates), 1 = the column conducts"
            case .programGate: return "PG of \(name): raises \(name)'s column gates from the read level to the programming level"
            }
        }
    }

    /// Every wire in order: direct lines, chain controls and bits, I2C.
    public var wires: [Wire] { direct + chains.flatMap { $0.controls + $0.bits } + i2c }

    // MARK: Markdown

    public func markdown(profilePath: String) -> String {
        var text = "# Wiring: \(title)\n\n"
        text += "Generated from `\(profilePath)` by `soma profile wiring \(profilePath)`; a test regenerates it, so it always matches the profile. The diagram is the `.svg` of the same name.\n\n"
        if let header {
            text += "Pins are \(header) 40-pin header pins (BCM GPIO numbers in brackets). Logic is 3.3 V: power the 74HC chips from 3V3 (pin 1 or 17) and keep every input to the Pi at or below 3.3 V. GND: pins 6, 9, 14, 20, 25, 30, 34, 39.\n\n"
        }
        func table(_ wires: [Wire]) -> String {
            var table = "| from | signal | dir | to (breadboard) |\n|---|---|---|---|\n"
            for wire in wires { table += "| \(wire.from) | `\(wire.signal)` | \(wire.direction) | \(wire.to) |\n" }
            return table + "\n"
        }
        text += "## Lines from the header\n\n" + table(direct + chains.flatMap(\.controls))
        for chain in chains {
            text += "## \(chain.name): \(chain.chips) × \(chain.part)\n\n"
            text += chain.part == "74HC595"
                ? "Chips are numbered from the one whose SER the Pi drives (#1). Each tick shifts the whole chain, then one RCLK edge moves every output at once.\n\n"
                : "Chips are numbered from the one whose QH the Pi reads (#1). Each tick loads every input at once (SH/LD low), then clocks them out.\n\n"
            text += table(chain.bits)
        }
        if !i2c.isEmpty { text += "## I2C\n\n" + table(i2c) }
        return text
    }

    // MARK: SVG

    /// The diagram: the board on the left, each wire as a line to its breadboard node on the
    /// right; chains as boxes in between, their bits summarised per signal kind.
    public func svg() -> String {
        let f = SVG.number
        let rowHeight = 18.0
        var left: [(String, String, String)] = []  // (from, signal, to)
        for wire in direct { left.append((wire.from, wire.signal, wire.to)) }
        for chain in chains {
            for wire in chain.controls { left.append((wire.from, wire.signal, wire.to)) }
        }
        for wire in i2c { left.append((wire.from, wire.signal, wire.to)) }
        var chainRows: [(String, String)] = []  // (box line, summary)
        for chain in chains {
            chainRows.append(("\(chain.chips) × \(chain.part) \"\(chain.name)\"", "\(chain.bits.count) signals"))
            var kinds: [String: [String]] = [:]
            var order: [String] = []
            for bit in chain.bits {
                let kind = bit.signal.split(separator: ".").last.map(String.init) ?? bit.signal
                let key = kind.hasPrefix("row") ? "rows" : kind
                if kinds[key] == nil { order.append(key) }
                kinds[key, default: []].append(bit.signal)
            }
            for key in order {
                let signals = kinds[key]!
                chainRows.append(("  \(key)", signals.count == 1 ? signals[0] : "\(signals.first!) … \(signals.last!) (\(signals.count))"))
            }
        }
        let width = 1250.0
        let top = 60.0
        let height = top + rowHeight * Double(left.count + chainRows.count + 3) + 40
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="20" y="26" font-size="16">\(SVG.escape("Wiring: " + title))</text>
            <text x="20" y="44" fill="#555">\(SVG.escape(header.map { "\($0) header pins on the left, breadboard nodes on the right" } ?? "board lines on the left, breadboard nodes on the right"))</text>

            """
        let boardRight = 230.0, nodeLeft = 470.0
        svg += "<rect class=\"board\" x=\"10\" y=\"\(f(top))\" width=\"\(f(boardRight - 10))\" height=\"\(f(rowHeight * Double(left.count) + 10))\" fill=\"#e8f4e8\" stroke=\"#2a7a2a\"/>\n"
        for (index, row) in left.enumerated() {
            let y = top + 18 + rowHeight * Double(index)
            svg += "<text class=\"pin\" x=\"18\" y=\"\(f(y))\">\(SVG.escape(row.0))</text>\n"
            svg += "<text x=\"\(f(boardRight - 6))\" y=\"\(f(y))\" text-anchor=\"end\" fill=\"#2a7a2a\">\(SVG.escape(row.1))</text>\n"
            svg += "<line class=\"wire\" x1=\"\(f(boardRight))\" y1=\"\(f(y - 4))\" x2=\"\(f(nodeLeft - 6))\" y2=\"\(f(y - 4))\" stroke=\"#888\"/>\n"
            svg += "<text class=\"node\" x=\"\(f(nodeLeft))\" y=\"\(f(y))\">\(SVG.escape(row.2))</text>\n"
        }
        var y = top + rowHeight * Double(left.count) + 40
        for row in chainRows {
            let indented = row.0.hasPrefix("  ")
            if !indented {
                svg += "<rect class=\"chain\" x=\"\(f(boardRight + 20))\" y=\"\(f(y - 13))\" width=\"\(f(nodeLeft - boardRight - 40))\" height=\"16\" fill=\"#eef\" stroke=\"#447\"/>\n"
            }
            svg += "<text x=\"\(f(indented ? boardRight + 40 : boardRight + 26))\" y=\"\(f(y))\">\(SVG.escape(row.0.trimmingCharacters(in: .whitespaces)))</text>\n"
            svg += "<text class=\"node\" x=\"\(f(nodeLeft))\" y=\"\(f(y))\">\(SVG.escape(row.1))</text>\n"
            y += rowHeight
        }
        svg += "</svg>\n"
        return svg
    }
}
