import KVM
import Testing
@testable import Machine

@Suite struct CPUTopologyTests {
    let supported = [
        CPUIDEntry(function: 1, eax: 0xA10F11, ebx: 0x0002_0800, ecx: 0x8120_2000, edx: 0x078B_FBFF),
        CPUIDEntry(function: 0xB, index: 0, flags: 1),
        CPUIDEntry(function: 0xB, index: 1, flags: 1),
        CPUIDEntry(function: 0x8000_0008, eax: 0x3030, ecx: 0x7001),
        CPUIDEntry(function: 7, ebx: 0x0180_0002),
    ]

    func leaf(_ entries: [CPUIDEntry], _ function: UInt32, _ index: UInt32 = 0) throws -> CPUIDEntry {
        try #require(entries.first { $0.function == function && $0.index == index })
    }

    @Test func leafOneCarriesTheAPICIDAndTheCPUCount() throws {
        let entries = CPUTopology.entries(from: supported, apicID: 3, cpuCount: 4)
        let one = try leaf(entries, 1)
        #expect(one.ebx >> 24 == 3)
        #expect((one.ebx >> 16) & 0xFF == 4)
        #expect(one.ebx & 0xFFFF == 0x0800)          // CLFLUSH size and brand index untouched
        #expect(one.edx & (1 << 28) != 0)            // HTT: more than one logical CPU
        #expect(one.eax == 0xA10F11 && one.ecx == 0x8120_2000)
    }

    @Test func singleCPUMachinesClearHTT() throws {
        let one = try leaf(CPUTopology.entries(from: supported, apicID: 0, cpuCount: 1), 1)
        #expect(one.edx & (1 << 28) == 0)
        #expect((one.ebx >> 16) & 0xFF == 1)
    }

    @Test func extendedTopologyLeafDescribesOneSocketOfCores() throws {
        let entries = CPUTopology.entries(from: supported, apicID: 5, cpuCount: 6)
        let smt = try leaf(entries, 0xB, 0), core = try leaf(entries, 0xB, 1)
        #expect(smt.ebx == 1 && smt.ecx == 0x100 && smt.edx == 5)
        #expect(core.ebx == 6 && core.ecx == 0x201 && core.edx == 5)
        #expect(core.eax == 3)                       // 3 bits cover APIC ids 0–5
    }

    @Test func amdCoreCountAndOtherLeavesUntouched() throws {
        let entries = CPUTopology.entries(from: supported, apicID: 0, cpuCount: 2)
        #expect(try leaf(entries, 0x8000_0008).ecx == 0x7001)
        #expect(try leaf(entries, 7) == supported[4])
        #expect(entries.count == supported.count)
    }
}
