import Foundation
import SomaLinux
import Testing

/// libgpiod (v1 or v2, whichever this build found) against the kernel's gpio-sim, inside the test VM.
@Suite("GPIO on gpio-sim", .enabled(if: GPIOSimulator.isAvailable, "runs inside the test VM: make test-hil"))
struct GPIOTests {
    let sim: GPIOSimulator
    init() throws { sim = try GPIOSimulator() }

    @Test("outputs start at their initial levels and a bulk set changes every line")
    func bulkSet() throws {
        let chip = try GPIOChip(sim.primary)
        #expect(chip.label == "soma-sim-a")
        #expect(chip.lineCount == 64)
        let lines: [UInt32] = [0, 1, 2, 3, 40, 63]
        let request = try chip.requestOutputs(lines, initial: [true, false, true, false, false, true])
        #expect(try sim.levels(sim.primary, lines) == [true, false, true, false, false, true])
        let frames: [[Int32]] = [[0, 1, 0, 1, 1, 0], [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]]
        for frame in frames {
            #expect(frame.withUnsafeBufferPointer { request.set($0.baseAddress!) } == 0)
            #expect(try sim.levels(sim.primary, lines) == frame.map { $0 == 1 })
        }
        #expect(try chip.consumer(ofLine: 40) == "somad")
        #expect(try chip.consumer(ofLine: 41) == nil)
    }

    @Test("a bulk get reads every input line as its pull sets it")
    func bulkGet() throws {
        let chip = try GPIOChip(sim.secondary)
        let lines: [UInt32] = [2, 5, 9, 15]
        for (index, line) in lines.enumerated() { try sim.pull(sim.secondary, line, up: index % 2 == 0) }
        let request = try chip.requestInputs(lines, edges: false)
        var levels = [Int32](repeating: -1, count: lines.count)
        #expect(request.get(&levels) == 0)
        #expect(levels == [1, 0, 1, 0])
        try sim.pull(sim.secondary, 5, up: true)
        #expect(request.get(&levels) == 0)
        #expect(levels == [1, 1, 1, 0])
    }

    @Test("a pull change on an edge-detecting input arrives as an edge event with a kernel timestamp")
    func edgeEvents() throws {
        let chip = try GPIOChip(sim.primary)
        try sim.pull(sim.primary, 20, up: false)
        try sim.pull(sim.primary, 21, up: false)
        let request = try chip.requestInputs([20, 21], edges: true)
        #expect(try request.waitForEdges(timeoutNanoseconds: 0) == false)
        let before = monotonicNanoseconds()
        try sim.pull(sim.primary, 21, up: true)
        try sim.pull(sim.primary, 21, up: false)
        let after = monotonicNanoseconds()
        #expect(try request.waitForEdges(timeoutNanoseconds: 1_000_000_000))
        let edges = UnsafeMutableBufferPointer<GPIOEdge>.allocate(capacity: 16)
        defer { edges.deallocate() }
        var seen: [GPIOEdge] = []
        while seen.count < 2, try request.waitForEdges(timeoutNanoseconds: 200_000_000) {
            let count = request.readEdges(into: edges)
            #expect(count > 0)
            seen += edges.prefix(max(count, 0))
        }
        #expect(seen.map(\.offset) == [21, 21])
        #expect(seen.map(\.isRising) == [true, false])
        for edge in seen { #expect((before...after).contains(edge.timestamp_ns)) }
        #expect(seen[0].timestamp_ns <= seen[1].timestamp_ns)
    }

    @Test("a line held by another consumer: EBUSY, naming the line and its holder, and nothing changes")
    func busyLine() throws {
        let chip = try GPIOChip(sim.primary)
        let holder = try chip.requestOutputs([30], initial: [true], consumer: "other-tool")
        do {
            _ = try chip.requestOutputs([29, 30, 31], initial: [false, false, false])
            Issue.record("requested a line another consumer holds")
        } catch {
            #expect(error.errno == EBUSY)
            #expect(error.lines == [30])
            #expect(error.heldBy == "other-tool")
            #expect(error.description.contains("/dev/\(sim.primary) line 30"))
            #expect(error.description.contains("held by consumer \"other-tool\""))
        }
        #expect(try sim.level(sim.primary, 30) == true)
        #expect(try chip.consumer(ofLine: 29) == nil)
        _ = consume holder
    }

    @Test("a chip that does not exist and a line beyond the chip: typed errors, no crash")
    func badChipAndLine() throws {
        #expect(throws: GPIOError(call: "open chip", chip: "/dev/gpiochip99", errno: ENOENT)) {
            _ = try GPIOChip("gpiochip99")
        }
        let chip = try GPIOChip(sim.secondary)
        #expect(throws: GPIOError(call: "request outputs", chip: "/dev/\(sim.secondary)", lines: [16], errno: EINVAL)) {
            _ = try chip.requestOutputs([3, 16], initial: [false, false])
        }
    }

    @Test("released lines fall back to their pull: line state does not outlive the holder")
    func releaseFallsBackToPull() throws {
        let chip = try GPIOChip(sim.secondary)
        try sim.pull(sim.secondary, 12, up: false)
        do {
            let request = try chip.requestOutputs([12], initial: [true])
            #expect(try sim.level(sim.secondary, 12) == true)
            _ = consume request
        }
        #expect(try sim.level(sim.secondary, 12) == false)
        #expect(try chip.consumer(ofLine: 12) == nil)
    }
}

@Suite("libgpiod build", .enabled(if: GPIOSimulator.isAvailable, "runs inside the test VM: make test-hil"))
struct GPIOBuildTests {
    @Test("this test bundle was built against the libgpiod API the harness asked for")
    func apiGeneration() throws {
        let expected = try #require(ProcessInfo.processInfo.environment["SOMA_HIL_EXPECT_GPIOD_API"].flatMap(Int.init))
        #expect(GPIOLibrary.apiGeneration == expected)
        #expect(GPIOLibrary.version.first == expected)
    }
}

@Suite("GPIO edges without waiting", .enabled(if: GPIOSimulator.isAvailable, "runs inside the test VM: make test-hil"))
struct GPIOEdgePollTests {
    @Test("reading edges when none are pending returns at once with none (the loop never blocks)")
    func readWithoutPending() throws {
        let sim = try GPIOSimulator()
        try sim.pull(sim.secondary, 7, up: false)
        let request = try GPIOChip(sim.secondary).requestInputs([7], edges: true)
        let edges = UnsafeMutableBufferPointer<GPIOEdge>.allocate(capacity: 4)
        defer { edges.deallocate() }
        let started = monotonicNanoseconds()
        #expect(request.readEdges(into: edges) == 0)
        #expect(monotonicNanoseconds() - started < 100_000_000)
        try sim.pull(sim.secondary, 7, up: true)
        usleep(1_000)
        #expect(request.readEdges(into: edges) == 1)
        #expect(request.readEdges(into: edges) == 0)
    }
}
