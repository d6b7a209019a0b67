import Foundation
import Hummingbird
import SomaProtocol

/// With a token configured, every request must carry `Authorization: Bearer <token>` (on
/// loopback too); anything else gets 401. The comparison takes the same time whatever matches.
struct TokenAuthentication<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        guard header.hasPrefix("Bearer "), Self.constantTimeEqual(Array(header.utf8.dropFirst(7)), token) else {
            var response = JSONResponse.make(
                ErrorDocument(error: header.isEmpty ? "this board needs a token: send Authorization: Bearer <token>" : "wrong token"),
                status: .unauthorized)
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

/// Reads a token file: the first line, trimmed; refuses an empty one.
enum TokenFile {
    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenFileError("cannot read the token file \(path)")
        }
        let token = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard token.count >= 16 else {
            throw TokenFileError("the token in \(path) is \(token.isEmpty ? "empty" : "shorter than 16 characters"); use e.g. `head -c 32 /dev/urandom | base64 > \(path)`")
        }
        return Array(token.utf8)
    }
}

struct TokenFileError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
