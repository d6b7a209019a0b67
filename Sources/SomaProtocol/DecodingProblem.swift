/// Why a document did not decode, in the API's words: the field at fault as a dotted path
/// (`parameters.repeats`, `patterns[3].pixels`) and one sentence. Shared by the daemon (its 400
/// answers) and the host tools (files checked before they are sent), so both say it the same way.
public struct DecodingProblem: Sendable, Equatable {
    /// nil when the document is not JSON at all.
    public var field: String?
    public var message: String

    public init(_ error: any Error) {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .reduce("") { $0.isEmpty || $1.hasPrefix("[") ? $0 + $1 : $0 + "." + $1 }
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            field = path(context.codingPath + [key])
            message = "\(field!) is required"
        case DecodingError.typeMismatch(let type, let context):
            field = path(context.codingPath)
            message = "\(field!) must be \(Self.typeName(type))"
        case DecodingError.valueNotFound(let type, let context):
            field = path(context.codingPath)
            message = "\(field!) must be \(Self.typeName(type)), not null"
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            field = path(context.codingPath)
            message = "\(field!): \(context.debugDescription)"
        default:
            field = nil
            message = "not valid JSON"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Double.Type, is Float.Type: "a number"
        case is Int.Type, is UInt64.Type, is UInt32.Type, is Int64.Type: "a whole number"
        case is Bool.Type: "true or false"
        default: "an object or list of the documented shape"
        }
    }
}
