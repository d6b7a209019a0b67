import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SomaProtocol

/// Follows a board's live event stream (`GET /v1/events/stream`), one event at a time as the
/// board syncs them, until the board closes the stream or `handle` returns false.
public final class EventStream: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let client: BoardClient
    private let handle: (EventDocument) -> Bool
    private var buffer = Data()
    private var failure: HostError?
    private var status = 0
    /// Set once `handle` has had enough: data still in flight is ignored.
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    private init(client: BoardClient, handle: @escaping (EventDocument) -> Bool) {
        self.client = client
        self.handle = handle
    }

    /// Blocks while events arrive; returns when the stream ends.
    public static func follow(_ client: BoardClient, after: UInt64, _ handle: @escaping (EventDocument) -> Bool) throws(HostError) {
        let stream = EventStream(client: client, handle: handle)
        guard let url = URL(string: client.url + "/v1/events/stream?after=\(after)") else { throw HostError("'\(client.url)' is not a URL") }
        var request = URLRequest(url: url, timeoutInterval: 24 * 3600)
        if let token = client.token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let session = URLSession(configuration: .default, delegate: stream, delegateQueue: nil)
        session.dataTask(with: request).resume()
        stream.finished.wait()
        session.invalidateAndCancel()
        if let failure = stream.failure { throw failure }
    }

    public func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse, completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        completionHandler(.allow)
    }

    public func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard !stopped else { return }
        buffer.append(data)
        guard status == 200 else { return }
        while let newline = buffer.firstIndex(of: 0x0A) {
            let line = buffer[buffer.startIndex..<newline]
            buffer = Data(buffer[(newline + 1)...])
            guard let event = try? JSONDecoder().decode(EventDocument.self, from: line) else {
                failure = HostError("board '\(client.name)' sent a stream line this soma cannot read")
                stopped = true
                dataTask.cancel()
                return
            }
            if !handle(event) {
                stopped = true
                dataTask.cancel()
                return
            }
        }
    }

    public func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if failure == nil, status != 200, status != 0 {
            let message = (try? JSONDecoder().decode(ErrorDocument.self, from: buffer))?.error ?? "HTTP \(status)"
            failure = HostError(status == 401 ? "board '\(client.name)' refused the request (401): check its token" : "board '\(client.name)': \(message)")
        } else if failure == nil, let error = error as? URLError, error.code != .cancelled {
            failure = HostError("the stream from board '\(client.name)' at \(client.url) ended: \(error.localizedDescription)")
        }
        finished.signal()
    }
}
