import SomaCore
import SomaTesting
import Testing

/// The `present` protocol, stepped before every tick as the daemon's loop does.
@Suite("Pattern presentation")
struct PatternPresentationTests {
    /// Loads `patterns` (one String of 0/1 per pattern) into a fresh single-neuron core.
    func core(_ patterns: [String], capacity: Int = 8) throws -> NeuronCore {
        var core = try NeuronCore(configuration: .singleNeuron(inputs: patterns[0].count), patternCapacity: capacity)
        let pixels = patterns.flatMap { $0.map { $0 == "1" } }
        let loaded = pixels.withUnsafeBufferPointer { core.loadPatterns($0, count: patterns.count) }
        #expect(loaded)
        return core
    }

    /// Runs the protocol to its end (or `limit` ticks); what it presented, tick by tick.
    func run(_ plan: PresentationPlan, on core: inout NeuronCore, skipTicks: Int = 0, limit: Int = 100_000) -> (steps: [(tick: UInt64, step: PresentationStep)], rows: [[Bool]]) {
        var board = ScriptedNeuronBoard(configuration: core.configuration, pulsesToFire: 1_000_000)
        for _ in 0..<skipTicks { core.tick(on: &board) }
        var presentation = PatternPresentation(capacity: 8)
        let started = presentation.start(plan, core: core)
        #expect(started)
        var steps: [(UInt64, PresentationStep)] = []
        var rows: [[Bool]] = []
        for _ in 0..<limit where presentation.isActive {
            let tick = core.nextTick
            let step = presentation.advance(core: &core)
            if step != .unchanged { steps.append((tick, step)) }
            core.tick(on: &board)
            rows.append((0..<core.inputCount).map { core.rowIsPulsing($0) })
        }
        return (steps, rows)
    }

    @Test("each pattern for its periods, a rest between, the set repeated, starting on a period boundary")
    func orderAndTiming() throws {
        var core = try core(["10", "01", "11"])
        let period = UInt64(NetworkConfiguration.singleNeuron().clock.ticksPerPeriod)
        let plan = PresentationPlan(periodsPerPattern: 2, restPeriods: 1, repeats: 2)
        let (steps, rows) = run(plan, on: &core, skipTicks: 3)
        let presented = steps.compactMap { entry -> (UInt64, Int, Int)? in
            if case .presented(let pattern, let number) = entry.step { return (entry.tick, pattern, number) }
            return nil
        }
        #expect(presented.map(\.1) == [0, 1, 2, 0, 1, 2])
        #expect(presented.map(\.2) == Array(0..<6))
        #expect(presented[0].0 == period, "waits for the next period boundary")
        #expect(zip(presented, presented.dropFirst()).allSatisfy { $1.0 - $0.0 == 3 * period }, "2 periods on, 1 at rest")
        if case .finished = steps.last!.step {} else { Issue.record("ends with .finished") }
        #expect(steps.last!.tick == presented.last!.0 + 3 * period)
        let presentedAtEnd = core.presented
        #expect(presentedAtEnd == nil, "the inputs are grounded at the end")
        // During a rest no row pulses; during a presentation only the pattern's rows do.
        let firstRest = Int(presented[0].0 - 3 + 2 * period)
        #expect(rows[firstRest..<(firstRest + Int(period))].allSatisfy { $0 == [false, false] })
        #expect(rows.contains([true, false]) && rows.contains([false, true]) && rows.contains([true, true]))
    }

    @Test("a shuffle seed gives every repeat the whole set in a new order; the same seed the same orders")
    func shuffled() throws {
        func order(seed: UInt64) throws -> [Int] {
            var core = try core(["100", "010", "001", "110", "011", "101", "111"])
            return run(PresentationPlan(periodsPerPattern: 1, repeats: 4, shuffleSeed: seed), on: &core).steps.compactMap {
                if case .presented(let pattern, _) = $0.step { return pattern }
                return nil
            }
        }
        let first = try order(seed: 42)
        #expect(first.count == 28)
        for repeatIndex in 0..<4 { #expect(Set(first[(repeatIndex * 7)..<(repeatIndex * 7 + 7)]) == Set(0..<7)) }
        #expect(first != Array(repeating: Array(0..<7), count: 4).flatMap { $0 }, "shuffled")
        #expect(try order(seed: 42) == first)
        #expect(try order(seed: 43) != first)
        #expect(try order(seed: 0) == Array(repeating: Array(0..<7), count: 4).flatMap { $0 }, "seed 0: the set's order")
    }

    @Test("stop grounds the inputs at once; an empty plan or an empty bank does not start")
    func stopAndRefusals() throws {
        var core = try core(["11"])
        var presentation = PatternPresentation(capacity: 1)
        let noPeriods = presentation.start(PresentationPlan(periodsPerPattern: 0), core: core)
        let noRepeats = presentation.start(PresentationPlan(periodsPerPattern: 1, repeats: 0), core: core)
        #expect(!noPeriods && !noRepeats)
        let started = presentation.start(PresentationPlan(periodsPerPattern: 5), core: core)
        #expect(started)
        let step = presentation.advance(core: &core)
        #expect(step == .presented(pattern: 0, number: 0))
        let presenting = core.presented
        #expect(presenting == 0)
        presentation.stop(core: &core)
        let (active, afterStop) = (presentation.isActive, core.presented)
        #expect(!active && afterStop == nil)
        var empty = try NeuronCore(configuration: .singleNeuron(), patternCapacity: 4)
        let startedEmpty = presentation.start(PresentationPlan(periodsPerPattern: 1), core: empty)
        #expect(!startedEmpty)
        let loadedNothing = [Bool]().withUnsafeBufferPointer { empty.loadPatterns($0, count: 0) }
        #expect(loadedNothing)
    }

    @Test("loading patterns checks the reserved room and the pixel count; a refused load changes nothing")
    func loading() throws {
        var core = try core(["10", "01"], capacity: 2)
        let three = [true, false, false, true, true, true]
        let tooMany = three.withUnsafeBufferPointer { core.loadPatterns($0, count: 3) }
        #expect(!tooMany, "beyond the reserved room")
        let mismatched = three.prefix(3).withUnsafeBufferPointer { core.loadPatterns($0, count: 2) }
        #expect(!mismatched, "pixels do not match the count")
        let count = core.patternCount
        #expect(count == 2)
        let presentedOne = core.present(pattern: 1)
        #expect(presentedOne)
        let one = [true, true]
        let loadedOne = one.withUnsafeBufferPointer { core.loadPatterns($0, count: 1) }
        let (newCount, presented) = (core.patternCount, core.presented)
        #expect(loadedOne && newCount == 1 && presented == nil, "a load withdraws the presented pattern")
    }
}
