/// The ADS1115/ADS1015 facts a board profile names and the driver (SomaLinux) programs: the two
/// models with their data rates and resolution, the inputs, the full-scale ranges. Kept here, the
/// lower of the two modules, so the profile check and the driver cannot disagree.
/// Datasheets: ADS111x (SBAS444) and ADS101x (SBAS473), §8.6.
public enum ADS1x15Model: String, Sendable, CaseIterable {
    case ads1115
    case ads1015

    /// Samples per second selectable with the DR bits, in bit order.
    public var dataRates: [Int] {
        switch self {
        case .ads1115: [8, 16, 32, 64, 128, 250, 475, 860]
        case .ads1015: [128, 250, 490, 920, 1600, 2400, 3300, 3300]
        }
    }

    /// Full-scale code: the conversion result is a signed `bits`-bit number.
    public var bits: Int { self == .ads1115 ? 16 : 12 }

    /// Full-scale ranges of the gain amplifier in volts, PGA bits 000…101.
    public static let fullScaleVolts = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256]
}

/// What the multiplexer connects to the converter.
public enum ADS1x15Input: Sendable, Equatable {
    /// AINn against ground (n = 0…3).
    case single(Int)
    /// AIN0−AIN1, AIN0−AIN3, AIN1−AIN3, AIN2−AIN3: the four differential pairs the chip has.
    case differential(Int, Int)

    /// Every input the chip has, by its profile name (`ain2`, `ain0-ain3`).
    public static let byProfileName: [(name: String, input: ADS1x15Input)] =
        (0...3).map { ("ain\($0)", .single($0)) }
        + [(0, 1), (0, 3), (1, 3), (2, 3)].map { ("ain\($0.0)-ain\($0.1)", .differential($0.0, $0.1)) }

    public init?(profileName: String) {
        guard let match = Self.byProfileName.first(where: { $0.name == profileName }) else { return nil }
        self = match.input
    }
}
