import Foundation
import SomaBoardProfile
import SomaLinux
import Testing

/// The i2c-stub adapter of the test VM: SMBus register files at the addresses vm.sh gives it.
struct I2CStub {
    let bus: Int
    init() throws {
        guard let bus = ProcessInfo.processInfo.environment["SOMA_HIL_I2C_BUS"].flatMap(Int.init) else {
            throw HILError("not inside the test VM: SOMA_HIL_I2C_BUS is unset")
        }
        self.bus = bus
    }
    /// The chip's side of the bus: what a test writes here is what the chip "measured".
    func chip(_ address: UInt8) throws -> I2CDevice { try I2CDevice(bus: bus, address: address) }
}

@Suite("I2C chips on i2c-stub", .enabled(if: GPIOSimulator.isAvailable, "runs inside the test VM: make test-hil"))
struct I2CTests {
    let stub: I2CStub
    init() throws { stub = try I2CStub() }

    @Test("ADS1115: the config register is written as the datasheet says, most significant byte first")
    func ads1115Configuration() throws {
        let configuration = ADS1x15Configuration(
            input: .single(2), gain: .fullScale2_048, mode: .continuous, samplesPerSecond: 128, dataReadyPin: true)
        _ = try ADS1x15(model: .ads1115, bus: stub.bus, address: 0x48, configuration: configuration)
        let chip = try stub.chip(0x48)
        // OS=1, MUX=110 (AIN2), PGA=010 (±2.048 V), MODE=0, DR=100 (128 SPS), COMP_QUE=00.
        #expect(try chip.readBigEndianWord(register: 0x01) == 0b1_110_010_0_100_0_0_0_00)
        // The first byte on the wire is the most significant one.
        #expect(try chip.readByte(register: 0x01) == 0b1110_0100)
        // Conversion-ready on ALERT/RDY: Hi_thresh MSB 1, Lo_thresh MSB 0.
        #expect(try chip.readBigEndianWord(register: 0x03) == 0x8000)
        #expect(try chip.readBigEndianWord(register: 0x02) == 0x0000)
    }

    @Test("ADS1115 and ADS1015: conversions read with the right sign, byte order and resolution")
    func conversions() throws {
        let ads1115 = try ADS1x15(
            model: .ads1115, bus: stub.bus, address: 0x48,
            configuration: .init(input: .differential(0, 1), gain: .fullScale2_048, samplesPerSecond: 860))
        let chip1115 = try stub.chip(0x48)
        for (register, code) in [(0xFF38 as UInt16, -200 as Int16), (0x7FFF, 32767), (0x8000, -32768), (0x0001, 1)] {
            try chip1115.writeBigEndianWord(register: 0x00, register)
            #expect(try ads1115.readCode() == code)
        }
        try chip1115.writeBigEndianWord(register: 0x00, 0x4000)
        #expect(abs(try ads1115.readVolts() - 1.024) < 1e-12)

        let ads1015 = try ADS1x15(
            model: .ads1015, bus: stub.bus, address: 0x49,
            configuration: .init(input: .single(0), gain: .fullScale4_096, samplesPerSecond: 1600, dataReadyPin: false))
        let chip1015 = try stub.chip(0x49)
        // 12-bit results, left-justified: the low nibble is not part of the code.
        for (register, code) in [(0x7FF0 as UInt16, 2047 as Int16), (0x8000, -2048), (0x001F, 1), (0xFFF0, -1)] {
            try chip1015.writeBigEndianWord(register: 0x00, register)
            #expect(try ads1015.readCode() == code)
        }
        #expect(abs(ads1015.volts(code: 1024) - 2.048) < 1e-12)
        // COMP_QUE=11: the ALERT/RDY pin is off when not wired.
        #expect(try chip1015.readBigEndianWord(register: 0x01) & 0b11 == 0b11)
    }

    @Test("ADS1115 single-shot: each start writes OS=1 with MODE=1")
    func singleShot() throws {
        let adc = try ADS1x15(
            model: .ads1115, bus: stub.bus, address: 0x48,
            configuration: .init(input: .single(3), gain: .fullScale4_096, mode: .singleShot, samplesPerSecond: 8, dataReadyPin: false))
        let chip = try stub.chip(0x48)
        #expect(try chip.readBigEndianWord(register: 0x01) & 0x8000 == 0)
        try adc.startConversion()
        #expect(try chip.readBigEndianWord(register: 0x01) == 0b1_111_001_1_000_0_0_0_11)
        #expect(try adc.isIdle())
    }

    @Test("MCP4728: one Fast Write carries all four channels; a code beyond 12 bits writes nothing")
    func dacFastWrite() throws {
        let dac = try MCP4728(bus: stub.bus, address: 0x60, reference: .supply(volts: 5.0))
        try dac.set(codes: [0x123, 0xABC, 0x000, 0xFFF])
        let chip = try stub.chip(0x60)
        // i2c-stub stores the bytes after the first (0x01: PD=00, A's D11..D8) from register 0x01 on.
        #expect(try chip.readBlock(command: 0x01, count: 7) == [0x23, 0x0A, 0xBC, 0x00, 0x00, 0x0F, 0xFF])
        #expect(throws: MCP4728.Failure.codeOutOfRange(channel: .c, code: 4096)) {
            try dac.set(codes: [0x123, 0x456, 4096, 0x789])
        }
        #expect(try chip.readBlock(command: 0x01, count: 7) == [0x23, 0x0A, 0xBC, 0x00, 0x00, 0x0F, 0xFF])
        #expect(throws: MCP4728.Failure.voltsOutOfRange(channel: .b, volts: 5.5, fullScaleVolts: 5.0)) {
            try dac.set(volts: [1.0, 5.5, 0, 0])
        }
        #expect(try dac.code(forVolts: 1.6, channel: .a) == 1311)
    }

    @Test("an address that does not answer: a typed error naming bus, address and errno, at start")
    func missingChip() throws {
        // No acknowledge: ENXIO on most adapters, ENODEV from i2c-stub, EREMOTEIO from some SoCs.
        let noAnswer: Set<Int32> = [ENXIO, ENODEV, EREMOTEIO]
        do {
            _ = try ADS1x15(model: .ads1115, bus: stub.bus, address: 0x50, configuration: .init())
            Issue.record("an ADS1115 at 0x50 answered")
        } catch {
            guard case .transfer(let failure) = error else { Issue.record("\(error)"); return }
            #expect(failure.call == "i2c_smbus_read_word_data")
            #expect(failure.subject == "/dev/i2c-\(stub.bus) address 0x50 register 0x1")
            #expect(noAnswer.contains(failure.errno))
        }
        do {
            _ = try MCP4728(bus: stub.bus, address: 0x61, reference: .supply(volts: 5))
            Issue.record("an MCP4728 at 0x61 answered")
        } catch {
            guard case .transfer(let failure) = error else { Issue.record("\(error)"); return }
            #expect(failure.call == "i2c_smbus_write_quick")
            #expect(failure.subject == "/dev/i2c-\(stub.bus) address 0x61")
            #expect(noAnswer.contains(failure.errno))
        }
    }
}

@Suite("ADC sampler", .serialized, .enabled(if: GPIOSimulator.isAvailable, "runs inside the test VM: make test-hil"))
struct ADCSamplerTests {
    let stub: I2CStub
    let sim: GPIOSimulator
    init() throws {
        stub = try I2CStub()
        sim = try GPIOSimulator()
    }

    private func waitFor(_ condition: () -> Bool) -> Bool {
        for _ in 0..<400 {
            if condition() { return true }
            usleep(5_000)
        }
        return false
    }

    @Test("without ALERT/RDY the sampler reads each conversion period; the loop sees code, time and age")
    func polled() throws {
        let chip = try stub.chip(0x49)
        try chip.writeBigEndianWord(register: 0x00, 0x1230)
        let adc = try ADS1x15(
            model: .ads1015, bus: stub.bus, address: 0x49,
            configuration: .init(input: .single(1), gain: .fullScale4_096, samplesPerSecond: 490, dataReadyPin: false))
        let sampler = ADCSampler(adc: adc)
        try sampler.start()
        defer { sampler.stop() }
        #expect(waitFor { sampler.slot.latest().sequence > 0 })
        #expect(sampler.slot.latest().code == 0x123)
        try chip.writeBigEndianWord(register: 0x00, 0xF000)
        #expect(waitFor { sampler.slot.latest().code == -256 })
        let sample = sampler.slot.latest()
        #expect(sample.ageMicroseconds(nowMicroseconds: monotonicMicroseconds()) < 500_000)
        #expect(sampler.slot.failureCount == 0)
    }

    @Test("with ALERT/RDY on a GPIO, each falling edge triggers one read stamped with the edge's kernel time")
    func dataReadyEdges() throws {
        let line: UInt32 = 0
        try sim.pull(sim.secondary, line, up: true)
        let chip = try stub.chip(0x48)
        try chip.writeBigEndianWord(register: 0x00, 500)
        let adc = try ADS1x15(model: .ads1115, bus: stub.bus, address: 0x48, configuration: .init(samplesPerSecond: 8))
        let ready = try GPIOChip(sim.secondary).requestInputs([line], edges: true)
        let sampler = ADCSampler(adc: adc, dataReady: ready)
        try sampler.start()
        defer { sampler.stop() }
        usleep(50_000)
        #expect(sampler.slot.latest().sequence == 0)
        for code: Int16 in [500, -600, 700] {
            try chip.writeBigEndianWord(register: 0x00, UInt16(bitPattern: code))
            let before = monotonicMicroseconds()
            let published = sampler.slot.latest().sequence
            try sim.pull(sim.secondary, line, up: false)
            let after = monotonicMicroseconds()
            #expect(waitFor { sampler.slot.latest().sequence > published })
            let sample = sampler.slot.latest()
            #expect(sample.code == code)
            #expect((before...after).contains(sample.timestampMicroseconds))
            try sim.pull(sim.secondary, line, up: true)
        }
    }
}
