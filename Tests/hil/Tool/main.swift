// soma-hil-tool: the breadboard the real-kernel tests put in the loop with somad.
//
//   soma-hil-tool play-breadboard PROFILE [--slowdown K] [--seconds S]
//       Plays the breadboard from the simulator's physics: reads the outputs from gpio-sim's sysfs
//       and sets the fire-sense line's pull, one simulated tick per (slowed) tick.
import Foundation
import SomaBoardProfile
import SomaCore
import SomaSim

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("soma-hil-tool: \(message)\n".utf8))
    exit(1)
}

/// Unbuffered, so a test reading the pipe sees each line as it happens.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func option(_ name: String, _ fallback: Double) -> Double {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    guard let value = Double(arguments[index + 1]) else { fail("\(name) needs a number") }
    return value
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: soma-hil-tool play-breadboard PROFILE [options]") }
let profile: BoardProfile
do { profile = try BoardProfile.load(path: arguments[2]) } catch { fail("\(error)") }
let slowdown = option("--slowdown", 1)
let seconds = option("--seconds", 3600)
let tickNanoseconds = Int64(Double(profile.network.clock.tickNanoseconds) * slowdown)
let maxTicks = UInt64(seconds * 1e9 / Double(tickNanoseconds))

switch arguments[1] {
case "play-breadboard":
    guard let sysfs = ProcessInfo.processInfo.environment["SOMA_HIL_GPIO_SYSFS"] else { fail("not inside the test VM") }
    // gpio-sim's sysfs names chips by name; the profile by alias.
    func path(_ signal: Signal) -> String? {
        guard case .gpio(let alias, let offset)? = profile.lines[signal] else { return nil }
        let chip = (profile.chips[alias] ?? alias).split(separator: "/").last.map(String.init) ?? alias
        return "\(sysfs)/\(chip)/sim_gpio\(offset)"
    }
    // Value files stay open and are re-read with pread: much cheaper than opening each step.
    var descriptors: [Signal: Int32] = [:]
    func read(_ signal: Signal) -> Bool {
        if descriptors[signal] == nil {
            guard let path = path(signal) else { return false }
            descriptors[signal] = open(path + "/value", O_RDONLY)
        }
        guard let fd = descriptors[signal], fd >= 0 else { return false }
        var byte: UInt8 = 0
        return pread(fd, &byte, 1, 0) == 1 && byte == UInt8(ascii: "1")
    }
    var settings = BreadboardSettings(network: profile.network)
    settings.inputAmplitudeVolts = profile.pulseAmplitudeVolts
    settings.device = .fig3
    if profile.network.inputs == 2 && profile.network.neuronCount == 1 {
        // Seed 000 Fig. 3a as built: S1 = 10 kΩ, S2 = 40 kΩ (fixed resistors), as `soma sim characterize`.
        settings.fixedSynapses = true
        settings.explicitConductanceSiemens = [0: [1 / 10_000, 1 / 40_000]]
    }
    var breadboard: Breadboard
    do { breadboard = try Breadboard(settings: settings) } catch { fail("\(error)") }
    let layouts = profile.network.layerLayouts
    let rows = UnsafeMutableBufferPointer<Bool>.allocate(capacity: profile.network.rowCount)
    let neurons = UnsafeMutableBufferPointer<NeuronSignals>.allocate(capacity: profile.network.neuronCount)
    let fire = UnsafeMutableBufferPointer<Bool>.allocate(capacity: profile.network.neuronCount)
    let monitored = UnsafeMutableBufferPointer<NeuronSignals>.allocate(capacity: profile.network.neuronCount)
    fire.initialize(repeating: false)
    var lastFire = Array(repeating: Bool?.none, count: profile.network.neuronCount)
    let started = Date()
    var tick: UInt64 = 0
    var fires = 0, clockHigh = 0, rowHigh = 0
    while Date().timeIntervalSince(started) < seconds {
        let stepStarted = Date()
        let clock: ClockPhase = read(.clock) ? .high : .low
        if case .high = clock { clockHigh += 1 }
        for (layer, layout) in layouts.enumerated() {
            for row in 0..<layout.rows {
                rows[layout.firstRow + row] = read(.row(layer: layer, row: row))
                if rows[layout.firstRow + row] { rowHigh += 1 }
            }
            for neuron in 0..<layout.neurons {
                var signals = NeuronSignals(rawValue: 0)
                for line in NeuronLine.allCases {
                    guard let signal = line.signal, read(.neuron(layer: layer, neuron: neuron, line: line)) else { continue }
                    signals.insert(signal)
                }
                // A column without lateral inhibition has its gate tied on, not wired to Soma.
                if profile.lines[.neuron(layer: layer, neuron: neuron, line: .columnGate)] == nil { signals.insert(.columnGate) }
                neurons[layout.firstNeuron + neuron] = signals
            }
        }
        _ = breadboard.drive(DrivenLines(tick: tick, clock: clock, rows: UnsafeBufferPointer(rows), neurons: UnsafeBufferPointer(neurons), mode: profile.network.mode))
        tick += 1
        _ = breadboard.sense(SensedLines(fireSense: fire, monitored: monitored, mode: profile.network.mode), tick: tick)
        for (layer, layout) in layouts.enumerated() {
            for neuron in 0..<layout.neurons {
                let index = layout.firstNeuron + neuron
                guard lastFire[index] != fire[index], let line = path(.neuron(layer: layer, neuron: neuron, line: .fire)) else { continue }
                if fire[index] { fires += 1 }
                try? (fire[index] ? "pull-up" : "pull-down").write(toFile: line + "/pull", atomically: false, encoding: .utf8)
                lastFire[index] = fire[index]
            }
        }
        let remaining = Double(tickNanoseconds) / 1e9 - Date().timeIntervalSince(stepStarted)
        if remaining > 0 { usleep(UInt32(remaining * 1e6)) }
    }
    say("played \(tick) ticks (clock high in \(clockHigh), \(rowHigh) row pulses seen), the device fired \(fires) times")
    exit(0)

default:
    fail("unknown command \(arguments[1]); use play-breadboard")
}
