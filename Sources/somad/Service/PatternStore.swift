import Foundation
import SomaProtocol

/// Uploaded pattern sets, one JSON file each under `<data-dir>/patterns/`, checked against the
/// board's input count before anything is stored.
struct PatternStore: Sendable {
    let directory: String
    /// Pixels every pattern must have: the network's input rows.
    let inputs: Int
    /// Patterns one set may hold: the room the loop reserved at start.
    let capacity: Int

    init(directory: String, inputs: Int, capacity: Int) throws {
        self.directory = directory
        self.inputs = inputs
        self.capacity = capacity
        try DurableFile.makeDirectory(directory)
    }

    static func checkName(_ name: String, field: String) throws(APIFailure) {
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        guard (1...64).contains(name.count), allowed, !name.hasPrefix(".") else {
            throw APIFailure(.badRequest, "\(field) must be 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'", field: field)
        }
    }

    /// Every problem that would make the set unusable on this board, the first one named.
    func check(_ set: PatternSetDocument) throws(APIFailure) {
        try Self.checkName(set.name, field: "name")
        guard !set.patterns.isEmpty else { throw APIFailure(.badRequest, "patterns is empty; a set needs at least one pattern", field: "patterns") }
        guard set.patterns.count <= capacity else {
            throw APIFailure(.badRequest, "patterns has \(set.patterns.count) patterns; this daemon holds at most \(capacity) in a set", field: "patterns")
        }
        for (index, pattern) in set.patterns.enumerated() {
            let field = "patterns[\(index)].pixels"
            if let bad = pattern.pixels.firstIndex(where: { $0 != "0" && $0 != "1" }) {
                let column = pattern.pixels.distance(from: pattern.pixels.startIndex, to: bad)
                throw APIFailure(.badRequest, "\(field) has '\(pattern.pixels[bad])' at position \(column); pixels are 0 or 1", field: field)
            }
            guard pattern.pixels.count == inputs else {
                throw APIFailure(.badRequest, "\(field) has \(pattern.pixels.count) pixels; this board's network has \(inputs) inputs, one pixel each", field: field)
            }
            if let label = pattern.label, label.count > 64 {
                throw APIFailure(.badRequest, "patterns[\(index)].label is longer than 64 characters", field: "patterns[\(index)].label")
            }
        }
        if let width = set.width, width < 1 || inputs % width != 0 {
            throw APIFailure(.badRequest, "width \(width) does not divide the board's \(inputs) inputs", field: "width")
        }
    }

    private func path(_ name: String) -> String { directory + "/" + name + ".json" }

    func save(_ set: PatternSetDocument) throws {
        try check(set)
        guard !FileManager.default.fileExists(atPath: path(set.name)) else {
            throw APIFailure(.conflict, "a pattern set named \(set.name) exists; delete it first to replace it", field: "name")
        }
        try DurableFile.write(try JSONResponse.encoder.encode(set), to: path(set.name))
    }

    func load(_ name: String, field: String = "name") throws -> PatternSetDocument {
        try Self.checkName(name, field: field)
        guard let data = FileManager.default.contents(atPath: path(name)) else {
            throw APIFailure(.notFound, "no pattern set named \(name)", field: field)
        }
        do {
            return try JSONDecoder().decode(PatternSetDocument.self, from: data)
        } catch {
            throw APIFailure(.internalServerError, "the stored pattern set \(path(name)) does not decode: \(error)")
        }
    }

    func list() throws -> [PatternSetSummary] {
        let names = (try FileManager.default.contentsOfDirectory(atPath: directory))
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
        return names.compactMap { name in
            guard let set = try? load(name) else { return nil }
            return PatternSetSummary(name: set.name, count: set.patterns.count, pixels: inputs, labels: set.patterns.map(\.label))
        }
    }

    func delete(_ name: String) throws {
        _ = try load(name)
        try DurableFile.remove(path(name))
    }
}
