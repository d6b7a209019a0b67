import Foundation
import SomaBoardProfile
import SomaHostKit
import SomaProtocol
import SomaStore
import Testing

/// Every input in Fuzz/Corpus (the seeds) and Fuzz/Regressions (what `make fuzz` once crashed on)
/// through the same parser and the same invariants as the fuzz targets (Fuzz/Sources), so a fixed
/// crash stays fixed without the fuzz build.
@Suite("Fuzz corpus and regressions, replayed")
struct FuzzRegressionTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ target: String) -> [(name: String, bytes: [UInt8])] {
        ["Corpus", "Regressions"].flatMap { folder -> [(String, [UInt8])] in
            let directory = fuzz.appendingPathComponent("\(folder)/\(target)")
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            return names.compactMap { name in
                FileManager.default.contents(atPath: directory.appendingPathComponent(name).path).map { ("\(folder)/\(name)", Array($0)) }
            }
        }
    }

    @Test("pattern files: every problem is placed in its file")
    func patterns() throws {
        let inputs = Self.inputs("fuzz-patterns")
        #expect(inputs.count >= 5)
        for (name, bytes) in inputs where !bytes.isEmpty {
            let file = ["fuzz.txt", "fuzz.pbm", "fuzz.json"][Int(bytes[0]) % 3]
            let report = PatternReader.parse(Array(bytes.dropFirst()), file: file)
            #expect(report.problems.allSatisfy { $0.description.hasPrefix(file + ":") }, "\(name)")
            if name.hasPrefix("Corpus/") { #expect(report.isOK && !report.patterns.isEmpty, "the seed \(name) is a good file: \(report.problems)") }
        }
    }

    @Test("board profiles: a refusal names at least one problem, each at a line")
    func boardProfiles() throws {
        for (name, bytes) in Self.inputs("fuzz-board-profile") {
            do {
                _ = try BoardProfile.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.toml")
            } catch {
                #expect(!error.diagnostics.isEmpty && error.diagnostics.allSatisfy { $0.line >= 1 }, "\(name)")
                #expect(!name.hasPrefix("Corpus/"), "the seed \(name) is a shipped profile: \(error)")
            }
        }
    }

    @Test("run specs: an error names the file")
    func runSpecs() throws {
        for (name, bytes) in Self.inputs("fuzz-run-spec") where !bytes.isEmpty {
            let isTOML = bytes[0] & 1 == 1
            do {
                _ = try RunSpecFile.parse(Data(bytes.dropFirst()), file: isTOML ? "fuzz.toml" : "fuzz.json", isTOML: isTOML)
            } catch {
                #expect(error.description.hasPrefix("fuzz."), "\(name)")
                #expect(!name.hasPrefix("Corpus/"), "the seed \(name) is a good spec: \(error)")
            }
        }
    }

    @Test("API bodies: a refusal says what is wrong")
    func apiBodies() throws {
        for (name, bytes) in Self.inputs("fuzz-api-requests") where !bytes.isEmpty {
            let body = Data(bytes.dropFirst())
            do {
                if bytes[0] & 1 == 0 { _ = try JSONDecoder().decode(PatternSetDocument.self, from: body) } else { _ = try JSONDecoder().decode(RunSpec.self, from: body) }
            } catch {
                #expect(!DecodingProblem(error).message.isEmpty, "\(name)")
                #expect(!name.hasPrefix("Corpus/"), "the seed \(name) is a good body: \(error)")
            }
        }
    }

    @Test("log segments: recovery keeps a gapless prefix and never invents records; damage in the middle is read past")
    func logSegments() throws {
        let inputs = Self.inputs("fuzz-log-segment")
        #expect(inputs.count >= 2)
        for (name, bytes) in inputs {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soma-fuzz-replay-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: directory + "/segment-00000000000000000001.log", contents: Data(bytes))
            do {
                let log = try EventLog(settings: EventLogSettings(directory: directory))
                if name == "Corpus/damaged-middle" {
                    // A flipped bit in record 2 of five: not a torn tail; the reader goes past it.
                    let page = try log.readPage(after: 0, limit: 100)
                    #expect(log.recovery == nil && page.records.map(\.sequence) == [1, 3, 4, 5])
                    #expect(page.lost.map { "\($0.first)…\($0.last)" } == ["2…2"])
                }
                let records = try log.read(after: 0, limit: 100_000)
                #expect(records.enumerated().allSatisfy { $0.element.sequence == UInt64($0.offset + 1) }, "\(name)")
                #expect(records.count * EventLog.headerBytes <= bytes.count, "\(name)")
                if name == "Corpus/five-records" { #expect(records.count == 5 && log.recovery == nil) }
                if name == "Corpus/torn-tail" { #expect(records.count == 4 && log.recovery != nil, "the torn fifth record is cut and reported") }
            } catch {
                #expect(!"\(error)".isEmpty, "\(name)")
            }
        }
    }
}
