import SomaCore
#if canImport(Glibc)
import Glibc
#endif

/// A fault to inject for a span of ticks.
public struct InjectedFault: Sendable {
    public enum Stage: Sendable { case sense, drive }
    public var ticks: Range<UInt64>
    public var stage: Stage
    public var fault: BoardFault

    public init(ticks: Range<UInt64>, stage: Stage, fault: BoardFault) {
        self.ticks = ticks
        self.stage = stage
        self.fault = fault
    }
}

/// Wraps a board and injects faults as a failing backend would show them through the `Board`
/// interface: an I/O failure on `drive` leaves the inner board's lines as they were (the write
/// did not happen); on `sense` it leaves the sensed lines at their previous values; an untrusted
/// sense reads "no fire" (what the Linux backend does with a stale ADC sample); a stall makes
/// `drive` take longer than a tick (a loop that overruns). Records every tick's driven rows and
/// the largest amplitude seen, for assertions after the run.
public struct FaultInjectingBoard<Inner: Board>: Board {
    public var inner: Inner
    public var faults: [InjectedFault]
    /// Ticks whose `drive` sleeps `stallNanoseconds` first.
    public var stalls: Range<UInt64> = 0..<0
    public var stallNanoseconds: Int = 0
    /// The rows each tick drove through to the inner board, by tick.
    public private(set) var drivenRows: [UInt64: [Bool]] = [:]
    /// Ticks whose drive reached the inner board.
    public private(set) var drivesApplied = 0

    public init(_ inner: Inner, faults: [InjectedFault] = []) {
        self.inner = inner
        self.faults = faults
    }

    func fault(at tick: UInt64, _ stage: InjectedFault.Stage) -> BoardFault? {
        faults.first { $0.stage == stage && $0.ticks.contains(tick) }?.fault
    }

    public mutating func sense(_ lines: SensedLines, tick: UInt64) -> BoardFault? {
        if let fault = fault(at: tick, .sense) {
            if fault.kind == .untrustedSense {
                for neuron in 0..<lines.fireSense.count { lines.fireSense[neuron] = false }
            }
            return fault
        }
        return inner.sense(lines, tick: tick)
    }

    public mutating func drive(_ lines: DrivenLines) -> BoardFault? {
        if stalls.contains(lines.tick), stallNanoseconds > 0 {
            var pause = timespec(tv_sec: stallNanoseconds / 1_000_000_000, tv_nsec: stallNanoseconds % 1_000_000_000)
            nanosleep(&pause, nil)
        }
        if let fault = fault(at: lines.tick, .drive), fault.kind == .ioFailure { return fault }
        drivenRows[lines.tick] = Array(lines.rows)
        drivesApplied += 1
        let innerFault = inner.drive(lines)
        return fault(at: lines.tick, .drive) ?? innerFault
    }
}
