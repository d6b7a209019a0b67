import SomaCore
import SomaTesting
import Testing

/// Seed 000 Fig. 3b, tick by tick: 2 kHz clock, 5 ticks per phase (50 µs), VIN1 pulsing, VIN2
/// grounded, the fire sense going high during the 5th input pulse.
@Suite("Seed 000 Fig. 3b timing")
struct Fig3bTimingTests {
    /// Runs one neuron with the scripted fire sense and returns the recorded ticks and events.
    static func run(
        ticks: Int, depression: DepressionPhase, pulsesToFire: Int = 5
    ) throws -> (snapshots: [TickSnapshot], events: [NeuronEvent]) {
        let configuration = NetworkConfiguration(
            inputs: 2, layers: [LayerConfiguration(neurons: 1)], depression: depression)
        let bank = try PatternBank([Pattern(pixels: [true, false])], inputCount: 2)
        var core = try NeuronCore(configuration: configuration, patterns: bank)
        let presented0 = core.present(pattern: 0)
        #expect(presented0)
        var board = TraceRecorder(
            ScriptedNeuronBoard(
                configuration: configuration, pulsesToFire: pulsesToFire, fireDelayTicks: 2,
                holdTicks: 4))
        var events: [NeuronEvent] = []
        for _ in 0..<ticks {
            core.tick(on: &board)
            events += core.events
        }
        return (board.snapshots, events)
    }

    /// "0"/"1" per tick, for readable expectations.
    static func lane(_ snapshots: [TickSnapshot], _ level: (TickSnapshot) -> Bool) -> String {
        String(snapshots.map { level($0) ? "1" : "0" })
    }

    /// A lane that is high on `ranges` and low elsewhere, over `count` ticks.
    static func expected(_ count: Int, high ranges: Range<Int>...) -> String {
        String((0..<count).map { tick in ranges.contains { $0.contains(tick) } ? "1" : "0" })
    }

    @Test("L1, L2, G1, G3, T1 follow the figure through two firing cycles")
    func firstTwoFiringCycles() throws {
        let (snapshots, _) = try Self.run(ticks: 120, depression: .disabled)
        let lane = { (level: (TickSnapshot) -> Bool) in Self.lane(snapshots, level) }

        #expect(lane { $0.clock == .high } == String(repeating: "1111100000", count: 12))
        #expect(lane { $0.rows[0] } == String(repeating: "1111100000", count: 12))
        #expect(lane { $0.rows[1] } == String(repeating: "0", count: 120))
        // Pulses start at ticks 0, 10, 20, 30, 40: the 5th fires 2 ticks in (tick 42). The
        // pulse at 50 falls in the refractory period and does not count; the next five are
        // 60…100, so the second fire is at tick 102.
        #expect(lane { $0.fireSense[0] } == Self.expected(120, high: 42..<46, 102..<106))
        // L1 follows the fire sense while CLK is high, takes the sample at the falling edge (tick
        // 45) and holds it through the low phase.
        #expect(lane { $0.neurons[0].contains(.latch1) } == Self.expected(120, high: 42..<50, 102..<110))
        // L2 takes L1 at the start of the low phase and holds it through the next high phase.
        #expect(lane { $0.neurons[0].contains(.latch2) } == Self.expected(120, high: 45..<55, 105..<115))
        // G1 = L2 AND CLK: one spike, one clock-high phase long.
        #expect(lane { $0.neurons[0].contains(.spike) } == Self.expected(120, high: 50..<55, 110..<115))
        // G3 = L1 OR L2.
        #expect(lane { $0.neurons[0].contains(.inhibition) } == Self.expected(120, high: 42..<55, 102..<115))
        // T1 = L2: node 1 grounded for exactly one clock period.
        #expect(lane { $0.neurons[0].contains(.potentiation) } == Self.expected(120, high: 45..<55, 105..<115))
        // Fig. 3b was measured with the depression module disabled.
        #expect(lane { $0.neurons[0].contains(.depression) } == String(repeating: "0", count: 120))
    }

    @Test("the refractory period is one clock period: 500 µs at 2 kHz, plus the 250 µs interval")
    func refractoryPeriod() throws {
        let (snapshots, _) = try Self.run(ticks: 120, depression: .disabled)
        let tickNanoseconds = ClockSettings().tickNanoseconds
        let refractoryTicks = snapshots.filter { $0.neurons[0].contains(.potentiation) }.count / 2
        #expect(Int64(refractoryTicks) * tickNanoseconds == 500_000)
        // From the end of the refractory period (tick 55) to the next counted pulse (tick 60): the
        // 250 µs interval of seed 000's "refractory period (500 µs) + interval time (250 µs)".
        let nextPulse = snapshots.first { $0.tick >= 55 && $0.rows[0] }!.tick
        #expect(Int64(nextPulse - 55) * tickNanoseconds == 250_000)
    }

    @Test("one output spike per fire, in the events as in the lines")
    func oneSpikePerFire() throws {
        let (_, events) = try Self.run(ticks: 1_000, depression: .disabled)
        let fires = events.filter { $0.kind == .fire }.map(\.tick)
        let spikes = events.filter { $0.kind == .spike }.map(\.tick)
        let windows = events.filter { $0.kind == .potentiationWindow }.map(\.tick)
        // A cycle is 5 counted pulses plus the refractory pulse: 60 ticks.
        #expect(fires == Array(stride(from: 42, to: 1_000, by: 60)).map(UInt64.init))
        #expect(spikes == fires.map { $0 + 8 })
        #expect(windows == fires.map { $0 + 3 })
        #expect(events.allSatisfy { $0.kind != .depressionWindow })
    }

    @Test("T3 before the refractory period: on from the latched fire to the end of the clock-high phase")
    func depressionBeforeRefractory() throws {
        let (snapshots, events) = try Self.run(ticks: 70, depression: .beforeRefractory)
        #expect(
            Self.lane(snapshots) { $0.neurons[0].contains(.depression) }
                == Self.expected(70, high: 42..<45))
        #expect(events.filter { $0.kind == .depressionWindow }.map(\.tick) == [42])
    }

    @Test("T3 after the refractory period: the clock-low phase in which T1 switched off")
    func depressionAfterRefractory() throws {
        let (snapshots, _) = try Self.run(ticks: 70, depression: .afterRefractory)
        #expect(
            Self.lane(snapshots) { $0.neurons[0].contains(.depression) }
                == Self.expected(70, high: 55..<60))
    }

    @Test("T1 and T3 are never on in the same tick, G1 only while CLK is high", arguments: DepressionPhase.allCases)
    func exclusiveGates(depression: DepressionPhase) throws {
        let (snapshots, _) = try Self.run(ticks: 2_000, depression: depression, pulsesToFire: 3)
        for snapshot in snapshots {
            let lines = snapshot.neurons[0]
            #expect(!(lines.contains(.potentiation) && lines.contains(.depression)), "tick \(snapshot.tick)")
            #expect(!lines.contains(.spike) || snapshot.clock == .high, "tick \(snapshot.tick)")
        }
    }
}
