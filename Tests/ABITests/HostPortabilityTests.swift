import Foundation
import Testing
@testable import ABI

/// One machine type, one fingerprint, on Intel and AMD hosts: the mask rules, the programmed tables
/// and the diff, proven on fingerprints captured on both vendors (Fixtures/README.md).
@Suite struct HostPortabilityTests {
    static func fixture(_ name: String) throws -> Fingerprint {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fingerprint.self, from: Data(contentsOf: url))
    }

    static let tables = """
        # swiftvm programmed tables: machine swiftvm-1.1, vCPU 0 of 2
        CPUID.00000000.0: eax=0000000b ebx=68747541 ecx=444d4163 edx=69746e65
        CPUID.00000001.0: eax=00830f10 ebx=00020800 ecx=80200000 edx=178bfbff
        CPUID.00000007.0: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000
        MSR.0000001b: kvm
        MSR.000000fe: 0000000000000508
        """

    @Test func theKvmPvmRuleMakesBothVendorsCapturesOfOneMachineTypeEqual() throws {
        var amd = try Self.fixture("amd-epyc-fingerprint-swiftvm-1.1").abi
        var intel = try Self.fixture("intel-xeon-fingerprint-swiftvm-1.1").abi
        #expect(amd.cpuid != intel.cpuid)   // CPUID.7.2 exists only where the host's 7.0:EAX says 2
        let rule = try #require(MaskRules.hostSuppliedCPUID.first)
        let amdItems = rule.apply(&amd), intelItems = rule.apply(&intel)
        #expect(amd.cpuid == intel.cpuid)
        #expect(intelItems.contains("CPUID.7.2 leaf") && intelItems.contains("CPUID.7.1 leaf") && amdItems.contains("CPUID.7.1 leaf"))
        #expect(amd.cpuid["00000007.0"] == CPUIDValue(eax: "host", ebx: "host", ecx: "host", edx: "host"))
        // MSR 0x10a is not masked: swiftvm's MSR filter now keeps it #GP on both (conf-msr-policy proves it).
        #expect(amd.msr["0x0000010a"]?.readable == false && intel.msr["0x0000010a"]?.readable == true)
    }

    @Test func programmedTablesParseAndBadLinesAreNamed() throws {
        let view = try ProgrammedView.parse(Self.tables)
        #expect(view.cpuid["00000001.0"]?.edx == "0x178bfbff")
        #expect(view.msr == ["0x0000001b": "kvm", "0x000000fe": "0x0000000000000508"])
        #expect(throws: ProgrammedViewError.badLine(2, "CPUID.00000001.0: eax=zz")) {
            try ProgrammedView.parse("# x\nCPUID.00000001.0: eax=zz\n")
        }
        #expect(throws: ProgrammedViewError.badLine(1, "MSR.0000001b: maybe")) { try ProgrammedView.parse("MSR.0000001b: maybe") }
        #expect(throws: ProgrammedViewError.empty) { try ProgrammedView.parse("MSR.0000001b: kvm\n") }
    }

    /// The gate sees leaf-1 feature bits even where the in-guest view of them is the host's.
    @Test func aPlantedLeafOneChangeFailsByNameThroughTheProgrammedTable() throws {
        let base = try Self.fixture("amd-epyc-fingerprint-swiftvm-1.1")
        let programmed = try ProgrammedView.parse(Self.tables)
        var planted = programmed
        planted.cpuid["00000001.0"]?.edx = "0x1789fbff"   // pse36 (bit 17) removed
        let old = Fingerprint(machine: base.machine, cpus: 2, memoryBytes: base.memoryBytes, abi: base.abi, programmed: programmed,
                              masked: base.masked, maskedItems: ["host.kvm_pvm-cpuid-1-7": ["CPUID.1.0:ECX", "CPUID.1.0:EDX"]],
                              context: base.context)
        let new = Fingerprint(machine: base.machine, cpus: 2, memoryBytes: base.memoryBytes, abi: base.abi, programmed: planted,
                              masked: base.masked, maskedItems: ["host.kvm_pvm-cpuid-1-7": ["CPUID.1.0:ECX", "CPUID.1.0:EDX"]],
                              context: base.context)
        #expect(old.hash != new.hash && old.abi == new.abi)
        let result = ABIDiff.compare(old, new)
        #expect(result.changes.map(\.summary) == ["CPUID.1.0:EDX[17] pse36 1→0"])
        #expect(result.changes.first?.area == "programmed-cpuid" && result.changes.first?.compatibility == .breaking)
        #expect(result.masked.map(\.item) == ["CPUID.1.0:ECX", "CPUID.1.0:EDX"])
        #expect(result.masked.allSatisfy { $0.side == .both && $0.rule == "host.kvm_pvm-cpuid-1-7" })
        #expect(result.text.contains("masked, not compared: 2 items"))
    }

    @Test func whatOneSideCannotShowIsMaskedNotEqual() throws {
        let base = try Self.fixture("amd-epyc-fingerprint-swiftvm-1.1")
        var onHardware = base.abi
        onHardware.cpuid["00000001.0"]?.ecx = "0x80200000"   // a KVM that honours KVM_SET_CPUID2
        onHardware.cpuid["00000007.1"] = nil
        let withTables = Fingerprint(machine: base.machine, cpus: 2, memoryBytes: base.memoryBytes, abi: onHardware,
                                     programmed: try ProgrammedView.parse(Self.tables), masked: [], context: base.context)
        let result = ABIDiff.compare(base, withTables)
        // The old baseline names no masked items, but it applied the kvm_pvm rule: leaf-7 sub-leaves it
        // counted from the host are masked, not "removed".
        #expect(result.changes.isEmpty)
        let items = Set(result.masked.map(\.item))
        #expect(items == ["CPUID.1.0:ECX", "CPUID.7.1 leaf", "programmed tables (KVM_SET_CPUID2, MSR filter)"])
        #expect(result.masked.first { $0.item == "CPUID.1.0:ECX" }?.side == .old)
    }
}

@Suite struct ProgrammedConsistencyTests {
    @Test func theGuestsViewMustMatchTheProgrammedTableWhereNotMasked() throws {
        let programmed = try ProgrammedView.parse(HostPortabilityTests.tables)
        var view = ABIView()
        view.cpuid["00000000.0"] = programmed.cpuid["00000000.0"]
        view.cpuid["00000001.0"] = CPUIDValue(eax: "0x00830f10", ebx: "0x00020800", ecx: "host", edx: "host")
        view.cpuid["00000007.0"] = CPUIDValue(eax: "host", ebx: "host", ecx: "host", edx: "host")
        #expect(ProgrammedConsistency.problems(view: view, programmed: programmed).isEmpty)
        view.cpuid["00000001.0"]?.eax = "0x00a10f11"   // the host's signature leaking through
        let problems = ProgrammedConsistency.problems(view: view, programmed: programmed)
        #expect(problems == ["the guest read CPUID.1.0:EAX = 0x00a10f11 but the VMM programmed 0x00830f10: "
                             + "this host's KVM does not honour KVM_SET_CPUID2 there (docs/host-quirks.md)"])
    }
}
