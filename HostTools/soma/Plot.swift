import ArgumentParser
import Foundation
import SomaHostKit
import SomaProtocol

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plots of pulled logs, as SVG files that open in any browser.",
        discussion: "raster and rates read the local database (`soma logs pull` first); weights and characterize read the files `soma sim run --out` and `soma sim characterize --json` write.",
        subcommands: [PlotRaster.self, PlotRates.self, PlotWeights.self, PlotCharacterize.self]
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

/// Reads a JSON file a plot is drawn from; one sentence if it is missing or not what is expected.
private func readJSON<T: Decodable>(_ path: String, as type: T.Type, what: String) throws(HostError) -> T {
    guard let data = FileManager.default.contents(atPath: path) else { throw HostError("cannot read \(path)", exitCode: 66) }
    do { return try JSONDecoder().decode(T.self, from: data) } catch {
        throw HostError("\(path) is not \(what): \(DecodingProblem(error).message)", exitCode: 65)
    }
}

private func writeSVG(_ svg: String, to path: String) throws(HostError) {
    do { try svg.write(toFile: path, atomically: true, encoding: .utf8) } catch {
        throw HostError("cannot write \(path): \(error.localizedDescription)", exitCode: 73)
    }
}

/// `soma plot weights`: synapse conductance maps per layer (seed 000 Fig. 5d–j).
struct PlotWeights: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Synapse conductance maps of one layer, like seed 000 Fig. 5d–j.",
        discussion: """
            Draws the weights.json that `soma sim run --out DIR` writes (one map per layer, \
            conductances in µS). Layer 1 of a 6 × 5 pattern set is drawn as one small image per \
            hidden neuron, so a learned map looks like the digit it learned; other layers as a \
            rows × neurons matrix. All maps share one scale, 40 µS light to 1000 µS dark.
            """)

    @Option(help: "The weights.json to draw.")
    var from: String

    @Option(help: "Which layer (1 = the one the patterns feed).")
    var layer: Int = 1

    @Option(help: "The SVG file to write.")
    var out: String

    @Flag(help: "Print what was drawn as JSON: out, layer, rows, neurons.")
    var json = false

    func run() throws {
        let map = try hostCommand { () throws(HostError) -> WeightMap in
            let maps = try readJSON(from, as: [WeightMap].self, what: "a weights file (soma sim run --out writes one)")
            guard (1...maps.count).contains(layer) else {
                throw HostError("--layer \(layer): \(from) has layer\(maps.count == 1 ? " 1" : "s 1…\(maps.count)")", exitCode: 64)
            }
            let map = maps[layer - 1]
            try writeSVG(map.svg(), to: out)
            return map
        }
        if json {
            print(try jsonText(["out": out, "layer": layer, "rows": map.rows, "neurons": map.neurons] as [String: Any]))
        } else {
            print("wrote \(out): layer \(layer), \(map.rows) rows × \(map.neurons) neurons")
        }
    }
}

/// `soma plot characterize`: the curves of `soma sim characterize --json`.
struct PlotCharacterize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "characterize",
        abstract: "First-fire or rate curves (seed 000 Fig. 2f, 3d) from `soma sim characterize --json` or a characterize run's `soma run report --json`.",
        discussion: "first-fire: the median pulses to first fire against the swept amplitude, width or interval; rate: the spiking rate against it. One point per sweep value.")

    @Option(help: "A file holding `soma sim characterize --json` output.")
    var from: String

    @Option(help: "The SVG file to write.")
    var out: String

    @Flag(help: "Print what was drawn as JSON: out, mode, points.")
    var json = false

    struct Characterized: Decodable {
        struct Point: Decodable {
            let amplitude_v: Double?
            let width_us: Double?
            let interval_periods: Double?
            let median_pulses: Double?
            let rate_hz: Double?
            var x: Double { amplitude_v ?? width_us ?? interval_periods ?? 0 }
        }
        let model: String
        let mode: String
        let parameter_set: String?
        /// `soma run report` of a characterize run: amplitude, width or interval.
        let sweep: String?
        let points: [Point]
    }

    func run() throws {
        let curve = try hostCommand { () throws(HostError) -> Characterized in
            let curve = try readJSON(from, as: Characterized.self, what: "soma sim characterize --json output")
            let firstFire = curve.mode == "first-fire"
            let device = curve.model + (curve.parameter_set.map { " \($0)" } ?? "")
            let chart = LinePlot(
                title: firstFire ? "Pulses to first fire (\(device))" : "Spiking rate (\(device))",
                xLabel: CharacterizationSummary.axisLabel(curve.sweep ?? "amplitude"), yLabel: firstFire ? "median pulses to first fire" : "rate (Hz)",
                points: curve.points.map { (x: $0.x, y: firstFire ? $0.median_pulses : $0.rate_hz) })
            try writeSVG(chart.svg(), to: out)
            return curve
        }
        if json {
            print(try jsonText(["out": out, "mode": curve.mode, "points": curve.points.count] as [String: Any]))
        } else {
            print("wrote \(out): \(curve.mode), \(curve.points.count) points")
        }
    }
}
