import Testing
@testable import ACPI

@Suite struct TableSetTests {
    @Test func everyTableSumsToZeroAndCarriesItsLength() throws {
        let set = try Fixture.tables()
        #expect(set.tables.map(\.signature) == ["XSDT", "FACP", "APIC", "DSDT"])
        for table in set.tables {
            #expect(ACPIChecksum.sum(table.bytes) == 0, "\(table.signature) checksum")
            #expect(Int(table.bytes.u32(4)) == table.bytes.count, "\(table.signature) length field")
            #expect(table.bytes.ascii(0..<4) == table.signature)
            #expect(table.bytes.ascii(10..<16) == "SWIFVM")
            #expect(table.bytes.ascii(16..<24) == "SVM-1.0 ")
            #expect(table.bytes.u32(24) == 1, "OEM revision")
            #expect(table.bytes.ascii(28..<32) == "SWVM")
            #expect(table.bytes.u32(32) == 1, "creator revision")
        }
        #expect(set.table("XSDT")?.bytes.count == 36 + 2 * 8)
        #expect(set.table("FACP")?.bytes.count == 276)
        #expect(set.table("APIC")?.bytes[8] == 5)
        #expect(set.table("DSDT")?.bytes[8] == 2)
    }

    @Test func layoutIsContiguousAlignedAndAscending() throws {
        let set = try Fixture.tables()
        #expect(set.tables.first?.address == Fixture.tablesBase)
        for (previous, next) in zip(set.tables, set.tables.dropFirst()) {
            #expect(next.address % ACPITableSet.alignment == 0)
            #expect(next.address >= previous.range.upperBound)
            #expect(next.address - previous.range.upperBound < ACPITableSet.alignment, "no gap beyond padding")
        }
        #expect(set.tablesRange == Fixture.tablesBase..<set.tables.last!.range.upperBound)
    }

    @Test func rsdpHasBothChecksumsAndPointsAtTheXSDT() throws {
        let set = try Fixture.tables()
        let rsdp = set.rsdp.bytes
        #expect(set.rsdp.address == Fixture.rsdpAddress)
        #expect(rsdp.count == 36)
        #expect(rsdp.ascii(0..<8) == "RSD PTR ")
        #expect(ACPIChecksum.sum(rsdp[0..<20]) == 0, "ACPI 1.0 checksum")
        #expect(ACPIChecksum.sum(rsdp) == 0, "extended checksum")
        #expect(rsdp.ascii(9..<15) == "SWIFVM")
        #expect(rsdp[15] == 2, "revision")
        #expect(rsdp.u32(16) == 0, "no RSDT")
        #expect(rsdp.u32(20) == 36, "length")
        #expect(rsdp.u64(24) == set.table("XSDT")?.address)
        #expect(Array(rsdp[33..<36]) == [0, 0, 0])
    }

    @Test func xsdtListsFADTAndMADTAndFADTPointsAtTheDSDT() throws {
        let set = try Fixture.tables()
        let xsdt = try #require(set.table("XSDT")).bytes
        let fadt = try #require(set.table("FACP"))
        let madt = try #require(set.table("APIC"))
        let dsdt = try #require(set.table("DSDT"))
        #expect([xsdt.u64(36), xsdt.u64(44)] == [fadt.address, madt.address])
        #expect(UInt64(fadt.bytes.u32(40)) == dsdt.address, "DSDT (32-bit)")
        #expect(fadt.bytes.u64(140) == dsdt.address, "X_DSDT")
    }

    @Test func fadtIsHardwareReducedWithTheI8042Reset() throws {
        let fadt = try #require(try Fixture.tables().table("FACP")).bytes
        #expect(fadt[8] == 6, "major revision")
        #expect(fadt[131] == 3, "minor version")
        #expect(fadt.u32(36) == 0, "no FACS")
        #expect(fadt.u16(46) == 9, "SCI_INT")
        #expect(fadt.u32(48) == 0, "no SMI_CMD")
        #expect(fadt[56..<96].allSatisfy { $0 == 0 }, "no fixed-hardware register blocks")
        #expect(fadt.u16(109) == 0x0007, "IAPC_BOOT_ARCH: legacy devices, 8042, no VGA")
        let flags = FADT.Flags(rawValue: fadt.u32(112))
        #expect(flags.contains(.hardwareReducedACPI))
        #expect(flags.contains(.resetRegisterSupported))
        #expect(Array(fadt[116..<128]) == hex("01 08 00 01 64 00 00 00 00 00 00 00"), "RESET_REG: system I/O 0x64, 8 bits")
        #expect(fadt[128] == 0xFE, "RESET_VALUE")
        #expect(fadt[148..<268].allSatisfy { $0 == 0 }, "extended blocks and sleep registers absent")
        #expect(fadt.ascii(268..<276) == "SWIFTVM ")
    }

    @Test func devicesAreAnInput() throws {
        var config = Fixture.configuration()
        let standard = try #require(try ACPITableSet.build(config, placedAt: Fixture.tablesBase).table("DSDT"))
        config.devices.append(ACPIDeviceDescription(name: "COM2", hardwareID: .eisa("PNP0501"), uniqueID: 2,
                                                    status: 0x0F, resources: [.io(base: 0x2F8, length: 8), .irq(3)]))
        let more = try #require(try ACPITableSet.build(config, placedAt: Fixture.tablesBase).table("DSDT"))
        #expect(more.bytes.count > standard.bytes.count)
        #expect(more.bytes.ascii(0..<more.bytes.count).contains("COM2"))
        #expect(!standard.bytes.ascii(0..<standard.bytes.count).contains("COM2"))

        config.devices = []
        config.pciHostBridge = nil
        config.processorDevices = false
        let empty = try #require(try ACPITableSet.build(config, placedAt: Fixture.tablesBase).table("DSDT"))
        // Scope (\_SB) {} only.
        #expect(Array(empty.bytes[36...]) == hex("10 06 5C 5F 53 42 5F"))
    }

    @Test func processorDevicesMatchTheMADT() throws {
        let dsdt = try #require(try Fixture.tables(cpus: 3).table("DSDT")).bytes
        let text = dsdt.ascii(0..<dsdt.count)
        for name in ["C000", "C001", "C002"] { #expect(text.contains(name)) }
        #expect(!text.contains("C003"))
        #expect(DSDT.processorDeviceName(0xFE) == "C0FE")
    }

    @Test func sameInputsGiveIdenticalBytes() throws {
        #expect(try Fixture.tables() == Fixture.tables())
        let moved = try ACPITableSet.build(Fixture.configuration(), placedAt: 0x10_0000)
        #expect(moved.table("DSDT")?.bytes == (try Fixture.tables()).table("DSDT")?.bytes, "the DSDT holds no addresses")
        #expect(moved.table("XSDT")?.bytes != (try Fixture.tables()).table("XSDT")?.bytes)
    }

    @Test func badInputsAreRefusedWithAnActionableError() {
        func error(_ change: (inout ACPIConfiguration) -> Void, base: UInt64 = Fixture.tablesBase) -> ACPIError? {
            var config = Fixture.configuration()
            change(&config)
            do {
                _ = try ACPITableSet.build(config, placedAt: base)
                return nil
            } catch {
                return error
            }
        }
        let span = UInt64((try? Fixture.tables().tablesRange.count) ?? 0)
        #expect(error { $0.cpuCount = 0 } == .cpuCount(0))
        #expect(error { $0.cpuCount = 256 } == .cpuCount(256))
        #expect(error { $0.rsdpAddress = 0xE_0008 } == .misalignedRSDP(0xE_0008))
        #expect(error({ _ in }, base: 0xE_0048) == .misalignedBase(0xE_0048))
        #expect(error { $0.rsdpAddress = Fixture.tablesBase + 0x40 }
                == .rsdpOverlapsTables(rsdp: Fixture.tablesBase + 0x40, tables: Fixture.tablesBase..<Fixture.tablesBase + span))
        #expect(error({ _ in }, base: 0xFFFF_FF00) == .tablesAbove4GiB(end: 0xFFFF_FF00 + span))
        #expect(error { $0.devices[0].name = "com1" } == .invalidName("com1", context: "device"))
        #expect(error { $0.devices.append(.com1) } == .invalidRange("two devices are named COM1 under \\_SB"))
        #expect(error { $0.devices[0].resources = [.irq(16)] } != nil)
        #expect(error { $0.devices[0].hardwareID = .eisa("PNP05") } != nil)
        #expect(error { $0.identity.oemTableID = "TOO-LONG-ID" } != nil)
        #expect(error { $0.devices.append(ACPIDeviceDescription(name: "C001", hardwareID: .string("FOO0001"))) } != nil)
        #expect(ACPIError.misalignedRSDP(0xE_0008).description.contains("0xE0008"))
    }

    /// fuzz-acpi found these trapping in the AML descriptor precondition instead of being refused: a
    /// window whose length (max - min + 1) overflows its descriptor's length field.
    @Test func hostBridgeWindowsTooLongForTheirDescriptorAreRefused() throws {
        func build(io: [ClosedRange<UInt16>] = [0...0xCF7], memory: [ClosedRange<UInt64>] = []) throws(ACPIError) -> ACPITableSet {
            var config = Fixture.configuration()
            config.pciHostBridge = PCIHostBridgeDescription(ioWindows: io, memoryWindows: memory)
            return try ACPITableSet.build(config, placedAt: Fixture.tablesBase)
        }
        #expect(throws: ACPIError.self) { try build(io: [0...0xFFFF]) }
        #expect(throws: ACPIError.self) { try build(memory: [0...UInt64.max]) }
        _ = try build(io: [0...0xFFFE, 1...0xFFFF], memory: [0...UInt64.max - 1, 1...UInt64.max])
        do {
            _ = try build(io: [0...0xFFFF])
        } catch {
            #expect(error.description.contains("WordIO"))
        }
    }

    /// fuzz-acpi: a base or RSDP address near the top of the 64-bit space overflowed the layout
    /// arithmetic (a trap) instead of being refused.
    @Test func addressesNearTheTopOfTheAddressSpaceAreRefused() {
        #expect(throws: ACPIError.tablesAbove4GiB(end: .max)) {
            try ACPITableSet.build(Fixture.configuration(), placedAt: 0xFFFF_FFFF_FFFF_FFF0)
        }
        #expect(throws: ACPIError.self) {
            try ACPITableSet.build(Fixture.configuration(), placedAt: 0x1_0000_0000)
        }
        var config = Fixture.configuration()
        config.rsdpAddress = 0xFFFF_FFFF_FFFF_FFF0
        #expect(throws: ACPIError.self) { try ACPITableSet.build(config, placedAt: Fixture.tablesBase) }
    }
}
