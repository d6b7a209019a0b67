// The service-side benchmarks behind `make bench` (driven by Benchmarks/service.sh, which runs
// each beside its baseline in the same run and prints the ratios):
//   latency  wake-up latency of Soma's loop (TickLoop + BoardLoop on the simulated breadboard, on a
//            RealTimeThread) — compared with cyclictest at the same period and priority
//   log      durable events per second through the ring, the writer thread and the event log —
//            compared with a plain sequential write of the same bytes, synced as often
//   read     events per second read back from the log in-process (the baseline for `pull`)
//   pull     events per second pulled from a running somad over loopback HTTP
// Each prints one JSON object on stdout.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Histogram
import SomaBoardProfile
import SomaCore
import SomaProtocol
import SomaRuntime
import SomaSim
import SomaStore

func option(_ name: String, _ fallback: String) -> String {
    let arguments = CommandLine.arguments
    if let index = arguments.firstIndex(of: "--" + name), index + 1 < arguments.count { return arguments[index + 1] }
    return fallback
}

func emit(_ values: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: values, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

func seconds(since start: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

func latency() throws {
    let profile = try BoardProfile.load(path: option("profile", "Board/profiles/gpio-sim-single-neuron.toml"))
    let duration = Double(option("seconds", "10"))!
    let interval = Int64(option("interval-us", "50"))! * 1_000
    var settings = RealTimeSettings()
    let priority = Int32(option("priority", "80"))!
    settings.fifoPriority = priority == 0 ? nil : priority
    let control = LoopControl(inputCount: profile.network.inputs, patternCapacity: 4, maxAmplitudeVolts: profile.limits.maxAmplitudeVolts)
    let core = try NeuronCore(configuration: profile.network, patternCapacity: 4)
    var simulated = BreadboardSettings(network: profile.network)
    simulated.inputAmplitudeVolts = profile.pulseAmplitudeVolts
    let ticks = UInt64(duration * 1e9 / Double(interval))
    let loop = try LoopThread(
        core: core, board: try Breadboard(settings: simulated), control: control, tick: interval, pacing: .realTime,
        maxTicks: ticks, settings: settings)
    var histogram = Histogram<UInt64>(highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: .three)
    // Drain on this thread (the service side) while the loop runs, then what is left.
    var done = false
    while !done {
        done = loop.finished
        while let lateness = control.wakeLatencies.pop() { _ = histogram.record(UInt64(max(0, lateness))) }
        if !done { usleep(2_000) }
    }
    loop.join()
    while control.events.pop() != nil {}
    func micro(_ value: UInt64) -> Double { Double(value) / 1_000 }
    emit([
        "samples": histogram.totalCount, "dropped_samples": control.wakeLatencies.refusedPushes,
        "p50_us": micro(histogram.valueAtPercentile(50)), "p99_us": micro(histogram.valueAtPercentile(99)),
        "p999_us": micro(histogram.valueAtPercentile(99.9)), "max_us": micro(histogram.max),
        "overruns": control.overruns, "warnings": loop.warnings,
    ])
}

func log() throws {
    let count = Int(option("events", "2000000"))!
    let syncMilliseconds = Int(option("sync-ms", "100"))!
    let directory = option("dir", NSTemporaryDirectory() + "soma-log-bench-\(getpid())")
    try? FileManager.default.removeItem(atPath: directory)
    let log = try EventLog(settings: EventLogSettings(directory: directory))
    let ring = SPSCRing<NeuronEvent>(capacity: 1 << 16)
    let writer = EventLogWriter(ring: ring, log: log, syncIntervalMilliseconds: syncMilliseconds)
    try writer.start()
    let start = DispatchTime.now()
    var index = 0
    while index < count {
        let event = NeuronEvent(tick: UInt64(index), kind: .fire, layer: 0, neuron: UInt16(truncatingIfNeeded: index), payload: 0)
        if ring.push(event) { index += 1 } else { sched_yield() }
    }
    writer.stop()
    let somaSeconds = seconds(since: start)
    let bytes = log.storedBytes
    try? FileManager.default.removeItem(atPath: directory)

    // Baseline: the same bytes, written sequentially in 64 KiB chunks, fsynced as often.
    let path = directory + "-plain"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let chunk = [UInt8](repeating: 0xA5, count: 64 << 10)
    let plainStart = DispatchTime.now()
    var lastSync = plainStart
    var written = 0
    while written < bytes {
        let size = min(chunk.count, bytes - written)
        written += chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, size) }
        if seconds(since: lastSync) * 1_000 >= Double(syncMilliseconds) {
            fsync(fd)
            lastSync = DispatchTime.now()
        }
    }
    fsync(fd)
    close(fd)
    let plainSeconds = seconds(since: plainStart)
    unlink(path)
    emit([
        "events": count, "bytes": bytes, "sync_ms": syncMilliseconds,
        "soma_events_per_second": Double(count) / somaSeconds, "soma_bytes_per_second": Double(bytes) / somaSeconds,
        "plain_bytes_per_second": Double(bytes) / plainSeconds,
    ])
}

func read() throws {
    let log = try EventLog(settings: EventLogSettings(directory: option("dir", "somad-data") + "/events"))
    let start = DispatchTime.now()
    var after: UInt64 = 0
    var count = 0
    while true {
        let page = try log.read(after: after, limit: API.maxPageSize)
        guard let last = page.last else { break }
        // Decode as the daemon does, so only the HTTP side differs from `pull`.
        count += page.map(DecodedEvent.init).count
        after = last.sequence
    }
    emit(["events": count, "events_per_second": Double(count) / seconds(since: start)])
}

struct DecodedEvent {
    let event: NeuronEvent?
    init(_ record: LogRecord) { event = NeuronEvent(logPayload: record.payload) }
}

/// Pulls every page twice over: decoding each page as a client would (JSONDecoder), and raw
/// (only the page's `next` is read), which is what the server and the loopback manage.
func pull() async throws {
    let base = option("url", "http://127.0.0.1:7878")
    let through = UInt64(option("through", "0"))!
    func fetch(_ after: UInt64) async throws -> Data {
        try await URLSession.shared.data(from: URL(string: "\(base)/v1/events?after=\(after)&limit=\(API.maxPageSize)")!).0
    }
    var start = DispatchTime.now()
    var after: UInt64 = 0
    var count = 0
    while after < through {
        let page = try JSONDecoder().decode(EventsPage.self, from: try await fetch(after))
        if page.events.isEmpty { break }
        count += page.events.count
        after = page.next
    }
    let decoded = Double(count) / seconds(since: start)
    start = DispatchTime.now()
    after = 0
    var bytes = 0
    while after < through {
        let data = try await fetch(after)
        bytes += data.count
        // The body ends with "next":N}.
        let tail = String(decoding: data.suffix(40), as: UTF8.self)
        guard let range = tail.range(of: "\"next\":"), let next = UInt64(tail[range.upperBound...].dropLast()) , next > after else { break }
        after = next
    }
    let raw = Double(after) / seconds(since: start)
    emit(["events": count, "events_per_second": decoded, "raw_events_per_second": raw, "raw_bytes": bytes])
}

switch CommandLine.arguments.dropFirst().first {
case "latency": try latency()
case "log": try log()
case "read": try read()
case "pull": try await pull()
default:
    FileHandle.standardError.write(Data("usage: soma-service-bench latency|log|read|pull [options]\n".utf8))
    exit(64)
}
