import CMallocCounter
import Foundation
import SomaCore
import SomaRuntime
import SomaTesting
import Testing

/// The runtime's tick path as the daemon will run it: the loop, the core, a board, and every event
/// pushed into the ring a writer thread drains. Counted on the loop thread only.
@Suite("ZeroAllocation: runtime tick path with rings")
struct RuntimeZeroAllocationTests {
    @Test("a million ticks through the loop, events into a drained ring: no malloc, no event lost unseen")
    func millionTicks() throws {
        let configuration = NetworkConfiguration.paperNetwork()
        let patterns = try PatternBank(
            (0..<4).map { index in Pattern(pixels: (0..<30).map { ($0 + index) % 3 == 0 }) }, inputCount: 30)
        var core = try NeuronCore(configuration: configuration, patterns: patterns)
        _ = core.present(pattern: 0)
        var board = RandomFireSenseBoard(seed: 3, flipsPerThousand: 80)
        let ring = SPSCRing<NeuronEvent>(capacity: 4096)
        let drained = ManagedCounter()
        let writer = Thread {
            while !drained.stopped || ring.count > 0 {
                if ring.pop() != nil { drained.add() } else { usleep(50) }
            }
            drained.finish()
        }
        writer.start()
        var loop = TickLoop(tickNanoseconds: configuration.clock.tickNanoseconds, pacing: .asFastAsPossible)
        var pushed: UInt64 = 0
        // Warm-up: the runtime's one-time type metadata and witness-table caches fill here.
        loop.run(core: &core, board: &board, maxTicks: 1_000, shouldStop: { false }) { core in
            for event in core.events where ring.push(event) { pushed &+= 1 }
        }
        soma_malloc_counter_start()
        loop.run(core: &core, board: &board, maxTicks: 1_000_000, shouldStop: { false }) { core in
            for event in core.events where ring.push(event) { pushed &+= 1 }
        }
        let mallocs = soma_malloc_counter_stop()
        drained.stop()
        drained.waitUntilFinished()
        #expect(mallocs == 0)
        #expect(core.nextTick == 1_001_000)
        #expect(pushed > 10_000, "the random board makes the network fire")
        #expect(drained.value + ring.refusedPushes >= pushed)
        #expect(drained.value == pushed, "every pushed event was drained")
    }
}

/// The writer thread's tally, shared with the test thread.
final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count: UInt64 = 0
    private var stopping = false
    private let done = DispatchSemaphore(value: 0)
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: UInt64 { lock.lock(); defer { lock.unlock() }; return count }
    var stopped: Bool { lock.lock(); defer { lock.unlock() }; return stopping }
    func stop() { lock.lock(); stopping = true; lock.unlock() }
    func finish() { done.signal() }
    func waitUntilFinished() { done.wait() }
}
