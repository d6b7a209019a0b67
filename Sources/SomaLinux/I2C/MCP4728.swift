/// Microchip MCP4728: four 12-bit DAC channels on I2C, which give a board its pulse amplitude rails
/// (input pulse, SET, RESET, gate). Commands: datasheet DS22187E §5.6.
public struct MCP4728: ~Copyable {
    public enum Channel: Int, CaseIterable, Sendable {
        case a, b, c, d
    }

    /// What full scale (code 4096) means in volts.
    public enum Reference: Sendable, Equatable {
        /// VDD as the reference: full scale is the supply voltage.
        case supply(volts: Double)
        /// The internal 2.048 V reference, with gain 1 (2.048 V) or 2 (4.096 V, needs VDD ≥ 4.1 V).
        case internalReference(gainTwo: Bool)

        public var fullScaleVolts: Double {
            switch self {
            case .supply(let volts): volts
            case .internalReference(let gainTwo): gainTwo ? 4.096 : 2.048
            }
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// A code beyond 12 bits; nothing was written.
        case codeOutOfRange(channel: Channel, code: Int)
        /// A voltage outside 0…full scale; nothing was written.
        case voltsOutOfRange(channel: Channel, volts: Double, fullScaleVolts: Double)
        case transfer(SystemCallError)
        case loadDAC(Int32)
        /// Not one value per channel A…D; nothing was written.
        case channelCount(Int)

        public var description: String {
            switch self {
            case .codeOutOfRange(let channel, let code):
                "MCP4728 channel \(channel): code \(code) is beyond 12 bits (0…4095); nothing was written"
            case .voltsOutOfRange(let channel, let volts, let fullScale):
                "MCP4728 channel \(channel): \(volts) V is outside 0…\(fullScale) V; nothing was written"
            case .transfer(let error): error.description
            case .loadDAC(let errno): "MCP4728 LDAC pulse failed (errno \(errno))"
            case .channelCount(let count): "MCP4728 takes 4 values (channels a…d), got \(count); nothing was written"
            }
        }
    }

    public let device: I2CDevice
    public let reference: Reference

    /// Opens the chip, checks it answers (an SMBus quick write) and selects the reference.
    public init(bus: Int, address: UInt8, reference: Reference) throws(Failure) {
        let device: I2CDevice
        do { device = try I2CDevice(bus: bus, address: address) } catch { throw .transfer(error) }
        do {
            try device.probe()
            // Write VREF (100x ABCD) then Write Gain (110x ABCD) for all four channels.
            switch reference {
            case .supply:
                try device.send(0b1000_0000)
            case .internalReference(let gainTwo):
                try device.send(0b1000_1111)
                try device.send(gainTwo ? 0b1100_1111 : 0b1100_0000)
            }
        } catch {
            throw .transfer(error)
        }
        self.device = device
        self.reference = reference
    }

    /// The code for `volts` on this reference (rounded), or an error if it is out of range.
    public func code(forVolts volts: Double, channel: Channel) throws(Failure) -> UInt16 {
        let fullScale = reference.fullScaleVolts
        guard volts.isFinite, volts >= 0, volts <= fullScale else {
            throw .voltsOutOfRange(channel: channel, volts: volts, fullScaleVolts: fullScale)
        }
        return UInt16(min(4095, (volts / fullScale * 4096).rounded()))
    }

    /// The Fast Write frame for four codes (datasheet Fig. 5-7): per channel, 0 0 PD1 PD0 D11…D8
    /// then D7…D0; power-down bits 00 (normal operation).
    public static func fastWriteFrame(_ codes: [Int]) throws(Failure) -> [UInt8] {
        guard codes.count == 4 else { throw .channelCount(codes.count) }
        var frame: [UInt8] = []
        for (index, code) in codes.enumerated() {
            guard (0...4095).contains(code) else {
                throw .codeOutOfRange(channel: Channel(rawValue: index)!, code: code)
            }
            frame.append(UInt8(code >> 8))
            frame.append(UInt8(code & 0xFF))
        }
        return frame
    }

    /// Sets all four channels in one I2C transaction (Fast Write); every code is checked before
    /// anything is sent. With LDAC tied low, each output changes as its channel's bytes arrive.
    public func set(codes: [Int]) throws(Failure) {
        let frame = try Self.fastWriteFrame(codes)
        do { try device.writeBlock(command: frame[0], Array(frame.dropFirst())) } catch { throw .transfer(error) }
    }

    /// Sets all four channels so that they change at the same instant: LDAC (wired to a GPIO) is
    /// held high while the frame is written, then pulsed low, which loads all four outputs at once.
    public func set(codes: [Int], loadDAC: borrowing GPIOLineRequest) throws(Failure) {
        let frame = try Self.fastWriteFrame(codes)
        var level: Int32 = 1
        var status = loadDAC.set(&level)
        guard status == 0 else { throw .loadDAC(status) }
        do { try device.writeBlock(command: frame[0], Array(frame.dropFirst())) } catch { throw .transfer(error) }
        level = 0
        status = loadDAC.set(&level)
        level = 1
        if status == 0 { status = loadDAC.set(&level) }
        guard status == 0 else { throw .loadDAC(status) }
    }

    /// Sets all four channels in volts (checked against the reference first).
    public func set(volts: [Double]) throws(Failure) {
        guard volts.count == 4 else { throw .channelCount(volts.count) }
        var codes: [Int] = []
        for (index, value) in volts.enumerated() {
            codes.append(Int(try code(forVolts: value, channel: Channel(rawValue: index)!)))
        }
        try set(codes: codes)
    }
}
