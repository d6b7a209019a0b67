import SomaCore
import SomaRuntime
import SomaTesting
import Testing

/// The daemon's loop body without the daemon: commands in, run events out, counters.
@Suite("Board loop")
struct BoardLoopTests {
    let configuration = NetworkConfiguration.singleNeuron()

    func drain(_ control: LoopControl) -> [NeuronEvent] {
        var events: [NeuronEvent] = []
        while let event = control.events.pop() { events.append(event) }
        return events
    }

    /// Patterns 10 and 01 staged, 1.8 V limit.
    func makeControl() -> LoopControl {
        let control = LoopControl(inputCount: 2, patternCapacity: 4, maxAmplitudeVolts: 1.8)
        control.staging[0] = true
        control.staging[3] = true
        return control
    }

    @Test("a run starts, presents, completes: run-started, presentations, run-ended completed, counters agree")
    func completes() throws {
        var core = try NeuronCore(configuration: configuration, patternCapacity: 4)
        var board = ScriptedNeuronBoard(configuration: configuration, pulsesToFire: 3)
        let control = makeControl()
        var hooks = BoardLoop(control: control)
        var loop = TickLoop(tickNanoseconds: 1, pacing: .asFastAsPossible)
        #expect(control.send(.startRun(run: 7, patternCount: 2, plan: .present(PresentationPlan(periodsPerPattern: 2, repeats: 3)), inputAmplitudeVolts: 1.5, missPolicy: .logAndContinue)))
        loop.run(core: &core, board: &board, maxTicks: 200, hooks: &hooks)
        let events = drain(control)
        #expect(events.first?.kind == .runStarted && events.first?.payload == 7)
        #expect(events.filter { $0.kind == .presentation }.map(\.payload) == [0, 1, 0, 1, 0, 1])
        let ended = try #require(events.last { $0.kind == .runEnded })
        #expect(ended.payload == 7 && ended.neuron == RunEnding.completed.rawValue)
        #expect(control.lastEnding?.run == 7 && control.lastEnding?.ending == .completed)
        #expect(!control.runIsActive && control.presentationsBegun == 6 && control.presentationsPlanned == 6)
        #expect(control.eventsPushed == UInt64(events.count) && control.commandsSettled)
        let amplitude = core.inputAmplitudeVolts
        #expect(amplitude == nil, "the run's amplitude ends with it")
    }

    @Test("the loop refuses an amplitude beyond the limit even if the service let it by")
    func amplitudeLimit() throws {
        var core = try NeuronCore(configuration: configuration, patternCapacity: 4)
        var board = ScriptedNeuronBoard(configuration: configuration, pulsesToFire: 3)
        let control = makeControl()
        var hooks = BoardLoop(control: control)
        var loop = TickLoop(tickNanoseconds: 1, pacing: .asFastAsPossible)
        #expect(control.send(.startRun(run: 1, patternCount: 2, plan: .present(PresentationPlan(periodsPerPattern: 2)), inputAmplitudeVolts: 1.9, missPolicy: .logAndContinue)))
        loop.run(core: &core, board: &board, maxTicks: 50, hooks: &hooks)
        #expect(control.lastRefusedRun == 1)
        #expect(!drain(control).contains { $0.kind == .runStarted || $0.kind == .presentation })
        let (presented, amplitude) = (core.presented, core.inputAmplitudeVolts)
        #expect(presented == nil && amplitude == nil)
        #expect(control.send(.startRun(run: 2, patternCount: 5, plan: .present(PresentationPlan(periodsPerPattern: 2)), inputAmplitudeVolts: nil, missPolicy: .logAndContinue)))
        loop.run(core: &core, board: &board, maxTicks: 50, hooks: &hooks)
        #expect(control.lastRefusedRun == 2, "more patterns than the room reserved")
    }

    @Test("stop ends the named run only; stop-run ends a run on a missed deadline; finish ends one as shutdown")
    func endings() throws {
        var core = try NeuronCore(configuration: configuration, patternCapacity: 4)
        var board = ScriptedNeuronBoard(configuration: configuration, pulsesToFire: 3)
        let control = makeControl()
        var hooks = BoardLoop(control: control)
        var loop = TickLoop(tickNanoseconds: 1, pacing: .asFastAsPossible)
        let long = PresentationPlan(periodsPerPattern: 1_000, repeats: 1_000)
        _ = control.send(.startRun(run: 1, patternCount: 2, plan: .present(long), inputAmplitudeVolts: nil, missPolicy: .logAndContinue))
        _ = control.send(.stopRun(run: 9))
        loop.run(core: &core, board: &board, maxTicks: 20, hooks: &hooks)
        #expect(control.runIsActive, "stopping another run's number does nothing")
        _ = control.send(.stopRun(run: 1))
        loop.run(core: &core, board: &board, maxTicks: 5, hooks: &hooks)
        let presented = core.presented
        #expect(control.lastEnding?.ending == .stopped && presented == nil)

        _ = control.send(.startRun(run: 2, patternCount: 2, plan: .present(long), inputAmplitudeVolts: nil, missPolicy: .stopRun))
        loop.run(core: &core, board: &board, maxTicks: 5, hooks: &hooks)
        hooks.missed(ticks: 3, core: &core)
        #expect(control.lastEnding?.run == 2 && control.lastEnding?.ending == .deadlineMissed)
        #expect(control.overruns == 1 && control.missedTicks == 3)

        _ = control.send(.startRun(run: 3, patternCount: 2, plan: .present(long), inputAmplitudeVolts: nil, missPolicy: .logAndContinue))
        loop.run(core: &core, board: &board, maxTicks: 5, hooks: &hooks)
        hooks.missed(ticks: 1, core: &core)
        #expect(control.runIsActive, "continue: the miss is logged, the run goes on")
        hooks.finish(core: &core)
        #expect(control.lastEnding?.run == 3 && control.lastEnding?.ending == .shutdown)
        let ends = drain(control).filter { $0.kind == .runEnded }.map { [$0.payload, UInt32($0.neuron)] }
        #expect(ends == [[1, 1], [2, 2], [3, 3]])
    }

    @Test("at --speed max an idle loop (no run) ticks in real time instead of spinning, and a run goes flat out")
    func idlePacing() throws {
        var core = try NeuronCore(configuration: configuration, patternCapacity: 4)
        var board = ScriptedNeuronBoard(configuration: configuration, pulsesToFire: 3)
        let control = makeControl()
        var hooks = BoardLoop(control: control)
        var loop = TickLoop(tickNanoseconds: 100_000, pacing: .asFastAsPossible)
        let idleStart = ContinuousClock.now
        loop.run(core: &core, board: &board, maxTicks: 300, hooks: &hooks)
        #expect(ContinuousClock.now - idleStart >= .milliseconds(27), "300 idle ticks of 100 µs take at least 30 ms of real time")
        #expect(control.overruns == 0, "idle pacing is never counted as late")
        _ = control.send(.startRun(run: 1, patternCount: 2, plan: .present(PresentationPlan(periodsPerPattern: 1_000, repeats: 10)), inputAmplitudeVolts: nil, missPolicy: .logAndContinue))
        let runStart = ContinuousClock.now
        loop.run(core: &core, board: &board, maxTicks: 30_000, hooks: &hooks)
        #expect(ContinuousClock.now - runStart < .seconds(3), "30 000 ticks of a run do not wait for 3 s of real time")
        #expect(control.runIsActive)
    }
}
