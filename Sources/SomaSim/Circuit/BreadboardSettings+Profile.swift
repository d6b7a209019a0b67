import SomaBoardProfile
import SomaCore

extension BreadboardSettings {
    /// The simulated breadboard a profile describes: its network and pulse amplitude, and its
    /// `[simulation]` table (device set, stochasticity, seed, starting conductances), or the
    /// defaults where the profile has none (a real board's profile run with `somad --sim`).
    public init(profile: BoardProfile) throws(ConfigurationError) {
        self.init(network: profile.network)
        inputAmplitudeVolts = profile.pulseAmplitudeVolts
        guard let simulation = profile.simulation else { return }
        guard let device = DiffusiveMemristor.Parameters.sets.first(where: { $0.name == simulation.device }) else {
            throw ConfigurationError(
                field: "simulation.device", value: simulation.device,
                allowed: DiffusiveMemristor.Parameters.sets.map(\.name).joined(separator: ", "))
        }
        if device.name == "fig5" { useFig5Circuit() }
        self.device = device
        stochastic = simulation.stochastic
        seed = simulation.seed
        initialConductanceSiemens = simulation.conductanceMicrosiemens.map { $0 * 1e-6 }
        conductanceJitter = simulation.conductanceJitter
        spikeAmplitudeVolts = simulation.spikeAmplitudeVolts
        if let lift = simulation.depressionLiftVolts { depressionLiftVolts = lift }
    }
}
