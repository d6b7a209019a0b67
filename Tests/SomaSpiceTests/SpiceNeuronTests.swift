import Foundation
import SomaCore
import SomaSim
import SomaSpice
import Testing

/// The repository's Board/hardware folder, found from this file.
let hardwareFolder: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        let candidate = url.appendingPathComponent("Board/hardware")
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("frontend.cir").path) { return candidate.path }
    }
    return "Board/hardware"
}()

let neuronNetlist = hardwareFolder + "/neuron-fig3.cir"

/// The pulse a fire belongs to: pulses start at every clock period (phase high, tick 0 of it).
func pulseNumber(ofTick tick: UInt64, _ clock: ClockSettings) -> Int { Int(tick / UInt64(clock.ticksPerPeriod)) + 1 }

/// ngspice is one simulator per process: the SPICE tests take turns.
@Suite(.serialized)
struct SpiceNeuronTests {
    let arrangement = Characterization.NeuronArrangement()

    func spiceFirstFire(volts: Double, seconds: Double = 0.006) throws -> (pulse: Int?, fires: [UInt64]) {
        var board = try SpiceBoard(netlist: neuronNetlist, network: arrangement.network, pulseAmplitudeVolts: volts)
        let run = try Characterization.runNeuron(on: &board, arrangement: arrangement, seconds: seconds)
        #expect(board.failure == nil, "\(board.failure?.description ?? "")")
        return (run.fireTicks.first.map { pulseNumber(ofTick: $0, arrangement.clock) }, run.fireTicks)
    }

    func simFirstFire(volts: Double) throws -> Int? {
        let run = try Characterization.runNeuron(
            device: .fig3, amplitudeVolts: volts, seconds: 0.006, arrangement: arrangement, seed: 1, stochastic: false)
        return run.fireTicks.first.map { pulseNumber(ofTick: $0, arrangement.clock) }
    }

    /// Seed 000 Fig. 3b: 1.8 V, 250 µs pulses at 2 kHz through S1 = 10 kΩ, VIN2 grounded through
    /// S2 = 40 kΩ: the neuron fires on the 5th pulse; after a fire, T1 holds node 1 at ground for one
    /// clock period (the refractory period) and nothing fires in it.
    @Test func fig3bFiresOnTheFourthToSixthPulseWithOnePeriodRefractory() throws {
        var board = try SpiceBoard(netlist: neuronNetlist, network: arrangement.network, pulseAmplitudeVolts: 1.8)
        let network = arrangement.network
        let bank = try PatternBank([Pattern(pixels: [true, false], label: "VIN1")], inputCount: 2)
        var core = try NeuronCore(configuration: network, patterns: bank)
        core.present(pattern: 0)
        var firstFire: UInt64?
        var refractoryTicks = 0
        var node1DuringRefractory: [Double] = []
        var firesDuringRefractory = 0
        var pulseRail: [Double] = []
        for _ in 0..<(8 * network.clock.ticksPerPeriod) {
            core.tick(on: &board)
            for event in core.events where event.kind == .fire {
                if firstFire == nil { firstFire = event.tick } else if refractoryTicks > 0 && refractoryTicks < network.clock.ticksPerPeriod { firesDuringRefractory += 1 }
            }
            if core.signals(ofNeuron: 0).contains(.potentiation) {
                refractoryTicks += 1
                node1DuringRefractory.append(board.node1Volts)
            } else if refractoryTicks > 0 && firstFire != nil && node1DuringRefractory.count == refractoryTicks {
                break
            }
            if core.rowIsPulsing(0) { pulseRail.append(board.railVolts) }
        }
        #expect(board.failure == nil, "\(board.failure?.description ?? "")")
        let pulse = try #require(firstFire.map { pulseNumber(ofTick: $0, network.clock) })
        #expect((4...6).contains(pulse), "fired on pulse \(pulse)")
        #expect(refractoryTicks == network.clock.ticksPerPeriod, "T1 held for \(refractoryTicks) ticks")
        // Node 1 at (virtual) ground through T1 after its switch has closed (the first sample can
        // still carry the edge).
        #expect(node1DuringRefractory.dropFirst().allSatisfy { abs($0) < 0.02 }, "node 1 during T1: \(node1DuringRefractory)")
        #expect(firesDuringRefractory == 0)
        // The rail stays at its 1.8 V within 2 % while the row pulses.
        #expect(pulseRail.allSatisfy { abs($0 - 1.8) < 0.036 }, "pulse rail: \(pulseRail)")
    }

    /// Fig. 3c/3d and 2f: the higher the amplitude, the sooner the first fire; and the simulated
    /// breadboard (`fig3`, stochasticity off) agrees within one pulse at every amplitude.
    @Test func firstFireFallsWithAmplitudeAndMatchesTheBreadboard() throws {
        var counts: [Int] = []
        for volts in [1.6, 1.8, 2.0] {
            let spice = try #require(try spiceFirstFire(volts: volts).pulse, "no fire at \(volts) V")
            let sim = try #require(try simFirstFire(volts: volts), "SomaSim: no fire at \(volts) V")
            #expect(abs(spice - sim) <= 1, "\(volts) V: SPICE pulse \(spice), SomaSim pulse \(sim)")
            counts.append(spice)
        }
        #expect(zip(counts, counts.dropFirst()).allSatisfy { $0 >= $1 }, "pulses to first fire \(counts)")
        #expect(counts.first! > counts.last!, "pulses to first fire \(counts)")
    }

    /// A netlist the simulator cannot read is refused naming the file and the line.
    @Test func aBrokenNetlistIsRefusedNamingFileAndLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("soma-spice-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("broken.cir").path
        var text = try String(contentsOfFile: neuronNetlist, encoding: .utf8)
        text = text.replacingOccurrences(of: ".include frontend.cir", with: ".include \(hardwareFolder)/frontend.cir")
        text = text.replacingOccurrences(of: "RS1 vin1 node1 {S1_OHMS}", with: "QS1 vin1 node1 {S1_OHMS}")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try SpiceBoard(netlist: path, network: arrangement.network, pulseAmplitudeVolts: 1.8)
            Issue.record("a broken netlist was accepted")
        } catch {
            #expect(error.description.contains(path), "\(error)")
            #expect(error.description.lowercased().contains("line"), "\(error)")
        }
        // And after the refusal the simulator is free for the next board.
        let next = try SpiceBoard(netlist: neuronNetlist, network: arrangement.network, pulseAmplitudeVolts: 1.8)
        #expect(next.failure == nil)
    }

    @Test func aMissingNetlistIsRefusedNamingIt() {
        #expect(throws: SpiceBoardError.self) {
            _ = try SpiceBoard(netlist: "/nonexistent/neuron.cir", network: arrangement.network, pulseAmplitudeVolts: 1.8)
        }
    }
}
