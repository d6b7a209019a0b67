import ArgumentParser
import SomaProtocol

/// `--listen HOST[:PORT]`: where the API answers. IPv6 hosts in brackets (`[::1]:7878`).
struct ListenAddress: ExpressibleByArgument, CustomStringConvertible, Sendable {
    var host: String
    var port: Int

    init?(argument: String) {
        var host = argument
        var port = API.defaultPort
        if argument.hasPrefix("[") {
            guard let close = argument.firstIndex(of: "]") else { return nil }
            host = String(argument[argument.index(after: argument.startIndex)..<close])
            let rest = argument[argument.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let number = Int(rest.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = argument.lastIndex(of: ":"), argument.firstIndex(of: ":") == colon {
            host = String(argument[..<colon])
            guard let number = Int(argument[argument.index(after: colon)...]) else { return nil }
            port = number
        }
        guard !host.isEmpty, (0...65_535).contains(port) else { return nil }
        self.host = host
        self.port = port
    }

    static var defaultValueDescription: String { "127.0.0.1:\(API.defaultPort)" }

    /// Only this machine can reach it.
    var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    func url(port actual: Int) -> String { "http://" + (host.contains(":") ? "[\(host)]" : host) + ":\(actual)" }
}
