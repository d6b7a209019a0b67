import Foundation
import SomaBoardProfile
import SomaCore
import SomaLinux
import SomaProtocol
import SomaRuntime
import SomaStore
import Synchronization

/// Everything the HTTP side reads: the profile, the loop's shared counters, the log, the runs.
final class DaemonState: Sendable {
    let profile: BoardProfile
    let profilePath: String
    let profileText: String
    let backend: String
    let speed: String
    let tickMicroseconds: Double
    let control: LoopControl
    let log: EventLog
    let writer: EventLogWriter
    let dataDirectory: String
    let latency = LatencyRecorder()
    let runs: RunManager
    let patterns: PatternStore
    let defaultMissPolicy: DeadlineMissPolicy
    let started = Date()
    let warnings: Mutex<[String]> = Mutex([])

    init(profile: BoardProfile, profilePath: String, profileText: String, backend: String, speed: String, tickMicroseconds: Double, control: LoopControl, log: EventLog, writer: EventLogWriter, dataDirectory: String, runs: RunManager, patterns: PatternStore, defaultMissPolicy: DeadlineMissPolicy) {
        self.profile = profile
        self.profilePath = profilePath
        self.profileText = profileText
        self.backend = backend
        self.speed = speed
        self.tickMicroseconds = tickMicroseconds
        self.control = control
        self.log = log
        self.writer = writer
        self.dataDirectory = dataDirectory
        self.runs = runs
        self.patterns = patterns
        self.defaultMissPolicy = defaultMissPolicy
    }

    func status() async -> StatusDocument {
        let run = await runs.latestRun
        let halt = control.haltingFault.map(LinuxBoardFault.describe)
        let state = halt != nil ? "halted" : control.stopRequested ? "stopping" : (control.runIsActive ? "running" : "idle")
        func ring<T>(_ ring: SPSCRing<T>) -> RingDocument {
            RingDocument(capacity: ring.capacity, highWater: ring.highWaterMark, refused: ring.refusedPushes)
        }
        return StatusDocument(
            board: profile.name, backend: backend, speed: speed,
            uptimeSeconds: Date().timeIntervalSince(started),
            loop: LoopDocument(
                state: state, ticks: control.ticks, tickMicroseconds: tickMicroseconds,
                overruns: control.overruns, missedTicks: control.missedTicks,
                eventsPushed: control.eventsPushed, eventsDropped: control.eventsDropped,
                onDeadlineMiss: defaultMissPolicy.rawValue, warnings: warnings.withLock { $0 }, halt: halt),
            latency: latency.document,
            rings: RingsDocument(events: ring(control.events), commands: ring(control.commands), latency: ring(control.wakeLatencies)),
            store: StoreDocument(
                directory: dataDirectory, bytes: log.storedBytes, segments: log.segmentCount,
                firstSequence: log.firstSequence, lastSequence: log.durableSequence,
                recovery: log.recovery?.description, writeFailure: writer.failure?.description),
            run: run)
    }

    /// The loop's counters in Prometheus text format.
    func metrics() -> String {
        let latency = latency.document
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        metric("soma_loop_ticks_total", "counter", "Ticks the loop has computed.", [("", "\(control.ticks)")])
        metric("soma_loop_overruns_total", "counter", "Times the loop woke a whole tick or more late.", [("", "\(control.overruns)")])
        metric("soma_loop_missed_ticks_total", "counter", "Ticks lost to overruns.", [("", "\(control.missedTicks)")])
        metric("soma_events_pushed_total", "counter", "Events the loop handed to the log writer.", [("", "\(control.eventsPushed)")])
        metric("soma_events_dropped_total", "counter", "Events lost because the event ring was full.", [("", "\(control.eventsDropped)")])
        metric("soma_log_durable_sequence", "gauge", "Sequence number of the last synced event.", [("", "\(log.durableSequence)")])
        metric("soma_log_bytes", "gauge", "Bytes in the event log's segment files.", [("", "\(log.storedBytes)")])
        metric("soma_run_active", "gauge", "1 while a run is presenting patterns.", [("", control.runIsActive ? "1" : "0")])
        func seconds(_ microseconds: Double?) -> String { microseconds.map { String($0 / 1e6) } ?? "NaN" }
        metric("soma_wakeup_latency_seconds", "summary", "How late the loop woke after each deadline.", [
            ("{quantile=\"0.5\"}", seconds(latency.p50Microseconds)),
            ("{quantile=\"0.99\"}", seconds(latency.p99Microseconds)),
            ("{quantile=\"0.999\"}", seconds(latency.p999Microseconds)),
            ("{quantile=\"1\"}", seconds(latency.maxMicroseconds)),
            ("_count", "\(latency.samples)"),
        ])
        metric("soma_ring_high_water", "gauge", "Most elements ever waiting in a ring.", [
            ("{ring=\"events\"}", "\(control.events.highWaterMark)"),
            ("{ring=\"commands\"}", "\(control.commands.highWaterMark)"),
            ("{ring=\"latency\"}", "\(control.wakeLatencies.highWaterMark)"),
        ])
        return lines.joined(separator: "\n") + "\n"
    }

    /// Synced events after `after`, at most `limit`; 410 when they were rotated away.
    func events(after: UInt64, limit: Int) throws(APIFailure) -> EventsPage {
        do {
            let (records, damaged) = try log.readPage(after: after, limit: limit)
            let documents = records.map(Self.document)
            let lost = damaged.map { LostEvents(first: $0.first, last: $0.last, reason: "\($0.segment) at byte \($0.offset): \($0.reason)") }
            let next = max(documents.last?.sequence ?? after, lost.last?.last ?? after)
            return EventsPage(events: documents, next: next, lastSequence: log.durableSequence, lost: lost.isEmpty ? nil : lost)
        } catch {
            if case .rotatedAway(_, let available) = error {
                throw APIFailure(
                    .gone, "events after \(after) were rotated away; sequence numbers \(available.lowerBound)…\(available.upperBound) are available",
                    field: "after", available: SequenceRange(first: available.lowerBound, last: available.upperBound))
            }
            throw APIFailure(.internalServerError, "reading the event log failed: \(error)")
        }
    }

    static func document(_ record: LogRecord) -> EventDocument {
        guard let event = NeuronEvent(logPayload: record.payload) else {
            return EventDocument(sequence: record.sequence, tick: 0, kind: "unknown", layer: 0, neuron: 0, payload: 0)
        }
        return EventDocument(
            sequence: record.sequence, tick: event.tick, kind: event.kind.description,
            layer: Int(event.layer), neuron: Int(event.neuron), payload: event.payload)
    }
}
