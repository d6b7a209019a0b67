import SomaCore
import Testing

/// Bad configurations are refused when the configuration is built, naming the field and the range.
@Suite("Configuration errors")
struct ConfigurationTests {
    static func error(_ configuration: NetworkConfiguration) -> ConfigurationError? {
        do {
            _ = try NeuronCore(configuration: configuration)
            return nil
        } catch {
            return error
        }
    }

    @Test("zero neurons in a layer")
    func zeroNeurons() throws {
        let error = try #require(Self.error(NetworkConfiguration(inputs: 30, layers: [.init(neurons: 10), .init(neurons: 0)])))
        #expect(error.field == "layers[1].neurons")
        #expect(error.value == "0")
        #expect(error.description == "layers[1].neurons = 0 is not allowed: 1…4096 neurons")
    }

    @Test("no layers, no inputs, too many inputs")
    func shapes() throws {
        #expect(Self.error(NetworkConfiguration(inputs: 30, layers: []))?.field == "layers")
        #expect(Self.error(NetworkConfiguration(inputs: 0, layers: [.init(neurons: 1)]))?.field == "inputs")
        let tooMany = try #require(Self.error(NetworkConfiguration(inputs: 5_000, layers: [.init(neurons: 1)])))
        #expect(tooMany.field == "inputs" && tooMany.allowed.contains("1…4096"))
    }

    @Test("a clock of 0 Hz, a negative or non-finite clock", arguments: [0.0, -2_000, .nan, .infinity])
    func badFrequency(frequency: Double) throws {
        var configuration = NetworkConfiguration.singleNeuron()
        configuration.clock.frequencyHertz = frequency
        let error = try #require(Self.error(configuration))
        #expect(error.field == "clock.frequencyHertz")
    }

    @Test("more ticks per phase than fit: the message gives the largest that does")
    func tooManyTicks() throws {
        var configuration = NetworkConfiguration.singleNeuron()
        configuration.clock.ticksPerPhase = 26  // 250 µs / 26 < 10 µs
        let error = try #require(Self.error(configuration))
        #expect(error.field == "clock.ticksPerPhase")
        #expect(error.value == "26")
        #expect(error.allowed.hasPrefix("1…25 at 2000.0 Hz"))
        configuration.clock.ticksPerPhase = 25
        #expect(Self.error(configuration) == nil)
        configuration.clock.ticksPerPhase = 0
        #expect(Self.error(configuration)?.field == "clock.ticksPerPhase")
    }

    @Test("a pulse that does not fit its phase")
    func pulseOutsidePhase() throws {
        var configuration = NetworkConfiguration.singleNeuron()
        configuration.inputPulse = InputPulseSettings(offsetTicks: 3, widthTicks: 3)
        let error = try #require(Self.error(configuration))
        #expect(error.field == "inputPulse.widthTicks")
        #expect(error.allowed.hasPrefix("1…2"))
        configuration.inputPulse = InputPulseSettings(offsetTicks: 5)
        #expect(Self.error(configuration)?.field == "inputPulse.offsetTicks")
    }

    @Test("a pattern whose size does not match the input count")
    func patternSize() throws {
        let patterns = [Pattern(pixels: Array(repeating: true, count: 30), label: "0"),
                        Pattern(pixels: Array(repeating: true, count: 29), label: "7")]
        #expect(throws: PatternError(index: 1, label: "7", pixelCount: 29, inputCount: 30)) {
            try PatternBank(patterns, inputCount: 30)
        }
        let error = PatternError(index: 1, label: "7", pixelCount: 29, inputCount: 30)
        #expect(error.description == "pattern 1 ('7') has 29 pixels; the network has 30 input rows, so every pattern needs exactly 30 pixels")
        // A bank checked against another input count is refused by the core.
        let bank = try PatternBank([Pattern(pixels: [true, false])], inputCount: 2)
        #expect(throws: ConfigurationError.self) {
            _ = try NeuronCore(configuration: .paperNetwork(), patterns: bank)
        }
    }

    @Test("the paper's 30 × 10 × 10 network fits, its sizes from configuration")
    func paperNetwork() throws {
        let core = try NeuronCore(configuration: .paperNetwork())
        #expect(core.neuronCount == 20)
        #expect(core.rowCount == 40)
        #expect(core.layerCount == 2)
        let wide = try NeuronCore(configuration: NetworkConfiguration(
            inputs: 1_024, layers: [.init(neurons: 320, lateralInhibition: true), .init(neurons: 10)]))
        #expect(wide.rowCount == 1_024 + 320)
    }
}
