// soma-network-bench: seed 000's full protocol (layer-1 WTA, layer-2 supervised, noisy inference)
// on the simulated breadboard, in-process and in virtual time, as `soma sim run` runs it. Prints
// one JSON object per seed: ticks, wall seconds, ticks per second, the real-time factor at 50 µs
// ticks, and mallocs per tick over the whole run (the tick path itself allocates nothing, as the
// zero-allocation tests show; what is counted here is the experiment's own bookkeeping: the event
// list growing, the report). Benchmarks/network.sh runs it beside Brian2.
import CMallocCounter
import Foundation
import SomaCore
import SomaSim

let seeds = CommandLine.arguments.dropFirst().compactMap { UInt64($0) }
for seed in seeds.isEmpty ? [1] : seeds {
    var plan = LearningPlan(kind: .full)
    plan.seed = seed
    let settings = BreadboardSettings.paperNetwork(seed: seed)
    // The device limits of Board/profiles/sim-paper-network.toml: the output stage runs every
    // tick, as it does under somad and `soma sim run --profile`.
    let limits = OutputLimits(
        maxAmplitudeVolts: 2.0, boardAmplitudeVolts: settings.inputAmplitudeVolts, maxPulseWidthMicroseconds: 500,
        maxDuty: 0.5, maxPulsesPerSecond: 2_000, clock: settings.network.clock)
    let experiment = NetworkExperiment(
        settings: settings, patterns: PaperPatterns.bank(PaperPatterns.digits), plan: plan, limits: limits)
    let started = Date()
    soma_malloc_counter_start()
    let outcome = try experiment.run()
    let mallocs = soma_malloc_counter_stop()
    let wall = Date().timeIntervalSince(started)
    let ticks = Double(outcome.ticks)
    let result: [String: Any] = [
        "seed": seed, "ticks": outcome.ticks, "wall_seconds": wall, "ticks_per_second": ticks / wall,
        "real_time_factor": outcome.virtualSeconds / wall, "mallocs_per_tick": Double(mallocs) / ticks,
        "events": outcome.events.count, "distinct_winners": outcome.report.distinctWinners,
        "accuracy": outcome.report.accuracy ?? 0,
    ]
    print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
}
