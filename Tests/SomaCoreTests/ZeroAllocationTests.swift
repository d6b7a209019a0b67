import CMallocCounter
import SomaCore
import SomaTesting
import Testing

/// Counts the heap allocations `body` makes on the calling thread.
func mallocs(_ body: () -> Void) -> UInt64 {
    soma_malloc_counter_start()
    body()
    return soma_malloc_counter_stop()
}

/// The tick path checked by the compiler for one concrete board: `@_noAllocation` and `@_noLocks`
/// on this specialisation make the build fail if the core's tick, or the board's sense and drive,
/// could allocate or lock.
/// Reading the events after every tick is part of the loop, too: it counts them by kind.
@_noAllocation @_noLocks
func runTicks(
    _ core: inout NeuronCore, on board: inout RandomFireSenseBoard, count: Int, patterns: Int,
    tally: inout EventTally
) {
    for tick in 0..<count {
        if patterns > 0 && tick % 500 == 0 { core.present(pattern: (tick / 500) % patterns) }
        core.tick(on: &board)
        for event in core.events {
            switch event.kind {
            case .fire: tally.fires += 1
            case .lateralInhibition: tally.inhibitions += 1
            case .overrun: tally.overruns += 1
            default: tally.others += 1
            }
        }
    }
}

struct EventTally {
    var fires = 0
    var inhibitions = 0
    var overruns = 0
    var others = 0
}

/// The fixed-memory rule: after start, the loop allocates nothing.
@Suite("Zero allocations in the tick")
struct ZeroAllocationTests {
    static func paperPatterns() throws -> PatternBank {
        var state: UInt64 = 42
        let patterns = (0..<10).map { label in
            Pattern(pixels: (0..<30).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return state >> 63 == 1
            }, label: "\(label)")
        }
        return try PatternBank(patterns, inputCount: 30)
    }

    @Test("the counter sees allocations on this thread (so a zero below means something)")
    func counterWorks() {
        let counted = mallocs {
            let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
            storage.deallocate()
            var array: [Int] = []
            for value in 0..<100 { array.append(value) }
            #expect(array.count == 100)
        }
        #expect(counted >= 2)
    }

    @Test("1,000,000 ticks of the 30 × 10 × 10 network allocate nothing", arguments: OperatingMode.allCases)
    func paperNetworkMillionTicks(mode: OperatingMode) throws {
        var configuration = NetworkConfiguration.paperNetwork()
        configuration.mode = mode
        configuration.tieRule = .roundRobin
        var core = try NeuronCore(configuration: configuration, patterns: Self.paperPatterns())
        var board = RandomFireSenseBoard(seed: 1, flipsPerThousand: 80)
        var tally = EventTally()
        runTicks(&core, on: &board, count: 10_000, patterns: 10, tally: &tally)  // warm-up
        tally = EventTally()
        let counted = mallocs {
            for _ in 0..<100 {
                runTicks(&core, on: &board, count: 10_000, patterns: 10, tally: &tally)
                core.noteOverrun(missedTicks: 1)
            }
        }
        #expect(counted == 0)
        #expect(core.nextTick == 1_010_000)
        // The run exercised the paths that matter: fires and winner-take-all decisions.
        #expect(tally.fires > 10_000)
        #expect(tally.inhibitions > 1_000)
        #expect(tally.overruns == 99)
        #expect(core.droppedEvents == 0)
    }

    @Test("one neuron, 1,000,000 ticks, nothing allocated")
    func singleNeuronMillionTicks() throws {
        var core = try NeuronCore(
            configuration: .singleNeuron(),
            patterns: PatternBank([Pattern(pixels: [true, false])], inputCount: 2))
        var board = RandomFireSenseBoard(seed: 9)
        var tally = EventTally()
        runTicks(&core, on: &board, count: 1_000, patterns: 1, tally: &tally)
        let counted = mallocs { runTicks(&core, on: &board, count: 1_000_000, patterns: 1, tally: &tally) }
        #expect(counted == 0)
        #expect(tally.fires > 1_000)
        #expect(board.checksum != 0)
    }
}

/// The learning protocol stepped before every tick, checked by the compiler like `runTicks`.
@_noAllocation @_noLocks
func runLearning(_ core: inout NeuronCore, _ learning: inout LearningRun, on board: inout RandomFireSenseBoard, count: Int) -> Int {
    var logged = 0
    for _ in 0..<count {
        if learning.advance(core: &core) { return logged }
        logged += learning.events.count
        core.tick(on: &board)
        logged += core.events.count
    }
    return logged
}

@Suite("Zero allocations in the learning protocol")
struct LearningZeroAllocationTests {
    @Test("1,000,000 ticks of the full protocol (training, gating, noisy inference) allocate nothing")
    func fullProtocolMillionTicks() throws {
        var configuration = NetworkConfiguration.paperNetwork()
        configuration.tieRule = .seededRandom(seed: 3)
        var core = try NeuronCore(configuration: configuration, patterns: ZeroAllocationTests.paperPatterns())
        var board = RandomFireSenseBoard(seed: 2, flipsPerThousand: 80)
        var learning = LearningRun(capacity: 10)
        var plan = LearningPlan(kind: .full)
        plan.layer1Epochs = 200
        plan.layer2Epochs = 200
        plan.noisePixels = 3
        #expect(learning.start(plan, core: &core))
        _ = runLearning(&core, &learning, on: &board, count: 10_000)  // warm-up
        var logged = 0
        let counted = mallocs {
            for _ in 0..<100 { logged += runLearning(&core, &learning, on: &board, count: 10_000) }
        }
        #expect(counted == 0)
        #expect(logged > 10_000)
        #expect(learning.presentationsBegun > 1_000, "the run went through many presentations")
        #expect(learning.stage != .layer1, "and on past layer-1 training")
    }
}

extension LearningZeroAllocationTests {
    @Test("1,000,000 ticks of stdp pairings, read-outs and characterisation sweeps (synapse accesses, single pulses, column currents, pulse widths and spacings) allocate nothing")
    func stdpAndReadoutMillionTicks() throws {
        var core = try NeuronCore(configuration: .paperNetwork(), patterns: ZeroAllocationTests.paperPatterns())
        var board = RandomFireSenseBoard(seed: 5, flipsPerThousand: 80)
        var learning = LearningRun(capacity: 10)
        var stdp = LearningPlan(kind: .stdp)
        stdp.stdpRow = 3
        stdp.stdpNeuron = 2
        stdp.stdpFromMilliseconds = -20
        stdp.stdpToMilliseconds = 20
        stdp.stdpStepMilliseconds = 5
        stdp.stdpRestorePulses = 5
        let readout = LearningPlan(kind: .readout)
        var widths = LearningPlan(kind: .characterize)
        widths.sweep = .width
        widths.sweepFrom = 50
        widths.sweepTo = 250
        widths.sweepStep = 50
        widths.testRepeats = 2
        widths.maxPulses = 20
        var spacings = widths
        spacings.sweep = .interval
        spacings.measure = .rate
        spacings.sweepFrom = 1
        spacings.sweepTo = 3
        spacings.sweepStep = 1
        spacings.inferPeriods = 10
        var amplitudes = widths
        amplitudes.sweep = .amplitude
        amplitudes.sweepFrom = 1.0
        amplitudes.sweepTo = 1.6
        amplitudes.sweepStep = 0.3
        let plans = [stdp, readout, widths, spacings, amplitudes]
        var sweepPoints = 0
        #expect(learning.start(stdp, core: &core))
        _ = runLearning(&core, &learning, on: &board, count: 10_000)  // warm-up
        var runs = 0
        var logged = 0
        var pairings = 0
        let counted = mallocs {
            var ticks = 0
            while ticks < 1_000_000 {
                let finished = learning.advance(core: &core)
                for event in learning.events {
                    if case .stdpPairing = event.kind { pairings += 1 }
                    if case .sweepPoint = event.kind { sweepPoints += 1 }
                }
                logged += learning.events.count
                if finished {
                    runs += 1
                    _ = learning.start(plans[runs % plans.count], core: &core)
                }
                core.tick(on: &board)
                ticks += 1
            }
        }
        #expect(counted == 0)
        #expect(runs > 10, "every protocol ran to the end, more than once")
        #expect(pairings > 100)
        #expect(sweepPoints > 20)
        #expect(logged > 10_000)
    }

    @Test("starting and stopping learning runs allocates nothing")
    func startAndStop() throws {
        var core = try NeuronCore(configuration: .paperNetwork(), patterns: ZeroAllocationTests.paperPatterns())
        var learning = LearningRun(capacity: 10)
        let plan = LearningPlan(kind: .full)
        var started = 0
        let counted = mallocs {
            for _ in 0..<1_000 {
                if learning.start(plan, core: &core) { started += 1 }
                _ = learning.advance(core: &core)
                learning.stop(core: &core)
            }
        }
        #expect(counted == 0)
        #expect(started == 1_000)
    }
}
