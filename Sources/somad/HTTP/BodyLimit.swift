import Hummingbird
import SomaProtocol

/// A request that announces a body larger than `API.maxRequestBytes` is answered 413 at once, from
/// its Content-Length, before any of the body is read; a body without a length is cut off at the
/// limit when a route collects it (`Routes.decodeBody`).
struct BodyLimit<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > API.maxRequestBytes {
            var response = JSONResponse.make(
                ErrorDocument(error: "the request body is \(length) bytes; the most this board takes is \(API.maxRequestBytes)"),
                status: .contentTooLarge)
            response.headers[.connection] = "close"
            return response
        }
        return try await next(request, context)
    }
}
