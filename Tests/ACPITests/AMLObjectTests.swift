import Testing
@testable import ACPI

/// Golden bytes for AML objects and resource descriptors; each expected dump is what `iasl -oa` compiles
/// from the ASL in the comment beside it (acpica-tools 20200925).
@Suite struct AMLObjectTests {
    @Test func smallDevice() {
        // Device (COM1)
        // {
        //     Name (_HID, EisaId ("PNP0501"))
        //     Name (_UID, One)
        //     Method (_STA, 0, NotSerialized) { Return (0x0F) }
        //     Name (_CRS, ResourceTemplate ()
        //     {
        //         IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
        //         IRQNoFlags () {4}
        //     })
        // }
        let expected = hex("""
            5B 82 35 43 4F 4D 31 08 5F 48 49 44 0C 41 D0 05
            01 08 5F 55 49 44 01 14 09 5F 53 54 41 00 A4 0A
            0F 08 5F 43 52 53 11 10 0A 0D 47 01 F8 03 F8 03
            01 08 22 10 00 79 00
            """)
        let device = AML.Device("COM1", [
            AML.Name("_HID", AML.EISAID("PNP0501")),
            AML.Name("_UID", AML.Integer(1)),
            AML.Method("_STA", [AML.Return(AML.Integer(0x0F))]),
            AML.Name("_CRS", AML.ResourceTemplate([
                AML.IO(base: 0x3F8, length: 8),
                AML.IRQNoFlags([4]),
            ])),
        ])
        #expect(device.amlBytes == expected)
        // The description layer produces the same device.
        #expect(DSDT.device(for: .com1).amlBytes == expected)
    }

    @Test func addressSpaceDescriptors() {
        // Name (BUS0, ResourceTemplate () {
        //     WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0x0000, 0x0000, 0x00FF, 0x0000, 0x0100,,,)
        //     DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
        //                  0x00000000, 0xC0000000, 0xFEBFFFFF, 0x00000000, 0x3EC00000,,, , AddressRangeMemory, TypeStatic)
        //     QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
        //                  0x0, 0x100000000, 0x1FFFFFFFF, 0x0, 0x100000000,,, , AddressRangeMemory, TypeStatic)
        //     Memory32Fixed (ReadWrite, 0xFEC00000, 0x00001000)
        // })
        let expected = hex("""
            08 42 55 53 30 11 4A 06 0A 66 88 0D 00 02 0C 00
            00 00 00 00 FF 00 00 00 00 01 87 17 00 00 0C 01
            00 00 00 00 00 00 00 C0 FF FF BF FE 00 00 00 00
            00 00 C0 3E 8A 2B 00 00 0C 01 00 00 00 00 00 00
            00 00 00 00 00 00 01 00 00 00 FF FF FF FF 01 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00
            00 00 86 09 00 01 00 00 C0 FE 00 10 00 00 79 00
            """)
        let name = AML.Name("BUS0", AML.ResourceTemplate([
            AML.AddressSpace(.word, .busNumber, 0...0xFF),
            AML.AddressSpace(.dword, .memory(cacheable: false, writable: true), 0xC000_0000...0xFEBF_FFFF),
            AML.AddressSpace(.qword, .memory(cacheable: false, writable: true), 0x1_0000_0000...0x1_FFFF_FFFF),
            AML.Memory32Fixed(base: 0xFEC0_0000, length: 0x1000),
        ]))
        #expect(name.amlBytes == expected)
    }

    @Test func wordIOWindow() {
        // WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
        //         0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300,,, , TypeStatic, DenseTranslation)
        var sink = ByteWriter()
        AML.AddressSpace(.word, .io, 0xD00...0xFFFF).encodeResource(into: &sink)
        #expect(sink.bytes == hex("88 0D 00 01 0C 03 00 00 00 0D FF FF 00 00 00 F3"))
    }

    @Test func fittingPicksTheNarrowestWidthThatHoldsTheLength() {
        #expect(AML.AddressSpace.fitting(.io, 0...0xFFFE).width == .word)
        #expect(AML.AddressSpace.fitting(.io, 0xD00...0xFFFF).width == .word)
        #expect(AML.AddressSpace.fitting(.io, 0...0xFFFF).width == .dword)  // length 0x10000
        #expect(AML.AddressSpace.fitting(.busNumber, 0...0xFF).width == .word)
        #expect(AML.AddressSpace.fitting(.memory(cacheable: false, writable: true), 0...0xFFFF_FFFF).width == .qword)
    }

    @Test func irqMask() {
        #expect(AML.IRQNoFlags([4]).mask == 0x0010)
        #expect(AML.IRQNoFlags([1, 8, 15]).mask == 0x8102)
    }

    @Test func methodReturningAPackageOfEveryIntegerWidth() {
        // Method (MTHD, 2, Serialized)
        // {
        //     Return (Package () { Zero, 0xFF, 0x1234, 0x12345678, 0x123456789A, "AB" })
        // }
        let expected = hex("""
            14 22 4D 54 48 44 0A A4 12 1A 06 00 0A FF 0B 34
            12 0C 78 56 34 12 0E 9A 78 56 34 12 00 00 00 0D
            41 42 00
            """)
        let method = AML.Method("MTHD", arguments: 2, serialized: true, [
            AML.Return(AML.Package([
                AML.Integer(0), AML.Integer(0xFF), AML.Integer(0x1234), AML.Integer(0x1234_5678),
                AML.Integer(0x12_3456_789A), AML.StringConstant("AB"),
            ])),
        ])
        #expect(method.amlBytes == expected)
    }

    @Test func scopeWithABuffer() {
        // Scope (\_SB) { Name (BUF0, Buffer () { 1, 2, 3 }) }
        let expected = hex("10 12 5C 5F 53 42 5F 08 42 55 46 30 11 06 0A 03 01 02 03")
        #expect(AML.Scope("\\_SB", [AML.Name("BUF0", AML.Buffer([1, 2, 3]))]).amlBytes == expected)
    }

    @Test func largeBodiesGetLongerPackageLengths() {
        // Buffer (100) {…}: BufferOp, PkgLength 2 bytes (0x68 = 104 = 2 + 2 + 100), BytePrefix 0x64, bytes.
        let buffer = AML.Buffer(Array(repeating: 0xAA, count: 100)).amlBytes
        #expect(Array(buffer.prefix(5)) == hex("11 48 06 0A 64"))
        #expect(buffer.count == 105)
        // 5000 bytes: 3-byte PkgLength (5000 + 3 for BufferSize WordPrefix + 3) = 0x138E.
        let big = AML.Buffer(Array(repeating: 0, count: 5000)).amlBytes
        #expect(Array(big.prefix(7)) == hex("11 8E 38 01 0B 88 13"))
    }
}
