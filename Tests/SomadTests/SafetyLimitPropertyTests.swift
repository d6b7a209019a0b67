import SomaCore
import SomaRuntime
import SomaSim
import SomaTesting
import Testing

/// Checks every tick's driven lines against device limits, independently of the output stage
/// (naively, from the whole history of each row), and records every violation.
struct LimitChecker<Inner: Board>: Board {
    var inner: Inner
    let limits: OutputLimits
    let inputRows: Int
    let boardAmplitudeVolts: Double
    /// Per row: the ticks it was driven on, and the ticks a pulse rose.
    var onTicks: [[UInt64]]
    var riseTicks: [[UInt64]]
    var last: [Bool]
    var violations: [String] = []
    var pulses = 0
    var lastDriven: (clock: ClockPhase, rows: [Bool], neurons: [NeuronSignals])?

    init(_ inner: Inner, limits: OutputLimits, rows: Int, inputRows: Int, boardAmplitudeVolts: Double) {
        self.inner = inner
        self.limits = limits
        self.inputRows = inputRows
        self.boardAmplitudeVolts = boardAmplitudeVolts
        onTicks = Array(repeating: [], count: rows)
        riseTicks = Array(repeating: [], count: rows)
        last = Array(repeating: false, count: rows)
    }

    mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? { inner.sense(lines, tick: tick) }

    mutating func drive(_ lines: DrivenLines) -> BoardFault? {
        let tick = lines.tick
        for row in 0..<lines.rows.count {
            let on = lines.rows[row]
            if on {
                onTicks[row].append(tick)
                if !last[row] {
                    riseTicks[row].append(tick)
                    pulses += 1
                    let volts = lines.inputAmplitudeVolts ?? boardAmplitudeVolts
                    if row < inputRows && !(volts <= limits.maxAmplitudeVolts) {
                        violations.append("tick \(tick) row \(row): a pulse at \(volts) V, limit \(limits.maxAmplitudeVolts) V")
                    }
                }
                // Width: the on-ticks ending here, counted back.
                var width = 0
                for earlier in onTicks[row].reversed() {
                    guard earlier == tick - UInt64(width) else { break }
                    width += 1
                }
                if width > limits.maxPulseWidthTicks {
                    violations.append("tick \(tick) row \(row): on for \(width) ticks, limit \(limits.maxPulseWidthTicks)")
                }
                let period = UInt64(limits.ticksPerPeriod)
                let inPeriod = onTicks[row].reversed().prefix { $0 + period > tick }.count
                if inPeriod > limits.maxOnTicksPerPeriod {
                    violations.append("tick \(tick) row \(row): on \(inPeriod) ticks of a \(period)-tick period, limit \(limits.maxOnTicksPerPeriod)")
                }
                let second = UInt64(limits.ticksPerSecond)
                let inSecond = riseTicks[row].reversed().prefix { $0 + second > tick }.count
                if inSecond > limits.maxPulsesPerSecond {
                    violations.append("tick \(tick) row \(row): \(inSecond) pulses within a second, limit \(limits.maxPulsesPerSecond)")
                }
            }
            last[row] = on
        }
        lastDriven = (lines.clock, Array(lines.rows), Array(lines.neurons))
        return inner.drive(lines)
    }
}

/// Safety limits as a property: random networks, clocks, pulse settings, device limits (some
/// tighter than the pulses the network asks for), runs and command streams, with faults injected
/// now and then; at the output of every tick no row may pass a limit, and however the stream
/// ends — a normal end, a stop, a fault policy stop, a halt, shutdown — the board is left in the
/// safe state.
@Suite("Safety limits as a property")
struct SafetyLimitPropertyTests {
    struct Trial {
        var network: NetworkConfiguration
        var limits: OutputLimits
        var boardAmplitudeVolts: Double
        var loopAmplitudeLimitVolts: Double
    }

    func makeTrial(_ random: inout SeededRandom) -> Trial {
        func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(random.next() % UInt64(range.count)) }
        func between(_ low: Double, _ high: Double) -> Double { low + (high - low) * random.unit() }
        let ticksPerPhase = pick(1...6)
        let clock = ClockSettings(frequencyHertz: [500, 2_000, 5_000][pick(0...2)], ticksPerPhase: ticksPerPhase)
        let offset = pick(0...(ticksPerPhase - 1))
        let pulse = InputPulseSettings(phase: random.next() % 2 == 0 ? .high : .low, offsetTicks: offset, widthTicks: pick(1...(ticksPerPhase - offset)))
        let hidden = pick(1...4)
        let layers = random.next() % 2 == 0
            ? [LayerConfiguration(neurons: hidden, lateralInhibition: true)]
            : [LayerConfiguration(neurons: hidden, lateralInhibition: true), LayerConfiguration(neurons: pick(1...3))]
        var network = NetworkConfiguration(inputs: pick(2...6), layers: layers, clock: clock, inputPulse: pulse)
        network.tieRule = .seededRandom(seed: random.next())
        let tickMicroseconds = Double(clock.tickNanoseconds) / 1_000
        let boardVolts = between(0.5, 2.0)
        let limits = OutputLimits(
            maxAmplitudeVolts: between(0.8, 2.2), boardAmplitudeVolts: boardVolts,
            maxPulseWidthMicroseconds: tickMicroseconds * between(0.5, Double(2 * ticksPerPhase) + 0.5),
            maxDuty: between(0.05, 1),
            maxPulsesPerSecond: between(0, clock.frequencyHertz * 1.2),
            clock: clock)
        return Trial(network: network, limits: limits, boardAmplitudeVolts: boardVolts, loopAmplitudeLimitVolts: between(0.5, 3.0))
    }

    func randomPlan(_ random: inout SeededRandom, network: NetworkConfiguration) -> RunPlan {
        func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(random.next() % UInt64(range.count)) }
        switch random.next() % 4 {
        case 0, 1:
            return .present(PresentationPlan(periodsPerPattern: pick(1...40), restPeriods: pick(0...5), repeats: pick(1...5), shuffleSeed: random.next() % 3))
        default:
            let kinds: [LearningProtocolKind] = network.layers.count > 1 ? [.layer1WTA, .rampWTA, .full, .infer] : [.layer1WTA, .rampWTA]
            var plan = LearningPlan(kind: kinds[pick(0...(kinds.count - 1))])
            plan.layer1Epochs = pick(1...2)
            plan.layer2Epochs = 1
            plan.maxPulses = pick(1...30)
            plan.inferPeriods = pick(1...10)
            plan.testRepeats = 1
            plan.observePeriods = pick(1...5)
            plan.rampStartVolts = 0.2 + random.unit()
            plan.rampStepVolts = 0.01 + random.unit() * 0.5
            plan.rampMaxVolts = 0.5 + random.unit() * 2.5
            plan.seed = random.next()
            return .learn(plan)
        }
    }

    @Test("200 random networks, limits and command streams: no row ever passes a limit at the output, and every way a stream ends leaves the safe state")
    func randomStreams() throws {
        var random = SeededRandom(seed: 0x5AFE)
        var enforced = 0, pulses = 0, runs = 0, halts = 0, violations = 0
        for trialNumber in 0..<200 {
            let trial = makeTrial(&random)
            let network = trial.network
            let patternCount = 1 + Int(random.next() % 4)
            var core = try NeuronCore(configuration: network, patternCapacity: 4)
            core.enforce(trial.limits)
            var settings = BreadboardSettings(network: network)
            settings.seed = random.next()
            settings.inputAmplitudeVolts = trial.boardAmplitudeVolts
            var faults: [InjectedFault] = []
            for _ in 0..<Int(random.next() % 3) {
                let start = random.next() % 3_000
                let kind: BoardFault.Kind = random.next() % 4 == 0 ? .ioFailure : .untrustedSense
                faults.append(InjectedFault(ticks: start..<(start + random.next() % 400 + 1), stage: random.next() % 2 == 0 ? .sense : .drive, fault: BoardFault(code: 5, kind: kind)))
            }
            let faulty = FaultInjectingBoard(try Breadboard(settings: settings), faults: faults)
            var board = LimitChecker(faulty, limits: trial.limits, rows: network.rowCount, inputRows: network.inputs, boardAmplitudeVolts: trial.boardAmplitudeVolts)
            let control = LoopControl(
                inputCount: network.inputs, patternCapacity: 4, maxAmplitudeVolts: trial.loopAmplitudeLimitVolts,
                maxPulsesPerPresentation: 1_000, faultPolicy: FaultPolicy(untrustedSenseLimitTicks: random.next() % 200))
            for index in 0..<(network.inputs * patternCount) { control.staging[index] = random.next() % 2 == 0 }
            var hooks = BoardLoop(control: control)
            var loop = TickLoop(tickNanoseconds: 1, pacing: .asFastAsPossible)
            var run: UInt32 = 0
            for _ in 0..<(4 + Int(random.next() % 8)) {
                if random.next() % 3 == 0, run > 0 {
                    _ = control.send(.stopRun(run: run))
                } else {
                    run += 1
                    let amplitude: Double? = random.next() % 2 == 0 ? nil : random.unit() * 3
                    _ = control.send(.startRun(run: run, patternCount: patternCount, plan: randomPlan(&random, network: network), inputAmplitudeVolts: amplitude, missPolicy: .logAndContinue))
                    runs += 1
                }
                loop.run(core: &core, board: &board, maxTicks: 50 + random.next() % 800, hooks: &hooks)
            }
            // However the stream ended, the daemon's way out: shutdown ends a run still going and
            // the safe state is driven.
            hooks.finish(core: &core)
            if control.haltingFault != nil { halts += 1 }
            _ = core.driveSafeState(on: &board)
            while let event = control.events.pop() {
                if event.kind == .boardFault && event.layer == BoardFault.Kind.limitEnforced.rawValue { enforced += 1 }
            }
            #expect(board.violations.count == 0, "trial \(trialNumber) (\(trial.limits)): \(board.violations.prefix(3))")
            let safe = try #require(board.lastDriven)
            #expect(safe.clock == .low && !safe.rows.contains(true) && safe.neurons.allSatisfy { $0.isEmpty }, "trial \(trialNumber) did not end in the safe state")
            pulses += board.pulses
            violations += board.violations.count
        }
        print("safety property: 200 trials, \(runs) runs started, \(pulses) pulses driven, \(enforced) limit enforcements, \(halts) trials halted by an injected I/O failure, \(violations) violations")
        // Not vacuous: pulses were driven, limits had to act, and the I/O-failure halt was taken.
        #expect(runs > 500 && pulses > 10_000, "\(runs) runs, \(pulses) pulses")
        #expect(enforced > 50, "limits enforced \(enforced) times")
        #expect(halts > 5, "\(halts) halted trials")
    }

    @Test("the output stage alone: a row held on forever becomes pulses of at most the width, duty and rate the limits allow")
    func heldRow() throws {
        let clock = ClockSettings(frequencyHertz: 2_000, ticksPerPhase: 5)
        let limits = OutputLimits(maxAmplitudeVolts: 2, boardAmplitudeVolts: 1.6, maxPulseWidthMicroseconds: 150, maxDuty: 0.5, maxPulsesPerSecond: 1_000, clock: clock)
        #expect(limits.maxPulseWidthTicks == 3 && limits.maxOnTicksPerPeriod == 5 && limits.ticksPerSecond == 20_000)
        var network = NetworkConfiguration.singleNeuron()
        network.inputPulse = InputPulseSettings(phase: .high, offsetTicks: 0, widthTicks: 5)
        var core = try NeuronCore(configuration: network, patterns: PatternBank([Pattern(pixels: [true, false])], inputCount: 2))
        core.enforce(limits)
        core.present(pattern: 0)
        var board = LimitChecker(FireSenseTrace([]), limits: limits, rows: 2, inputRows: 2, boardAmplitudeVolts: 1.6)
        var events: [NeuronEvent] = []
        for _ in 0..<40_000 {
            core.tick(on: &board)
            events += core.events
        }
        #expect(board.violations.isEmpty)
        // 5-tick pulses every 10 ticks, cut to 3 ticks; at most 1000 a second of the 2000 asked.
        #expect(board.pulses == 2_000, "two seconds at 1000 pulses a second")
        #expect(board.onTicks[0].count == 6_000 && board.onTicks[1].isEmpty)
        let faults = events.filter { $0.kind == .boardFault }
        #expect(Set(faults.map(\.payload)) == [OutputLimitFault.pulseWidth, OutputLimitFault.pulseRate])
        #expect(faults.allSatisfy { $0.layer == BoardFault.Kind.limitEnforced.rawValue })
    }

    @Test("an amplitude beyond the limit starts no pulse, even when nothing upstream refused it")
    func amplitudeBeyondLimit() throws {
        let clock = ClockSettings()
        let limits = OutputLimits(maxAmplitudeVolts: 1.5, boardAmplitudeVolts: 1.2, maxPulseWidthMicroseconds: 500, maxDuty: 0.5, maxPulsesPerSecond: 2_000, clock: clock)
        var core = try NeuronCore(configuration: .singleNeuron(), patterns: PatternBank([Pattern(pixels: [true, true])], inputCount: 2))
        core.enforce(limits)
        core.present(pattern: 0)
        core.setInputAmplitude(volts: 1.9)
        var board = LimitChecker(FireSenseTrace([]), limits: limits, rows: 2, inputRows: 2, boardAmplitudeVolts: 1.6)
        var faults: [NeuronEvent] = []
        for _ in 0..<1_000 {
            core.tick(on: &board)
            faults += core.events.filter { $0.kind == .boardFault }
        }
        #expect(board.pulses == 0 && board.violations.isEmpty)
        #expect(faults.map(\.payload) == [OutputLimitFault.amplitude], "one fault for the streak")
        core.setInputAmplitude(volts: 1.4)
        for _ in 0..<100 { core.tick(on: &board) }
        #expect(board.pulses == 20 && board.violations.isEmpty)
    }
}
