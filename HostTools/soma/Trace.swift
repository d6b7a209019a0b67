import ArgumentParser
import SomaCore
import SomaHostKit
import SomaTesting

extension DepressionPhase: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "disabled": self = .disabled
        case "before-refractory": self = .beforeRefractory
        case "after-refractory": self = .afterRefractory
        default: return nil
        }
    }

    public static var allValueStrings: [String] { ["disabled", "before-refractory", "after-refractory"] }
}

extension TimingDiagram.Style: ExpressibleByArgument {}

/// `soma trace`: one neuron, its fire sense scripted, its lines drawn tick by tick.
struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the timing diagram of one neuron driven by a scripted fire sense (seed 000 Fig. 3b).",
        discussion: """
            The neuron core runs exactly as on a board. In place of a memristor, a scripted fire \
            sense goes high on the N-th input pulse after each refractory period and stays high \
            until just past the pulse's end. VIN1 pulses every clock period (its pattern pixel is 1); VIN2 is grounded.

            Lanes: CLK, VIN1 and VIN2 (input rows), FIRE (fire sense), L1 and L2 (D-latches), \
            G1 (output spike = L2 AND CLK), G3 (lateral inhibition = L1 OR L2), T1 (refractory and \
            potentiation = L2), T3 (depression).
            """
    )

    @Option(help: "Input pulses integrated before the scripted fire.")
    var pulsesToFire: Int = 5

    @Option(help: "Clock periods to run.")
    var periods: Int = 16

    @Option(help: "Global clock frequency in hertz.")
    var clockHz: Double = 2_000

    @Option(help: "Ticks per clock phase.")
    var ticksPerPhase: Int = 5

    @Option(help: "When T3 conducts: disabled, before-refractory or after-refractory.")
    var depression: DepressionPhase = .beforeRefractory

    @Option(help: "Characters for the diagram: unicode or ascii.")
    var style: TimingDiagram.Style = .unicode

    func validate() throws {
        guard pulsesToFire >= 1 else { throw ValidationError("--pulses-to-fire must be at least 1 (got \(pulsesToFire))") }
        guard (1...10_000).contains(periods) else { throw ValidationError("--periods must be 1…10000 (got \(periods))") }
    }

    func run() throws {
        let configuration = NetworkConfiguration(
            inputs: 2, layers: [LayerConfiguration(neurons: 1)],
            clock: ClockSettings(frequencyHertz: clockHz, ticksPerPhase: ticksPerPhase),
            depression: depression)
        let core: NeuronCore
        do {
            let patterns = try PatternBank([Pattern(pixels: [true, false], label: "VIN1")], inputCount: 2)
            core = try NeuronCore(configuration: configuration, patterns: patterns)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        var neuron = core
        neuron.present(pattern: 0)
        // Fire two ticks into the pulse: the sense of a tick is read before that tick's rows are
        // driven, so the earliest a scripted device can answer a pulse is the tick after it starts.
        var board = TraceRecorder(
            ScriptedNeuronBoard(
                configuration: configuration, pulsesToFire: pulsesToFire,
                fireDelayTicks: min(2, configuration.clock.ticksPerPhase), holdTicks: 4))
        var events: [NeuronEvent] = []
        for _ in 0..<(periods * configuration.clock.ticksPerPeriod) {
            neuron.tick(on: &board)
            events.append(contentsOf: neuron.events)
        }
        let snapshots = board.snapshots
        func lane(_ name: String, _ level: (TickSnapshot) -> Bool) -> TimingDiagram.Lane {
            TimingDiagram.Lane(name: name, levels: snapshots.map(level))
        }
        let lanes = [
            lane("CLK") { $0.clock == .high },
            lane("VIN1") { $0.rows[0] },
            lane("VIN2") { $0.rows[1] },
            lane("FIRE") { $0.fireSense[0] },
            lane("L1") { $0.neurons[0].contains(.latch1) },
            lane("L2") { $0.neurons[0].contains(.latch2) },
            lane("G1 spike") { $0.neurons[0].contains(.spike) },
            lane("G3 inhib") { $0.neurons[0].contains(.inhibition) },
            lane("T1 refr") { $0.neurons[0].contains(.potentiation) },
            lane("T3 depr") { $0.neurons[0].contains(.depression) },
        ]
        let tickMicroseconds = Double(configuration.clock.tickNanoseconds) / 1000
        let diagram = TimingDiagram(
            lanes: lanes, tickMicroseconds: tickMicroseconds,
            ticksPerMark: configuration.clock.ticksPerPeriod, style: style)
        print(
            "One hybrid neuron, \(clockHz) Hz clock, \(ticksPerPhase) ticks per phase (\(tickMicroseconds) µs per tick), fire on pulse \(pulsesToFire):\n")
        print(diagram.render())
        print("Events:")
        for event in events {
            let microseconds = Double(event.tick) * tickMicroseconds
            print("  \(formatted(microseconds)) µs  tick \(event.tick)  \(event.kind)")
        }
        let fires = events.filter { $0.kind == .fire }.count
        let spikes = events.filter { $0.kind == .spike }.count
        print("\n\(fires) fires, \(spikes) output spikes in \(periods) clock periods.")
    }

    private func formatted(_ value: Double) -> String {
        (value == value.rounded() ? String(Int(value)) : String(value)).rightAligned(toWidth: 7)
    }
}
