import CMallocCounter
import CRealTime
import Foundation
import SomaCore
import SomaRuntime
import SomaTesting
import Testing

/// The runtime's tick path as the daemon runs it: `TickLoop` paced in real time with
/// `BoardLoop`'s hooks — commands in from a service thread (runs started and stopped while the
/// loop runs), the present and learning protocols stepping, every event into the ring a writer thread drains,
/// wake-up latencies into theirs, overruns counted. Mallocs are counted on the loop thread only.
@Suite("ZeroAllocation: runtime tick path with rings")
struct RuntimeZeroAllocationTests {
    @Test("a million ticks through the daemon's loop body, with runs started and stopped: no malloc, no event lost unseen")
    func millionTicks() throws {
        let configuration = NetworkConfiguration.paperNetwork()
        var core = try NeuronCore(configuration: configuration, patternCapacity: 8)
        var board = RandomFireSenseBoard(seed: 3, flipsPerThousand: 80)
        let control = LoopControl(inputCount: 30, patternCapacity: 8, maxAmplitudeVolts: 2, eventRingCapacity: 4096)
        for index in 0..<(4 * 30) { control.staging[index] = (index % 30 + index / 30) % 3 == 0 }
        let plan = PresentationPlan(periodsPerPattern: 3, restPeriods: 1, repeats: 1_000, shuffleSeed: 5)
        // Every other run is the full learning protocol: training, gating, noisy inference.
        var learning = LearningPlan(kind: .full)
        learning.layer1Epochs = 1_000
        learning.maxPulses = 5
        learning.noisePixels = 3
        let learn = RunPlan.learn(learning)

        let drained = ManagedCounter()
        let writer = Thread {
            while !drained.stopped || control.events.count > 0 {
                var moved = false
                if control.events.pop() != nil { drained.add(); moved = true }
                if control.wakeLatencies.pop() != nil { drained.addLatency(); moved = true }
                if !moved { usleep(50) }
            }
            drained.finish()
        }
        writer.start()
        // The service side: a new run every 20 ms, each stopped before the next.
        let commander = Thread {
            var run: UInt32 = 1
            while !drained.stopped {
                _ = control.send(.startRun(run: run, patternCount: 4, plan: run % 2 == 0 ? learn : .present(plan), inputAmplitudeVolts: 1.5, missPolicy: .logAndContinue))
                usleep(20_000)
                _ = control.send(.stopRun(run: run))
                run += 1
            }
        }
        commander.start()

        var hooks = BoardLoop(control: control)
        // A million ticks as fast as they go, then 100 000 paced in real time at 2 µs ticks, where
        // the loop sleeps, wakes late and overruns: every path of the hooks. The loop thread's
        // timer slack is cut as RealTimeThread does, or each sleep would last 50 µs.
        soma_set_timer_slack(1)
        var fast = TickLoop(tickNanoseconds: 1_000, pacing: .asFastAsPossible)
        var paced = TickLoop(tickNanoseconds: 2_000, pacing: .realTime)
        // Warm-up: the runtime's one-time type metadata and witness-table caches fill here.
        fast.run(core: &core, board: &board, maxTicks: 20_000, hooks: &hooks)
        paced.run(core: &core, board: &board, maxTicks: 20_000, hooks: &hooks)
        soma_malloc_counter_start()
        fast.run(core: &core, board: &board, maxTicks: 1_000_000, hooks: &hooks)
        paced.run(core: &core, board: &board, maxTicks: 100_000, hooks: &hooks)
        let mallocs = soma_malloc_counter_stop()
        hooks.finish(core: &core)
        drained.stop()
        drained.waitUntilFinished()

        #expect(mallocs == 0)
        #expect(core.nextTick == 1_140_000)
        #expect(paced.overrunEvents > 0 && control.overruns == paced.overrunEvents, "overruns reached the counters")
        #expect(control.currentRun > 5, "runs were started (and stopped) while the loop ran")
        #expect(control.presentationsBegun > 0 || !control.runIsActive)
        #expect(control.eventsPushed > 10_000, "the random board makes the network fire")
        #expect(drained.value == control.eventsPushed, "every pushed event was drained")
        #expect(control.eventsDropped == control.events.refusedPushes)
        #expect(drained.latencies > 0, "wake-up latencies reached the service side")
    }
}

/// The writer thread's tally, shared with the test thread.
final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count: UInt64 = 0
    private var latencyCount: UInt64 = 0
    private var stopping = false
    private let done = DispatchSemaphore(value: 0)
    func add() { lock.lock(); count += 1; lock.unlock() }
    func addLatency() { lock.lock(); latencyCount += 1; lock.unlock() }
    var value: UInt64 { lock.lock(); defer { lock.unlock() }; return count }
    var latencies: UInt64 { lock.lock(); defer { lock.unlock() }; return latencyCount }
    var stopped: Bool { lock.lock(); defer { lock.unlock() }; return stopping }
    func stop() { lock.lock(); stopping = true; lock.unlock() }
    func finish() { done.signal() }
    func waitUntilFinished() { done.wait() }
}
