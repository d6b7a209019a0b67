import ArgumentParser
import Foundation
import SomaHostKit
import SomaProtocol

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plots of pulled logs, as SVG files that open in any browser.",
        discussion: "They read the local database (`soma logs pull` first). `soma sim characterize --plot` draws first-fire and rate curves.",
        subcommands: [PlotRaster.self, PlotRates.self]
    )
}

struct PlotSelection: ParsableArguments {
    @Option(help: "The board (default: the default board).")
    var board: String?

    @Option(help: "The run (default: the board's latest run in the database).")
    var run: Int64?

    @Option(help: "What counts as a spike: spike (G1, the default) or fire (L1 captured a fire).")
    var kind: String = "spike"

    @Option(help: "The SVG file to write.")
    var out: String

    @OptionGroup var database: DatabaseOption

    @Flag(help: "Print what was drawn as JSON.")
    var json = false

    func validate() throws {
        guard ["spike", "fire"].contains(kind) else { throw ValidationError("--kind is spike or fire") }
    }

    /// The run's events (in sequence order) and the board's tick length.
    func load() throws(HostError) -> (board: String, run: Int64, events: [EventDocument], tickMicroseconds: Double) {
        let name: String
        if let board { name = board } else {
            guard let chosen = try BoardConfiguration.load().defaultBoard else { throw HostError("no --board given and no default board") }
            name = chosen
        }
        let store = try LogDatabase(path: database.database)
        let latest = try store.latestRun(board: name)
        guard let chosenRun = run ?? latest else {
            throw HostError("the database holds no run of board '\(name)'; pull its log with `soma logs pull --board \(name)`")
        }
        var events: [EventDocument] = []
        try store.forEachEvent(board: name, run: chosenRun, kinds: nil) { events.append($0.event) }
        guard !events.isEmpty else { throw HostError("the database holds no events of run \(chosenRun) of board '\(name)'") }
        return (name, chosenRun, events, try store.tickMicroseconds(board: name) ?? 50)
    }

    func write(_ svg: String) throws(HostError) {
        do { try svg.write(toFile: out, atomically: true, encoding: .utf8) } catch {
            throw HostError("cannot write \(out): \(error.localizedDescription)")
        }
    }
}

struct PlotRaster: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "raster", abstract: "Spikes per neuron over time, one mark per spike.")

    @OptionGroup var selection: PlotSelection

    func run() throws {
        let (board, run, marks) = try hostCommand { () throws(HostError) -> (String, Int64, Int) in
            let (board, run, events, tick) = try selection.load()
            let spikes = events.filter { $0.kind == selection.kind }
            try selection.write(RasterPlot(title: "\(board), run \(run): \(selection.kind)s", events: spikes, tickMicroseconds: tick).svg())
            return (board, run, spikes.count)
        }
        if selection.json { print(try jsonText(["out": selection.out, "board": board, "run": run, "marks": marks] as [String: Any])) } else {
            print("wrote \(selection.out): \(marks) \(selection.kind)s of run \(run) on \(board)")
        }
    }
}

struct PlotRates: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rates", abstract: "Firing rate of every neuron for every pattern, as a heat map.")

    @OptionGroup var selection: PlotSelection

    func run() throws {
        let (board, run, rates) = try hostCommand { () throws(HostError) -> (String, Int64, FiringRates) in
            let (board, run, events, tick) = try selection.load()
            let rates = FiringRates(events: events, tickMicroseconds: tick, kind: selection.kind)
            try selection.write(rates.svg(title: "\(board), run \(run): \(selection.kind)s per second per pattern"))
            return (board, run, rates)
        }
        if selection.json {
            print(try jsonText(["out": selection.out, "board": board, "run": run, "neurons": rates.neurons, "patterns": rates.patterns, "rates": rates.rates] as [String: Any]))
        } else {
            print("wrote \(selection.out): \(rates.neurons.count) neurons × \(rates.patterns.count) patterns of run \(run) on \(board)")
        }
    }
}
