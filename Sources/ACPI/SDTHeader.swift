/// The 36-byte header every system description table starts with (ACPI 6.x §5.2.6):
///
/// ```
///  0  Signature[4]   4  Length   8  Revision   9  Checksum   10 OEMID[6]
/// 16  OEM Table ID[8]   24 OEM Revision   28 Creator ID[4]   32 Creator Revision
/// ```
public struct SDTHeader: Sendable, Equatable {
    public static let size = 36
    static let lengthOffset = 4
    static let checksumOffset = 9

    public var signature: String
    public var revision: UInt8
    public var identity: ACPIIdentity

    public init(signature: String, revision: UInt8, identity: ACPIIdentity) {
        self.signature = signature
        self.revision = revision
        self.identity = identity
    }

    /// Serializes a whole table: this header, then `body`; patches the length and the checksum so the
    /// table sums to 0.
    public func table(body: (inout ByteWriter) -> Void) -> [UInt8] {
        var writer = ByteWriter()
        writer.putASCII(signature, width: 4)
        writer.put32(0)  // length, patched below
        writer.put(revision)
        writer.put(0)  // checksum, patched below
        writer.putASCII(identity.oemID, width: 6)
        writer.putASCII(identity.oemTableID, width: 8)
        writer.put32(identity.oemRevision)
        writer.putASCII(identity.creatorID, width: 4)
        writer.put32(identity.creatorRevision)
        body(&writer)
        writer.patch32(UInt32(writer.count), at: Self.lengthOffset)
        writer.patch8(ACPIChecksum.complement(of: writer.bytes), at: Self.checksumOffset)
        return writer.bytes
    }
}

/// Who made the tables: the header fields every table shares. The OEM table ID names the machine type
/// (for example `"SVM-1.0 "`), so a guest can tell which definition produced what it sees.
public struct ACPIIdentity: Sendable, Equatable, Hashable {
    public var oemID: String
    public var oemTableID: String
    public var oemRevision: UInt32
    public var creatorID: String
    public var creatorRevision: UInt32

    public init(oemID: String = "SWIFVM", oemTableID: String, oemRevision: UInt32 = 1,
                creatorID: String = "SWVM", creatorRevision: UInt32 = 1) {
        self.oemID = oemID
        self.oemTableID = oemTableID
        self.oemRevision = oemRevision
        self.creatorID = creatorID
        self.creatorRevision = creatorRevision
    }

    /// Each text field must be printable ASCII no longer than its slot; shorter text is space-padded.
    func validate() throws(ACPIError) {
        for (field, text, width) in [("OEM ID", oemID, 6), ("OEM table ID", oemTableID, 8),
                                     ("creator ID", creatorID, 4)] {
            guard text.utf8.count <= width, text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                throw .invalidIdentity(field: field, value: text, width: width)
            }
        }
    }
}
