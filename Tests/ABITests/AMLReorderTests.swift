import Testing
@testable import ABI

/// `AMLDiff.bodies`: a DSDT whose objects only changed order (libvirt's COM1 among the ISA devices of
/// QEMU's pc-i440fx-7.2, docs/driver-differences.md) is told from one whose objects changed.
@Suite struct AMLReorderTests {
    /// The ISA devices of QEMU 7.2's pc DSDT (iasl -d), shortened; `order` lists which go where.
    static func isa(_ order: [String], comSTA: String = "0x0F", kbdSTA: String = "0x0F") -> String {
        let blocks = [
            "KBD": """
                    Device (KBD)
                    {
                        Name (_HID, EisaId ("PNP0303") /* IBM Enhanced Keyboard (101/102-key, PS/2 Mouse) */)  // _HID: Hardware ID
                        Name (_STA, \(kbdSTA))  // _STA: Status
                    }
            """,
            "COM1": """
                    Device (COM1)
                    {
                        Name (_HID, EisaId ("PNP0501") /* 16550A-compatible COM Serial Port */)  // _HID: Hardware ID
                        Name (_STA, \(comSTA))  // _STA: Status
                        Name (_CRS, ResourceTemplate ()  // _CRS: Current Resource Settings
                        {
                            IO (Decode16,
                                0x03F8,             // Range Minimum
                                0x03F8,             // Range Maximum
                                0x00,               // Alignment
                                0x08,               // Length
                                )
                            IRQNoFlags ()
                                {4}
                        })
                    }
            """,
        ]
        return "DefinitionBlock (\"\", \"DSDT\", 1, \"BOCHS \", \"BXPC    \", 0x00000001)\n{\n    Scope (\\_SB.PCI0.S08)\n    {\n"
            + order.map { blocks[$0]! }.joined(separator: "\n\n") + "\n    }\n}\n"
    }

    @Test func reorderedSiblingsHaveEqualBodies() {
        let qemu = AMLDiff.bodies(in: Self.isa(["KBD", "COM1"]))
        #expect(qemu == AMLDiff.bodies(in: Self.isa(["COM1", "KBD"])))
        #expect(qemu["\\_SB.PCI0.S08.COM1"]?.contains("0x03F8,") == true)
        #expect(qemu["\\_SB.PCI0.S08.KBD"]?.count == 2)
    }

    @Test func aChangedOrSwappedValueIsNotAReorder() {
        let qemu = AMLDiff.bodies(in: Self.isa(["KBD", "COM1"]))
        #expect(qemu != AMLDiff.bodies(in: Self.isa(["KBD", "COM1"], comSTA: "Zero")))
        // The same lines in the table, swapped between two devices: each device's own body changed.
        #expect(AMLDiff.bodies(in: Self.isa(["KBD", "COM1"], comSTA: "Zero"))
                != AMLDiff.bodies(in: Self.isa(["KBD", "COM1"], kbdSTA: "Zero")))
        // A device gone is not a reorder either.
        #expect(qemu != AMLDiff.bodies(in: Self.isa(["KBD"])))
    }
}
