import SomaCore
import SomaRuntime
import SomaTesting
import Testing

/// Faults injected through the `Board` interface into the daemon's loop body (`BoardLoop` on a
/// `TickLoop`), and the reactions `FaultPolicy` documents: what the log says, what the run does,
/// what is driven afterwards.
@Suite("Fault policy")
struct FaultPolicyTests {
    let configuration = NetworkConfiguration.singleNeuron()
    let long = PresentationPlan(periodsPerPattern: 1_000, repeats: 1_000)

    func drain(_ control: LoopControl) -> [NeuronEvent] {
        var events: [NeuronEvent] = []
        while let event = control.events.pop() { events.append(event) }
        return events
    }

    func makeControl(untrustedLimit: UInt64 = 200) -> LoopControl {
        let control = LoopControl(
            inputCount: 2, patternCapacity: 4, maxAmplitudeVolts: 1.8,
            faultPolicy: FaultPolicy(untrustedSenseLimitTicks: untrustedLimit))
        control.staging[0] = true
        control.staging[1] = true
        return control
    }

    func board(_ faults: [InjectedFault]) -> FaultInjectingBoard<ScriptedNeuronBoard> {
        FaultInjectingBoard(ScriptedNeuronBoard(configuration: configuration, pulsesToFire: 3), faults: faults)
    }

    @Test("an untrusted sense shorter than the limit: one board-fault, one fault-cleared a clock period after it with its length, the run goes on, no fire invented")
    func shortUntrustedSense() throws {
        let stale = BoardFault(code: 0x1_0001, kind: .untrustedSense)
        var core = try NeuronCore(configuration: configuration, patternCapacity: 4)
        var board = board([InjectedFault(ticks: 100..<150, stage: .sense, fault: stale)])
        let control = makeControl(untrustedLimit: 60)
        var hooks = BoardLoop(control: control)
        var loop = TickLoop(tickNanoseconds: 1, pacing: .asFastAsPossible)
        _ = control.send(.startRun(run: 1, patternCount: 1, plan: .present(long), inputAmplitudeVolts: nil, missPolicy: .logAndContinue))
        loop.run(core: &core, board: &board, maxTicks: 400, hooks: &hooks)
        let events = drain(control)
        let faults = events.filter { $0.kind == .boardFault }
        #expect(faults == [NeuronEvent(tick: 100, kind: .boardFault, layer: BoardFault.Kind.untrustedSense.rawValue, neuron: 0, payload: 0x1_0001)])
        #expect(events.filter { $0.kind == .faultCleared } == [NeuronEvent(tick: 159, kind: .faultCleared, layer: 1, neuron: 0, payload: 50)])
        #expect(control.runIsActive, "50 ticks is within the 60-tick limit")
        #expect(!events.contains { $0.kind == .fire && (100..<150).contains($0.tick) }, "no fire is read from a sample that cannot be trusted")
        #expect(events.contains { $0.kind == .fire && $0.tick > 150 }, "fires are sensed again once the fault clears")
        #expect(control.haltingFault == nil)
    }

    @Test("an untrusted sense longer than the limit ends the run as board-fault, grounds the inputs, and the loop goes on")
    func longUntrustedSense() throws {
        let stale = BoardFault(code: 0x1_0001, kind: .untrustedSense)
        var core = try NeuronCore(configuration: configuration, patternCapacity: 4)
        var board = board([InjectedFault(ticks: 100..<1_000, stage: .sense, fault: stale)])
        let control = makeControl(untrustedLimit: 60)
        var hooks = BoardLoop(control: control)
        var loop = TickLoop(tickNanoseconds: 1, pacing: .asFastAsPossible)
        _ = control.send(.startRun(run: 4, patternCount: 1, plan: .present(long), inputAmplitudeVolts: nil, missPolicy: .logAndContinue))
        loop.run(core: &core, board: &board, maxTicks: 1_200, hooks: &hooks)
        let events = drain(control)
        let ended = try #require(events.first { $0.kind == .runEnded })
        #expect(ended.payload == 4 && ended.neuron == RunEnding.boardFault.rawValue)
        #expect(ended.tick == 161, "ended after tick 160, the 61st untrusted tick")
        #expect(control.lastEnding?.ending == .boardFault && !control.runIsActive)
        for tick in UInt64(161)..<1_200 {
            #expect(board.drivenRows[tick]?.contains(true) == false, "tick \(tick) drove a pulse after the run ended")
        }
        #expect(events.filter { $0.kind == .boardFault }.count == 1 && events.filter { $0.kind == .faultCleared }.map(\.payload) == [900])
        #expect(control.haltingFault == nil && control.ticks == 1_200, "an untrusted sense does not halt the loop")

        // Once the fault has cleared, the next run starts and runs.
        _ = control.send(.startRun(run: 5, patternCount: 1, plan: .present(PresentationPlan(periodsPerPattern: 10)), inputAmplitudeVolts: nil, missPolicy: .logAndContinue))
        loop.run(core: &core, board: &board, maxTicks: 200, hooks: &hooks)
        #expect(control.lastEnding?.run == 5 && control.lastEnding?.ending == .completed)
    }

    @Test("an I/O failure on drive ends the run as board-fault and halts the loop: nothing after it is driven or invented")
    func ioFailureHalts() throws {
        let gone = BoardFault(code: 19, kind: .ioFailure)  // ENODEV: the chip went away
        var core = try NeuronCore(configuration: configuration, patternCapacity: 4)
        var board = board([InjectedFault(ticks: 300..<UInt64.max, stage: .drive, fault: gone)])
        let control = makeControl()
        var hooks = BoardLoop(control: control)
        var loop = TickLoop(tickNanoseconds: 1, pacing: .asFastAsPossible)
        _ = control.send(.startRun(run: 2, patternCount: 1, plan: .present(long), inputAmplitudeVolts: nil, missPolicy: .logAndContinue))
        loop.run(core: &core, board: &board, maxTicks: 10_000, hooks: &hooks)
        #expect(control.ticks == 301, "the loop stops after the failing tick")
        #expect(control.haltingFault == gone)
        #expect(board.drivesApplied == 300)
        let events = drain(control)
        #expect(events.suffix(2) == [
            NeuronEvent(tick: 300, kind: .boardFault, layer: 0, neuron: 0, payload: 19),
            NeuronEvent(tick: 301, kind: .runEnded, layer: 0, neuron: RunEnding.boardFault.rawValue, payload: 2),
        ])
        #expect(control.lastEnding?.ending == .boardFault)
        // A halted loop takes no more commands: a new run is never started.
        _ = control.send(.startRun(run: 3, patternCount: 1, plan: .present(long), inputAmplitudeVolts: nil, missPolicy: .logAndContinue))
        loop.run(core: &core, board: &board, maxTicks: 100, hooks: &hooks)
        #expect(control.ticks == 301 && drain(control).isEmpty && control.currentRun == 2)
    }

    @Test("an I/O failure while sensing halts the loop too, and with no run going the log shows just the fault")
    func senseFailureIdle() throws {
        let failed = BoardFault(code: 5, kind: .ioFailure)  // EIO
        var core = try NeuronCore(configuration: configuration, patternCapacity: 4)
        var board = board([InjectedFault(ticks: 40..<41, stage: .sense, fault: failed)])
        let control = makeControl()
        var hooks = BoardLoop(control: control)
        var loop = TickLoop(tickNanoseconds: 1, pacing: .asFastAsPossible)
        loop.run(core: &core, board: &board, maxTicks: 1_000, hooks: &hooks)
        #expect(control.haltingFault == failed && control.ticks == 41)
        #expect(drain(control) == [NeuronEvent(tick: 40, kind: .boardFault, layer: 0, neuron: 0, payload: 5)])
    }

    @Test("a limit the output stage enforces is logged once per streak and the run goes on")
    func limitEnforced() throws {
        let cut = BoardFault(code: 0x1_0002, kind: .limitEnforced)
        var core = try NeuronCore(configuration: configuration, patternCapacity: 4)
        var board = board([
            InjectedFault(ticks: 50..<60, stage: .drive, fault: cut),
            InjectedFault(ticks: 80..<81, stage: .drive, fault: cut),
        ])
        let control = makeControl()
        var hooks = BoardLoop(control: control)
        var loop = TickLoop(tickNanoseconds: 1, pacing: .asFastAsPossible)
        _ = control.send(.startRun(run: 1, patternCount: 1, plan: .present(long), inputAmplitudeVolts: nil, missPolicy: .logAndContinue))
        loop.run(core: &core, board: &board, maxTicks: 200, hooks: &hooks)
        let events = drain(control)
        #expect(events.filter { $0.kind == .boardFault }.map(\.tick) == [50, 80])
        #expect(events.filter { $0.kind == .faultCleared }.map(\.payload) == [10, 1])
        #expect(control.runIsActive && control.haltingFault == nil)
    }

    @Test("a loop that overruns again and again: every overrun logged and counted; stop-run ends the run at the first, continue keeps it")
    func repeatedOverruns() throws {
        for policy in [DeadlineMissPolicy.logAndContinue, .stopRun] {
            var core = try NeuronCore(configuration: configuration, patternCapacity: 4)
            var board = board([])
            board.stalls = 20..<60
            board.stallNanoseconds = 3_000_000  // 3 ms in a 1 ms tick
            let control = makeControl()
            var hooks = BoardLoop(control: control)
            var loop = TickLoop(tickNanoseconds: 1_000_000, pacing: .realTime)
            _ = control.send(.startRun(run: 1, patternCount: 1, plan: .present(long), inputAmplitudeVolts: nil, missPolicy: policy))
            loop.run(core: &core, board: &board, maxTicks: 100, hooks: &hooks)
            let events = drain(control)
            let overruns = events.filter { $0.kind == .overrun }
            #expect(overruns.count >= 40, "\(policy): each stalled tick misses at least one deadline")
            #expect(UInt64(overruns.count) == control.overruns && overruns.reduce(0) { $0 + UInt64($1.payload) } == control.missedTicks)
            if case .stopRun = policy {
                let ended = try #require(events.first { $0.kind == .runEnded })
                #expect(ended.neuron == RunEnding.deadlineMissed.rawValue && ended.tick <= 22)
                #expect(!control.runIsActive)
                #expect(board.drivenRows.filter { $0.key > ended.tick }.allSatisfy { !$0.value.contains(true) }, "inputs grounded after the run")
            } else {
                #expect(control.runIsActive && !events.contains { $0.kind == .runEnded })
            }
        }
    }
}
