/// What an `stdp` run measured, from its events: one point per pairing (Δt, the pulses the window
/// asked for, and the synapse's change between the read-outs around the pulses), and how well
/// the points follow the configured window. Not for the tick: it allocates.
public struct STDPCurve: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var deltaMilliseconds: Double
        public var pulses: Int
        /// The conductance after the pulses minus before, in siemens.
        public var changeSiemens: Double
    }

    public var points: [Point] = []

    /// The points of `events` (an `stdp` run's, in log order). A pairing whose read-outs are
    /// missing or unreadable (a board without column-current sense) gives no point.
    public init<Events: Sequence>(events: Events) where Events.Element == NeuronEvent {
        var lastRead: Double?
        var open: (delta: Double, pulses: Int, before: Double)?
        for event in events {
            switch event.kind {
            case .synapseRead:
                let siemens: Double? = event.payload == UInt32.max ? nil : Double(event.payload) * 1e-9
                if let pairing = open {
                    if let siemens {
                        points.append(Point(deltaMilliseconds: pairing.delta, pulses: pairing.pulses, changeSiemens: siemens - pairing.before))
                    }
                    open = nil
                }
                lastRead = siemens
            case .stdpPairing:
                let micro = Int32(bitPattern: event.payload)
                if let before = lastRead {
                    open = (Double(micro) / 1_000, Int(event.neuron), before)
                }
            default:
                break
            }
        }
    }

    /// How the measured changes follow `window`: one gain per branch (the device's SET and RESET
    /// respond differently to a pulse; the controller's job is the shape and the pulse counts),
    /// fitted by least squares, and the largest deviation from gain × window over the points,
    /// as a fraction of the larger branch's fitted peak.
    public struct Fit: Sendable, Equatable {
        /// Siemens per unit of the window, for Δt ≥ 0 and Δt < 0 (nil: no point on that side).
        public var potentiationGain: Double?
        public var depressionGain: Double?
        public var largestDeviationOfPeak: Double
        public var points: Int
    }

    public func fit(_ window: STDPWindow) -> Fit {
        func gain(_ side: [Point]) -> Double? {
            var top = 0.0, bottom = 0.0
            for point in side {
                let w = window.change(atMilliseconds: point.deltaMilliseconds)
                top += w * point.changeSiemens
                bottom += w * w
            }
            return side.isEmpty || bottom == 0 ? nil : top / bottom
        }
        let positive = points.filter { $0.deltaMilliseconds >= 0 }
        let negative = points.filter { $0.deltaMilliseconds < 0 }
        let up = gain(positive)
        let down = gain(negative)
        let peakUp = (up ?? 0) * window.potentiation * (window.shape == .alpha ? 1 / _exp(1) : 1)
        let peakDown = (down ?? 0) * window.depression * (window.shape == .alpha ? 1 / _exp(1) : 1)
        let scale = max(abs(peakUp), abs(peakDown))
        var largest = 0.0
        for point in points {
            let k = point.deltaMilliseconds >= 0 ? (up ?? 0) : (down ?? 0)
            let expected = k * window.change(atMilliseconds: point.deltaMilliseconds)
            largest = max(largest, abs(point.changeSiemens - expected))
        }
        return Fit(potentiationGain: up, depressionGain: down, largestDeviationOfPeak: scale > 0 ? largest / scale : .infinity, points: points.count)
    }
}
