/// The order in which a run presents a set: the set's own, or a Fisher–Yates shuffle drawn from a
/// seeded xorshift64* stream (deterministic for a seed, on every machine). Shared by the
/// protocols; allocation-free.
public enum ShuffledOrder {
    /// Fills `order[0..<count]` with 0…count−1, shuffled when `shuffling` (advancing `state`).
    @inlinable @_noAllocation @_noLocks
    public static func arrange(_ order: UnsafeMutableBufferPointer<Int32>, count: Int, shuffling: Bool, state: inout UInt64) {
        var index = 0
        while index < count {
            order[index] = Int32(truncatingIfNeeded: index)
            index += 1
        }
        guard shuffling else { return }
        index = count - 1
        while index > 0 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            let draw = Int((state &* 0x2545_F491_4F6C_DD1D) % UInt64(index + 1))
            order.swapAt(index, draw)
            index -= 1
        }
    }
}
