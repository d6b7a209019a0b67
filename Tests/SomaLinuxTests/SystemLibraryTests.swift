import Foundation
import SomaBoardProfile
import SomaLinux
import Testing

/// The system-library targets link against the real libgpiod and libi2c.
@Suite("System libraries")
struct SystemLibraryTests {
    @Test("the libgpiod loaded at run time is the one pkg-config reports, and its API generation matches")
    func gpiodVersion() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pkg-config", "--modversion", "libgpiod"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let reported = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(GPIOLibrary.versionString == reported)
        let major = try #require(GPIOLibrary.version.first)
        #expect(GPIOLibrary.apiGeneration == major)
    }

    @Test("an I2C bus that does not exist: a typed error naming the device and the errno")
    func missingBus() {
        do {
            _ = try I2CBus(number: 250)
            Issue.record("opened /dev/i2c-250")
        } catch {
            #expect(error.call == "open")
            #expect(error.subject == "/dev/i2c-250")
            #expect(error.errno == ENOENT)
            #expect(error.description == "open on /dev/i2c-250 failed: No such file or directory (errno 2)")
        }
    }

    @Test("a device that is not an I2C adapter refuses I2C transfers with the errno, not a crash")
    func notAnAdapter() throws {
        let bus = try I2CBus(number: -1, path: "/dev/null")
        #expect(throws: SystemCallError.self) { try bus.select(address: 0x48) }
        do {
            try bus.select(address: 0x48)
        } catch {
            #expect(error.call == "ioctl(I2C_SLAVE)")
            #expect(error.subject == "/dev/null address 0x48")
            #expect(error.errno == ENOTTY)
        }
        do {
            try bus.select(address: 0x80)
            Issue.record("accepted an address outside 0x03…0x77")
        } catch {
            #expect(error.errno == EINVAL)
        }
    }
}

/// The chip drivers' encodings, checked against the datasheets without a bus.
@Suite("I2C chip encodings")
struct ChipEncodingTests {
    @Test("ADS1x15 config words for every gain and rate; inputs and rates the chip lacks are refused")
    func configWords() throws {
        for (index, gain) in ADS1x15Gain.allCases.enumerated() {
            let word = try ADS1x15.configWord(model: .ads1115, .init(gain: gain), startConversion: false)
            #expect((word >> 9) & 0b111 == UInt16(index))
        }
        for (index, rate) in ADS1x15Model.ads1015.dataRates.prefix(7).enumerated() {
            let word = try ADS1x15.configWord(model: .ads1015, .init(samplesPerSecond: rate), startConversion: false)
            #expect((word >> 5) & 0b111 == UInt16(index))
        }
        #expect(throws: ADS1x15Error.unsupportedDataRate(model: .ads1115, samplesPerSecond: 1600)) {
            try ADS1x15.configWord(model: .ads1115, .init(samplesPerSecond: 1600), startConversion: false)
        }
        #expect(throws: ADS1x15Error.unsupportedInput(.differential(1, 2))) {
            try ADS1x15.configWord(model: .ads1115, .init(input: .differential(1, 2)), startConversion: false)
        }
        #expect(throws: ADS1x15Error.unsupportedInput(.single(4))) {
            try ADS1x15.configWord(model: .ads1115, .init(input: .single(4)), startConversion: false)
        }
        #expect(ADS1x15Gain.allCases.map(\.rawValue) == ADS1x15Model.fullScaleVolts, "the driver's gains are the ranges profiles may name")
        #expect(ADS1x15Gain(fullScaleVolts: 0.256) == .fullScale0_256)
        #expect(ADS1x15Gain(fullScaleVolts: 3.3) == nil)
    }

    @Test("MCP4728 Fast Write frames: two bytes per channel, power-down bits 00, 12-bit codes only")
    func fastWriteFrames() throws {
        #expect(try MCP4728.fastWriteFrame([0, 4095, 0x800, 0x0FF]) == [0x00, 0x00, 0x0F, 0xFF, 0x08, 0x00, 0x00, 0xFF])
        #expect(throws: MCP4728.Failure.codeOutOfRange(channel: .d, code: -1)) { try MCP4728.fastWriteFrame([0, 0, 0, -1]) }
        #expect(throws: MCP4728.Failure.channelCount(3)) { try MCP4728.fastWriteFrame([0, 0, 0]) }
        #expect(MCP4728.Failure.codeOutOfRange(channel: .a, code: 5000).description
            == "MCP4728 channel a: code 5000 is beyond 12 bits (0…4095); nothing was written")
    }
}
