import Foundation
import SomaRuntime
import Testing

@Suite("Real-time thread", .serialized)
struct RealTimeThreadTests {
    final class Seen: @unchecked Sendable {
        var policy: Int32 = -1, priority: Int32 = -1, cpu: Int32 = -1
    }

    @Test("SCHED_FIFO and CPU pinning: granted, or refused with the errno and a remedy — never silently")
    func fifoAndPinning() throws {
        let seen = Seen()
        var settings = RealTimeSettings.none
        settings.fifoPriority = 20
        settings.cpu = 0
        settings.prefaultStackBytes = 64 << 10
        let thread = RealTimeThread(settings: settings) {
            (seen.policy, seen.priority, seen.cpu) = RealTimeThread.currentPolicy()
        }
        try thread.start()
        thread.join()
        #expect(seen.cpu == 0)
        if let refused = thread.warnings.first(where: { $0.request.hasPrefix("SCHED_FIFO") }) {
            #expect(refused.errno == EPERM)
            #expect(refused.description.contains("LimitRTPRIO"))
            #expect(seen.policy == SCHED_OTHER)
        } else {
            #expect(seen.policy == SCHED_FIFO)
            #expect(seen.priority == 20)
        }
        #expect(!thread.warnings.contains { $0.request.hasPrefix("pin") })
    }

    @Test("a CPU the process may not use is a warning, and the loop still runs")
    func badCPU() throws {
        let ran = Seen()
        var settings = RealTimeSettings.none
        settings.cpu = 1023
        let thread = RealTimeThread(settings: settings) { ran.policy = 1 }
        try thread.start()
        thread.join()
        #expect(ran.policy == 1)
        #expect(thread.warnings.map(\.request) == ["pin to CPU 1023"])
        #expect(thread.warnings.first?.errno == EINVAL)
    }
}
