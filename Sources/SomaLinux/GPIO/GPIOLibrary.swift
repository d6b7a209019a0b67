import CGPIOD

/// The libgpiod the package was built against. Soma builds against v1 (1.6.x: Debian 12,
/// Raspberry Pi OS bookworm) or v2 (2.x: Debian 13, Pi OS trixie, Ubuntu 24.04); which one is
/// decided at build time by the header found through pkg-config.
public enum GPIOLibrary {
    /// The major API generation of the headers compiled in: 1 or 2.
    public static var apiGeneration: Int { Int(soma_gpiod_api_version()) }

    /// The library's own version string, as loaded at run time (`soma_gpiod_version_string()`).
    public static var versionString: String { String(cString: soma_gpiod_version_string()) }

    /// The run-time version as numbers, e.g. `[1, 6, 3]`. Empty if the string is not numeric.
    public static var version: [Int] { parseVersion(versionString) }

    /// Parses "1.6.3", "2.1" or "2.2-devel" into numbers.
    static func parseVersion(_ text: String) -> [Int] {
        let core = text.split(separator: "-").first.map(String.init) ?? ""
        let parts = core.split(separator: ".").map { Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return [] }
        return parts.compactMap { $0 }
    }
}
