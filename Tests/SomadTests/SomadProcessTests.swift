import Foundation
import SomaCore
import SomaRuntime
import SomaStore
import Testing

private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let profile = repository.appendingPathComponent("Board/profiles/gpio-sim-single-neuron.toml").path

/// Starts the real `somad`, built next to this test bundle.
private func startSomad(_ arguments: [String]) throws -> (Process, Pipe) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("somad")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    return (process, output)
}

private func scratch() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("somad-test-\(UUID().uuidString)").path
}

@Suite("somad on the simulated breadboard", .serialized)
struct SomadProcessTests {
    @Test("SIGTERM: exit 0, and every event the daemon counted is in the log, contiguous and decodable")
    func sigtermFlushesTheLog() throws {
        let directory = scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (somad, output) = try startSomad(["--profile", profile, "--sim", "--pattern", "10", "--priority", "0", "--data-dir", directory])
        usleep(1_500_000)
        somad.terminate()  // SIGTERM
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        somad.waitUntilExit()
        #expect(somad.terminationStatus == 0, "\(text)")
        let records = try EventLog(settings: EventLogSettings(directory: directory)).read(after: 0, limit: 1_000_000)
        #expect(!records.isEmpty)
        #expect(records.map(\.sequence) == (1...UInt64(records.count)).map { $0 })
        #expect(records.allSatisfy { NeuronEvent(logPayload: $0.payload) != nil })
        #expect(text.contains("stopped: \(records.count) events logged"), "\(text)")
    }

    @Test("kill -9 mid-run: the next start keeps every synced record intact and invents nothing")
    func killNine() throws {
        let directory = scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (somad, _) = try startSomad(["--profile", profile, "--sim", "--pattern", "10", "--priority", "0", "--sync-ms", "5", "--data-dir", directory])
        usleep(1_500_000)
        kill(somad.processIdentifier, SIGKILL)
        somad.waitUntilExit()
        #expect(somad.terminationReason == .uncaughtSignal)
        // Reopening recovers: whatever tail was torn is cut and reported; the rest is whole.
        let log = try EventLog(settings: EventLogSettings(directory: directory))
        let records = try log.read(after: 0, limit: 1_000_000)
        #expect(!records.isEmpty, "records synced every 5 ms over 1.5 s")
        #expect(records.map(\.sequence) == (1...UInt64(records.count)).map { $0 })
        #expect(log.nextSequence == UInt64(records.count) + 1)
        #expect(records.allSatisfy { NeuronEvent(logPayload: $0.payload) != nil })
        // A restart appends after the recovered records.
        let (again, output) = try startSomad(["--profile", profile, "--sim", "--priority", "0", "--seconds", "0.2", "--data-dir", directory])
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        again.waitUntilExit()
        #expect(again.terminationStatus == 0, "\(text)")
        let after = try EventLog(settings: EventLogSettings(directory: directory)).read(after: 0, limit: 1_000_000)
        #expect(after.map(\.sequence) == (1...UInt64(after.count)).map { $0 })
    }

    @Test("bad input: a broken profile exits 65 naming FILE:LINE:COL; a wrong pattern exits 64")
    func badInput() throws {
        let broken = repository.appendingPathComponent("Tests/SomaBoardProfileTests/broken/limit-missing.toml").path
        let (first, output) = try startSomad(["--profile", broken, "--sim"])
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        first.waitUntilExit()
        #expect(first.terminationStatus == 65)
        #expect(text.contains("\(broken):24:1: missing limits.max_duty"))
        let (second, secondOutput) = try startSomad(["--profile", profile, "--sim", "--pattern", "101"])
        let secondText = String(decoding: secondOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        second.waitUntilExit()
        #expect(second.terminationStatus == 64)
        #expect(secondText.contains("--pattern has 3 pixels; the profile's network has 2 inputs"))
    }
}
