import Testing
@testable import ACPI

/// AML primitives. Expected bytes were checked against `iasl -oa` (acpica-tools 20200925).
@Suite struct AMLEncodingTests {
    @Test(arguments: [
        (63, "3F"),                     // largest one-byte PkgLength
        (64, "40 04"),                  // smallest two-byte: lead 0x40 | low nibble, then bits 4-11
        (4095, "4F FF"),                // largest two-byte
        (4096, "80 00 01"),             // smallest three-byte
        (0xF_FFFF, "8F FF FF"),         // largest three-byte
        (0x10_0000, "C0 00 00 01"),     // smallest four-byte
        (0xFFF_FFFF, "CF FF FF FF"),    // largest PkgLength
    ])
    func packageLengthBoundaries(total: Int, expected: String) {
        #expect(AML.encodePackageLength(total) == hex(expected))
    }

    /// The PkgLength counts itself: a 63-byte body needs 2 length bytes (65 total), a 4094-byte body 3.
    @Test(arguments: [
        (0, "01"), (62, "3F"), (63, "41 04"), (4093, "4F FF"), (4094, "81 00 01"),
        (0xF_FFFC, "8F FF FF"), (0xF_FFFD, "C1 00 00 01"),
    ])
    func packageLengthForBody(body: Int, expected: String) {
        #expect(AML.packageLength(bodyCount: body) == hex(expected))
    }

    @Test func packageLengthDecodesToBodyPlusItselfAndIsMinimal() {
        for body in Array(0...70) + Array(4085...4100) + Array(0xF_FFF0...0x10_0005) {
            let encoded = AML.packageLength(bodyCount: body)
            let following = Int(encoded[0] >> 6)
            #expect(encoded.count == following + 1)
            let total = following == 0 ? Int(encoded[0] & 0x3F)
                : encoded.dropFirst().enumerated().reduce(Int(encoded[0] & 0x0F)) { $0 | Int($1.element) << (4 + 8 * $1.offset) }
            #expect(total == body + encoded.count, "body \(body)")
            if encoded.count > 1 { #expect(encoded[0] & 0x30 == 0, "bits 4-5 of a multi-byte lead are 0") }
        }
    }

    @Test(arguments: [
        (UInt64(0), "00"),                              // ZeroOp
        (1, "01"),                                      // OneOp
        (2, "0A 02"), (0xFF, "0A FF"),                  // BytePrefix
        (0x100, "0B 00 01"), (0xFFFF, "0B FF FF"),      // WordPrefix
        (0x1_0000, "0C 00 00 01 00"), (0xFFFF_FFFF, "0C FF FF FF FF"),  // DWordPrefix
        (0x1_0000_0000, "0E 00 00 00 00 01 00 00 00"),  // QWordPrefix
        (UInt64.max, "0E FF FF FF FF FF FF FF FF"),
    ])
    func integersUseTheShortestForm(value: UInt64, expected: String) {
        #expect(AML.Integer(value).amlBytes == hex(expected))
    }

    @Test func nameStrings() {
        #expect(AML.NameString("_SB").amlBytes == hex("5F 53 42 5F"))                  // padded with '_'
        #expect(AML.NameString("\\_SB").amlBytes == hex("5C 5F 53 42 5F"))             // RootChar
        #expect(AML.NameString("^PCI0").amlBytes == hex("5E 50 43 49 30"))             // ParentPrefixChar
        #expect(AML.NameString("\\_SB.PCI0").amlBytes == hex("5C 2E 5F 53 42 5F 50 43 49 30"))  // DualNamePrefix
        #expect(AML.NameString("_SB.PCI0.COM1").amlBytes
                == hex("2F 03 5F 53 42 5F 50 43 49 30 43 4F 4D 31"))                     // MultiNamePrefix, 3 segments
        #expect(AML.NameString("").amlBytes == [0x00])                                  // NullName
    }

    @Test func nameSegmentValidity() {
        for valid in ["_HID", "PCI0", "C0FE", "A", "KBD"] { #expect(AML.isValidNameSegment(valid)) }
        for invalid in ["", "0ABC", "TOOLONG", "pci0", "A-B", "CÖM"] { #expect(!AML.isValidNameSegment(invalid)) }
    }

    @Test func stringsAreNulTerminated() {
        #expect(AML.StringConstant("AB").amlBytes == hex("0D 41 42 00"))
        #expect(AML.StringConstant("").amlBytes == hex("0D 00"))
    }

    @Test(arguments: [
        ("PNP0501", UInt32(0x0105_D041), "0C 41 D0 05 01"),
        ("PNP0A03", 0x030A_D041, "0C 41 D0 0A 03"),
        ("PNP0B00", 0x000B_D041, "0C 41 D0 0B 00"),
        ("PNP0303", 0x0303_D041, "0C 41 D0 03 03"),
    ])
    func eisaIDCompression(id: String, value: UInt32, expected: String) {
        #expect(AML.EISAID(id).value == value)
        #expect(AML.EISAID(id).amlBytes == hex(expected))
    }

    @Test func eisaIDValidity() {
        #expect(AML.EISAID.isValid("PNP0C0F"))
        for invalid in ["PNP050", "pnp0501", "PNP05G1", "1NP0501"] { #expect(!AML.EISAID.isValid(invalid)) }
    }

    @Test func methodFlags() {
        #expect(AML.Method("_STA", []).flags == 0x00)
        #expect(AML.Method("MTHD", arguments: 2, serialized: true, []).flags == 0x0A)
        #expect(AML.Method("MTHD", arguments: 7, serialized: true, syncLevel: 15, []).flags == 0xFF)
    }
}
