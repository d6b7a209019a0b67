/// What a `characterize` run measured, from its events: per sweep point (`sweepPoint`), each
/// trial's pulses to the first fire (`learned`; nil for `noFire`) or its fires within the trial
/// (rate). Not for the tick: it allocates.
public struct CharacterizationCurve: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var sweep: CharacterizationSweep
        /// The point's value: volts, microseconds, or clock periods between pulses.
        public var value: Double
        /// First-fire trials: pulses to the first fire, nil where the trial gave up.
        public var pulsesPerTrial: [Int?] = []
        /// Rate trials: fires of the first layer within the trial.
        public var firesPerTrial: [Int] = []

        public var firedFraction: Double {
            Double(pulsesPerTrial.filter { $0 != nil }.count) / Double(max(1, pulsesPerTrial.count))
        }

        /// The q-quantile (0…1) of pulses to first fire, counting trials that never fired as slower
        /// than any that did; nil when it falls on such a trial.
        public func quantile(_ q: Double) -> Double? { Self.quantile(q, of: pulsesPerTrial) }

        public static func quantile(_ q: Double, of trials: [Int?]) -> Double? {
            let sorted = trials.map { $0 ?? Int.max }.sorted()
            guard !sorted.isEmpty else { return nil }
            let position = q * Double(sorted.count - 1)
            let lower = Int(position.rounded(.down))
            let upper = Int(position.rounded(.up))
            guard sorted[upper] != Int.max else { return nil }
            let fraction = position - Double(lower)
            return Double(sorted[lower]) * (1 - fraction) + Double(sorted[upper]) * fraction
        }

        /// Mean fires per second per neuron over the trials.
        public func rateHertz(trialSeconds: Double, neurons: Int) -> Double {
            guard !firesPerTrial.isEmpty, trialSeconds > 0 else { return 0 }
            return Double(firesPerTrial.reduce(0, +)) / Double(firesPerTrial.count) / trialSeconds / Double(max(1, neurons))
        }
    }

    public var points: [Point] = []

    /// `trialTicks`: how long a rate trial lasts (`inferPeriods` clock periods), so that fires
    /// while the inputs rest after it are not counted.
    public init<Events: Sequence>(events: Events, trialTicks: UInt64) where Events.Element == NeuronEvent {
        var trialStart: UInt64?
        for event in events {
            switch event.kind {
            case .sweepPoint:
                let sweep = CharacterizationSweep(rawValue: event.layer) ?? .amplitude
                let value: Double = switch sweep {
                case .amplitude: Double(event.payload) / 1_000
                case .width, .interval: Double(event.payload)
                }
                points.append(Point(sweep: sweep, value: value))
                trialStart = nil
            case .presentation where !points.isEmpty:
                trialStart = event.tick
                points[points.count - 1].firesPerTrial.append(0)
            case .learned where !points.isEmpty:
                points[points.count - 1].pulsesPerTrial.append(Int(event.payload))
            case .noFire where !points.isEmpty:
                points[points.count - 1].pulsesPerTrial.append(nil)
            case .fire where event.layer == 0 && !points.isEmpty:
                if let start = trialStart, event.tick < start + trialTicks {
                    let last = points.count - 1
                    points[last].firesPerTrial[points[last].firesPerTrial.count - 1] += 1
                }
            default:
                break
            }
        }
    }
}
