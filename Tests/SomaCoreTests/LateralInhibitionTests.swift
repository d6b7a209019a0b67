import SomaCore
import SomaTesting
import Testing

/// The software lateral-inhibition array (seed 000 Fig. 4) and its tie rule.
@Suite("Lateral inhibition")
struct LateralInhibitionTests {
    /// A layer of `neurons` under lateral inhibition, fed fire-sense `trace[tick][neuron]`, one tick
    /// per phase so that every tick alternates the clock.
    static func run(
        neurons: Int, trace: [[Bool]], tieRule: TieRule = .lowestIndex, inhibition: Bool = true
    ) throws -> (snapshots: [TickSnapshot], events: [NeuronEvent]) {
        let configuration = NetworkConfiguration(
            inputs: 4, layers: [LayerConfiguration(neurons: neurons, lateralInhibition: inhibition)],
            clock: ClockSettings(frequencyHertz: 2_000, ticksPerPhase: 1), tieRule: tieRule)
        var core = try NeuronCore(configuration: configuration)
        var board = TraceRecorder(FireSenseTrace(trace))
        var events: [NeuronEvent] = []
        for _ in trace.indices {
            core.tick(on: &board)
            events += core.events
        }
        return (board.snapshots, events)
    }

    static func gates(_ snapshot: TickSnapshot) -> [Bool] {
        snapshot.neurons.map { $0.contains(.columnGate) }
    }

    static func senses(_ neurons: Int, _ firing: Set<Int>) -> [Bool] {
        (0..<neurons).map { firing.contains($0) }
    }

    @Test("with no G3 high every LG line is 1; once a winner's G3 rises only its LG is 1")
    func winnerTakesAll() throws {
        // Neuron 2 fires at tick 2 (a high tick) and its sense clears at tick 4.
        let trace = (0..<12).map { tick in Self.senses(4, (2..<4).contains(tick) ? [2] : []) }
        let (snapshots, events) = try Self.run(neurons: 4, trace: trace)
        for snapshot in snapshots {
            let g3 = snapshot.neurons.map { $0.contains(.inhibition) }
            if g3.contains(true) {
                #expect(Self.gates(snapshot) == g3, "tick \(snapshot.tick)")
            } else {
                #expect(Self.gates(snapshot) == [true, true, true, true], "tick \(snapshot.tick)")
            }
        }
        #expect(Self.gates(snapshots[2]) == [false, false, true, false])
        let inhibition = events.filter { $0.kind == .lateralInhibition }
        #expect(inhibition.map(\.tick) == [2] && inhibition.map(\.neuron) == [2])
        #expect(events.filter { $0.kind == .inhibitionReleased }.count == 1)
    }

    @Test("the winner is held while its G3 is high, even when another neuron's G3 rises")
    func winnerIsHeld() throws {
        // Neuron 0 fires at tick 2, neuron 3 at tick 4 (while 0's G3 is still high: L2 holds it).
        let trace = (0..<16).map { tick -> [Bool] in
            var firing: Set<Int> = []
            if (2..<4).contains(tick) { firing.insert(0) }
            if (4..<8).contains(tick) { firing.insert(3) }
            return Self.senses(4, firing)
        }
        let (snapshots, events) = try Self.run(neurons: 4, trace: trace)
        #expect(Self.gates(snapshots[4]) == [true, false, false, false])
        // Neuron 0's G3 falls; neuron 3's is still high: it becomes the winner in the same tick.
        let handOver = snapshots.firstIndex { !$0.neurons[0].contains(.inhibition) && $0.tick > 2 }!
        #expect(Self.gates(snapshots[handOver]) == [false, false, false, true])
        let winners = events.filter { $0.kind == .lateralInhibition }.map(\.neuron)
        #expect(winners == [0, 3])
    }

    @Test("ties: the lowest index wins by default")
    func tieLowestIndex() throws {
        let trace = (0..<6).map { tick in Self.senses(4, tick == 2 ? [1, 3] : []) }
        let (snapshots, events) = try Self.run(neurons: 4, trace: trace)
        #expect(Self.gates(snapshots[2]) == [false, true, false, false])
        let event = try #require(events.first { $0.kind == .lateralInhibition })
        #expect(event.neuron == 1)
        #expect(event.payload == 2, "the event says how many neurons tied")
    }

    @Test("ties: round robin starts after the previous winner")
    func tieRoundRobin() throws {
        // The same two neurons tie three times, far enough apart for each to be released.
        let trace = (0..<30).map { tick in Self.senses(4, [2, 12, 22].contains(tick) ? [1, 3] : []) }
        let (_, events) = try Self.run(neurons: 4, trace: trace, tieRule: .roundRobin)
        #expect(events.filter { $0.kind == .lateralInhibition }.map(\.neuron) == [1, 3, 1])
        let (_, lowest) = try Self.run(neurons: 4, trace: trace, tieRule: .lowestIndex)
        #expect(lowest.filter { $0.kind == .lateralInhibition }.map(\.neuron) == [1, 1, 1])
    }

    @Test("ties: a seeded draw is reproducible and picks every candidate over many ties")
    func tieSeededRandom() throws {
        let trace = (0..<1_000).map { tick in Self.senses(3, tick % 10 == 2 ? [0, 1, 2] : []) }
        let (_, first) = try Self.run(neurons: 3, trace: trace, tieRule: .seededRandom(seed: 7))
        let (_, again) = try Self.run(neurons: 3, trace: trace, tieRule: .seededRandom(seed: 7))
        let (_, other) = try Self.run(neurons: 3, trace: trace, tieRule: .seededRandom(seed: 8))
        let winners = first.filter { $0.kind == .lateralInhibition }.map(\.neuron)
        #expect(winners.count == 100)
        #expect(winners == again.filter { $0.kind == .lateralInhibition }.map(\.neuron))
        #expect(winners != other.filter { $0.kind == .lateralInhibition }.map(\.neuron))
        for neuron in 0..<3 {
            let share = winners.filter { $0 == neuron }.count
            #expect((15...55).contains(share), "neuron \(neuron) won \(share) of 100 ties")
        }
    }

    @Test("a layer without lateral inhibition keeps every column enabled")
    func noInhibition() throws {
        let trace = (0..<8).map { tick in Self.senses(3, tick == 2 ? [1] : []) }
        let (snapshots, events) = try Self.run(neurons: 3, trace: trace, inhibition: false)
        #expect(snapshots.allSatisfy { Self.gates($0) == [true, true, true] })
        #expect(!events.contains { $0.kind == .lateralInhibition })
    }

    @Test("layers are inhibited independently in the paper's 30 × 10 × 10 network")
    func paperNetworkLayers() throws {
        var core = try NeuronCore(configuration: .paperNetwork())
        var trace = Array(repeating: Array(repeating: false, count: 20), count: 4)
        trace[0][4] = true  // hidden neuron 4 fires
        trace[0][15] = true  // output neuron 5 fires: layer 2 has no LIA
        var board = TraceRecorder(FireSenseTrace(trace))
        core.tick(on: &board)
        let lines = board.snapshots[0].neurons
        #expect(core.winner(ofLayer: 0) == 4)
        #expect(core.winner(ofLayer: 1) == nil)
        #expect((0..<10).map { lines[$0].contains(.columnGate) } == (0..<10).map { $0 == 4 })
        #expect((10..<20).allSatisfy { lines[$0].contains(.columnGate) })
    }
}
