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
            order.swapAt(index, SeededDraw.below(index + 1, state: &state))
            index -= 1
        }
    }
}

/// The seeded draws of the core and its protocols (ties, noisy pixels, presentation order): one
/// xorshift64* stream, deterministic for a seed on every machine, allocation-free.
public enum SeededDraw {
    /// A draw in 0..<bound (bound ≥ 1), advancing `state`.
    @inlinable @_noAllocation @_noLocks
    public static func below(_ bound: Int, state: inout UInt64) -> Int {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return Int((state &* 0x2545_F491_4F6C_DD1D) % UInt64(bound))
    }
}
