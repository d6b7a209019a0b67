/// A configuration that cannot run, found when the configuration is built (never inside the loop).
///
/// The message names the field, the value given and what is allowed, so a user can fix the
/// profile or run spec without reading the code.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Path of the offending field, as it appears in a profile or run spec (`layers[1].neurons`).
    public var field: String
    /// The value that was given, as text.
    public var value: String
    /// What would have been accepted.
    public var allowed: String

    public init(field: String, value: String, allowed: String) {
        self.field = field
        self.value = value
        self.allowed = allowed
    }

    public var description: String {
        "\(field) = \(value) is not allowed: \(allowed)"
    }
}
