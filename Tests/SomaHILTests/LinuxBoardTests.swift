import CMallocCounter
import Foundation
import SomaBoardProfile
import SomaCore
import SomaLinux
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func shippedProfile(_ name: String, edit: (String) -> String = { $0 }) throws -> BoardProfile {
    let path = repositoryRoot.appendingPathComponent("Board/profiles/\(name)").path
    return try BoardProfile.parse(edit(try String(contentsOfFile: path, encoding: .utf8)), file: name)
}

/// The single-neuron profile with its fire sense through an ADS1015 at 0x49 on the i2c-stub bus
/// (3300 samples/s, 0.5 V threshold).
func withADCFireSense(_ profile: String, bus: Int, maxAgeMicroseconds: Int) -> String {
    profile.replacingOccurrences(of: "\"L0.n0.fire\" = \"main:3\"", with: "\"L0.n0.fire\" = \"adc\"")
        .replacingOccurrences(of: "[lines]", with: """
            [i2c]
            bus = \(bus)

            [i2c.adc]
            model = "ads1015"
            address = 0x49
            full_scale_volts = 2.048
            samples_per_second = 3300
            fire_threshold_volts = 0.5
            max_age_us = \(maxAgeMicroseconds)

            [lines]
            """)
}

/// The Linux backend as the loop uses it, on gpio-sim lines laid out by Board/profiles/.
@Suite("Linux board on gpio-sim", .serialized, .enabled(if: GPIOSimulator.isAvailable, "runs inside the test VM: make test-hil"))
struct LinuxBoardTests {
    let sim: GPIOSimulator
    init() throws { sim = try GPIOSimulator() }

    /// gpiochip0 lines of gpio-sim-single-neuron.toml.
    let outputs: [UInt32] = [0, 1, 2, 4, 5, 6, 7, 8, 9]
    let fire: UInt32 = 3

    @Test("the front-end's enable line: off from the request on, on with the first frame, off again in the safe state")
    func enableLine() throws {
        let enable: UInt32 = 10
        try sim.pull(sim.primary, enable, up: false)
        let profile = try shippedProfile("gpio-sim-single-neuron.toml")
        #expect(profile.frontEnd?.enable == .gpio(chip: "main", offset: enable))
        var board = try LinuxBoard(profile: profile)
        #expect(try sim.level(sim.primary, enable), "requested at its off level (high: /OE)")
        var core = try NeuronCore(configuration: profile.network, patterns: try PatternBank([Pattern(pixels: [true, false])], inputCount: 2))
        core.present(pattern: 0)
        core.tick(on: &board)
        #expect(try !sim.level(sim.primary, enable), "held on (low) while the core drives")
        #expect(try sim.levels(sim.primary, [0, 1]) == [true, true], "in the same write as the first frame")
        #expect(board.driveSafeState() == nil)
        #expect(try sim.level(sim.primary, enable), "off in the safe state")
        core.tick(on: &board)
        #expect(try !sim.level(sim.primary, enable), "on again with the next tick")
    }

    @Test("outputs start in the safe state; the core's ticks reach the lines; fire sense is read")
    func driveAndSense() throws {
        for line in outputs { try sim.pull(sim.primary, line, up: true) }
        try sim.pull(sim.primary, fire, up: false)
        let profile = try shippedProfile("gpio-sim-single-neuron.toml")
        var board = try LinuxBoard(profile: profile)
        #expect(try sim.levels(sim.primary, outputs).allSatisfy { !$0 }, "safe state: every output low")
        #expect(try GPIOChip(sim.primary).consumer(ofLine: 0) == "somad")

        var core = try NeuronCore(configuration: profile.network, patterns: try PatternBank([Pattern(pixels: [true, false])], inputCount: 2))
        let presented = core.present(pattern: 0)
        #expect(presented)
        // Tick 0: clock high, row 0 pulsing, row 1 grounded.
        core.tick(on: &board)
        #expect(try sim.levels(sim.primary, [0, 1, 2]) == [true, true, false])
        // Fire sense high through the clock-high phase and the falling edge (ticks 1…5): L1 takes
        // it and holds it through the low phase.
        try sim.pull(sim.primary, fire, up: true)
        for _ in 1...5 { core.tick(on: &board) }
        try sim.pull(sim.primary, fire, up: false)
        #expect(try sim.levels(sim.primary, [0, 4]) == [false, true], "clock low, latch1 on its line")
        for _ in 6...9 { core.tick(on: &board) }
        // Tick 10, clock high again: L2 holds the fire, so spike (G1) and potentiation (T1) are on.
        core.tick(on: &board)
        #expect(try sim.levels(sim.primary, [0, 5, 6, 8]) == [true, true, true, true])
        #expect(board.driveSafeState() == nil)
        #expect(try sim.levels(sim.primary, outputs).allSatisfy { !$0 })
    }

    @Test("a read-out tick on a board without a read supply: rows held low, not pulsed at the pattern amplitude, and a limit-enforced fault logged")
    func readTickHeldLow() throws {
        try sim.pull(sim.primary, fire, up: false)
        let profile = try shippedProfile("gpio-sim-single-neuron.toml")
        var board = try LinuxBoard(profile: profile)
        var core = try NeuronCore(configuration: profile.network, patterns: try PatternBank([Pattern(pixels: [true, true])], inputCount: 2))
        let selected = core.selectAccessRow(0, ofLayer: 0) && core.selectAccessRow(1, ofLayer: 0)
        let scheduled = core.access(.read, layer: 0, column: nil, readVolts: 0.2)
        #expect(selected && scheduled)
        core.tick(on: &board)
        #expect(try sim.levels(sim.primary, [1, 2]) == [false, false], "both selected rows held low")
        #expect(try sim.level(sim.primary, 8), "T1 still holds node 1 for the read")
        let fault = core.events.first { $0.kind == .boardFault }
        #expect(fault?.payload == LinuxBoardFault.noReadSupply && fault?.layer == BoardFault.Kind.limitEnforced.rawValue)
        #expect(LinuxBoardFault.describe(BoardFault(code: LinuxBoardFault.noReadSupply, kind: .limitEnforced)).contains("held low"))
        // The next tick is an ordinary one: the pattern's pulse reaches the rows.
        core.present(pattern: 0)
        core.tick(on: &board)
        #expect(try sim.levels(sim.primary, [1, 2]) == [true, true])
        #expect(board.driveSafeState() == nil)
    }

    @Test("a fire shorter than a tick is caught by its rising edge")
    func shortFire() throws {
        try sim.pull(sim.primary, fire, up: false)
        let profile = try shippedProfile("gpio-sim-single-neuron.toml")
        let board = try LinuxBoard(profile: profile)
        let sensed = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 1)
        let monitored = UnsafeMutableBufferPointer<NeuronSignals>.allocate(capacity: 1)
        defer { sensed.deallocate(); monitored.deallocate() }
        let lines = SensedLines(fireSense: sensed, monitored: monitored, mode: .fullLogic)
        #expect(board.sense(lines, tick: 0) == nil)
        #expect(sensed[0] == false)
        try sim.pull(sim.primary, fire, up: true)
        try sim.pull(sim.primary, fire, up: false)
        usleep(1_000)
        #expect(board.sense(lines, tick: 1) == nil)
        #expect(sensed[0] == true, "the pulse came and went between two ticks")
        #expect(board.sense(lines, tick: 2) == nil)
        #expect(sensed[0] == false, "and counts once")
    }

    @Test("a busy line stops the start with its signal and holder named, and every line is released")
    func busyAtStart() throws {
        let chip = try GPIOChip(sim.primary)
        let holder = try chip.requestInputs([fire], edges: false, consumer: "gpiomon")
        let profile = try shippedProfile("gpio-sim-single-neuron.toml")
        do {
            _ = try LinuxBoard(profile: profile)
            Issue.record("started with the fire-sense line held by another consumer")
        } catch {
            guard case .gpio(let failure, let signals) = error else { Issue.record("\(error)"); return }
            #expect(failure.errno == EBUSY)
            #expect(failure.heldBy == "gpiomon")
            #expect(signals == ["L0.n0.fire"])
            #expect(error.description.contains("line 3"))
        }
        for line in outputs { #expect(try chip.consumer(ofLine: line) == nil, "line \(line) released") }
        _ = holder
    }

    @Test("a chip that does not exist and a line beyond the chip: named, before any output changes")
    func missingChipAndLine() throws {
        let missingChip = try shippedProfile("gpio-sim-single-neuron.toml") { $0.replacingOccurrences(of: "\"gpiochip0\"", with: "\"gpiochip7\"") }
        let missingLine = try shippedProfile("gpio-sim-single-neuron.toml") { $0.replacingOccurrences(of: "\"main:9\"", with: "\"main:70\"") }
        do {
            _ = try LinuxBoard(profile: missingChip)
            Issue.record("started on a missing chip")
        } catch {
            #expect(error.description.hasPrefix("open chip on /dev/gpiochip7 failed: No such file or directory"))
        }
        do {
            _ = try LinuxBoard(profile: missingLine)
            Issue.record("started with a line beyond the chip")
        } catch {
            #expect(error.description == "L0.n0.depression: line 70 does not exist on /dev/\(sim.primary), which has lines 0…63")
        }
        #expect(try GPIOChip(sim.primary).consumer(ofLine: 0) == nil)
    }

    @Test("the core on the Linux board: no allocation over 100,000 ticks")
    func zeroAllocation() throws {
        let profile = try shippedProfile("gpio-sim-single-neuron.toml")
        var board = try LinuxBoard(profile: profile)
        var core = try NeuronCore(configuration: profile.network, patterns: try PatternBank([Pattern(pixels: [true, true])], inputCount: 2))
        _ = core.present(pattern: 0)
        for _ in 0..<1_000 { core.tick(on: &board) }
        soma_malloc_counter_start()
        for _ in 0..<100_000 { core.tick(on: &board) }
        let counted = soma_malloc_counter_stop()
        #expect(counted == 0)
        #expect(board.pulseWidthCuts == 0)
        #expect(core.nextTick == 101_000)
        board.driveSafeState()
    }
}

@Suite("Linux board modes and ADC fire sense", .serialized, .enabled(if: GPIOSimulator.isAvailable, "runs inside the test VM: make test-hil"))
struct LinuxBoardSensingTests {
    let sim: GPIOSimulator
    init() throws { sim = try GPIOSimulator() }

    func sensed(_ board: LinuxBoard, mode: OperatingMode) -> (BoardFault?, Bool, NeuronSignals) {
        let fire = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 1)
        let monitored = UnsafeMutableBufferPointer<NeuronSignals>.allocate(capacity: 1)
        defer { fire.deallocate(); monitored.deallocate() }
        fire[0] = false
        monitored[0] = NeuronSignals(rawValue: 0)
        let fault = board.sense(SensedLines(fireSense: fire, monitored: monitored, mode: mode), tick: 0)
        return (fault, fire[0], monitored[0])
    }

    @Test("clock-and-monitor mode: Soma drives clock and rows, and reads the breadboard's latch and gate chips back")
    func clockAndMonitor() throws {
        // The single-neuron wiring, with the neuron's lines now inputs from chips on the breadboard.
        let profile = try shippedProfile("gpio-sim-single-neuron.toml") {
            $0.replacingOccurrences(of: "mode = \"full-logic\"", with: "mode = \"clock-and-monitor\"")
        }
        for line: UInt32 in [3, 4, 5, 6, 7, 8, 9] { try sim.pull(sim.primary, line, up: false) }
        let board = try LinuxBoard(profile: profile)
        #expect(try GPIOChip(sim.primary).consumer(ofLine: 6) == "somad", "the spike line is held, as an input")
        try sim.pull(sim.primary, 5, up: true)  // latch2
        try sim.pull(sim.primary, 6, up: true)  // spike
        try sim.pull(sim.primary, 8, up: true)  // potentiation
        let (fault, fire, monitored) = sensed(board, mode: .clockAndMonitor)
        #expect(fault == nil)
        #expect(fire == false)
        #expect(monitored == [.latch2, .spike, .potentiation])
    }

    @Test("fire sense through the ADC: above the threshold is a fire; a sample older than max_age_us is a fault")
    func adcFireSense() throws {
        let stub = try I2CStub()
        let chip = try stub.chip(0x49)
        try chip.writeBigEndianWord(register: 0x00, 0x0000)
        let profile = try shippedProfile("gpio-sim-single-neuron.toml") { withADCFireSense($0, bus: stub.bus, maxAgeMicroseconds: 100_000) }
        let board = try LinuxBoard(profile: profile)
        let sampler = try #require(board.adcSampler)
        func waitForSample(_ code: Int16) {
            for _ in 0..<400 where sampler.slot.latest().code != code { usleep(2_000) }
        }
        waitForSample(0)
        #expect(sensed(board, mode: .fullLogic).1 == false)
        // 0.6 V on a ±2.048 V ADS1015: code 600 (12-bit), register 600 << 4.
        try chip.writeBigEndianWord(register: 0x00, UInt16(600 << 4))
        waitForSample(600)
        let (fault, fire, _) = sensed(board, mode: .fullLogic)
        #expect(fault == nil)
        #expect(fire == true)
        sampler.stop()
        usleep(150_000)
        #expect(sensed(board, mode: .fullLogic).0 == BoardFault(code: LinuxBoardFault.staleSample, kind: .untrustedSense))
    }
}
