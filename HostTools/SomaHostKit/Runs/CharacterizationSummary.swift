import Foundation
import SomaCore

/// A `characterize` run's curve, as `soma run report --json` prints it: the same document as
/// `soma sim characterize --json` (`model`, `mode`, `points`), with `sweep` saying which pulse
/// parameter the points' x value is (`amplitude_v`, `width_us` or `interval_periods`), so that
/// `soma plot characterize` draws either.
public struct CharacterizationSummary: Encodable, Sendable {
    public struct Row: Encodable, Sendable {
        let sweep: CharacterizationSweep
        let value: Double
        let medianPulses: Double?
        let p10Pulses: Double?
        let p90Pulses: Double?
        let firedFraction: Double?
        let rateHertz: Double?
        let trials: Int

        enum CodingKeys: String, CodingKey {
            case amplitude_v, width_us, interval_periods, median_pulses, p10_pulses, p90_pulses, fired_fraction, rate_hz, trials
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch sweep {
            case .amplitude: try container.encode(value, forKey: .amplitude_v)
            case .width: try container.encode(value, forKey: .width_us)
            case .interval: try container.encode(value, forKey: .interval_periods)
            }
            if let firedFraction {
                try container.encode(medianPulses, forKey: .median_pulses)
                try container.encode(p10Pulses, forKey: .p10_pulses)
                try container.encode(p90Pulses, forKey: .p90_pulses)
                try container.encode(firedFraction, forKey: .fired_fraction)
            }
            if let rateHertz { try container.encode(rateHertz, forKey: .rate_hz) }
            try container.encode(trials, forKey: .trials)
        }
    }

    public let model = "board"
    public let mode: String
    public let sweep: String
    public let points: [Row]

    public init(curve: CharacterizationCurve, measure: CharacterizationMeasure, sweep: CharacterizationSweep, trialSeconds: Double, neurons: Int) {
        mode = measure.description
        self.sweep = sweep.description
        points = curve.points.map { point in
            switch measure {
            case .firstFire:
                Row(sweep: point.sweep, value: point.value, medianPulses: point.quantile(0.5), p10Pulses: point.quantile(0.1),
                    p90Pulses: point.quantile(0.9), firedFraction: point.firedFraction, rateHertz: nil, trials: point.pulsesPerTrial.count)
            case .rate:
                Row(sweep: point.sweep, value: point.value, medianPulses: nil, p10Pulses: nil, p90Pulses: nil, firedFraction: nil,
                    rateHertz: point.rateHertz(trialSeconds: trialSeconds, neurons: neurons), trials: point.firesPerTrial.count)
            }
        }
    }

    /// The x axis: what was swept, with its unit.
    public static func axisLabel(_ sweep: String) -> String {
        switch sweep {
        case "width": "pulse width (µs)"
        case "interval": "clock periods from pulse to pulse"
        default: "amplitude (V)"
        }
    }

    public var text: String {
        var lines = ["\(sweep) sweep, \(mode), \(points.first?.trials ?? 0) trials a point"]
        for row in points {
            let x = String(format: "%g", row.value)
            if let fired = row.firedFraction {
                let median = row.medianPulses.map { String(format: "%.1f", $0) } ?? "—"
                lines.append("  \(x): median \(median) pulses to first fire, \(String(format: "%.0f", fired * 100)) % fired")
            } else if let rate = row.rateHertz {
                lines.append("  \(x): \(String(format: "%.1f", rate)) Hz")
            }
        }
        return lines.joined(separator: "\n")
    }

    public var plot: LinePlot {
        LinePlot(
            title: mode == "first-fire" ? "Pulses to first fire (board)" : "Spiking rate (board)",
            xLabel: Self.axisLabel(sweep), yLabel: mode == "first-fire" ? "median pulses to first fire" : "rate (Hz)",
            points: points.map { ($0.value, mode == "first-fire" ? $0.medianPulses : $0.rateHertz) })
    }
}
