import SomaCore
import Synchronization

/// The neuron loop on its real-time thread, as the daemon runs it: a `TickLoop` with `BoardLoop`
/// hooks. The core and the board move to the thread and stay there until it ends.
public final class LoopThread: @unchecked Sendable {
    private let thread: RealTimeThread
    private let ended = EndedFlag()
    /// What the kernel refused when the thread was set up.
    public let warnings: [String]

    public init<B: Board>(
        core: consuming NeuronCore, board: B, control: LoopControl, tick: Int64, pacing: TickLoop.Pacing,
        maxTicks: UInt64, settings: RealTimeSettings
    ) throws {
        let box = LoopBox(core: core, board: board)
        let ended = self.ended
        thread = RealTimeThread(settings: settings) {
            var loop = TickLoop(tickNanoseconds: tick, pacing: pacing)
            var hooks = BoardLoop(control: control, waitsForRoom: !pacing.followsWallClock)
            box.run { core, board in
                loop.run(core: &core, board: &board, maxTicks: maxTicks, hooks: &hooks)
                hooks.finish(core: &core)
            }
            ended.value.store(true, ordering: .releasing)
        }
        try thread.start()
        warnings = thread.warnings.map(\.description)
    }

    /// The loop ended by itself (after `maxTicks`).
    public var finished: Bool { ended.value.load(ordering: .acquiring) }

    public func join() { thread.join() }
}

/// Carries the non-copyable core and the board to the loop thread and back.
final class LoopBox<B: Board>: @unchecked Sendable {
    var core: NeuronCore?
    var board: B
    init(core: consuming NeuronCore, board: B) {
        self.core = .some(core)
        self.board = board
    }
    func run(_ body: (inout NeuronCore, inout B) -> Void) {
        var core = self.core.take()!
        body(&core, &board)
        self.core = .some(core)
    }
}

final class EndedFlag: Sendable {
    let value = Atomic<Bool>(false)
}
