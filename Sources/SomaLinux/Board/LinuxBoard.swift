import SomaBoardProfile
import SomaCore
#if canImport(Glibc)
import Glibc
#endif

/// Why a board could not start. Thrown before any output has changed from its safe level.
public enum LinuxBoardError: Error, CustomStringConvertible {
    case gpio(GPIOError, signals: [String])
    case lineBeyondChip(chip: String, line: UInt32, lineCount: Int, signal: String)
    case adc(ADS1x15Error)
    case dac(MCP4728.Failure)
    case sampler(SystemCallError)

    public var description: String {
        switch self {
        case .gpio(let error, let signals):
            signals.isEmpty ? error.description : "\(error.description) (signals \(signals.joined(separator: ", ")))"
        case .lineBeyondChip(let chip, let line, let count, let signal):
            "\(signal): line \(line) does not exist on \(chip), which has lines 0…\(count - 1)"
        case .adc(let error): "ADC: \(error)"
        case .dac(let error): "DAC: \(error)"
        case .sampler(let error): "ADC sampler: \(error)"
        }
    }
}

/// Board fault codes beyond errno values, reported through `BoardFault.code`.
public enum LinuxBoardFault {
    /// The ADC's latest sample is older than the profile's `max_age_us`: fire sense not trusted.
    public static let staleSample: UInt32 = 0x1_0001
    /// A row stayed on longer than `limits.max_pulse_width_us`; the output stage cut it.
    public static let pulseWidthLimit: UInt32 = 0x1_0002
    /// A read-out tick asked for a read voltage on rows this board has no read-level supply for:
    /// the rows were held low instead of pulsing at the pattern amplitude.
    public static let noReadSupply: UInt32 = 0x1_0003

    /// A fault in words: the errno's text for I/O failures, what the codes above mean.
    public static func describe(_ fault: BoardFault) -> String {
        switch fault.code {
        case staleSample: return "the ADC's latest sample is older than max_age_us (I2C transfers failing?): fire sense not trusted"
        case pulseWidthLimit: return "a row stayed on longer than limits.max_pulse_width_us: the output stage cut it"
        case noReadSupply: return "a read-out asked for a read voltage this board cannot put on its rows (no column-current read-out in its profile): the rows were held low"
        default:
            let text = fault.code < 4096 ? String(cString: strerror(Int32(fault.code))) : "board fault code \(fault.code)"
            return "\(fault.kind): \(text) (errno \(fault.code))"
        }
    }
}

/// The real board: the neuron core's lines on GPIO (libgpiod), 74HC595/74HC165 chains and an
/// ADS1x15/MCP4728 on I2C, as a board profile wires them.
///
/// Every chip's outputs are one request and change in one ioctl per tick (after the chains have
/// been shifted, in the same write as their latch pulse); every chip's inputs are one request
/// read in one ioctl. Fire-sense lines on GPIO also report edges, so a fire shorter than a tick
/// is not missed. `sense` and `drive` allocate nothing. Lines are held until the board is released.
public final class LinuxBoard: Board {
    enum Output { case gpio(chip: Int, index: Int), chain(Int, bit: Int) }
    enum Input { case gpio(chip: Int, index: Int), chain(Int, bit: Int), adc }

    /// One chip's lines: one output request, one input request, their level arrays.
    final class ChipLines {
        let chip: GPIOChip
        var outputOffsets: [UInt32] = [], outputSignals: [String] = [], safeLevels: [Int32] = []
        var inputOffsets: [UInt32] = [], inputSignals: [String] = [], inputEdges = false
        var outputs: GPIOLineRequest?, inputs: GPIOLineRequest?
        /// What the lines are at now (as last written) and what this tick wants them at.
        var outputLevels = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        var pendingLevels = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        var inputLevels = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        /// Inputs that saw a rising edge since the last sense.
        var rose = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
        init(chip: GPIOChip) { self.chip = chip }
        deinit {
            outputLevels.deallocate()
            pendingLevels.deallocate()
            inputLevels.deallocate()
            rose.deallocate()
        }
    }

    struct OutChain { var chain: ShiftOutChain; var chip: Int; var bits: UnsafeMutableBufferPointer<Bool>; var safe: UnsafeMutableBufferPointer<Bool> }
    struct InChain { var chain: ShiftInChain; var controlChip: Int; var dataChip: Int; var bits: UnsafeMutableBufferPointer<Bool> }

    public let profile: BoardProfile
    let chips: [ChipLines]
    let outChains: [OutChain]
    let inChains: [InChain]
    let clock: Output?
    /// The front-end's enable line (`[frontend] enable`): requested at its off level, driven on with
    /// the first frame of every run of ticks, off again in the safe state.
    let enable: Output?
    let enableOnLevel: Bool
    let rows: [Output?]
    /// Per neuron, per `NeuronLine` (in `allCases` order).
    let neuronOutputs: [Output?]
    let neuronInputs: [Input?]
    let edges = UnsafeMutableBufferPointer<GPIOEdge>.allocate(capacity: 64)
    /// Consecutive on-ticks per row, for the pulse-width limit at the output stage.
    let rowOnTicks: UnsafeMutableBufferPointer<Int>
    let maxRowOnTicks: Int
    public let adcSampler: ADCSampler?
    let fireThresholdCode: Int16
    let maxSampleAgeMicroseconds: UInt64
    let usesADCFire: Bool
    var observer = NoLineObserver()
    /// Rows the output stage cut because they exceeded the width limit (diagnostics).
    public private(set) var pulseWidthCuts: UInt64 = 0

    static let lineKinds = NeuronLine.allCases
    /// Per line kind (in `lineKinds` order), the core's signal it carries; empty for `fire`.
    /// Worked out once here so the tick only tests bits.
    let lineSignals: [NeuronSignals]

    /// Opens every chip, requests every line (outputs start at their safe levels), starts the ADC
    /// sampler and sets the DAC rail. Throws, naming the chip/line/address and the errno, before
    /// any output leaves its safe level; whatever was requested is released again.
    public init(profile: BoardProfile) throws(LinuxBoardError) {
        self.profile = profile
        let network = profile.network
        let layouts = network.layerLayouts
        var chipIndex: [String: Int] = [:]
        var chips: [ChipLines] = []
        func chip(_ alias: String) throws(LinuxBoardError) -> Int {
            if let index = chipIndex[alias] { return index }
            let path = profile.chips[alias] ?? alias
            do {
                chips.append(ChipLines(chip: try GPIOChip(path)))
            } catch {
                throw .gpio(error, signals: [])
            }
            chipIndex[alias] = chips.count - 1
            return chips.count - 1
        }
        /// The chip of a GPIO address, checked to have the line; nil for other addresses.
        func place(_ address: LineAddress, _ name: String) throws(LinuxBoardError) -> (index: Int, lines: ChipLines, offset: UInt32)? {
            guard case .gpio(let alias, let offset) = address else { return nil }
            let index = try chip(alias)
            let lines = chips[index]
            guard Int(offset) < lines.chip.lineCount else {
                throw .lineBeyondChip(chip: lines.chip.path, line: offset, lineCount: lines.chip.lineCount, signal: name)
            }
            return (index, lines, offset)
        }
        func addOutput(_ address: LineAddress, _ name: String, safe: Bool) throws(LinuxBoardError) -> Output? {
            guard let (index, lines, offset) = try place(address, name) else { return nil }
            lines.outputOffsets.append(offset)
            lines.outputSignals.append(name)
            lines.safeLevels.append(safe ? 1 : 0)
            return .gpio(chip: index, index: lines.outputOffsets.count - 1)
        }
        func addInput(_ address: LineAddress, _ name: String, edges: Bool) throws(LinuxBoardError) -> Input? {
            guard let (index, lines, offset) = try place(address, name) else { return nil }
            lines.inputOffsets.append(offset)
            lines.inputSignals.append(name)
            lines.inputEdges = lines.inputEdges || edges
            return .gpio(chip: index, index: lines.inputOffsets.count - 1)
        }

        // Chains first: their control lines join their chip's requests.
        var outChains: [OutChain] = []
        var chainIndex: [String: Int] = [:]
        for chain in profile.shiftOutChains {
            guard case .gpio(let chipAlias, _) = chain.data,
                  case .gpio(_, let dataIndex)? = try addOutput(chain.data, "\(chain.name).data", safe: false),
                  case .gpio(_, let clockIndex)? = try addOutput(chain.clock, "\(chain.name).shift_clock", safe: false),
                  case .gpio(_, let latchIndex)? = try addOutput(chain.latch, "\(chain.name).latch_clock", safe: false)
            else { continue }
            let bits = UnsafeMutableBufferPointer<Bool>.allocate(capacity: chain.bitCount)
            bits.initialize(repeating: false)
            let safe = UnsafeMutableBufferPointer<Bool>.allocate(capacity: chain.bitCount)
            safe.initialize(repeating: false)
            chainIndex[chain.name] = outChains.count
            outChains.append(OutChain(
                chain: ShiftOutChain(bitCount: chain.bitCount, dataIndex: dataIndex, clockIndex: clockIndex, latchIndex: latchIndex),
                chip: chipIndex[chipAlias]!, bits: bits, safe: safe))
        }
        var inChains: [InChain] = []
        for chain in profile.shiftInChains {
            // SH/LD idles high (shift mode), CLK low.
            guard case .gpio(let control, let loadIndex)? = try addOutput(chain.latch, "\(chain.name).load", safe: true),
                  case .gpio(_, let clockIndex)? = try addOutput(chain.clock, "\(chain.name).clock", safe: false),
                  case .gpio(let dataChip, let dataIndex)? = try addInput(chain.data, "\(chain.name).data", edges: false)
            else { continue }
            let bits = UnsafeMutableBufferPointer<Bool>.allocate(capacity: chain.bitCount)
            bits.initialize(repeating: false)
            chainIndex[chain.name] = inChains.count
            inChains.append(InChain(
                chain: ShiftInChain(bitCount: chain.bitCount, loadIndex: loadIndex, clockIndex: clockIndex, dataIndex: dataIndex),
                controlChip: control, dataChip: dataChip, bits: bits))
        }

        // Signals.
        func output(_ signal: Signal) throws(LinuxBoardError) -> Output? {
            guard let address = profile.lines[signal] else { return nil }
            let safe = profile.safeHigh.contains(signal)
            if case .shift(let name, let bit) = address, let index = chainIndex[name] {
                outChains[index].safe[bit] = safe
                return .chain(index, bit: bit)
            }
            return try addOutput(address, signal.description, safe: safe)
        }
        func input(_ signal: Signal, edges: Bool) throws(LinuxBoardError) -> Input? {
            guard let address = profile.lines[signal] else { return nil }
            switch address {
            case .adc: return .adc
            case .shift(let name, let bit): return chainIndex[name].map { .chain($0, bit: bit) }
            case .gpio: return try addInput(address, signal.description, edges: edges)
            }
        }
        clock = try output(.clock)
        // Held off (outputs high-impedance) from the request on; `drive` turns it on in the same
        // write that latches the first frame, so the outputs leave high-impedance at a known state.
        if let frontEnd = profile.frontEnd, let address = frontEnd.enable {
            enable = try addOutput(address, "enable", safe: frontEnd.enableActiveLow)
            enableOnLevel = !frontEnd.enableActiveLow
        } else {
            enable = nil
            enableOnLevel = true
        }
        var rows: [Output?] = []
        for (layer, layout) in layouts.enumerated() {
            for row in 0..<layout.rows { rows.append(try output(.row(layer: layer, row: row))) }
        }
        var neuronOutputs: [Output?] = [], neuronInputs: [Input?] = []
        for (layer, layout) in layouts.enumerated() {
            for neuron in 0..<layout.neurons {
                for kind in Self.lineKinds {
                    let signal = Signal.neuron(layer: layer, neuron: neuron, line: kind)
                    if signal.isOutput(in: network.mode) {
                        neuronOutputs.append(try output(signal))
                        neuronInputs.append(nil)
                    } else {
                        neuronOutputs.append(nil)
                        neuronInputs.append(try input(signal, edges: kind == .fire))
                    }
                }
            }
        }
        self.rows = rows
        self.lineSignals = Self.lineKinds.map { $0.signal ?? NeuronSignals(rawValue: 0) }
        self.neuronOutputs = neuronOutputs
        self.neuronInputs = neuronInputs
        self.usesADCFire = neuronInputs.contains { if case .adc? = $0 { true } else { false } }
        self.outChains = outChains
        self.inChains = inChains

        // Requests: every chip's outputs at their safe levels, then its inputs.
        for lines in chips {
            if !lines.outputOffsets.isEmpty {
                do {
                    lines.outputs = try lines.chip.requestOutputs(lines.outputOffsets, initial: lines.safeLevels.map { $0 != 0 }, consumer: profile.consumer)
                } catch {
                    throw .gpio(error, signals: error.lines.compactMap { line in lines.outputOffsets.firstIndex(of: line).map { lines.outputSignals[$0] } })
                }
                lines.outputLevels.deallocate()
                lines.outputLevels = .allocate(capacity: lines.outputOffsets.count)
                lines.outputLevels.initialize(from: lines.safeLevels, count: lines.safeLevels.count)
                lines.pendingLevels.deallocate()
                lines.pendingLevels = .allocate(capacity: lines.outputOffsets.count)
                lines.pendingLevels.initialize(from: lines.safeLevels, count: lines.safeLevels.count)
            }
            if !lines.inputOffsets.isEmpty {
                do {
                    lines.inputs = try lines.chip.requestInputs(lines.inputOffsets, edges: lines.inputEdges, consumer: profile.consumer)
                } catch {
                    throw .gpio(error, signals: error.lines.compactMap { line in lines.inputOffsets.firstIndex(of: line).map { lines.inputSignals[$0] } })
                }
                lines.inputLevels.deallocate()
                lines.inputLevels = .allocate(capacity: lines.inputOffsets.count)
                lines.inputLevels.initialize(repeating: 0, count: lines.inputOffsets.count)
                lines.rose.deallocate()
                lines.rose = .allocate(capacity: lines.inputOffsets.count)
                lines.rose.initialize(repeating: false, count: lines.inputOffsets.count)
            }
        }
        self.chips = chips

        // Output-stage limit: a row may stay on at most max_pulse_width_us.
        let tickMicroseconds = Double(network.clock.tickNanoseconds) / 1000
        maxRowOnTicks = max(1, Int((profile.limits.maxPulseWidthMicroseconds / tickMicroseconds).rounded(.down)))
        rowOnTicks = .allocate(capacity: max(1, rows.count))
        rowOnTicks.initialize(repeating: 0)

        // I2C: the DAC rail (checked against the limit and the DAC's range), then the ADC sampler.
        if let i2c = profile.i2c, let dacSettings = i2c.dac {
            let reference: MCP4728.Reference =
                dacSettings.reference == "supply" ? .supply(volts: dacSettings.fullScaleVolts)
                : .internalReference(gainTwo: dacSettings.reference == "internal-x2")
            do {
                let dac = try MCP4728(bus: i2c.bus, address: dacSettings.address, reference: reference)
                // The pulse rail, and with a front-end its spike, lift and programming-gate rails.
                let pulse = min(profile.pulseAmplitudeVolts, profile.limits.maxAmplitudeVolts)
                try dac.set(volts: (profile.frontEnd ?? FrontEndSettings()).dacVolts(pulseVolts: pulse, pulseChannel: dacSettings.inputPulseChannel))
            } catch {
                throw .dac(error)
            }
        }
        var fireThresholdCode: Int16 = .max
        var maxAge: UInt64 = 5_000
        if let i2c = profile.i2c, let settings = i2c.adc {
            let model = settings.model
            let input = settings.input
            let gain = ADS1x15Gain(fullScaleVolts: settings.fullScaleVolts) ?? .fullScale4_096
            let adc: ADS1x15
            do {
                adc = try ADS1x15(model: model, bus: i2c.bus, address: settings.address, configuration: .init(
                    input: input, gain: gain, mode: .continuous, samplesPerSecond: settings.samplesPerSecond,
                    dataReadyPin: settings.dataReady != nil))
            } catch {
                throw .adc(error)
            }
            // ALERT/RDY gets a request of its own (the sampler thread waits on it), on the chip
            // the board already opened.
            var ready: GPIOLineRequest?
            if let address = settings.dataReady, let (_, lines, offset) = try place(address, "ADC ALERT/RDY") {
                do {
                    ready = try lines.chip.requestInputs([offset], edges: true, consumer: profile.consumer)
                } catch {
                    throw .gpio(error, signals: ["ADC ALERT/RDY"])
                }
            }
            let sampler = ADCSampler(adc: adc, dataReady: ready)
            do { try sampler.start() } catch { throw .sampler(error) }
            adcSampler = sampler
            if let threshold = settings.fireThresholdVolts {
                let full = Double(1 << (model.bits - 1))
                fireThresholdCode = Int16(clamping: Int((threshold / gain.rawValue * full).rounded(.up)))
            }
            maxAge = UInt64(max(1, settings.maxAgeMicroseconds))
        } else {
            adcSampler = nil
        }
        self.fireThresholdCode = fireThresholdCode
        self.maxSampleAgeMicroseconds = maxAge
    }

    deinit {
        // Whatever ends the board's life (a thrown error after start included) leaves the outputs
        // in the safe state before the lines are released.
        driveSafeState()
        adcSampler?.stop()
        for chain in outChains {
            chain.bits.deallocate()
            chain.safe.deallocate()
        }
        for chain in inChains { chain.bits.deallocate() }
        edges.deallocate()
        rowOnTicks.deallocate()
    }

    // MARK: - Board

    public func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? {
        var fault: BoardFault?
        // Index loops, not for-in: a debug build's unspecialized iterator allocates its coroutine frame.
        var chainIndex = 0
        while chainIndex < inChains.count {
            let chain = inChains[chainIndex]
            chainIndex += 1
            guard let outputs = chips[chain.controlChip].outputs, let inputs = chips[chain.dataChip].inputs else { continue }
            let status = chain.chain.read(
                into: chain.bits, outputLevels: chips[chain.controlChip].outputLevels, through: outputs,
                inputLevels: chips[chain.dataChip].inputLevels, from: inputs, observer: &observer)
            if status != 0 { fault = BoardFault(code: UInt32(status)) }
        }
        var chipIndex = 0
        while chipIndex < chips.count {
            let lines = chips[chipIndex]
            chipIndex += 1
            guard let inputs = lines.inputs else { continue }
            let status = inputs.get(lines.inputLevels)
            if status != 0 { fault = BoardFault(code: UInt32(status)) }
            guard lines.inputEdges else { continue }
            // Rising edges since the last tick: a fire shorter than a tick still counts.
            while true {
                let read = inputs.readEdges(into: edges)
                if read <= 0 { break }
                var edgeIndex = 0
                while edgeIndex < read {
                    let edge = edges[edgeIndex]
                    edgeIndex += 1
                    guard edge.isRising else { continue }
                    var index = 0
                    while index < lines.inputOffsets.count {
                        if lines.inputOffsets[index] == edge.offset { lines.rose[index] = true }
                        index += 1
                    }
                }
                if read < edges.count { break }
            }
        }
        var adcFires = false
        if usesADCFire, let sampler = adcSampler {
            let sample = sampler.slot.latest()
            if sample.sequence == 0 || sample.ageMicroseconds(nowMicroseconds: monotonicMicroseconds()) > maxSampleAgeMicroseconds {
                // An I/O failure on the lines matters more: it is the one reported.
                if case .none = fault { fault = BoardFault(code: LinuxBoardFault.staleSample, kind: .untrustedSense) }
            } else {
                adcFires = sample.code >= fireThresholdCode
            }
        }
        let kinds = Self.lineKinds.count
        var neuron = 0
        while neuron < lines.fireSense.count {
            // Not `[]`: an array literal allocates in debug builds.
            var monitored = NeuronSignals(rawValue: 0)
            var kind = 0
            while kind < kinds {
                if let source = neuronInputs[neuron * kinds + kind] {
                    let level: Bool
                    switch source {
                    case .gpio(let chip, let index):
                        level = chips[chip].inputLevels[index] != 0 || chips[chip].rose[index]
                        chips[chip].rose[index] = false
                    case .chain(let chain, let bit): level = inChains[chain].bits[bit]
                    case .adc: level = adcFires
                    }
                    if kind == 0 {
                        lines.fireSense[neuron] = level
                    } else if level {
                        monitored.insert(lineSignals[kind])
                    }
                }
                kind += 1
            }
            if case .clockAndMonitor = lines.mode { lines.monitored[neuron] = monitored }
            neuron += 1
        }
        return fault
    }

    @inline(__always)
    func set(_ target: Output?, _ level: Bool) {
        switch target {
        case .gpio(let chip, let index)?: chips[chip].pendingLevels[index] = level ? 1 : 0
        case .chain(let chain, let bit)?: outChains[chain].bits[bit] = level
        case nil: break
        }
    }

    public func drive(_ lines: DrivenLines) -> BoardFault? {
        var fault: BoardFault?
        // `if case`, not `==`: a cross-module enum comparison can allocate in debug builds.
        if case .high = lines.clock { set(clock, true) } else { set(clock, false) }
        // A read tick wants its rows at a read voltage, not at the pattern amplitude this board's
        // rows carry: hold them low rather than pulse them at the wrong voltage.
        var reading = false
        if case .some = lines.readVolts { reading = true }
        var row = 0
        while row < rows.count {
            var on = lines.rows[row]
            if on && reading {
                on = false
                fault = BoardFault(code: LinuxBoardFault.noReadSupply, kind: .limitEnforced)
            }
            if on {
                rowOnTicks[row] += 1
                if rowOnTicks[row] > maxRowOnTicks {
                    on = false
                    pulseWidthCuts += 1
                    fault = BoardFault(code: LinuxBoardFault.pulseWidthLimit, kind: .limitEnforced)
                }
            } else {
                rowOnTicks[row] = 0
            }
            set(rows[row], on)
            row += 1
        }
        let kinds = Self.lineKinds.count
        var neuron = 0
        while neuron < lines.neurons.count {
            let signals = lines.neurons[neuron]
            var kind = 1
            while kind < kinds {
                if let target = neuronOutputs[neuron * kinds + kind] {
                    set(target, signals.contains(lineSignals[kind]))
                }
                kind += 1
            }
            neuron += 1
        }
        set(enable, enableOnLevel)
        if let status = apply() { fault = BoardFault(code: UInt32(status)) }
        return fault
    }

    /// Shifts every chain (plain lines held at their previous levels), then writes every chip's
    /// pending levels in one ioctl — on a chip that carries a chain, the same write raises its
    /// latch clock, so plain lines and chain outputs change together. Returns the first errno.
    func apply() -> Int32? {
        var failure: Int32?
        var chainIndex = 0
        while chainIndex < outChains.count {
            let chain = outChains[chainIndex]
            chainIndex += 1
            guard let request = chips[chain.chip].outputs else { continue }
            let status = chain.chain.shift(UnsafeBufferPointer(chain.bits), levels: chips[chain.chip].outputLevels, through: request, observer: &observer)
            if status != 0 { failure = failure ?? status }
        }
        var index = 0
        while index < chips.count {
            let lines = chips[index]
            index += 1
            guard let request = lines.outputs else { continue }
            lines.outputLevels.update(from: lines.pendingLevels, count: lines.outputOffsets.count)
            // Rising latch clocks of every chain on this chip, in the same write as the plain lines.
            var chained = false
            chainIndex = 0
            while chainIndex < outChains.count {
                if outChains[chainIndex].chip == index - 1 {
                    lines.outputLevels[outChains[chainIndex].chain.latchIndex] = 1
                    chained = true
                }
                chainIndex += 1
            }
            var status = request.set(lines.outputLevels)
            observer.linesWritten()
            if chained {
                chainIndex = 0
                while chainIndex < outChains.count {
                    if outChains[chainIndex].chip == index - 1 { lines.outputLevels[outChains[chainIndex].chain.latchIndex] = 0 }
                    chainIndex += 1
                }
                if status == 0 { status = request.set(lines.outputLevels) }
                observer.linesWritten()
            }
            if status != 0 { failure = failure ?? status }
        }
        return failure
    }

    /// Drives every output to the profile's safe state: clock low, no pulses, every gate at its
    /// `safe_state` level (0 unless listed in `high`), chains shifted to the same and latched, and
    /// the front-end's enable line off (its outputs high-impedance, every switch at its pull-down).
    /// Returns the first errno, after trying every line.
    @discardableResult
    public func driveSafeState() -> Int32? {
        for lines in chips where lines.outputs != nil {
            for index in lines.safeLevels.indices { lines.pendingLevels[index] = lines.safeLevels[index] }
        }
        for chain in outChains {
            for bit in 0..<chain.chain.bitCount { chain.bits[bit] = chain.safe[bit] }
        }
        for row in 0..<rowOnTicks.count { rowOnTicks[row] = 0 }
        return apply()
    }
}
