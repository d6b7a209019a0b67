import SomaCore
import SomaTesting
import Testing

/// A scripted board that also records what the protocol drove: per tick, the rows and every
/// neuron's lines.
struct RecordingBoard: Board {
    var inner: ScriptedNeuronBoard
    var rows: [[Bool]] = []
    var neurons: [[NeuronSignals]] = []
    var amplitudes: [Double?] = []

    mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? { inner.sense(lines, tick: tick) }

    mutating func drive(_ lines: DrivenLines) -> BoardFault? {
        rows.append(Array(lines.rows))
        neurons.append(Array(lines.neurons))
        amplitudes.append(lines.inputAmplitudeVolts)
        return inner.drive(lines)
    }
}

@Suite("Learning protocols")
struct LearningProtocolTests {
    /// 4 inputs → 3 hidden neurons under lateral inhibition → 2 outputs.
    static let network = NetworkConfiguration(
        inputs: 4, layers: [LayerConfiguration(neurons: 3, lateralInhibition: true), LayerConfiguration(neurons: 2)],
        tieRule: .seededRandom(seed: 5))
    static let patterns = try! PatternBank(
        [Pattern(pixels: [true, true, false, false]), Pattern(pixels: [false, false, true, true])], inputCount: 4)

    /// Runs `plan` to its end (or `limit` ticks); returns the events logged, in order, and the board.
    static func run(_ plan: LearningPlan, pulsesToFire: Int = 3, limit: Int = 200_000) throws -> (events: [NeuronEvent], board: RecordingBoard, ticks: UInt64) {
        var core = try NeuronCore(configuration: network, patterns: patterns)
        var board = RecordingBoard(inner: ScriptedNeuronBoard(configuration: network, pulsesToFire: pulsesToFire))
        var learning = LearningRun(capacity: 4)
        #expect(learning.start(plan, core: &core))
        var events = Array(learning.events)
        for _ in 0..<limit {
            let finished = learning.advance(core: &core)
            events += learning.events
            if finished { break }
            core.tick(on: &board)
            events += core.events
        }
        let ended = !learning.isActive
        #expect(ended, "the run ended within \(limit) ticks")
        return (events, board, core.nextTick)
    }

    @Test("layer1-wta: per pattern, pulses until a hidden neuron fires; the winner and the pulse count are logged; later layers stay gated off")
    func layerOneTraining() throws {
        var plan = LearningPlan(kind: .layer1WTA)
        plan.layer1Epochs = 3
        let (events, board, _) = try Self.run(plan)
        let stages = events.filter { $0.kind == .stageStarted }
        #expect(stages.map(\.layer) == [ProtocolStage.layer1.rawValue] && stages.first?.payload == 3)
        let presentations = events.filter { $0.kind == .presentation }
        #expect(presentations.count == 6)
        #expect(presentations.allSatisfy { $0.layer == ProtocolStage.layer1.rawValue && $0.tick % 10 == 0 }, "each begins on a clock-period boundary")
        let learned = events.filter { $0.kind == .learned }
        #expect(learned.count == 6)
        #expect(learned.allSatisfy { $0.layer == 0 && $0.payload == 3 && $0.neuron < 3 }, "\(learned)")
        // Each learned winner is the neuron the lateral inhibition picked just before.
        for event in learned {
            let pick = events.last { $0.kind == .lateralInhibition && $0.layer == 0 && $0.tick < event.tick }
            #expect(pick?.neuron == event.neuron)
        }
        // The output layer never had a column enabled while layer 1 trained.
        #expect(board.neurons.allSatisfy { lines in !lines[3].contains(.columnGate) && !lines[4].contains(.columnGate) })
        // Layer 1 learns: PG follows LG there.
        #expect(board.neurons.contains { $0[0].contains(.programming) })
    }

    @Test("layer2-supervised: only the label's output column is gated on; the hidden layer reads without writing")
    func layerTwoTraining() throws {
        var plan = LearningPlan(kind: .layer2Supervised)
        plan.layer2Epochs = 2
        let (events, board, _) = try Self.run(plan)
        let learned = events.filter { $0.kind == .learned }
        #expect(learned.count == 4)
        var pattern = -1
        for event in events {
            if event.kind == .presentation { pattern = Int(event.payload) }
            if event.kind == .learned { #expect(event.layer == 1 && Int(event.neuron) == pattern % 2, "target of pattern \(pattern)") }
        }
        for lines in board.neurons {
            // At most one output column open, never both; no hidden column may program.
            #expect(!(lines[3].contains(.columnGate) && lines[4].contains(.columnGate)))
            #expect((0..<3).allSatisfy { !lines[$0].contains(.programming) })
        }
        #expect(board.neurons.contains { $0[3].contains(.programming) } && board.neurons.contains { $0[4].contains(.programming) })
    }

    @Test("infer: fixed-length presentations with exactly K pixels flipped, learning off everywhere")
    func inference() throws {
        var plan = LearningPlan(kind: .infer)
        plan.testRepeats = 3
        plan.inferPeriods = 6
        plan.noisePixels = 1
        let (events, board, _) = try Self.run(plan)
        let presentations = events.filter { $0.kind == .presentation }
        #expect(presentations.count == 6 && presentations.allSatisfy { $0.layer == ProtocolStage.inference.rawValue })
        #expect(!events.contains { $0.kind == .learned || $0.kind == .noFire })
        #expect(board.neurons.allSatisfy { lines in lines.allSatisfy { !$0.contains(.programming) } })
        // During each presentation's pulses the input rows differ from the pattern in one pixel.
        for (index, presentation) in presentations.enumerated() {
            let end = index + 1 < presentations.count ? Int(presentations[index + 1].tick) : board.rows.count
            let pattern = Self.patterns.patterns[Int(presentation.payload)].pixels
            let pulsed = (Int(presentation.tick)..<end).filter { board.rows[$0][0..<4].contains(true) }
            #expect(!pulsed.isEmpty)
            for tick in pulsed {
                let flips = (0..<4).filter { board.rows[tick][$0] != pattern[$0] }.count
                #expect(flips == 1, "presentation \(index), tick \(tick)")
            }
        }
    }

    @Test("a training presentation that never fires gives up at maxPulses with a no-fire event, and the run goes on")
    func pulseLimit() throws {
        var plan = LearningPlan(kind: .layer1WTA)
        plan.layer1Epochs = 1
        plan.maxPulses = 7
        let (events, _, _) = try Self.run(plan, pulsesToFire: 1_000)
        let misses = events.filter { $0.kind == .noFire }
        #expect(misses.count == 2 && misses.allSatisfy { $0.payload == 7 })
    }

    @Test("full: layer-1 training, layer-2 training and inference in turn, in that order")
    func fullProtocol() throws {
        var plan = LearningPlan(kind: .full)
        plan.layer1Epochs = 2
        plan.layer2Epochs = 1
        plan.testRepeats = 1
        plan.inferPeriods = 3
        let (events, _, _) = try Self.run(plan)
        #expect(events.filter { $0.kind == .stageStarted }.map(\.layer) == [1, 2, 3])
        #expect(events.filter { $0.kind == .presentation }.map(\.layer) == [1, 1, 1, 1, 2, 2, 3, 3])
        #expect(plan.presentations(patterns: 2) == 8)
    }

    @Test("plans that cannot run name the field: no second layer, noise beyond the inputs, zero epochs")
    func refusals() {
        #expect(LearningPlan(kind: .full).problem(layerSizes: [3], inputCount: 4)?.field == "protocol")
        var noisy = LearningPlan(kind: .infer)
        noisy.noisePixels = 5
        #expect(noisy.problem(layerSizes: [3, 2], inputCount: 4)?.field == "noisePixels")
        var none = LearningPlan(kind: .layer1WTA)
        none.layer1Epochs = 0
        #expect(none.problem(layerSizes: [3], inputCount: 4)?.field == "epochs")
        #expect(LearningPlan(kind: .layer1WTA).problem(layerSizes: [3], inputCount: 4) == nil)
    }

    @Test("ramp-wta: each presentation starts at the ramp's start and rises one step per clock period without a fire, never past the top")
    func rampWTA() throws {
        var plan = LearningPlan(kind: .rampWTA)
        plan.layer1Epochs = 1
        plan.rampStartVolts = 0.5
        plan.rampStepVolts = 0.25
        plan.rampMaxVolts = 1.25
        let (events, board, _) = try Self.run(plan, pulsesToFire: 6)
        #expect(events.filter { $0.kind == .learned }.count == 2)
        for presentation in events.filter({ $0.kind == .presentation }) {
            let start = Int(presentation.tick)
            // The amplitude driven during each of the presentation's first six periods.
            let ramp = (0..<6).map { board.amplitudes[start + $0 * 10] }
            #expect(ramp == [0.5, 0.75, 1.0, 1.25, 1.25, 1.25], "\(ramp)")
        }
    }
}
