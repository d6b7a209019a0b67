import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The HTTP side: Hummingbird on its own tasks, started from the main thread. Prints the one
/// `listening on http://HOST:PORT` line once it accepts connections (port 0 resolved).
final class HTTPServer: @unchecked Sendable {
    let state: DaemonState
    let listen: ListenAddress
    let token: [UInt8]?
    private var task: Task<Void, Never>?

    init(state: DaemonState, listen: ListenAddress, token: [UInt8]?) {
        self.state = state
        self.listen = listen
        self.token = token
    }

    /// Starts the server; returns nil once it listens, or why it could not.
    func start() -> String? {
        var logger = Logger(label: "somad")
        logger.logLevel = .warning
        let listening = DispatchSemaphore(value: 0)
        let outcome = Mutex<String?>(nil)
        let listen = self.listen
        let app = Application(
            router: Routes.router(state: state, token: token),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "somad"),
            onServerRunning: { channel in
                say("listening on \(listen.url(port: channel.localAddress?.port ?? listen.port))")
                listening.signal()
            },
            logger: logger)
        task = Task {
            do {
                try await app.run()
            } catch {
                outcome.withLock { $0 = "\(error)" }
            }
            listening.signal()
        }
        listening.wait()
        return outcome.withLock { $0 }
    }

    func stop() {
        task?.cancel()
        task = nil
    }
}
