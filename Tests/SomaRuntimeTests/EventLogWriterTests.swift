import Foundation
import SomaCore
import SomaRuntime
import SomaStore
import Testing

@Suite("Event log writer")
struct EventLogWriterTests {
    @Test("events pushed by the loop reach the log in order, each once, and decode to the same events")
    func drainsIntoTheLog() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soma-writer-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ring = SPSCRing<NeuronEvent>(capacity: 1024)
        let writer = EventLogWriter(ring: ring, log: try EventLog(settings: EventLogSettings(directory: directory)), syncIntervalMilliseconds: 10)
        try writer.start()
        let kinds = EventKind.allCases
        let events = (0..<50_000).map { index in
            NeuronEvent(tick: UInt64(index) * 7, kind: kinds[index % kinds.count], layer: UInt8(index % 3), neuron: UInt16(index % 1000), payload: UInt32(index))
        }
        for event in events { while !ring.push(event) { usleep(100) } }
        writer.stop()
        #expect(writer.failure == nil)
        #expect(writer.eventsWritten == 50_000)
        let reopened = try EventLog(settings: EventLogSettings(directory: directory))
        let records = try reopened.read(after: 0, limit: 100_000)
        #expect(records.map(\.sequence) == (1...50_000).map(UInt64.init))
        #expect(records.compactMap { NeuronEvent(logPayload: $0.payload) } == events)
    }

    @Test("a payload that is not an event does not decode")
    func badPayload() {
        #expect(NeuronEvent(logPayload: [1, 2, 3]) == nil)
        #expect(NeuronEvent(logPayload: Array(repeating: 0, count: 15) + [200]) == nil)
    }
}
