import Foundation
import SomaCore
import SomaProtocol
import SomaRuntime
import SomaStore
import Testing

/// The real `somad --sim`, started as a process and driven over HTTP on loopback.
@Suite("somad on the simulated breadboard", .serialized)
struct SomadProcessTests {
    static let present = RunSpec(protocol: "present", patternSet: "pair", parameters: RunParameters(periodsPerPattern: 20, repeats: 1_000_000))

    @Test("upload, run, pull pages while it runs, stop, pull the rest: contiguous, no duplicates, as many as the loop counted")
    func pullWhileRunning() async throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let somad = try Daemon(["--profile", singleNeuronProfile, "--sim", "--speed", "max", "--priority", "0", "--listen", "127.0.0.1:0", "--sync-ms", "10", "--data-dir", directory])
        defer { somad.terminate() }

        let uploaded = try await somad.json(PatternSetSummary.self, "POST", "/v1/pattern-sets", body: twoPatterns, expect: 201)
        #expect(uploaded == PatternSetSummary(name: "pair", count: 2, pixels: 2, labels: ["left", "both"]))
        let run = try await somad.json(RunDocument.self, "POST", "/v1/runs", body: Self.present, expect: 201)
        #expect(run.state == "running", "\(run)")

        var pulled: [EventDocument] = []
        var cursor: UInt64 = 0
        var pages = 0
        // At least a few pages while the run runs (however slow a shared machine is), or 2 s.
        let until = Date().addingTimeInterval(2)
        while Date() < until || pages < 5 {
            let page = try await somad.json(EventsPage.self, "GET", "/v1/events?after=\(cursor)&limit=300")
            pulled += page.events
            cursor = page.next
            if !page.events.isEmpty { pages += 1 }
        }
        #expect(try await somad.json(RunDocument.self, "GET", "/v1/runs/\(run.id)").state == "running", "the pages came while the run ran")
        let stopped = try await somad.json(RunDocument.self, "POST", "/v1/runs/\(run.id)/stop")
        #expect(stopped.state == "stopped")
        // Idle, the loop makes no more events; once all it pushed are synced, pull the rest.
        let settled = try await somad.waitForStatus(10, "every pushed event synced") { $0.store.lastSequence == $0.loop.eventsPushed }
        pulled += try await somad.pullAll(after: cursor, pageSize: 777)
        let final = try await somad.json(StatusDocument.self, "GET", "/v1/status")
        #expect(final.loop.eventsPushed == settled.loop.eventsPushed)

        #expect(pulled.map(\.sequence) == Array(1...UInt64(pulled.count)), "contiguous from 1, nothing skipped or repeated")
        #expect(UInt64(pulled.count) == final.loop.eventsPushed, "as many as the loop pushed")
        #expect(final.loop.eventsDropped == 0)
        #expect(pulled.first.map { [$0.kind, "\($0.payload)"] } == ["run-started", "\(run.id)"])
        let ended = pulled.filter { $0.kind == "run-ended" }
        #expect(ended.map { [$0.payload, UInt32($0.neuron)] } == [[run.id, UInt32(RunEnding.stopped.rawValue)]])
        let presented = pulled.filter { $0.kind == "presentation" }.map(\.payload)
        #expect(presented.count > 10)
        #expect(presented.enumerated().allSatisfy { $0.element == UInt32($0.offset % 2) }, "the set, in order, over and over")
        #expect(pulled.contains { $0.kind == "fire" }, "the neuron fires under the 11 pattern")
        #expect(try await somad.json(RunDocument.self, "GET", "/v1/runs/\(run.id)").presentationsBegun == UInt64(presented.count))

        #expect(somad.terminate() == 0, "\(somad.output)")
        #expect(somad.output.contains("stopped: \(pulled.count) events logged"), "\(somad.output)")
    }

    @Test("kill -9 mid-run at thousands of events a second, then a power-cut tail: the restart keeps every synced record and invents nothing")
    func killNine() async throws {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["--profile", singleNeuronProfile, "--sim", "--speed", "max", "--priority", "0", "--listen", "127.0.0.1:0", "--sync-ms", "5", "--data-dir", directory]
        let first = try Daemon(arguments)
        _ = try await first.json(PatternSetSummary.self, "POST", "/v1/pattern-sets", body: twoPatterns, expect: 201)
        let run = try await first.json(RunDocument.self, "POST", "/v1/runs", body: Self.present, expect: 201)
        let started = Date()
        try await Task.sleep(for: .milliseconds(1_500))
        // What a host had pulled before the crash: only synced records are ever served.
        let synced = try await first.json(StatusDocument.self, "GET", "/v1/status").store.lastSequence
        let before = try await first.pullAll(through: synced, pageSize: 5_000)
        let rate = Double(before.count) / Date().timeIntervalSince(started)
        first.killNine()
        #expect(rate > 1_000, "events per second while running: \(rate)")

        // A power cut in the middle of a write: half a record at the end of the newest segment.
        let events = directory + "/events"
        let newest = try #require(try FileManager.default.contentsOfDirectory(atPath: events).filter { $0.hasSuffix(".log") }.sorted().last)
        let handle = try #require(FileHandle(forWritingAtPath: events + "/" + newest))
        handle.seekToEndOfFile()
        handle.write(Data([32, 0, 0, 0, 0xAB, 0xCD, 0xEF, 0x01, 0x02]))
        handle.closeFile()

        let second = try Daemon(arguments)
        defer { second.terminate() }
        #expect(second.output.contains("log: cut 9 bytes"), "\(second.output)")
        let status = try await second.json(StatusDocument.self, "GET", "/v1/status")
        #expect(status.store.recovery?.contains("partial record") == true)
        let after = try await second.pullAll(through: status.store.lastSequence, pageSize: 5_000)
        #expect(Array(after.prefix(before.count)) == before, "every record served before the crash is there, unchanged")
        #expect(after.map(\.sequence) == Array(1...UInt64(after.count)))
        #expect(UInt64(after.count) == status.store.lastSequence, "nothing beyond what was synced")
        let interrupted = try await second.json(RunDocument.self, "GET", "/v1/runs/\(run.id)")
        #expect(interrupted.state == "interrupted")
        // The pattern set survived; run numbers go on counting, so a number in the log always
        // means one run.
        let next = try await second.json(RunDocument.self, "POST", "/v1/runs", body: Self.present, expect: 201)
        #expect(next.id == run.id + 1)
    }

    @Test("bad command lines: a broken profile exits 65 naming FILE:LINE:COL; a wrong pattern exits 64")
    func badCommandLine() throws {
        let broken = repository.appendingPathComponent("Tests/SomaBoardProfileTests/broken/limit-missing.toml").path
        let first = try Daemon(["--profile", broken, "--sim"], waitForListening: false)
        #expect(first.waitForExit() == 65)
        #expect(first.output.contains("\(broken):24:1: missing limits.max_duty"))
        let second = try Daemon(["--profile", singleNeuronProfile, "--sim", "--pattern", "101", "--listen", "127.0.0.1:0"], waitForListening: false)
        #expect(second.waitForExit() == 64)
        #expect(second.output.contains("--pattern has 3 pixels; the profile's network has 2 inputs"))
        let third = try Daemon(["--profile", singleNeuronProfile, "--speed", "max"], waitForListening: false)
        #expect(third.waitForExit() == 64)
        #expect(third.output.contains("--speed max needs --sim"))
    }
}
