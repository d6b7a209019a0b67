import Foundation
import SomaLinux
import Testing

/// A 74HC595 chain played from the real lines: after every write the observer reads SER, SRCLK
/// and RCLK back from gpio-sim's sysfs and clocks a model of the chips on their edges.
struct ShiftRegister595Model: LineObserver {
    let sim: GPIOSimulator
    let chip: String
    let data: UInt32, clock: UInt32, latch: UInt32
    var register: [Bool]
    var outputs: [Bool]
    var lastClock = false, lastLatch = false
    var writes = 0

    init(sim: GPIOSimulator, chip: String, data: UInt32, clock: UInt32, latch: UInt32, bits: Int) {
        self.sim = sim
        self.chip = chip
        self.data = data
        self.clock = clock
        self.latch = latch
        register = Array(repeating: false, count: bits)
        outputs = register
    }

    mutating func linesWritten() {
        writes += 1
        guard let levels = try? sim.levels(chip, [data, clock, latch]) else { return }
        if levels[1] && !lastClock { register = [levels[0]] + register.dropLast() }  // QA ← SER
        if levels[2] && !lastLatch { outputs = register }
        lastClock = levels[1]
        lastLatch = levels[2]
    }
}

/// A 74HC165 chain played on the real lines: SH/LD low loads `inputs`; each CLK rising edge shifts;
/// QH is presented to the reader through the input line's pull.
struct ShiftRegister165Model: LineObserver {
    let sim: GPIOSimulator
    let chip: String
    let load: UInt32, clock: UInt32, data: UInt32
    let inputs: [Bool]
    var register: [Bool] = []
    var lastClock = false

    mutating func linesWritten() {
        guard let levels = try? sim.levels(chip, [load, clock]) else { return }
        if !levels[0] {
            register = inputs
        } else if levels[1] && !lastClock, !register.isEmpty {
            register.removeFirst()
            register.append(false)
        }
        lastClock = levels[1]
        try? sim.pull(chip, data, up: register.first ?? false)
    }
}

@Suite("Shift registers on gpio-sim", .serialized, .enabled(if: GPIOSimulator.isAvailable, "runs inside the test VM: make test-hil"))
struct ShiftRegisterTests {
    let sim: GPIOSimulator
    init() throws { sim = try GPIOSimulator() }

    @Test("74HC595: frames shifted on real lines decode to the intended outputs, all changing at the latch pulse")
    func shiftOut() throws {
        let chip = try GPIOChip(sim.secondary)
        // SER, SRCLK, RCLK and one plain line on the same request.
        let request = try chip.requestOutputs([8, 9, 10, 11], initial: [false, false, false, false])
        let chain = ShiftOutChain(bitCount: 16, dataIndex: 0, clockIndex: 1, latchIndex: 2)
        var model = ShiftRegister595Model(sim: sim, chip: sim.secondary, data: 8, clock: 9, latch: 10, bits: 16)
        let levels = UnsafeMutablePointer<Int32>.allocate(capacity: 4)
        levels.initialize(repeating: 0, count: 4)
        defer { levels.deallocate() }
        var generator = SystemRandomNumberGenerator()
        for frame in [Array(repeating: true, count: 16), (0..<16).map { $0 % 3 == 0 }, (0..<16).map { _ in Bool.random(using: &generator) }] {
            let before = model.outputs
            let status = frame.withUnsafeBufferPointer { chain.shift($0, levels: levels, through: request, observer: &model) }
            #expect(status == 0)
            #expect(model.outputs == before, "nothing moves before the latch")
            levels[2] = 1
            #expect(request.set(levels) == 0)
            model.linesWritten()
            levels[2] = 0
            #expect(request.set(levels) == 0)
            model.linesWritten()
            #expect(model.outputs == frame)
        }
        #expect(model.writes == 3 * (2 * 16 + 2))
    }

    @Test("74HC165: every parallel input is read back in order through one data line")
    func shiftIn() throws {
        let chip = try GPIOChip(sim.secondary)
        let controls = try chip.requestOutputs([12, 13], initial: [true, false])  // SH/LD idle high, CLK low
        try sim.pull(sim.secondary, 14, up: false)
        let data = try chip.requestInputs([14], edges: false)
        let chain = ShiftInChain(bitCount: 8, loadIndex: 0, clockIndex: 1, dataIndex: 0)
        let inputs = [true, false, true, true, false, false, true, false]
        var model = ShiftRegister165Model(sim: sim, chip: sim.secondary, load: 12, clock: 13, data: 14, inputs: inputs)
        let outputLevels = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
        outputLevels.initialize(from: [1, 0], count: 2)
        let inputLevels = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        let bits = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 8)
        defer { outputLevels.deallocate(); inputLevels.deallocate(); bits.deallocate() }
        let status = chain.read(into: bits, outputLevels: outputLevels, through: controls, inputLevels: inputLevels, from: data, observer: &model)
        #expect(status == 0)
        #expect(Array(bits) == inputs)
    }

    @Test("the 30 × 10 profile starts: chains idle, DAC rail at the pulse amplitude, ADC sampling")
    func layerProfile() throws {
        let profile = try shippedProfile("gpio-sim-shift-registers.toml")
        let board = try LinuxBoard(profile: profile)
        // SER, SRCLK, RCLK low; SH/LD high, CLK low (aux:0…4).
        #expect(try sim.levels(sim.secondary, [0, 1, 2, 3, 4]) == [false, false, false, true, false])
        // MCP4728 channel A at 1.6 V on a 5 V supply reference: code 1311 = 0x51F.
        let dac = try I2CDevice(bus: try I2CStub().bus, address: 0x60)
        #expect(try dac.readBlock(command: 0x05, count: 1) == [0x1F])
        #expect(board.adcSampler != nil)
        #expect(board.driveSafeState() == nil)
    }
}
