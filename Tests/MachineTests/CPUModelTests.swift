import CPUFeatures
import KVM
import Testing
@testable import Machine

@Suite struct CPUModelTests {
    let model = MachineTypes.v1_0.cpu

    func leaf(_ entries: [CPUIDEntry], _ function: UInt32, _ index: UInt32 = 0) throws -> CPUIDEntry {
        try #require(entries.first { $0.function == function && $0.index == index })
    }

    @Test func signatureEncodesExtendedFamilyAndModel() {
        #expect(model.signature == 0x0083_0F10)      // family 0x17 = 0xF + 0x8, model 0x31
        let intel = CPUModel(vendor: .intel, family: 6, model: 0x55, stepping: 4, brand: "", maxBasicLeaf: 1,
                             maxExtendedLeaf: 0x8000_0001, physicalAddressBits: 40, virtualAddressBits: 48, featureNames: [])
        #expect(intel.signature == 0x0005_0654)
    }

    @Test func vendorBrandAndLimitsAreTheModelsNotTheHosts() throws {
        let entries = try model.entries(apicID: 0, cpuCount: 1)
        let zero = try leaf(entries, 0)
        #expect(zero.eax == 0xB)
        #expect(CPUModel.vendorString(zero) == "AuthenticAMD")
        #expect(try leaf(entries, 0x8000_0000).eax == 0x8000_0008)
        let brand = try (0x8000_0002...0x8000_0004).flatMap { function in
            let entry = try leaf(entries, UInt32(function))
            return [entry.eax, entry.ebx, entry.ecx, entry.edx].flatMap(\.littleEndianBytes)
        }
        #expect(String(decoding: brand.prefix { $0 != 0 }, as: UTF8.self) == "swiftvm virtual CPU")
        #expect(try leaf(entries, 0x8000_0008).eax == 0x3028)
    }

    @Test func featureRegistersCarryExactlyTheModelsFeatures() throws {
        let entries = try model.entries(apicID: 0, cpuCount: 1)
        let one = try leaf(entries, 1)
        #expect(one.ecx == (1 << 21 | 1 << 31))          // x2apic, hypervisor
        #expect(one.edx == 0x078B_FBFF)                   // fpu … sse2, no HTT with one CPU
        #expect(try leaf(entries, 7).ebx == 0)
        #expect(try leaf(entries, 0x8000_0001).edx == (1 << 11 | 1 << 20 | 1 << 29))
        #expect(try leaf(entries, 0x4000_0001).eax == 0b0100_1011)
        #expect(try leaf(entries, 0x8000_0007).edx == 0)
    }

    @Test func topologyFollowsTheCPUCount() throws {
        let entries = try model.entries(apicID: 3, cpuCount: 4)
        let one = try leaf(entries, 1)
        #expect(one.ebx >> 24 == 3 && (one.ebx >> 16) & 0xFF == 4 && one.edx & (1 << 28) != 0)
        #expect(try leaf(entries, 0xB, 1).ebx == 4)
        #expect(try leaf(entries, 0xB, 0).edx == 3)
        #expect(try leaf(entries, 0x8000_0008).ecx == 3)
    }

    @Test func versionOneOneDiffersFromOneZeroOnlyByInvariantTSC() throws {
        let old = try MachineTypes.v1_0.cpu.entries(apicID: 0, cpuCount: 2)
        let new = try MachineTypes.v1_1.cpu.entries(apicID: 0, cpuCount: 2)
        let differing = zip(old, new).filter { $0 != $1 }
        #expect(old.count == new.count)
        #expect(differing.count == 1)
        #expect(differing.first?.1.function == 0x8000_0007 && differing.first?.1.edx == 1 << 8)
    }

    @Test func aHostMissingFeaturesIsRefusedByName() throws {
        let host = try MachineTypes.v1_1.cpu.entries(apicID: 0, cpuCount: 1)
        try MachineTypes.v1_1.cpu.check(against: host)
        let withoutInvtsc = host.map { entry -> CPUIDEntry in
            var entry = entry
            if entry.function == 0x8000_0007 { entry.edx = 0 }
            return entry
        }
        #expect(throws: CPUModelError.missingFeatures([CPUFeatureTable.feature(named: "invtsc")!])) {
            try MachineTypes.v1_1.cpu.check(against: withoutInvtsc)
        }
        let message = CPUModelError.missingFeatures([CPUFeatureTable.feature(named: "invtsc")!]).description
        #expect(message.hasSuffix("CPUID.80000007.0:EDX[8] invtsc"))
        var intel = host
        intel[0].ebx = 0x756E_6547   // "Genu…": the host's vendor is not the model's business
        try MachineTypes.v1_1.cpu.check(against: intel)
    }

    @Test func machineTypesAreFoundByNameAndUnknownOnesNamed() throws {
        #expect(try MachineTypes.named("swiftvm-1.0") == MachineTypes.v1_0)
        #expect(MachineTypes.latest.name == "swiftvm-1.2")
        // `named` and `latest` build one type each, without `all`: they must agree with it.
        for type in MachineTypes.all { #expect(try MachineTypes.named(type.name) == type) }
        #expect(MachineTypes.latest == MachineTypes.all.last)
        #expect(throws: MachineTypeError.unknown("pc", known: ["swiftvm-1.0", "swiftvm-1.1", "swiftvm-1.2"])) { try MachineTypes.named("pc") }
        for type in MachineTypes.all { _ = try type.cpu.features() }   // every feature name is in the table
    }

    @Test func featureTableNamesBitsByLocation() {
        #expect(CPUFeatureTable.feature(named: "erms")?.description == "CPUID.7.0:EBX[9] erms")
        #expect(CPUFeatureTable.feature(leaf: 1, subleaf: 0, register: .ecx, bit: 31)?.name == "hypervisor")
        #expect(Set(CPUFeatureTable.all.map(\.name)).count == CPUFeatureTable.all.count)
    }

    /// The by-name index is built from the rows directly (not from `all`): both must agree on every name.
    @Test func everyFeatureIsFoundByItsName() {
        for feature in CPUFeatureTable.all { #expect(CPUFeatureTable.feature(named: feature.name) == feature) }
        #expect(CPUFeatureTable.feature(named: "") == nil)
        #expect(CPUFeatureTable.feature(named: "no-such-feature") == nil)
    }
}
