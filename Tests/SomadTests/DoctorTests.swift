import Foundation
import Testing

/// `somad doctor` on this machine, which has no GPIO chips and no I2C buses: what a user sees on a
/// board whose GPIO is not enabled, or on a profile written for another board. (On real chips and
/// lines: Tests/SomaHILTests/DoctorTests.swift, in the test VM.)
@Suite("somad doctor without GPIO hardware")
struct DoctorWithoutHardwareTests {
    func doctor(_ arguments: [String]) throws -> (status: Int32, output: String, lines: [String]) {
        let process = try Daemon(["doctor"] + arguments, waitForListening: false)
        let status = process.waitForExit()
        let output = process.output
        return (status, output, output.split(separator: "\n").map(String.init))
    }

    @Test(
        "a profile whose chip is missing: one FAIL line for the chip (naming its device) and one per line it carries, the enable line too; exit 1",
        .enabled(if: !FileManager.default.fileExists(atPath: "/dev/gpiochip0"), "a machine with GPIO: the VM tests cover it"))
    func missingChip() throws {
        let result = try doctor(["--profile", singleNeuronProfile, "--seconds", "0"])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.lines.contains { $0.hasPrefix("FAIL  chip main") && $0.contains("/dev/gpiochip0") && $0.contains("No such file or directory") }, "\(result.output)")
        let lineFailures = result.lines.filter { $0.hasPrefix("FAIL  line ") }
        #expect(lineFailures.count == 11, "\(result.output)")
        #expect(lineFailures.contains { $0.contains("line L0.n0.fire") && $0.contains("main:3") })
        #expect(lineFailures.contains { $0.contains("line frontend.enable") && $0.contains("main:10") })
        #expect(result.lines.last?.hasPrefix("verdict: NOT ready") == true && result.lines.last?.contains(", 12 failures)") == true, "\(result.output)")
    }

    @Test("every check reports: libgpiod, kernel preemption, real-time limits, loop latency at the profile's tick")
    func machineChecks() throws {
        let profile = repository.appendingPathComponent("Board/profiles/sim-paper-network.toml").path
        let result = try doctor(["--profile", profile, "--seconds", "0.2"])
        let subjects = result.lines.dropLast().map { String($0.dropFirst(6).prefix(22)).trimmingCharacters(in: .whitespaces) }
        #expect(subjects == ["profile", "libgpiod", "kernel", "lines", "SCHED_FIFO", "mlockall", "loop latency"], "\(result.output)")
        #expect(result.lines.contains { $0.hasPrefix("ok    lines") && $0.contains("simulated breadboard only") })
        let latency = try #require(result.lines.first { $0.contains("loop latency") })
        #expect(latency.contains("wake-up only") && latency.contains("tick 50.0 µs") && latency.contains(" ticks overran"), "\(latency)")
        #expect(result.status == (result.lines.contains { $0.hasPrefix("FAIL") } ? 1 : 0))
    }

    @Test("a profile that does not load: the problem as FILE:LINE:COL, exit 65")
    func brokenProfile() throws {
        let broken = repository.appendingPathComponent("Tests/SomaBoardProfileTests/broken/limit-missing.toml").path
        let result = try doctor(["--profile", broken])
        #expect(result.status == 65)
        #expect(result.output.contains("\(broken):24:1: missing limits.max_duty"))
        #expect(result.output.contains("verdict: NOT ready"))
    }

    @Test("serving stays the default: `somad --profile …` is `somad serve --profile …`")
    func serveIsDefault() throws {
        let process = try Daemon(["serve", "--profile", singleNeuronProfile, "--speed", "max"], waitForListening: false)
        #expect(process.waitForExit() == 64)
        #expect(process.output.contains("--speed max needs --sim"))
    }
}
