/// Sees the control lines after every write of a shift sequence. The loop uses `NoLineObserver`
/// (compiled away); tests use an observer that reads the real lines back and plays the chips.
public protocol LineObserver {
    mutating func linesWritten()
}

public struct NoLineObserver: LineObserver {
    @inlinable public init() {}
    @inlinable public mutating func linesWritten() {}
}

/// A 74HC595 chain: `bitCount` outputs behind three GPIO lines of one output request. Shifting a
/// frame clocks every bit into the shift registers (the outputs do not move), then one RCLK pulse
/// copies the whole frame to every output at once — so a tick's outputs change together.
///
/// Bit order: bit 0 is output QA of the first chip (the one SER feeds), bit 8 is QA of the second.
/// The last bit shifted in ends up in QA of the first chip, so bits are shifted highest first.
public struct ShiftOutChain {
    public let bitCount: Int
    /// Indices of SER, SRCLK and RCLK in the request's level array.
    public let dataIndex: Int, clockIndex: Int, latchIndex: Int

    public init(bitCount: Int, dataIndex: Int, clockIndex: Int, latchIndex: Int) {
        self.bitCount = bitCount
        self.dataIndex = dataIndex
        self.clockIndex = clockIndex
        self.latchIndex = latchIndex
    }

    /// Clocks `bits` (one per output) into the chain through `request`, whose other lines keep
    /// `levels`; the outputs do not change until the latch clock (RCLK) rises, which the board does in
    /// its next write of the chip. 2 × bitCount bulk sets; allocation-free.
    /// Returns 0 or the first errno.
    @inlinable
    public func shift<Observer: LineObserver>(
        _ bits: UnsafeBufferPointer<Bool>, levels: UnsafeMutablePointer<Int32>,
        through request: GPIOLineRequest, observer: inout Observer
    ) -> Int32 {
        var bit = bitCount - 1
        while bit >= 0 {
            levels[dataIndex] = bits[bit] ? 1 : 0
            levels[clockIndex] = 0
            var status = request.set(levels)
            if status != 0 { return status }
            observer.linesWritten()
            levels[clockIndex] = 1  // rising SRCLK: SER moves in
            status = request.set(levels)
            if status != 0 { return status }
            observer.linesWritten()
            bit -= 1
        }
        levels[clockIndex] = 0
        return 0
    }
}

/// A 74HC165 chain: `bitCount` inputs read through SH/LD and CLK (outputs) and QH (an input).
/// SH/LD low copies every input into the registers at once; then each CLK rising edge shifts the
/// next one to QH. Bit k is the k-th value read from QH: input H of the chip driving QH is bit 0,
/// its input A bit 7, then the chip behind it (through its QH into SER) continues with bit 8.
public struct ShiftInChain {
    public let bitCount: Int
    /// Indices of SH/LD and CLK in the output request's level array, of QH in the input request's.
    public let loadIndex: Int, clockIndex: Int, dataIndex: Int

    public init(bitCount: Int, loadIndex: Int, clockIndex: Int, dataIndex: Int) {
        self.bitCount = bitCount
        self.loadIndex = loadIndex
        self.clockIndex = clockIndex
        self.dataIndex = dataIndex
    }

    /// Loads and reads every input into `bits`. `outputLevels` are the output request's levels
    /// (SH/LD idles high, CLK low); `inputLevels` is scratch for the input request. Returns 0 or an errno.
    @inlinable
    public func read<Observer: LineObserver>(
        into bits: UnsafeMutableBufferPointer<Bool>,
        outputLevels: UnsafeMutablePointer<Int32>, through outputs: GPIOLineRequest,
        inputLevels: UnsafeMutablePointer<Int32>, from inputs: GPIOLineRequest,
        observer: inout Observer
    ) -> Int32 {
        outputLevels[clockIndex] = 0
        outputLevels[loadIndex] = 0  // parallel load
        var status = outputs.set(outputLevels)
        if status != 0 { return status }
        observer.linesWritten()
        outputLevels[loadIndex] = 1  // back to shifting
        status = outputs.set(outputLevels)
        if status != 0 { return status }
        observer.linesWritten()
        var bit = 0
        while bit < bitCount {
            status = inputs.get(inputLevels)
            if status != 0 { return status }
            bits[bit] = inputLevels[dataIndex] != 0
            outputLevels[clockIndex] = 1
            status = outputs.set(outputLevels)
            if status != 0 { return status }
            observer.linesWritten()
            outputLevels[clockIndex] = 0
            status = outputs.set(outputLevels)
            if status != 0 { return status }
            observer.linesWritten()
            bit += 1
        }
        return 0
    }
}
