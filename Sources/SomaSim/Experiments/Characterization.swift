import SomaCore

/// Seed 000's device and neuron measurements (Fig. 2e/2f, 3c/3d), run on the simulated breadboard.
public enum Characterization {
    /// Pulses to first fire for one amplitude, over many trials.
    public struct FirstFirePoint: Sendable, Equatable {
        public var amplitudeVolts: Double
        /// Pulses to the first fire of each trial; `nil` where it did not fire within the limit.
        public var pulsesPerTrial: [Int?]

        public init(amplitudeVolts: Double, pulsesPerTrial: [Int?]) {
            self.amplitudeVolts = amplitudeVolts
            self.pulsesPerTrial = pulsesPerTrial
        }
        public var firedFraction: Double {
            Double(pulsesPerTrial.filter { $0 != nil }.count) / Double(max(1, pulsesPerTrial.count))
        }
        /// The q-quantile (0…1) over all trials, counting trials that never fired as slower than any
        /// that did; `nil` when the quantile falls on a trial that never fired.
        public func quantile(_ q: Double) -> Double? { CharacterizationCurve.Point.quantile(q, of: pulsesPerTrial) }
    }

    /// The pulse train of Fig. 2c/2e: the device in series with its read-out resistor (and a
    /// synapse resistor when `seriesOhms` is given), rectangular pulses of `amplitudeVolts`.
    public struct PulseTrain: Sendable {
        public var widthSeconds: Double = 250e-6
        public var intervalSeconds: Double = 250e-6
        public var readoutOhms: Double = 10_000
        public var seriesOhms: Double = 0
        /// Pulses tried before a trial counts as not fired.
        public var maximumPulses: Int = 200
        /// Longest integration step; shortened to a tenth of the pulse width or interval when those
        /// are shorter. Small against the TS and RC models' time constants (≥ 100 µs); the MIF model
        /// sub-steps internally.
        public var stepSeconds: Double = 5e-6
        public init() {}
    }

    /// Counts pulses to the first fire of a TS diffusive device through its read-out resistor,
    /// `trials` times, each trial a fresh device from its own random stream of `seed`.
    public static func firstFire(
        device: DiffusiveMemristor.Parameters, amplitudeVolts: Double, train: PulseTrain,
        trials: Int, seed: UInt64, stochastic: Bool
    ) -> FirstFirePoint {
        firstFire(amplitudeVolts: amplitudeVolts, train: train, trials: trials, seed: seed) { random in
            DiffusiveMemristor.WithReadout(
                device: DiffusiveMemristor(parameters: device, stochastic: stochastic, random: &random),
                readoutOhms: train.readoutOhms)
        }
    }

    /// Counts pulses to the first fire of any pulse-driven neuron model, `trials` times, each trial
    /// a fresh neuron made by `makeNeuron` from its own random stream of `seed`.
    public static func firstFire<Neuron: PulseDrivenNeuron>(
        amplitudeVolts: Double, train: PulseTrain, trials: Int, seed: UInt64,
        makeNeuron: (inout SeededRandom) -> Neuron
    ) -> FirstFirePoint {
        var results: [Int?] = []
        // Steps no longer than a tenth of the pulse or the interval, so that short pulses are resolved.
        var step = train.stepSeconds
        step = min(step, train.widthSeconds / 10)
        if train.intervalSeconds > 0 { step = min(step, train.intervalSeconds / 10) }
        let widthSteps = max(1, Int((train.widthSeconds / step).rounded()))
        let intervalSteps = Int((train.intervalSeconds / step).rounded())
        for trial in 0..<trials {
            var random = SeededRandom.stream(seed: seed, component: UInt64(trial))
            var neuron = makeNeuron(&random)
            var fired: Int?
            pulses: for pulse in 1...train.maximumPulses {
                for _ in 0..<widthSteps {
                    if neuron.drive(volts: amplitudeVolts, seriesOhms: train.seriesOhms, seconds: step, random: &random) {
                        fired = pulse
                        break pulses
                    }
                }
                // A neuron with a membrane capacitor can still fire after the pulse has ended: that
                // fire belongs to this pulse.
                for _ in 0..<intervalSteps {
                    if neuron.drive(volts: 0, seriesOhms: train.seriesOhms, seconds: step, random: &random) {
                        fired = pulse
                        break pulses
                    }
                }
            }
            results.append(fired)
        }
        return FirstFirePoint(amplitudeVolts: amplitudeVolts, pulsesPerTrial: results)
    }

    /// The hybrid neuron of Fig. 3b: the core driving one simulated TS neuron whose VIN1 pulses at
    /// `amplitudeVolts` through S1 and whose VIN2 is grounded through S2 (fixed resistors).
    public struct NeuronArrangement: Sendable {
        public var s1Ohms: Double = 10_000
        public var s2Ohms: Double = 40_000
        public var clock = ClockSettings()
        public var depression: DepressionPhase = .disabled
        public init() {}

        /// Two inputs (VIN1, VIN2), one neuron.
        public var network: NetworkConfiguration {
            NetworkConfiguration(inputs: 2, layers: [LayerConfiguration(neurons: 1)], clock: clock, depression: depression)
        }
    }

    /// Runs the full hybrid neuron (core + breadboard) for `seconds` of virtual time and returns the
    /// ticks of its output spikes and of the device's fires.
    public static func runNeuron(
        device: DiffusiveMemristor.Parameters, amplitudeVolts: Double, seconds: Double,
        arrangement: NeuronArrangement = NeuronArrangement(), seed: UInt64, stochastic: Bool
    ) throws(ConfigurationError) -> (spikeTicks: [UInt64], fireTicks: [UInt64], tickSeconds: Double) {
        let network = arrangement.network
        var settings = BreadboardSettings(network: network)
        settings.device = device
        settings.inputAmplitudeVolts = amplitudeVolts
        settings.fixedSynapses = true
        settings.explicitConductanceSiemens = [0: [1 / arrangement.s1Ohms, 1 / arrangement.s2Ohms]]
        settings.stochastic = stochastic
        settings.seed = seed
        var board = try Breadboard(settings: settings)
        let run = try runNeuron(on: &board, arrangement: arrangement, seconds: seconds)
        return (run.spikeTicks, run.fireTicks, board.tickSeconds)
    }

    /// The Fig. 3b run on any board that carries the arrangement's circuit (the breadboard, the
    /// SPICE board): the unchanged core presents VIN1 and ticks for `seconds`; returns the ticks of
    /// the output spikes and of the fire events the core latched.
    public static func runNeuron<B: Board>(
        on board: inout B, arrangement: NeuronArrangement, seconds: Double
    ) throws(ConfigurationError) -> (spikeTicks: [UInt64], fireTicks: [UInt64]) {
        let network = arrangement.network
        let bank: PatternBank
        do {
            bank = try PatternBank([Pattern(pixels: [true, false], label: "VIN1")], inputCount: 2)
        } catch {
            throw ConfigurationError(field: "patterns", value: "\(error)", allowed: "2 pixels")
        }
        var core = try NeuronCore(configuration: network, patterns: bank)
        core.present(pattern: 0)
        let tickSeconds = Double(network.clock.tickNanoseconds) * 1e-9
        let ticks = Int((seconds / tickSeconds).rounded())
        var spikes: [UInt64] = []
        var fires: [UInt64] = []
        for _ in 0..<ticks {
            core.tick(on: &board)
            for event in core.events {
                if event.kind == .spike { spikes.append(event.tick) }
                if event.kind == .fire { fires.append(event.tick) }
            }
        }
        return (spikes, fires)
    }

    /// Steady spiking rate of the hybrid neuron in hertz: spikes after the first one, over the time
    /// since it (0 with fewer than two spikes).
    public static func rate(spikeTicks: [UInt64], tickSeconds: Double, totalTicks: UInt64) -> Double {
        guard spikeTicks.count >= 2, let first = spikeTicks.first else { return 0 }
        return Double(spikeTicks.count - 1) / (Double(totalTicks - first) * tickSeconds)
    }
}
