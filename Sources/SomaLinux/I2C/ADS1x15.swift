import SomaBoardProfile
#if canImport(Glibc)
import Glibc
#endif

// Texas Instruments ADS1115 (16-bit) and ADS1015 (12-bit) ADCs: four inputs, a programmable gain
// amplifier, single-shot or continuous conversion, and an ALERT/RDY pin that can signal "conversion
// ready". Register layout and bit fields: ADS111x datasheet (SBAS444) §8.6, ADS101x (SBAS473) §8.6.
// The models, inputs and ranges are named in SomaBoardProfile (ADS1x15Names.swift).

extension ADS1x15Input {
    /// MUX bits of the config register; nil for an input the chip does not have.
    var muxBits: UInt16? {
        switch self {
        case .single(let channel) where (0...3).contains(channel): UInt16(4 + channel)
        case .differential(0, 1): 0
        case .differential(0, 3): 1
        case .differential(1, 3): 2
        case .differential(2, 3): 3
        default: nil
        }
    }
}

/// Full-scale ranges of the gain amplifier, in volts (PGA bits 000…101).
public enum ADS1x15Gain: Double, Sendable, CaseIterable {
    case fullScale6_144 = 6.144
    case fullScale4_096 = 4.096
    case fullScale2_048 = 2.048
    case fullScale1_024 = 1.024
    case fullScale0_512 = 0.512
    case fullScale0_256 = 0.256

    var pgaBits: UInt16 { UInt16(Self.allCases.firstIndex(of: self)!) }

    /// The gain whose full scale is `volts`, if the chip has one.
    public init?(fullScaleVolts volts: Double) {
        guard let gain = Self.allCases.first(where: { abs($0.rawValue - volts) < 1e-9 }) else { return nil }
        self = gain
    }
}

public enum ADS1x15Mode: String, Sendable {
    /// One conversion per request (OS bit), then power-down.
    case singleShot = "single-shot"
    /// Converts continuously at the data rate; the latest result is always in the conversion register.
    case continuous
}

/// A complete ADC setting, checked before anything is written to the chip.
public struct ADS1x15Configuration: Sendable, Equatable {
    public var input: ADS1x15Input
    public var gain: ADS1x15Gain
    public var mode: ADS1x15Mode
    public var samplesPerSecond: Int
    /// Use ALERT/RDY as a conversion-ready signal (comparator thresholds set as the datasheet says).
    public var dataReadyPin: Bool

    public init(
        input: ADS1x15Input = .single(0), gain: ADS1x15Gain = .fullScale4_096, mode: ADS1x15Mode = .continuous,
        samplesPerSecond: Int = 860, dataReadyPin: Bool = true
    ) {
        self.input = input
        self.gain = gain
        self.mode = mode
        self.samplesPerSecond = samplesPerSecond
        self.dataReadyPin = dataReadyPin
    }
}

/// What can go wrong with an ADS1x15: a bad setting (found before any write) or a failed transfer.
public enum ADS1x15Error: Error, Equatable, CustomStringConvertible {
    case unsupportedInput(ADS1x15Input)
    case unsupportedDataRate(model: ADS1x15Model, samplesPerSecond: Int)
    case transfer(SystemCallError)

    public var description: String {
        switch self {
        case .unsupportedInput(let input): "ADS1x15 has no input \(input): single(0…3) or differential (0,1) (0,3) (1,3) (2,3)"
        case .unsupportedDataRate(let model, let rate):
            "\(model.rawValue) has no data rate \(rate) SPS; it has \(model.dataRates.map(String.init).joined(separator: ", "))"
        case .transfer(let error): error.description
        }
    }
}

/// An ADS1115 or ADS1015 on an I2C bus.
public struct ADS1x15: ~Copyable {
    /// Register pointers (datasheet Table 8-3).
    public enum Register: UInt8 {
        case conversion = 0x00
        case config = 0x01
        case lowThreshold = 0x02
        case highThreshold = 0x03
    }

    public let model: ADS1x15Model
    public let device: I2CDevice
    public private(set) var configuration: ADS1x15Configuration

    /// Opens the chip, checks it answers (by reading its config register) and applies `configuration`.
    public init(model: ADS1x15Model, bus: Int, address: UInt8, configuration: ADS1x15Configuration) throws(ADS1x15Error) {
        let word = try Self.configWord(model: model, configuration, startConversion: configuration.mode == .singleShot ? false : true)
        let device = try Self.open(bus: bus, address: address)
        try Self.apply(word: word, dataReadyPin: configuration.dataReadyPin, to: device)
        self.device = device
        self.model = model
        self.configuration = configuration
    }

    /// Opens the device and reads its config register: a chip that does not answer fails here.
    private static func open(bus: Int, address: UInt8) throws(ADS1x15Error) -> I2CDevice {
        let device: I2CDevice
        do { device = try I2CDevice(bus: bus, address: address) } catch { throw .transfer(error) }
        do { _ = try device.readBigEndianWord(register: Register.config.rawValue) } catch { throw .transfer(error) }
        return device
    }

    /// The 16-bit config register for a setting (datasheet Table 8-6):
    /// OS | MUX[14:12] | PGA[11:9] | MODE | DR[7:5] | COMP_MODE | COMP_POL | COMP_LAT | COMP_QUE[1:0].
    public static func configWord(
        model: ADS1x15Model, _ configuration: ADS1x15Configuration, startConversion: Bool
    ) throws(ADS1x15Error) -> UInt16 {
        guard let mux = configuration.input.muxBits else { throw .unsupportedInput(configuration.input) }
        guard let rate = model.dataRates.firstIndex(of: configuration.samplesPerSecond) else {
            throw .unsupportedDataRate(model: model, samplesPerSecond: configuration.samplesPerSecond)
        }
        var word: UInt16 = 0
        if startConversion { word |= 1 << 15 }
        word |= mux << 12
        word |= configuration.gain.pgaBits << 9
        if configuration.mode == .singleShot { word |= 1 << 8 }
        word |= UInt16(rate) << 5
        // Comparator: traditional, active low, non-latching; COMP_QUE 00 asserts ALERT/RDY after
        // every conversion, 11 disables the pin.
        word |= configuration.dataReadyPin ? 0b00 : 0b11
        return word
    }

    private static func apply(word: UInt16, dataReadyPin: Bool, to device: borrowing I2CDevice) throws(ADS1x15Error) {
        do {
            if dataReadyPin {
                // Conversion-ready mode: Hi_thresh MSB 1, Lo_thresh MSB 0 (datasheet §8.3.8).
                try device.writeBigEndianWord(register: Register.highThreshold.rawValue, 0x8000)
                try device.writeBigEndianWord(register: Register.lowThreshold.rawValue, 0x0000)
            }
            try device.writeBigEndianWord(register: Register.config.rawValue, word)
        } catch {
            throw .transfer(error)
        }
    }

    /// Changes the setting (input, gain, mode, rate); continuous mode restarts conversions.
    public mutating func reconfigure(_ configuration: ADS1x15Configuration) throws(ADS1x15Error) {
        let word = try Self.configWord(model: model, configuration, startConversion: configuration.mode == .continuous)
        try Self.apply(word: word, dataReadyPin: configuration.dataReadyPin, to: device)
        self.configuration = configuration
    }

    /// Starts one conversion (single-shot mode).
    public func startConversion() throws(ADS1x15Error) {
        let word = try Self.configWord(model: model, configuration, startConversion: true)
        do {
            try device.writeBigEndianWord(register: Register.config.rawValue, word)
        } catch {
            throw .transfer(error)
        }
    }

    /// Whether no conversion is in progress (the OS bit reads 1 when idle).
    public func isIdle() throws(ADS1x15Error) -> Bool {
        do {
            return try device.readBigEndianWord(register: Register.config.rawValue) & 0x8000 != 0
        } catch {
            throw .transfer(error)
        }
    }

    /// The conversion register as a signed code in the chip's resolution (ADS1015: 12 bits, left
    /// justified in the register, so shifted down by 4).
    public func readCode() throws(ADS1x15Error) -> Int16 {
        let raw: UInt16
        do {
            raw = try device.readBigEndianWord(register: Register.conversion.rawValue)
        } catch {
            throw .transfer(error)
        }
        let signed = Int16(bitPattern: raw)
        return model == .ads1015 ? signed >> 4 : signed
    }

    /// Volts for a code at the current gain.
    public func volts(code: Int16) -> Double {
        Double(code) * configuration.gain.rawValue / Double(1 << (model.bits - 1))
    }

    /// Reads the latest conversion in volts.
    public func readVolts() throws(ADS1x15Error) -> Double {
        volts(code: try readCode())
    }
}
