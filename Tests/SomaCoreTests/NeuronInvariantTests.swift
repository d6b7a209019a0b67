import PropertyBased
import SomaCore
import SomaTesting
import Testing

/// Invariants of the latch and gate logic over random fire-sense traces and clock settings.
@Suite("Neuron invariants (property-based)")
struct NeuronInvariantTests {
    /// A fire-sense trace as alternating runs (low first), each 1…`maxRun` ticks long: sticky
    /// like a real device's output, with glitches when runs are short.
    static func trace(runs: [Int]) -> [Bool] {
        var levels: [Bool] = []
        for (index, run) in runs.enumerated() {
            levels += Array(repeating: index % 2 == 1, count: run)
        }
        return levels
    }

    static func record(
        trace: [Bool], ticksPerPhase: Int, depression: DepressionPhase
    ) throws -> (snapshots: [TickSnapshot], events: [NeuronEvent]) {
        let configuration = NetworkConfiguration(
            inputs: 1, layers: [LayerConfiguration(neurons: 1)],
            clock: ClockSettings(frequencyHertz: 1_000, ticksPerPhase: ticksPerPhase),
            depression: depression)
        var core = try NeuronCore(configuration: configuration)
        var board = TraceRecorder(FireSenseTrace(trace.map { [$0] }))
        var events: [NeuronEvent] = []
        for _ in trace.indices {
            core.tick(on: &board)
            events += core.events
        }
        return (board.snapshots, events)
    }

    /// Maximal runs of `true` as (start, length), excluding runs that touch the end of the trace.
    static func completeRuns(_ levels: [Bool]) -> [(start: Int, length: Int)] {
        var runs: [(Int, Int)] = []
        var start: Int?
        for (tick, level) in levels.enumerated() {
            if level, start == nil { start = tick }
            if !level, let begun = start {
                runs.append((begun, tick - begun))
                start = nil
            }
        }
        return runs
    }

    @Test("gates are the documented functions of the latches and the clock")
    func gateEquations() async {
        await propertyCheck(
            count: 300, input: Gen.int(in: 1...12).array(of: 1...120), Gen.int(in: 1...10),
            Gen.element(of: DepressionPhase.allCases)
        ) { runs, ticksPerPhase, depression in
            let (snapshots, _) = try! Self.record(
                trace: Self.trace(runs: runs), ticksPerPhase: ticksPerPhase, depression: depression!)
            for snapshot in snapshots {
                let lines = snapshot.neurons[0]
                let clockHigh = snapshot.clock == .high
                let l1 = lines.contains(.latch1)
                let l2 = lines.contains(.latch2)
                #expect(lines.contains(.spike) == (l2 && clockHigh))
                #expect(lines.contains(.inhibition) == (l1 || l2))
                #expect(lines.contains(.potentiation) == l2)
                #expect(!(lines.contains(.potentiation) && lines.contains(.depression)))
                #expect(!lines.contains(.spike) || clockHigh)
                if depression == .beforeRefractory { #expect(lines.contains(.depression) == (l1 && !l2)) }
                if depression == .disabled { #expect(!lines.contains(.depression)) }
            }
        }
    }

    @Test("latches change only while transparent; spikes last one high phase; T1 whole periods")
    func latchLevelSemantics() async {
        await propertyCheck(
            count: 300, input: Gen.int(in: 1...15).array(of: 1...150), Gen.int(in: 1...10)
        ) { runs, ticksPerPhase in
            let trace = Self.trace(runs: runs)
            let (snapshots, _) = try! Self.record(
                trace: trace, ticksPerPhase: ticksPerPhase, depression: .beforeRefractory)
            let period = 2 * ticksPerPhase
            var previous = NeuronSignals()
            for (tick, snapshot) in snapshots.enumerated() {
                let lines = snapshot.neurons[0]
                if snapshot.clock == .high {
                    // L1 is transparent: it shows the fire sense of this tick. L2 holds.
                    #expect(lines.contains(.latch1) == trace[tick])
                    #expect(lines.contains(.latch2) == previous.contains(.latch2))
                } else if tick % period == ticksPerPhase {
                    // The falling edge: L1 takes the sample of this instant and closes.
                    #expect(lines.contains(.latch1) == trace[tick])
                    #expect(lines.contains(.latch2) == lines.contains(.latch1))
                } else {
                    // L1 holds; L2 follows L1, so it can change only on the first low tick.
                    #expect(lines.contains(.latch1) == previous.contains(.latch1))
                    #expect(lines.contains(.latch2) == lines.contains(.latch1))
                    if tick % period != ticksPerPhase {
                        #expect(lines.contains(.latch2) == previous.contains(.latch2))
                    }
                }
                previous = lines
            }
            for run in Self.completeRuns(snapshots.map { $0.neurons[0].contains(.spike) }) {
                #expect(run.length == ticksPerPhase)
                #expect(run.start % period == 0)
            }
            for run in Self.completeRuns(snapshots.map { $0.neurons[0].contains(.potentiation) }) {
                #expect(run.length % period == 0 && run.length >= period)
                #expect(run.start % period == ticksPerPhase)
            }
        }
    }

    @Test("one spike per latched fire; refractory exactly one period once the fire sense clears")
    func spikesFollowFires() async {
        await propertyCheck(
            count: 300, input: Gen.int(in: 1...20).array(of: 1...150), Gen.int(in: 1...10)
        ) { runs, ticksPerPhase in
            let trace = Self.trace(runs: runs)
            let (snapshots, events) = try! Self.record(
                trace: trace, ticksPerPhase: ticksPerPhase, depression: .beforeRefractory)
            let period = 2 * ticksPerPhase
            // L1 holds what the fire sense was at the falling clock edge: every high phase ending
            // with the fire sense high is a latched fire, and gives one spike in the next high phase.
            var expectedSpikes: [Int] = []
            var start = 0
            while start + period < trace.count {
                if trace[start + ticksPerPhase] { expectedSpikes.append(start + period) }
                start += period
            }
            let spikeStarts = snapshots.indices.filter { tick in
                snapshots[tick].neurons[0].contains(.spike) && tick % period == 0
            }
            #expect(spikeStarts == expectedSpikes)
            // The events record every rising edge of L1, G1, T1 and T3, at the tick it happened.
            func rising(_ signal: NeuronSignals) -> [UInt64] {
                snapshots.indices.filter { tick in
                    snapshots[tick].neurons[0].contains(signal)
                        && (tick == 0 || !snapshots[tick - 1].neurons[0].contains(signal))
                }.map(UInt64.init)
            }
            #expect(events.filter { $0.kind == .fire }.map(\.tick) == rising(.latch1))
            #expect(events.filter { $0.kind == .spike }.map(\.tick) == rising(.spike))
            #expect(events.filter { $0.kind == .potentiationWindow }.map(\.tick) == rising(.potentiation))
            #expect(events.filter { $0.kind == .depressionWindow }.map(\.tick) == rising(.depression))
            // A fire whose sense has cleared by the end of the next high phase grounds node 1 for
            // exactly one clock period.
            for spike in expectedSpikes where spike + ticksPerPhase < trace.count && !trace[spike + ticksPerPhase] {
                let refractory = (spike - ticksPerPhase)..<(spike + ticksPerPhase)
                #expect(refractory.allSatisfy { snapshots[$0].neurons[0].contains(.potentiation) })
                if spike + ticksPerPhase < snapshots.count {
                    #expect(!snapshots[spike + ticksPerPhase].neurons[0].contains(.potentiation))
                }
            }
        }
    }

    @Test("clock settings: phases and ticks add up to the period for any valid clock")
    func clockArithmetic() async {
        await propertyCheck(
            count: 500, input: Gen.double(in: 1...20_000), Gen.int(in: 1...50)
        ) { frequency, ticksPerPhase in
            let clock = ClockSettings(frequencyHertz: frequency, ticksPerPhase: ticksPerPhase)
            do {
                try clock.validate()
                #expect(clock.tickNanoseconds >= ClockSettings.minimumTickNanoseconds)
                let period = 1e9 / frequency
                let fromTicks = Double(clock.tickNanoseconds * Int64(clock.ticksPerPeriod))
                // Rounding each tick to the nanosecond is the only error.
                #expect(abs(fromTicks - period) <= Double(clock.ticksPerPeriod))
                #expect(clock.phase(ofTick: 0) == .high)
                #expect(clock.phase(ofTick: UInt64(ticksPerPhase)) == .low)
                #expect(clock.phase(ofTick: UInt64(clock.ticksPerPeriod)) == .high)
            } catch let error as ConfigurationError {
                // Refused only when the tick would be shorter than the minimum.
                #expect(1e9 / (2 * frequency * Double(ticksPerPhase)) < Double(ClockSettings.minimumTickNanoseconds) + 1)
                #expect(error.field == "clock.ticksPerPhase" || error.field == "clock.frequencyHertz")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }
}
