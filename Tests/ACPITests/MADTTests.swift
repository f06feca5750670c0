import Testing
@testable import ACPI

@Suite struct MADTTests {
    struct Entry: Equatable {
        let type: UInt8
        let bytes: [UInt8]
    }

    /// Walks the interrupt controller structures after the 44-byte fixed part.
    static func entries(_ madt: [UInt8]) -> [Entry] {
        var entries: [Entry] = []
        var offset = 44
        while offset < madt.count {
            let length = Int(madt[offset + 1])
            entries.append(Entry(type: madt[offset], bytes: Array(madt[offset..<offset + length])))
            offset += length
        }
        return entries
    }

    @Test(arguments: [1, 2, 8])
    func oneEnabledLocalAPICPerVCPU(cpus: Int) throws {
        let madt = try #require(try Fixture.tables(cpus: cpus).table("APIC")).bytes
        #expect(madt.count == 44 + 8 * cpus + 12 + 2 * 10 + 6)
        #expect(madt.u32(36) == 0xFEE0_0000, "local APIC address")
        #expect(madt.u32(40) == 1, "PCAT_COMPAT")
        let entries = Self.entries(madt)
        let processors = entries.filter { $0.type == 0 }
        #expect(processors.count == cpus)
        #expect(processors.map { $0.bytes[3] } == (0..<cpus).map(UInt8.init), "APIC ids")
        #expect(processors.map { $0.bytes[2] } == (0..<cpus).map(UInt8.init), "ACPI processor UIDs")
        #expect(processors.allSatisfy { $0.bytes.count == 8 && $0.bytes.u32(4) == 1 }, "enabled")
        #expect(entries.map(\.type) == Array(repeating: 0, count: cpus) + [1, 2, 2, 4])
    }

    @Test func ioAPICOverridesAndNMIGoldenBytes() throws {
        let entries = Self.entries(try #require(try Fixture.tables(cpus: 1).table("APIC")).bytes)
        // [0] Processor Local APIC: UID 0, APIC id 0, enabled.
        #expect(entries[0].bytes == hex("00 08 00 00 01 00 00 00"))
        // [1] I/O APIC: id 0, address 0xFEC00000, GSI base 0.
        #expect(entries[1].bytes == hex("01 0C 00 00 00 00 C0 FE 00 00 00 00"))
        // [2] ISA IRQ 0 -> GSI 2, flags 0x0005 (edge, active high).
        #expect(entries[2].bytes == hex("02 0A 00 00 02 00 00 00 05 00"))
        // [3] ISA IRQ 9 -> GSI 9, flags 0x000D (level, active high): the SCI.
        #expect(entries[3].bytes == hex("02 0A 00 09 09 00 00 00 0D 00"))
        // [4] Local APIC NMI: all processors (0xFF), flags 0x0005, LINT1.
        #expect(entries[4].bytes == hex("04 06 FF 05 00 01"))
    }

    @Test func ioAPICIsAnInput() throws {
        var config = Fixture.configuration()
        config.ioAPIC = IOAPICDescription(id: 2, address: 0xFEC0_1000, gsiBase: 24)
        config.interruptOverrides = [.timer]
        config.localAPICNMIs = []
        let madt = try #require(try ACPITableSet.build(config, placedAt: Fixture.tablesBase).table("APIC")).bytes
        let entries = Self.entries(madt)
        #expect(entries.map(\.type) == [0, 0, 1, 2])
        #expect(entries[2].bytes == hex("01 0C 02 00 00 10 C0 FE 18 00 00 00"))
        #expect(ACPIChecksum.sum(madt) == 0)
    }
}
