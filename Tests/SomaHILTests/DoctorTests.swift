import Foundation
import SomaBoardProfile
import SomaLinux
import Testing

/// `somad doctor` against the real kernel's gpio-sim chips and i2c-stub adapter.
@Suite("somad doctor on gpio-sim and i2c-stub", .serialized, .enabled(if: GPIOSimulator.isAvailable, "runs inside the test VM: make test-hil"))
struct DoctorTests {
    let sim: GPIOSimulator
    init() throws { sim = try GPIOSimulator() }

    /// A shipped profile, edited, written to a temporary file.
    func profileFile(_ name: String, edit: (String) -> String = { $0 }) throws -> String {
        let text = try String(contentsOfFile: repositoryRoot.appendingPathComponent("Board/profiles/\(name)").path, encoding: .utf8)
        let path = (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/doctor-\(UUID().uuidString).toml"
        try edit(text).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func doctor(_ arguments: [String]) throws -> (status: Int32, output: String, lines: [String]) {
        let result = try ToolProcess("somad", ["doctor"] + arguments).finish()
        return (result.status, result.output, result.output.split(separator: "\n").map(String.init))
    }

    @Test("free lines: every chip and line is found and free, the latency probe runs the tick's I/O, and the exit status follows the FAIL lines")
    func freeLines() throws {
        let profile = repositoryRoot.appendingPathComponent("Board/profiles/gpio-sim-single-neuron.toml").path
        let result = try doctor(["--profile", profile, "--seconds", "1"])
        let lines = result.lines
        #expect(lines.contains { $0.hasPrefix("ok    chip main") && $0.contains("/dev/\(sim.primary) [soma-sim-a], 64 lines") }, "\(result.output)")
        for signal in ["clk", "L0.row0", "L0.row1", "L0.n0.fire", "L0.n0.latch1", "L0.n0.latch2", "L0.n0.spike", "L0.n0.inhibition", "L0.n0.potentiation", "L0.n0.depression"] {
            #expect(lines.contains { $0.hasPrefix("ok    line \(signal) ") && $0.hasSuffix(" free") }, "\(signal): \(result.output)")
        }
        #expect(lines.contains { $0.hasPrefix("ok    libgpiod") })
        #expect(lines.contains { $0.contains("kernel") && $0.contains("PREEMPT_RT") })
        #expect(lines.contains { $0.contains("SCHED_FIFO") } && lines.contains { $0.contains("mlockall") })
        let latency = try #require(lines.first { $0.contains("loop latency") }, "\(result.output)")
        #expect(latency.contains("the tick's line I/O") && latency.contains("tick 50.0 µs"), "\(latency)")
        let failed = lines.contains { $0.hasPrefix("FAIL") }
        #expect(result.status == (failed ? 1 : 0), "\(result.output)")
        #expect(lines.last?.hasPrefix(failed ? "verdict: NOT ready" : "verdict: ready") == true)
        // The probe drove nothing but the safe state, and let go of every line.
        #expect(try GPIOChip(sim.primary).consumer(ofLine: 0) == nil)
    }

    @Test("a line already taken: doctor names the line, where it is and the consumer holding it, and exits 1")
    func heldLine() throws {
        let profile = repositoryRoot.appendingPathComponent("Board/profiles/gpio-sim-single-neuron.toml").path
        let holder = try GPIOChip(sim.primary).requestInputs([3], edges: false, consumer: "scope-probe")
        defer { withExtendedLifetime(holder) {} }
        let result = try doctor(["--profile", profile, "--seconds", "0"])
        #expect(result.status == 1)
        #expect(result.lines.contains { $0.hasPrefix("FAIL  line L0.n0.fire") && $0.contains("main:3 (/dev/\(sim.primary) line 3) is held by consumer \"scope-probe\"") }, "\(result.output)")
        #expect(result.lines.contains { $0.hasPrefix("ok    line L0.n0.spike") })
        #expect(result.lines.last?.hasPrefix("verdict: NOT ready") == true)
    }

    @Test("a chip that does not exist: doctor names it and lists the chips there are")
    func missingChip() throws {
        let profile = try profileFile("gpio-sim-single-neuron.toml") { $0.replacingOccurrences(of: "main = \"gpiochip0\"", with: "main = \"gpiochip9\"") }
        let result = try doctor(["--profile", profile, "--seconds", "0"])
        #expect(result.status == 1)
        let chip = try #require(result.lines.first { $0.hasPrefix("FAIL  chip main") }, "\(result.output)")
        #expect(chip.contains("/dev/gpiochip9") && chip.contains("No such file or directory") && chip.contains("\(sim.primary) [soma-sim-a]"), "\(chip)")
    }

    @Test("a chip named by its label is found whatever its number, by doctor and by the board")
    func chipByLabel() throws {
        let byLabel = try profileFile("gpio-sim-single-neuron.toml") { $0.replacingOccurrences(of: "main = \"gpiochip0\"", with: "main = \"label:soma-sim-a\"") }
        let result = try doctor(["--profile", byLabel, "--seconds", "0"])
        #expect(result.lines.contains { $0.hasPrefix("ok    chip main") && $0.contains("label:soma-sim-a is /dev/\(sim.primary)") }, "\(result.output)")
        let board = try LinuxBoard(profile: try BoardProfile.load(path: byLabel))
        #expect(try GPIOChip(sim.primary).consumer(ofLine: 0) == "somad")
        withExtendedLifetime(board) {}
        let unknown = try profileFile("gpio-sim-single-neuron.toml") { $0.replacingOccurrences(of: "main = \"gpiochip0\"", with: "main = \"label:pinctrl-rp1\"") }
        let missing = try doctor(["--profile", unknown, "--seconds", "0"])
        #expect(missing.lines.contains { $0.hasPrefix("FAIL  chip main") && $0.contains("find chip labelled \"pinctrl-rp1\"") }, "\(missing.output)")
    }

    @Test("I2C: the chips on the bus answer; an address with nothing there is named")
    func i2cDevices() throws {
        let bus = try #require(ProcessInfo.processInfo.environment["SOMA_HIL_I2C_BUS"])
        let profile = try profileFile("gpio-sim-shift-registers.toml") { $0.replacingOccurrences(of: "bus = 0", with: "bus = \(bus)") }
        let result = try doctor(["--profile", profile, "--seconds", "0"])
        #expect(result.lines.contains { $0.hasPrefix("ok    i2c bus \(bus)") }, "\(result.output)")
        #expect(result.lines.contains { $0.hasPrefix("ok    i2c \(bus) 0x48") && $0.contains("ADC ads1115 answers") }, "\(result.output)")
        #expect(result.lines.contains { $0.hasPrefix("ok    i2c \(bus) 0x60") && $0.contains("DAC mcp4728 answers") }, "\(result.output)")
        #expect(result.lines.contains { $0.hasPrefix("ok    line rows.shift_clock") }, "chain control lines are checked too: \(result.output)")
        let absent = try profileFile("gpio-sim-shift-registers.toml") {
            $0.replacingOccurrences(of: "bus = 0", with: "bus = \(bus)").replacingOccurrences(of: "address = 0x60", with: "address = 0x61")
        }
        let silent = try doctor(["--profile", absent, "--seconds", "0"])
        #expect(silent.status == 1)
        #expect(silent.lines.contains { $0.hasPrefix("FAIL  i2c \(bus) 0x61") && $0.contains("nothing answers at 0x61") }, "\(silent.output)")
    }
}

@Suite("Raspberry Pi profiles on gpio-sim", .serialized, .enabled(if: GPIOSimulator.isAvailable, "runs inside the test VM: make test-hil"))
struct PiProfileTests {
    @Test("each Pi profile, its chip label swapped for gpio-sim's and its I2C bus for i2c-stub's: doctor finds every line free and every I2C chip answering, and the board takes the lines", arguments: ["pi4-single-neuron", "pi5-paper-network"])
    func piProfileOnGPIOSim(name: String) throws {
        let bus = try #require(ProcessInfo.processInfo.environment["SOMA_HIL_I2C_BUS"])
        let text = try String(contentsOfFile: repositoryRoot.appendingPathComponent("Board/profiles/\(name).toml").path, encoding: .utf8)
            .replacingOccurrences(of: "label:pinctrl-bcm2711", with: "label:soma-sim-a")
            .replacingOccurrences(of: "label:pinctrl-rp1", with: "label:soma-sim-a")
            .replacingOccurrences(of: "bus = 1 ", with: "bus = \(bus) ")
        let path = (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/\(name)-\(UUID().uuidString).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try ToolProcess("somad", ["doctor", "--profile", path, "--seconds", "0"]).finish()
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("FAIL"), "\(result.output)")
        #expect(result.output.split(separator: "\n").contains { $0.hasPrefix("ok    chip main") && $0.contains("label:soma-sim-a is /dev/") }, "\(result.output)")
        let board = try LinuxBoard(profile: try BoardProfile.load(path: path))
        #expect(board.driveSafeState() == nil)
    }
}
