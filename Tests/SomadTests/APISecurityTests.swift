import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Every route of docs/openapi.json, with every method it documents and one it does not, against a
/// real somad with a token; and a body too large to be read.
@Suite("somad API security: every route needs the token; oversized bodies are not read")
struct APISecurityTests {
    static let token = "security-token-0123456789abcdef"

    /// (method, path) for every operation the OpenAPI document lists, path parameters filled in.
    static func operations() throws -> [(method: String, path: String)] {
        let data = try Data(contentsOf: repository.appendingPathComponent("docs/openapi.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations: [(String, String)] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            let concrete = path.replacingOccurrences(of: "{name}", with: "pair").replacingOccurrences(of: "{id}", with: "1")
            for method in ["get", "post", "put", "delete", "patch"] where item[method] != nil {
                operations.append((method.uppercased(), concrete))
            }
        }
        return operations
    }

    func daemon() throws -> (Daemon, String) {
        let tokenFile = scratchDirectory() + ".token"
        try (Self.token + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        return (try Daemon.simulated(["--token-file", tokenFile]), tokenFile)
    }

    @Test("no token, a wrong token, a token one character short, or another scheme: 401 on every documented route and method")
    func everyRouteNeedsTheToken() async throws {
        let (somad, tokenFile) = try daemon()
        defer { somad.terminate(); try? FileManager.default.removeItem(atPath: tokenFile) }
        let operations = try Self.operations()
        #expect(operations.count >= 13, "the document lists every operation")
        let body = Data(#"{"name":"pair","width":2,"patterns":[{"pixels":"10"}]}"#.utf8)
        for (method, path) in operations {
            let sent = method == "POST" ? body : nil
            for (token, headers) in [
                (nil, [String: String]()), ("wrong-token-0123456789abcdef00", [:]), (String(Self.token.dropLast()), [:]),
                (nil, ["Authorization": "Basic \(Data(Self.token.utf8).base64EncodedString())"]),
            ] {
                let answer = try await somad.request(method, path, body: sent, token: token, headers: headers)
                #expect(answer.status == 401, "\(method) \(path) with \(token ?? headers["Authorization"] ?? "nothing")")
            }
        }
        somad.token = Self.token
        #expect(try await somad.request("GET", "/v1/pattern-sets").body == Data(#"{"patternSets":[]}"#.utf8), "nothing refused was stored")
        #expect(try await somad.request("GET", "/v1/runs").body == Data(#"{"runs":[]}"#.utf8), "nothing refused was started")
    }

    @Test("a documented path asked with a method it does not take: 405 naming the methods it does (Allow header too)")
    func undeclaredMethods() async throws {
        let (somad, tokenFile) = try daemon()
        defer { somad.terminate(); try? FileManager.default.removeItem(atPath: tokenFile) }
        somad.token = Self.token
        var methodsByPath: [String: Set<String>] = [:]
        for (method, path) in try Self.operations() { methodsByPath[path, default: []].insert(method) }
        for (path, methods) in methodsByPath {
            let other = ["PUT", "PATCH", "DELETE", "POST"].first { !methods.contains($0) }!
            let answer = try await somad.request(other, path, body: other == "GET" ? nil : Data("{}".utf8))
            #expect(answer.status == 405, "\(other) \(path)")
            #expect(String(decoding: answer.body, as: UTF8.self).contains("it takes \(methods.sorted().joined(separator: ", "))") || methods.count > 1, "\(other) \(path): \(String(decoding: answer.body, as: UTF8.self))")
        }
        let missing = try await somad.request("GET", "/v1/no-such-thing")
        #expect(missing.status == 404)
    }

    @Test("a body announced larger than the limit gets 413 at once, after a few bytes of it, and the daemon goes on")
    func oversizedBodyIsNotRead() async throws {
        let (somad, tokenFile) = try daemon()
        defer { somad.terminate(); try? FileManager.default.removeItem(atPath: tokenFile) }
        let port = try #require(somad.base?.port)
        let fd = try connectToLoopback(port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // One GiB announced, one KiB sent: a server that read the whole body would never answer.
        let head = "POST /v1/pattern-sets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(Self.token)\r\nContent-Type: application/json\r\nContent-Length: \(1 << 30)\r\n\r\n"
        let sent = (Array(head.utf8) + [UInt8](repeating: 0x20, count: 1024)).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        #expect(sent > 0)
        var buffer = [UInt8](repeating: 0, count: 4096)
        let started = Date()
        let received = recv(fd, &buffer, buffer.count, 0)
        let answer = String(decoding: buffer.prefix(max(0, received)), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
        #expect(answer.contains("the most this board takes is 1048576"), "\(answer)")
        #expect(Date().timeIntervalSince(started) < 5)
        somad.token = Self.token
        #expect(try await somad.request("GET", "/v1/status").status == 200, "the daemon still answers")
        #expect(try await somad.request("GET", "/v1/pattern-sets").body == Data(#"{"patternSets":[]}"#.utf8))
    }
}
