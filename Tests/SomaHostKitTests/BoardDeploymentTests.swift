import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SomaBoardProfile
import SomaHostKit
import Testing

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

/// Runs a program; its status, stdout and stderr.
private func run(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program.hasPrefix("/") ? program : "/usr/bin/env")
    process.arguments = program.hasPrefix("/") ? arguments : [program] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.currentDirectoryURL = root
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

private func scratch() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("soma-board-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("Deploying to a board: profiles, wiring, unit, udev rules, install, deploy")
struct BoardDeploymentTests {
    static let piProfiles = ["pi4-single-neuron", "pi5-single-neuron", "pi4-paper-network", "pi5-paper-network"]

    @Test("Board/wiring/ is what `soma profile wiring` makes of each Raspberry Pi profile, and names every line", arguments: piProfiles)
    func wiringIsCurrent(name: String) throws {
        let directory = try scratch()
        let profilePath = "Board/profiles/\(name).toml"
        let result = try runSoma(["profile", "wiring", profilePath, "--markdown", directory + "/w.md", "--svg", directory + "/w.svg"])
        #expect(result.status == 0, "\(result.stderr)")
        let markdown = try String(contentsOfFile: directory + "/w.md", encoding: .utf8)
        let svg = try String(contentsOfFile: directory + "/w.svg", encoding: .utf8)
        #expect(markdown == (try String(contentsOf: root.appendingPathComponent("Board/wiring/\(name).md"), encoding: .utf8)),
                "Board/wiring/\(name).md is stale: soma profile wiring \(profilePath) --markdown Board/wiring/\(name).md --svg Board/wiring/\(name).svg")
        #expect(svg == (try String(contentsOf: root.appendingPathComponent("Board/wiring/\(name).svg"), encoding: .utf8)), "Board/wiring/\(name).svg is stale")
        #expect(XMLParser(data: Data(svg.utf8)).parse(), "the diagram is well-formed XML")

        // Every signal of the profile is one row of the list, and every header line is drawn.
        let profile = try BoardProfile.load(path: root.appendingPathComponent(profilePath).path)
        for signal in profile.lines.keys {
            #expect(markdown.components(separatedBy: "| `\(signal)` |").count == 2, "\(signal) once in the list")
        }
        let wiring = Wiring(profile: profile)
        let headerWires = wiring.direct.count + wiring.chains.reduce(0) { $0 + $1.controls.count }
        #expect(svg.components(separatedBy: "class=\"wire\"").count - 1 == headerWires + wiring.i2c.count)
        // The same BCM GPIO offsets on both boards, so the header pins agree too.
        #expect(wiring.wires.filter { $0.from.hasPrefix("pin ") }.allSatisfy { $0.from.contains("(GPIO") })
    }

    @Test("a simulated profile has no wiring: exit 65 with the reason")
    func simulatedProfileHasNoWiring() throws {
        let result = try runSoma(["profile", "wiring", "Board/profiles/sim-paper-network.toml"])
        #expect(result.status == 65)
        #expect(result.stdout.contains("no [lines]: a simulated breadboard has no wiring"))
    }

    @Test("the Pi 4 and Pi 5 profiles differ in their chip (by label), not in their lines")
    func piProfilesDiffer() throws {
        for layout in ["single-neuron", "paper-network"] {
            let pi4 = try BoardProfile.load(path: root.appendingPathComponent("Board/profiles/pi4-\(layout).toml").path)
            let pi5 = try BoardProfile.load(path: root.appendingPathComponent("Board/profiles/pi5-\(layout).toml").path)
            #expect(pi4.chips == ["main": "label:pinctrl-bcm2711"])
            #expect(pi5.chips == ["main": "label:pinctrl-rp1"])
            #expect(pi4.lines == pi5.lines)
        }
    }

    @Test("the systemd unit passes systemd-analyze verify, with real-time limits, a dedicated user and a restart policy")
    func systemdUnit() throws {
        let unit = try String(contentsOf: root.appendingPathComponent("Board/systemd/somad.service"), encoding: .utf8)
        for setting in ["User=soma", "LimitRTPRIO=95", "LimitMEMLOCK=infinity", "CPUAffinity=", "Restart=on-failure", "SupplementaryGroups=gpio i2c", "KillSignal=SIGTERM"] {
            #expect(unit.contains("\n" + setting), "\(setting)")
        }
        // verify checks that ExecStart's program exists: point it at the one built here.
        let directory = try scratch()
        try unit.replacingOccurrences(of: "/usr/local/bin/somad", with: binaries.appendingPathComponent("somad").path)
            .write(toFile: directory + "/somad.service", atomically: true, encoding: .utf8)
        let verify = try run("systemd-analyze", ["verify", directory + "/somad.service"])
        #expect(verify.status == 0 && verify.stderr.isEmpty && verify.stdout.isEmpty, "\(verify.stdout)\(verify.stderr)")
    }

    @Test("the udev rules give the unit's groups read-write access to gpiochips and I2C adapters (and udevadm verify passes where it exists)")
    func udevRules() throws {
        let path = root.appendingPathComponent("Board/udev/60-soma.rules").path
        let rules = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(rules.count == 2)
        let keys = try Regex(#"^[A-Z]+(==|=)"[^"]*"$"#)
        for rule in rules {
            for pair in rule.split(separator: ", ") { #expect(pair.wholeMatch(of: keys) != nil, "\(pair)") }
            #expect(rule.contains("MODE=\"0660\""))
        }
        #expect(rules[0].contains("KERNEL==\"gpiochip[0-9]*\"") && rules[0].contains("GROUP=\"gpio\""))
        #expect(rules[1].contains("SUBSYSTEM==\"i2c-dev\"") && rules[1].contains("GROUP=\"i2c\""))
        let verify = try run("udevadm", ["verify", path])
        if !verify.stderr.contains("Unknown command verb") {  // systemd ≥ 253
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        }
    }

    /// A staged folder as deploy.sh copies it.
    func stage() throws -> String {
        let stage = try scratch()
        let files = [
            ("somad", binaries.appendingPathComponent("somad").path), ("profile.toml", root.appendingPathComponent("Board/profiles/pi4-single-neuron.toml").path),
            ("somad.service", root.appendingPathComponent("Board/systemd/somad.service").path), ("60-soma.rules", root.appendingPathComponent("Board/udev/60-soma.rules").path),
            ("README.md", root.appendingPathComponent("README.md").path),
        ]
        for (name, source) in files { try FileManager.default.copyItem(atPath: source, toPath: stage + "/" + name) }
        return stage
    }

    @Test("install.sh puts every file in place; a failure midway puts back what was there and leaves nothing half-installed")
    func installAllOrNothing() throws {
        let stage = try stage(), target = try scratch()
        let first = try run("sh", ["Board/install.sh", stage, "--root", target])
        #expect(first.status == 0, "\(first.stderr)")
        let installed = ["usr/local/bin/somad", "etc/soma/profile.toml", "etc/systemd/system/somad.service", "etc/udev/rules.d/60-soma.rules", "usr/local/share/doc/soma/README.md"]
        for file in installed { #expect(FileManager.default.fileExists(atPath: target + "/" + file), "\(file)") }
        let mode = try FileManager.default.attributesOfItem(atPath: target + "/usr/local/bin/somad")[.posixPermissions] as? Int
        #expect(mode == 0o755)

        // A second install with another profile, which fails at the udev rules (their folder is a file).
        try "[board]\nname = \"edited\"\n".write(toFile: stage + "/profile.toml", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: target + "/etc/udev/rules.d")
        try "not a folder".write(toFile: target + "/etc/udev/rules.d", atomically: true, encoding: .utf8)
        let second = try run("sh", ["Board/install.sh", stage, "--root", target])
        #expect(second.status != 0)
        #expect(second.stderr.contains("every file placed was put back as it was"), "\(second.stderr)")
        let profile = try String(contentsOfFile: target + "/etc/soma/profile.toml", encoding: .utf8)
        #expect(profile.contains("single neuron on a Raspberry Pi 4"), "the earlier profile is back")
        let leftovers = FileManager.default.enumerator(atPath: target)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".soma-new") } ?? []
        #expect(leftovers.isEmpty, "\(leftovers)")

        // A stage missing a file installs nothing.
        let empty = try scratch(), fresh = try scratch()
        let missing = try run("sh", ["Board/install.sh", empty, "--root", fresh])
        #expect(missing.status == 1 && missing.stderr.contains("lacks somad; nothing was installed"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fresh).isEmpty)
    }

    @Test("deploy.sh: an unreachable host or a missing board build is one sentence and exit 1, before anything is copied")
    func deployRefusals() throws {
        let built = binaries.appendingPathComponent("somad").path
        let unreachable = try run(root.appendingPathComponent("Board/deploy.sh").path, ["pi@soma-test-board.invalid", "--binary", built])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.hasPrefix("deploy.sh: cannot reach pi@soma-test-board.invalid over ssh") && unreachable.stderr.hasSuffix("nothing was copied.\n"), "\(unreachable.stderr)")
        #expect(unreachable.stderr.split(separator: "\n").count == 1)

        let noBuild = try run(root.appendingPathComponent("Board/deploy.sh").path, ["pi@raspberrypi.local", "--binary", "/nonexistent/somad"])
        #expect(noBuild.status == 1)
        #expect(noBuild.stderr.contains("run `make board` first") && noBuild.stderr.split(separator: "\n").count == 1, "\(noBuild.stderr)")

        let noHost = try run(root.appendingPathComponent("Board/deploy.sh").path, [])
        #expect(noHost.status == 64)
    }

    @Test("make board without an aarch64 machine or a static SDK: one clear message, exit 1")
    func boardBuildNeedsSDK() throws {
        let sdks = try run("swift", ["sdk", "list"])
        var machine = utsname()
        uname(&machine)
        let arch = withUnsafeBytes(of: machine.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard arch != "aarch64", !sdks.stdout.contains("static-linux") else { return }  // then it builds: make board
        let result = try run("sh", ["Board/build.sh"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("make board: no Swift static Linux SDK is installed") && result.stderr.contains("run `make board` on the Pi itself"), "\(result.stderr)")
    }
}
