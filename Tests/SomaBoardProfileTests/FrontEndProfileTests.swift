import Foundation
import SomaBoardProfile
import SomaCore
import Testing

private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let netlist = repository.appendingPathComponent("Board/hardware/frontend.cir").path
private let piProfiles: [String] = {
    let folder = repository.appendingPathComponent("Board/profiles")
    return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        .filter { $0.hasPrefix("pi") && $0.hasSuffix(".toml") }.sorted()
}()

/// The Pi 5 single-neuron profile with some of its lines replaced, parsed as if it sat in
/// Board/profiles (its netlist path resolves from there).
private func piProfile(replacing replacements: [(String, String)]) throws -> (text: String, file: String) {
    let file = repository.appendingPathComponent("Board/profiles/pi5-single-neuron.toml").path
    var text = try String(contentsOfFile: file, encoding: .utf8)
    for (old, new) in replacements {
        #expect(text.contains(old), "the profile has no '\(old)'")
        text = text.replacingOccurrences(of: old, with: new)
    }
    return (text, file)
}

private func problems(_ text: String, file: String) -> [FileDiagnostic] {
    do {
        _ = try BoardProfile.parse(text, file: file, checkingFrontEnd: true)
        return []
    } catch {
        return error.diagnostics
    }
}

private func line(of key: String, in text: String) -> Int {
    (text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix(key) } ?? -1) + 1
}

@Suite("Profiles held to the front-end netlist")
struct FrontEndProfileTests {
    @Test("every shipped hardware profile names the front-end and its enable line, and the circuit delivers what it asks", arguments: piProfiles)
    func shippedHardwareProfile(_ name: String) throws {
        #expect(!piProfiles.isEmpty)
        let path = repository.appendingPathComponent("Board/profiles/\(name)").path
        let profile = try BoardProfile.load(path: path, checkingFrontEnd: true)
        let frontEnd = try #require(profile.frontEnd)
        #expect(frontEnd.enable == .gpio(chip: "main", offset: 4))
        #expect(frontEnd.enableActiveLow)
        #expect(frontEnd.netlistPath.map { URL(fileURLWithPath: $0).standardizedFileURL.path } == URL(fileURLWithPath: netlist).standardizedFileURL.path)
        // The DAC as the circuit powers it: VDD 3.3 V like the I2C pull-ups, internal reference ×2.
        #expect(profile.i2c?.dac?.reference == "internal-x2")
        #expect(frontEnd.readVolts == 0.2)
        // Deployed on a board only the profile is copied: somad reads it without the netlist.
        let deployed = FileManager.default.temporaryDirectory.appendingPathComponent("soma-deployed-\(getpid())-\(name)").path
        try FileManager.default.copyItem(atPath: path, toPath: deployed)
        defer { try? FileManager.default.removeItem(atPath: deployed) }
        #expect(throws: ProfileErrors.self) { _ = try BoardProfile.load(path: deployed, checkingFrontEnd: true) }
        #expect(try BoardProfile.load(path: deployed).frontEnd?.enable == frontEnd.enable)
    }

    @Test("the DAC's four channels at start: pulse, spike, T3 lift and programming gate, as the profile sets them")
    func dacChannels() throws {
        let profile = try BoardProfile.load(path: repository.appendingPathComponent("Board/profiles/pi5-paper-network.toml").path)
        let frontEnd = try #require(profile.frontEnd)
        #expect(frontEnd.dacVolts(pulseVolts: 1.6, pulseChannel: 0) == [1.6, 2.0, 1.9, 3.0])
        var none = FrontEndSettings()
        none.spikeVolts = nil
        #expect(none.dacVolts(pulseVolts: 1.8, pulseChannel: 2) == [0, 0, 1.8, 0])
    }

    @Test("the netlist's capabilities are what frontend.cir says")
    func capabilities() throws {
        let fe = try FrontEndCapabilities.read(path: netlist)
        #expect(fe["FE_DAC_SUPPLY_VOLTS"] == 3.3)
        #expect(fe["FE_READ_VOLTS"] == 0.2)
        #expect(fe.railCeiling.volts == 3.3)
        #expect(fe.railCeiling.why.contains("MCP4728"))
        #expect(fe["FE_SYNAPSE_MAX_SIEMENS"] == 1000e-6)
    }

    @Test("a level beyond what the DAC, buffer and switches deliver is refused at its key, naming the part and its limit")
    func levelBeyondTheCircuit() throws {
        let (text, file) = try piProfile(replacing: [
            ("max_amplitude_volts = 2.0", "max_amplitude_volts = 3.5"), ("spike_volts = 2.0", "spike_volts = 4.0"),
        ])
        let found = problems(text, file: file)
        let amplitude = try #require(found.first { $0.message.hasPrefix("limits.max_amplitude_volts = 3.5 V") }, "\(found)")
        #expect(amplitude.line == line(of: "max_amplitude_volts", in: text))
        #expect(amplitude.file == file)
        #expect(amplitude.message.contains("MCP4728") && amplitude.message.contains("3.3 V"), "\(amplitude)")
        #expect(found.contains { $0.message.hasPrefix("frontend.spike_volts = 4 V") && $0.line == line(of: "spike_volts", in: text) }, "\(found)")
    }

    @Test("a DAC powered off the 5 V supply is refused: its I2C inputs would need 3.5 V")
    func dacOnTheSupply() throws {
        let (text, file) = try piProfile(replacing: [("reference = \"internal-x2\"", "reference = \"supply\"\nsupply_volts = 5.0")])
        let found = problems(text, file: file)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.message.contains("0.7·VDD") == true)
        #expect(found.first?.line == line(of: "reference", in: text))
    }

    @Test("a read level or comparator threshold other than the dividers make is refused")
    func fixedLevels() throws {
        let (text, file) = try piProfile(replacing: [("read_volts = 0.2 ", "read_volts = 0.25 "), ("comparator_volts = 0.297", "comparator_volts = 0.5")])
        let found = problems(text, file: file)
        #expect(found.count == 2, "\(found)")
        #expect(found.contains { $0.message.hasPrefix("frontend.read_volts = 0.25 V") })
        #expect(found.contains { $0.message.hasPrefix("frontend.comparator_volts = 0.5 V") })
    }

    @Test("the wrong DAC channel for the pulse rail, or no enable line, is refused")
    func channelAndEnable() throws {
        let (text, file) = try piProfile(replacing: [("input_pulse_channel = \"a\"", "input_pulse_channel = \"b\""), ("enable = \"main:4\"", "# no enable")])
        let found = problems(text, file: file)
        #expect(found.contains { $0.message.contains("pulse rail is on channel a") }, "\(found)")
        #expect(found.contains { $0.message.contains("no enable line") }, "\(found)")
    }

    @Test("a layer that would draw more than the rail's current limit is refused")
    func railCurrent() throws {
        // 600 rows × 1 neuron × 1000 µS × 2.0 V = 1.2 A, beyond the OPA569's 1 A (R_SET 11.5 k).
        let (over, file) = try piProfile(replacing: [("inputs = 2 ", "inputs = 600 ")])
        let found = problems(over, file: file)
        #expect(found.contains { $0.message.contains("A from the pulse rail, beyond its 1 A current limit") }, "\(found.prefix(3))")
    }

    @Test("an unreadable netlist value is named at the netlist's file and line")
    func unreadableNetlist() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("soma-frontend-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var circuit = try String(contentsOfFile: netlist, encoding: .utf8)
        circuit = circuit.replacingOccurrences(of: "FE_READ_VOLTS=0.2 ", with: "FE_READ_VOLTS=abc ")
        let brokenNetlist = folder.appendingPathComponent("frontend.cir").path
        try circuit.write(toFile: brokenNetlist, atomically: true, encoding: .utf8)
        let (text, file) = try piProfile(replacing: [("netlist = \"../hardware/frontend.cir\"", "netlist = \"\(brokenNetlist)\"")])
        let found = problems(text, file: file)
        let lineOfValue = (circuit.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("FE_READ_VOLTS=abc") } ?? -1) + 1
        #expect(found.contains { $0.file == brokenNetlist && $0.line == lineOfValue && $0.message.contains("FE_READ_VOLTS = abc is not a number") }, "\(found)")
        #expect(found.contains { $0.file == file && $0.message.hasPrefix("frontend.netlist") }, "\(found)")
        // A netlist that is not there at all.
        let (missing, _) = try piProfile(replacing: [("netlist = \"../hardware/frontend.cir\"", "netlist = \"/nonexistent/frontend.cir\"")])
        #expect(problems(missing, file: file).contains { $0.file == "/nonexistent/frontend.cir" && $0.message.contains("cannot read") })
    }
}
