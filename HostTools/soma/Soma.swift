import ArgumentParser

@main
struct Soma: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soma",
        abstract: "Drive a hybrid memristor-CMOS spiking neuron: on a board or on the simulated breadboard.",
        discussion: """
            Soma is the digital half of the hybrid neuron of Zhang et al. (clock, D-latches, spike, \
            lateral-inhibition and learning gates, input pulse trains). This tool is its host side.
            """,
        subcommands: [Board.self, Patterns.self, Run.self, Logs.self, Plot.self, Trace.self, Sim.self, Profile.self]
    )
}
