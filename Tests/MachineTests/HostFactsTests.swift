import CPUFeatures
import Foundation
import KVM
import Testing
@testable import Machine

/// Every machine type against the KVM-supported CPUID recorded on an AMD and an Intel host of this
/// machine kind (Fixtures/README.md): whichever vendor the tests run on, both are checked.
@Suite struct HostFactsTests {
    static let hosts = ["amd-epyc", "intel-xeon"]

    /// Reads both recorded formats: `fn=0x… idx=… flags=… eax=0x…` and `swiftvm host`'s `CPUID.LLLLLLLL.S: eax=…`.
    static func supportedCPUID(_ host: String) throws -> [CPUIDEntry] {
        let url = try #require(Bundle.module.url(forResource: "\(host)-kvm-supported-cpuid", withExtension: "txt", subdirectory: "Fixtures"))
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap { line -> CPUIDEntry? in
            var fields: [String: UInt32] = [:]
            for word in line.split(separator: " ") {
                let pair = word.split(separator: "=")
                if pair.count == 2 { fields[String(pair[0])] = UInt32(pair[1].replacingOccurrences(of: "0x", with: ""), radix: 16) }
            }
            if line.hasPrefix("CPUID.") {
                let key = line.dropFirst(6).prefix { $0 != ":" }.split(separator: ".")
                fields["fn"] = UInt32(key[0], radix: 16)
                fields["idx"] = UInt32(key[1])
            }
            guard let function = fields["fn"], let index = fields["idx"], let eax = fields["eax"], let ebx = fields["ebx"],
                  let ecx = fields["ecx"], let edx = fields["edx"] else { return nil }
            return CPUIDEntry(function: function, index: index, eax: eax, ebx: ebx, ecx: ecx, edx: edx)
        }
    }

    @Test(arguments: hosts) func theFixturesAreThoseHosts(host: String) throws {
        let entries = try Self.supportedCPUID(host)
        #expect(entries.count > 40)
        let vendor = CPUModel.vendorString(try #require(entries.first { $0.function == 0 }))
        #expect(vendor == (host == "amd-epyc" ? "AuthenticAMD" : "GenuineIntel"))
    }

    @Test(arguments: hosts) func everyMachineTypeRunsOnBothVendors(host: String) throws {
        let supported = try Self.supportedCPUID(host)
        for type in MachineTypes.all {
            try type.cpu.check(against: supported)
        }
    }

    @Test(arguments: hosts) func aMissingFeatureIsNamedOnEitherVendor(host: String) throws {
        // A named feature this host's KVM lacks (each vendor lacks different ones): refused by name.
        let supported = try Self.supportedCPUID(host)
        let lacking = try #require(CPUFeatureTable.all.first { feature in
            let entry = supported.first { $0.function == feature.leaf && $0.index == feature.subleaf }
            return (entry?.value(of: feature.register) ?? 0) & feature.mask == 0 && feature.leaf < 0x4000_0000
        })
        let type = try MachineTypes.v1_1.withCPUFeatures(adding: [lacking.name], removing: [])
        #expect(throws: CPUModelError.missingFeatures([lacking])) { try type.cpu.check(against: supported) }
    }

    /// The guest-visible CPU does not depend on the host: no host input goes into the table.
    @Test func theProgrammedTableIsTheModelsOnEveryHost() throws {
        for type in MachineTypes.all {
            let entries = try type.cpu.entries(apicID: 0, cpuCount: 2)
            #expect(CPUModel.vendorString(try #require(entries.first { $0.function == 0 })) == "AuthenticAMD")
            let text = ProgrammedTables.text(machineType: type, cpuid: entries, cpus: 2)
            #expect(text.contains("CPUID.00000001.0: eax=00830f10"))
            #expect(text.contains("MSR.0000001b: kvm") && text.contains("MSR.000000fe: 0000000000000508"))
            #expect(!text.contains("MSR.0000010a"))
        }
    }

    @Test func featureChangesKeepTheNameAndRefuseUnknownNames() throws {
        let planted = try MachineTypes.v1_1.withCPUFeatures(adding: [], removing: ["pse36"])
        #expect(planted.name == "swiftvm-1.1")
        let leaf1 = try #require(try planted.cpu.entries(apicID: 0, cpuCount: 1).first { $0.function == 1 })
        #expect(leaf1.edx & (1 << 17) == 0)
        #expect(throws: CPUModelError.unknownFeature("nosuch")) { try MachineTypes.v1_1.withCPUFeatures(adding: ["nosuch"], removing: []) }
    }
}
