import Foundation
import SomaProtocol

/// `soma board status` in words: a line per part of the daemon, and a line in capitals for each
/// state that needs the user (a halted loop, a log that cannot be written).
public enum StatusText {
    public static func lines(_ status: StatusDocument) -> [String] {
        let loop = status.loop
        func micro(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "–" }
        var lines = [
            "\(status.board) (\(status.backend), \(status.speed)), up \(Int(status.uptimeSeconds)) s",
            "loop     \(loop.state), \(loop.ticks) ticks of \(String(format: "%g", loop.tickMicroseconds)) µs, \(loop.overruns) overruns (\(loop.missedTicks) ticks missed), \(loop.eventsPushed) events, \(loop.eventsDropped) dropped",
            "latency  p50 \(micro(status.latency.p50Microseconds)) µs, p99 \(micro(status.latency.p99Microseconds)) µs, p99.9 \(micro(status.latency.p999Microseconds)) µs, max \(micro(status.latency.maxMicroseconds)) µs (\(status.latency.samples) wake-ups)",
            "log      \(status.store.segments) segments, \(status.store.bytes) bytes, events \(status.store.firstSequence)…\(status.store.lastSequence)" + (status.store.recovery.map { "; at start: \($0)" } ?? ""),
        ]
        if let run = status.run {
            lines.append("run      \(run.id) \(run.state): \(run.spec.protocol) on \(run.spec.patternSet), \(run.presentationsBegun)/\(run.presentationsPlanned) presentations")
        }
        if let halt = loop.halt {
            lines.append("HALTED   \(halt): runs are refused until somad is restarted; the log can still be pulled")
        }
        if let failure = status.store.writeFailure {
            lines.append("LOG FULL \(failure): the run was ended and runs are refused; events wait in memory until there is room")
        }
        for warning in loop.warnings { lines.append("warning  \(warning)") }
        return lines
    }
}
