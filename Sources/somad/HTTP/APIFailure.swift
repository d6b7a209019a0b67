import Foundation
import Hummingbird
import SomaProtocol

/// An error answer: the status and one sentence naming the problem (and the field, if any).
struct APIFailure: Error, HTTPResponseError, CustomStringConvertible {
    var status: HTTPResponse.Status
    var document: ErrorDocument

    init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil, available: SequenceRange? = nil) {
        self.status = status
        document = ErrorDocument(error: message, field: field, available: available)
    }

    var description: String { "\(status.code): \(document.error)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.make(document, status: status)
    }

    /// A body that does not decode: which field, and what is wrong with it.
    static func decoding(_ error: any Error) -> APIFailure {
        let problem = DecodingProblem(error)
        return APIFailure(.badRequest, problem.field == nil ? "the body is \(problem.message)" : problem.message, field: problem.field)
    }
}

enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{\"error\":\"could not encode the answer\"}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every error into a JSON answer: ours as they are, the router's (404, 405, 413) with
/// their status, anything else as a 500 that says what happened.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as APIFailure {
            return JSONResponse.make(failure.document, status: failure.status)
        } catch let error as HTTPError {
            // The router answers 404 for a known path asked with a method it does not take: that
            // is a 405, with the methods it does take.
            if error.status == .notFound, let allowed = Routes.methods(forPath: request.uri.path) {
                var response = JSONResponse.make(
                    ErrorDocument(error: "\(request.method) is not allowed on \(request.uri.path); it takes \(allowed.joined(separator: ", "))"),
                    status: .methodNotAllowed)
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            }
            let message: String = switch error.status {
            case .notFound: "no such resource: \(request.method) \(request.uri.path)"
            case .methodNotAllowed: "\(request.method) is not allowed on \(request.uri.path)"
            case .contentTooLarge: "the request body is larger than \(API.maxRequestBytes) bytes"
            default: error.body ?? error.status.reasonPhrase
            }
            return JSONResponse.make(ErrorDocument(error: message), status: error.status)
        } catch {
            return JSONResponse.make(ErrorDocument(error: "internal error: \(error)"), status: .internalServerError)
        }
    }
}
