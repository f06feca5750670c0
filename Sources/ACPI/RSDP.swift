/// Root System Description Pointer, revision 2 (ACPI 6.x §5.2.5.3), 36 bytes:
///
/// ```
///  0 "RSD PTR "   8 Checksum (bytes 0..<20)   9 OEMID[6]   15 Revision = 2
/// 16 RsdtAddress  20 Length = 36   24 XsdtAddress   32 Extended Checksum (all 36)   33 Reserved[3]
/// ```
///
/// Decision: no RSDT. RsdtAddress is 0 and only the XSDT lists the tables. An ACPI 2.0+ OS must use
/// the XSDT when present (§5.2.5.3), and one root table halves the pointer surface the ABI promises.
/// Guests must therefore not follow RsdtAddress.
public struct RSDP: Sendable, Equatable {
    public static let size = 36
    public static let revision: UInt8 = 2
    static let checksumOffset = 8
    static let extendedChecksumOffset = 32

    public var oemID: String
    public var xsdtAddress: UInt64

    public init(oemID: String, xsdtAddress: UInt64) {
        self.oemID = oemID
        self.xsdtAddress = xsdtAddress
    }

    public func bytes() -> [UInt8] {
        var writer = ByteWriter()
        writer.put(Array("RSD PTR ".utf8))
        writer.put(0)  // checksum of the ACPI 1.0 part, patched below
        writer.putASCII(oemID, width: 6)
        writer.put(Self.revision)
        writer.put32(0)  // RsdtAddress: no RSDT
        writer.put32(UInt32(Self.size))
        writer.put64(xsdtAddress)
        writer.put(0)  // extended checksum, patched below
        writer.putZeros(3)
        writer.patch8(ACPIChecksum.complement(of: writer.bytes[0..<20]), at: Self.checksumOffset)
        writer.patch8(ACPIChecksum.complement(of: writer.bytes), at: Self.extendedChecksumOffset)
        return writer.bytes
    }
}
