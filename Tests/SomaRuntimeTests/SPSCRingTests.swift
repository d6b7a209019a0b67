import CMallocCounter
import Foundation
import SomaRuntime
import Testing

@Suite("SPSC ring")
struct SPSCRingTests {
    @Test("first in, first out; a full ring refuses and counts; the high-water mark is kept")
    func fifo() {
        let ring = SPSCRing<UInt64>(capacity: 5)
        #expect(ring.capacity == 8)
        #expect(ring.pop() == nil)
        for value in 0..<8 { #expect(ring.push(UInt64(value))) }
        #expect(!ring.push(99))
        #expect(ring.refusedPushes == 1)
        #expect(ring.highWaterMark == 8)
        #expect((0..<8).map { _ in ring.pop() } == (0..<8).map { Optional(UInt64($0)) })
        #expect(ring.pop() == nil)
        #expect(ring.push(7) && ring.pop() == 7)
    }

    @Test("two threads, a million elements: every one arrives once and in order")
    func producerConsumer() async {
        let ring = SPSCRing<Int>(capacity: 1024)
        let total = 1_000_000
        let producer = Thread {
            var next = 0
            while next < total { if ring.push(next) { next += 1 } }
        }
        producer.start()
        var expected = 0
        var outOfOrder = 0
        while expected < total {
            if let value = ring.pop() {
                if value != expected { outOfOrder += 1 }
                expected += 1
            }
        }
        #expect(outOfOrder == 0)
        #expect(ring.pop() == nil)
    }

    @Test("push and pop allocate nothing")
    func noAllocation() {
        let ring = SPSCRing<UInt64>(capacity: 256)
        soma_malloc_counter_start()
        for round in 0..<100_000 {
            _ = ring.push(UInt64(round))
            _ = ring.pop()
        }
        #expect(soma_malloc_counter_stop() == 0)
    }
}
