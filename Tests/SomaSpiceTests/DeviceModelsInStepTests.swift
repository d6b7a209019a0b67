import Foundation
import SomaBoardProfile
import SomaSim
import Testing

/// `.param NAME=VALUE` values of a SPICE file (the profile check's own reader).
func spiceParameters(_ path: String) throws -> [String: Double] {
    let parameters = SPICEParameter.scan(try String(contentsOfFile: path, encoding: .utf8))
    return Dictionary(parameters.compactMap { parameter in parameter.value.map { (parameter.name, $0) } }) { _, last in last }
}

/// The SPICE circuit and the simulated breadboard describe the same devices: the TS neuron's
/// parameter sets in Board/hardware/models/devices.lib are SomaSim's DiffusiveMemristor sets.
@Suite struct DeviceModelsInStepTests {
    @Test("devices.lib's TS_FIG2/3/5 parameters equal DiffusiveMemristor.Parameters.fig2/3/5", arguments: DiffusiveMemristor.Parameters.sets)
    func tsSets(_ set: DiffusiveMemristor.Parameters) throws {
        let values = try spiceParameters(hardwareFolder + "/models/devices.lib")
        let prefix = "TS_\(set.name.uppercased())_"
        let expected: [(String, Double)] = [
            ("ROFF", set.offOhms), ("RON", set.onOhms), ("RREF", set.referenceRatePerSecond), ("VREF", set.referenceVolts),
            ("VSLOPE", set.slopeVolts), ("VMIN", set.minimumVolts), ("TLEAK", set.leakSeconds), ("VHOLD", set.holdVolts),
            ("TRELAX", set.relaxSecondsAtReference), ("VRELAX", set.relaxSlopeVolts),
        ]
        for (name, value) in expected {
            let spice = try #require(values[prefix + name], "devices.lib has no \(prefix + name)")
            #expect(abs(spice - value) <= 1e-9 * max(1, abs(value)), "\(prefix + name): SPICE \(spice), SomaSim \(value)")
        }
    }

    @Test("the 1T1R synapse's defaults in devices.lib are ResistiveSynapse's")
    func rsDefaults() throws {
        let text = try String(contentsOfFile: hardwareFolder + "/models/devices.lib", encoding: .utf8)
        let header = try #require(text.range(of: ".subckt RS_1T1R").map { String(text[$0.lowerBound...].prefix(400)) })
        let synapse = ResistiveSynapse.Parameters()
        for (name, value) in [
            ("gmin", synapse.minimumSiemens), ("gmax", synapse.maximumSiemens), ("vset", synapse.setVolts), ("vreset", synapse.resetVolts),
            ("aset", synapse.setStep), ("areset", synapse.resetStep), ("vsetref", synapse.setReferenceVolts),
            ("vresetref", synapse.resetReferenceVolts), ("step", synapse.stepSeconds),
        ] {
            let pair = try #require(header.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix(name + "=") }, "RS_1T1R has no \(name)")
            let spice = try #require(SPICEParameter.number(String(pair.dropFirst(name.count + 1))))
            #expect(abs(spice - value) <= 1e-12 + 1e-9 * abs(value), "\(name): SPICE \(spice), SomaSim \(value)")
        }
    }
}
