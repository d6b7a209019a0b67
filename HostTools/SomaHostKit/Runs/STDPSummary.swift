import Foundation
import SomaCore

/// What an `stdp` run measured, as `soma sim run --protocol stdp --json` and `soma run report
/// --json` print it: the configured window, one point per pairing, and how closely the points
/// follow the window (one gain per branch). Computed from the run's events alone.
public struct STDPSummary: Codable, Sendable, Equatable {
    public struct Window: Codable, Sendable, Equatable {
        public var shape: String
        public var potentiation: Double
        public var depression: Double
        public var tauPotentiationMs: Double
        public var tauDepressionMs: Double

        enum CodingKeys: String, CodingKey {
            case shape, potentiation, depression, tauPotentiationMs = "tau_potentiation_ms", tauDepressionMs = "tau_depression_ms"
        }
    }

    public struct Point: Codable, Sendable, Equatable {
        /// t_post − t_pre as measured from the spikes, ms.
        public var deltaTMs: Double
        /// SET (Δt ≥ 0) or RESET (Δt < 0) pulses the window asked for.
        public var pulses: Int
        /// The synapse's change between the read-outs around the pulses, µS.
        public var deltaGMicrosiemens: Double

        enum CodingKeys: String, CodingKey { case deltaTMs = "delta_t_ms", pulses, deltaGMicrosiemens = "delta_g_us" }
    }

    public var window: Window
    public var points: [Point]
    /// µS per unit of the window on each branch (nil: no pairing on that side).
    public var potentiationGainMicrosiemens: Double?
    public var depressionGainMicrosiemens: Double?
    /// The largest |measured − gain × window| over the points, as a fraction of the fitted peak.
    public var largestDeviationOfPeak: Double
    /// Pairings that gave up without the postsynaptic fire.
    public var pairingsWithoutFire: Int
    public var events: Int
    public var virtualSeconds: Double
    public var wallSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case window, points, potentiationGainMicrosiemens = "potentiation_gain_us", depressionGainMicrosiemens = "depression_gain_us"
        case largestDeviationOfPeak = "largest_deviation_of_peak", pairingsWithoutFire = "pairings_without_fire"
        case events, virtualSeconds = "virtual_seconds", wallSeconds = "wall_seconds"
    }

    public init(events: [NeuronEvent], window: STDPWindow, virtualSeconds: Double, wallSeconds: Double?) {
        let curve = STDPCurve(events: events)
        let fit = curve.fit(window)
        self.window = Window(
            shape: window.shape.description, potentiation: window.potentiation, depression: window.depression,
            tauPotentiationMs: window.potentiationTauMilliseconds, tauDepressionMs: window.depressionTauMilliseconds)
        points = curve.points.map { Point(deltaTMs: $0.deltaMilliseconds, pulses: $0.pulses, deltaGMicrosiemens: $0.changeSiemens * 1e6) }
        potentiationGainMicrosiemens = fit.potentiationGain.map { $0 * 1e6 }
        depressionGainMicrosiemens = fit.depressionGain.map { $0 * 1e6 }
        largestDeviationOfPeak = fit.largestDeviationOfPeak
        pairingsWithoutFire = events.filter { $0.kind == .noFire }.count
        self.events = events.count
        self.virtualSeconds = virtualSeconds
        self.wallSeconds = wallSeconds
    }

    var stdpWindow: STDPWindow {
        STDPWindow(
            shapeName: window.shape, potentiation: window.potentiation, depression: window.depression,
            potentiationTauMilliseconds: window.tauPotentiationMs, depressionTauMilliseconds: window.tauDepressionMs) ?? .seed003
    }

    public var text: String {
        var lines = ["STDP window: \(window.shape), potentiation \(window.potentiation) (τ \(window.tauPotentiationMs) ms), depression \(window.depression) (τ \(window.tauDepressionMs) ms)"]
        lines.append("  Δt (ms)   pulses   ΔG (µS)")
        for point in points {
            lines.append(String(format: "  %7.2f   %6d   %+8.2f", point.deltaTMs, point.pulses, point.deltaGMicrosiemens))
        }
        let gains = [("potentiation", potentiationGainMicrosiemens), ("depression", depressionGainMicrosiemens)]
            .compactMap { name, gain in gain.map { String(format: "%@ %.4g µS per unit", name, $0) } }
        lines.append("fitted gain: \(gains.isEmpty ? "none (no pairing measured)" : gains.joined(separator: ", "))")
        lines.append(String(format: "largest deviation from gain × window: %.1f %% of the peak, over %d pairings", largestDeviationOfPeak * 100, points.count))
        if pairingsWithoutFire > 0 { lines.append("\(pairingsWithoutFire) pairings got no postsynaptic fire within the pulse limit") }
        return lines.joined(separator: "\n")
    }

    /// The measured ΔG against Δt, with the fitted window drawn beside it.
    public func svg() -> String {
        let window = stdpWindow
        let from = points.map(\.deltaTMs).min() ?? -100
        let to = points.map(\.deltaTMs).max() ?? 100
        var reference: [(x: Double, y: Double?)] = []
        for step in 0...200 {
            let x = from + (to - from) * Double(step) / 200
            let gain = x >= 0 ? potentiationGainMicrosiemens : depressionGainMicrosiemens
            reference.append((x, gain.map { $0 * window.change(atMilliseconds: x) }))
        }
        var plot = LinePlot(
            title: "STDP: measured ΔG (points) and gain × \(self.window.shape) window (line)", xLabel: "Δt = t_post − t_pre (ms)",
            yLabel: "ΔG (µS)", points: points.map { ($0.deltaTMs, $0.deltaGMicrosiemens) })
        plot.reference = reference
        plot.connectsPoints = false
        return plot.svg()
    }

    public func write(to directory: String) throws(HostError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try LearningSummary.encoder.encode(self).write(to: URL(fileURLWithPath: directory + "/stdp.json"))
            try svg().write(toFile: directory + "/stdp.svg", atomically: true, encoding: .utf8)
        } catch {
            throw HostError("cannot write \(directory): \(error.localizedDescription)", exitCode: 73)
        }
    }
}
