import Histogram
import SomaProtocol
import SomaRuntime
import Synchronization

/// The service side of the loop's wake-up latency: the loop only pushes how late it woke into a
/// ring; this drains the ring into an HdrHistogram (1 ns to 10 s, 3 significant digits).
final class LatencyRecorder: Sendable {
    private let histogram = Mutex(Histogram<UInt64>(highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: .three))

    func drain(_ ring: SPSCRing<Int32>) {
        histogram.withLock { histogram in
            while let lateness = ring.pop() { _ = histogram.record(UInt64(max(0, lateness))) }
        }
    }

    var document: LatencyDocument {
        histogram.withLock { histogram in
            guard histogram.totalCount > 0 else {
                return LatencyDocument(samples: 0, p50Microseconds: nil, p99Microseconds: nil, p999Microseconds: nil, maxMicroseconds: nil)
            }
            func micro(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1_000 }
            return LatencyDocument(
                samples: histogram.totalCount,
                p50Microseconds: micro(histogram.valueAtPercentile(50)),
                p99Microseconds: micro(histogram.valueAtPercentile(99)),
                p999Microseconds: micro(histogram.valueAtPercentile(99.9)),
                maxMicroseconds: micro(histogram.max))
        }
    }
}
