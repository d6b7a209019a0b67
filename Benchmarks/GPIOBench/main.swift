// soma-gpio-bench: the work of gpiod_baseline.c through Soma's GPIO layer (GPIOChip,
// GPIOLineRequest), for a same-kernel, same-run ratio. Usage: soma-gpio-bench CHIP TOGGLES FRAMES.
import SomaLinux
#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String) -> Never {
    let text = "soma-gpio-bench: \(message)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let toggles = Int(arguments[2]), let frames = Int(arguments[3]) else {
    fail("usage: soma-gpio-bench CHIP TOGGLES FRAMES")
}
do {
    let chip = try GPIOChip(arguments[1])
    do {
        let line = try chip.requestOutputs([48], initial: [false], consumer: "bench")
        var level: Int32 = 0
        let start = now()
        for index in 0..<toggles {
            level = Int32(index & 1)
            guard line.set(&level) == 0 else { fail("set failed") }
        }
        print("toggles_per_second \(Int(Double(toggles) / (now() - start)))")
    }
    let lines = try chip.requestOutputs((32..<48).map { UInt32($0) }, initial: Array(repeating: false, count: 16), consumer: "bench")
    let values = UnsafeMutablePointer<Int32>.allocate(capacity: 16)
    let start = now()
    for index in 0..<frames {
        for bit in 0..<16 { values[bit] = Int32((index >> (bit & 3)) & 1) }
        guard lines.set(values) == 0 else { fail("set failed") }
    }
    print("frames_per_second \(Int(Double(frames) / (now() - start)))")
} catch {
    fail("\(error)")
}
