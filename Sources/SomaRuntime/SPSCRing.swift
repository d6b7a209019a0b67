import Synchronization

/// A lock-free single-producer, single-consumer ring of fixed capacity: events out of the loop,
/// commands into it. All memory is reserved at creation; `push` and `pop` allocate nothing, take
/// no lock and never wait. A full ring refuses the push and counts it — the producer decides
/// what a refusal means (the loop counts it as dropped and says so), nothing is lost silently.
///
/// Exactly one thread may push and exactly one may pop.
public final class SPSCRing<Element: BitwiseCopyable>: @unchecked Sendable {
    public let capacity: Int
    private let mask: Int
    private let storage: UnsafeMutablePointer<Element>
    /// Next slot to read (owned by the consumer) and next slot to write (owned by the producer),
    /// both counting up forever; their difference is the fill.
    private let head = Atomic<Int>(0)
    private let tail = Atomic<Int>(0)
    private let refused = Atomic<UInt64>(0)
    private let highWater = Atomic<Int>(0)

    /// `capacity` is rounded up to a power of two (at least 2).
    public init(capacity: Int) {
        var size = 2
        while size < capacity { size <<= 1 }
        self.capacity = size
        mask = size - 1
        storage = .allocate(capacity: size)
    }

    deinit { storage.deallocate() }

    /// Producer side. False when the ring is full (the element was not stored).
    @inlinable @inline(__always)
    public func push(_ element: Element) -> Bool { _push(element) }

    @usableFromInline
    func _push(_ element: Element) -> Bool {
        let write = tail.load(ordering: .relaxed)
        let fill = write - head.load(ordering: .acquiring)
        guard fill < capacity else {
            refused.add(1, ordering: .relaxed)
            return false
        }
        (storage + (write & mask)).initialize(to: element)
        tail.store(write + 1, ordering: .releasing)
        if fill + 1 > highWater.load(ordering: .relaxed) { highWater.store(fill + 1, ordering: .relaxed) }
        return true
    }

    /// Consumer side. Nil when the ring is empty.
    @inlinable @inline(__always)
    public func pop() -> Element? { _pop() }

    @usableFromInline
    func _pop() -> Element? {
        let read = head.load(ordering: .relaxed)
        guard read < tail.load(ordering: .acquiring) else { return nil }
        let element = (storage + (read & mask)).pointee
        head.store(read + 1, ordering: .releasing)
        return element
    }

    /// Elements waiting (approximate while the other side works).
    public var count: Int { tail.load(ordering: .acquiring) - head.load(ordering: .acquiring) }
    /// Pushes refused because the ring was full.
    public var refusedPushes: UInt64 { refused.load(ordering: .relaxed) }
    /// The most elements ever waiting at once.
    public var highWaterMark: Int { highWater.load(ordering: .relaxed) }
}
