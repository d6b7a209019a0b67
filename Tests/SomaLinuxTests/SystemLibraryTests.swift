import Foundation
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
