import Foundation

/// The gpio-sim chips of the test VM (Tests/hil/vm.sh), seen from sysfs: what a line is driven to,
/// and the pull that decides what an input line reads. Only inside the VM ($SOMA_HIL=1).
struct GPIOSimulator {
    static var isAvailable: Bool { ProcessInfo.processInfo.environment["SOMA_HIL"] == "1" }

    let sysfs: String
    /// Chip names in bank order: gpiochip0 (64 lines), gpiochip1 (16 lines).
    let chips: [String]

    init() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let sysfs = environment["SOMA_HIL_GPIO_SYSFS"], let chips = environment["SOMA_HIL_GPIO_CHIPS"] else {
            throw HILError("not inside the test VM: SOMA_HIL_GPIO_SYSFS is unset")
        }
        self.sysfs = sysfs
        self.chips = chips.split(separator: ",").map(String.init)
    }

    var primary: String { chips[0] }
    var secondary: String { chips[1] }

    private func attribute(_ chip: String, _ line: UInt32, _ name: String) -> String {
        "\(sysfs)/\(chip)/sim_gpio\(line)/\(name)"
    }

    /// The level the line is at: driven by its requester, or its pull when nobody drives it.
    func level(_ chip: String, _ line: UInt32) throws -> Bool {
        let text = try String(contentsOfFile: attribute(chip, line, "value"), encoding: .utf8)
        return text.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    func levels(_ chip: String, _ lines: [UInt32]) throws -> [Bool] {
        try lines.map { try level(chip, $0) }
    }

    /// Pulls a line up or down: what an input reads, and what a released line falls back to.
    func pull(_ chip: String, _ line: UInt32, up: Bool) throws {
        try (up ? "pull-up" : "pull-down").write(toFile: attribute(chip, line, "pull"), atomically: false, encoding: .utf8)
    }
}

struct HILError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// CLOCK_MONOTONIC now, in nanoseconds: the clock the kernel stamps edge events with.
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
