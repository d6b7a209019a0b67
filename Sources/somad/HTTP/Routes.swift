import Foundation
import Hummingbird
import NIOCore
import SomaProtocol

/// The API under `/v1`, plus `/metrics`. Every answer is JSON (metrics: Prometheus text; the live
/// event stream: one JSON event per line).
enum Routes {
    /// Every route and its methods, as `router` declares them and docs/openapi.json documents
    /// them (`:name` matches one path segment).
    static let table: [(path: [Substring], methods: [String])] = [
        ("metrics", ["GET"]), ("v1/status", ["GET"]), ("v1/profile", ["GET"]), ("v1/pattern-sets", ["GET", "POST"]),
        ("v1/pattern-sets/:name", ["GET", "DELETE"]), ("v1/runs", ["GET", "POST"]), ("v1/runs/:id", ["GET"]),
        ("v1/runs/:id/stop", ["POST"]), ("v1/events", ["GET"]), ("v1/events/stream", ["GET"]),
    ].map { ($0.0.split(separator: "/"), $0.1) }

    /// The methods a path takes, or nil when no route has that path.
    static func methods(forPath path: String) -> [String]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return table.first { route in
            route.path.count == segments.count && zip(route.path, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }?.methods
    }

    static func router(state: DaemonState, token: [UInt8]?) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(ErrorMiddleware())
        if let token { router.middlewares.add(TokenAuthentication(token: token)) }
        router.middlewares.add(BodyLimit())

        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: state.metrics())))
        }

        let v1 = router.group("v1")
        v1.get("status") { _, _ in JSONResponse.make(await state.status()) }
        v1.get("profile") { _, _ in
            let profile = state.profile
            return JSONResponse.make(ProfileDocument(
                name: profile.name, file: state.profilePath, toml: state.profileText,
                inputs: profile.network.inputs, layers: profile.network.layers.map(\.neurons),
                clockHz: profile.network.clock.frequencyHertz, pulseAmplitudeVolts: profile.pulseAmplitudeVolts,
                limits: LimitsDocument(
                    maxAmplitudeVolts: profile.limits.maxAmplitudeVolts,
                    maxPulseWidthMicroseconds: profile.limits.maxPulseWidthMicroseconds,
                    maxDuty: profile.limits.maxDuty, maxPulsesPerSecond: profile.limits.maxPulsesPerSecond,
                    maxPulsesPerPresentation: profile.limits.maxPulsesPerPresentation)))
        }

        // Pattern sets.
        v1.get("pattern-sets") { _, _ in JSONResponse.make(PatternSetList(patternSets: try state.patterns.list())) }
        v1.post("pattern-sets") { request, _ in
            let set = try await decodeBody(request, as: PatternSetDocument.self)
            try state.patterns.save(set)
            return JSONResponse.make(
                PatternSetSummary(name: set.name, count: set.patterns.count, pixels: state.patterns.inputs, labels: set.patterns.map(\.label)),
                status: .created)
        }
        v1.get("pattern-sets/:name") { _, context in
            JSONResponse.make(try state.patterns.load(try context.parameters.require("name")))
        }
        v1.delete("pattern-sets/:name") { _, context in
            try state.patterns.delete(try context.parameters.require("name"))
            return Response(status: .noContent)
        }

        // Runs.
        v1.get("runs") { _, _ in JSONResponse.make(RunList(runs: await state.runs.list())) }
        v1.post("runs") { request, _ in
            let spec = try await decodeBody(request, as: RunSpec.self)
            return JSONResponse.make(try await state.runs.start(spec), status: .created)
        }
        v1.get("runs/:id") { _, context in
            JSONResponse.make(try await state.runs.get(try runID(context)))
        }
        v1.post("runs/:id/stop") { _, context in
            JSONResponse.make(try await state.runs.stop(try runID(context)))
        }

        // Events.
        v1.get("events") { request, _ in
            let after = try query(request, "after", default: 0)
            let limit = try query(request, "limit", default: 1_000)
            guard (1...UInt64(API.maxPageSize)).contains(limit) else {
                throw APIFailure(.badRequest, "limit must be 1…\(API.maxPageSize)", field: "limit")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: EventJSON.page(try state.events(after: after, limit: Int(limit)))))
        }
        v1.get("events/stream") { request, _ in
            let start = try query(request, "after", default: 0)
            _ = try state.events(after: start, limit: 1)  // 410 now, not in the middle of a stream
            return Response(
                status: .ok, headers: [.contentType: "application/x-ndjson"],
                body: ResponseBody { writer in
                    var after = start
                    while !Task.isCancelled {
                        let page = try state.events(after: after, limit: 2_000)
                        if page.events.isEmpty {
                            if state.control.stopRequested { break }
                            try await Task.sleep(for: .milliseconds(50))
                            continue
                        }
                        var buffer = ByteBuffer()
                        for event in page.events {
                            EventJSON.write(event, to: &buffer)
                            buffer.writeString("\n")
                        }
                        try await writer.write(buffer)
                        after = page.next
                    }
                    try await writer.finish(nil)
                })
        }
        return router
    }

    static func runID(_ context: BasicRequestContext) throws -> UInt32 {
        let text = try context.parameters.require("id")
        guard let id = UInt32(text) else { throw APIFailure(.badRequest, "run id '\(text)' is not a number", field: "id") }
        return id
    }

    static func query(_ request: Request, _ name: String, default value: UInt64) throws(APIFailure) -> UInt64 {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = UInt64(text) else {
            throw APIFailure(.badRequest, "\(name) must be a whole number ≥ 0, not '\(text)'", field: name)
        }
        return number
    }

    /// Reads at most `API.maxRequestBytes` and decodes it, naming the field at fault.
    static func decodeBody<T: Decodable>(_ request: Request, as type: T.Type) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: API.maxRequestBytes)
        } catch is NIOTooManyBytesError {
            throw APIFailure(.contentTooLarge, "the request body is larger than \(API.maxRequestBytes) bytes")
        }
        guard buffer.readableBytes > 0 else { throw APIFailure(.badRequest, "the request has no body; send a JSON document") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIFailure.decoding(error)
        }
    }
}
