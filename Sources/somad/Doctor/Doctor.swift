import ArgumentParser
import Foundation
import SomaBoardProfile
import SomaCore
import SomaLinux
import SomaRuntime
#if canImport(Glibc)
import Glibc
#endif

/// `somad doctor`: can this machine run this board? One line per check, then a verdict.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check that this machine can run a board: chips, lines, I2C devices, permissions, real-time limits, loop latency.",
        discussion: """
            One line per check: `ok`, `warn` or `FAIL`, what was checked, what was found and, for a \
            problem, what to do. Checks: the profile; the libgpiod version; the kernel's preemption \
            model; every chip the profile names (found, openable by this user); every line (exists, \
            free, or the consumer holding it); the I2C bus (openable, its clock where the device tree \
            says) and every I2C device (not claimed by a kernel driver, answers); whether SCHED_FIFO \
            and mlockall are allowed; and the loop latency, measured for --seconds at the profile's \
            tick. The latency probe takes the lines at their safe levels and repeats each tick's I/O \
            with the safe levels, so no output changes.

            Without --profile: the machine alone (libgpiod, kernel, the GPIO chips and I2C buses \
            present, real-time limits, the wake-up latency at a 50 µs tick).

            Exit status: 0 when nothing failed (warnings allowed), 1 when something failed, 65 when \
            the profile does not load.
            """
    )

    @Option(help: "The board profile (TOML) to check against this machine.")
    var profile: String?

    @Option(help: "How long to measure the loop latency, in seconds (0 skips it).")
    var seconds: Double = 3

    @Option(help: "SCHED_FIFO priority to try, as `somad --priority` (1…99; 0: the normal scheduler).")
    var priority: Int32 = 80

    @Option(help: "Pin the probe loop to this CPU, as `somad --cpu`.")
    var cpu: Int32?

    func validate() throws {
        guard seconds >= 0, seconds <= 600 else { throw ValidationError("--seconds must be 0…600") }
        guard (0...99).contains(priority) else { throw ValidationError("--priority must be 0…99") }
    }

    func run() throws {
        let report = DoctorReport(print: say)
        var loaded: BoardProfile?
        if let path = profile {
            do {
                let profile = try BoardProfile.load(path: path)
                loaded = profile
                report.ok("profile", "\(path): \"\(profile.name)\", \(profile.lines.count) lines, tick \(Self.microseconds(profile.network.clock.tickNanoseconds))")
            } catch {
                report.fail("profile", "\(path) does not load:")
                complain(error.description)
                say(report.verdictLine)
                throw ExitCode(65)
            }
        }
        checkLibrary(report)
        checkKernel(report)

        var board: LinuxBoard?
        if let profile = loaded {
            if profile.isSimulatedOnly {
                report.ok("lines", "simulated breadboard only ([simulation], no [lines]): nothing to open; latency measured without I/O")
            } else {
                let chipsOpen = checkChips(profile, report)
                let linesFree = checkLines(profile, report, chips: chipsOpen)
                checkI2C(profile, report)
                if linesFree && report.failures.isEmpty && seconds > 0 {
                    do {
                        board = try LinuxBoard(profile: profile)
                    } catch {
                        report.fail("board", "the lines are free but somad could not take them: \(error)")
                    }
                }
            }
        } else {
            checkPresentChips(report)
            checkPresentI2C(report)
        }
        checkRealTime(report, board: board, tick: loaded?.network.clock.tickNanoseconds ?? 50_000, measuresIO: board != nil)
        board?.driveSafeState()
        board = nil
        say(report.verdictLine)
        if !report.failures.isEmpty { throw ExitCode(1) }
    }

    // MARK: the machine

    func checkLibrary(_ report: DoctorReport) {
        let version = GPIOLibrary.versionString
        let numbers = GPIOLibrary.version
        if numbers.first.map({ $0 >= 2 }) == true || (numbers.count >= 2 && numbers[0] == 1 && numbers[1] >= 6) {
            report.ok("libgpiod", "\(version) (built against the v\(GPIOLibrary.apiGeneration) API)")
        } else {
            report.warn("libgpiod", "\(version): Soma is tested with 1.6.x and 2.x (built against the v\(GPIOLibrary.apiGeneration) API)")
        }
    }

    func checkKernel(_ report: DoctorReport) {
        let kernel = SystemFacts.kernel()
        if kernel.isRealTime {
            report.ok("kernel", "\(kernel.release), PREEMPT_RT (\(kernel.version))")
        } else {
            report.warn("kernel", "\(kernel.release) is not PREEMPT_RT (\(kernel.version)): expect wake-up latency tails of 100s of µs; the latency check below says whether this profile's tick copes")
        }
    }

    func checkPresentChips(_ report: DoctorReport) {
        let chips = GPIOChip.present()
        if chips.isEmpty {
            report.warn("gpio chips", "none: /dev/gpiochip* does not exist (no GPIO controller, or no GPIO character device in this kernel)")
        }
        for chip in chips {
            if let label = chip.label, let lines = chip.lineCount {
                report.ok("chip \(chip.path)", "[\(label)] \(lines) lines")
            } else {
                report.fail("chip \(chip.path)", SystemFacts.accessProblem(chip.path) ?? "cannot open: \(String(cString: strerror(chip.errno ?? 0)))")
            }
        }
    }

    func checkPresentI2C(_ report: DoctorReport) {
        let buses = SystemFacts.i2cBuses()
        if buses.isEmpty { report.warn("i2c buses", "none: /dev/i2c-* does not exist (enable I2C, e.g. `sudo raspi-config nonint do_i2c 0`, and load i2c-dev)") }
        for bus in buses {
            let path = "/dev/i2c-\(bus)"
            if let problem = SystemFacts.accessProblem(path) { report.fail("i2c \(bus)", problem) } else {
                report.ok("i2c \(bus)", "\(path)" + (SystemFacts.i2cBusFrequency(bus).map { ", \($0 / 1000) kHz" } ?? ""))
            }
        }
    }

    // MARK: the profile's chips and lines

    /// Opens every chip the profile uses; the aliases that opened.
    func checkChips(_ profile: BoardProfile, _ report: DoctorReport) -> [String: GPIOChip] {
        var opened: [String: GPIOChip] = [:]
        for alias in Self.chipAliases(profile) {
            let name = profile.chips[alias] ?? alias
            do {
                let chip = try GPIOChip(name)
                opened[alias] = chip
                report.ok("chip \(alias)", "\(name) is \(chip.path) [\(chip.label)], \(chip.lineCount) lines")
            } catch {
                let here = GPIOChip.present().compactMap { chip in chip.label.map { "\((chip.path as NSString).lastPathComponent) [\($0)]" } }
                let path = name.hasPrefix("/") ? name : "/dev/" + name
                if error.errno == EACCES || error.errno == EPERM, let problem = SystemFacts.accessProblem(path) {
                    report.fail("chip \(alias)", problem)
                } else {
                    report.fail("chip \(alias)", "\(error); chips here: \(here.isEmpty ? "none" : here.joined(separator: ", "))")
                }
            }
        }
        return opened
    }

    /// Checks every GPIO line of the profile: it exists and nobody holds it. True when all are free.
    func checkLines(_ profile: BoardProfile, _ report: DoctorReport, chips: [String: GPIOChip]) -> Bool {
        var free = true
        for (name, address) in Self.gpioLines(profile) {
            guard case .gpio(let alias, let offset) = address else { continue }
            guard let chip = chips[alias] else {
                report.fail("line \(name)", "\(address): chip \(alias) did not open (above)")
                free = false
                continue
            }
            guard Int(offset) < chip.lineCount else {
                report.fail("line \(name)", "\(address): \(chip.path) has lines 0…\(chip.lineCount - 1), no line \(offset)")
                free = false
                continue
            }
            do {
                if let holder = try chip.consumer(ofLine: offset) {
                    report.fail("line \(name)", "\(address) (\(chip.path) line \(offset)) is held by consumer \"\(holder)\": stop it (`gpioinfo` shows every holder)")
                    free = false
                } else {
                    report.ok("line \(name)", "\(address) (\(chip.path) line \(offset)) free")
                }
            } catch {
                report.fail("line \(name)", "\(address): \(error)")
                free = false
            }
        }
        return free
    }

    // MARK: I2C

    func checkI2C(_ profile: BoardProfile, _ report: DoctorReport) {
        guard let i2c = profile.i2c else { return }
        let path = "/dev/i2c-\(i2c.bus)"
        do {
            _ = try I2CBus(number: i2c.bus)
        } catch {
            let problem = (error.errno == EACCES || error.errno == EPERM) ? SystemFacts.accessProblem(path) : nil
            let present = SystemFacts.i2cBuses().map { "i2c-\($0)" }
            report.fail("i2c bus \(i2c.bus)", problem ?? "\(error); buses here: \(present.isEmpty ? "none (enable I2C: `sudo raspi-config nonint do_i2c 0`)" : present.joined(separator: ", "))")
            return
        }
        if let hertz = SystemFacts.i2cBusFrequency(i2c.bus) {
            if hertz < 400_000 && i2c.adc != nil {
                report.warn("i2c bus \(i2c.bus)", "\(path) at \(hertz / 1000) kHz: an ADC read takes ~4× longer than at 400 kHz; set dtparam=i2c_arm_baudrate=400000 in config.txt")
            } else {
                report.ok("i2c bus \(i2c.bus)", "\(path) at \(hertz / 1000) kHz")
            }
        } else {
            report.ok("i2c bus \(i2c.bus)", "\(path) opens; its clock is not readable here (no device-tree clock-frequency)")
        }
        var devices: [(String, UInt8)] = []
        if let adc = i2c.adc { devices.append(("ADC \(adc.model.rawValue)", adc.address)) }
        if let dac = i2c.dac { devices.append(("DAC mcp4728", dac.address)) }
        for (what, address) in devices {
            let subject = "i2c \(i2c.bus) 0x\(String(address, radix: 16))"
            if let driver = SystemFacts.i2cDriver(bus: i2c.bus, address: address) {
                report.fail(subject, "\(what): the kernel driver \(driver) has claimed this address; unbind it or remove its dtoverlay")
                continue
            }
            do {
                let device = try I2CDevice(bus: i2c.bus, address: address)
                try device.probe()
                report.ok(subject, "\(what) answers")
            } catch {
                let silent = [ENXIO, ENODEV, EREMOTEIO, EIO].contains(error.errno)
                report.fail(subject, silent ? "\(what): nothing answers at 0x\(String(address, radix: 16)) (\(error)); check its wiring, power and address pins" : "\(what): \(error)")
            }
        }
    }

    // MARK: real time

    func checkRealTime(_ report: DoctorReport, board: LinuxBoard?, tick: Int64, measuresIO: Bool) {
        var settings = RealTimeSettings()
        settings.fifoPriority = priority == 0 ? nil : priority
        settings.cpu = cpu
        settings.holdDMALatency = false
        let probe = LoopLatencyProbe(tickNanoseconds: tick, seconds: seconds == 0 ? 0.05 : seconds, settings: settings)
        let result: LoopLatencyProbe.Result
        do { result = try probe.run(board: board) } catch {
            report.fail("loop thread", error.description)
            return
        }
        let refused = result.warnings
        if let priority = settings.fifoPriority {
            if let warning = refused.first(where: { $0.request.hasPrefix("SCHED_FIFO") }) {
                report.fail("SCHED_FIFO", "\(warning.description) (RLIMIT_RTPRIO here: \(Self.limit(__RLIMIT_RTPRIO)))")
            } else {
                report.ok("SCHED_FIFO", "priority \(priority) allowed")
            }
        } else {
            report.warn("SCHED_FIFO", "not tried (--priority 0): somad --priority 0 runs the loop under the normal scheduler")
        }
        if let warning = refused.first(where: { $0.request == "mlockall" }) {
            report.fail("mlockall", "\(warning.description) (RLIMIT_MEMLOCK here: \(Self.limit(__RLIMIT_MEMLOCK)))")
        } else {
            report.ok("mlockall", "allowed (RLIMIT_MEMLOCK \(Self.limit(__RLIMIT_MEMLOCK)))")
        }
        munlockall()
        if let warning = refused.first(where: { $0.request.hasPrefix("pin to CPU") }) { report.fail("cpu", warning.description) }
        guard seconds > 0 else {
            report.warn("loop latency", "not measured (--seconds 0)")
            return
        }
        let what = measuresIO ? "wake-up and the tick's line I/O (I/O p99 \(Self.microseconds(result.ioP99)))" : "wake-up only, no line I/O"
        let summary = "after each deadline, \(what): p50 \(Self.microseconds(result.p50)), p99 \(Self.microseconds(result.p99)), max \(Self.microseconds(result.max)); tick \(Self.microseconds(tick)); \(result.overruns) of \(result.ticks) ticks overran"
        if result.overruns == 0 {
            report.ok("loop latency", summary)
        } else if result.overruns * 1000 <= result.ticks {
            report.warn("loop latency", summary + ": somad logs each as a deadline miss")
        } else {
            report.fail("loop latency", summary + ": more than 0.1 %; use a PREEMPT_RT kernel, isolate a CPU (isolcpus, --cpu), or a slower clock (--clock-slowdown)")
        }
    }

    // MARK: helpers

    /// Chip aliases in the order the profile first uses them, then any declared but unused.
    static func chipAliases(_ profile: BoardProfile) -> [String] {
        var aliases: [String] = []
        for (_, address) in gpioLines(profile) {
            if case .gpio(let alias, _) = address, !aliases.contains(alias) { aliases.append(alias) }
        }
        for alias in profile.chips.keys.sorted() where !aliases.contains(alias) { aliases.append(alias) }
        return aliases
    }

    /// Every GPIO line of the profile with the name it carries: signals, then chain controls, then
    /// the ADC's ALERT/RDY and the DAC's LDAC.
    static func gpioLines(_ profile: BoardProfile) -> [(String, LineAddress)] {
        var lines: [(String, LineAddress)] = profile.lines.sorted { $0.key < $1.key }.compactMap { signal, address in
            if case .gpio = address { return (signal.description, address) }
            return nil
        }
        for chain in profile.shiftOutChains {
            lines += [("\(chain.name).data", chain.data), ("\(chain.name).shift_clock", chain.clock), ("\(chain.name).latch_clock", chain.latch)]
        }
        for chain in profile.shiftInChains {
            lines += [("\(chain.name).load", chain.latch), ("\(chain.name).clock", chain.clock), ("\(chain.name).data", chain.data)]
        }
        if let ready = profile.i2c?.adc?.dataReady { lines.append(("i2c.adc.data_ready", ready)) }
        if let load = profile.i2c?.dac?.loadDAC { lines.append(("i2c.dac.ldac", load)) }
        if let enable = profile.frontEnd?.enable { lines.append(("frontend.enable", enable)) }
        return lines
    }

    static func microseconds(_ nanoseconds: Int64) -> String {
        let value = Double(nanoseconds) / 1_000
        return value >= 100 ? "\(Int(value.rounded())) µs" : String(format: "%.1f µs", value)
    }

    static func limit(_ resource: __rlimit_resource) -> String {
        var value = rlimit()
        getrlimit(__rlimit_resource_t(resource.rawValue), &value)
        return value.rlim_cur == rlim_t.max ? "unlimited" : "\(value.rlim_cur)"
    }
}
