import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SomaProtocol

/// The host side of the daemon's HTTP API: one call per request, errors as one sentence.
public struct BoardClient: Sendable {
    public let name: String
    public let url: String
    public let token: String?

    public init(name: String, url: String, token: String?) {
        self.name = name
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.token = token
    }

    /// The client for a configured board (its token read from its token file).
    public init(_ name: String, _ entry: BoardConfiguration.Entry) throws(HostError) {
        var token: String?
        if let file = entry.tokenFile {
            guard let data = FileManager.default.contents(atPath: file),
                  let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first else {
                throw HostError("cannot read the token file \(file) of board '\(name)'")
            }
            token = line.trimmingCharacters(in: .whitespaces)
        }
        self.init(name: name, url: entry.url, token: token)
    }

    public func get<T: Decodable>(_ path: String, as type: T.Type) throws(HostError) -> T {
        try decode(T.self, try send("GET", path, body: nil), path: path)
    }

    public func post<T: Decodable>(_ path: String, _ body: some Encodable, as type: T.Type) throws(HostError) -> T {
        let data: Data
        do { data = try JSONEncoder().encode(body) } catch { throw HostError("cannot encode the request: \(error)") }
        return try decode(T.self, try send("POST", path, body: data), path: path)
    }

    public func post<T: Decodable>(_ path: String, as type: T.Type) throws(HostError) -> T {
        try decode(T.self, try send("POST", path, body: nil), path: path)
    }

    public func delete(_ path: String) throws(HostError) {
        _ = try send("DELETE", path, body: nil)
    }

    /// One request; the body of a 2xx answer, or the daemon's error as a sentence.
    public func send(_ method: String, _ path: String, body: Data?) throws(HostError) -> Data {
        guard let target = URL(string: url + path) else { throw HostError("'\(url)' is not a URL; give the board as http://HOST:PORT") }
        var request = URLRequest(url: target, timeoutInterval: 15)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        URLSession.shared.dataTask(with: request) { data, response, error in
            outcome.set(data, response as? HTTPURLResponse, error)
            done.signal()
        }.resume()
        done.wait()
        let (data, response, error) = outcome.get()
        if let error {
            throw HostError("cannot reach board '\(name)' at \(url): \(error.localizedDescription)")
        }
        guard let response else { throw HostError("board '\(name)' at \(url) gave no HTTP answer") }
        let payload = data ?? Data()
        switch response.statusCode {
        case 200..<300:
            return payload
        case 401:
            throw HostError(token == nil
                ? "board '\(name)' needs a token: add it again with `soma board add \(name) \(url) --token-file FILE`"
                : "board '\(name)' refused the token (401): check its token file")
        default:
            let message = (try? JSONDecoder().decode(ErrorDocument.self, from: payload))?.error
                ?? String(decoding: payload.prefix(200), as: UTF8.self)
            throw HostError("board '\(name)': \(message) (HTTP \(response.statusCode))")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data, path: String) throws(HostError) -> T {
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw HostError("board '\(name)' answered \(path) with something this soma cannot read (a different version?): \(error)")
        }
    }

    final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var value: (Data?, HTTPURLResponse?, (any Error)?) = (nil, nil, nil)
        func set(_ data: Data?, _ response: HTTPURLResponse?, _ error: (any Error)?) { lock.lock(); value = (data, response, error); lock.unlock() }
        func get() -> (Data?, HTTPURLResponse?, (any Error)?) { lock.lock(); defer { lock.unlock() }; return value }
    }
}
